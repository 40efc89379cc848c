/*
 * mem_cow: private anonymous memory shared copy-on-write since fork()
 * keeps every byte on both sides and stays private to each.
 *
 * The parent fills 32 MiB, forks; the child writes pages 0-15 of it, the
 * parent pages 16-31; the rest is still one copy for both. After restore
 * each reads its own bytes; then the child writes page 100 and exits, and
 * the parent must still read its old data there (no sharing of a write).
 *
 * Rss and Pss of the region in each process, before the dump and after
 * the restore, go to the log (ckpt does not bring the sharing back yet:
 * after a restore each process has its own copy, Pss doubles).
 */
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define PG 4096UL
#define SZ (32UL << 20)

static unsigned char *R;

static unsigned seed_of(size_t pg, int child)
{
	if (pg < 16)
		return child ? 2 : 1;
	if (pg < 32)
		return child ? 1 : 3;
	return 1;
}

static void log_mem(const char *who, const char *when)
{
	test_msg("%s %s: region Rss %ld kB Pss %ld kB", who, when,
		 mem_smaps_kb((unsigned long)R, "Rss"), mem_smaps_kb((unsigned long)R, "Pss"));
}

static void write_own(int child)
{
	for (size_t pg = child ? 0 : 16; pg < (child ? 16u : 32u); pg++)
		for (size_t o = pg * PG; o < (pg + 1) * PG; o++)
			R[o] = mem_pat(seed_of(pg, child), o);
}

static void check(const char *who, int child)
{
	for (size_t o = 0; o < SZ; o++) {
		unsigned char w = mem_pat(seed_of(o / PG, child), o);

		if (R[o] != w) {
			fail("%s: byte %#zx (page %zu) is %#x, expected %#x", who, o, o / PG, R[o], w);
			return;
		}
	}
}

int main(int argc, char **argv)
{
	struct test_child c;

	test_init(argc, argv);
	R = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (R == MAP_FAILED)
		setup_fail("mmap: %m");
	mem_fill(R, SZ, 1);
	if (test_child_fork(&c) == 0) {
		write_own(1);
		log_mem("child", "before");
		test_child_ready();
		test_waitsig();
		log_mem("child", "after");
		check("child", 1);
		for (size_t o = 100 * PG; o < 101 * PG; o++)
			R[o] = 0x77;
		test_child_exit();
	}
	test_child_wait_ready(&c);
	write_own(0);
	log_mem("parent", "before");

	test_daemon();
	test_waitsig();

	log_mem("parent", "after");
	check("parent", 0);
	kill(c.pid, SIGTERM);
	test_child_collect(&c);
	check("parent after the child wrote", 0);
	pass();
	return 0;
}
