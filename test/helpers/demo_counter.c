/*
 * The `make demo` program: counts in a register loop, keeps a checksum of
 * its own heap and writes a line per tick to its log. After a restore, the
 * count goes on from where it was (not from 0), the heap checksum is the
 * same, and the log file position carried on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

int main(void)
{
	size_t n = 16 << 20;
	uint8_t *heap = malloc(n);
	uint64_t sum, count = 0;
	double fp = 0.0;

	if (!heap)
		return 1;
	for (size_t i = 0; i < n; i++)
		heap[i] = (uint8_t)(i * 7 + 3);
	sum = checksum(heap, n);
	for (;;) {
		struct timespec ts = { 0, 300 * 1000 * 1000 };

		for (int i = 0; i < 1000000; i++) {
			count++;
			fp += 0.5;
		}
		printf("pid %d  count %llu  fp %.1f  heap %s\n", getpid(),
		       (unsigned long long)count / 1000000, fp / 500000.0,
		       checksum(heap, n) == sum ? "intact" : "CORRUPT");
		fflush(stdout);
		nanosleep(&ts, NULL);
	}
}
