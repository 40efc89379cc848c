/*
 * posix_timer_pending: a POSIX timer whose signal is pending (SIGUSR2,
 * blocked, the timer expired once). The kernel ties that queued signal to
 * the timer, which a restore cannot make again: the dump must fail with one
 * line naming the pid, and leave the task as it was: after SIGTERM SIGUSR2
 * is still pending, and taken with sigwaitinfo it is SI_TIMER of our timer
 * with our value.
 */
#include <signal.h>
#include <string.h>
#include <time.h>

#include "zdtmtst.h"

int main(int argc, char **argv)
{
	struct sigevent sev;
	struct itimerspec its = { { 0, 0 }, { 0, 1000 * 1000 } };
	struct timespec tick = { 0, 1000 * 1000 };
	sigset_t set, pend;
	siginfo_t si;
	timer_t t;
	int i;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGUSR2;
	sev.sigev_value.sival_int = 4711;
	if (timer_create(CLOCK_MONOTONIC, &sev, &t) || timer_settime(t, 0, &its, NULL))
		setup_fail("timer: %m");
	for (i = 0; i < 5000; i++) {
		sigpending(&pend);
		if (sigismember(&pend, SIGUSR2))
			break;
		nanosleep(&tick, NULL);
	}
	if (!sigismember(&pend, SIGUSR2))
		setup_fail("the timer's signal did not come");

	test_daemon();
	test_waitsig();

	sigpending(&pend);
	if (!sigismember(&pend, SIGUSR2))
		fail("SIGUSR2 no longer pending");
	else if (sigwaitinfo(&set, &si) != SIGUSR2)
		fail("sigwaitinfo: %m");
	else if (si.si_code != SI_TIMER || si.si_value.sival_int != 4711 ||
		 si.si_timerid != (int)(intptr_t)t)
		fail("SIGUSR2: code %d value %d timer %d", si.si_code, si.si_value.sival_int,
		     si.si_timerid);
	pass();
	return 0;
}
