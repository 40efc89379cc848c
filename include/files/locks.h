/*
 * File locks held by the dumped tree (src/files/locks.c).
 *
 * Dump: /proc/locks is read once (the tree is frozen); an fd whose inode
 * has a lock there has its /proc/PID/fdinfo/N "lock:" lines read, and each
 * lock goes into the fd's FdEntry: POSIX locks (owned by the task's fd
 * table) on the fd the kernel shows them on, flock and OFD locks (owned by
 * the description) once, on the first fd of the description seen. Leases
 * are refused. A lock of a task of the tree that no fd shows (a flock on a
 * description only a mapping holds) is refused too.
 *
 * Restore: once every task waits at its last step (all fds in place, all
 * fds of ckpt's closed: closing any fd of an inode drops the task's POSIX
 * locks on it), each lock is taken again by an injected fcntl/flock in the
 * task that held it, so that its owner is what it was.
 */
#ifndef CKPT_FILES_LOCKS_H
#define CKPT_FILES_LOCKS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fdinfo.pb-c.h"

struct file_locks;
struct file_table;
struct seized_tree;
struct seized_task;
struct infect_ctl;
struct restore_ctx;

/*
 * Dump: the locks fd (of pid, on inode ino, description file_id) holds go
 * into out. *fl is made on first use (freed by file_locks_free).
 */
int locks_dump_fd(struct file_locks **fl, pid_t pid, int fd, const char *link, uint64_t ino,
		  uint32_t file_id, FdEntry *out);
/* Dump, after every task: a lock of a task of the tree no fd showed is refused. */
int locks_check_all_seen(struct file_table *ft, const struct seized_tree *tree);
void file_locks_free(struct file_locks *fl);
/* FdEntry.locks (malloc'ed by locks_dump_fd) */
void fd_entry_free_locks(FdEntry *fe);

/*
 * Restore, when every task of the tree waits at its last step: set the
 * owners of t's fds (fown.c) and take its locks again, by syscalls injected
 * through ic. 0, or -errno (logged: pid, fd, path, lock).
 */
int restore_task_fd_late(struct restore_ctx *ctx, struct infect_ctl *ic, struct seized_task *t);

/* A page mapped in the task on first use, for the arguments of injected syscalls. */
struct remote_page {
	uint64_t addr;
};
/* Copy len bytes (up to a page) into pg (mapped now if need be); *addr: where, in t. */
int remote_arg(struct infect_ctl *ic, struct seized_task *t, struct remote_page *pg,
	       const void *data, size_t len, uint64_t *addr);

#endif
