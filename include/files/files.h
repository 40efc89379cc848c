/*
 * Open files of the dumped tree. One entry per open file description (what
 * a struct file is in the kernel): fds that share one, by dup() or fork(),
 * in one task or several, point to the same entry (kcmp KCMP_FILE decides).
 * Each kind of file has its own file here (regular.c, pipe.c ...).
 */
#ifndef CKPT_FILES_FILES_H
#define CKPT_FILES_FILES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"
#include "files.pb-c.h"
#include "images/image.h"
#include "parasite-proto.h"
#include "seize/infect.h"

struct file_table;

int file_table_new(struct file_table **out);
void file_table_free(struct file_table *ft);

/* What is known of one fd of a dumped task while it is classified. */
struct fd_probe {
	pid_t pid;
	int fd;				/* number in the task */
	int local;			/* our copy of it (received with SCM_RIGHTS) */
	const char *link;		/* readlink of /proc/PID/fd/N */
	const struct stat *st;
	const struct parasite_fd_info *info;
	unsigned int mnt_id;
	bool external_session;		/* the task's session leader is outside the tree */
	bool shell_job;			/* --shell-job: a terminal there is the caller's */
};

/* Refuse an fd: "pid P fd N (LINK): unsupported file kind"; returns -EOPNOTSUPP. */
int unsupported_kind(pid_t pid, int fd, const char *link);

/* Fields every kind shares (path, flags, pos, mode, mount, inode, owner). */
int file_fill_common(const struct fd_probe *p, FileEntry *fe, const char *path);
/* Per-kind filling of a FileEntry; 0 or -errno (logged, naming pid, fd, link). */
int regular_fill(const struct fd_probe *p, FileEntry *fe);
int pipe_fill(const struct fd_probe *p, FileEntry *fe);

/*
 * Take every fd of the task (through the parasite), classify it, and add it
 * to the table. *fds gets a malloc'ed array of fd entries for fdinfo-PID.img.
 * An fd of a kind not handled is refused: "pid P fd N (LINK): unsupported file kind".
 */
int dump_task_fds(struct file_table *ft, struct infect_ctl *ic, bool external_session,
		  bool shell_job, FdEntry **fds, size_t *nr);

int file_table_write(struct file_table *ft, struct imgset *set);
size_t file_table_count(const struct file_table *ft);

#endif
