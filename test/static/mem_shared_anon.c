/*
 * mem_shared_anon: shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS) keeps
 * every page of its object and its identity.
 *
 *   A  2 MiB, shared by the parent and a child that stays:
 *      pages 0-255    written by the parent
 *      pages 256-383  written only by a child that has exited since: no
 *                     page table maps them, the object holds them
 *      pages 400-419  written by the parent, then MADV_DONTNEED'd there
 *                     (a shared mapping drops its ptes, the data stays)
 *      pages 450-460  written only by the child that stays
 *      others         never written: zero
 *   B  8 pages, written, the first 2 unmapped: the mapping starts at
 *      offset 2 pages into its object
 *
 * After restore, both processes read every byte of A and B, A is
 * "/dev/zero (deleted)" in /proc/self/map_files (a shmem object as the
 * kernel makes it, not some other file), and a word the parent writes
 * reaches the child and the child's answer the parent: one object still.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define PG 4096UL
#define A_PAGES 512
#define B_PAGES 8
#define PING 0x50494e47aa55aa55ULL
#define PONG 0x504f4e4755aa55aaULL

static unsigned char *A, *B;

/* seed of page pg of A, 0: zero page */
static unsigned a_seed(size_t pg)
{
	if (pg < 256)
		return 1;
	if (pg < 384)
		return 2;
	if (pg >= 400 && pg < 420)
		return 3;
	if (pg >= 450 && pg <= 460)
		return 4;
	return 0;
}

static void write_pages(unsigned seed)
{
	for (size_t pg = 1; pg < A_PAGES; pg++)	/* page 0 word 0/1: the ping-pong words */
		if (a_seed(pg) == seed)
			for (size_t o = pg * PG; o < (pg + 1) * PG; o++)
				A[o] = mem_pat(seed, o);
	if (seed == 1)
		for (size_t o = 16; o < PG; o++)
			A[o] = mem_pat(1, o);
}

static void check_all(const char *who)
{
	char link[128], target[256] = "";
	ssize_t n;

	for (size_t o = 16; o < A_PAGES * PG; o++) {
		unsigned s = a_seed(o / PG);
		unsigned char w = s ? mem_pat(s, o) : 0;

		if (A[o] != w) {
			fail("%s: A byte %#zx (page %zu) is %#x, expected %#x", who, o, o / PG, A[o], w);
			break;
		}
	}
	if (mem_differs(B, (B_PAGES - 2) * PG, 5) >= 0)
		fail("%s: B differs at %ld", who, mem_differs(B, (B_PAGES - 2) * PG, 5));
	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)A,
		 (unsigned long)A + A_PAGES * PG);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0 || (target[n] = '\0', strcmp(target, "/dev/zero (deleted)")))
		fail("%s: A is '%s', not /dev/zero (deleted)", who, target);
}

static void child(void)
{
	volatile uint64_t *w = (volatile uint64_t *)A;
	struct timespec tick = { 0, 1000 * 1000 };
	int i;

	write_pages(4);
	test_child_ready();
	test_waitsig();
	for (i = 0; i < 10000 && w[0] != PING; i++)
		nanosleep(&tick, NULL);
	if (w[0] != PING)
		fail("child: the parent's word is not seen: %llx", (unsigned long long)w[0]);
	check_all("child");
	w[1] = PONG;
	test_child_exit();
}

int main(int argc, char **argv)
{
	volatile uint64_t *w;
	struct test_child c1, c2;
	unsigned char *b;

	test_init(argc, argv);
	A = mmap(NULL, A_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	b = mmap(NULL, B_PAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (A == MAP_FAILED || b == MAP_FAILED)
		setup_fail("mmap: %m");
	w = (volatile uint64_t *)A;
	for (size_t o = 0; o < B_PAGES * PG; o++)
		b[o] = mem_pat(5, o >= 2 * PG ? o - 2 * PG : o + 7);
	munmap(b, 2 * PG);
	B = b + 2 * PG;

	write_pages(1);
	write_pages(3);
	if (madvise(A + 400 * PG, 20 * PG, MADV_DONTNEED))
		setup_fail("madvise: %m");
	/* a child writes its pages and is gone before the dump */
	if (test_child_fork(&c1) == 0) {
		write_pages(2);
		test_child_ready();
		test_child_exit();
	}
	test_child_wait_ready(&c1);
	if (test_child_collect(&c1))
		setup_fail("the first child failed");
	if (test_child_fork(&c2) == 0)
		child();
	test_child_wait_ready(&c2);
	test_msg("A Rss %ld kB", mem_smaps_kb((unsigned long)A, "Rss"));

	test_daemon();
	test_waitsig();

	check_all("parent");
	w[0] = PING;
	kill(c2.pid, SIGTERM);
	test_child_collect(&c2);
	if (w[1] != PONG)
		fail("the child's answer is not seen: %llx", (unsigned long long)w[1]);
	pass();
	return 0;
}
