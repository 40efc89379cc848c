/*
 * mem64: memory of every common kind keeps its content across a dump.
 *
 *   anon    64 MiB private anonymous, every page touched, each 8-byte word
 *           holding a value derived from its address
 *   sparse  16 MiB private anonymous, only every 16th page touched: the
 *           others must still read as zero
 *   shared  1 MiB MAP_SHARED anonymous, shared with a child: after SIGTERM
 *           the parent writes a word that the child must see, the child
 *           answers through another word
 *   file    a private (MAP_PRIVATE, PROT_WRITE) mapping of a 16-page file in
 *           /tmp: pages 3 and 7 written (copy-on-write), the rest only read;
 *           written pages keep the new data, others the file's, and the file
 *           itself stays untouched
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGE 4096UL
#define ANON_SIZE (64UL << 20)
#define SPARSE_SIZE (16UL << 20)
#define SHARED_SIZE (1UL << 20)
#define FILE_PAGES 16

#define FROM_PARENT 0x9a3e7c11d00dfeedULL
#define FROM_CHILD 0x0ddba11c0ffee123ULL

static uint64_t word(uint64_t seed, size_t idx)
{
	uint64_t x = seed ^ (idx * 0x9e3779b97f4a7c15ULL);

	return x ^ (x >> 29);
}

static void fill(uint64_t *p, size_t bytes, uint64_t seed)
{
	size_t i;

	for (i = 0; i < bytes / 8; i++)
		p[i] = word(seed, i);
}

/* Index of the first word that differs, or -1. */
static long verify(const uint64_t *p, size_t bytes, uint64_t seed, size_t from)
{
	size_t i;

	for (i = from; i < bytes / 8; i++)
		if (p[i] != word(seed, i))
			return i;
	return -1;
}

static void *map(size_t size, int flags, int fd)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, flags, fd, 0);

	if (p == MAP_FAILED)
		setup_fail("mmap %zu bytes: %m", size);
	return p;
}

static void shared_child(volatile uint64_t *shared)
{
	struct timespec tick = { 0, 1000 * 1000 };
	long bad;
	int i;

	test_child_ready();
	test_waitsig();
	for (i = 0; i < 5000 && shared[0] != FROM_PARENT; i++)
		nanosleep(&tick, NULL);
	if (shared[0] != FROM_PARENT)
		fail("child: parent's write to the shared mapping not seen: %llx",
		     (unsigned long long)shared[0]);
	bad = verify((const uint64_t *)shared, SHARED_SIZE, 3, 2);
	if (bad >= 0)
		fail("child: shared mapping differs at word %ld", bad);
	shared[1] = FROM_CHILD;
	test_child_exit();
}

int main(int argc, char **argv)
{
	unsigned char page[PAGE], want[PAGE];
	char path[64];
	volatile uint64_t *shared;
	uint64_t *anon, *sparse;
	unsigned char *fmap;
	struct test_child c;
	size_t i;
	long bad;
	int fd;

	test_init(argc, argv);

	shared = map(SHARED_SIZE, MAP_SHARED | MAP_ANONYMOUS, -1);
	fill((uint64_t *)shared, SHARED_SIZE, 3);
	if (test_child_fork(&c) == 0)
		shared_child(shared);
	test_child_wait_ready(&c);

	anon = map(ANON_SIZE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	fill(anon, ANON_SIZE, 1);

	sparse = map(SPARSE_SIZE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
	for (i = 0; i < SPARSE_SIZE / PAGE; i += 16)
		fill(sparse + i * PAGE / 8, PAGE, 2 + i);

	snprintf(path, sizeof(path), "/tmp/zdtm-mem64.%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		setup_fail("%s: %m", path);
	for (i = 0; i < FILE_PAGES; i++) {
		memset(page, (int)(0x40 + i), PAGE);
		if (write(fd, page, PAGE) != PAGE)
			setup_fail("write %s: %m", path);
	}
	fmap = map(FILE_PAGES * PAGE, MAP_PRIVATE, fd);
	close(fd);
	for (i = 0; i < FILE_PAGES; i += 2)	/* fault some pages in, read-only */
		if (fmap[i * PAGE] != 0x40 + i)
			setup_fail("file mapping reads wrong data");
	memset(fmap + 3 * PAGE + 100, 0xee, 200);
	memset(fmap + 7 * PAGE, 0xdd, PAGE);

	test_daemon();
	test_waitsig();

	bad = verify(anon, ANON_SIZE, 1, 0);
	if (bad >= 0)
		fail("anon: word %ld (page %ld) differs", bad, bad * 8 / (long)PAGE);

	for (i = 0; i < SPARSE_SIZE / PAGE; i++) {
		const uint64_t *p = sparse + i * PAGE / 8;

		if (i % 16 == 0) {
			bad = verify(p, PAGE, 2 + i, 0);
			if (bad >= 0) {
				fail("sparse: page %zu word %ld differs", i, bad);
				break;
			}
		} else {
			memset(want, 0, PAGE);
			if (memcmp(p, want, PAGE)) {
				fail("sparse: untouched page %zu is not zero", i);
				break;
			}
		}
	}

	for (i = 0; i < FILE_PAGES; i++) {
		memset(want, (int)(0x40 + i), PAGE);
		if (i == 3)
			memset(want + 100, 0xee, 200);
		if (i == 7)
			memset(want, 0xdd, PAGE);
		if (memcmp(fmap + i * PAGE, want, PAGE))
			fail("file mapping: page %zu differs", i);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	for (i = 0; fd >= 0 && i < FILE_PAGES; i++) {
		memset(want, (int)(0x40 + i), PAGE);
		if (pread(fd, page, PAGE, i * PAGE) != PAGE || memcmp(page, want, PAGE))
			fail("%s: page %zu changed on disk", path, i);
	}
	if (fd < 0)
		fail("%s: %m", path);
	else
		close(fd);
	unlink(path);

	bad = verify((const uint64_t *)shared, SHARED_SIZE, 3, 0);
	if (bad >= 0)
		fail("shared: word %ld differs", bad);
	shared[0] = FROM_PARENT;
	kill(c.pid, SIGTERM);
	test_child_collect(&c);
	if (shared[1] != FROM_CHILD)
		fail("shared: child's answer not seen: %llx", (unsigned long long)shared[1]);

	pass();
	return 0;
}
