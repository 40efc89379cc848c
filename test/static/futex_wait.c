/*
 * futex_wait: two threads sleep in FUTEX_WAIT on the same word while the
 * process is dumped, one without a timeout, one with a relative 1 h timeout
 * (resumed through restart_syscall after an interruption).
 *
 * After SIGTERM the main thread checks that both still sleep in futex(),
 * sets the word and wakes them: FUTEX_WAKE must report both woken, each must
 * return 0 and see the new value, without a timeout. Spurious returns while
 * the word was still 0 are allowed by futex(2); they are counted and logged.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <time.h>

#include "zdtmtst.h"

#define NR_WAITERS 2

struct waiter {
	pthread_t t;
	int timed;
	volatile pid_t tid;
	int spurious;
	int ok;
};

static int word;
static struct waiter waiters[NR_WAITERS];

static void *waiter_fn(void *arg)
{
	struct waiter *w = arg;
	struct timespec hour = { 3600, 0 };

	w->tid = test_gettid();
	for (;;) {
		long r = test_futex_wait(&word, 0, w->timed ? &hour : NULL);
		int val = __atomic_load_n(&word, __ATOMIC_ACQUIRE);

		if (r == 0 && val == 1)
			break;
		if (r < 0 && errno == ETIMEDOUT) {
			fail("waiter %d: FUTEX_WAIT timed out", w->tid);
			return NULL;
		}
		if (r < 0 && errno != EAGAIN && errno != EINTR) {
			fail("waiter %d: FUTEX_WAIT: %m", w->tid);
			return NULL;
		}
		if (val == 1)	/* woken between the syscall and the load */
			break;
		w->spurious++;
	}
	if (test_gettid() != w->tid)
		fail("waiter: tid %d, was %d", test_gettid(), w->tid);
	else
		w->ok = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	long woken;
	int i;

	test_init(argc, argv);
	for (i = 0; i < NR_WAITERS; i++) {
		waiters[i].timed = i;
		if (test_thread_create(&waiters[i].t, waiter_fn, &waiters[i]))
			setup_fail("pthread_create: %m");
	}
	for (i = 0; i < NR_WAITERS; i++) {
		while (!waiters[i].tid)
			sched_yield();
		if (test_wait_in_syscall(waiters[i].tid, SYS_futex, 5000))
			setup_fail("thread %d not in futex: %m", waiters[i].tid);
	}
	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_WAITERS; i++)
		if (test_wait_in_syscall(waiters[i].tid, SYS_futex, 2000))
			fail("waiter %d (timed %d) no longer sleeps in futex()", waiters[i].tid,
			     waiters[i].timed);
	__atomic_store_n(&word, 1, __ATOMIC_RELEASE);
	woken = test_futex_wake(&word, NR_WAITERS);
	if (woken != NR_WAITERS)
		fail("FUTEX_WAKE woke %ld waiters, expected %d", woken, NR_WAITERS);
	for (i = 0; i < NR_WAITERS; i++) {
		pthread_join(waiters[i].t, NULL);
		if (waiters[i].spurious)
			test_msg("waiter %d: %d spurious wakeups", waiters[i].tid,
				 waiters[i].spurious);
		if (!waiters[i].ok)
			fail("waiter %d failed", waiters[i].tid);
	}
	pass();
	return 0;
}
