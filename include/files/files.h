/*
 * Open files of the dumped tree. One entry per open file description (what
 * a struct file is in the kernel): fds that share one, by dup() or fork(),
 * in one task or several, point to the same entry (kcmp KCMP_FILE decides,
 * or the address of the struct file a BPF iterator gives: bpf-fds.h).
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

/* Unlinked files are relinked or copied into set's ghost images (up to ghost_limit bytes). */
int file_table_new(struct imgset *set, uint64_t ghost_limit, struct file_table **out);
/* A failed dump: remove the links made for unlinked files. */
void file_table_unlink_relinks(struct file_table *ft);
void file_table_free(struct file_table *ft);

/* What is known of one fd of a dumped task while it is classified. */
struct fd_probe {
	pid_t pid;
	int fd;				/* number in the task */
	int local;			/* our copy of it (received with SCM_RIGHTS) */
	const char *link;		/* what /proc/PID/fd/N links to */
	const struct stat *st;
	const struct parasite_fd_info *info;
	unsigned int mnt_id;
	bool external_session;		/* the task's session leader is outside the tree */
	bool shell_job;			/* --shell-job: a terminal there is the caller's */
	struct file_table *ft;
	const FileEntry *same_inode;	/* another description of this inode, already decided */
};

/* Refuse an fd: "pid P fd N (LINK): unsupported file kind"; returns -EOPNOTSUPP. */
int unsupported_kind(pid_t pid, int fd, const char *link);

/* Fields every kind shares (path, flags, pos, mode, mount, inode, owner). */
int file_fill_common(const struct fd_probe *p, FileEntry *fe, const char *path);
/* Per-kind filling of a FileEntry; 0 or -errno (logged, naming pid, fd, link). */
int regular_fill(const struct fd_probe *p, FileEntry *fe);
/* The PID of a /proc/PID/... path on procfs, else 0 (files/procfs.c). */
pid_t procfs_owner(const char *path, int local);
/* A /proc/PID file restore can reopen (0), or refused (-EOPNOTSUPP, logged). */
int procfs_check(const struct fd_probe *p, const char *path);
int pipe_fill(const struct fd_probe *p, FileEntry *fe);

/*
 * Take every fd of the task (through the parasite), classify it, and add it
 * to the table. *fds gets a malloc'ed array of fd entries for fdinfo-PID.img.
 * An fd of a kind not handled is refused: "pid P fd N (LINK): unsupported file kind".
 */
/*
 * A file a task uses without an fd (a mapping, its exe, cwd, root): any
 * description of the inode will do. local is ours (closed here); want_flags
 * the access it needs. *id gets the files.img entry.
 */
int file_table_add_inode(struct file_table *ft, pid_t pid, int local, const char *link,
			 int want_flags, uint32_t *id);

/*
 * Copy size bytes of src from src_base to dst at dst_base, the holes left
 * as holes (SEEK_DATA/SEEK_HOLE, copy_file_range). *data: bytes copied.
 */
int copy_sparse(int src, off_t src_base, int dst, off_t dst_base, off_t size, uint64_t *data);

/*
 * The same for a file a task has by a /proc/PID link (WHAT: "exe", "cwd",
 * "map_files/START-END"), opened with flags; link (size bytes) gets its target.
 */
int file_table_add_proc_link(struct file_table *ft, pid_t pid, const char *what, int flags,
			     uint32_t *id, char *link, size_t size);

/* unlinked.c: a file whose path no longer names it */
int unlinked_fill(const struct fd_probe *p, FileEntry *fe, const char *path, bool deleted);
/* Make the link of a DECIDE_RELINK file (or fall back to a ghost copy). */
int unlinked_relink(const struct fd_probe *p, FileEntry *fe);
/*
 * At the end of a dump, with the tree still frozen: link every file that
 * needs a relink name, and give the result to every description of it.
 */
int file_table_relink_all(struct file_table *ft);
/* The tids of the tree's live threads: what a /proc/PID file may name. 0 or -ENOMEM. */
int file_table_set_tids(struct file_table *ft, const pid_t *tids, size_t n);
bool file_table_has_tid(const struct file_table *ft, pid_t tid);
/*
 * Once every task's fds are in: a /proc/PID file on a description that
 * several fds share is refused (restore opens those before the task exists).
 */
int file_table_check_proc_shared(const struct file_table *ft);
/* ghost_limit and the image set of the table, for unlinked.c */
struct imgset *file_table_imgset(struct file_table *ft);
uint64_t file_table_ghost_limit(struct file_table *ft);
const char *file_table_dump_id(struct file_table *ft);
/* Entry i of the table (i < file_table_size), with a task and its fd that have it (fd -1: none). */
size_t file_table_size(const struct file_table *ft);
const FileEntry *file_table_entry(const struct file_table *ft, size_t i, pid_t *pid, int *fd);
/* locks.c's state of this dump, and whether some file of the table has inode number ino */
struct file_locks **file_table_locks(struct file_table *ft);
bool file_table_has_ino(struct file_table *ft, uint64_t ino);
int file_table_note_relink(struct file_table *ft, const char *task_root, const char *name);

int dump_task_fds(struct file_table *ft, struct infect_ctl *ic, bool external_session,
		  bool shell_job, FdEntry **fds, size_t *nr);

int file_table_write(struct file_table *ft, struct imgset *set);

#endif
