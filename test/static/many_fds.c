/*
 * many_fds: hundreds of open file descriptions of one file, some dup()ed,
 * shared between two processes, each description at its own position: each
 * stays one description of its own after restore.
 *
 *   root   NR_ROOT descriptions R[i] at position ROOT_POS(i); every 4th also
 *   |      at a dup() RD[i]
 *   +- child  inherits them all; opens NR_CHILD descriptions C[j] of its own
 *             at CHILD_POS(j), every 5th also at a dup() CD[j]
 *
 * ckpt tells descriptions apart with kcmp while a dump has few fds and by
 * the addresses a BPF iterator gives past 256 (src/files/files.c): here the
 * root (78 fds) is dumped the first way and the child (222 fds) the
 * second, which must agree on what the root left.
 *
 * The child also holds LONG, a file whose path is longer than the 464 bytes
 * the BPF iterator takes: its link is read from /proc instead.
 *
 * After SIGTERM each process checks its positions, that each dup is the same
 * description as its original (F_DUPFD_QUERY) and neighbours are not; the
 * child then moves every R[i] to MOVED_POS(i) and exits; the root sees the
 * moves through R[i] and RD[i].
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY 1027
#endif

#define NR_ROOT 60
#define NR_CHILD 120
#define ROOT_POS(i) ((off_t)(i) * 3 + 1)
#define CHILD_POS(j) ((off_t)(j) * 5 + 2000)
#define MOVED_POS(i) ((off_t)(i) + 10000)
#define LONG_POS 777
#define LONG_DIRS 5		/* of 100 characters each */

static char path[256], long_dirs[LONG_DIRS][768], long_path[800];
static int long_fd;
static int r[NR_ROOT], rd[NR_ROOT], c[NR_CHILD], cd[NR_CHILD];

static int open_at_pos_of(const char *name, int flags, off_t pos)
{
	int fd = open(name, flags);

	if (fd < 0 || lseek(fd, pos, SEEK_SET) != pos)
		setup_fail("open %s: %m", name);
	return fd;
}

static int open_at_pos(int flags, off_t pos)
{
	return open_at_pos_of(path, flags, pos);
}

static void expect_pos(const char *who, int fd, off_t want)
{
	off_t p = lseek(fd, 0, SEEK_CUR);

	if (p != want)
		fail("%s: fd %d at %lld, expected %lld", who, fd, (long long)p, (long long)want);
}

static void expect_same(const char *who, int a, int b, int same)
{
	int q = fcntl(a, F_DUPFD_QUERY, b);

	if (q != same)
		fail("%s: fds %d and %d: F_DUPFD_QUERY %d, expected %d (%m)", who, a, b, q, same);
}

/* Positions and sharing of n descriptions v[] (dups in dv[], -1: none). */
static void check(const char *who, const int *v, const int *dv, int n, off_t (*pos)(int))
{
	for (int i = 0; i < n; i++) {
		expect_pos(who, v[i], pos(i));
		if (dv[i] >= 0)
			expect_same(who, v[i], dv[i], 1);
		if (i)
			expect_same(who, v[i], v[i - 1], 0);
	}
}

static off_t root_pos(int i) { return ROOT_POS(i); }
static off_t child_pos(int j) { return CHILD_POS(j); }
static off_t moved_pos(int i) { return MOVED_POS(i); }

/* A file under LONG_DIRS nested directories of 100-character names. */
static void make_long_path(void)
{
	char name[101];
	int fd;

	memset(name, 'd', 100);
	name[100] = '\0';
	for (int i = 0; i < LONG_DIRS; i++) {
		snprintf(long_dirs[i], sizeof(long_dirs[i]), "%s/%s", i ? long_dirs[i - 1] : test_dir(),
			 name);
		if (mkdir(long_dirs[i], 0755))
			setup_fail("mkdir %s: %m", long_dirs[i]);
	}
	snprintf(long_path, sizeof(long_path), "%s/long", long_dirs[LONG_DIRS - 1]);
	fd = open(long_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", long_path);
	close(fd);
}

static void remove_long_path(void)
{
	unlink(long_path);
	for (int i = LONG_DIRS - 1; i >= 0; i--)
		rmdir(long_dirs[i]);
}

static void check_long(void)
{
	char link[PATH_MAX], self[64];
	ssize_t n;

	expect_pos("child", long_fd, LONG_POS);
	snprintf(self, sizeof(self), "/proc/self/fd/%d", long_fd);
	n = readlink(self, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', strcmp(link, long_path)))
		fail("child: fd %d names %s, not %s", long_fd, n < 0 ? "nothing" : link, long_path);
}

static void child(void)
{
	long_fd = open_at_pos_of(long_path, O_RDWR, LONG_POS);
	for (int j = 0; j < NR_CHILD; j++) {
		c[j] = open_at_pos(O_RDONLY, CHILD_POS(j));
		cd[j] = j % 5 ? -1 : dup(c[j]);
	}
	test_child_ready();

	test_waitsig();
	check("child", c, cd, NR_CHILD, child_pos);
	check_long();
	check("child (inherited)", r, rd, NR_ROOT, root_pos);
	for (int i = 0; i < NR_ROOT; i++)
		if (lseek(r[i], MOVED_POS(i), SEEK_SET) != MOVED_POS(i))
			fail("child: lseek fd %d: %m", r[i]);
	test_child_exit();
}

int main(int argc, char **argv)
{
	struct test_child ch;
	int fd;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s/file", test_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1)
		setup_fail("%s: %m", path);
	close(fd);
	make_long_path();
	for (int i = 0; i < NR_ROOT; i++) {
		r[i] = open_at_pos(O_RDWR, ROOT_POS(i));
		rd[i] = i % 4 ? -1 : dup(r[i]);
	}
	if (test_child_fork(&ch) == 0)
		child();
	test_child_wait_ready(&ch);
	test_daemon();

	test_waitsig();
	check("root", r, rd, NR_ROOT, root_pos);
	if (kill(ch.pid, SIGTERM))
		fail("root: kill: %m");
	test_child_collect(&ch);
	/* the child moved each R[i] through its inherited fd */
	check("root (after the child)", r, rd, NR_ROOT, moved_pos);

	unlink(path);
	remove_long_path();
	pass();
	return 0;
}
