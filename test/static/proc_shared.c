/*
 * proc_shared: the task's own /proc/self/status on two fds of one
 * description (dup). Restore opens a shared description in ckpt before the
 * task exists, where /proc/PID is not there yet: the dump must be refused
 * with one line naming pid, fd and path (.desc). After SIGTERM both fds
 * are still one description (a seek through one moves the other).
 */
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	int fd, fd2;

	test_init(argc, argv);
	fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0 || (fd2 = dup(fd)) < 0)
		setup_fail("open /proc/self/status: %m");

	test_daemon();
	test_waitsig();

	if (lseek(fd, 5, SEEK_SET) != 5 || lseek(fd2, 0, SEEK_CUR) != 5)
		fail("fds %d and %d are no longer one description", fd, fd2);
	pass();
	return 0;
}
