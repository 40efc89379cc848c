/*
 * vfork_wait: a task of the tree in vfork(), waiting for its child, which
 * sleeps in pause() inside the vfork window (it shares its parent's memory
 * and may only exec or exit: it makes the raw syscall and nothing else).
 * The parent waits in the kernel (state D) where PTRACE_INTERRUPT never
 * stops it: the dump must give up after --freeze-timeout (default 10 s)
 * with one line naming the parent, its state and wchan (.desc), and leave
 * the tree as it was.
 *
 *   root
 *   +- parent   in vfork()
 *      +- child pause()
 *
 * After SIGTERM the root checks that parent and child are still where they
 * were, SIGKILLs the child: the parent's vfork() returns and it reaps the
 * child, killed by SIGKILL.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

/* The only child of pid, or 0. */
static pid_t only_child(pid_t pid)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return atoi(buf);
}

static void in_vfork(void)
{
	pid_t child;
	int st;

	test_child_ready();
	child = vfork();
	if (child == 0) {
		syscall(SYS_pause);
		_exit(0);
	}
	if (child < 0) {
		fail("vfork: %m");
		test_child_exit();
	}
	if (waitpid(child, &st, 0) != child)
		fail("waitpid %d: %m", child);
	else if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail("vfork child %d ended with status %#x, expected SIGKILL", child, st);
	test_child_exit();
}

/* parent in D, child in pause(); within timeout_ms */
static int settled(pid_t parent, pid_t *child, int timeout_ms)
{
	for (int i = 0; i < timeout_ms / 10; i++) {
		*child = only_child(parent);
		if (*child > 0 && test_task_state(parent) == 'D' &&
		    !test_wait_in_syscall(*child, SYS_pause, 10))
			return 0;
		usleep(10000);
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct test_child c;
	pid_t child, now;

	test_init(argc, argv);
	if (test_child_fork(&c) == 0)
		in_vfork();
	test_child_wait_ready(&c);
	if (settled(c.pid, &child, 10000))
		setup_fail("parent %d not in vfork (state %c) with a child in pause()", c.pid,
			   test_task_state(c.pid));
	test_msg("parent %d in vfork, child %d in pause()", c.pid, child);
	test_daemon();
	test_waitsig();

	if (settled(c.pid, &now, 1000) || now != child)
		fail("parent %d (state %c) no longer in vfork with child %d in pause() (child now %d)",
		     c.pid, test_task_state(c.pid), child, now);
	if (kill(child, SIGKILL))
		fail("kill vfork child %d: %m", child);
	test_child_collect(&c);
	pass();
	return 0;
}
