/*
 * Owners and signals of open file descriptions (F_SETOWN, F_SETOWN_EX,
 * F_SETSIG; src/files/fown.c). The parasite reports F_GETOWN_EX and
 * F_GETSIG of each fd (file_fill_common keeps them in FileEntry.fown).
 * The owner must be a thread, process or process group of the tree: any
 * other is refused at dump. At restore the owner is set once the whole
 * tree exists, by the task itself (an injected fcntl), so that the
 * owner's credentials (who may be signalled) are the task's.
 */
#ifndef CKPT_FILES_FOWN_H
#define CKPT_FILES_FOWN_H

#include "files.pb-c.h"

struct file_table;
struct seized_tree;
struct seized_task;
struct infect_ctl;
struct remote_page;

/* Dump, after every task: an owner outside the tree is refused (pid, fd, owner). */
int fown_check_owners(struct file_table *ft, const struct seized_tree *tree);
/* Restore: set fd's owner and signal in task t. 0, or -errno (logged). */
int fown_restore_fd(struct infect_ctl *ic, struct seized_task *t, struct remote_page *pg,
		    int fd, const FileEntry *fe);

#endif
