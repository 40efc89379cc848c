/*
 * file_owner_ext: an fd whose owner (F_SETOWN) is a process outside the
 * tree (pid 1) is refused at dump, naming the pid, fd and owner; the task
 * runs on with its owner as it was.
 */
#include <fcntl.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct f_owner_ex o;
	int p[2];

	test_init(argc, argv);
	if (pipe2(p, O_CLOEXEC) || fcntl(p[0], F_SETOWN, 1))
		setup_fail("pipe, F_SETOWN 1: %m");
	test_daemon();
	test_waitsig();
	if (fcntl(p[0], F_GETOWN_EX, &o) || o.type != F_OWNER_PID || o.pid != 1)
		fail("owner after the refused dump: type %d pid %d, expected process 1", o.type, o.pid);
	pass();
	return 0;
}
