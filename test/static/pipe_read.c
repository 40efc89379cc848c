/*
 * pipe_read: a child is blocked in read() on an empty pipe while the tree is
 * dumped.
 *
 * The parent holds the write end, the child the read end (each closed the
 * other); the parent reports ready only once the child sleeps in read(). After
 * SIGTERM the parent writes 256 KiB (more than a pipe buffer) of patterned
 * data in odd-sized pieces and closes its end; the child must receive every
 * byte in order, then EOF, and reports its verdict over the verdict pipe.
 * Both pipe ends are recorded with test_expect_fd().
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define TOTAL (256 * 1024)

static unsigned char pat(size_t off)
{
	return (unsigned char)((off * 13) ^ (off >> 9) ^ 0x5c);
}

static void child(int rfd)
{
	unsigned char buf[7001];
	size_t got = 0;
	int bad = 0;

	test_expect_fd(rfd);
	test_child_ready();
	for (;;) {
		ssize_t n = read(rfd, buf, sizeof(buf));
		ssize_t i;

		if (n < 0) {
			fail("child: read: %m after %zu bytes", got);
			break;
		}
		if (n == 0)
			break;
		for (i = 0; i < n && !bad; i++) {
			if (buf[i] != pat(got + i)) {
				fail("child: byte %zu is %02x, expected %02x", got + i, buf[i],
				     pat(got + i));
				bad = 1;
			}
		}
		got += n;
	}
	if (got != TOTAL)
		fail("child: got %zu bytes, expected %d", got, TOTAL);
	test_child_exit();
}

static void write_all(int wfd)
{
	unsigned char buf[5003];
	size_t off = 0;

	while (off < TOTAL) {
		size_t len = TOTAL - off < sizeof(buf) ? TOTAL - off : sizeof(buf);
		size_t i;
		ssize_t n;

		for (i = 0; i < len; i++)
			buf[i] = pat(off + i);
		n = write(wfd, buf, len);
		if (n <= 0) {
			fail("write at %zu: %m", off);
			return;
		}
		off += n;
	}
}

int main(int argc, char **argv)
{
	struct test_child c;
	int p[2];

	test_init(argc, argv);
	if (pipe(p))
		setup_fail("pipe: %m");
	if (test_child_fork(&c) == 0) {
		close(p[1]);
		child(p[0]);
	}
	close(p[0]);
	test_child_wait_ready(&c);
	if (test_wait_in_syscall(c.pid, SYS_read, 5000))
		setup_fail("child %d is not blocked in read(): %m", c.pid);
	test_expect_fd(p[1]);
	test_daemon();
	test_waitsig();

	write_all(p[1]);
	close(p[1]);
	test_child_collect(&c);
	pass();
	return 0;
}
