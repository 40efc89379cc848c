/*
 * proc_foreign: an fd on /proc/PID/status of a process outside the tree (a
 * grandchild whose parent exited: it belongs to the runner's subreaper now).
 * After a restore the path would name whatever had that pid then, if
 * anything: the dump must be refused with one line naming pid, fd and path
 * (.desc). After SIGTERM the fd still reads that process's status (its Pid:
 * line); then the outsider is killed.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char path[64], buf[4096], want[32];
	pid_t mid, other;
	int p[2], fd;
	ssize_t n;

	test_init(argc, argv);
	if (pipe(p))
		setup_fail("pipe: %m");
	mid = test_fork();
	if (mid < 0)
		setup_fail("fork: %m");
	if (mid == 0) {
		other = test_fork();
		if (other == 0) {
			close(p[0]);
			close(p[1]);
			for (;;)
				pause();
		}
		_exit(write(p[1], &other, sizeof(other)) == sizeof(other) ? 0 : 1);
	}
	close(p[1]);
	if (read(p[0], &other, sizeof(other)) != sizeof(other) || other <= 0)
		setup_fail("no outsider pid");
	close(p[0]);
	waitpid(mid, NULL, 0);
	snprintf(path, sizeof(path), "/proc/%d/status", other);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		setup_fail("open %s: %m", path);
	test_msg("fd %d on %s (outside the tree)", fd, path);

	test_daemon();
	test_waitsig();

	snprintf(want, sizeof(want), "\nPid:\t%d\n", other);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		fail("read %s: %m", path);
	else if (buf[n] = '\0', !strstr(buf, want))
		fail("fd %d no longer reads the status of pid %d", fd, other);
	kill(other, SIGKILL);
	pass();
	return 0;
}
