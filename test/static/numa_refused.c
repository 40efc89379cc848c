/*
 * numa_refused: NUMA memory policies (set_mempolicy), which ckpt does not
 * restore yet: the leader (read by the parasite) prefers node 0, a second
 * thread (read by an injected get_mempolicy) binds to node 0. Built as
 * numa_thread_refused (NUMA_THREAD_ONLY) only the second thread has one. The
 * dump must fail with
 * one line naming the pid, the tid and the mode, and leave the task as it
 * was: after SIGTERM each thread's get_mempolicy() reads what it set.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MPOL_DEFAULT_	0
#define MPOL_PREFERRED_	1
#define MPOL_BIND_	2

static int ready, go, thread_mode = -1;

static int set_policy(int mode)
{
	unsigned long node0 = 1;

	return (int)syscall(SYS_set_mempolicy, mode, &node0, 64);
}

static int get_policy(void)
{
	int mode = -1;

	return syscall(SYS_get_mempolicy, &mode, NULL, 0, NULL, 0) ? -errno : mode;
}

static void *thread_fn(void *arg)
{
	if (set_policy(MPOL_BIND_))
		setup_fail("thread: set_mempolicy: %m");
	__atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
	test_futex_wake(&ready, 1);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		test_futex_wait(&go, 0, NULL);
	thread_mode = get_policy();
	return NULL;
}

int main(int argc, char **argv)
{
	int want_main;
	pthread_t t;

	test_init(argc, argv);
#ifdef NUMA_THREAD_ONLY
	want_main = MPOL_DEFAULT_;
#else
	want_main = MPOL_PREFERRED_;
#endif
	if (want_main != MPOL_DEFAULT_ && set_policy(want_main))
		setup_fail("set_mempolicy: %m");
	if (test_thread_create(&t, thread_fn, NULL))
		setup_fail("pthread_create: %m");
	while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
		test_futex_wait(&ready, 0, NULL);

	test_daemon();
	test_waitsig();

	if (get_policy() != want_main)
		fail("main: policy %d, was %d", get_policy(), want_main);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	test_futex_wake(&go, 1);
	pthread_join(t, NULL);
	if (thread_mode != MPOL_BIND_)
		fail("thread: policy %d, was %d", thread_mode, MPOL_BIND_);
	pass();
	return 0;
}
