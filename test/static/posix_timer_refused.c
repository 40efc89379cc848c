/*
 * posix_timer_refused: a POSIX timer (timer_create), which ckpt does not
 * restore yet: CLOCK_MONOTONIC, SIGEV_SIGNAL with SIGUSR1, armed for an
 * hour. The dump must fail with one line naming the pid and the timer, and
 * leave the task as it was: after SIGTERM the timer is still armed (its
 * remaining time is below an hour, above 59 minutes), its interval still
 * 30 minutes.
 */
#include <signal.h>
#include <time.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1 };
	struct itimerspec its = { { 1800, 0 }, { 3600, 0 } }, now;
	timer_t t;

	test_init(argc, argv);
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) || timer_settime(t, 0, &its, NULL))
		setup_fail("timer: %m");

	test_daemon();
	test_waitsig();

	if (timer_gettime(t, &now))
		fail("timer_gettime: %m");
	else if (now.it_value.tv_sec >= 3600 || now.it_value.tv_sec < 3540 ||
		 now.it_interval.tv_sec != 1800 || now.it_interval.tv_nsec)
		fail("timer: %lld s left, interval %lld.%09ld", (long long)now.it_value.tv_sec,
		     (long long)now.it_interval.tv_sec, now.it_interval.tv_nsec);
	pass();
	return 0;
}
