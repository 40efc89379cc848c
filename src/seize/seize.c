#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_PREFIX "seize: "
#include "common/log.h"
#include "common/util.h"
#include "proc/proc.h"
#include "seize/seize.h"

#define MAX_RESCANS 64
#define PF_KTHREAD 0x00200000	/* /proc/PID/stat flags: a kernel thread */

/*
 * The freeze has a deadline: a thread that does not stop (a vfork() parent
 * waiting for its child, uninterruptible sleep) would keep waitpid() from
 * returning. SIGALRM, without SA_RESTART, breaks the wait; it goes on
 * firing every FREEZE_TICK_MS after the deadline so that one that arrives
 * just before a wait begins cannot be missed.
 */
#define FREEZE_TICK_MS 50
static volatile sig_atomic_t freeze_expired;
static unsigned int freeze_seconds;

static void freeze_alarm(int sig)
{
	(void)sig;
	freeze_expired = 1;
}

static int freeze_deadline_arm(unsigned int seconds, struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = freeze_alarm };	/* no SA_RESTART */
	struct itimerval it = {
		.it_value = { .tv_sec = seconds },
		.it_interval = { .tv_usec = FREEZE_TICK_MS * 1000 },
	};

	freeze_expired = 0;
	freeze_seconds = seconds;
	if (!seconds)
		return 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, old))
		return pr_perror("sigaction SIGALRM");
	if (setitimer(ITIMER_REAL, &it, NULL)) {
		int ret = pr_perror("setitimer");

		sigaction(SIGALRM, old, NULL);
		return ret;
	}
	return 0;
}

static void freeze_deadline_disarm(unsigned int seconds, const struct sigaction *old)
{
	struct itimerval off = { 0 };

	if (!seconds)
		return;
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, old, NULL);
	freeze_expired = 0;
}

void fault_point(const char *point)
{
	/* read once: this runs in the page-transfer loop */
	static const char *want = "";

	if (want && !*want)
		want = getenv("CKPT_FAULT_KILL");
	if (want && *want && !strcmp(want, point)) {
		pr_info("fault injection: SIGKILL at %s", point);
		kill(getpid(), SIGKILL);
	}
}

static int read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64];
	char *buf = NULL;
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	n = read_file_at(AT_FDCWD, path, &buf);
	if (n < 0)
		return n;
	ret = proc_parse_stat(buf, st);
	free(buf);
	return ret;
}

struct seized_task *seized_find(struct seized_tree *tree, pid_t pid)
{
	for (size_t i = 0; i < tree->nr; i++)
		if (tree->tasks[i].pid == pid)
			return &tree->tasks[i];
	return NULL;
}

static struct seized_thread *find_thread(struct seized_task *t, pid_t tid)
{
	for (size_t i = 0; i < t->nr_threads; i++)
		if (t->threads[i].tid == tid)
			return &t->threads[i];
	return NULL;
}

int ptrace_wait_stop(struct seized_thread *th, int resume_req, int *status)
{
	for (;;) {
		int st;
		/* past the freeze deadline only a stop that is there already counts */
		pid_t r = waitpid(th->tid, &st, __WALL | (freeze_expired ? WNOHANG : 0));

		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return errno == ECHILD ? -ESRCH : -errno;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return -ESRCH;
		if (!WIFSTOPPED(st))
			continue;
		int sig = WSTOPSIG(st);
		int event = st >> 16;

		if (sig == (SIGTRAP | 0x80) || event) {
			*status = st;
			return 0;
		}
		/*
		 * A signal-delivery stop: the signal is dequeued already. Before its
		 * state is saved the thread runs its own code (it is being seized):
		 * let the signal in now, siginfo and all, as if we were not there;
		 * the interrupt trap comes right after. Held back, it would lose its
		 * siginfo, and a second one would be lost altogether.
		 */
		if (!th->tr.xsave) {
			pr_debug("tid %d: signal %d delivered on the way to the stop", th->tid, sig);
			if (ptrace(resume_req, th->tid, NULL, (void *)(long)sig))
				return -errno;
			continue;
		}
		/*
		 * In our code every blockable signal is blocked: this is SIGSTOP,
		 * re-sent at release, or a fault of the injected code, which would
		 * only fault again.
		 */
		if (sig != SIGSTOP) {
			pr_debug("tid %d: signal %d in injected code", th->tid, sig);
			return -EFAULT;
		}
		pr_debug("tid %d: holding back SIGSTOP", th->tid);
		th->pending_sig = sig;
		if (ptrace(resume_req, th->tid, NULL, 0))
			return -errno;
	}
}

/* A thread listed in /proc/PID/task that is exiting: it cannot be seized (EPERM). */
static bool thread_is_dead(pid_t pid, pid_t tid)
{
	char path[96];
	struct proc_stat st;
	char *buf = NULL;
	ssize_t n;
	bool dead;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	n = read_file_at(AT_FDCWD, path, &buf);
	if (n < 0)
		return n == -ENOENT || n == -ESRCH;
	dead = !proc_parse_stat(buf, &st) && (st.state == 'Z' || st.state == 'X');
	free(buf);
	return dead;
}

/*
 * Waiting for a vfork() child: the wait itself is inlined into kernel_clone
 * (wchan), and /proc/PID/syscall shows the syscall that made the child.
 */
static bool in_vfork(pid_t pid, pid_t tid, const char *wchan)
{
	char path[96], buf[256];
	unsigned long long nr, a1;

	if (strstr(wchan, "vfork"))
		return true;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", pid, tid);
	if (read_small_file(path, buf, sizeof(buf)) <= 0 ||
	    sscanf(buf, "%llu %llx", &nr, &a1) != 2)
		return false;
	return nr == SYS_vfork || (nr == SYS_clone && (a1 & CLONE_VFORK)) ||
	       (nr == SYS_clone3 && !strcmp(wchan, "kernel_clone"));
}

/* A thread that did not stop in time: say where it sleeps. */
static int report_not_stopped(pid_t pid, pid_t tid)
{
	char path[96], wchan[128] = "?";
	struct proc_stat st = { .state = '?' };
	char *buf = NULL;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	if (read_file_at(AT_FDCWD, path, &buf) >= 0)
		proc_parse_stat(buf, &st);
	free(buf);
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	if (read_small_file(path, wchan, sizeof(wchan)) <= 0 || !strcmp(wchan, "0"))
		snprintf(wchan, sizeof(wchan), "?");
	pr_err("pid %d tid %d: did not stop within %us (state %c, wchan %s)%s: "
	       "not dumped (--freeze-timeout)", pid, tid, freeze_seconds, st.state, wchan,
	       in_vfork(pid, tid, wchan) ? ": a vfork() parent waits for its child to exec or exit" :
	       st.state == 'D' ? ": in uninterruptible sleep" : "");
	return -ETIMEDOUT;
}

/* A number from a /proc or /proc/sys file, or -1. */
static long read_long(const char *path)
{
	char buf[32];

	if (read_small_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

/* A field "Name:\t<number>" of /proc/PID/status, or -1. */
static long status_field(pid_t pid, const char *name)
{
	char path[64], *buf = NULL, *p;
	long v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (read_file_at(AT_FDCWD, path, &buf) < 0)
		return -1;
	p = strstr(buf, name);
	if (p && (p == buf || p[-1] == '\n'))
		v = strtol(p + strlen(name), NULL, 0);
	free(buf);
	return v;
}

static bool have_cap_sys_ptrace(void)
{
	char *buf = NULL, *p;
	bool yes = false;

	if (read_file_at(AT_FDCWD, "/proc/self/status", &buf) < 0)
		return false;
	p = strstr(buf, "\nCapEff:");
	if (p)
		yes = strtoull(p + 9, NULL, 16) & (1ull << 19);	/* CAP_SYS_PTRACE */
	free(buf);
	return yes;
}

/* PTRACE_SEIZE said EPERM: which of the reasons it can have is it? */
static int report_eperm(pid_t pid, pid_t tid)
{
	long tracer = status_field(tid, "TracerPid:");
	long scope = read_long("/proc/sys/kernel/yama/ptrace_scope");
	long uid = status_field(tid, "Uid:");

	if (tracer > 0) {
		char path[64], comm[64] = "?";

		snprintf(path, sizeof(path), "/proc/%ld/comm", tracer);
		if (read_small_file(path, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n")] = '\0';
		pr_err("pid %d tid %d: cannot seize: EPERM: traced by pid %ld (%s)", pid, tid,
		       tracer, comm);
	} else if (scope == 3) {
		pr_err("pid %d tid %d: cannot seize: EPERM: kernel.yama.ptrace_scope is 3 "
		       "(no ptrace attach for anyone)", pid, tid);
	} else if (!have_cap_sys_ptrace() && uid != (long)getuid()) {
		pr_err("pid %d tid %d: cannot seize: EPERM: it belongs to uid %ld, ckpt runs as "
		       "uid %d without CAP_SYS_PTRACE: run ckpt as root", pid, tid, uid, getuid());
	} else if (!have_cap_sys_ptrace() && scope > 0) {
		pr_err("pid %d tid %d: cannot seize: EPERM: kernel.yama.ptrace_scope is %ld "
		       "and ckpt has no CAP_SYS_PTRACE: run ckpt as root", pid, tid, scope);
	} else {
		pr_err("pid %d tid %d: cannot seize: EPERM (Operation not permitted)", pid, tid);
	}
	return -EPERM;
}

/* Seize and interrupt one thread, wait for its stop and read its registers. */
static int seize_thread(struct seized_task *t, pid_t tid)
{
	struct seized_thread *th, *nt;
	int ret;

	if (ptrace(PTRACE_SEIZE, tid, NULL, (void *)(long)PTRACE_O_TRACESYSGOOD)) {
		ret = -errno;
		if (ret == -ESRCH || (ret == -EPERM && thread_is_dead(t->pid, tid)))
			return 0;	/* exited meanwhile */
		if (ret == -EPERM)
			return report_eperm(t->pid, tid);
		pr_err("pid %d tid %d: cannot seize: %s (%s)", t->pid, tid, strerrorname_np(-ret),
		       strerror(-ret));
		return ret;
	}
	nt = reallocarray(t->threads, t->nr_threads + 1, sizeof(*nt));
	if (!nt) {
		ptrace(PTRACE_DETACH, tid, NULL, 0);
		return -ENOMEM;
	}
	t->threads = nt;
	th = &t->threads[t->nr_threads];
	memset(th, 0, sizeof(*th));
	th->tid = tid;

	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL)) {
		ret = -errno;
		ptrace(PTRACE_DETACH, tid, NULL, 0);
		return ret == -ESRCH ? 0 : pr_errno(ret, "pid %d tid %d: PTRACE_INTERRUPT", t->pid, tid);
	}
	t->nr_threads++;	/* its stop is taken by finish_seize_threads() */
	return 0;
}

/*
 * The stops of the threads seize_thread() interrupted, from index from on:
 * they all stop side by side, then each stop is taken here. A thread that
 * exited before it stopped is dropped.
 */
static int finish_seize_threads(struct seized_task *t, size_t from)
{
	for (size_t i = from; i < t->nr_threads;) {
		struct seized_thread *th = &t->threads[i];
		int status, ret = ptrace_wait_stop(th, PTRACE_CONT, &status);

		if (ret == -ESRCH) {
			memmove(th, th + 1, (t->nr_threads - i - 1) * sizeof(*th));
			t->nr_threads--;
			continue;
		}
		if (ret == -ETIMEDOUT)
			return report_not_stopped(t->pid, th->tid);
		if (ret)
			return pr_errno(ret, "pid %d tid %d: wait for stop", t->pid, th->tid);
		/* a seized group-stopped task traps with its stop signal, not SIGTRAP */
		if (t->state == SEIZED_STOPPED && th->tid == t->pid &&
		    (status >> 16) == PTRACE_EVENT_STOP && WSTOPSIG(status) != SIGTRAP)
			t->stop_sig = WSTOPSIG(status);
		ret = arch_get_thread_regs(th->tid, &th->tr);
		if (ret)
			return ret;
		i++;
	}
	return 0;
}

/* Seize and interrupt the threads /proc/PID/task lists that t does not have yet. */
static int seize_listed(struct seized_task *t, bool *found_new)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	*found_new = false;
	snprintf(path, sizeof(path), "/proc/%d/task", t->pid);
	d = opendir(path);
	if (!d)
		return pr_perror("pid %d: open %s", t->pid, path);
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);
		int ret;

		if (tid <= 0 || find_thread(t, tid))
			continue;
		ret = seize_thread(t, tid);
		if (ret) {
			closedir(d);
			return ret;
		}
		*found_new = true;
	}
	closedir(d);
	return 0;
}

/* Seize threads of t until a listing of /proc/PID/task shows no new one. */
static int seize_threads(struct seized_task *t)
{
	int rescans = 0, ret, ret2;

	for (;;) {
		size_t from = t->nr_threads;
		bool found_new;

		ret = seize_listed(t, &found_new);
		ret2 = finish_seize_threads(t, from);
		if (ret || ret2)
			return ret ? ret : ret2;
		if (!found_new)
			return 0;
		if (++rescans > MAX_RESCANS)
			return pr_errno(-EAGAIN, "pid %d: threads keep appearing", t->pid);
	}
}

/*
 * Seize tasks [first, end) side by side: the threads each lists are all
 * interrupted, then their stops taken (they stop at once, not one task after
 * the other); then each task is listed again until no new thread shows.
 */
static int seize_wave(struct seized_tree *tree, size_t first, size_t end)
{
	size_t i, j;
	int ret = 0, ret2;

	for (i = first; !ret && i < end; i++) {
		bool found_new;

		if (tree->tasks[i].state != SEIZED_ZOMBIE)
			ret = seize_listed(&tree->tasks[i], &found_new);
	}
	/* whatever happened: the stops of all that were interrupted */
	for (j = first; j < i; j++) {
		if (tree->tasks[j].state == SEIZED_ZOMBIE)
			continue;
		ret2 = finish_seize_threads(&tree->tasks[j], 0);
		if (ret2 && !ret)
			ret = ret2;
	}
	for (j = first; !ret && j < end; j++) {
		struct seized_task *t = &tree->tasks[j];

		if (t->state == SEIZED_ZOMBIE)
			continue;
		ret = seize_threads(t);
		if (!ret && !t->nr_threads)
			ret = pr_errno(-ESRCH, "pid %d: exited while being seized", t->pid);
	}
	return ret;
}


/* What /proc shows of a zombie's signal state: it comes back with the same. */
static int zombie_signals(struct seized_task *t)
{
	struct proc_status ps;
	char *buf = NULL;
	ssize_t len = proc_read(t->pid, "status", &buf);
	int ret;

	if (len < 0)
		return len;
	ret = proc_parse_status(buf, &ps);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/status", t->pid, t->pid);
	t->zsig_blk = ps.sig_blk;
	t->zsig_ign = ps.sig_ign;
	t->zsig_cgt = ps.sig_cgt;
	proc_status_free(&ps);
	return 0;
}

static int add_task(struct seized_tree *tree, pid_t pid, pid_t ppid)
{
	struct seized_task *nt, *t;
	struct proc_stat st;
	int ret;

	nt = reallocarray(tree->tasks, tree->nr + 1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	tree->tasks = nt;
	t = &tree->tasks[tree->nr];
	memset(t, 0, sizeof(*t));
	t->pid = pid;

	ret = read_stat(pid, &st);
	if (ppid && (ret == -ENOENT || ret == -ESRCH))
		return 0;	/* a child gone meanwhile (reaped by the kernel: SA_NOCLDWAIT) */
	if (!ppid && (ret == -ENOENT || ret == -ESRCH))
		return pr_errno(-ESRCH, "pid %d: no such process", pid);
	if (ret)
		return pr_errno(ret, "pid %d: read /proc/%d/stat", pid, pid);
	if (ppid && st.ppid != ppid)
		return 0;	/* gone and reused meanwhile */
	if (pid == getpid()) {
		pr_err("pid %d: the tree contains ckpt itself (pid %d is its %s): "
		       "dump a tree ckpt does not run in", ppid ? ppid : pid, pid,
		       ppid ? "child" : "root");
		return -EINVAL;
	}
	if (st.flags & PF_KTHREAD) {
		pr_err("pid %d (%s): a kernel thread: cannot be dumped", pid, st.comm);
		return -EPERM;
	}
	if (!ppid && (st.state == 'Z' || st.state == 'X') && st.num_threads <= 1) {
		pr_err("pid %d (%s): a zombie (it exited; its parent %d has not reaped it): "
		       "nothing to dump", pid, st.comm, st.ppid);
		return -ESRCH;
	}
	tree->nr++;
	t->ppid = ppid;
	t->pgid = st.pgid;
	t->sid = st.sid;
	snprintf(t->comm, sizeof(t->comm), "%s", st.comm);
	if (st.state == 'Z' || st.state == 'X') {
		/*
		 * A leader that called pthread_exit() shows as a zombie while its
		 * other threads run on: we could neither seize nor kill those.
		 */
		if (st.num_threads > 1) {
			pr_err("pid %d: its leader thread has exited, %ld other threads run on: "
			       "unsupported", pid, st.num_threads - 1);
			return -EOPNOTSUPP;
		}
		t->state = SEIZED_ZOMBIE;
		t->exit_code = st.exit_code;
		return zombie_signals(t);
	}
	t->state = st.state == 'T' ? SEIZED_STOPPED : SEIZED_ALIVE;
	return 0;
}

/* Add children of t listed in /proc/PID/task/TID/children not seen yet. */
static int scan_children(struct seized_tree *tree, size_t idx, bool *changed)
{
	pid_t pid = tree->tasks[idx].pid;
	size_t nthr = tree->tasks[idx].nr_threads;
	bool any = false;

	for (size_t i = 0; i < nthr; i++) {
		char path[96], *buf = NULL, *p, *end;
		pid_t tid = tree->tasks[idx].threads[i].tid;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", pid, tid);
		n = read_file_at(AT_FDCWD, path, &buf);
		if (n < 0)
			return pr_errno(n, "pid %d: read %s", pid, path);
		for (p = buf; *p; p = end) {
			long child = strtol(p, &end, 10);
			int ret;

			if (end == p)
				break;
			any = true;
			if (seized_find(tree, child))
				continue;
			ret = add_task(tree, child, pid);
			if (ret) {
				free(buf);
				return ret;
			}
			*changed = true;
		}
		free(buf);
	}
	tree->tasks[idx].had_children = any;
	return 0;
}

int seize_tree(pid_t root, unsigned int timeout, struct seized_tree *tree)
{
	struct sigaction old_alarm;
	bool armed = false;
	int ret, rounds = 0;
	size_t done = 0;	/* tasks [0, done) seized, their children scanned */
	bool changed;

	memset(tree, 0, sizeof(*tree));
	if (root == 1) {
		pr_err("pid 1: init, the ancestor of every process and of ckpt: cannot be dumped");
		return -EINVAL;
	}
	ret = add_task(tree, root, 0);
	if (ret)
		goto fail;
	tree->tasks[0].ppid = 0;
	ret = freeze_deadline_arm(timeout, &old_alarm);
	if (ret)
		goto fail;
	armed = true;

	/*
	 * Seize everything known, a wave at a time: the tasks found by the last
	 * wave, side by side, then their children make the next wave. Stopped
	 * threads make no new threads or children; a task scanned once with all
	 * its threads stopped can still gain children from tasks that ran on after
	 * its scan (CLONE_PARENT, reparenting to a subreaper), but only from its
	 * own descendants: those with children are scanned again until nothing
	 * new shows; one that had no children keeps none.
	 */
	do {
		changed = false;
		while (done < tree->nr) {
			size_t end = tree->nr;
			bool found;

			ret = seize_wave(tree, done, end);
			for (size_t i = done; !ret && i < end; i++)
				if (tree->tasks[i].state != SEIZED_ZOMBIE)
					ret = scan_children(tree, i, &found);
			if (ret)
				goto fail;
			done = end;
		}
		for (size_t i = 0; i < done; i++) {
			if (tree->tasks[i].state == SEIZED_ZOMBIE || !tree->tasks[i].had_children)
				continue;
			ret = scan_children(tree, i, &changed);
			if (ret)
				goto fail;
		}
		if (++rounds > MAX_RESCANS) {
			ret = pr_errno(-EAGAIN, "pid %d: the tree keeps changing", root);
			goto fail;
		}
	} while (changed);

	/* The leader first: the thread whose tid is the pid. */
	for (size_t i = 0; i < tree->nr; i++) {
		struct seized_task *t = &tree->tasks[i];

		for (size_t j = 1; j < t->nr_threads; j++)
			if (t->threads[j].tid == t->pid) {
				struct seized_thread tmp = t->threads[0];

				t->threads[0] = t->threads[j];
				t->threads[j] = tmp;
			}
	}
	freeze_deadline_disarm(timeout, &old_alarm);
	pr_info("seized %zu tasks", tree->nr);
	return 0;
fail:
	if (armed)
		freeze_deadline_disarm(timeout, &old_alarm);
	release_tree(tree, false);
	seized_tree_free(tree);
	return ret;
}

/*
 * A thread left in a syscall stop of ours goes back with its registers exactly
 * as seized: an interrupted syscall still reads -ERESTART* with orig_ax set.
 * Detaching from a trace stop sends the thread through the kernel's signal
 * path on its way out (TIF_SIGPENDING), and there the kernel decides what
 * our rewind cannot know in advance: restart the syscall, or end it with
 * EINTR because a handler runs first (pause(), sigsuspend(), a read without
 * SA_RESTART when a signal came in during the dump).
 */
static void put_back_seized_regs(struct seized_task *t, struct seized_thread *th)
{
	if (th->at_syscall_stop && ptrace(PTRACE_SETREGS, th->tid, NULL, &th->tr.seized) &&
	    errno != ESRCH)
		pr_warn("pid %d tid %d: PTRACE_SETREGS: %s", t->pid, th->tid, strerror(errno));
}

void release_tree(struct seized_tree *tree, bool kill_tree)
{
	for (size_t i = 0; i < tree->nr; i++) {
		struct seized_task *t = &tree->tasks[i];

		if (kill_tree && t->state != SEIZED_ZOMBIE)
			kill(t->pid, SIGKILL);
		for (size_t j = 0; j < t->nr_threads; j++) {
			struct seized_thread *th = &t->threads[j];

			if (!kill_tree) {
				put_back_seized_regs(t, th);
				/* queued, not injected: PTRACE_DETACH drops a signal from an interrupt stop */
				if (th->pending_sig)
					syscall(SYS_tgkill, t->pid, th->tid, th->pending_sig);
			}
			if (ptrace(PTRACE_DETACH, th->tid, NULL, 0) && errno != ESRCH)
				pr_warn("pid %d tid %d: detach: %s", t->pid, th->tid, strerror(errno));
		}
	}
}

void seized_tree_free(struct seized_tree *tree)
{
	for (size_t i = 0; i < tree->nr; i++) {
		for (size_t j = 0; j < tree->tasks[i].nr_threads; j++)
			arch_free_thread_regs(&tree->tasks[i].threads[j].tr);
		free(tree->tasks[i].threads);
	}
	free(tree->tasks);
	memset(tree, 0, sizeof(*tree));
}
