/*
 * posix_timers: POSIX timers (timer_create) with their ids, clocks,
 * sigevents and times.
 *
 *   t0      created and deleted first: the live ids have a hole below them
 *   a       CLOCK_MONOTONIC, SIGEV_SIGNAL SIGUSR1, value 0x1234, 1 h left,
 *           interval 30 min
 *   b       CLOCK_BOOTTIME, SIGEV_THREAD_ID to the second thread, SIGRTMIN,
 *           value 0xabcdef, 1 h left, no interval
 *   c       CLOCK_REALTIME, SIGEV_NONE, 2 h left, interval 1 s
 *
 * After SIGTERM the same timer_t handles (the kernel's ids) still work:
 * timer_gettime reads each interval exactly and a time left that went down
 * by less than a minute. Then b is re-armed to expire in 10 ms: its signal
 * must come to the second thread (and only there), as SI_TIMER with value
 * 0xabcdef, which shows that its sigevent came back. Every timer's
 * overrun count is 0.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "zdtmtst.h"

static timer_t ta, tb, tc;
static volatile pid_t got_tid;
static volatile int got_code;
static volatile uintptr_t got_value;
static int ready, go;
static pid_t thread_tid;

static void rt_handler(int sig, siginfo_t *si, void *uc)
{
	got_tid = test_gettid();
	got_code = si->si_code;
	got_value = (uintptr_t)si->si_value.sival_ptr;
}

static void *thread_fn(void *arg)
{
	sigset_t set;

	thread_tid = test_gettid();
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	test_futex_wake(&ready, 1);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		test_futex_wait(&go, 0, NULL);
	return NULL;
}

static void make_timer(clockid_t clock, int notify, int sig, uintptr_t value, pid_t tid,
		       time_t left, time_t iv, timer_t *t)
{
	struct sigevent sev;
	struct itimerspec its = { { iv, 0 }, { left, 0 } };

	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = notify;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_ptr = (void *)value;
	sev._sigev_un._tid = tid;
	if (timer_create(clock, &sev, t) || timer_settime(*t, 0, &its, NULL))
		setup_fail("timer_create/settime (clock %d): %m", (int)clock);
}

static void check_timer(const char *name, timer_t t, time_t left, time_t iv)
{
	struct itimerspec now;

	if (timer_gettime(t, &now)) {
		fail("timer %s (id %ld): timer_gettime: %m", name, (long)(intptr_t)t);
		return;
	}
	if (now.it_interval.tv_sec != iv || now.it_interval.tv_nsec ||
	    now.it_value.tv_sec >= left || now.it_value.tv_sec < left - 60)
		fail("timer %s: %lld.%09ld s left, interval %lld.%09ld; was %lld s, %lld s", name,
		     (long long)now.it_value.tv_sec, now.it_value.tv_nsec,
		     (long long)now.it_interval.tv_sec, now.it_interval.tv_nsec, (long long)left,
		     (long long)iv);
	if (timer_getoverrun(t) != 0)
		fail("timer %s: overrun %d", name, timer_getoverrun(t));
}

int main(int argc, char **argv)
{
	struct itimerspec soon = { { 0, 0 }, { 0, 10 * 1000 * 1000 } };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct sigaction sa;
	sigset_t set;
	pthread_t th;
	timer_t t0;

	test_init(argc, argv);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = rt_handler;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGRTMIN, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	/* SIGRTMIN only in the thread */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (test_thread_create(&th, thread_fn, NULL))
		setup_fail("pthread_create: %m");
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		test_futex_wait(&ready, 0, NULL);

	make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0, 0, 10, 0, &t0);
	make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0x1234, 0, 3600, 1800, &ta);
	make_timer(CLOCK_BOOTTIME, SIGEV_THREAD_ID, SIGRTMIN, 0xabcdef, thread_tid, 3600, 0, &tb);
	make_timer(CLOCK_REALTIME, SIGEV_NONE, 0, 0, 0, 7200, 1, &tc);
	if (timer_delete(t0))
		setup_fail("timer_delete: %m");
	test_msg("timers a %ld b %ld c %ld, thread %d", (long)(intptr_t)ta, (long)(intptr_t)tb,
		 (long)(intptr_t)tc, thread_tid);

	test_daemon();
	test_waitsig();

	check_timer("a", ta, 3600, 1800);
	check_timer("b", tb, 3600, 0);
	check_timer("c", tc, 7200, 1);
	if (timer_settime(tb, 0, &soon, NULL))
		fail("timer b: timer_settime: %m");
	for (int i = 0; i < 300 && !got_tid; i++)
		nanosleep(&tick, NULL);
	if (got_tid != thread_tid || got_code != SI_TIMER || got_value != 0xabcdef)
		fail("timer b: signal in tid %d (want %d), code %d, value %#lx", got_tid, thread_tid,
		     got_code, (unsigned long)got_value);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	test_futex_wake(&go, 1);
	pthread_join(th, NULL);
	pass();
	return 0;
}
