/*
 * vdso: the time functions glibc calls through the vDSO must keep working
 * and agree with the kernel after a restore: clock_gettime (realtime,
 * monotonic, boottime), gettimeofday, time and getcpu, each compared with
 * the raw syscall, in a loop while the test waits.
 */
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static double ts(const struct timespec *t)
{
	return t->tv_sec + t->tv_nsec / 1e9;
}

static void check_once(void)
{
	static const clockid_t clocks[] = { CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME };
	struct timespec a, b, k;
	struct timeval tv;
	unsigned int cpu = ~0u;

	for (unsigned int i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		if (clock_gettime(clocks[i], &a) || syscall(SYS_clock_gettime, clocks[i], &k) ||
		    clock_gettime(clocks[i], &b))
			fail("clock %d: clock_gettime failed", clocks[i]);
		else if (ts(&a) > ts(&k) + 1e-3 || ts(&k) > ts(&b) + 1e-3)
			fail("clock %d: vdso %.6f, kernel %.6f, vdso %.6f", clocks[i], ts(&a),
			     ts(&k), ts(&b));
	}
	if (gettimeofday(&tv, NULL) || syscall(SYS_clock_gettime, CLOCK_REALTIME, &k))
		fail("gettimeofday failed");
	else if (tv.tv_sec + tv.tv_usec / 1e6 > ts(&k) + 1e-3 ||
		 tv.tv_sec + tv.tv_usec / 1e6 < ts(&k) - 0.5)
		fail("gettimeofday %ld.%06ld, kernel %.6f", (long)tv.tv_sec, (long)tv.tv_usec, ts(&k));
	if (labs((long)time(NULL) - (long)k.tv_sec) > 1)
		fail("time() %ld, kernel %ld", (long)time(NULL), (long)k.tv_sec);
	if (getcpu(&cpu, NULL) || cpu >= (unsigned int)sysconf(_SC_NPROCESSORS_CONF))
		fail("getcpu: cpu %u", cpu);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	check_once();
	test_daemon();
	while (test_go() && !test_failed()) {
		check_once();
		usleep(20000);
	}
	for (int i = 0; i < 100 && !test_failed(); i++)
		check_once();
	if (!test_failed())
		pass();
	return 0;
}
