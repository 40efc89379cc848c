/*
 * file_opath: O_PATH fds come back as O_PATH fds on the same object.
 *
 *   reg   O_PATH on a regular file            read() fails EBADF; fstat: same inode
 *   dir   O_PATH|O_DIRECTORY                  openat(dir, "reg") opens the file
 *   lnk   O_PATH|O_NOFOLLOW on a symlink      the fd is the link itself: S_IFLNK,
 *                                             readlinkat(fd, "") gives its target
 *   fifo  O_PATH on a FIFO                    S_IFIFO, same inode, never opened
 *   sock  O_PATH on a unix socket's name      S_IFSOCK, same inode (the socket
 *                                             itself was closed)
 *
 * F_GETFL (O_PATH, O_NOFOLLOW, O_DIRECTORY) is compared with what it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { REG, DIR_, LNK, FIFO, SOCK, NR };
static const char *names[NR] = { "reg", "dir", "lnk", "fifo", "sock" };
static int fds[NR], flags[NR];
static struct stat st[NR];
static char paths[NR][256];

int main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;
	int fd;

	test_init(argc, argv);
	snprintf(paths[REG], sizeof(paths[REG]), "%s/reg", test_dir());
	snprintf(paths[DIR_], sizeof(paths[DIR_]), "%s", test_dir());
	snprintf(paths[LNK], sizeof(paths[LNK]), "%s/lnk", test_dir());
	snprintf(paths[FIFO], sizeof(paths[FIFO]), "%s/fifo", test_dir());
	snprintf(paths[SOCK], sizeof(paths[SOCK]), "%s/sock", test_dir());
	fd = open(paths[REG], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, "data", 4) != 4 || close(fd))
		setup_fail("%s: %m", paths[REG]);
	if (symlink("reg-target-that-does-not-exist", paths[LNK]) || mkfifo(paths[FIFO], 0600))
		setup_fail("symlink, mkfifo: %m");
	{
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		int sk = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (strlen(paths[SOCK]) >= sizeof(a.sun_path))
			setup_fail("%s: too long for a socket", paths[SOCK]);
		memcpy(a.sun_path, paths[SOCK], strlen(paths[SOCK]));
		if (sk < 0 || bind(sk, (struct sockaddr *)&a, sizeof(a)))
			setup_fail("bind %s: %m", paths[SOCK]);
		close(sk);
	}
	fds[SOCK] = open(paths[SOCK], O_PATH | O_CLOEXEC);
	fds[REG] = open(paths[REG], O_PATH | O_CLOEXEC);
	fds[DIR_] = open(paths[DIR_], O_PATH | O_DIRECTORY);
	fds[LNK] = open(paths[LNK], O_PATH | O_NOFOLLOW);
	fds[FIFO] = open(paths[FIFO], O_PATH | O_CLOEXEC);
	for (int i = 0; i < NR; i++) {
		if (fds[i] < 0 || fstat(fds[i], &st[i]))
			setup_fail("%s: O_PATH open: %m", names[i]);
		flags[i] = fcntl(fds[i], F_GETFL);
	}
	if (!S_ISLNK(st[LNK].st_mode))
		setup_fail("lnk: not a symlink fd");

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++) {
		struct stat s;
		int fl = fcntl(fds[i], F_GETFL);

		if (fl != flags[i])
			fail("%s: flags 0%o, were 0%o", names[i], fl, flags[i]);
		if (fstat(fds[i], &s))
			fail("%s: fstat: %m", names[i]);
		else if (s.st_ino != st[i].st_ino || s.st_dev != st[i].st_dev ||
			 (s.st_mode & S_IFMT) != (st[i].st_mode & S_IFMT))
			fail("%s: another object now (ino %lu mode 0%o, was %lu 0%o)", names[i],
			     (unsigned long)s.st_ino, s.st_mode, (unsigned long)st[i].st_ino,
			     st[i].st_mode);
	}
	if (read(fds[REG], buf, 1) != -1 || errno != EBADF)
		fail("reg: read() through an O_PATH fd did not fail EBADF");
	fd = openat(fds[DIR_], "reg", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, 4) != 4 || memcmp(buf, "data", 4))
		fail("dir: openat(dir, reg): %m");
	if (fd >= 0)
		close(fd);
	n = readlinkat(fds[LNK], "", buf, sizeof(buf) - 1);
	if (n < 0)
		fail("lnk: readlinkat(fd, \"\"): %m");
	else if (buf[n] = '\0', strcmp(buf, "reg-target-that-does-not-exist"))
		fail("lnk: target '%s'", buf);

	for (int i = 0; i < NR; i++)
		close(fds[i]);
	unlink(paths[REG]);
	unlink(paths[LNK]);
	unlink(paths[FIFO]);
	unlink(paths[SOCK]);
	pass();
	return 0;
}
