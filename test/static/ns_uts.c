/*
 * ns_uts: a child of the tree in a uts namespace of its own (unshare) with
 * its own hostname. ckpt does not dump namespaces yet: the dump must be
 * refused with one line naming the child's pid and the namespace (.desc),
 * before anything of the tree is touched. After SIGTERM the child checks
 * that it is still in the same namespace with the same hostname, and the
 * root that its own hostname is not the child's.
 */
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

#define CHILD_HOST "ckpt-ns-uts-child"

int main(int argc, char **argv)
{
	char host[256];
	struct test_child c;
	struct stat before, after;

	test_init(argc, argv);
	if (test_child_fork(&c) == 0) {
		if (unshare(CLONE_NEWUTS))
			setup_fail("unshare(CLONE_NEWUTS): %m");
		if (sethostname(CHILD_HOST, strlen(CHILD_HOST)))
			setup_fail("sethostname: %m");
		if (stat("/proc/self/ns/uts", &before))
			setup_fail("stat ns: %m");
		test_child_ready();
		test_waitsig();
		if (stat("/proc/self/ns/uts", &after))
			fail("stat /proc/self/ns/uts: %m");
		else if (after.st_ino != before.st_ino)
			fail("uts namespace %lu, was %lu", (unsigned long)after.st_ino,
			     (unsigned long)before.st_ino);
		if (gethostname(host, sizeof(host)) || strcmp(host, CHILD_HOST))
			fail("child hostname '%s', was '%s'", host, CHILD_HOST);
		test_child_exit();
	}
	test_child_wait_ready(&c);
	test_daemon();
	test_waitsig();
	if (gethostname(host, sizeof(host)) || !strcmp(host, CHILD_HOST))
		fail("root hostname '%s' is the child's", host);
	if (kill(c.pid, SIGTERM))
		fail("kill child %d: %m", c.pid);
	test_child_collect(&c);
	pass();
	return 0;
}
