/*
 * tree: a three-level process tree, two threads in every process.
 *
 *   root        session leader
 *   +- a        own process group
 *   |  +- a1    in a's group
 *   +- b        own session
 *      +- b1    own group in b's session
 *
 * Every process records its pid, ppid, pgid and sid, forks its children,
 * waits until they are ready and starts its second thread, which sleeps in
 * FUTEX_WAIT.
 * After SIGTERM (the runner signals the root, each process signals its
 * children) every process checks its ids, wakes its thread, which checks
 * its tid, and collects its children's verdicts over the verdict pipes
 * before it reports its own; the root writes PASS only when the whole tree
 * passed.
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define NR_THREADS 1	/* besides the main thread */
#define MAX_CHILDREN 2

struct ids {
	pid_t pid, ppid, pgid, sid;
};

struct thread {
	pthread_t t;
	pid_t tid;
	int ok;
};

static int stop_word;
static struct thread threads[NR_THREADS];
static const char *name = "root";

static void get_ids(struct ids *i)
{
	i->pid = getpid();
	i->ppid = getppid();
	i->pgid = getpgid(0);
	i->sid = getsid(0);
}

static void *thread_fn(void *arg)
{
	struct thread *t = arg;

	t->tid = test_gettid();
	while (!__atomic_load_n(&stop_word, __ATOMIC_ACQUIRE))
		test_futex_wait(&stop_word, 0, NULL);
	if (test_gettid() != t->tid)
		fail("%s: thread tid %d, was %d", name, test_gettid(), t->tid);
	else
		t->ok = 1;
	return NULL;
}

static void start_threads(void)
{
	int i;

	for (i = 0; i < NR_THREADS; i++)
		if (test_thread_create(&threads[i].t, thread_fn, &threads[i]))
			setup_fail("%s: pthread_create: %m", name);
	for (i = 0; i < NR_THREADS; i++) {
		while (!__atomic_load_n(&threads[i].tid, __ATOMIC_ACQUIRE))
			sched_yield();
		if (test_wait_in_syscall(threads[i].tid, SYS_futex, 5000))
			setup_fail("%s: thread %d not in futex: %m", name, threads[i].tid);
	}
}

static void stop_threads(void)
{
	int i;

	__atomic_store_n(&stop_word, 1, __ATOMIC_RELEASE);
	test_futex_wake(&stop_word, NR_THREADS);
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(threads[i].t, NULL);
		if (!threads[i].ok)
			fail("%s: thread %d failed", name, threads[i].tid);
	}
}

static void check_ids(const struct ids *was)
{
	struct ids now;

	get_ids(&now);
	/* the root's parent was the launcher of test_init(), gone since ready */
	if (!strcmp(name, "root"))
		now.ppid = was->ppid;
	if (now.pid != was->pid || now.ppid != was->ppid || now.pgid != was->pgid ||
	    now.sid != was->sid)
		fail("%s: pid/ppid/pgid/sid %d/%d/%d/%d, were %d/%d/%d/%d", name, now.pid,
		     now.ppid, now.pgid, now.sid, was->pid, was->ppid, was->pgid, was->sid);
}

/* The life of one process of the tree; level 0 is the root. */
static void run_node(int level)
{
	struct test_child kids[MAX_CHILDREN];
	int nr_kids = level == 0 ? 2 : level == 1 ? 1 : 0;
	struct ids me;
	int i;

	for (i = 0; i < nr_kids; i++) {
		if (test_child_fork(&kids[i]) == 0) {
			/* the child: put it where the tree above says */
			if (level == 0 && i == 0) {
				name = "a";
				if (setpgid(0, 0))
					setup_fail("a: setpgid: %m");
			} else if (level == 0) {
				name = "b";
				if (setsid() < 0)
					setup_fail("b: setsid: %m");
			} else {
				name = name[0] == 'a' ? "a1" : "b1";
				if (name[0] == 'b' && setpgid(0, 0))
					setup_fail("b1: setpgid: %m");
			}
			run_node(level + 1);
			return;	/* not reached */
		}
	}

	get_ids(&me);
	for (i = 0; i < nr_kids; i++)
		test_child_wait_ready(&kids[i]);
	start_threads();
	test_msg("%s: pid %d ppid %d pgid %d sid %d", name, me.pid, me.ppid, me.pgid, me.sid);

	if (level == 0)
		test_daemon();
	else
		test_child_ready();

	test_waitsig();

	for (i = 0; i < nr_kids; i++)
		if (kill(kids[i].pid, SIGTERM))
			fail("%s: kill child %d: %m", name, kids[i].pid);
	check_ids(&me);
	stop_threads();
	for (i = 0; i < nr_kids; i++)
		test_child_collect(&kids[i]);

	if (level == 0)
		pass();
	else
		test_child_exit();
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	run_node(0);
	return 0;
}
