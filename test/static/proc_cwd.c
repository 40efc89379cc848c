/*
 * proc_cwd: the task's cwd is its own /proc/PID directory (chdir
 * /proc/self). Restore sets a cwd before the task has its /proc entry:
 * the dump must be refused with one line naming the pid and the path
 * (.desc). After SIGTERM the cwd is still /proc/<getpid()>.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	char want[64], cwd[PATH_MAX] = "";

	test_init(argc, argv);
	if (chdir("/proc/self"))
		setup_fail("chdir /proc/self: %m");
	snprintf(want, sizeof(want), "/proc/%d", getpid());

	test_daemon();
	test_waitsig();

	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, want))
		fail("cwd '%s', expected '%s'", cwd, want);
	pass();
	return 0;
}
