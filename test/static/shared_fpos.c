/*
 * shared_fpos: one open file description shared by a whole tree stays one
 * description: a read in one process moves the position for all of them.
 *
 *   root (fd S)  opens the file O_RDWR before it forks; S also at fd DUP,
 *   |            a dup() within the root; and fd IND, an independent open()
 *   |            of the same file with its own position
 *   +- child     inherits S; opens description B (pos 500) before it forks
 *      +- grandchild  inherits S and B; holds S also at fd GDUP (dup2)
 *
 * Before the dump every process moves S in turn (the root seeks to 100, the
 * child reads 7 bytes, the grandchild 5): all see position 112. After
 * SIGTERM the root checks S (112), reads 10 through DUP, and signals the
 * child; the child sees 122, reads 20, signals the grandchild; it sees 142,
 * reads 30 through GDUP, writes 8 bytes through S (the root reads them
 * through IND, so it is the same file), reads 40 through B; the child then
 * sees S at 180 and B at 540; the root sees S at 180 too, DUP with it, and
 * IND unmoved at 3000. Every read returns the bytes of the file at that
 * offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FILE_SIZE 8192
#define S_FD 10		/* the shared description, in every process */
#define DUP_FD 11	/* root: dup of S */
#define IND_FD 12	/* root: own open of the same file */
#define B_FD 13		/* child and grandchild: description B */
#define GDUP_FD 14	/* grandchild: dup2 of S */

#define IND_POS 3000
#define B_POS 500
#define P0 112		/* S at dump time */
#define WRITE_AT (P0 + 10 + 20 + 30)
#define WRITTEN "written!"

static char dir[64], path[128];

static unsigned char pat(off_t off)
{
	return (unsigned char)(off * 13 + (off >> 8) * 7 + 5);
}

static void make_file(void)
{
	unsigned char buf[FILE_SIZE];
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/zdtm-shared_fpos.XXXXXX");
	if (!mkdtemp(dir))
		setup_fail("mkdtemp: %m");
	snprintf(path, sizeof(path), "%s/file", dir);
	for (int i = 0; i < FILE_SIZE; i++)
		buf[i] = pat(i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, FILE_SIZE) != FILE_SIZE)
		setup_fail("%s: %m", path);
	close(fd);
}

/* open() at a fixed fd number */
static void open_at(int want, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		setup_fail("open %s: %m", path);
	if (fd != want) {
		if (dup2(fd, want) != want)
			setup_fail("dup2: %m");
		close(fd);
	}
}

static off_t pos(int fd)
{
	return lseek(fd, 0, SEEK_CUR);
}

/* Read len bytes through fd, which must be at offset at. */
static void read_at(const char *who, const char *what, int fd, off_t at, size_t len)
{
	unsigned char buf[256];
	off_t p = pos(fd);
	ssize_t n;

	if (p != at) {
		fail("%s: %s (fd %d) at %lld, expected %lld", who, what, fd, (long long)p,
		     (long long)at);
		return;
	}
	n = read(fd, buf, len);
	if (n != (ssize_t)len) {
		fail("%s: %s: read %zd of %zu: %m", who, what, n, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pat(at + i)) {
			fail("%s: %s: byte at %lld differs", who, what, (long long)(at + i));
			return;
		}
}

static void expect_pos(const char *who, const char *what, int fd, off_t want)
{
	off_t p = pos(fd);

	if (p != want)
		fail("%s: %s (fd %d) at %lld, expected %lld", who, what, fd, (long long)p,
		     (long long)want);
}

static void grandchild(void)
{
	if (dup2(S_FD, GDUP_FD) != GDUP_FD)
		setup_fail("dup2: %m");
	read_at("grandchild", "S", S_FD, 107, 5);
	test_expect_fd(S_FD);
	test_expect_fd(GDUP_FD);
	test_expect_fd(B_FD);
	test_child_ready();

	test_waitsig();
	expect_pos("grandchild", "S", S_FD, P0 + 10 + 20);
	read_at("grandchild", "S through its dup2", GDUP_FD, P0 + 10 + 20, 30);
	expect_pos("grandchild", "S", S_FD, WRITE_AT);
	if (write(S_FD, WRITTEN, 8) != 8)
		fail("grandchild: write: %m");
	expect_pos("grandchild", "S after a write", GDUP_FD, WRITE_AT + 8);
	read_at("grandchild", "B", B_FD, B_POS, 40);
	test_child_exit();
}

static void child(void)
{
	struct test_child gc;

	read_at("child", "S", S_FD, 100, 7);
	open_at(B_FD, O_RDONLY);
	if (lseek(B_FD, B_POS, SEEK_SET) != B_POS)
		setup_fail("lseek: %m");
	if (test_child_fork(&gc) == 0)
		grandchild();
	test_child_wait_ready(&gc);
	test_expect_fd(S_FD);
	test_expect_fd(B_FD);
	test_child_ready();

	test_waitsig();
	read_at("child", "S", S_FD, P0 + 10, 20);
	if (kill(gc.pid, SIGTERM))
		fail("child: kill: %m");
	test_child_collect(&gc);
	expect_pos("child", "S after the grandchild", S_FD, WRITE_AT + 8);
	expect_pos("child", "B after the grandchild", B_FD, B_POS + 40);
	test_child_exit();
}

int main(int argc, char **argv)
{
	struct test_child c;
	char buf[8];

	test_init(argc, argv);
	make_file();
	open_at(S_FD, O_RDWR);
	if (lseek(S_FD, 100, SEEK_SET) != 100)
		setup_fail("lseek: %m");
	if (dup2(S_FD, DUP_FD) != DUP_FD)
		setup_fail("dup2: %m");
	open_at(IND_FD, O_RDWR);
	if (lseek(IND_FD, IND_POS, SEEK_SET) != IND_POS)
		setup_fail("lseek: %m");

	if (test_child_fork(&c) == 0)
		child();
	test_child_wait_ready(&c);
	/* the child and the grandchild moved it */
	expect_pos("root", "S before the dump", S_FD, P0);
	if (test_failed())
		setup_fail("S is not shared before the dump");
	test_expect_fd(S_FD);
	test_expect_fd(DUP_FD);
	test_expect_fd(IND_FD);
	test_daemon();

	test_waitsig();
	expect_pos("root", "IND", IND_FD, IND_POS);
	read_at("root", "S through its dup", DUP_FD, P0, 10);
	if (kill(c.pid, SIGTERM))
		fail("root: kill: %m");
	test_child_collect(&c);
	expect_pos("root", "S after the others", S_FD, WRITE_AT + 8);
	expect_pos("root", "DUP after the others", DUP_FD, WRITE_AT + 8);
	expect_pos("root", "IND after the others", IND_FD, IND_POS);
	if (pread(IND_FD, buf, 8, WRITE_AT) != 8 || memcmp(buf, WRITTEN, 8))
		fail("root: the grandchild's write through S is not in the file");
	read_at("root", "IND", IND_FD, IND_POS, 50);

	unlink(path);
	rmdir(dir);
	pass();
	return 0;
}
