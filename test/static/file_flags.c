/*
 * file_flags: fds keep their open flags, what the flags do, their
 * FD_CLOEXEC and their position, and no file is touched by dump or restore.
 *
 *   app     O_WRONLY|O_APPEND, cloexec       a write after restore appends
 *   nb      O_RDWR|O_NONBLOCK, pos 77
 *   noat    O_RDONLY|O_NOATIME, pos 10       a read after restore leaves
 *                                            atime alone (it is older than
 *                                            mtime: without O_NOATIME a read
 *                                            would update it)
 *   direct  O_RDWR|O_DIRECT, pos 8192        an aligned pread works and, if
 *                                            it did before the dump, a
 *                                            misaligned one fails EINVAL;
 *                                            skipped if the fs refuses O_DIRECT
 *   sync    O_WRONLY|O_SYNC, pos 5
 *   dsync   O_WRONLY|O_DSYNC, cloexec
 *   dir     O_RDONLY|O_DIRECTORY, cloexec,   after restore getdents64 goes on
 *           50 entries, 12 read              with exactly the entries an
 *                                            fd at the same position read
 *                                            before the dump
 *   null    /dev/null O_WRONLY               char device 1:3, writes vanish
 *   zero    /dev/zero O_RDONLY, cloexec      char device 1:5, reads zeros
 *
 * Flags, FD_CLOEXEC and positions go to the runner (test_expect_fd) and are
 * checked after restore. First of all, size, mtime and ctime (and inode) of
 * every file and of the directory are compared with what they were before
 * the dump: dump and restore must never write, truncate or touch a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_DIRENTS 50
#define DIRENTS_READ 12

enum { F_APP, F_NB, F_NOAT, F_DIRECT, F_SYNC, F_DSYNC, F_DIR, F_NULL, F_ZERO, NR_FDS };

struct tfd {
	const char *name;
	int oflags;
	int cloexec;
	off_t seek;		/* lseek before the dump */
	size_t size;		/* file made with this many bytes */
	int fd;
	char path[128];
	int flags;		/* F_GETFL before the dump */
	off_t pos;
	struct stat st;		/* of the path, before the dump */
};

static struct tfd fds[NR_FDS] = {
	[F_APP] = { "app", O_WRONLY | O_APPEND, 1, 0, 1000 },
	[F_NB] = { "nb", O_RDWR | O_NONBLOCK, 0, 77, 3000 },
	[F_NOAT] = { "noat", O_RDONLY | O_NOATIME, 0, 10, 3000 },
	[F_DIRECT] = { "direct", O_RDWR | O_DIRECT, 0, 8192, 16384 },
	[F_SYNC] = { "sync", O_WRONLY | O_SYNC, 0, 5, 100 },
	[F_DSYNC] = { "dsync", O_WRONLY | O_DSYNC, 1, 0, 100 },
	[F_DIR] = { "dir", O_RDONLY | O_DIRECTORY, 1, 0, 0 },
	[F_NULL] = { "null", O_WRONLY, 0, 0, 0 },
	[F_ZERO] = { "zero", O_RDONLY, 1, 0, 0 },
};

static char dir[64], subdir[128];
static int have_direct, direct_strict;
static char rest_names[NR_DIRENTS + 2][32];
static int nr_rest;

static unsigned char pat(int i, off_t off)
{
	return (unsigned char)(i * 29 + off * 3 + (off >> 9));
}

static void make_file(int i)
{
	/* atime well before mtime: any read without O_NOATIME would move it */
	struct timespec t[2] = { { 1000000000, 0 }, { 0, UTIME_NOW } };
	unsigned char buf[16384];
	int fd;

	snprintf(fds[i].path, sizeof(fds[i].path), "%s/%s", dir, fds[i].name);
	for (size_t k = 0; k < fds[i].size; k++)
		buf[k] = pat(i, k);
	fd = open(fds[i].path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, fds[i].size) != (ssize_t)fds[i].size || futimens(fd, t) ||
	    close(fd))
		setup_fail("%s: %m", fds[i].path);
}

static void make_dir(void)
{
	snprintf(subdir, sizeof(subdir), "%s/dir", dir);
	snprintf(fds[F_DIR].path, sizeof(fds[F_DIR].path), "%s", subdir);
	if (mkdir(subdir, 0755))
		setup_fail("mkdir: %m");
	for (int i = 0; i < NR_DIRENTS; i++) {
		char p[192];
		int fd;

		snprintf(p, sizeof(p), "%s/entry-%02d-%x", subdir, i, i * 2654435761u);
		fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0)
			setup_fail("%s: %m", p);
		close(fd);
	}
}

/* getdents64 the names left in fd; returns how many, -1 on error. */
static int read_names(int fd, char names[][32], int max, int limit)
{
	char buf[256];	/* small: a few entries per call, the position counts */
	int n = 0;

	while (n < limit) {
		long r = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (r < 0)
			return -1;
		if (r == 0)
			break;
		/* linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, name */
		for (long off = 0; off + 19 < r;) {
			unsigned short reclen;

			if (n == max)
				return -1;
			memcpy(&reclen, buf + off + 16, sizeof(reclen));
			snprintf(names[n++], 32, "%.31s", buf + off + 19);
			off += reclen;
		}
	}
	return n;
}

static void open_fd(int i)
{
	struct tfd *t = &fds[i];
	int fl = t->oflags | (t->cloexec ? O_CLOEXEC : 0);

	t->fd = open(t->path, fl);
	if (t->fd < 0 && i == F_DIRECT && errno == EINVAL) {
		test_msg("%s: the filesystem refuses O_DIRECT: not checked", t->path);
		t->fd = open(t->path, fl & ~O_DIRECT);
	} else if (i == F_DIRECT) {
		have_direct = 1;
	}
	if (t->fd < 0)
		setup_fail("open %s: %m", t->path);
	if (t->seek && lseek(t->fd, t->seek, SEEK_SET) != t->seek)
		setup_fail("lseek %s: %m", t->name);
}

static void setup(void)
{
	char names[NR_DIRENTS + 2][32];
	off_t dpos;
	int other, n;

	snprintf(dir, sizeof(dir), "/tmp/zdtm-file_flags.XXXXXX");
	if (!mkdtemp(dir))
		setup_fail("mkdtemp: %m");
	for (int i = F_APP; i <= F_DSYNC; i++)
		make_file(i);
	make_dir();
	snprintf(fds[F_NULL].path, sizeof(fds[F_NULL].path), "/dev/null");
	snprintf(fds[F_ZERO].path, sizeof(fds[F_ZERO].path), "/dev/zero");
	for (int i = 0; i < NR_FDS; i++)
		open_fd(i);

	if (have_direct) {
		void *buf;
		char small[16];

		if (posix_memalign(&buf, 4096, 4096))
			setup_fail("posix_memalign");
		if (pread(fds[F_DIRECT].fd, buf, 4096, 4096) != 4096)
			setup_fail("O_DIRECT pread: %m");
		direct_strict = pread(fds[F_DIRECT].fd, small, 13, 3) < 0 && errno == EINVAL;
		test_msg("O_DIRECT: misaligned reads %s", direct_strict ? "fail" : "work");
		free(buf);
	}

	/* the directory fd halfway; what another fd there would read next */
	n = read_names(fds[F_DIR].fd, names, NR_DIRENTS + 2, DIRENTS_READ);
	if (n < DIRENTS_READ)
		setup_fail("getdents64: %d entries: %m", n);
	dpos = lseek(fds[F_DIR].fd, 0, SEEK_CUR);
	other = open(subdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (other < 0 || lseek(other, dpos, SEEK_SET) != dpos)
		setup_fail("second dir fd: %m");
	nr_rest = read_names(other, rest_names, NR_DIRENTS + 2, NR_DIRENTS + 2);
	close(other);
	if (nr_rest < 0 || n + nr_rest != NR_DIRENTS + 2)
		setup_fail("dir: %d + %d entries, expected %d", n, nr_rest, NR_DIRENTS + 2);

	for (int i = 0; i < NR_FDS; i++) {
		struct tfd *t = &fds[i];

		t->flags = fcntl(t->fd, F_GETFL);
		t->pos = lseek(t->fd, 0, SEEK_CUR);
		test_expect_fd(t->fd);
	}
	/* last: nothing of the test touches them any more */
	for (int i = 0; i < NR_FDS; i++)
		if (stat(fds[i].path, &fds[i].st))
			setup_fail("stat %s: %m", fds[i].path);
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* Before anything else: nothing was written, truncated or touched. */
static void check_untouched(void)
{
	for (int i = 0; i < NR_FDS; i++) {
		struct tfd *t = &fds[i];
		struct stat st;

		if (i == F_NULL || i == F_ZERO)
			continue;
		if (stat(t->path, &st)) {
			fail("stat %s: %m", t->path);
			continue;
		}
		if (st.st_ino != t->st.st_ino || st.st_size != t->st.st_size)
			fail("%s: inode %lu size %lld, was %lu %lld", t->path, (unsigned long)st.st_ino,
			     (long long)st.st_size, (unsigned long)t->st.st_ino,
			     (long long)t->st.st_size);
		if (!same_time(&st.st_mtim, &t->st.st_mtim) || !same_time(&st.st_ctim, &t->st.st_ctim))
			fail("%s: mtime %lld.%09ld ctime %lld.%09ld, were %lld.%09ld %lld.%09ld", t->path,
			     (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
			     (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
			     (long long)t->st.st_mtim.tv_sec, t->st.st_mtim.tv_nsec,
			     (long long)t->st.st_ctim.tv_sec, t->st.st_ctim.tv_nsec);
		if (!same_time(&st.st_atim, &t->st.st_atim))
			fail("%s: atime %lld, was %lld: the file was read", t->path,
			     (long long)st.st_atim.tv_sec, (long long)t->st.st_atim.tv_sec);
	}
}

static void check_fd(int i)
{
	struct tfd *t = &fds[i];
	int fl = fcntl(t->fd, F_GETFL), fdfl = fcntl(t->fd, F_GETFD);
	off_t pos = lseek(t->fd, 0, SEEK_CUR);
	struct stat st;

	if (fl != t->flags)
		fail("%s (fd %d): flags 0%o, were 0%o", t->name, t->fd, fl, t->flags);
	if (fdfl < 0 || !!(fdfl & FD_CLOEXEC) != t->cloexec)
		fail("%s (fd %d): FD_CLOEXEC %d, expected %d", t->name, t->fd,
		     fdfl < 0 ? -1 : !!(fdfl & FD_CLOEXEC), t->cloexec);
	if (pos != t->pos)
		fail("%s (fd %d): pos %lld, was %lld", t->name, t->fd, (long long)pos,
		     (long long)t->pos);
	if (fstat(t->fd, &st))
		fail("%s: fstat: %m", t->name);
	else if (st.st_dev != t->st.st_dev || st.st_ino != t->st.st_ino ||
		 st.st_rdev != t->st.st_rdev)
		fail("%s (fd %d): another file now (dev %lx ino %lu rdev %lx)", t->name, t->fd,
		     (unsigned long)st.st_dev, (unsigned long)st.st_ino, (unsigned long)st.st_rdev);
}

static void check_use(void)
{
	unsigned char buf[64];
	struct stat st, st2;
	char names[NR_DIRENTS + 2][32];
	int n;

	/* O_APPEND: at the end, whatever the position */
	if (lseek(fds[F_APP].fd, 3, SEEK_SET) != 3 || write(fds[F_APP].fd, "appended", 8) != 8)
		fail("app: write: %m");
	else if (stat(fds[F_APP].path, &st) || st.st_size != 1008 ||
		 lseek(fds[F_APP].fd, 0, SEEK_CUR) != 1008)
		fail("app: a write after restore did not append (size %lld)", (long long)st.st_size);

	if (read(fds[F_NB].fd, buf, 10) != 10 || buf[0] != pat(F_NB, 77))
		fail("nb: read at 77: %m");

	if (stat(fds[F_NOAT].path, &st) || read(fds[F_NOAT].fd, buf, 10) != 10 ||
	    stat(fds[F_NOAT].path, &st2))
		fail("noat: %m");
	else if (buf[0] != pat(F_NOAT, 10))
		fail("noat: wrong data at 10");
	else if (!same_time(&st.st_atim, &st2.st_atim))
		fail("noat: a read moved atime from %lld to %lld: no O_NOATIME",
		     (long long)st.st_atim.tv_sec, (long long)st2.st_atim.tv_sec);

	if (have_direct) {
		void *abuf;
		char small[16];

		if (posix_memalign(&abuf, 4096, 4096)) {
			fail("posix_memalign");
		} else {
			if (pread(fds[F_DIRECT].fd, abuf, 4096, 8192) != 4096 ||
			    ((unsigned char *)abuf)[5] != pat(F_DIRECT, 8197))
				fail("direct: aligned pread: %m");
			free(abuf);
		}
		if (direct_strict && !(pread(fds[F_DIRECT].fd, small, 13, 3) < 0 && errno == EINVAL))
			fail("direct: a misaligned read works: the fd is not O_DIRECT");
	}

	if (write(fds[F_SYNC].fd, "sync", 4) != 4 || write(fds[F_DSYNC].fd, "dsync", 5) != 5)
		fail("sync/dsync: write: %m");

	n = read_names(fds[F_DIR].fd, names, NR_DIRENTS + 2, NR_DIRENTS + 2);
	if (n != nr_rest)
		fail("dir: %d entries after restore, expected %d", n, nr_rest);
	else
		for (int i = 0; i < n; i++)
			if (strcmp(names[i], rest_names[i])) {
				fail("dir: entry %d is '%s', expected '%s'", i, names[i], rest_names[i]);
				break;
			}

	if (write(fds[F_NULL].fd, "x", 1) != 1 || major(fds[F_NULL].st.st_rdev) != 1 ||
	    minor(fds[F_NULL].st.st_rdev) != 3)
		fail("null: %m");
	memset(buf, 0x55, sizeof(buf));
	if (read(fds[F_ZERO].fd, buf, sizeof(buf)) != sizeof(buf) || buf[0] || buf[63] ||
	    major(fds[F_ZERO].st.st_rdev) != 1 || minor(fds[F_ZERO].st.st_rdev) != 5)
		fail("zero: %m");
}

static void cleanup(void)
{
	for (int i = 0; i < NR_FDS; i++)
		close(fds[i].fd);
	for (int i = 0; i < NR_DIRENTS; i++) {
		char p[192];

		snprintf(p, sizeof(p), "%s/entry-%02d-%x", subdir, i, i * 2654435761u);
		unlink(p);
	}
	rmdir(subdir);
	for (int i = F_APP; i <= F_DSYNC; i++)
		unlink(fds[i].path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	setup();
	test_daemon();
	test_waitsig();
	check_untouched();
	for (int i = 0; i < NR_FDS; i++)
		check_fd(i);
	check_use();
	cleanup();
	pass();
	return 0;
}
