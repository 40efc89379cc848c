/*
 * proc_self: fds on the task's own /proc files, opened through /proc/self
 * (the link names /proc/PID/...): /proc/self/status read up to the tab
 * after "Name:", /proc/self/cmdline unread. The restored task has the same
 * pid: each fd is open on the new task's file (its link names
 * /proc/<getpid()>/...), at the same position: status reads on from there
 * (a comm, then this task's "Pid:" line), cmdline reads argv[0].
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

static void check_link(int fd, const char *name)
{
	char path[64], want[64], link[PATH_MAX] = "";

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	snprintf(want, sizeof(want), "/proc/%d/%s", getpid(), name);
	if (readlink(path, link, sizeof(link) - 1) < 0 || strcmp(link, want))
		fail("fd %d links to '%s', expected '%s'", fd, link, want);
}

int main(int argc, char **argv)
{
	char buf[4096], want[32];
	int status, cmdline;
	ssize_t n;

	test_init(argc, argv);
	status = open("/proc/self/status", O_RDONLY);
	cmdline = open("/proc/self/cmdline", O_RDONLY);
	if (status < 0 || cmdline < 0)
		setup_fail("open /proc/self files: %m");
	if (read(status, buf, 6) != 6 || memcmp(buf, "Name:\t", 6))
		setup_fail("status does not start with 'Name:\\t'");
	test_expect_fd(status);
	test_expect_fd(cmdline);

	test_daemon();
	test_waitsig();

	check_link(status, "status");
	check_link(cmdline, "cmdline");
	if (lseek(status, 0, SEEK_CUR) != 6)
		fail("status fd at %lld, expected 6", (long long)lseek(status, 0, SEEK_CUR));
	n = read(status, buf, sizeof(buf) - 1);
	snprintf(want, sizeof(want), "\nPid:\t%d\n", getpid());
	if (n <= 0 || (buf[n] = '\0', buf[0] == '\n' || !strchr(buf, '\n') || !strstr(buf, want)))
		fail("status reads on '%.40s...', not from after 'Name:\\t' of pid %d",
		     n > 0 ? buf : "", getpid());
	n = read(cmdline, buf, sizeof(buf) - 1);
	if (n <= 0 || (buf[n] = '\0', strcmp(buf, argv[0])))
		fail("cmdline reads '%s', expected '%s'", n > 0 ? buf : "", argv[0]);
	pass();
	return 0;
}
