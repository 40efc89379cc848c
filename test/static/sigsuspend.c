/*
 * sigsuspend: the main thread sleeps in sigsuspend() while dumped, with
 * signals pending that it keeps blocked.
 *
 * Before the dump: SIGUSR1/SIGUSR2/SIGRTMIN+3 and SIGTERM are blocked,
 * SIGUSR2 is sent and two SIGRTMIN+3 are queued with values 42 and 43; then
 * sigsuspend() with only SIGTERM unblocked. A return from sigsuspend() with
 * no handler run is an invented wakeup and fails the test.
 *
 * After SIGTERM: the pending set must be exactly {SIGUSR2, SIGRTMIN+3}.
 * The test sends itself SIGUSR1, sigsuspend()s with SIGUSR1 open: its handler
 * must run exactly once, and never before. Then the pending signals are
 * fetched with sigwaitinfo(): SIGUSR2 from this pid (SI_USER), the two RT
 * signals in order with their values (SI_QUEUE), and nothing else.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SIGRT (SIGRTMIN + 3)

static volatile sig_atomic_t usr1_count;

static void usr1_handler(int sig)
{
	(void)sig;
	usr1_count++;
}

static void check_siginfo(const sigset_t *set, int signo, int code, int value)
{
	struct timespec zero = { 0, 0 };
	siginfo_t si;
	int r;

	memset(&si, 0, sizeof(si));
	r = sigtimedwait(set, &si, &zero);
	if (r != signo) {
		fail("sigtimedwait: got %d (%m), expected signal %d", r, signo);
		return;
	}
	if (si.si_code != code || si.si_pid != getpid())
		fail("signal %d: si_code %d si_pid %d, expected %d from %d", signo, si.si_code,
		     si.si_pid, code, getpid());
	if (code == SI_QUEUE && si.si_value.sival_int != value)
		fail("signal %d: value %d, expected %d", signo, si.si_value.sival_int, value);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = usr1_handler };
	struct timespec zero = { 0, 0 }, tick = { 0, 50 * 1000 * 1000 };
	sigset_t blocked, suspend_mask, pending, rest;
	union sigval v;

	test_init(argc, argv);

	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGUSR2);
	sigaddset(&blocked, SIGRT);
	sigaddset(&blocked, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &blocked, NULL))
		setup_fail("sigprocmask: %m");
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		setup_fail("sigaction: %m");

	if (kill(getpid(), SIGUSR2))
		setup_fail("kill: %m");
	v.sival_int = 42;
	if (sigqueue(getpid(), SIGRT, v))
		setup_fail("sigqueue: %m");
	v.sival_int = 43;
	if (sigqueue(getpid(), SIGRT, v))
		setup_fail("sigqueue: %m");

	suspend_mask = blocked;
	sigdelset(&suspend_mask, SIGTERM);

	test_daemon();

	while (test_go()) {
		int r = sigsuspend(&suspend_mask);

		if (r != -1 || errno != EINTR) {
			fail("sigsuspend returned %d: %m", r);
			break;
		}
		if (test_go()) {
			fail("sigsuspend returned without a signal handled");
			break;
		}
	}
	if (usr1_count)
		fail("SIGUSR1 handler ran %d times before it was sent", (int)usr1_count);

	if (sigpending(&pending))
		fail("sigpending: %m");
	if (sigismember(&pending, SIGUSR1) || !sigismember(&pending, SIGUSR2) ||
	    !sigismember(&pending, SIGRT))
		fail("pending after dump: USR1 %d USR2 %d RT %d, expected 0 1 1",
		     sigismember(&pending, SIGUSR1), sigismember(&pending, SIGUSR2),
		     sigismember(&pending, SIGRT));

	/* the one SIGUSR1 of this test */
	if (kill(getpid(), SIGUSR1))
		fail("kill: %m");
	suspend_mask = blocked;
	sigdelset(&suspend_mask, SIGUSR1);
	if (sigsuspend(&suspend_mask) != -1 || errno != EINTR)
		fail("sigsuspend for SIGUSR1: %m");
	if (usr1_count != 1)
		fail("SIGUSR1 handler ran %d times, expected 1", (int)usr1_count);
	sigemptyset(&rest);
	sigaddset(&rest, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &rest, NULL);
	nanosleep(&tick, NULL);
	if (usr1_count != 1)
		fail("SIGUSR1 handler ran %d times after unblocking", (int)usr1_count);

	sigemptyset(&rest);
	sigaddset(&rest, SIGUSR2);
	check_siginfo(&rest, SIGUSR2, SI_USER, 0);
	sigemptyset(&rest);
	sigaddset(&rest, SIGRT);
	check_siginfo(&rest, SIGRT, SI_QUEUE, 42);
	check_siginfo(&rest, SIGRT, SI_QUEUE, 43);

	sigfillset(&rest);
	sigdelset(&rest, SIGKILL);
	sigdelset(&rest, SIGSTOP);
	sigdelset(&rest, SIGTERM);
	{
		int r = sigtimedwait(&rest, NULL, &zero);

		if (r >= 0)
			fail("unexpected pending signal %d", r);
	}
	pass();
	return 0;
}
