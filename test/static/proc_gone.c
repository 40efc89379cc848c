/*
 * proc_gone: an fd on /proc/PID/status of a child that has exited and been
 * reaped since: the task is gone (its pid may be anyone's by now). The dump
 * must be refused with one line naming pid, fd and path (.desc). After
 * SIGTERM the fd still reads nothing but ESRCH, as before the dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char path[64], buf[64];
	pid_t child;
	int fd;

	test_init(argc, argv);
	child = test_fork();
	if (child < 0)
		setup_fail("fork: %m");
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(path, sizeof(path), "/proc/%d/status", child);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		setup_fail("open %s: %m", path);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	if (read(fd, buf, sizeof(buf)) >= 0 || errno != ESRCH)
		setup_fail("%s of a reaped child should read ESRCH", path);
	test_msg("fd %d on %s, child reaped", fd, path);

	test_daemon();
	test_waitsig();

	if (read(fd, buf, sizeof(buf)) >= 0 || errno != ESRCH)
		fail("fd %d: read of a gone task's status should fail with ESRCH: %m", fd);
	pass();
	return 0;
}
