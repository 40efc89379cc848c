/* core-PID.img: registers and signal state of every thread, and task-wide state. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/ptrace.h>

#define LOG_PREFIX "dump: "
#include "arch/core-regs.h"
#include "common/log.h"
#include "common/util.h"
#include "core.pb-c.h"
#include "dump/dump.h"
#include "dump/sched.h"
#include "proc/proc.h"

struct rseq_config {
	uint64_t rseq_abi_pointer;
	uint32_t rseq_abi_size;
	uint32_t signature;
	uint32_t flags;
	uint32_t pad;
};

/* Everything allocated for one core image, freed in one place. */
struct core_bufs {
	ThreadCoreEntry *threads;
	ThreadCoreEntry **thread_ptrs;
	UserX86RegsEntry *regs;
	SigaltstackEntry *alt;
	SigactionEntry *sa, **sa_ptrs;
	ItimerEntry it[3], *it_ptrs[3];
	RlimitEntry rl[RLIM_NLIMITS], *rl_ptrs[RLIM_NLIMITS];
	CredsEntry creds;
	char **comms;
	PosixTimerEntry **timer_ptrs;
	SchedEntry *sched;
	uint8_t **aff;
	size_t nr_threads;
	/* pending signals: one array of entries and pointers per owner */
	SiginfoEntry ***pend_ptrs;	/* nr_threads + 1 arrays */
	SiginfoEntry **pend;
	uint8_t **pend_data;
};

static void core_bufs_free(struct core_bufs *b)
{
	for (size_t i = 0; i <= b->nr_threads && b->pend; i++) {
		free(b->pend[i]);
		free(b->pend_ptrs ? b->pend_ptrs[i] : NULL);
		free(b->pend_data ? b->pend_data[i] : NULL);
	}
	for (size_t i = 0; i < b->nr_threads && b->comms; i++)
		free(b->comms[i]);
	for (size_t i = 0; i < b->nr_threads && b->aff; i++)
		free(b->aff[i]);
	free(b->aff);
	free(b->sched);
	free(b->timer_ptrs);
	free(b->comms);
	free(b->pend);
	free(b->pend_ptrs);
	free(b->pend_data);
	free(b->threads);
	free(b->thread_ptrs);
	free(b->regs);
	free(b->alt);
	free(b->sa);
	free(b->sa_ptrs);
}

/* /proc/PID/task/TID/status (TID == PID: /proc/PID/status). */
static int read_status(pid_t pid, pid_t tid, struct proc_status *st)
{
	char name[64], *buf = NULL;
	int ret;

	snprintf(name, sizeof(name), "task/%d/status", tid);
	ret = proc_read(pid, tid == pid ? "status" : name, &buf);
	if (ret < 0)
		return ret;
	ret = proc_parse_status(buf, st);
	free(buf);
	if (ret)
		return pr_errno(ret, "tid %d: parse /proc/%d/%s", tid, pid, tid == pid ? "status" : name);
	return 0;
}

/*
 * The pending mask /proc shows for a thread (SigPnd) or its process (ShdPnd);
 * the leader's and the process's are in td->status, read once the task was
 * cured (a SIGSTOP held back meanwhile is out of the queue by then).
 */
static int pending_mask(struct task_dump *td, pid_t tid, bool shared, uint64_t *mask)
{
	struct proc_status st = { 0 };
	int ret;

	if (shared || tid == td->task->pid) {
		*mask = shared ? td->status.shd_pnd : td->status.sig_pnd;
		return 0;
	}
	ret = read_status(td->task->pid, tid, &st);
	if (ret)
		return ret;
	*mask = st.sig_pnd;
	proc_status_free(&st);
	return 0;
}

/*
 * Pending signals of a thread (or, shared, of the process) without dequeuing
 * them: the queue (PTRACE_PEEKSIGINFO), and the signals the kernel keeps
 * pending with no queue entry (out of queue space): those come back as the
 * kernel would report them, SI_USER from nobody.
 */
static int peek_pending(struct task_dump *td, pid_t tid, bool shared, struct core_bufs *b,
			size_t slot, SiginfoEntry ***out, size_t *nr)
{
	enum { SI_SIZE = 128, BATCH = 32 };
	size_t n = 0, cap = 0;
	uint8_t *data = NULL;
	uint64_t mask = 0, seen = 0;
	int ret;

	ret = pending_mask(td, tid, shared, &mask);
	if (ret)
		return ret;

	for (;;) {
		struct ptrace_peeksiginfo_args a = {
			.off = n, .flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0, .nr = BATCH,
		};
		uint8_t *nd;
		long r;

		if (n + BATCH > cap) {
			cap = n + BATCH;
			nd = realloc(data, cap * SI_SIZE);
			if (!nd) {
				free(data);
				return -ENOMEM;
			}
			data = nd;
		}
		r = ptrace(PTRACE_PEEKSIGINFO, tid, &a, data + n * SI_SIZE);
		if (r < 0) {
			free(data);
			return pr_perror("tid %d: PTRACE_PEEKSIGINFO", tid);
		}
		if (r == 0)
			break;
		n += r;
	}
	for (size_t i = 0; i < n; i++) {
		int32_t signo;

		memcpy(&signo, data + i * SI_SIZE, sizeof(signo));
		if (signo > 0 && signo <= 64)
			seen |= 1ull << (signo - 1);
	}
	for (int sig = 1; sig <= 64; sig++) {
		uint8_t *nd;
		int32_t si[4] = { sig, 0, 0 /* SI_USER */, 0 };

		if (!(mask & ~seen & (1ull << (sig - 1))))
			continue;
		nd = realloc(data, (n + 1) * SI_SIZE);
		if (!nd) {
			free(data);
			return -ENOMEM;
		}
		data = nd;
		memset(data + n * SI_SIZE, 0, SI_SIZE);
		memcpy(data + n * SI_SIZE, si, sizeof(si));
		n++;
	}
	b->pend_data[slot] = data;
	b->pend[slot] = calloc(n ? n : 1, sizeof(SiginfoEntry));
	b->pend_ptrs[slot] = calloc(n ? n : 1, sizeof(SiginfoEntry *));
	if (!b->pend[slot] || !b->pend_ptrs[slot])
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		siginfo_entry__init(&b->pend[slot][i]);
		b->pend[slot][i].siginfo.len = SI_SIZE;
		b->pend[slot][i].siginfo.data = data + i * SI_SIZE;
		b->pend_ptrs[slot][i] = &b->pend[slot][i];
	}
	*out = b->pend_ptrs[slot];
	*nr = n;
	return 0;
}

static int fill_thread(struct task_dump *td, struct core_bufs *b, size_t i)
{
	struct seized_thread *th = &td->task->threads[i];
	ThreadCoreEntry *tc = &b->threads[i];
	struct rseq_config rs = { 0 };
	char path[96], *comm = NULL;
	uint64_t head = 0;
	size_t len = 0;
	int ret;

	thread_core_entry__init(tc);
	tc->tid = th->tid;
	arch_regs_to_image(&th->tr.regs, &b->regs[i]);
	tc->gpregs = &b->regs[i];
	tc->xsave.len = th->tr.xsave_len;
	tc->xsave.data = th->tr.xsave;
	tc->sigmask = th->tr.sigmask;
	tc->has_in_syscall_restart = true;
	tc->in_syscall_restart = th->tr.rewound;

	sigaltstack_entry__init(&b->alt[i]);
	b->alt[i].sp = td->altstacks[i].sp;
	b->alt[i].flags = td->altstacks[i].flags;
	b->alt[i].size = td->altstacks[i].size;
	tc->altstack = &b->alt[i];
	tc->has_clear_tid_addr = true;
	tc->clear_tid_addr = td->tid_addrs[i];

	if (syscall(SYS_get_robust_list, th->tid, &head, &len))
		return pr_perror("tid %d: get_robust_list", th->tid);
	tc->has_robust_list = tc->has_robust_list_len = true;
	tc->robust_list = head;
	tc->robust_list_len = len;

	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, th->tid, sizeof(rs), &rs) > 0 &&
	    rs.rseq_abi_pointer) {
		tc->has_rseq_addr = tc->has_rseq_len = tc->has_rseq_sig = true;
		tc->rseq_addr = rs.rseq_abi_pointer;
		tc->rseq_len = rs.rseq_abi_size;
		tc->rseq_sig = rs.signature;
	}
	if (i == 0) {
		/* what /proc/PID/task/PID/comm shows, without the read: the parasite asked */
		if (!td->misc.comm_ret)
			comm = strndup(td->misc.comm, sizeof(td->misc.comm));
	} else {
		snprintf(path, sizeof(path), "task/%d/comm", th->tid);
		if (proc_read(td->task->pid, path, &comm) < 0)
			comm = NULL;
	}
	if (comm) {
		comm[strcspn(comm, "\n")] = '\0';
		b->comms[i] = comm;
		tc->comm = comm;
	}
	ret = peek_pending(td, th->tid, false, b, i, &tc->pending, &tc->n_pending);
	if (ret)
		return ret;
	ret = dump_thread_sched(td->task->pid, th->tid, &b->sched[i], &b->aff[i], &len,
				&tc->timerslack_ns);
	if (ret)
		return ret;
	tc->sched = &b->sched[i];
	tc->has_affinity = tc->has_timerslack_ns = true;
	tc->affinity.data = b->aff[i];
	tc->affinity.len = len;
	b->thread_ptrs[i] = tc;
	return 0;
}

/* A number alone in /proc/PID/NAME. */
static int read_proc_long(pid_t pid, const char *name, long long *v)
{
	char path[96], *buf = NULL, *end;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	n = read_file_at(AT_FDCWD, path, &buf);
	if (n == -ENOENT)
		return (int)n;	/* the caller tells whether that is an error */
	if (n < 0)
		return pr_errno((int)n, "pid %d: read %s", pid, path);
	errno = 0;
	*v = strtoll(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n')) {
		free(buf);
		pr_err("pid %d: /proc/%d/%s: not a number", pid, pid, name);
		return -EIO;
	}
	free(buf);
	return 0;
}

/*
 * Process-wide settings beside the creds: OOM score adjustment, audit login
 * uid, child subreaper, THP disable.
 */
static int fill_task_misc(struct task_dump *td, TaskCoreEntry *core)
{
	const struct parasite_misc *mi = &td->misc;
	pid_t pid = td->task->pid;
	long long v;
	int ret;

	ret = read_proc_long(pid, "oom_score_adj", &v);
	if (ret)
		return ret == -ENOENT ? pr_errno(ret, "pid %d: read oom_score_adj", pid) : ret;
	core->has_oom_score_adj = true;
	core->oom_score_adj = (int32_t)v;
	ret = read_proc_long(pid, "loginuid", &v);
	if (ret == 0) {
		core->has_loginuid = true;
		core->loginuid = (uint32_t)v;
	} else if (ret != -ENOENT) {
		return ret;	/* ENOENT: a kernel without audit */
	}
	if (mi->child_subreaper < 0)
		return pr_errno(mi->child_subreaper, "pid %d: PR_GET_CHILD_SUBREAPER", pid);
	core->has_child_subreaper = true;
	core->child_subreaper = mi->child_subreaper != 0;
	if (mi->thp_disable < 0)
		return pr_errno(mi->thp_disable, "pid %d: PR_GET_THP_DISABLE", pid);
	core->has_thp_disable = true;
	core->thp_disable = (uint32_t)mi->thp_disable;

	return 0;
}

static int fill_task(struct task_dump *td, struct core_bufs *b, TaskCoreEntry *core)
{
	const struct parasite_misc *mi = &td->misc;
	const struct proc_status *st = &td->status;
	pid_t pid = td->task->pid;
	size_t nsa = 0;
	int ret;

	b->sa = calloc(64, sizeof(*b->sa));
	b->sa_ptrs = calloc(64, sizeof(*b->sa_ptrs));
	if (!b->sa || !b->sa_ptrs)
		return -ENOMEM;
	for (int s = 1; s <= 64; s++) {
		if (s == SIGKILL || s == SIGSTOP || mi->sa_ret[s - 1])
			continue;
		sigaction_entry__init(&b->sa[nsa]);
		b->sa[nsa].sig = s;
		b->sa[nsa].handler = mi->sa[s - 1].handler;
		b->sa[nsa].flags = mi->sa[s - 1].flags;
		b->sa[nsa].restorer = mi->sa[s - 1].restorer;
		b->sa[nsa].mask = mi->sa[s - 1].mask;
		b->sa_ptrs[nsa] = &b->sa[nsa];
		nsa++;
	}
	core->sigactions = b->sa_ptrs;
	core->n_sigactions = nsa;

	for (int w = 0; w < 3; w++) {
		if (mi->itimer_ret[w])
			return pr_errno(mi->itimer_ret[w], "pid %d: getitimer(%d)", pid, w);
		itimer_entry__init(&b->it[w]);
		b->it[w].which = w;
		b->it[w].isec = mi->itimer[w].isec;
		b->it[w].iusec = mi->itimer[w].iusec;
		b->it[w].vsec = mi->itimer[w].vsec;
		b->it[w].vusec = mi->itimer[w].vusec;
		b->it_ptrs[w] = &b->it[w];
	}
	core->itimers = b->it_ptrs;
	core->n_itimers = 3;

	/* read by the task itself: prlimit() on another uid needs CAP_SYS_RESOURCE */
	for (int r = 0; r < RLIM_NLIMITS && r < 16; r++) {
		if (mi->rlim_ret[r])
			return pr_errno(mi->rlim_ret[r], "pid %d: prlimit(%d)", pid, r);
		rlimit_entry__init(&b->rl[r]);
		b->rl[r].resource = r;
		b->rl[r].cur = mi->rlim[r].cur;
		b->rl[r].max = mi->rlim[r].max;
		b->rl_ptrs[r] = &b->rl[r];
	}
	core->rlimits = b->rl_ptrs;
	core->n_rlimits = RLIM_NLIMITS;

	creds_entry__init(&b->creds);
	b->creds.uid = st->uid[0];  b->creds.euid = st->uid[1];
	b->creds.suid = st->uid[2]; b->creds.fsuid = st->uid[3];
	b->creds.gid = st->gid[0];  b->creds.egid = st->gid[1];
	b->creds.sgid = st->gid[2]; b->creds.fsgid = st->gid[3];
	b->creds.groups = (uint32_t *)st->groups;
	b->creds.n_groups = st->ngroups;
	b->creds.cap_inh = st->cap_inh;
	b->creds.cap_prm = st->cap_prm;
	b->creds.cap_eff = st->cap_eff;
	b->creds.cap_bnd = st->cap_bnd;
	b->creds.has_cap_amb = true;
	b->creds.cap_amb = st->cap_amb;
	if (mi->securebits >= 0) {
		b->creds.has_securebits = true;
		b->creds.securebits = mi->securebits;
	}
	b->creds.has_no_new_privs = true;
	b->creds.no_new_privs = st->no_new_privs > 0;
	core->creds = &b->creds;

	if (mi->personality < 0)
		return pr_errno(mi->personality, "pid %d: personality", pid);
	core->personality = (uint32_t)mi->personality;
	core->umask = st->umask;
	core->comm = td->task->comm;
	core->has_exit_signal = true;
	core->exit_signal = td->stat.exit_signal;
	if (mi->dumpable >= 0) {
		core->has_dumpable = true;
		core->dumpable = mi->dumpable;
	}
	if (mi->pdeath_sig >= 0) {
		core->has_pdeath_sig = true;
		core->pdeath_sig = mi->pdeath_sig;
	}
	core->has_nice = true;
	core->nice = td->stat.nice;
	ret = fill_task_misc(td, core);
	if (ret)
		return ret;
	return peek_pending(td, pid, true, b, b->nr_threads, &core->shared_pending,
			    &core->n_shared_pending);
}

/* si_code of a raw siginfo (after si_signo and si_errno) */
static int32_t si_code_of(const SiginfoEntry *e)
{
	int32_t code = 0;

	if (e->siginfo.len >= 12)
		memcpy(&code, e->siginfo.data + 8, sizeof(code));
	return code;
}

/*
 * The timers of dump/timers.c. One whose signal is pending is refused: the
 * kernel ties that queued signal to the timer (its overruns go into it, no
 * second one is queued meanwhile); queued anew at restore it would not be.
 */
static int fill_timers(struct task_dump *td, struct core_bufs *b, TaskCoreEntry *core)
{
	const int32_t SI_TIMER_ = -2;

	for (size_t i = 0; i <= core->n_threads; i++) {
		SiginfoEntry **v = i < core->n_threads ? core->threads[i]->pending : core->shared_pending;
		size_t n = i < core->n_threads ? core->threads[i]->n_pending : core->n_shared_pending;

		for (size_t j = 0; j < n; j++)
			if (si_code_of(v[j]) == SI_TIMER_ && td->nr_timers) {
				pr_err("pid %d: a signal of a POSIX timer is pending: not supported",
				       td->task->pid);
				return -EOPNOTSUPP;
			}
	}
	if (!td->nr_timers)
		return 0;
	b->timer_ptrs = calloc(td->nr_timers, sizeof(*b->timer_ptrs));
	if (!b->timer_ptrs)
		return -ENOMEM;
	for (size_t i = 0; i < td->nr_timers; i++)
		b->timer_ptrs[i] = &td->timers[i];
	core->posix_timers = b->timer_ptrs;
	core->n_posix_timers = td->nr_timers;
	return 0;
}

int dump_core(struct task_dump *td)
{
	struct seized_task *t = td->task;
	TaskCoreEntry core = TASK_CORE_ENTRY__INIT;
	struct core_bufs b = { .nr_threads = t->nr_threads };
	int ret;

	b.threads = calloc(t->nr_threads, sizeof(*b.threads));
	b.thread_ptrs = calloc(t->nr_threads, sizeof(*b.thread_ptrs));
	b.regs = calloc(t->nr_threads, sizeof(*b.regs));
	b.alt = calloc(t->nr_threads, sizeof(*b.alt));
	b.comms = calloc(t->nr_threads, sizeof(*b.comms));
	b.sched = calloc(t->nr_threads, sizeof(*b.sched));
	b.aff = calloc(t->nr_threads, sizeof(*b.aff));
	b.pend = calloc(t->nr_threads + 1, sizeof(*b.pend));
	b.pend_ptrs = calloc(t->nr_threads + 1, sizeof(*b.pend_ptrs));
	b.pend_data = calloc(t->nr_threads + 1, sizeof(*b.pend_data));
	if (!b.threads || !b.thread_ptrs || !b.regs || !b.alt || !b.comms || !b.sched || !b.aff || !b.pend ||
	    !b.pend_ptrs || !b.pend_data) {
		ret = -ENOMEM;
		goto out;
	}
	core.pid = t->pid;
	/* creds, umask, the pending masks: read now that the parasite is gone */
	ret = read_status(t->pid, t->pid, &td->status);
	if (ret)
		goto out;
	for (size_t i = 0; i < t->nr_threads; i++) {
		ret = fill_thread(td, &b, i);
		if (ret)
			goto out;
	}
	core.threads = b.thread_ptrs;
	core.n_threads = t->nr_threads;
	ret = fill_task(td, &b, &core);
	if (ret)
		goto out;
	ret = fill_timers(td, &b, &core);
	if (ret)
		goto out;

	ret = img_write_one(td->set, IMG_CORE, t->pid, &core.base);
out:
	core_bufs_free(&b);
	return ret;
}
