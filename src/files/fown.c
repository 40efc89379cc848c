/* Owners and signals of open file descriptions: see files/fown.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "files/files.h"
#include "files/fown.h"
#include "files/locks.h"
#include "seize/infect.h"
#include "seize/seize.h"

static const char *owner_kind(int type)
{
	switch (type) {
	case F_OWNER_TID: return "thread";
	case F_OWNER_PID: return "process";
	case F_OWNER_PGRP: return "process group";
	default: return "owner";
	}
}

static bool owner_in_tree(const FownEntry *o, const struct seized_tree *tree)
{
	for (size_t i = 0; i < tree->nr; i++) {
		const struct seized_task *t = &tree->tasks[i];

		if (o->pid_type == F_OWNER_PGRP) {
			if (t->pgid == o->pid)
				return true;
			continue;
		}
		/* F_OWNER_TID, or F_OWNER_PID of any thread's id (it means its thread group) */
		if (t->pid == o->pid)
			return true;
		for (size_t j = 0; j < t->nr_threads; j++)
			if (t->threads[j].tid == o->pid)
				return true;
	}
	return false;
}

int fown_check_owners(struct file_table *ft, const struct seized_tree *tree)
{
	for (size_t i = 0; i < file_table_size(ft); i++) {
		pid_t pid;
		int fd;
		const FileEntry *fe = file_table_entry(ft, i, &pid, &fd);

		if (!fe->fown || !fe->fown->pid)
			continue;
		if (owner_in_tree(fe->fown, tree))
			continue;
		pr_err("pid %d fd %d (%s): its owner (F_SETOWN) is %s %d, which is not in the dumped "
		       "tree", pid, fd, fe->path, owner_kind(fe->fown->pid_type), fe->fown->pid);
		return -EOPNOTSUPP;
	}
	return 0;
}

int fown_restore_fd(struct infect_ctl *ic, struct seized_task *t, struct remote_page *pg,
		    int fd, const FileEntry *fe)
{
	struct f_owner_ex o = { .type = fe->fown->pid_type, .pid = fe->fown->pid };
	uint64_t addr;
	long r;
	int ret;

	if (o.pid) {
		if (o.type != F_OWNER_TID && o.type != F_OWNER_PID && o.type != F_OWNER_PGRP)
			return pr_errno(-EBADMSG, "pid %d fd %d (%s): bad owner type %d", t->pid, fd,
					fe->path, o.type);
		ret = remote_arg(ic, t, pg, &o, sizeof(o), &addr);
		if (ret)
			return ret;
		ret = remote_syscall(ic, &t->threads[0], &r, SYS_fcntl, fd, F_SETOWN_EX, addr, 0, 0, 0);
		if (!ret && r)
			ret = pr_errno((int)r, "pid %d fd %d (%s): F_SETOWN_EX %s %d", t->pid, fd,
				       fe->path, owner_kind(o.type), o.pid);
		if (ret)
			return ret;
	}
	if (fe->fown->signum) {
		ret = remote_syscall(ic, &t->threads[0], &r, SYS_fcntl, fd, F_SETSIG,
				     fe->fown->signum, 0, 0, 0);
		if (!ret && r)
			ret = pr_errno((int)r, "pid %d fd %d (%s): F_SETSIG %d", t->pid, fd, fe->path,
				       fe->fown->signum);
		if (ret)
			return ret;
	}
	if (fe->flags & O_ASYNC) {
		/*
		 * The kernel noted the fd number O_ASYNC was set through (si_fd of
		 * the signal): a transport fd, dup2'ed since. Set it again here.
		 */
		long fl;

		ret = remote_syscall(ic, &t->threads[0], &fl, SYS_fcntl, fd, F_GETFL, 0, 0, 0, 0);
		if (!ret && fl < 0)
			ret = pr_errno((int)fl, "pid %d fd %d (%s): F_GETFL", t->pid, fd, fe->path);
		if (!ret)
			ret = remote_syscall(ic, &t->threads[0], &r, SYS_fcntl, fd, F_SETFL,
					     fl & ~O_ASYNC, 0, 0, 0);
		if (!ret && !r)
			ret = remote_syscall(ic, &t->threads[0], &r, SYS_fcntl, fd, F_SETFL, fl,
					     0, 0, 0);
		if (!ret && r)
			ret = pr_errno((int)r, "pid %d fd %d (%s): F_SETFL O_ASYNC", t->pid, fd,
				       fe->path);
		if (ret)
			return ret;
	}
	return 0;
}
