/*
 * file_lease: a task holding a lease (F_SETLEASE) is refused at dump, with
 * one line naming the pid, fd and file; the task runs on with its lease.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char path[256];
	int fd, l;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s/leased", test_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", path);
	close(fd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK))
		setup_fail("read lease on %s: %m", path);
	test_daemon();
	test_waitsig();
	l = fcntl(fd, F_GETLEASE);
	if (l != F_RDLCK)
		fail("F_GETLEASE is %d after the refused dump, expected F_RDLCK", l);
	close(fd);
	unlink(path);
	pass();
	return 0;
}
