/*
 * The open file description behind every fd of a process, all in one read:
 * a BPF task_file iterator writes, for each fd, the address of its struct
 * file and its path (what readlink of /proc/PID/fd/N says). Two fds with the
 * same address share one description. This replaces kcmp's pairwise
 * comparisons (about log2(n) calls per fd for n descriptions of one inode)
 * and the readlink per fd when a dump has many fds; without BPF (no CAP_BPF,
 * no BTF, a sandbox, a kernel before 6.1) kcmp and /proc do the job.
 *
 * The addresses are kernel pointers: they stay in ckpt's memory, never in an
 * image or a log.
 */
#ifndef CKPT_FILES_BPF_FDS_H
#define CKPT_FILES_BPF_FDS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct fd_addr {
	int fd;
	uint64_t addr;			/* its struct file */
	const char *path;		/* NULL: longer than the program takes, read the link */
};

/* The fds of one process, sorted by fd. */
struct task_fd_addrs {
	struct fd_addr *v;
	size_t n;
	char *buf;			/* as read; the paths are in it */
};

/* Load the iterator program: its fd, or -errno (not logged: kcmp then). */
int bpf_fds_load(void);

/*
 * The fds of process pid (its thread group leader's fd table) into *out.
 * 0 or -errno (not logged); -EOPNOTSUPP from a kernel before 6.1, which
 * iterates over every process.
 */
int bpf_fds_read(int prog, pid_t pid, struct task_fd_addrs *out);
void task_fd_addrs_free(struct task_fd_addrs *a);

/* fd in a, NULL when it is not there. */
const struct fd_addr *fd_addr_find(const struct task_fd_addrs *a, int fd);

#endif
