/*
 * Files under /proc/PID of a task: they come back by path, so only while
 * PID names the same task after the restore, and only where the restored
 * task can open the path itself: its own /proc/PID (what /proc/self gives),
 * one fd alone on the description (restore_file_is_local: opened by the
 * task once it has its pid, before its threads exist). Anything else is
 * refused at dump, naming the fd and path: a /proc file of a task outside
 * the tree or of one that is gone, of another task of the tree, of a
 * thread, shared by several fds, or a cwd, exe or mapping there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "files/files.h"

#define PROC_SUPER_MAGIC 0x9fa0

pid_t procfs_owner(const char *path, int local)
{
	struct statfs sf;
	char *end;
	long pid;

	if (strncmp(path, "/proc/", 6))
		return 0;
	pid = strtol(path + 6, &end, 10);
	if (end == path + 6 || (*end && *end != '/') || pid <= 0)
		return 0;	/* /proc/meminfo & co: the same for everyone */
	if (fstatfs(local, &sf) || sf.f_type != PROC_SUPER_MAGIC)
		return 0;
	return pid;
}

static void name_it(const struct fd_probe *p, char *buf, size_t size)
{
	if (p->fd >= 0)
		snprintf(buf, size, "fd %d", p->fd);
	else
		snprintf(buf, size, "cwd, exe or mapping");
}

int procfs_check(const struct fd_probe *p, const char *path)
{
	pid_t owner = procfs_owner(path, p->local);
	const char *rest;
	struct stat now;
	char what[32];

	if (!owner)
		return 0;
	name_it(p, what, sizeof(what));
	rest = strchr(path + 6, '/');
	/* the task it was opened for is gone (maybe its pid taken since) */
	if (stat(path, &now) || now.st_ino != p->st->st_ino || now.st_dev != p->st->st_dev) {
		pr_err("pid %d %s (%s): a /proc file of pid %d, which is gone: not supported",
		       p->pid, what, path, owner);
		return -EOPNOTSUPP;
	}
	if (!file_table_has_tid(p->ft, owner)) {
		pr_err("pid %d %s (%s): a /proc file of pid %d, which is not in the tree: "
		       "not supported", p->pid, what, path, owner);
		return -EOPNOTSUPP;
	}
	if (owner != p->pid || p->fd < 0 ||
	    (rest && !strncmp(rest, "/task/", 6) && atoi(rest + 6) != owner)) {
		pr_err("pid %d %s (%s): a /proc file of %s: not supported yet", p->pid, what, path,
		       owner != p->pid ? "another task of the tree" :
		       p->fd < 0 ? "its own task, not through an fd" : "one of its threads");
		return -EOPNOTSUPP;
	}
	return 0;
}
