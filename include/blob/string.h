/*
 * memset and memcpy for a freestanding blob: gcc emits calls to them for
 * struct copies and initialisers, and there is no libc. Include from exactly
 * one file of each blob (they are definitions, linked into that blob only).
 */
#ifndef CKPT_BLOB_STRING_H
#define CKPT_BLOB_STRING_H

#include <stddef.h>

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);

__attribute__((used)) void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

__attribute__((used)) void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

#endif
