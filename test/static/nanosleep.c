/*
 * nanosleep: a thread sleeps in nanosleep(2) in 5 s steps while dumped.
 *
 * Every sleep is timed with CLOCK_MONOTONIC: it must not end before the
 * requested 5 s (a dump must neither cut a sleep short nor make it return
 * 0 early). EINTR would be legal only if a signal were delivered to the
 * thread, and it blocks them all: it is counted and the sleep is resumed
 * with the remaining time, the total still has to reach 5 s. After SIGTERM
 * the main thread lets the current sleep finish, so the one that spanned the
 * dump is checked too.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SLEEP_SEC 5

static volatile int stop;
static volatile pid_t tid;
static int sleeps, eintrs;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *sleeper(void *arg)
{
	sigset_t all;

	(void)arg;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	tid = test_gettid();
	while (!stop) {
		struct timespec req = { SLEEP_SEC, 0 }, rem;
		int64_t start = now_ns(), took;

		while (syscall(SYS_nanosleep, &req, &rem)) {
			if (errno != EINTR) {
				fail("nanosleep: %m");
				return NULL;
			}
			eintrs++;
			req = rem;
		}
		took = now_ns() - start;
		sleeps++;
		if (took < SLEEP_SEC * 1000000000LL) {
			fail("nanosleep(%ds) returned after %lld ns", SLEEP_SEC, (long long)took);
			return NULL;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	test_init(argc, argv);
	if (test_thread_create(&t, sleeper, NULL))
		setup_fail("pthread_create: %m");
	while (!tid)
		sched_yield();
	if (test_wait_in_syscall(tid, SYS_nanosleep, 5000))
		setup_fail("thread %d not in nanosleep: %m", tid);
	test_daemon();
	test_waitsig();

	stop = 1;
	pthread_join(t, NULL);
	test_msg("%d sleeps, %d EINTR", sleeps, eintrs);
	if (sleeps < 1)
		fail("no sleep completed");
	pass();
	return 0;
}
