/* Verdict, log and expectation files next to O. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

static bool failed;

void lib_append(const char *suffix, const char *buf, size_t len)
{
	const char *out = lib_outfile();
	char path[4096];
	int fd, saved = errno;

	if (!out) {
		/* before test_init(): nowhere else to go */
		if (write(2, buf, len) < 0)
			(void)0;
		errno = saved;
		return;
	}
	snprintf(path, sizeof(path), "%s%s", out, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		/* O_APPEND + one write: lines of several processes don't mix */
		if (write(fd, buf, len) < 0)
			(void)0;
		close(fd);
	}
	errno = saved;
}

bool test_failed(void)
{
	return failed;
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[1024], buf[1200];
	int saved = errno, n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(buf, sizeof(buf), "FAIL: %s:%d: [pid %d] %s\n", file, line, getpid(), msg);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	failed = true;
	lib_append("", buf, n);
	lib_append(".log", buf, n);
	errno = saved;
}

void pass(void)
{
	if (failed) {
		test_msg("pass() after fail(): no PASS");
		return;
	}
	lib_append("", "PASS\n", 5);
	test_msg("PASS");
}

void test_msg(const char *fmt, ...)
{
	char msg[1024], buf[1200];
	struct timespec ts;
	int saved = errno, n;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = snprintf(buf, sizeof(buf), "%lld.%06ld %d: %s\n", (long long)ts.tv_sec,
		     ts.tv_nsec / 1000, getpid(), msg);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	lib_append(".log", buf, n);
	errno = saved;
}

void test_expect_fd(int fd)
{
	char buf[128];
	long long pos;
	int flags, fdfl, n;

	pos = lseek(fd, 0, SEEK_CUR);
	if (pos < 0) {
		if (errno != ESPIPE)
			setup_fail("lseek fd %d: %m", fd);
		pos = -1;
	}
	flags = fcntl(fd, F_GETFL);
	fdfl = fcntl(fd, F_GETFD);
	if (flags < 0 || fdfl < 0)
		setup_fail("fcntl fd %d: %m", fd);
	n = snprintf(buf, sizeof(buf), "%d %d %lld %d %d\n", getpid(), fd, pos, flags,
		     (fdfl & FD_CLOEXEC) ? 1 : 0);
	lib_append(".expect", buf, n);
	test_msg("expect fd %d pos %lld flags 0%o cloexec %d", fd, pos, flags,
		 (fdfl & FD_CLOEXEC) ? 1 : 0);
}
