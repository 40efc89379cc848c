/*
 * zombie_stopped: children in the states a dump must hand back unchanged.
 *
 *   z_exit   exited with status 42, not reaped (zombie)
 *   z_sig    killed by SIGUSR2, not reaped (zombie)
 *   stopped  stopped by SIGSTOP; its stop was observed with WNOWAIT only, so
 *            the stop report is still there to be seen
 *
 * After SIGTERM: the zombies are still zombies ('Z'), waitpid() reaps them
 * with exit status 42 and SIGUSR2. The stopped child is still 'T' and still
 * reports CLD_STOPPED/SIGSTOP to waitid(WSTOPPED|WNOWAIT); SIGCONT must then
 * report CLD_CONTINUED, and after SIGTERM it exits 0.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static pid_t make_zombie(int how)
{
	pid_t pid = test_fork();
	siginfo_t si;

	if (pid < 0)
		setup_fail("fork: %m");
	if (pid == 0) {
		if (how == 0)
			_exit(42);
		signal(SIGUSR2, SIG_DFL);
		kill(getpid(), SIGUSR2);
		_exit(1);
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT))
		setup_fail("waitid zombie %d: %m", pid);
	return pid;
}

static int wait_state(pid_t pid, char want)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000; i++) {
		if (test_task_state(pid) == want)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

static void check_zombie(pid_t pid, int how)
{
	int status;
	char st = test_task_state(pid);

	if (st != 'Z')
		fail("zombie %d: state '%c'", pid, st ? st : '?');
	if (waitpid(pid, &status, WNOHANG) != pid) {
		fail("zombie %d: waitpid: not reapable (%m)", pid);
		return;
	}
	if (how == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 42))
		fail("zombie %d: status 0x%x, expected exit 42", pid, status);
	if (how == 1 && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR2))
		fail("zombie %d: status 0x%x, expected killed by SIGUSR2", pid, status);
}

static void check_stopped(pid_t pid)
{
	siginfo_t si;
	int status;
	char st = test_task_state(pid);

	if (st != 'T')
		fail("stopped child %d: state '%c'", pid, st ? st : '?');
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WSTOPPED | WNOHANG | WNOWAIT))
		fail("stopped child %d: waitid: %m", pid);
	else if (si.si_pid != pid || si.si_code != CLD_STOPPED || si.si_status != SIGSTOP)
		fail("stopped child %d: waitid reports pid %d code %d status %d", pid, si.si_pid,
		     si.si_code, si.si_status);

	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WCONTINUED))
		fail("stopped child %d: waitid(WCONTINUED): %m", pid);
	else if (si.si_code != CLD_CONTINUED)
		fail("stopped child %d: continue reported code %d", pid, si.si_code);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		fail("stopped child %d: waitpid: %m", pid);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("stopped child %d: status 0x%x after SIGCONT+SIGTERM", pid, status);
}

int main(int argc, char **argv)
{
	pid_t z_exit, z_sig, stopped;
	siginfo_t si;

	test_init(argc, argv);
	z_exit = make_zombie(0);
	z_sig = make_zombie(1);

	stopped = test_fork();
	if (stopped < 0)
		setup_fail("fork: %m");
	if (stopped == 0) {
		test_waitsig();
		_exit(0);
	}
	if (kill(stopped, SIGSTOP))
		setup_fail("SIGSTOP: %m");
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, stopped, &si, WSTOPPED | WNOWAIT) || si.si_code != CLD_STOPPED)
		setup_fail("child %d did not stop: %m", stopped);
	if (wait_state(stopped, 'T'))
		setup_fail("child %d: state not T", stopped);
	test_msg("zombies %d %d, stopped %d", z_exit, z_sig, stopped);

	test_daemon();
	test_waitsig();

	check_zombie(z_exit, 0);
	check_zombie(z_sig, 1);
	check_stopped(stopped);
	pass();
	return 0;
}
