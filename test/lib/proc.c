/* Small kernel helpers: futex, gettid, where a task sleeps. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

pid_t test_gettid(void)
{
	return syscall(SYS_gettid);
}

long test_futex_wait(int *uaddr, int val, const struct timespec *rel)
{
	return syscall(SYS_futex, uaddr, FUTEX_WAIT, val, rel, NULL, 0);
}

long test_futex_wake(int *uaddr, int n)
{
	return syscall(SYS_futex, uaddr, FUTEX_WAKE, n, NULL, NULL, 0);
}

static int read_small(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

int test_wait_in_syscall(pid_t tid, long nr, int timeout_ms)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	char path[64], buf[512];
	int waited;

	snprintf(path, sizeof(path), "/proc/%d/syscall", tid);
	for (waited = 0; waited <= timeout_ms; waited += 5) {
		char *end;
		long cur;

		if (read_small(path, buf, sizeof(buf)))
			return -1;
		cur = strtol(buf, &end, 10);
		/* an interrupted sleep with a timeout resumes as restart_syscall */
		if (end != buf && (cur == nr || cur == SYS_restart_syscall))
			return 0;
		nanosleep(&tick, NULL);
	}
	errno = ETIMEDOUT;
	return -1;
}

char test_task_state(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_small(path, buf, sizeof(buf)))
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}
