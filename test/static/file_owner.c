/*
 * file_owner: the owner and signal of fds (F_SETOWN, F_SETOWN_EX,
 * F_SETSIG) are what they were, and they work.
 *
 *   p[0]  a pipe's read end, O_ASYNC, owner this process (F_OWNER_PID),
 *         F_SETSIG SIGRTMIN+2: after restore a write into the pipe must
 *         bring SIGRTMIN+2 with si_fd == p[0] and si_code POLL_IN
 *   grp   a file, F_SETOWN(-pgrp): F_OWNER_PGRP of our process group
 *   thr   a file, F_SETOWN_EX F_OWNER_TID of our second thread, signal SIGUSR2
 *   kid   a file, F_SETOWN(child pid): owned by our child (in the tree)
 *
 * F_GETOWN_EX and F_GETSIG of each are compared with their values before the dump.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { P_RD, GRP, THR, KID, NR };
static int fds[NR];
static struct f_owner_ex own[NR];
static int sig[NR];
static const char *names[NR] = { "pipe", "pgrp", "tid", "child" };
static pid_t thread_tid;
static int thread_go;

static void *thread_fn(void *arg)
{
	(void)arg;
	__atomic_store_n(&thread_tid, test_gettid(), __ATOMIC_SEQ_CST);
	test_futex_wake((int *)&thread_tid, 1);
	while (!__atomic_load_n(&thread_go, __ATOMIC_SEQ_CST))
		test_futex_wait(&thread_go, 0, NULL);
	return NULL;
}

static void set_owner(int i, int type, pid_t pid, int signum)
{
	struct f_owner_ex o = { .type = type, .pid = pid };

	if (fcntl(fds[i], F_SETOWN_EX, &o) || (signum && fcntl(fds[i], F_SETSIG, signum)))
		setup_fail("%s: F_SETOWN_EX/F_SETSIG: %m", names[i]);
	if (fcntl(fds[i], F_GETOWN_EX, &own[i]))
		setup_fail("%s: F_GETOWN_EX: %m", names[i]);
	sig[i] = fcntl(fds[i], F_GETSIG);
}

static int open_file(const char *name)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", test_dir(), name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", path);
	unlink(path);	/* a ghost: nothing to clean up */
	return fd;
}

int main(int argc, char **argv)
{
	struct timespec ts = { 10, 0 };
	struct test_child c;
	pthread_t th;
	siginfo_t si;
	sigset_t set;
	int p[2];

	test_init(argc, argv);
	if (test_child_fork(&c) == 0) {
		test_child_ready();
		test_waitsig();
		test_child_exit();
	}
	test_child_wait_ready(&c);
	/* blocked in both threads (the thread inherits it): taken by sigtimedwait only */
	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN + 2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (test_thread_create(&th, thread_fn, NULL))
		setup_fail("pthread_create");
	while (!__atomic_load_n(&thread_tid, __ATOMIC_SEQ_CST))
		test_futex_wait((int *)&thread_tid, 0, NULL);

	if (pipe2(p, O_CLOEXEC))
		setup_fail("pipe: %m");
	fds[P_RD] = p[0];
	if (fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK))
		setup_fail("O_ASYNC: %m");
	set_owner(P_RD, F_OWNER_PID, getpid(), SIGRTMIN + 2);
	fds[GRP] = open_file("grp");
	if (fcntl(fds[GRP], F_SETOWN, -getpgrp()))
		setup_fail("F_SETOWN -pgrp: %m");
	set_owner(GRP, F_OWNER_PGRP, getpgrp(), 0);
	fds[THR] = open_file("thr");
	set_owner(THR, F_OWNER_TID, thread_tid, SIGUSR2);
	fds[KID] = open_file("kid");
	set_owner(KID, F_OWNER_PID, c.pid, 0);
	if (own[GRP].type != F_OWNER_PGRP || own[THR].type != F_OWNER_TID)
		setup_fail("owner types not as set");

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++) {
		struct f_owner_ex o;
		int s = fcntl(fds[i], F_GETSIG);

		if (fcntl(fds[i], F_GETOWN_EX, &o))
			fail("%s: F_GETOWN_EX: %m", names[i]);
		else if (o.type != own[i].type || o.pid != own[i].pid)
			fail("%s: owner type %d pid %d, was type %d pid %d", names[i], o.type, o.pid,
			     own[i].type, own[i].pid);
		if (s != sig[i])
			fail("%s: F_GETSIG %d, was %d", names[i], s, sig[i]);
	}
	/* the owner gets its signal when data comes */
	if (write(p[1], "x", 1) != 1)
		fail("write into the pipe: %m");
	if (sigtimedwait(&set, &si, &ts) != SIGRTMIN + 2)
		fail("no SIGRTMIN+2 from the O_ASYNC pipe within 10 s: %m");
	else if (si.si_fd != p[0] || si.si_code != POLL_IN)
		fail("SIGRTMIN+2 with si_fd %d si_code %d, expected %d %d", si.si_fd, si.si_code,
		     p[0], POLL_IN);

	__atomic_store_n(&thread_go, 1, __ATOMIC_SEQ_CST);
	test_futex_wake(&thread_go, 1);
	pthread_join(th, NULL);
	kill(c.pid, SIGTERM);
	test_child_collect(&c);
	pass();
	return 0;
}
