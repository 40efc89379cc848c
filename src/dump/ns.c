/*
 * Namespaces are not dumped yet: a task whose namespaces are not ckpt's own
 * would come back in ckpt's (another hostname, no network of its own, pids
 * that mean something else). Such a tree is refused after seize, before
 * anything of it is touched.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "dump/dump.h"

/* What /proc/PID/ns/ lists; the *_for_children ones are what the next child gets. */
static const struct {
	const char *link, *what;
} ns_links[] = {
	{ "pid", "pid" },
	{ "pid_for_children", "pid (for its children)" },
	{ "mnt", "mnt" },
	{ "net", "net" },
	{ "ipc", "ipc" },
	{ "uts", "uts" },
	{ "user", "user" },
	{ "time", "time" },
	{ "time_for_children", "time (for its children)" },
	{ "cgroup", "cgroup" },
};

static ssize_t read_ns(const char *who, const char *link, char *buf, size_t size)
{
	char path[96];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", who, link);
	n = readlink(path, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

int dump_check_namespaces(pid_t pid)
{
	char who[16];

	snprintf(who, sizeof(who), "%d", pid);
	for (size_t i = 0; i < sizeof(ns_links) / sizeof(ns_links[0]); i++) {
		char mine[64], its[64];
		ssize_t n = read_ns("self", ns_links[i].link, mine, sizeof(mine));

		if (n == -ENOENT)
			continue;	/* a kernel without this namespace */
		if (n < 0)
			return pr_errno((int)n, "readlink /proc/self/ns/%s", ns_links[i].link);
		n = read_ns(who, ns_links[i].link, its, sizeof(its));
		if (n < 0)
			return pr_errno((int)n, "pid %d: readlink /proc/%d/ns/%s", pid, pid,
					ns_links[i].link);
		if (strcmp(mine, its)) {
			pr_err("pid %d: %s namespace %s differs from ckpt's (%s): not supported yet",
			       pid, ns_links[i].what, its, mine);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}
