/*
 * mem_anon_shapes: every byte of private anonymous regions of many shapes
 * comes back, and each region's VmFlags (smaps) are the same.
 *
 *   thp       8 MiB, 2 MiB-aligned, MADV_HUGEPAGE, every byte written: as
 *             many kB of huge pages (smaps AnonHugePages) after as before
 *   thpsparse 4 MiB, 2 MiB-aligned, MADV_HUGEPAGE, one page in 64 written
 *   hzero     4 MiB, 2 MiB-aligned, MADV_HUGEPAGE, read (huge zero page),
 *             then a few pages written
 *   zero      1 MiB read (the zero page), then every 3rd page written
 *   free      2 MiB written, MADV_FREE'd, half its pages written again:
 *             those exact, the others each either its old data or zeros
 *   dontneed  1 MiB written, middle 256 KiB MADV_DONTNEED'd: zeros there
 *   split     16 pages written, the middle 4 mprotect'ed PROT_READ: three
 *             mappings rw- r-- rw-
 *   moved     64 pages written, mremap'ed elsewhere (MREMAP_MAYMOVE) and
 *             grown to 96: the new 32 read zero
 *   nohuge    2 MiB, MADV_NOHUGEPAGE, every byte written
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define PG 4096UL
#define MB (1UL << 20)
#define HUGE (2UL << 20)

enum { R_THP, R_THPSPARSE, R_HZERO, R_ZERO, R_FREE, R_DONTNEED, R_SPLIT, R_MOVED, R_NOHUGE, NR };

struct region {
	const char *name;
	unsigned char *p;
	size_t len;
	char vmflags[3][256];	/* split: its three mappings */
	long huge_kb;		/* smaps AnonHugePages */
};

static struct region R[NR] = {
	[R_THP] = { "thp", NULL, 8 * MB },
	[R_THPSPARSE] = { "thpsparse", NULL, 4 * MB },
	[R_HZERO] = { "hzero", NULL, 4 * MB },
	[R_ZERO] = { "zero", NULL, 1 * MB },
	[R_FREE] = { "free", NULL, 2 * MB },
	[R_DONTNEED] = { "dontneed", NULL, 1 * MB },
	[R_SPLIT] = { "split", NULL, 16 * PG },
	[R_MOVED] = { "moved", NULL, 96 * PG },
	[R_NOHUGE] = { "nohuge", NULL, 2 * MB },
};

static void *map_aligned(size_t len, size_t align)
{
	unsigned char *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *a;

	if (p == MAP_FAILED)
		setup_fail("mmap %zu: %m", len + align);
	a = (unsigned char *)(((unsigned long)p + align - 1) & ~(align - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + len, p + align - a);
	return a;
}

static volatile unsigned char sink;

/* The byte at off of region i as the task left it; -1: its old data or zero (MADV_FREE). */
static int want(int i, size_t off)
{
	size_t pg = off / PG;

	switch (i) {
	case R_THPSPARSE:
		return pg % 64 ? 0 : mem_pat(i, off);
	case R_HZERO:
		return pg == 3 || pg == 600 || pg == 1000 ? mem_pat(i, off) : 0;
	case R_ZERO:
		return pg % 3 ? 0 : mem_pat(i, off);
	case R_FREE:
		return pg % 2 ? mem_pat(i + 50, off) : -1;
	case R_DONTNEED:
		return off >= 384 * 1024 && off < 640 * 1024 ? 0 : mem_pat(i, off);
	case R_MOVED:
		return pg >= 64 ? 0 : mem_pat(i, off);
	default:
		return mem_pat(i, off);
	}
}

static void setup(void)
{
	for (int i = 0; i < NR; i++) {
		struct region *r = &R[i];

		r->p = map_aligned(r->len, HUGE);
		if (i == R_THP || i == R_THPSPARSE || i == R_HZERO)
			madvise(r->p, r->len, MADV_HUGEPAGE);
		if (i == R_NOHUGE && madvise(r->p, r->len, MADV_NOHUGEPAGE))
			setup_fail("nohuge: madvise: %m");
		switch (i) {
		case R_HZERO:
		case R_ZERO:
			for (size_t o = 0; o < r->len; o += PG)
				sink = r->p[o];
			/* fall through */
		case R_THPSPARSE:
			for (size_t o = 0; o < r->len; o++)
				if (want(i, o))
					r->p[o] = want(i, o);
			break;
		case R_FREE:
			mem_fill(r->p, r->len, i);
			if (madvise(r->p, r->len, MADV_FREE))
				setup_fail("free: madvise: %m");
			for (size_t o = 0; o < r->len; o++)
				if (want(i, o) >= 0)
					r->p[o] = want(i, o);
			break;
		case R_DONTNEED:
			mem_fill(r->p, r->len, i);
			if (madvise(r->p + 384 * 1024, 256 * 1024, MADV_DONTNEED))
				setup_fail("dontneed: madvise: %m");
			break;
		case R_MOVED: {
			unsigned char *to;

			mem_fill(r->p, 64 * PG, i);
			/* a hole of the final size elsewhere, then move and grow into it */
			to = map_aligned(r->len, PG);
			to = mremap(r->p, 64 * PG, r->len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
			if (to == MAP_FAILED)
				setup_fail("moved: mremap: %m");
			munmap(r->p + 64 * PG, r->len - 64 * PG);
			r->p = to;
			break;
		}
		default:
			mem_fill(r->p, r->len, i);
		}
		if (i == R_SPLIT && mprotect(r->p + 6 * PG, 4 * PG, PROT_READ))
			setup_fail("split: mprotect: %m");
		for (int k = 0; k < (i == R_SPLIT ? 3 : 1); k++)
			if (mem_vmflags((unsigned long)r->p + k * 6 * PG, r->vmflags[k], 256))
				setup_fail("%s: not in smaps", r->name);
	}
	for (int i = 0; i < NR; i++)
		R[i].huge_kb = mem_smaps_kb((unsigned long)R[i].p, "AnonHugePages");
	test_msg("AnonHugePages: thp %ld kB, thpsparse %ld kB, hzero %ld kB", R[R_THP].huge_kb,
		 R[R_THPSPARSE].huge_kb, R[R_HZERO].huge_kb);
}

static void check(int i)
{
	struct region *r = &R[i];
	char flags[256];

	for (size_t o = 0; o < r->len; o++) {
		int w = want(i, o);

		if (w >= 0 ? r->p[o] == w : r->p[o] == mem_pat(i, o) || r->p[o] == 0)
			continue;
		fail("%s: byte %#zx (page %zu) is %#x, expected %#x", r->name, o, o / PG, r->p[o],
		     w >= 0 ? w : mem_pat(i, o));
		return;
	}
	if (i == R_FREE) {	/* a page of MADV_FREE'd memory is all old data or all zero */
		for (size_t pg = 0; pg < r->len / PG; pg += 2) {
			long nz = mem_nonzero(r->p + pg * PG, PG);

			if (nz >= 0)
				for (size_t o = 0; o < PG; o++)
					if (r->p[pg * PG + o] != mem_pat(i, pg * PG + o)) {
						fail("free: page %zu is neither its data nor zeros", pg);
						break;
					}
		}
	}
	/* only where huge pages were made for sure: the THP setting may say never */
	if (i == R_THP && r->huge_kb > 0 &&
	    mem_smaps_kb((unsigned long)r->p, "AnonHugePages") != r->huge_kb)
		fail("thp: AnonHugePages %ld kB, was %ld kB", mem_smaps_kb((unsigned long)r->p,
		     "AnonHugePages"), r->huge_kb);
	for (int k = 0; k < (i == R_SPLIT ? 3 : 1); k++) {
		if (mem_vmflags((unsigned long)r->p + k * 6 * PG, flags, sizeof(flags)))
			fail("%s: mapping gone", r->name);
		else if (strcmp(flags, r->vmflags[k]))
			fail("%s: VmFlags '%s', were '%s'", r->name, flags, r->vmflags[k]);
	}
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	setup();

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++)
		check(i);
	pass();
	return 0;
}
