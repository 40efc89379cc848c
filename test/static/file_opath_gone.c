/*
 * file_opath_gone: an O_PATH fd on a file whose name is gone cannot be
 * reopened by path: the dump is refused with one line naming pid, fd and
 * file, and the task runs on with its fd.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char path[256];
	struct stat a, b;
	int fd;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s/gone", test_dir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || close(fd))
		setup_fail("%s: %m", path);
	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &a) || unlink(path))
		setup_fail("O_PATH open, unlink %s: %m", path);
	test_daemon();
	test_waitsig();
	if (fstat(fd, &b) || b.st_ino != a.st_ino || !(fcntl(fd, F_GETFL) & O_PATH))
		fail("the O_PATH fd is not what it was after the refused dump");
	pass();
	return 0;
}
