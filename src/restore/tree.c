/* Making the tasks: clone3 with set_tid, sessions, groups, zombies. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "restore/restore.h"

/* A child with the given pid; returns like fork(). */
static pid_t clone_with_pid(pid_t pid, uint64_t flags)
{
	pid_t tid = pid;
	struct clone_args ca;

	memset(&ca, 0, sizeof(ca));
	ca.flags = flags;
	/* with CLONE_PARENT the child signals our parent as we would: no exit_signal of its own */
	ca.exit_signal = flags & CLONE_PARENT ? 0 : SIGCHLD;
	ca.set_tid = (uintptr_t)&tid;
	ca.set_tid_size = 1;
	return syscall(SYS_clone3, &ca, sizeof(ca));
}

static void zombie_handler(int sig)
{
}

/* What /proc shows of a zombie: its name, blocked, ignored and caught signals. */
static void zombie_looks(const PstreeEntry *pe)
{
	struct sigaction sa = { 0 };
	sigset_t blk;

	if (pe->comm)
		prctl(PR_SET_NAME, pe->comm);
	for (int sig = 1; sig < 64; sig++) {
		uint64_t bit = 1ull << (sig - 1);

		sa.sa_handler = pe->zombie_sigcgt & bit ? zombie_handler :
				pe->zombie_sigign & bit ? SIG_IGN : SIG_DFL;
		sigaction(sig, &sa, NULL);	/* SIGKILL, SIGSTOP and ones libc keeps: EINVAL */
	}
	sigemptyset(&blk);
	for (int sig = 1; sig < 64; sig++)
		if (pe->zombie_sigblk & (1ull << (sig - 1)))
			sigaddset(&blk, sig);
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &blk, NULL, 8);	/* libc's own too */
}

/* A zombie comes back as a child that ends the way it ended. */
static void __attribute__((noreturn)) become_zombie(int status)
{
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		sigset_t set;

		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		syscall(SYS_kill, syscall(SYS_getpid), sig);
	}
	_exit(WEXITSTATUS(status));
}

int restore_session(struct rtask *t);

static int make_task(struct restore_ctx *ctx, struct rtask *t, uint64_t flags, pid_t *out)
{
	pid_t pid = clone_with_pid(t->pe->pid, flags);

	if (pid < 0) {
		int err = -errno;

		if (err == -EEXIST)
			pr_err("pid %u: clone3: the pid is in use", t->pe->pid);
		else
			pr_err("pid %u: clone3 with set_tid: %s", t->pe->pid, strerror(-err));
		return err;
	}
	if (pid == 0) {
		if (t->pe->state == TASK_STATE__TASK_ZOMBIE) {
			/* a zombie keeps its group and session: its parent's wait(-pgid) sees it */
			int ret = restore_session(t);

			if (ret)
				restore_task_fail(ctx, t->pe->pid, ret, "pid %u: zombie: group %u session %u: %s",
						  t->pe->pid, t->pe->pgid, t->pe->sid, strerror(-ret));
			zombie_looks(t->pe);
			become_zombie(t->pe->exit_code);
		}
		restore_task(ctx, t);
	}
	if (out)
		*out = pid;
	return 0;
}

int restore_create_root(struct restore_ctx *ctx, pid_t *root_pid)
{
	/* detached: the root becomes a child of our parent (or its subreaper) */
	return make_task(ctx, &ctx->tasks[0], ctx->o->detached ? CLONE_PARENT : 0, root_pid);
}

/* Called by each task for its children, before it restores itself. */
int restore_create_children(struct restore_ctx *ctx, struct rtask *t);
int restore_create_children(struct restore_ctx *ctx, struct rtask *t)
{
	for (size_t i = 0; i < t->nr_children; i++) {
		struct rtask *c = t->children[i];
		uint64_t flags = (c->files_shared ? CLONE_FILES : 0) | (c->fs_shared ? CLONE_FS : 0);
		int ret = make_task(ctx, c, flags, NULL);

		if (ret)
			return ret;
	}
	return 0;
}

static bool task_in_tree(struct rtask *t, uint32_t pid)
{
	struct rtask *root = t;

	while (root->parent)
		root = root->parent;
	/* the tree is small and walked once per task: a plain search */
	struct rtask **stack = NULL;
	size_t n = 0, cap = 0;
	bool found = false;

	for (struct rtask *cur = root; cur; cur = n ? stack[--n] : NULL) {
		if (cur->pe->pid == pid) {
			found = true;
			break;
		}
		for (size_t i = 0; i < cur->nr_children; i++) {
			if (n == cap) {
				struct rtask **ns = reallocarray(stack, cap ? cap * 2 : 16, sizeof(*ns));

				if (!ns)
					break;
				stack = ns;
				cap = cap ? cap * 2 : 16;
			}
			if (n < cap)
				stack[n++] = cur->children[i];
		}
	}
	free(stack);
	return found;
}

/* Session and group, before the children are made (they inherit them). */
int restore_session(struct rtask *t);
int restore_session(struct rtask *t)
{
	pid_t pid = t->pe->pid;

	/*
	 * A session led from outside the tree (the shell of a shell job) is
	 * ckpt's session now: stay in it; a group of the tree is made anew in
	 * it, a group from outside is ckpt's.
	 */
	if (t->pe->has_external_session && t->pe->external_session) {
		if (t->pe->pgid == (uint32_t)pid && setpgid(0, 0))
			return pr_perror("pid %d: setpgid", pid);
		if (t->pe->pgid != (uint32_t)pid && task_in_tree(t, t->pe->pgid) &&
		    setpgid(0, t->pe->pgid))
			return pr_perror("pid %d: join process group %u", pid, t->pe->pgid);
		return 0;
	}
	if (t->pe->sid == (uint32_t)pid && setsid() < 0)
		return pr_perror("pid %d: setsid", pid);
	if (t->pe->pgid == (uint32_t)getpgid(0))
		return 0;
	if (t->pe->pgid == (uint32_t)pid) {
		if (setpgid(0, 0))
			return pr_perror("pid %d: setpgid", pid);
		return 0;
	}
	if (setpgid(0, t->pe->pgid))
		return pr_perror("pid %d: join process group %u", pid, t->pe->pgid);
	return 0;
}
