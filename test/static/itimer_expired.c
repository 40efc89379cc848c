/*
 * itimer_expired: ITIMER_REAL caught after its expiry, before its SIGALRM
 * was taken. The kernel re-arms a periodic ITIMER_REAL only when its SIGALRM
 * is dequeued, so until then getitimer() reads value 0 and the interval.
 * Made deterministic here:
 *
 *   main     SIGALRM blocked in every thread of the test, handler counting;
 *            ITIMER_REAL 1 ms then every 300 ms: it expires once, SIGALRM
 *            stays pending, the timer waits (value 0, interval 300 ms)
 *   child    SIGALRM ignored; ITIMER_REAL 1 ms then every hour: it
 *            expires, the signal is dropped, the timer waits for good
 *
 * After SIGTERM, main: getitimer still reads value 0 and interval 300 ms (a
 * restore that calls setitimer with value 0 disarms it: interval 0), SIGALRM
 * is pending; unblocked, its handler runs once, and the timer, re-armed by
 * that dequeue, brings another SIGALRM. The child: value 0 and interval
 * 1 h, and nothing pending: a SIGALRM made at restore and taken after it
 * would have re-armed the timer for an hour (value > 0).
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MAIN_IV_USEC	300000
#define CHILD_IV_SEC	3600	/* long: a wrong re-arm stays visible until the check */

static volatile int alrm_count;

static void alrm_handler(int sig)
{
	alrm_count++;
}

/* Until getitimer reads value 0: the timer has expired. */
static int wait_expired(void)
{
	struct timespec tick = { 0, 1000 * 1000 };
	struct itimerval it;

	for (int i = 0; i < 5000; i++) {
		if (getitimer(ITIMER_REAL, &it))
			return -1;
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			return 0;
		nanosleep(&tick, NULL);
	}
	errno = ETIME;
	return -1;
}

static int check_waiting(const char *who, long iv_sec, long iv_usec)
{
	struct itimerval it;

	if (getitimer(ITIMER_REAL, &it)) {
		fail("%s: getitimer: %m", who);
		return -1;
	}
	if (it.it_interval.tv_sec != iv_sec || it.it_interval.tv_usec != iv_usec ||
	    it.it_value.tv_sec || it.it_value.tv_usec) {
		fail("%s: ITIMER_REAL value %ld.%06ld interval %ld.%06ld, expected 0 and %ld.%06ld",
		     who, (long)it.it_value.tv_sec, (long)it.it_value.tv_usec,
		     (long)it.it_interval.tv_sec, (long)it.it_interval.tv_usec, iv_sec, iv_usec);
		return -1;
	}
	return 0;
}

static void child_main(void)
{
	struct itimerval it = { { CHILD_IV_SEC, 0 }, { 0, 1000 } };
	sigset_t pend;

	/* ignored and not blocked: the kernel drops it when the timer expires */
	signal(SIGALRM, SIG_IGN);
	sigemptyset(&pend);
	sigaddset(&pend, SIGALRM);
	sigprocmask(SIG_UNBLOCK, &pend, NULL);
	if (setitimer(ITIMER_REAL, &it, NULL) || wait_expired()) {
		fail("child: setitimer: %m");
		test_child_exit();
	}
	test_child_ready();
	test_waitsig();
	check_waiting("child", CHILD_IV_SEC, 0);
	sigemptyset(&pend);
	sigpending(&pend);
	if (sigismember(&pend, SIGALRM))
		fail("child: SIGALRM pending though ignored");
	test_child_exit();
}

int main(int argc, char **argv)
{
	struct itimerval it = { { 0, MAIN_IV_USEC }, { 0, 1000 } };
	struct timespec tick = { 0, 10 * 1000 * 1000 };
	struct test_child c;
	sigset_t set, pend;
	int n;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		setup_fail("sigprocmask: %m");
	signal(SIGALRM, alrm_handler);

	if (test_child_fork(&c) == 0)
		child_main();
	test_child_wait_ready(&c);

	if (setitimer(ITIMER_REAL, &it, NULL) || wait_expired())
		setup_fail("setitimer: %m");
	sigpending(&pend);
	if (!sigismember(&pend, SIGALRM))
		setup_fail("SIGALRM not pending after the expiry");

	test_daemon();
	test_waitsig();

	check_waiting("main", 0, MAIN_IV_USEC);
	sigemptyset(&pend);
	sigpending(&pend);
	if (!sigismember(&pend, SIGALRM))
		fail("main: SIGALRM no longer pending");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	/* the pending one at once, then the re-armed timer's next within 3 s */
	for (n = 0; n < 300 && alrm_count < 2; n++)
		nanosleep(&tick, NULL);
	if (alrm_count < 2)
		fail("main: %d SIGALRM after unblocking, expected the pending one and a next one",
		     alrm_count);
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);

	kill(c.pid, SIGTERM);
	if (test_child_collect(&c))
		fail("child failed");
	pass();
	return 0;
}
