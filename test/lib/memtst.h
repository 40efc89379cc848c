/*
 * Helpers of the memory tests: a byte pattern per region, and the VmFlags
 * line of /proc/self/smaps of the mapping at an address (read without
 * malloc: the heap may be what is under test).
 */
#ifndef ZDTM_MEMTST_H
#define ZDTM_MEMTST_H

#include <stddef.h>
#include <stdint.h>

static inline unsigned char mem_pat(unsigned seed, size_t off)
{
	uint64_t x = (uint64_t)seed * 0x9e3779b97f4a7c15ULL ^ (off * 0xbf58476d1ce4e5b9ULL);

	x ^= x >> 31;
	return (unsigned char)(x ^ (x >> 17) ^ (off >> 12));
}

void mem_fill(void *p, size_t len, unsigned seed);
/* Offset of the first byte that differs from the pattern, or -1. */
long mem_differs(const void *p, size_t len, unsigned seed);
/* Offset of the first non-zero byte, or -1. */
long mem_nonzero(const void *p, size_t len);

/*
 * The VmFlags of the mapping that holds addr as sorted letter pairs
 * ("ac dc mr mw rd wr") into buf: 0, or -1 if there is no such mapping.
 */
int mem_vmflags(unsigned long addr, char *buf, size_t size);
/* The smaps field ("Rss", "Pss", ...) of the mapping at addr, in kB, or -1. */
long mem_smaps_kb(unsigned long addr, const char *field);
/* The path column of the mapping at addr ("" for none, "[anon:x]"...): 0, or -1. */
int mem_vma_name(unsigned long addr, char *buf, size_t size);
/* Start and end of the mapping that holds addr: 0, or -1. */
int mem_vma(unsigned long addr, unsigned long *start, unsigned long *end);

#endif
