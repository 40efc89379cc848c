/*
 * file_lock_mapped: an flock on a description that only a shared mapping
 * still holds (its fd closed) is in /proc/locks but no fd shows it: the
 * dump is refused with one line naming the pid and the inode, and the task
 * runs on with its lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char path[256];
	void *map;
	int fd;

	test_init(argc, argv);
	snprintf(path, sizeof(path), "%s/mapped", test_dir());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, 4096) || flock(fd, LOCK_EX | LOCK_NB))
		setup_fail("%s: %m", path);
	map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED)
		setup_fail("mmap: %m");
	close(fd);
	test_daemon();
	test_waitsig();
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail("open %s: %m", path);
	else if (flock(fd, LOCK_SH | LOCK_NB) == 0)
		fail("the flock held through the mapping is gone after the refused dump");
	else if (errno != EWOULDBLOCK)
		fail("flock: %m");
	if (fd >= 0)
		close(fd);
	munmap(map, 4096);
	unlink(path);
	pass();
	return 0;
}
