/*
 * threads: four threads spin while the process is dumped.
 *
 * Each thread has its own counter and a thread-local value (reached through
 * %fs) and its tid. After SIGTERM the main thread samples the counters twice,
 * 100 ms apart: all must advance (every thread still runs). Then the threads
 * stop and each checks its TLS value, its tid and that its counter only ever
 * moved forward by one per loop.
 */
#include <stdint.h>
#include <time.h>

#include "zdtmtst.h"

#define NR_THREADS 4

struct worker {
	pthread_t t;
	int idx;
	pid_t tid;
	volatile uint64_t counter;
	volatile int started;
	int ok;
};

static struct worker workers[NR_THREADS];
static volatile int stop;
/* volatile: every check really reads through %fs */
static __thread volatile uint64_t tls_value;

static uint64_t tls_expected(int idx)
{
	return 0x5a5a000000000000ULL ^ ((uint64_t)idx << 32) ^ (uint64_t)(idx * 7919 + 1);
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t prev = 0;

	tls_value = tls_expected(w->idx);
	w->tid = test_gettid();
	w->started = 1;
	while (!stop) {
		uint64_t v = ++w->counter;

		if (v != prev + 1 || tls_value != tls_expected(w->idx)) {
			fail("thread %d: counter %llu after %llu, tls %llx", w->idx,
			     (unsigned long long)v, (unsigned long long)prev,
			     (unsigned long long)tls_value);
			return NULL;
		}
		prev = v;
	}
	if (tls_value != tls_expected(w->idx))
		fail("thread %d: tls %llx, expected %llx", w->idx,
		     (unsigned long long)tls_value, (unsigned long long)tls_expected(w->idx));
	else if (test_gettid() != w->tid)
		fail("thread %d: tid %d, was %d", w->idx, test_gettid(), w->tid);
	else
		w->ok = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	uint64_t before[NR_THREADS];
	int i;

	test_init(argc, argv);
	tls_value = tls_expected(-1);

	for (i = 0; i < NR_THREADS; i++) {
		workers[i].idx = i;
		if (test_thread_create(&workers[i].t, worker_fn, &workers[i]))
			setup_fail("pthread_create: %m");
	}
	for (i = 0; i < NR_THREADS; i++)
		while (!workers[i].started)
			nanosleep(&pause, NULL);

	test_daemon();
	test_waitsig();

	for (i = 0; i < NR_THREADS; i++)
		before[i] = workers[i].counter;
	nanosleep(&pause, NULL);
	for (i = 0; i < NR_THREADS; i++)
		if (workers[i].counter <= before[i])
			fail("thread %d (tid %d): counter stuck at %llu", i, workers[i].tid,
			     (unsigned long long)before[i]);

	stop = 1;
	for (i = 0; i < NR_THREADS; i++) {
		pthread_join(workers[i].t, NULL);
		if (!workers[i].ok)
			fail("thread %d did not finish cleanly", i);
	}
	if (tls_value != tls_expected(-1))
		fail("main thread: tls %llx", (unsigned long long)tls_value);
	pass();
	return 0;
}
