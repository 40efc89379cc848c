/*
 * The last step of a restore. Every thread of the tree waits in its
 * restorer, one step before rt_sigreturn. ckpt seizes them all, says go,
 * stops each thread right after its rt_sigreturn, removes the restorer area
 * with an injected munmap (the same machinery as dump), and lets go.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/futex.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "files/locks.h"
#include "restore/restore.h"
#include "restore/sched.h"
#include "seize/infect.h"
#include "seize/seize.h"

#define NR_rt_sigreturn 15

struct syscall_info {
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t ip, sp;
	union {
		struct { uint64_t nr, args[6]; } entry;
		struct { int64_t rval; uint8_t is_error; } exit;
	};
};
#define PTRACE_GET_SYSCALL_INFO_ 0x420e
#define SYSCALL_INFO_ENTRY 1
#define SYSCALL_INFO_EXIT 2

static int stop_signal(const PstreeEntry *pe)
{
	return pe->has_stop_signal ? pe->stop_signal : SIGSTOP;
}

/* Fields 5 (pgrp) and 6 (session) of /proc/PID/stat, and 4 (ppid). */
static int read_ids(pid_t pid, pid_t *ppid, pid_t *pgid, pid_t *sid)
{
	char path[64], *buf = NULL, *p;
	ssize_t n;
	int ret = -EIO;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_file_at(AT_FDCWD, path, &buf);
	if (n < 0)
		return (int)n;
	p = strrchr(buf, ')');
	if (p && sscanf(p + 1, " %*c %d %d %d", ppid, pgid, sid) == 3)
		ret = 0;
	free(buf);
	return ret;
}

/*
 * Whether process group pgid would count as orphaned (no member has a parent
 * in another group of the same session): the kernel drops SIGTSTP, SIGTTIN
 * and SIGTTOU sent to such a group, so only SIGSTOP can stop it.
 */
static bool pgrp_orphaned(pid_t pgid, pid_t sid)
{
	struct dirent *de;
	bool orphaned = true;
	DIR *d = opendir("/proc");

	if (!d)
		return false;	/* cannot tell: the stop is then verified by no one */
	while (orphaned && (de = readdir(d))) {
		pid_t pid = atoi(de->d_name), ppid, pg, s, ppg, ps, pp;

		if (pid <= 0 || read_ids(pid, &ppid, &pg, &s) || pg != pgid || ppid <= 0)
			continue;
		if (!read_ids(ppid, &pp, &ppg, &ps) && ppg != pgid && ps == sid)
			orphaned = false;
	}
	closedir(d);
	return orphaned;
}

/*
 * A task stopped by SIGTSTP & co comes back stopped by the same signal; the
 * kernel ignores those in an orphaned group, where the task would run on:
 * refused (before the tree runs).
 */
static int check_stop_signals(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		const PstreeEntry *pe = ctx->tasks[i].pe;
		int sig = stop_signal(pe);

		if (pe->state != TASK_STATE__TASK_STOPPED)
			continue;
		if (sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN && sig != SIGTTOU) {
			pr_err("pid %u: pstree.img: stop signal %d is not a stop signal", pe->pid, sig);
			return -EBADMSG;
		}
		if (sig != SIGSTOP && pgrp_orphaned(pe->pgid, pe->sid)) {
			pr_err("pid %u: stopped by signal %d (%s), but its process group %u is orphaned "
			       "here: the kernel would not stop it", pe->pid, sig, strsignal(sig),
			       pe->pgid);
			return -EINVAL;
		}
	}
	return 0;
}

static int seize_restored(struct restore_ctx *ctx, struct seized_tree *tree)
{
	tree->tasks = calloc(ctx->nr_tasks, sizeof(*tree->tasks));
	if (!tree->tasks)
		return -ENOMEM;
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		PstreeEntry *pe = ctx->tasks[i].pe;
		struct seized_task *t;

		if (pe->state == TASK_STATE__TASK_ZOMBIE)
			continue;
		t = &tree->tasks[tree->nr++];
		t->pid = pe->pid;
		t->state = pe->state;
		t->threads = calloc(pe->n_threads, sizeof(*t->threads));
		if (!t->threads)
			return -ENOMEM;
		for (size_t j = 0; j < pe->n_threads; j++) {
			struct seized_thread *th = &t->threads[j];

			th->tid = pe->threads[j];
			/* from here ckpt's death kills the tree: it is never let go half done */
			if (ptrace(PTRACE_SEIZE, th->tid, NULL,
				   (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)))
				return pr_perror("pid %u tid %d: seize", pe->pid, th->tid);
			t->nr_threads++;
			if (ptrace(PTRACE_INTERRUPT, th->tid, NULL, NULL))
				return pr_perror("pid %u tid %d: interrupt", pe->pid, th->tid);
		}
	}
	/* all interrupted first: they stop side by side, then each stop is taken */
	for (size_t i = 0; i < tree->nr; i++)
		for (size_t j = 0; j < tree->tasks[i].nr_threads; j++) {
			struct seized_thread *th = &tree->tasks[i].threads[j];
			int status, ret = ptrace_wait_stop(th, PTRACE_CONT, &status);

			if (ret)
				return pr_errno(ret, "pid %d tid %d: wait", tree->tasks[i].pid, th->tid);
		}
	return 0;
}

struct stepping {
	struct seized_thread *th;
	bool in_sigreturn;
	int steps;
};

static int cmp_step(const void *a, const void *b)
{
	return ((const struct stepping *)a)->th->tid - ((const struct stepping *)b)->th->tid;
}

/* One stop of a stepping thread: 1 when it is out of rt_sigreturn, 0 to go on. */
static int step_one(struct stepping *s, int status)
{
	struct seized_thread *th = s->th;
	struct syscall_info si;

	if (WIFEXITED(status) || WIFSIGNALED(status))
		return pr_errno(-ESRCH, "tid %d: died on its way out of the restorer", th->tid);
	if (++s->steps > 64)
		return pr_errno(-EPROTO, "tid %d: did not reach rt_sigreturn", th->tid);
	if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		if (ptrace(PTRACE_GET_SYSCALL_INFO_, th->tid, (void *)sizeof(si), &si) <= 0)
			return pr_perror("tid %d: PTRACE_GET_SYSCALL_INFO", th->tid);
		if (si.op == SYSCALL_INFO_ENTRY)
			s->in_sigreturn = si.entry.nr == NR_rt_sigreturn;
		else if (si.op == SYSCALL_INFO_EXIT && s->in_sigreturn)
			return 1;
	} else if (!(status >> 16) && WSTOPSIG(status) == SIGSTOP) {
		th->pending_sig = SIGSTOP;	/* every other signal is blocked there */
	} else if (!(status >> 16)) {
		return pr_errno(-EFAULT, "tid %d: signal %d in the restorer", th->tid,
				WSTOPSIG(status));
	}
	if (ptrace(PTRACE_SYSCALL, th->tid, NULL, 0))
		return pr_perror("tid %d: PTRACE_SYSCALL", th->tid);
	return 0;
}

/*
 * Every thread is let go at once and each is stopped right after its
 * rt_sigreturn; their stops are taken as they come.
 */
static int step_all_past_sigreturn(struct seized_tree *tree)
{
	struct stepping *v;
	size_t n = 0, left;
	int ret = 0;

	for (size_t i = 0; i < tree->nr; i++)
		n += tree->tasks[i].nr_threads;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < tree->nr; i++)
		for (size_t j = 0; j < tree->tasks[i].nr_threads; j++)
			v[n++].th = &tree->tasks[i].threads[j];
	qsort(v, n, sizeof(*v), cmp_step);
	for (size_t i = 0; i < n && !ret; i++)
		if (ptrace(PTRACE_SYSCALL, v[i].th->tid, NULL, 0))
			ret = pr_perror("tid %d: PTRACE_SYSCALL", v[i].th->tid);
	for (left = n; left && !ret;) {
		struct stepping key, *s;
		struct seized_thread kth;
		int status;
		pid_t tid = waitpid(-1, &status, __WALL);

		if (tid < 0) {
			if (errno == EINTR)
				continue;
			ret = pr_perror("wait for the restored threads");
			break;
		}
		kth.tid = tid;
		key.th = &kth;
		s = bsearch(&key, v, n, sizeof(*v), cmp_step);
		if (!s)
			continue;	/* not one of ours (cannot happen: a child we do not step) */
		ret = step_one(s, status);
		if (ret == 1) {
			left--;
			ret = 0;
		}
	}
	free(v);
	return ret;
}

static int drop_area(struct restore_ctx *ctx, struct seized_task *t, size_t slot)
{
	struct rst_task_slot *s = &ctx->sync->slots[slot];
	struct proc_vma *vmas = NULL;
	struct infect_ctl ic;
	char *buf = NULL;
	size_t n = 0;
	long r;
	int ret, ret2;

	if (proc_read(t->pid, "maps", &buf) < 0)
		return -EIO;
	ret = proc_parse_maps(buf, &vmas, &n);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/maps", t->pid, t->pid);
	{
		/*
		 * The stub must outlive the munmap: not in the area (where a vDSO
		 * the task did not have is parked, to go with it).
		 */
		struct proc_vma *keep = calloc(n ? n : 1, sizeof(*keep));
		size_t nk = 0;

		if (!keep) {
			proc_vmas_free(vmas, n);
			return -ENOMEM;
		}
		for (size_t i = 0; i < n; i++)
			if (vmas[i].end <= s->area_start || vmas[i].start >= s->area_start + s->area_size)
				keep[nk++] = vmas[i];	/* shallow: vmas owns the paths */
		ret = infect_init(&ic, t, keep, nk);
		free(keep);
	}
	proc_vmas_free(vmas, n);
	if (ret)
		return ret;
	ret = restore_task_fd_late(ctx, &ic, t);
	if (!ret)
		ret = remote_syscall(&ic, &t->threads[0], &r, SYS_munmap, s->area_start,
				     s->area_size, 0, 0, 0, 0);
	if (!ret && r)
		ret = pr_errno((int)r, "pid %d: unmap the restorer", t->pid);
	ret2 = infect_cure(&ic);
	return ret ? ret : ret2;
}

int restore_finish(struct restore_ctx *ctx)
{
	struct seized_tree tree = { 0 };
	int ret;

	ret = seize_restored(ctx, &tree);
	if (!ret)
		ret = restore_sched(ctx);
	if (!ret)
		ret = check_stop_signals(ctx);
	if (ret)
		goto out;
	__atomic_store_n(&ctx->sync->go, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &ctx->sync->go, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);

	ret = step_all_past_sigreturn(&tree);
	for (size_t i = 0; i < tree.nr && !ret; i++)
		for (size_t j = 0; j < tree.tasks[i].nr_threads && !ret; j++)
			ret = arch_get_thread_regs(tree.tasks[i].threads[j].tid, &tree.tasks[i].threads[j].tr);
	for (size_t i = 0, slot = 0; i < tree.nr && !ret; i++, slot++) {
		while (ctx->tasks[slot].pe->pid != (uint32_t)tree.tasks[i].pid)
			slot++;
		ret = drop_area(ctx, &tree.tasks[i], slot);
	}
	/* while the tree is held: a pidfile that cannot be written fails the restore */
	if (!ret && ctx->o->pidfile)
		ret = restore_write_pidfile(ctx->o->pidfile, ctx->tasks[0].pe->pid);
out:
	if (ret) {
		/* the caller kills the whole new tree; nothing stays traced meanwhile */
		release_tree(&tree, true);
		seized_tree_free(&tree);
		return ret;
	}
	/*
	 * Stopped tasks get their stop signal while still held: they stop before
	 * running a thing, by the signal they were stopped with (their parent's
	 * waitid() tells it).
	 */
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->tasks[i].pe->state == TASK_STATE__TASK_STOPPED)
			kill(ctx->tasks[i].pe->pid, stop_signal(ctx->tasks[i].pe));
	release_tree(&tree, false);
	seized_tree_free(&tree);
	return 0;
}
