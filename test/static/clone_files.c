/*
 * clone_files: a child made with CLONE_FILES | CLONE_FS shares the fd table
 * and cwd/umask of its parent. After restore the sharing must still be
 * there, not two copies: an fd the child opens exists in the parent, a
 * chdir of the child moves the parent, a umask of the parent is the child's,
 * and kcmp() says KCMP_FILES and KCMP_FS are the same.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>

#include "zdtmtst.h"

struct shared {
	volatile int cmd;	/* 1: open a file, 2: chdir, 3: report umask, 9: exit */
	volatile int done;
	volatile int fd;
	volatile int umask_seen;
	char dir[PATH_MAX];
};

static struct shared *sh;

static int child_fn(void *arg)
{
	for (;;) {
		int cmd = sh->cmd;

		if (cmd == 0 || sh->done == cmd) {
			usleep(1000);
			continue;
		}
		switch (cmd) {
		case 1:
			sh->fd = open("/dev/null", O_RDONLY);
			break;
		case 2:
			if (chdir(sh->dir))
				sh->fd = -errno;
			break;
		case 3: {
			mode_t m = umask(0);

			umask(m);
			sh->umask_seen = m;
			break;
		}
		case 9:
			_exit(0);
		}
		__atomic_store_n(&sh->done, cmd, __ATOMIC_SEQ_CST);
	}
	return 0;
}

static int run(int cmd)
{
	sh->cmd = cmd;
	for (int i = 0; i < 5000 && sh->done != cmd; i++)
		usleep(1000);
	return sh->done == cmd ? 0 : -1;
}

int main(int argc, char **argv)
{
	char cwd[PATH_MAX], tmpl[] = "/tmp/ckpt-clone-files.XXXXXX";
	size_t stack_size = 256 << 10;
	char *stack;
	pid_t child;
	int status;

	test_init(argc, argv);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED || stack == MAP_FAILED)
		setup_fail("mmap: %m");
	if (!mkdtemp(tmpl))
		setup_fail("mkdtemp: %m");
	snprintf(sh->dir, sizeof(sh->dir), "%s", tmpl);
	umask(022);
	child = clone(child_fn, stack + stack_size, CLONE_FILES | CLONE_FS | SIGCHLD, NULL);
	if (child < 0)
		setup_fail("clone: %m");
	if (syscall(SYS_kcmp, getpid(), child, KCMP_FILES, 0, 0) != 0)
		setup_fail("the child does not share the fd table");

	test_daemon();
	test_waitsig();

	if (syscall(SYS_kcmp, getpid(), child, KCMP_FILES, 0, 0) != 0)
		fail("fd table not shared after restore (kcmp)");
	if (syscall(SYS_kcmp, getpid(), child, KCMP_FS, 0, 0) != 0)
		fail("fs not shared after restore (kcmp)");
	if (run(1) || sh->fd < 0)
		fail("child could not open a file (%d)", sh->fd);
	else if (fcntl(sh->fd, F_GETFD) < 0)
		fail("fd %d the child opened is not in the parent's table", sh->fd);
	if (run(2) || sh->fd < 0)
		fail("child chdir failed");
	else if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, sh->dir))
		fail("parent cwd is %s, the child moved to %s", cwd, sh->dir);
	umask(077);
	if (run(3) || sh->umask_seen != 077)
		fail("child sees umask %o, the parent set 077", sh->umask_seen);
	sh->cmd = 9;	/* the child exits: nothing to wait for but its status */
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		fail("child did not exit cleanly (%#x)", status);
	chdir("/");
	rmdir(tmpl);
	if (!test_failed())
		pass();
	return 0;
}
