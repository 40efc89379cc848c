/*
 * task_sched: scheduling and process settings, per thread where the kernel
 * keeps them per thread.
 *
 *   main     nice 5, affinity CPU 0 alone, timer slack 123456 ns,
 *            name "ts-main"
 *   t_fifo   SCHED_FIFO priority 7 with SCHED_FLAG_RESET_ON_FORK, its own
 *            nice 3 under it, affinity the last CPU, name "ts-fifo"
 *   t_batch  SCHED_BATCH nice 11, timer slack 777777 ns, name "ts-batch"
 *   process  oom_score_adj 321, PR_SET_CHILD_SUBREAPER, PR_SET_THP_DISABLE
 *   child    a child A with a child B: after restore A is killed, and its
 *            orphan B must come to us (the subreaper), not to init or the
 *            runner: the restored A must know an ancestor is a subreaper
 *
 * After SIGTERM each thread reads its own values back (sched_getattr,
 * sched_getaffinity, PR_GET_TIMERSLACK, PR_GET_NAME) and compares them with
 * what it read before the dump; main reads /proc/self/oom_score_adj,
 * PR_GET_CHILD_SUBREAPER and PR_GET_THP_DISABLE.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#define OOM_ADJ 321
#define SCHED_FLAG_RESET_ON_FORK_ 0x01

/* struct sched_attr of <linux/sched/types.h>, which clashes with glibc's <sched.h> */
struct sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
	uint32_t sched_util_min, sched_util_max;
};

struct thr_state {
	struct sched_attr sa;
	int prio;			/* getpriority: the nice beneath an RT policy too */
	cpu_set_t cpus;
	unsigned long slack;
	char name[16];
};

struct thr {
	const char *name;
	int (*setup)(void);
	pthread_t t;
	pid_t tid;
	struct thr_state before;
	int ready;
	int go;
};

static int ncpus;

static int read_state(struct thr_state *s)
{
	memset(s, 0, sizeof(*s));
	if (syscall(SYS_sched_getattr, 0, &s->sa, sizeof(s->sa), 0))
		return -1;
	errno = 0;
	s->prio = getpriority(PRIO_PROCESS, 0);
	if (errno)
		return -1;
	if (sched_getaffinity(0, sizeof(s->cpus), &s->cpus))
		return -1;
	s->slack = (unsigned long)prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
	if (prctl(PR_GET_NAME, s->name, 0, 0, 0))
		return -1;
	return 0;
}

static void compare_state(const char *who, const struct thr_state *a, const struct thr_state *b)
{
	if (a->sa.sched_policy != b->sa.sched_policy || a->sa.sched_priority != b->sa.sched_priority ||
	    a->sa.sched_nice != b->sa.sched_nice || a->sa.sched_flags != b->sa.sched_flags)
		fail("%s: policy %u priority %u nice %d flags %#llx, was %u %u %d %#llx", who,
		     b->sa.sched_policy, b->sa.sched_priority, b->sa.sched_nice,
		     (unsigned long long)b->sa.sched_flags, a->sa.sched_policy, a->sa.sched_priority,
		     a->sa.sched_nice, (unsigned long long)a->sa.sched_flags);
	if (a->prio != b->prio)
		fail("%s: getpriority %d, was %d", who, b->prio, a->prio);
	if (!CPU_EQUAL(&a->cpus, &b->cpus))
		fail("%s: affinity changed (%d CPUs, was %d)", who, CPU_COUNT(&b->cpus),
		     CPU_COUNT(&a->cpus));
	if (a->slack != b->slack)
		fail("%s: timer slack %lu ns, was %lu", who, b->slack, a->slack);
	if (strcmp(a->name, b->name))
		fail("%s: name '%s', was '%s'", who, b->name, a->name);
}

static int set_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static int setup_main(void)
{
	if (setpriority(PRIO_PROCESS, 0, 5) || set_cpu(0) ||
	    prctl(PR_SET_TIMERSLACK, 123456, 0, 0, 0) || prctl(PR_SET_NAME, "ts-main", 0, 0, 0))
		return -1;
	return 0;
}

static int setup_fifo(void)
{
	struct sched_attr sa = { .size = sizeof(sa) };

	if (setpriority(PRIO_PROCESS, 0, 3))	/* its nice beneath the RT policy */
		return -1;
	sa.sched_policy = SCHED_FIFO;
	sa.sched_priority = 7;
	sa.sched_flags = SCHED_FLAG_RESET_ON_FORK_;
	sa.sched_nice = 3;
	if (syscall(SYS_sched_setattr, 0, &sa, 0))
		return -1;
	if (set_cpu(ncpus - 1) || prctl(PR_SET_NAME, "ts-fifo", 0, 0, 0))
		return -1;
	return 0;
}

static int setup_batch(void)
{
	struct sched_attr sa = { .size = sizeof(sa) };

	sa.sched_policy = SCHED_BATCH;
	sa.sched_nice = 11;
	if (syscall(SYS_sched_setattr, 0, &sa, 0))
		return -1;
	if (prctl(PR_SET_TIMERSLACK, 777777, 0, 0, 0) || prctl(PR_SET_NAME, "ts-batch", 0, 0, 0))
		return -1;
	return 0;
}

static struct thr thr[] = {
	{ .name = "t_fifo", .setup = setup_fifo },
	{ .name = "t_batch", .setup = setup_batch },
};
#define NR_THR (int)(sizeof(thr) / sizeof(thr[0]))

static void *thread_fn(void *arg)
{
	struct thr *t = arg;
	struct thr_state now;

	t->tid = test_gettid();
	if (t->setup()) {
		setup_fail("%s: setup: %m", t->name);
		return NULL;
	}
	if (read_state(&t->before))
		setup_fail("%s: read state: %m", t->name);
	__atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
	test_futex_wake(&t->ready, 1);
	while (!__atomic_load_n(&t->go, __ATOMIC_ACQUIRE))
		test_futex_wait(&t->go, 0, NULL);
	if (read_state(&now))
		fail("%s: read state: %m", t->name);
	else
		compare_state(t->name, &t->before, &now);
	return NULL;
}

static long read_oom_adj(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/oom_score_adj", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -10000;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -10000;
}

static int write_oom_adj(int v)
{
	char buf[32];
	int fd = open("/proc/self/oom_score_adj", O_WRONLY), len, ret;

	if (fd < 0)
		return -1;
	len = snprintf(buf, sizeof(buf), "%d", v);
	ret = write(fd, buf, len) == len ? 0 : -1;
	close(fd);
	return ret;
}

/* ppid of pid, from /proc/PID/stat; -1 if it cannot be read */
static pid_t ppid_of(pid_t pid)
{
	char path[64], buf[512], *p;
	int fd, ppid = -1;
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
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

/* A with a child B; B's pid comes back through a pipe. */
static pid_t make_family(pid_t *b_out)
{
	int p[2];
	pid_t a, b = -1;

	if (pipe(p))
		setup_fail("pipe: %m");
	a = test_fork();
	if (a < 0)
		setup_fail("fork: %m");
	if (a == 0) {
		pid_t c = test_fork();

		close(p[0]);
		if (c == 0) {
			close(p[1]);
			for (;;)
				pause();
		}
		if (write(p[1], &c, sizeof(c)) != sizeof(c))
			_exit(1);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &b, sizeof(b)) != sizeof(b) || b <= 0)
		setup_fail("no grandchild pid");
	close(p[0]);
	*b_out = b;
	return a;
}

static void check_orphan(pid_t a, pid_t b)
{
	int status;

	kill(a, SIGKILL);
	if (waitpid(a, &status, 0) != a)
		fail("waitpid(A %d): %m", a);
	/* A is reaped: its orphan B has its new parent by now */
	if (ppid_of(b) != getpid())
		fail("orphan B %d went to %d, not to us (%d), the subreaper", b, ppid_of(b), getpid());
	kill(b, SIGKILL);
	if (waitpid(b, &status, 0) != b)
		fail("waitpid(B %d): %m", b);
}

int main(int argc, char **argv)
{
	struct thr_state main_before, main_now;
	int subreaper = 0, thp;
	pid_t a, b;

	test_init(argc, argv);
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1)
		ncpus = 1;
	if (write_oom_adj(OOM_ADJ))
		setup_fail("oom_score_adj: %m");
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) || prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0))
		setup_fail("prctl: %m");
	a = make_family(&b);
	for (int i = 0; i < NR_THR; i++) {
		if (test_thread_create(&thr[i].t, thread_fn, &thr[i]))
			setup_fail("pthread_create: %m");
		while (!__atomic_load_n(&thr[i].ready, __ATOMIC_ACQUIRE))
			test_futex_wait(&thr[i].ready, 0, NULL);
	}
	if (setup_main() || read_state(&main_before))
		setup_fail("main: setup: %m");
	test_msg("threads %d %d, children A %d B %d", thr[0].tid, thr[1].tid, a, b);

	test_daemon();
	test_waitsig();

	if (read_state(&main_now))
		fail("main: read state: %m");
	else
		compare_state("main", &main_before, &main_now);
	for (int i = 0; i < NR_THR; i++) {
		__atomic_store_n(&thr[i].go, 1, __ATOMIC_RELEASE);
		test_futex_wake(&thr[i].go, 1);
		pthread_join(thr[i].t, NULL);
	}
	if (read_oom_adj() != OOM_ADJ)
		fail("oom_score_adj %ld, was %d", read_oom_adj(), OOM_ADJ);
	if (prctl(PR_GET_CHILD_SUBREAPER, &subreaper, 0, 0, 0) || subreaper != 1)
		fail("PR_GET_CHILD_SUBREAPER: %d (%m)", subreaper);
	thp = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (thp != 1)
		fail("PR_GET_THP_DISABLE: %d (%m)", thp);
	check_orphan(a, b);
	pass();
	return 0;
}
