/*
 * sig_noinfo: a pending signal the kernel keeps without its siginfo.
 *
 * Past RLIMIT_SIGPENDING a standard signal sent with a negative si_code
 * (tgkill: SI_TKILL) is still made pending, but with no queue entry: its
 * siginfo is lost and PTRACE_PEEKSIGINFO does not list it; only the pending
 * mask has it. The test blocks SIGUSR1 and SIGWINCH, lowers its
 * RLIMIT_SIGPENDING to 0, sends SIGUSR1 to its thread with tgkill (pending
 * without an entry) and SIGWINCH to itself with kill() (SI_USER: queued
 * whatever the limit, the control case). After SIGTERM both must still be
 * pending, each where it was (/proc/thread-self/status SigPnd and ShdPnd),
 * and sigtimedwait() must return each once.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

/* SigPnd (thread) and ShdPnd (process) of /proc/self/status */
static int pending_masks(unsigned long long *thread, unsigned long long *shared)
{
	char line[256];
	FILE *f = fopen("/proc/thread-self/status", "re");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		n += sscanf(line, "SigPnd: %llx", thread);
		n += sscanf(line, "ShdPnd: %llx", shared);
	}
	fclose(f);
	return n == 2 ? 0 : -1;
}

#define BIT(sig) (1ULL << ((sig) - 1))

int main(int argc, char **argv)
{
	struct rlimit rl = { 0, 0 };
	struct timespec zero = { 0, 0 };
	unsigned long long thr, shd;
	sigset_t set, one;
	int r;

	test_init(argc, argv);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		setup_fail("sigprocmask: %m");
	if (getrlimit(RLIMIT_SIGPENDING, &rl))
		setup_fail("getrlimit: %m");
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_SIGPENDING, &rl))
		setup_fail("setrlimit: %m");
	if (kill(getpid(), SIGWINCH) || syscall(SYS_tgkill, getpid(), test_gettid(), SIGUSR1))
		setup_fail("kill: %m");
	if (pending_masks(&thr, &shd) || thr != BIT(SIGUSR1) || shd != BIT(SIGWINCH))
		setup_fail("pending: thread %llx process %llx", thr, shd);

	test_daemon();
	test_waitsig();

	if (pending_masks(&thr, &shd))
		fail("/proc/thread-self/status: %m");
	else if (thr != BIT(SIGUSR1) || shd != BIT(SIGWINCH))
		fail("pending: thread %#llx process %#llx, were %#llx %#llx", thr, shd,
		     BIT(SIGUSR1), BIT(SIGWINCH));
	sigemptyset(&one);
	sigaddset(&one, SIGUSR1);
	if ((r = sigtimedwait(&one, NULL, &zero)) != SIGUSR1)
		fail("SIGUSR1: sigtimedwait %d: %m", r);
	sigemptyset(&one);
	sigaddset(&one, SIGWINCH);
	if ((r = sigtimedwait(&one, NULL, &zero)) != SIGWINCH)
		fail("SIGWINCH: sigtimedwait %d: %m", r);
	if ((r = sigtimedwait(&set, NULL, &zero)) >= 0)
		fail("signal %d pending a second time", r);
	pass();
	return 0;
}
