/*
 * stop_zombie_ids: how a child stopped and what group a zombie is in.
 *
 *   tstp     a child in its own process group (not orphaned: we are in the
 *            same session, in another group) stopped by SIGTSTP
 *   ttin     the same, stopped by SIGTTIN
 *   z_grp    a zombie that had made its own process group (exit 7)
 *   z_sess   a zombie that had made its own session (exit 9)
 *
 * After SIGTERM: tstp and ttin are still 'T' and waitid(WSTOPPED|WNOWAIT)
 * reports each one's own stop signal (a restore that stops every task with
 * SIGSTOP fails here); SIGCONT continues them. The zombies have the same
 * pgid and sid in /proc/PID/stat as before, and waitpid(-pgid) reaps z_grp
 * with status 7 (a zombie in our group would not be found by it).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static int read_ids(pid_t pid, int *pgid, int *sid)
{
	char path[64], buf[512], *p;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %d %d", pgid, sid) != 2)
		return -1;
	return 0;
}

static int wait_state(pid_t pid, char want)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };

	for (int i = 0; i < 2000; i++) {
		if (test_task_state(pid) == want)
			return 0;
		nanosleep(&tick, NULL);
	}
	return -1;
}

static pid_t make_stopped(int sig)
{
	siginfo_t si;
	pid_t pid = test_fork();

	if (pid < 0)
		setup_fail("fork: %m");
	if (pid == 0) {
		if (setpgid(0, 0))
			_exit(2);
		signal(sig, SIG_DFL);
		test_waitsig();
		_exit(0);
	}
	/* both sides set the group: no race with our kill */
	setpgid(pid, pid);
	if (kill(pid, sig))
		setup_fail("kill %d: %m", sig);
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WSTOPPED | WNOWAIT) || si.si_code != CLD_STOPPED ||
	    si.si_status != sig)
		setup_fail("child %d did not stop by %d: code %d status %d (%m)", pid, sig, si.si_code,
			   si.si_status);
	if (wait_state(pid, 'T'))
		setup_fail("child %d: state not T", pid);
	return pid;
}

static pid_t make_zombie(bool session, int code)
{
	siginfo_t si;
	pid_t pid = test_fork();

	if (pid < 0)
		setup_fail("fork: %m");
	if (pid == 0) {
		if (session ? setsid() < 0 : setpgid(0, 0) != 0)
			_exit(100);
		_exit(code);
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WEXITED | WNOWAIT) || si.si_status != code)
		setup_fail("zombie %d: status %d (%m)", pid, si.si_status);
	return pid;
}

static void check_stopped(pid_t pid, int sig)
{
	siginfo_t si;
	int status;
	char st = test_task_state(pid);

	if (st != 'T')
		fail("stopped child %d: state '%c'", pid, st ? st : '?');
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, WSTOPPED | WNOHANG | WNOWAIT))
		fail("stopped child %d: waitid: %m", pid);
	else if (si.si_pid != pid || si.si_code != CLD_STOPPED || si.si_status != sig)
		fail("stopped child %d: waitid reports pid %d code %d status %d, expected stop by %d",
		     pid, si.si_pid, si.si_code, si.si_status, sig);
	kill(pid, SIGCONT);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid)
		fail("stopped child %d: waitpid: %m", pid);
	else if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail("stopped child %d: status 0x%x after SIGCONT+SIGTERM", pid, status);
}

static void check_zombie(pid_t pid, int pgid, int sid, int code, bool by_group)
{
	int g = -1, s = -1, status;
	pid_t r;

	if (test_task_state(pid) != 'Z')
		fail("zombie %d: state '%c'", pid, test_task_state(pid));
	if (read_ids(pid, &g, &s))
		fail("zombie %d: cannot read its stat", pid);
	else if (g != pgid || s != sid)
		fail("zombie %d: pgid %d sid %d, was %d %d", pid, g, s, pgid, sid);
	r = waitpid(by_group ? -pgid : pid, &status, WNOHANG);
	if (r != pid)
		fail("zombie %d: waitpid(%d) returned %d (%m)", pid, by_group ? -pgid : pid, r);
	else if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
		fail("zombie %d: status 0x%x, expected exit %d", pid, status, code);
}

int main(int argc, char **argv)
{
	int zg_pgid, zg_sid, zs_pgid, zs_sid;
	pid_t tstp, ttin, z_grp, z_sess;

	test_init(argc, argv);
	tstp = make_stopped(SIGTSTP);
	ttin = make_stopped(SIGTTIN);
	z_grp = make_zombie(false, 7);
	z_sess = make_zombie(true, 9);
	if (read_ids(z_grp, &zg_pgid, &zg_sid) || read_ids(z_sess, &zs_pgid, &zs_sid))
		setup_fail("read zombie ids: %m");
	if (zg_pgid != z_grp || zs_sid != z_sess)
		setup_fail("zombies: pgid %d (pid %d), sid %d (pid %d)", zg_pgid, z_grp, zs_sid, z_sess);
	test_msg("stopped %d (TSTP) %d (TTIN), zombies %d (group) %d (session)", tstp, ttin, z_grp,
		 z_sess);

	test_daemon();
	test_waitsig();

	check_zombie(z_grp, zg_pgid, zg_sid, 7, true);
	check_zombie(z_sess, zs_pgid, zs_sid, 9, false);
	check_stopped(tstp, SIGTSTP);
	check_stopped(ttin, SIGTTIN);
	pass();
	return 0;
}
