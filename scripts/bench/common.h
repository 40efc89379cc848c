/* Shared bits of the benchmark helpers: a monotonic clock and a fast fill. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Incompressible contents: xorshift64, one word per step, four independent
 * streams so the loop is not one long dependency chain. Touches every page.
 */
static inline void fill_random(void *buf, size_t len, uint64_t seed)
{
	uint64_t *p = buf, s[4];
	size_t n = len / sizeof(*p);

	for (int k = 0; k < 4; k++)
		s[k] = (seed + 0x9e3779b97f4a7c15ull * (k + 1)) | 1;
	for (size_t i = 0; i + 4 <= n; i += 4) {
		for (int k = 0; k < 4; k++) {
			s[k] ^= s[k] << 13;
			s[k] ^= s[k] >> 7;
			s[k] ^= s[k] << 17;
			p[i + k] = s[k];
		}
	}
}

static inline unsigned long long parse_size(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; break;
	case 0: break;
	default:
		fprintf(stderr, "bad size: %s\n", s);
		exit(2);
	}
	return v;
}

#endif
