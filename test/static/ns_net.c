/*
 * ns_net: a child of the tree in a network namespace of its own (unshare).
 * ckpt does not dump namespaces yet: the dump must be refused with one line
 * naming the child's pid and the net namespace (.desc), and the child must
 * still be in the same namespace afterwards (inode of /proc/self/ns/net).
 */
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct test_child c;
	struct stat before, after, root_ns;

	test_init(argc, argv);
	if (stat("/proc/self/ns/net", &root_ns))
		setup_fail("stat ns: %m");
	if (test_child_fork(&c) == 0) {
		if (unshare(CLONE_NEWNET))
			setup_fail("unshare(CLONE_NEWNET): %m");
		if (stat("/proc/self/ns/net", &before))
			setup_fail("stat ns: %m");
		if (before.st_ino == root_ns.st_ino)
			setup_fail("unshare left the net namespace as it was");
		test_child_ready();
		test_waitsig();
		if (stat("/proc/self/ns/net", &after))
			fail("stat /proc/self/ns/net: %m");
		else if (after.st_ino != before.st_ino)
			fail("net namespace %lu, was %lu", (unsigned long)after.st_ino,
			     (unsigned long)before.st_ino);
		test_child_exit();
	}
	test_child_wait_ready(&c);
	test_daemon();
	test_waitsig();
	if (kill(c.pid, SIGTERM))
		fail("kill child %d: %m", c.pid);
	test_child_collect(&c);
	pass();
	return 0;
}
