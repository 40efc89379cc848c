/*
 * chroot: a child of the tree chrooted into a directory of test_dir(), its
 * cwd a subdirectory there, with a file of the chroot open at a position.
 * /proc shows its files by paths from ckpt's root, and that is how they
 * must be seen: the file is the one its path names, not an unlinked file
 * (no link made inside the chroot: its st_nlink stays 1). After the
 * restore the child is chrooted to the same directory (same inode as
 * "/"), its cwd is /sub, the fd is the same inode, still the one "/data"
 * names, at the same position, and reads on.
 *
 * The child's messages go to stderr (O.log, an fd it keeps): the library
 * writes them by path, which the chroot hides.
 */
#include <fcntl.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define cfail(fmt, ...) do { \
	fprintf(stderr, "FAIL (chrooted child): " fmt "\n", ##__VA_ARGS__); \
	fail(fmt, ##__VA_ARGS__); } while (0)

static void child(const char *root)
{
	struct stat root_st, before, now, named;
	char buf[16] = "", cwd[PATH_MAX];
	int fd;

	if (stat(root, &root_st) || chroot(root) || chdir("/sub"))
		setup_fail("chroot %s: %m", root);
	fd = open("/data", O_RDWR);
	if (fd < 0 || read(fd, buf, 2) != 2 || fstat(fd, &before))
		setup_fail("open /data in the chroot: %m");
	test_child_ready();
	test_waitsig();

	if (stat("/", &now) || now.st_ino != root_st.st_ino || now.st_dev != root_st.st_dev)
		cfail("\"/\" is inode %lu, the chroot was %lu", (unsigned long)now.st_ino,
		      (unsigned long)root_st.st_ino);
	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, "/sub"))
		cfail("cwd '%s', expected /sub", cwd);
	if (fstat(fd, &now) || now.st_ino != before.st_ino || now.st_dev != before.st_dev)
		cfail("fd %d is inode %lu, was %lu", fd, (unsigned long)now.st_ino,
		      (unsigned long)before.st_ino);
	if (now.st_nlink != 1)
		cfail("/data has %lu links, had 1", (unsigned long)now.st_nlink);
	if (stat("/data", &named) || named.st_ino != before.st_ino)
		cfail("/data no longer names the file of fd %d", fd);
	if (lseek(fd, 0, SEEK_CUR) != 2)
		cfail("fd %d at %lld, expected 2", fd, (long long)lseek(fd, 0, SEEK_CUR));
	memset(buf, 0, sizeof(buf));
	if (read(fd, buf, sizeof(buf) - 1) != 3 || strcmp(buf, "llo"))
		cfail("fd %d reads on '%s', expected 'llo'", fd, buf);
	test_child_exit();
}

int main(int argc, char **argv)
{
	char root[PATH_MAX], sub[PATH_MAX + 8], data[PATH_MAX + 8];
	struct test_child c;
	int fd;

	test_init(argc, argv);
	snprintf(root, sizeof(root), "%s/root", test_dir());
	snprintf(sub, sizeof(sub), "%s/sub", root);
	snprintf(data, sizeof(data), "%s/data", root);
	if (mkdir(root, 0755) || mkdir(sub, 0755))
		setup_fail("mkdir %s: %m", sub);
	fd = open(data, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "hello", 5) != 5 || close(fd))
		setup_fail("make %s: %m", data);
	if (test_child_fork(&c) == 0)
		child(root);
	test_child_wait_ready(&c);
	test_daemon();
	test_waitsig();
	if (kill(c.pid, SIGTERM))
		fail("kill child %d: %m", c.pid);
	test_child_collect(&c);
	if (unlink(data) || rmdir(sub) || rmdir(root))
		fail("clean %s up: %m (a name left there?)", root);
	pass();
	return 0;
}
