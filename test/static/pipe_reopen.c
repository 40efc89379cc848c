/*
 * pipe_reopen: two descriptions of each end of one pipe. Opening
 * /proc/self/fd/N of a pipe gives a new open file description of the same
 * pipe: r2 (O_NONBLOCK) beside the read end, w2 beside the write end, and
 * "abc" written through w2 unread. After the restore all four are still
 * one pipe (same inode, data written through one end read through the
 * other), each a description of its own (kcmp, and O_NONBLOCK on r2 only),
 * and the data is still there, in order.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

static int reopen(int fd, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, flags);
}

static int same_desc(int a, int b)
{
	return syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, a, b) == 0;
}

static void expect_read(int fd, const char *want)
{
	char buf[16] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		fail("fd %d: read %zd '%s', expected '%s'", fd, n, n > 0 ? buf : "", want);
}

int main(int argc, char **argv)
{
	int p[2], r2, w2, fds[4];
	struct stat st[4];
	char c;

	test_init(argc, argv);
	if (pipe(p))
		setup_fail("pipe: %m");
	r2 = reopen(p[0], O_RDONLY | O_NONBLOCK);
	w2 = reopen(p[1], O_WRONLY);
	if (r2 < 0 || w2 < 0)
		setup_fail("reopen through /proc/self/fd: %m");
	if (same_desc(p[0], r2) || same_desc(p[1], w2))
		setup_fail("a reopen gave the same description");
	if (write(w2, "abc", 3) != 3)
		setup_fail("write: %m");
	fds[0] = p[0], fds[1] = p[1], fds[2] = r2, fds[3] = w2;
	for (int i = 0; i < 4; i++)
		test_expect_fd(fds[i]);

	test_daemon();
	test_waitsig();

	for (int i = 0; i < 4; i++)
		if (fstat(fds[i], &st[i]) || !S_ISFIFO(st[i].st_mode))
			fail("fd %d: not a pipe any more", fds[i]);
	for (int i = 1; i < 4; i++)
		if (st[i].st_ino != st[0].st_ino)
			fail("fd %d is pipe %lu, fd %d pipe %lu", fds[i], (unsigned long)st[i].st_ino,
			     fds[0], (unsigned long)st[0].st_ino);
	if (same_desc(p[0], r2) || same_desc(p[1], w2))
		fail("the two descriptions of an end became one");
	if (!(fcntl(r2, F_GETFL) & O_NONBLOCK) || (fcntl(p[0], F_GETFL) & O_NONBLOCK))
		fail("O_NONBLOCK: r2 %#x, read end %#x", fcntl(r2, F_GETFL), fcntl(p[0], F_GETFL));
	if ((fcntl(r2, F_GETFL) & O_ACCMODE) != O_RDONLY || (fcntl(w2, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("access modes: r2 %#x w2 %#x", fcntl(r2, F_GETFL), fcntl(w2, F_GETFL));
	expect_read(r2, "abc");
	if (write(p[1], "xyz", 3) != 3)
		fail("write through the write end: %m");
	expect_read(p[0], "xyz");
	if (write(w2, "w2", 2) != 2)
		fail("write through w2: %m");
	expect_read(r2, "w2");
	if (read(r2, &c, 1) != -1 || errno != EAGAIN)
		fail("r2: the pipe should be empty (EAGAIN)");
	pass();
	return 0;
}
