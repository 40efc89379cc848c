/*
 * pipe_data: pipes and FIFOs hold unread data across the dump, and the
 * restore puts it back in order:
 *  - a pipe with both ends in this process, 64 KiB unread and a grown
 *    capacity (F_SETPIPE_SZ 256 KiB);
 *  - a pipe whose read end a child holds (the child reads after SIGTERM);
 *  - a FIFO in test_dir(), opened read-write, with data in it;
 *  - a second FIFO opened twice, read-only (non-blocking) and write-only,
 *    with data written through the write-only end;
 *  - an empty pipe in O_NONBLOCK mode (read gives EAGAIN, not EOF).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIG (64 << 10)

static char pattern(size_t i)
{
	return (char)(i * 31 + 7);
}

static int read_exact(int fd, char *buf, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, buf + got, n - got);

		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int big[2], child_pipe[2], empty[2], fifo, fifo_r, fifo_w;
	char path[PATH_MAX], path2[PATH_MAX], *buf = malloc(BIG);
	struct test_child c;

	test_init(argc, argv);
	if (!buf || pipe(big) || pipe(child_pipe) || pipe2(empty, O_NONBLOCK))
		setup_fail("pipe: %m");
	fcntl(big[1], F_SETPIPE_SZ, 256 << 10);
	for (size_t i = 0; i < BIG; i++)
		buf[i] = pattern(i);
	if (write(big[1], buf, BIG) != BIG)
		setup_fail("fill: %m");
	if (write(child_pipe[1], "to-the-child", 12) != 12)
		setup_fail("write: %m");

	if (test_child_fork(&c) == 0) {
		char got[13] = "";

		close(child_pipe[1]);
		test_child_ready();
		test_waitsig();
		if (read_exact(child_pipe[0], got, 12) || strcmp(got, "to-the-child"))
			fail("child: read '%s'", got);
		test_child_exit();
	}
	close(child_pipe[0]);
	test_child_wait_ready(&c);

	snprintf(path, sizeof(path), "%s/fifo", test_dir());
	if (mkfifo(path, 0600) || (fifo = open(path, O_RDWR | O_NONBLOCK)) < 0)
		setup_fail("fifo: %m");
	if (write(fifo, "fifo-data", 9) != 9)
		setup_fail("write fifo: %m");
	snprintf(path2, sizeof(path2), "%s/fifo2", test_dir());
	if (mkfifo(path2, 0600) || (fifo_r = open(path2, O_RDONLY | O_NONBLOCK)) < 0 ||
	    (fifo_w = open(path2, O_WRONLY)) < 0)
		setup_fail("fifo2: %m");
	if (write(fifo_w, "one-way", 7) != 7)
		setup_fail("write fifo2: %m");

	test_daemon();
	test_waitsig();
	kill(c.pid, SIGTERM);

	memset(buf, 0, BIG);
	if (fcntl(big[1], F_GETPIPE_SZ) != 256 << 10)
		fail("pipe capacity %d, was %d", fcntl(big[1], F_GETPIPE_SZ), 256 << 10);
	if (read_exact(big[0], buf, BIG))
		fail("big pipe: short read: %m");
	for (size_t i = 0; i < BIG; i++)
		if (buf[i] != pattern(i)) {
			fail("big pipe: byte %zu is %d, want %d", i, buf[i], pattern(i));
			break;
		}
	char f[10] = "";

	if (read(fifo, f, 9) != 9 || strcmp(f, "fifo-data"))
		fail("fifo: read '%s'", f);
	memset(f, 0, sizeof(f));
	if ((fcntl(fifo_r, F_GETFL) & O_ACCMODE) != O_RDONLY ||
	    (fcntl(fifo_w, F_GETFL) & O_ACCMODE) != O_WRONLY)
		fail("fifo2: access modes %#x %#x", fcntl(fifo_r, F_GETFL), fcntl(fifo_w, F_GETFL));
	if (read(fifo_r, f, 7) != 7 || strcmp(f, "one-way"))
		fail("fifo2: read '%s'", f);
	if (write(fifo_w, "z", 1) != 1 || read(fifo_r, f, 1) != 1 || f[0] != 'z')
		fail("fifo2: does not carry data after restore");
	if (read(empty[0], f, 1) != -1 || errno != EAGAIN)
		fail("empty non-blocking pipe: read did not give EAGAIN (%m)");
	if (write(empty[1], "x", 1) != 1 || read(empty[0], f, 1) != 1 || f[0] != 'x')
		fail("empty pipe does not carry data after restore");
	test_child_collect(&c);
	unlink(path);
	unlink(path2);
	if (!test_failed())
		pass();
	return 0;
}
