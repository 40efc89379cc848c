/*
 * sig_state: the signal state of a process and of each of its threads.
 *
 *   sigactions  every signal's handler, flags and mask, recorded before the
 *               dump and compared after (sigaction query): SIGUSR1 with
 *               SA_SIGINFO|SA_ONSTACK|SA_RESTART, SIGUSR2 SA_SIGINFO,
 *               SIGALRM SA_RESTART, SIGHUP SA_NODEFER|SA_RESETHAND with a
 *               mask, SIGPIPE ignored (and a SIGPIPE sent after restore
 *               neither kills nor stays pending), SIGURG default
 *   altstacks   threads t1 and t2 each have their own sigaltstack (other
 *               sizes), the main thread none: sigaltstack() reports the same
 *               after restore, and a SIGUSR1 raised in each thread runs its
 *               handler on that thread's stack (checked by address)
 *   itimer      ITIMER_REAL 50 ms with a 50 ms interval: getitimer reports
 *               the same interval, and the SIGALRM count keeps growing
 *   masks       each thread blocks another set; each checks its own
 *   pending     SIGUSR2 sent with pthread_kill() to t2, which blocks it (so
 *               do the others): after restore only t2 has it pending (not
 *               the process: t1 and main don't see it), and when t2
 *               unblocks it its handler runs once, in t2, with SI_TKILL
 *               from this pid
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_SIGS 64
#define ALRM_USEC 50000

struct thr {
	const char *name;
	pthread_t t;
	pid_t tid;
	size_t alt_size;	/* 0: no altstack */
	unsigned char *alt;
	sigset_t mask;
	volatile int started;
	/* filled by the SIGUSR1 handler */
	volatile uintptr_t handler_sp;
	volatile int usr1_count;
};

enum { T_MAIN, T1, T2, NR_THR };

static struct thr thr[NR_THR] = {
	[T_MAIN] = { .name = "main" },
	[T1] = { .name = "t1", .alt_size = 3 * 65536 },
	[T2] = { .name = "t2", .alt_size = 5 * 65536 },
};

static struct sigaction before[NR_SIGS + 1];
static volatile sig_atomic_t alrm_count;
static volatile int usr2_count;
static volatile pid_t usr2_tid;
static volatile int usr2_code, usr2_pid;
static int stage;		/* futex word: 1 = check, threads go */

static struct thr *me(void)
{
	pid_t tid = test_gettid();

	for (int i = 0; i < NR_THR; i++)
		if (thr[i].tid == tid)
			return &thr[i];
	return NULL;
}

static void usr1_handler(int sig, siginfo_t *si, void *uc)
{
	struct thr *t = me();
	int here;

	(void)sig;
	(void)si;
	(void)uc;
	if (t) {
		t->handler_sp = (uintptr_t)&here;
		t->usr1_count++;
	}
}

static void usr2_handler(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr2_count++;
	usr2_tid = test_gettid();
	usr2_code = si->si_code;
	usr2_pid = si->si_pid;
}

static void alrm_handler(int sig)
{
	(void)sig;
	alrm_count++;
}

static void hup_handler(int sig)
{
	(void)sig;
}

static void set_action(int sig, void (*h)(int), void (*sa)(int, siginfo_t *, void *), int flags,
		       int mask_sig)
{
	struct sigaction act;

	memset(&act, 0, sizeof(act));
	if (sa)
		act.sa_sigaction = sa;
	else
		act.sa_handler = h;
	act.sa_flags = flags;
	sigemptyset(&act.sa_mask);
	if (mask_sig)
		sigaddset(&act.sa_mask, mask_sig);
	if (sigaction(sig, &act, NULL))
		setup_fail("sigaction %d: %m", sig);
}

static void get_actions(struct sigaction *sa)
{
	for (int sig = 1; sig <= NR_SIGS; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, NULL, &sa[sig]))
			memset(&sa[sig], 0xff, sizeof(sa[sig]));
}

static int mask_eq(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig <= NR_SIGS; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return 0;
	return 1;
}

static unsigned long long mask_bits(const sigset_t *s)
{
	unsigned long long m = 0;

	for (int sig = 1; sig <= NR_SIGS; sig++)
		if (sigismember(s, sig) == 1)
			m |= 1ULL << (sig - 1);
	return m;
}

static int on_stack(uintptr_t sp, const struct thr *t)
{
	return sp >= (uintptr_t)t->alt && sp < (uintptr_t)t->alt + t->alt_size;
}

/* Each thread, after restore: its mask, its altstack, its pending set. */
static void check_thread(struct thr *t)
{
	sigset_t cur, pend, usr2;
	stack_t ss;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	if (!mask_eq(&cur, &t->mask))
		fail("%s: blocked %#llx, was %#llx", t->name, mask_bits(&cur), mask_bits(&t->mask));

	if (sigaltstack(NULL, &ss))
		fail("%s: sigaltstack: %m", t->name);
	else if (!t->alt_size && !(ss.ss_flags & SS_DISABLE))
		fail("%s: has an altstack %p+%zu, had none", t->name, ss.ss_sp, ss.ss_size);
	else if (t->alt_size && (ss.ss_sp != t->alt || ss.ss_size != t->alt_size || ss.ss_flags))
		fail("%s: altstack %p+%zu flags %d, was %p+%zu flags 0", t->name, ss.ss_sp,
		     ss.ss_size, ss.ss_flags, t->alt, t->alt_size);

	sigpending(&pend);
	if (sigismember(&pend, SIGUSR2) != (t == &thr[T2]))
		fail("%s: SIGUSR2 %spending", t->name, t == &thr[T2] ? "not " : "");
	sigdelset(&pend, SIGUSR2);
	sigdelset(&pend, SIGALRM);	/* may be on its way to main */
	if (!sigisemptyset(&pend))
		fail("%s: unexpected pending signals %#llx", t->name, mask_bits(&pend));

	/* SIGUSR1 on this thread's own stack */
	t->handler_sp = 0;
	t->usr1_count = 0;
	if (pthread_kill(pthread_self(), SIGUSR1))
		fail("%s: pthread_kill: %m", t->name);
	if (t->usr1_count != 1)
		fail("%s: SIGUSR1 handler ran %d times", t->name, t->usr1_count);
	else if (t->alt_size && !on_stack(t->handler_sp, t))
		fail("%s: SIGUSR1 handler ran with sp %#lx, off its altstack %p+%zu", t->name,
		     (unsigned long)t->handler_sp, t->alt, t->alt_size);
	else if (!t->alt_size && (on_stack(t->handler_sp, &thr[T1]) || on_stack(t->handler_sp, &thr[T2])))
		fail("%s: SIGUSR1 handler ran on an altstack (sp %#lx)", t->name,
		     (unsigned long)t->handler_sp);

	if (t == &thr[T2]) {
		/* the thread-directed signal: exactly it, here, once */
		sigemptyset(&usr2);
		sigaddset(&usr2, SIGUSR2);
		pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
		if (usr2_count != 1 || usr2_tid != t->tid)
			fail("t2: SIGUSR2 handler ran %d times, in %d", usr2_count, usr2_tid);
		else if (usr2_code != SI_TKILL || usr2_pid != getpid())
			fail("t2: SIGUSR2 si_code %d si_pid %d, expected %d from %d", usr2_code,
			     usr2_pid, SI_TKILL, getpid());
		pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	}
}

static void *thread_fn(void *arg)
{
	struct thr *t = arg;
	stack_t ss = { .ss_sp = t->alt, .ss_size = t->alt_size };

	t->tid = test_gettid();
	if (sigaltstack(&ss, NULL))
		setup_fail("%s: sigaltstack: %m", t->name);
	if (pthread_sigmask(SIG_SETMASK, &t->mask, NULL))
		setup_fail("%s: pthread_sigmask", t->name);
	__atomic_store_n(&t->started, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stage, __ATOMIC_ACQUIRE))
		test_futex_wait(&stage, 0, NULL);
	check_thread(t);
	return NULL;
}

static void setup(void)
{
	struct itimerval it = { { 0, ALRM_USEC }, { 0, ALRM_USEC } };
	sigset_t *m;

	set_action(SIGUSR1, NULL, usr1_handler, SA_SIGINFO | SA_ONSTACK | SA_RESTART, 0);
	set_action(SIGUSR2, NULL, usr2_handler, SA_SIGINFO, SIGUSR1);
	set_action(SIGALRM, alrm_handler, NULL, SA_RESTART, 0);
	set_action(SIGHUP, hup_handler, NULL, SA_NODEFER | SA_RESETHAND, SIGWINCH);
	set_action(SIGPIPE, SIG_IGN, NULL, 0, 0);
	set_action(SIGURG, SIG_DFL, NULL, 0, 0);

	/* main: SIGTERM open (the library's), SIGALRM open */
	m = &thr[T_MAIN].mask;
	sigemptyset(m);
	sigaddset(m, SIGUSR2);
	sigaddset(m, SIGRTMIN + 1);
	m = &thr[T1].mask;
	sigemptyset(m);
	sigaddset(m, SIGTERM);
	sigaddset(m, SIGALRM);
	sigaddset(m, SIGUSR2);
	sigaddset(m, SIGHUP);
	sigaddset(m, SIGRTMIN + 2);
	m = &thr[T2].mask;
	sigemptyset(m);
	sigaddset(m, SIGTERM);
	sigaddset(m, SIGALRM);
	sigaddset(m, SIGUSR2);
	sigaddset(m, SIGWINCH);
	sigaddset(m, SIGRTMAX);
	if (pthread_sigmask(SIG_SETMASK, &thr[T_MAIN].mask, NULL))
		setup_fail("pthread_sigmask");
	thr[T_MAIN].tid = test_gettid();

	for (int i = T1; i < NR_THR; i++) {
		thr[i].alt = mmap(NULL, thr[i].alt_size, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (thr[i].alt == MAP_FAILED)
			setup_fail("mmap: %m");
		if (test_thread_create(&thr[i].t, thread_fn, &thr[i]))
			setup_fail("pthread_create: %m");
		while (!__atomic_load_n(&thr[i].started, __ATOMIC_ACQUIRE))
			sched_yield();
		if (test_wait_in_syscall(thr[i].tid, 202 /* futex */, 5000))
			setup_fail("%s not in futex: %m", thr[i].name);
	}

	/* thread-directed, blocked everywhere */
	if (pthread_kill(thr[T2].t, SIGUSR2))
		setup_fail("pthread_kill: %m");

	if (setitimer(ITIMER_REAL, &it, NULL))
		setup_fail("setitimer: %m");
	get_actions(before);
}

static void check_actions(void)
{
	struct sigaction now[NR_SIGS + 1];

	get_actions(now);
	for (int sig = 1; sig <= NR_SIGS; sig++) {
		struct sigaction *a = &before[sig], *b = &now[sig];

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (a->sa_handler != b->sa_handler || a->sa_flags != b->sa_flags ||
		    !mask_eq(&a->sa_mask, &b->sa_mask))
			fail("signal %d: handler %p flags %#x mask %#llx, was %p %#x %#llx", sig,
			     (void *)b->sa_handler, b->sa_flags, mask_bits(&b->sa_mask),
			     (void *)a->sa_handler, a->sa_flags, mask_bits(&a->sa_mask));
	}
	/* and the state behind them is the one the test asked for */
	if (now[SIGPIPE].sa_handler != SIG_IGN)
		fail("SIGPIPE is no longer ignored");
	if (now[SIGURG].sa_handler != SIG_DFL)
		fail("SIGURG is no longer SIG_DFL");
	if ((now[SIGUSR1].sa_flags & (SA_SIGINFO | SA_ONSTACK | SA_RESTART)) !=
	    (SA_SIGINFO | SA_ONSTACK | SA_RESTART))
		fail("SIGUSR1 flags %#x", now[SIGUSR1].sa_flags);
	if ((now[SIGHUP].sa_flags & (SA_NODEFER | SA_RESETHAND)) != (SA_NODEFER | SA_RESETHAND) ||
	    !sigismember(&now[SIGHUP].sa_mask, SIGWINCH))
		fail("SIGHUP flags %#x mask %#llx", now[SIGHUP].sa_flags,
		     mask_bits(&now[SIGHUP].sa_mask));
	if (!(now[SIGALRM].sa_flags & SA_RESTART) || (now[SIGALRM].sa_flags & SA_SIGINFO))
		fail("SIGALRM flags %#x", now[SIGALRM].sa_flags);
}

static void check_itimer(void)
{
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct itimerval it;
	int c0, i;

	if (getitimer(ITIMER_REAL, &it))
		fail("getitimer: %m");
	else if (it.it_interval.tv_sec != 0 || it.it_interval.tv_usec != ALRM_USEC)
		fail("ITIMER_REAL interval %ld.%06ld, was 0.%06d", (long)it.it_interval.tv_sec,
		     (long)it.it_interval.tv_usec, ALRM_USEC);
	else if (it.it_value.tv_sec != 0 || it.it_value.tv_usec > ALRM_USEC ||
		 (it.it_value.tv_sec == 0 && it.it_value.tv_usec == 0))
		fail("ITIMER_REAL value %ld.%06ld, not within its interval",
		     (long)it.it_value.tv_sec, (long)it.it_value.tv_usec);

	/* 3 more ticks within 2 s (50 ms each) */
	c0 = alrm_count;
	for (i = 0; i < 200 && alrm_count < c0 + 3; i++)
		nanosleep(&tick, NULL);
	if (alrm_count < c0 + 3)
		fail("SIGALRM count went from %d to %d in 2 s", c0, (int)alrm_count);
	test_msg("SIGALRM: %d so far", (int)alrm_count);
}

int main(int argc, char **argv)
{
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	sigset_t pend;
	int c;

	test_init(argc, argv);
	setup();
	c = alrm_count;
	test_daemon();
	test_waitsig();

	check_actions();
	check_itimer();
	if (alrm_count <= c)
		fail("no SIGALRM since the dump");

	/* an ignored signal is ignored: no death, nothing pending */
	if (kill(getpid(), SIGPIPE))
		fail("kill SIGPIPE: %m");
	sigpending(&pend);
	if (sigismember(&pend, SIGPIPE))
		fail("SIGPIPE pending though ignored");

	check_thread(&thr[T_MAIN]);
	__atomic_store_n(&stage, 1, __ATOMIC_RELEASE);
	test_futex_wake(&stage, NR_THR);
	for (int i = T1; i < NR_THR; i++)
		pthread_join(thr[i].t, NULL);

	setitimer(ITIMER_REAL, &off, NULL);
	pass();
	return 0;
}
