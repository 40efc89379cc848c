/*
 * seccomp_refused: a thread with a seccomp filter of its own (not the
 * leader: the check is per thread). ckpt does not restore seccomp filters
 * yet, so the dump must fail with one line naming the pid, the tid and the
 * mode, before any syscall is injected into the task (a filter may kill on
 * one), and leave the task as it was: after SIGTERM the thread's filter
 * still answers getcpu() with errno 77, the leader still has none
 * (Seccomp: 0) and getcpu() works there.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define FILTER_ERRNO 77

static int ready, go;
static pid_t thread_tid;

static int install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getcpu, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | FILTER_ERRNO),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

/* getcpu() errno: 0 when it worked */
static int getcpu_errno(void)
{
	unsigned int cpu, node;

	return syscall(SYS_getcpu, &cpu, &node, NULL) ? errno : 0;
}

static int seccomp_mode(pid_t tid)
{
	char path[64], buf[4096], *p;
	FILE *f;
	int mode = -1;
	size_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, "\nSeccomp:");
	if (p)
		sscanf(p + 9, "%d", &mode);
	return mode;
}

static void *thread_fn(void *arg)
{
	thread_tid = test_gettid();
	if (install_filter())
		setup_fail("seccomp filter: %m");
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	test_futex_wake(&ready, 1);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		test_futex_wait(&go, 0, NULL);
	if (getcpu_errno() != FILTER_ERRNO)
		fail("thread: getcpu errno %d, the filter would give %d", getcpu_errno(), FILTER_ERRNO);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	test_init(argc, argv);
	if (test_thread_create(&t, thread_fn, NULL))
		setup_fail("pthread_create: %m");
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		test_futex_wait(&ready, 0, NULL);
	if (seccomp_mode(thread_tid) != 2 || seccomp_mode(test_gettid()) != 0)
		setup_fail("seccomp modes %d (thread) %d (main)", seccomp_mode(thread_tid),
			   seccomp_mode(test_gettid()));
	test_msg("filter in thread %d", thread_tid);

	test_daemon();
	test_waitsig();

	if (seccomp_mode(thread_tid) != 2)
		fail("thread %d: Seccomp %d, was 2", thread_tid, seccomp_mode(thread_tid));
	if (seccomp_mode(test_gettid()) != 0 || getcpu_errno())
		fail("main: Seccomp %d, getcpu errno %d", seccomp_mode(test_gettid()), getcpu_errno());
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	test_futex_wake(&go, 1);
	pthread_join(t, NULL);
	pass();
	return 0;
}
