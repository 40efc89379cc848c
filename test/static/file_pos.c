/*
 * file_pos: regular files open in every common way keep their position,
 * status flags, FD_CLOEXEC, identity and content across a dump.
 *
 *   ro     O_RDONLY                    pos 1234
 *   ro_cx  F_DUPFD_CLOEXEC of ro       shares ro's position, only it is cloexec
 *   wa     O_WRONLY|O_APPEND           pos 600 (end of file after a write)
 *   rw     O_RDWR                      pos 4321
 *   rw_dup dup(rw)                     shares rw's position
 *   cx     O_RDONLY|O_CLOEXEC          pos 777, same file as ro, own position
 *   nb     O_RDWR|O_NONBLOCK           pos 99999, past the end of the file
 *   big    O_RDONLY, sparse 6 GiB file pos 5 GiB + 17 (64-bit offsets)
 *
 * All are recorded with test_expect_fd() for the runner to compare with the
 * image. After SIGTERM each fd is checked (lseek, F_GETFL, F_GETFD, fstat
 * against the path) and used: reads return the right bytes, shared positions
 * move together, appends land at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { F_A, F_B, F_C, F_D, F_E, NR_FILES };
enum { ro, ro_cx, wa, rw, rw_dup, cx, nb, big, NR_FDS };

static const char *const fd_names[NR_FDS] = {
	"ro", "ro_cx", "wa", "rw", "rw_dup", "cx", "nb", "big",
};

struct tfd {
	int fd;
	int file;
	off_t pos;
	int flags;
	int cloexec;
	dev_t dev;
	ino_t ino;
};

static char dir[64];
static char paths[NR_FILES][128];
static struct tfd fds[NR_FDS];

#define BIG_SIZE (6LL << 30)
#define BIG_POS ((5LL << 30) + 17)

static unsigned char pat(int file, off_t off)
{
	return (unsigned char)(off * 31 + file * 101 + (off >> 8));
}

static void fill(unsigned char *buf, int file, off_t off, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = pat(file, off + i);
}

static void make_file(int file, size_t len)
{
	unsigned char buf[65536];
	int fd;

	snprintf(paths[file], sizeof(paths[file]), "%s/file%c", dir, 'A' + file);
	fd = open(paths[file], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", paths[file]);
	if (len > sizeof(buf))
		setup_fail("file too large");
	fill(buf, file, 0, len);
	if (write(fd, buf, len) != (ssize_t)len)
		setup_fail("%s: write: %m", paths[file]);
	close(fd);
}

static void open_fd(int i, int file, int oflags)
{
	fds[i].fd = open(paths[file], oflags);
	fds[i].file = file;
	if (fds[i].fd < 0)
		setup_fail("open %s: %m", paths[file]);
}

static void record(int i)
{
	struct stat st;
	int fdfl;

	fds[i].pos = lseek(fds[i].fd, 0, SEEK_CUR);
	fds[i].flags = fcntl(fds[i].fd, F_GETFL);
	fdfl = fcntl(fds[i].fd, F_GETFD);
	if (fds[i].pos < 0 || fds[i].flags < 0 || fdfl < 0 || fstat(fds[i].fd, &st))
		setup_fail("%s: record: %m", fd_names[i]);
	fds[i].cloexec = !!(fdfl & FD_CLOEXEC);
	fds[i].dev = st.st_dev;
	fds[i].ino = st.st_ino;
	test_expect_fd(fds[i].fd);
}

static void setup(void)
{
	unsigned char buf[8000];
	int i;

	snprintf(dir, sizeof(dir), "/tmp/zdtm-file_pos.XXXXXX");
	if (!mkdtemp(dir))
		setup_fail("mkdtemp: %m");
	make_file(F_A, 65536);
	make_file(F_B, 500);
	make_file(F_C, 0);
	make_file(F_D, 4096);
	make_file(F_E, 0);
	if (truncate(paths[F_E], BIG_SIZE))
		setup_fail("truncate %s: %m", paths[F_E]);

	open_fd(ro, F_A, O_RDONLY);
	if (lseek(fds[ro].fd, 1234, SEEK_SET) != 1234)
		setup_fail("lseek: %m");
	fds[ro_cx].fd = fcntl(fds[ro].fd, F_DUPFD_CLOEXEC, 100);
	fds[ro_cx].file = F_A;
	if (fds[ro_cx].fd < 0)
		setup_fail("F_DUPFD_CLOEXEC: %m");

	open_fd(wa, F_B, O_WRONLY | O_APPEND);
	fill(buf, F_B, 500, 100);
	if (write(fds[wa].fd, buf, 100) != 100)
		setup_fail("write: %m");

	open_fd(rw, F_C, O_RDWR);
	fill(buf, F_C, 0, sizeof(buf));
	if (write(fds[rw].fd, buf, sizeof(buf)) != sizeof(buf))
		setup_fail("write: %m");
	if (lseek(fds[rw].fd, 4321, SEEK_SET) != 4321)
		setup_fail("lseek: %m");
	fds[rw_dup].fd = dup(fds[rw].fd);
	fds[rw_dup].file = F_C;
	if (fds[rw_dup].fd < 0)
		setup_fail("dup: %m");

	open_fd(cx, F_A, O_RDONLY | O_CLOEXEC);
	if (lseek(fds[cx].fd, 777, SEEK_SET) != 777)
		setup_fail("lseek: %m");

	open_fd(nb, F_D, O_RDWR | O_NONBLOCK);
	if (lseek(fds[nb].fd, 99999, SEEK_SET) != 99999)
		setup_fail("lseek: %m");

	open_fd(big, F_E, O_RDONLY);
	if (lseek(fds[big].fd, BIG_POS, SEEK_SET) != BIG_POS)
		setup_fail("lseek: %m");

	for (i = 0; i < NR_FDS; i++)
		record(i);
}

/* The fd is what it was: same position, flags, cloexec bit, file. */
static void check_fd(int i)
{
	struct tfd *t = &fds[i];
	struct stat st, pst;
	off_t pos;
	int fl, fdfl;

	pos = lseek(t->fd, 0, SEEK_CUR);
	fl = fcntl(t->fd, F_GETFL);
	fdfl = fcntl(t->fd, F_GETFD);
	if (pos != t->pos)
		fail("%s (fd %d): pos %lld, expected %lld", fd_names[i], t->fd,
		     (long long)pos, (long long)t->pos);
	if (fl != t->flags)
		fail("%s (fd %d): flags 0%o, expected 0%o", fd_names[i], t->fd, fl, t->flags);
	if (fdfl < 0 || !!(fdfl & FD_CLOEXEC) != t->cloexec)
		fail("%s (fd %d): FD_CLOEXEC %d, expected %d", fd_names[i], t->fd,
		     fdfl < 0 ? -1 : !!(fdfl & FD_CLOEXEC), t->cloexec);
	if (fstat(t->fd, &st))
		fail("%s (fd %d): fstat: %m", fd_names[i], t->fd);
	else if (st.st_dev != t->dev || st.st_ino != t->ino)
		fail("%s (fd %d): now dev/ino %lx/%lu, was %lx/%lu", fd_names[i], t->fd,
		     (unsigned long)st.st_dev, (unsigned long)st.st_ino,
		     (unsigned long)t->dev, (unsigned long)t->ino);
	else if (stat(paths[t->file], &pst) || pst.st_ino != st.st_ino || pst.st_dev != st.st_dev)
		fail("%s (fd %d): no longer the file at %s", fd_names[i], t->fd, paths[t->file]);
}

static void check_read(int i, size_t len, int file, off_t off)
{
	unsigned char got[256], want[256];
	ssize_t n;

	n = read(fds[i].fd, got, len);
	if (n != (ssize_t)len) {
		fail("%s: read %zd of %zu bytes: %m", fd_names[i], n, len);
		return;
	}
	if (file < 0)
		memset(want, 0, len);
	else
		fill(want, file, off, len);
	if (memcmp(got, want, len))
		fail("%s: wrong data at offset %lld", fd_names[i], (long long)off);
}

static void expect_pos(int i, off_t want)
{
	off_t pos = lseek(fds[i].fd, 0, SEEK_CUR);

	if (pos != want)
		fail("%s: pos %lld after use, expected %lld", fd_names[i], (long long)pos,
		     (long long)want);
}

static void check_file(int file, size_t len)
{
	unsigned char got[65536], want[65536];
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(paths[file], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		fail("%s: %m", paths[file]);
		return;
	}
	n = read(fd, got, sizeof(got));
	close(fd);
	fill(want, file, 0, len);
	if (st.st_size != (off_t)len || n != (ssize_t)len || memcmp(got, want, len))
		fail("%s: content differs (size %lld, expected %zu)", paths[file],
		     (long long)st.st_size, len);
}

static void check(void)
{
	unsigned char buf[100];
	char c;
	int i;

	for (i = 0; i < NR_FDS; i++)
		check_fd(i);

	/* ro and ro_cx share one file description, cx has its own */
	check_read(ro, 100, F_A, 1234);
	expect_pos(ro_cx, 1334);
	check_read(ro_cx, 10, F_A, 1334);
	expect_pos(ro, 1344);
	check_read(cx, 100, F_A, 777);
	expect_pos(cx, 877);

	check_read(rw, 100, F_C, 4321);
	expect_pos(rw_dup, 4421);
	check_read(rw_dup, 50, F_C, 4421);
	expect_pos(rw, 4471);
	check_file(F_C, 8000);

	/* O_APPEND still appends, whatever the position says */
	if (lseek(fds[wa].fd, 10, SEEK_SET) != 10)
		fail("wa: lseek: %m");
	fill(buf, F_B, 600, 50);
	if (write(fds[wa].fd, buf, 50) != 50)
		fail("wa: write: %m");
	expect_pos(wa, 650);
	check_file(F_B, 650);

	/* O_NONBLOCK file past its end: EOF, then a write extends it */
	if (read(fds[nb].fd, &c, 1) != 0)
		fail("nb: read past EOF did not return 0");
	if (write(fds[nb].fd, "x", 1) != 1)
		fail("nb: write: %m");
	expect_pos(nb, 100000);

	check_read(big, 10, -1, BIG_POS);
	expect_pos(big, BIG_POS + 10);
}

static void cleanup(void)
{
	int i;

	for (i = 0; i < NR_FDS; i++)
		close(fds[i].fd);
	for (i = 0; i < NR_FILES; i++)
		unlink(paths[i]);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	setup();
	test_daemon();
	test_waitsig();
	check();
	cleanup();
	pass();
	return 0;
}
