/*
 * env00: the main thread is busy in a loop while it is dumped.
 *
 * Every iteration bumps a volatile counter and adds the same value to a
 * double (SSE), a long double (x87) and an integer accumulator held in
 * registers, and checks that the counter moved by exactly one and that the
 * three accumulators agree. A dump that corrupts registers, the FPU state or
 * memory of a running thread makes them disagree; one that loses the thread
 * stops the counter. An environment variable set before the dump must still
 * be there.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zdtmtst.h"

#define ENV_NAME "ZDTM_ENV00"
#define ENV_VALUE "value-with-some-length-0123456789"

static volatile uint64_t counter;

int main(int argc, char **argv)
{
	uint64_t prev, at_ready, isum = 0;
	long double lsum = 0;
	double dsum = 0;

	test_init(argc, argv);
	if (setenv(ENV_NAME, ENV_VALUE, 1))
		setup_fail("setenv: %m");

	at_ready = counter;
	test_daemon();

	prev = counter;
	while (test_go()) {
		uint64_t v = ++counter;
		uint64_t x = v & 0xffff;

		if (v != prev + 1) {
			fail("counter jumped from %llu to %llu", (unsigned long long)prev,
			     (unsigned long long)v);
			break;
		}
		prev = v;
		isum += x;
		dsum += (double)x;
		lsum += (long double)x * 1.0L;
		/* exact: the sums stay far below 2^53 for hours */
		if (dsum != (double)isum || lsum != (long double)isum) {
			fail("accumulators disagree after %llu loops: int %llu double %.1f "
			     "long double %.1Lf", (unsigned long long)v,
			     (unsigned long long)isum, dsum, lsum);
			break;
		}
	}

	test_msg("%llu loops, sum %llu", (unsigned long long)counter, (unsigned long long)isum);
	if (counter <= at_ready + 1)
		fail("counter did not advance: %llu", (unsigned long long)counter);
	{
		const char *e = getenv(ENV_NAME);

		if (!e || strcmp(e, ENV_VALUE))
			fail("environment: %s=%s", ENV_NAME, e ? e : "(unset)");
	}
	pass();
	return 0;
}
