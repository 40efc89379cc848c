/*
 * Orchestration of a restore.
 *
 * ckpt (the main process) reads the tree and the file table, opens every
 * open file description once at a "transport" fd (so that every task,
 * created by fork from it, inherits the very same descriptions), makes a
 * shared rst_sync page, then creates the root with clone3(set_tid); every
 * task creates its children the same way, takes its fds, cwd, creds... and
 * jumps into the restorer blob. When every thread waits at the last step,
 * ckpt seizes them all, lets them rt_sigreturn, unmaps the restorer areas
 * through ptrace and lets the tree run. Any failure: the whole tree is
 * killed; restore is all or nothing.
 */
#ifndef CKPT_RESTORE_RESTORE_H
#define CKPT_RESTORE_RESTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "images/image.h"
#include "files.pb-c.h"
#include "pstree.pb-c.h"
#include "restorer-proto.h"

struct restore_opts {
	const char *dir;
	bool detached;
	const char *pidfile;
	bool shell_job;			/* external terminal fds get ckpt's terminal */
	bool trust_images;		/* --trust-images: no owner or creds check of the set */
};

struct rtask {
	PstreeEntry *pe;
	struct rtask *parent;
	struct rtask **children;
	size_t nr_children;
	size_t slot;			/* index in rst_sync->slots */
	bool files_shared, fs_shared;	/* with the parent: CLONE_FILES, CLONE_FS */
};

struct shmem_obj {
	uint64_t shmid;
	uint64_t size;
	int fd;				/* memfd, a transport fd */
};

struct restore_ctx {
	const struct restore_opts *o;
	struct imgset *set;
	struct rtask *tasks;		/* pstree order: parents first, [0] is the root */
	size_t nr_tasks;
	int *transport;			/* file id -> fd, -1 for a task-local one; index 0 unused */
	size_t nr_files;
	FileEntry **files;		/* file id -> its entry of files.img */
	uint32_t *refs;			/* file id -> how many fds of the tree have it */
	int fd_base;			/* transport fds start here */
	int fd_base2;			/* fds a task opens for its restorer start here */
	struct shmem_obj *shmem;
	size_t nr_shmem;
	struct rst_sync *sync;
	size_t sync_size;
	uint32_t nr_threads;		/* of alive tasks: what rst_sync counts down */
	int tty_fd;			/* --shell-job: ckpt's terminal (one of 0, 1, 2), else -1 */
	struct made_inode *made;	/* unlinked inodes made anew (ghost.c), by ghost id */
	size_t nr_made;
	struct relink *relinks;		/* ckpt's links to unlinked files: removed once restored */
	size_t nr_relinks;
};

struct relink {
	char *name;			/* an image's relink_name, DIR/.ckpt-link-* (validated) */
	dev_t dev;			/* the inode it was opened as: removed only while it is that */
	ino_t ino;
};

struct made_inode {
	uint32_t key;			/* ghost id, or file id for dirs and nodes */
	int fd;				/* O_RDWR (or O_PATH) on it: reopened per description */
};

int restore_tree(const struct restore_opts *o, int *exit_status);

/* tree.c: make the task and its subtree (in a child); 0 in the parent or -errno */
int restore_create_root(struct restore_ctx *ctx, pid_t *root_pid);
/*
 * files.c: open at transport fds every description of files.img that more
 * than one fd shares, or that is not a plain file (pipes, ghosts ...); the
 * others each task opens itself (restore_open_local), so that restoring
 * many fds does not need twice as many.
 */
int restore_open_files(struct restore_ctx *ctx);
bool restore_file_is_local(const struct restore_ctx *ctx, uint32_t id);
/* In the task: open a task-local description. An fd, or -errno (logged). */
int restore_open_local(struct restore_ctx *ctx, const FileEntry *fe);
/*
 * ghost.c: a file whose name was gone at dump: open its relink name, or make
 * it anew (ghost, O_TMPFILE, memfd, directory, node) and unlink the name we
 * gave it. An fd with the description's flags, or -errno.
 */
int restore_open_unlinked(struct restore_ctx *ctx, const FileEntry *fe);
/* files.c: the data a pipe or FIFO held, written back through wfd */
int refill_pipe(const FileEntry *fe, int wfd);
/* After a restore that succeeded: the relink names go. */
void restore_remove_relinks(struct restore_ctx *ctx);

/* shmem.c: a memfd per shared anonymous object of the tree */
int restore_prepare_shmem(struct restore_ctx *ctx);
/* task.c: everything a task does for itself; never returns */
void restore_task(struct restore_ctx *ctx, struct rtask *t) __attribute__((noreturn));
/* Report a failure of a task to ckpt through rst_sync (first one wins). */
void restore_task_fail(struct restore_ctx *ctx, pid_t pid, int err, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 4, 5)));
/*
 * fill.c: take chunks of the memory the task in this slot posted (struct
 * rst_fill) until none is left. 0, or -errno (logged): the tree must die.
 */
int restore_fill_help(struct restore_ctx *ctx, size_t slot);
/* finish.c: all threads wait to sigreturn: let them, clean up, release */
int restore_finish(struct restore_ctx *ctx);
void restore_kill_tree(struct restore_ctx *ctx);
/* restore.c: the root's pid into path (a regular file of ours, or made anew 0644). 0 or -errno. */
int restore_write_pidfile(const char *path, pid_t pid);

#endif
