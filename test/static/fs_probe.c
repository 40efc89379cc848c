/*
 * fs_probe: a plain file on the filesystem of test_dir() (each filesystem of
 * the matrix, fs=matrix) comes back as the very same file.
 *
 * It creates test_dir()/fs_probe.data (3 pages + 100 bytes of a pattern),
 * keeps an O_RDWR fd on it at position 5000 and a MAP_SHARED read-write
 * mapping of its pages 1 and 2 (file offset 4096), writes a marker through
 * the mapping, and records the fd's flags, st_dev/st_ino and the statfs
 * f_type. After SIGTERM: the position and flags, the same inode (fstat equals
 * the recorded st_dev/st_ino and stat() of the path), the same f_type, the
 * mapping's content, and that the mapping and the fd still share the page
 * cache of one file (a write through either is seen through the other).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGE 4096
#define FILE_SIZE (3 * PAGE + 100)
#define POS 5000
#define MAP_OFF PAGE
#define MAP_LEN (2 * PAGE)
#define MARK_OFF 100	/* in the mapping */
static const char mark[] = "ckpt fs_probe marker";

static char path[4096];
static const char *dir;
static int fd = -1;
static unsigned char *map;
static int flags;
static struct stat st0;
static long ftype;

static unsigned char pat(off_t off)
{
	return (unsigned char)(off * 7 + (off >> 9) + 1);
}

/* What the file holds at off: the pattern with the marker written over it. */
static unsigned char want_at(off_t off)
{
	off_t m = MAP_OFF + MARK_OFF;

	if (off >= m && off < m + (off_t)sizeof(mark))
		return (unsigned char)mark[off - m];
	return pat(off);
}

static void setup(void)
{
	unsigned char buf[FILE_SIZE];
	struct statfs sfs, dfs;
	int i;

	dir = test_dir();
	snprintf(path, sizeof(path), "%s/fs_probe.data", dir);
	if (statfs(dir, &dfs))
		setup_fail("statfs %s: %m", dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", path);
	for (i = 0; i < FILE_SIZE; i++)
		buf[i] = pat(i);
	if (write(fd, buf, FILE_SIZE) != FILE_SIZE)
		setup_fail("%s: write: %m", path);
	if (lseek(fd, POS, SEEK_SET) != POS)
		setup_fail("lseek: %m");
	map = mmap(NULL, MAP_LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, MAP_OFF);
	if (map == MAP_FAILED)
		setup_fail("mmap %s: %m", path);
	memcpy(map + MARK_OFF, mark, sizeof(mark));

	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || fstat(fd, &st0) || fstatfs(fd, &sfs))
		setup_fail("%s: record: %m", path);
	if (sfs.f_type != dfs.f_type)
		setup_fail("f_type of the file %lx, of %s %lx", (long)sfs.f_type, dir,
			   (long)dfs.f_type);
	ftype = sfs.f_type;
	test_msg("%s: dev %lx ino %lu f_type %lx", path, (unsigned long)st0.st_dev,
		 (unsigned long)st0.st_ino, ftype);
	test_expect_fd(fd);
}

static void check(void)
{
	unsigned char buf[100], c;
	struct statfs sfs;
	struct stat st, pst;
	off_t pos;
	int i, fl;

	pos = lseek(fd, 0, SEEK_CUR);
	if (pos != POS)
		fail("fd %d: pos %lld, expected %d", fd, (long long)pos, POS);
	fl = fcntl(fd, F_GETFL);
	if (fl != flags)
		fail("fd %d: flags 0%o, expected 0%o", fd, fl, flags);

	if (fstat(fd, &st)) {
		fail("fstat fd %d: %m", fd);
		return;
	}
	if (st.st_ino != st0.st_ino || st.st_dev != st0.st_dev)
		fail("fd %d: dev/ino now %lx/%lu, was %lx/%lu", fd, (unsigned long)st.st_dev,
		     (unsigned long)st.st_ino, (unsigned long)st0.st_dev,
		     (unsigned long)st0.st_ino);
	if (stat(path, &pst))
		fail("stat %s: %m", path);
	else if (pst.st_ino != st.st_ino || pst.st_dev != st.st_dev)
		fail("fd %d is dev/ino %lx/%lu, %s is %lx/%lu", fd, (unsigned long)st.st_dev,
		     (unsigned long)st.st_ino, path, (unsigned long)pst.st_dev,
		     (unsigned long)pst.st_ino);
	if (st.st_size != FILE_SIZE)
		fail("%s: size %lld, expected %d", path, (long long)st.st_size, FILE_SIZE);

	if (fstatfs(fd, &sfs))
		fail("fstatfs fd %d: %m", fd);
	else if (sfs.f_type != ftype)
		fail("fd %d: f_type %lx, was %lx", fd, (long)sfs.f_type, ftype);
	if (statfs(dir, &sfs))
		fail("statfs %s: %m", dir);
	else if (sfs.f_type != ftype)
		fail("%s: f_type %lx, was %lx", dir, (long)sfs.f_type, ftype);

	for (i = 0; i < MAP_LEN; i++) {
		if (map[i] != want_at(MAP_OFF + i)) {
			fail("mapping at file offset %d: %#x, expected %#x", MAP_OFF + i,
			     map[i], want_at(MAP_OFF + i));
			break;
		}
	}

	/* the fd reads on from its position */
	if (read(fd, buf, sizeof(buf)) != sizeof(buf)) {
		fail("read at %d: %m", POS);
	} else {
		for (i = 0; i < (int)sizeof(buf); i++) {
			if (buf[i] != want_at(POS + i)) {
				fail("read at file offset %d: %#x, expected %#x", POS + i,
				     buf[i], want_at(POS + i));
				break;
			}
		}
	}

	/* the mapping and the fd share one file: writes go both ways */
	map[7] = 0x5a;
	if (pread(fd, &c, 1, MAP_OFF + 7) != 1 || c != 0x5a)
		fail("a write through the mapping is not seen through the fd");
	c = 0xa5;
	if (pwrite(fd, &c, 1, MAP_OFF + PAGE + 9) != 1)
		fail("pwrite: %m");
	else if (map[PAGE + 9] != 0xa5)
		fail("a write through the fd is not seen through the mapping");
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	setup();
	test_daemon();
	test_waitsig();
	check();
	munmap(map, MAP_LEN);
	close(fd);
	unlink(path);
	pass();
	return 0;
}
