/*
 * mem_vmflags: what a mapping is beyond its pages comes back: the VmFlags
 * of each region (smaps, compared as a whole) and what they mean.
 *
 *   locked    MAP_LOCKED (lo): smaps Locked equals its size after restore
 *   onfault   mlock2(MLOCK_ONFAULT) (lo lf), half its pages touched
 *   droppable MAP_DROPPABLE (dp, with nr wf dd), written
 *   noreserve MAP_NORESERVE (nr), written
 *   sealed    mseal()ed (sl): munmap and mprotect fail with EPERM after restore
 *   guard     8 pages, pages 2-3 and 6 MADV_GUARD_INSTALL'ed (gu): a read of
 *             each guard page faults (SIGSEGV), the others hold their data
 *
 * Every byte of each region is checked.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif
#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif
#define NR_mseal 462

#define PG 4096UL
#define NPG 8

enum { R_LOCKED, R_ONFAULT, R_DROPPABLE, R_NORESERVE, R_SEALED, R_GUARD, NR };
static const char *names[NR] = { "locked", "onfault", "droppable", "noreserve", "sealed", "guard" };
static unsigned char *reg[NR];
static char flags[NR][256];

static sigjmp_buf jb;
static volatile sig_atomic_t probing;

static void segv(int sig)
{
	if (probing)
		siglongjmp(jb, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Does a read of p fault? */
static __attribute__((noinline)) int faults(const unsigned char *p)
{
	int ret = 1;

	probing = 1;
	if (!sigsetjmp(jb, 1)) {
		*(volatile const unsigned char *)p;
		ret = 0;
	}
	probing = 0;
	return ret;
}

static int is_guard(int i, size_t pg)
{
	return i == R_GUARD && (pg == 2 || pg == 3 || pg == 6);
}

/* Bytes the task wrote: all pages but onfault's odd ones and the guard pages. */
static int written(int i, size_t pg)
{
	return !is_guard(i, pg) && !(i == R_ONFAULT && pg % 2);
}

static void setup(void)
{
	int mflags[NR] = {
		[R_LOCKED] = MAP_PRIVATE | MAP_LOCKED,
		[R_ONFAULT] = MAP_PRIVATE,
		[R_DROPPABLE] = MAP_DROPPABLE,
		[R_NORESERVE] = MAP_PRIVATE | MAP_NORESERVE,
		[R_SEALED] = MAP_PRIVATE,
		[R_GUARD] = MAP_PRIVATE,
	};

	for (int i = 0; i < NR; i++) {
		reg[i] = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE, mflags[i] | MAP_ANONYMOUS, -1, 0);
		if (reg[i] == MAP_FAILED)
			setup_fail("%s: mmap: %m", names[i]);
		if (i == R_ONFAULT && mlock2(reg[i], NPG * PG, MLOCK_ONFAULT))
			setup_fail("onfault: mlock2: %m");
		for (size_t pg = 0; pg < NPG; pg++)
			if (written(i, pg))
				for (size_t o = pg * PG; o < (pg + 1) * PG; o++)
					reg[i][o] = mem_pat(i, o);
		if (i == R_SEALED && syscall(NR_mseal, reg[i], NPG * PG, 0))
			setup_fail("sealed: mseal: %m");
		if (i == R_GUARD && (madvise(reg[i] + 2 * PG, 2 * PG, MADV_GUARD_INSTALL) ||
				     madvise(reg[i] + 6 * PG, PG, MADV_GUARD_INSTALL)))
			setup_fail("guard: MADV_GUARD_INSTALL: %m");
		if (mem_vmflags((unsigned long)reg[i], flags[i], sizeof(flags[i])))
			setup_fail("%s: not in smaps", names[i]);
	}
}

static void check(int i)
{
	char now[256];
	long kb;

	for (size_t pg = 0; pg < NPG; pg++) {
		unsigned char *p = reg[i] + pg * PG;

		if (is_guard(i, pg)) {
			if (!faults(p))
				fail("%s: page %zu is no guard page any more: it reads", names[i], pg);
			continue;
		}
		for (size_t o = 0; o < PG; o++) {
			unsigned char w = written(i, pg) ? mem_pat(i, pg * PG + o) : 0;

			if (p[o] != w) {
				fail("%s: byte %#zx is %#x, expected %#x", names[i], pg * PG + o, p[o], w);
				return;
			}
		}
	}
	if (mem_vmflags((unsigned long)reg[i], now, sizeof(now)))
		fail("%s: mapping gone", names[i]);
	else if (strcmp(now, flags[i]))
		fail("%s: VmFlags '%s', were '%s'", names[i], now, flags[i]);
	if (i == R_LOCKED && (kb = mem_smaps_kb((unsigned long)reg[i], "Locked")) != NPG * PG / 1024)
		fail("locked: smaps Locked %ld kB, expected %lu", kb, NPG * PG / 1024);
	if (i == R_SEALED) {
		if (mprotect(reg[i], PG, PROT_READ) == 0 || errno != EPERM)
			fail("sealed: mprotect did not fail with EPERM: %m");
		if (munmap(reg[i], NPG * PG) == 0 || errno != EPERM)
			fail("sealed: munmap did not fail with EPERM: %m");
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = segv };

	test_init(argc, argv);
	setup();
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_NODEFER;
	if (sigaction(SIGSEGV, &sa, NULL))
		setup_fail("sigaction: %m");

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++)
		check(i);
	pass();
	return 0;
}
