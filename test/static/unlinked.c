/*
 * unlinked: open files whose names are gone, in test_dir() (the runner puts
 * it on each filesystem of the matrix). After restore each fd must be the
 * very inode it was (or, for a ghost, an inode with the same data, holes,
 * mode and times, still unlinked), at its position:
 *  - relink: fd = open("a"); link("a", "b"); unlink("a"); creat("a"): the fd
 *    is b's inode, writes through it show in b, "a" stays the other file;
 *    its nlink is 1 again once restored (ckpt's link is gone) and 2 after a
 *    --leave-running dump (the image set keeps its link; the runner's
 *    ZDTM_FLAVOUR tells which);
 *  - ghost: an unlinked file with a hole, open twice (two positions, one
 *    inode) and mapped MAP_SHARED, in this process and in a child: nlink 0,
 *    same data, hole kept, mode 0640, mtime kept, writes through the fd show
 *    in the mapping, and the child's write through its mapping shows here;
 *  - O_TMPFILE: nameless, same data, and linkat(AT_EMPTY_PATH) still works;
 *  - a removed directory as the cwd: still a directory, nlink 0;
 *  - a removed FIFO opened read-write: still a FIFO that carries data;
 *  - a memfd with seals: same name, data and seals;
 *  - a removed character device node (1:3, like /dev/null): same rdev;
 *  - on overlayfs, a file of the lower layer opened then removed (a
 *    whiteout now; linking it fails, ckpt must copy it): same data.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "zdtmtst.h"

#define HOLE_AT (1 << 20)
#define PAGE 4096

static char pa[PATH_MAX], pb[PATH_MAX];
static int fd_rel, fd_g1, fd_g2, fd_tmp, fd_fifo, fd_memfd, cwd_fd, fd_node, fd_lower = -1;
static ino_t ino_b, ino_g, ino_tmp, ino_dir;
static struct timespec mtime_g;
static char *map_g;

static void fill(char *buf, size_t n, int seed)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)(seed + i * 7);
}

static void setup_relink(const char *dir)
{
	struct stat st;
	int fd;

	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pb, sizeof(pb), "%s/b", dir);
	fd_rel = open(pa, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd_rel < 0 || write(fd_rel, "relinked-data", 13) != 13)
		setup_fail("create a: %m");
	if (link(pa, pb) || unlink(pa))
		setup_fail("link/unlink: %m");
	fd = creat(pa, 0644);
	if (fd < 0 || write(fd, "new-a", 5) != 5)
		setup_fail("creat a: %m");
	close(fd);
	lseek(fd_rel, 3, SEEK_SET);
	stat(pb, &st);
	ino_b = st.st_ino;
}

static void setup_ghost(const char *dir)
{
	char path[PATH_MAX], buf[PAGE];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ghost", dir);
	fd_g1 = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd_g1 < 0)
		setup_fail("create ghost: %m");
	fill(buf, PAGE, 1);
	if (pwrite(fd_g1, buf, PAGE, 0) != PAGE || pwrite(fd_g1, buf, PAGE, HOLE_AT) != PAGE)
		setup_fail("write ghost: %m");
	fchmod(fd_g1, 0640);
	fd_g2 = open(path, O_RDONLY);
	map_g = mmap(NULL, HOLE_AT + PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd_g1, 0);
	if (fd_g2 < 0 || map_g == MAP_FAILED)
		setup_fail("reopen/map ghost: %m");
	if (unlink(path))
		setup_fail("unlink ghost: %m");
	lseek(fd_g1, 100, SEEK_SET);
	lseek(fd_g2, HOLE_AT + 5, SEEK_SET);
	fstat(fd_g1, &st);
	ino_g = st.st_ino;
	mtime_g = st.st_mtim;
}

static void setup_tmpfile(const char *dir)
{
	struct stat st;

	fd_tmp = open(dir, O_TMPFILE | O_RDWR, 0600);
	if (fd_tmp < 0)
		setup_fail("O_TMPFILE in %s: %m", dir);
	if (write(fd_tmp, "tmpfile-data", 12) != 12)
		setup_fail("write tmpfile: %m");
	fstat(fd_tmp, &st);
	ino_tmp = st.st_ino;
}

static void setup_cwd_fifo(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	if (mkfifo(path, 0600))
		setup_fail("mkfifo: %m");
	fd_fifo = open(path, O_RDWR | O_NONBLOCK);
	if (fd_fifo < 0 || unlink(path))
		setup_fail("fifo: %m");
	snprintf(path, sizeof(path), "%s/gone-dir", dir);
	cwd_fd = open(".", O_RDONLY | O_DIRECTORY);	/* to come back out */
	if (mkdir(path, 0750) || chdir(path) || rmdir(path))
		setup_fail("removed cwd: %m");
	stat(".", &st);
	ino_dir = st.st_ino;
}

static void setup_node_lower(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/node", dir);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)))
		setup_fail("mknod: %m");
	fd_node = open(path, O_RDWR);
	if (fd_node < 0 || unlink(path))
		setup_fail("node: %m");
	/* the overlay-lower directory of the matrix has lower-b (8192 x 'b') */
	snprintf(path, sizeof(path), "%s/lower-b", dir);
	fd_lower = open(path, O_RDONLY);
	if (fd_lower >= 0 && unlink(path))
		setup_fail("unlink lower-b: %m");
	if (fd_lower >= 0)
		lseek(fd_lower, 100, SEEK_SET);
}

static void check_node_lower(void)
{
	struct stat st;
	char buf[8192];

	if (fstat(fd_node, &st) || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) ||
	    st.st_nlink != 0)
		fail("node: mode %o rdev %lx nlink %lu", st.st_mode, (long)st.st_rdev, st.st_nlink);
	if (write(fd_node, "x", 1) != 1)
		fail("node: write to the null device: %m");
	if (fd_lower < 0)
		return;
	if (lseek(fd_lower, 0, SEEK_CUR) != 100)
		fail("lower: position %ld", (long)lseek(fd_lower, 0, SEEK_CUR));
	if (pread(fd_lower, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf))
		return fail("lower: read: %m");
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 'b')
			return fail("lower: byte %zu is %d", i, buf[i]);
}

static void setup_memfd(void)
{
	fd_memfd = memfd_create("ckpt-test", MFD_ALLOW_SEALING);
	if (fd_memfd < 0 || write(fd_memfd, "memfd-data", 10) != 10 ||
	    fcntl(fd_memfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW))
		setup_fail("memfd: %m");
}

static void check_relink(void)
{
	struct stat st, sb, sa;
	char buf[32] = "";

	if (fstat(fd_rel, &st) || stat(pb, &sb) || stat(pa, &sa))
		return fail("relink: stat: %m");
	if (st.st_ino != ino_b || st.st_ino != sb.st_ino || st.st_dev != sb.st_dev)
		fail("relink: fd is inode %lu, b is %lu (was %lu)", st.st_ino, sb.st_ino, ino_b);
	if (sa.st_ino == st.st_ino)
		fail("relink: \"a\" is the fd's inode, should be the new file");
	/* after a restore ckpt's link is gone; a --leave-running dump keeps it for the images */
	const char *flavour = getenv("ZDTM_FLAVOUR");
	nlink_t want = flavour && !strcmp(flavour, "leave-running") ? 2 : 1;

	if (st.st_nlink != want)
		fail("relink: nlink %lu, want %lu (%s)", st.st_nlink, want, flavour ? flavour : "?");
	if (lseek(fd_rel, 0, SEEK_CUR) != 3)
		fail("relink: position %ld, want 3", (long)lseek(fd_rel, 0, SEEK_CUR));
	if (write(fd_rel, "X", 1) != 1)
		fail("relink: write: %m");
	int fb = open(pb, O_RDONLY);

	if (fb < 0 || read(fb, buf, 13) != 13 || memcmp(buf, "relXnked-data", 13))
		fail("relink: b reads '%.13s', want the write through the fd", buf);
	close(fb);
}

static void check_ghost(void)
{
	char buf[PAGE], want[PAGE];
	struct stat st, st2;

	if (fstat(fd_g1, &st) || fstat(fd_g2, &st2))
		return fail("ghost: fstat: %m");
	if (st.st_nlink != 0)
		fail("ghost: nlink %lu, want 0", st.st_nlink);
	if (st.st_ino != st2.st_ino || st.st_dev != st2.st_dev)
		fail("ghost: the two fds are different inodes (%lu, %lu)", st.st_ino, st2.st_ino);
	if (st.st_size != HOLE_AT + PAGE || (st.st_mode & 07777) != 0640)
		fail("ghost: size %ld mode %o", (long)st.st_size, st.st_mode & 07777);
	if (st.st_mtim.tv_sec != mtime_g.tv_sec || st.st_mtim.tv_nsec != mtime_g.tv_nsec)
		fail("ghost: mtime %ld.%09ld, was %ld.%09ld", st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		     mtime_g.tv_sec, mtime_g.tv_nsec);
	if (lseek(fd_g1, 0, SEEK_CUR) != 100 || lseek(fd_g2, 0, SEEK_CUR) != HOLE_AT + 5)
		fail("ghost: positions %ld %ld", (long)lseek(fd_g1, 0, SEEK_CUR),
		     (long)lseek(fd_g2, 0, SEEK_CUR));
	fill(want, PAGE, 1);
	if (pread(fd_g2, buf, PAGE, HOLE_AT) != PAGE || memcmp(buf, want, PAGE))
		fail("ghost: data at 1 MiB differs");
	if (memcmp(map_g, want, PAGE))
		fail("ghost: mapping differs from the data");
	off_t hole = lseek(fd_g2, PAGE, SEEK_HOLE);

	if (hole != PAGE && hole < HOLE_AT)
		fail("ghost: hole at %ld", (long)hole);
	if (pwrite(fd_g1, "Z", 1, 10) != 1 || map_g[10] != 'Z')
		fail("ghost: a write through the fd is not in the mapping");
}

static void check_tmpfile(void)
{
	char buf[16] = "", path[PATH_MAX];
	struct stat st;

	if (fstat(fd_tmp, &st) || st.st_nlink != 0 || !S_ISREG(st.st_mode))
		return fail("tmpfile: nlink %lu", st.st_nlink);
	if (pread(fd_tmp, buf, 12, 0) != 12 || memcmp(buf, "tmpfile-data", 12))
		fail("tmpfile: data '%.12s'", buf);
	if (lseek(fd_tmp, 0, SEEK_CUR) != 12)
		fail("tmpfile: position %ld", (long)lseek(fd_tmp, 0, SEEK_CUR));
	snprintf(path, sizeof(path), "%s/linked-tmpfile", test_dir());
	if (linkat(fd_tmp, "", AT_FDCWD, path, AT_EMPTY_PATH))
		fail("tmpfile: linkat after restore: %m (must stay linkable)");
	else
		unlink(path);
}

static void check_cwd_fifo(void)
{
	struct stat st;
	char c = 0;

	if (stat(".", &st) || !S_ISDIR(st.st_mode) || st.st_nlink != 0)
		fail("cwd: mode %o nlink %lu, want a removed directory", st.st_mode, st.st_nlink);
	if (fstat(fd_fifo, &st) || !S_ISFIFO(st.st_mode) || st.st_nlink != 0)
		fail("fifo: mode %o nlink %lu", st.st_mode, st.st_nlink);
	if (write(fd_fifo, "f", 1) != 1 || read(fd_fifo, &c, 1) != 1 || c != 'f')
		fail("fifo: does not carry data: %m");
	if (fchdir(cwd_fd))
		fail("fchdir back: %m");
}

static void check_memfd(void)
{
	char buf[16] = "", link[64], path[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd_memfd);
	n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = '\0';
	if (strncmp(link, "/memfd:ckpt-test", 16))
		fail("memfd: link %s", link);
	if (fcntl(fd_memfd, F_GET_SEALS) != (F_SEAL_SHRINK | F_SEAL_GROW))
		fail("memfd: seals %#x", fcntl(fd_memfd, F_GET_SEALS));
	if (pread(fd_memfd, buf, 10, 0) != 10 || memcmp(buf, "memfd-data", 10))
		fail("memfd: data '%.10s'", buf);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	const char *dir = test_dir();

	setup_relink(dir);
	setup_ghost(dir);
	setup_tmpfile(dir);
	setup_cwd_fifo(dir);
	setup_memfd();
	setup_node_lower(dir);

	struct test_child c;

	if (test_child_fork(&c) == 0) {
		/* the same ghost inode, in another process, through its mapping */
		test_child_ready();
		test_waitsig();
		map_g[20] = 'C';
		if (msync(map_g, PAGE, MS_SYNC))
			fail("child: msync: %m");
		test_child_exit();
	}
	test_child_wait_ready(&c);
	test_daemon();
	test_waitsig();

	check_relink();
	check_ghost();
	check_tmpfile();
	check_cwd_fifo();
	check_memfd();
	check_node_lower();

	/* last: the child's write moves the ghost's mtime */
	kill(c.pid, SIGTERM);
	test_child_collect(&c);
	char cb = 0;

	if (pread(fd_g2, &cb, 1, 20) != 1 || cb != 'C')
		fail("ghost: the child's write through its mapping is not in our file ('%c')", cb);
	if (!test_failed())
		pass();
	unlink(pa);
	unlink(pb);
	return 0;
}
