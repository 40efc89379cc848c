/*
 * mem_private_file: every byte of MAP_PRIVATE mappings of files comes back,
 * the pages the task wrote (copied on write) and the pages it only read
 * (still the file's page cache: a later write to the file shows in them).
 *
 *   memfd    8-page memfd, fd kept: pages 1, 5 written (5 partly)
 *   memfd2   8-page memfd whose fd is closed: only the mapping holds it;
 *            pages 0, 7 written
 *   shm      8-page file in /dev/shm (tmpfs), unlinked after mapping,
 *            pgoff 2: pages 2, 3 written
 *   file     file of 7.5 pages in the test dir, mapped 8 pages: pages 2
 *            and 6 written, and the tail of page 7 past EOF
 *   ro       8-page regular file, pages 0 and 4 written, then mprotect
 *            PROT_READ
 *
 * After restore: each page holds what it held (written ones the new data,
 * others the file's); the files are unchanged; then a write through a fd
 * to the file at a page the task never wrote shows in its mapping, and one
 * at a written page does not. VmFlags of each mapping are the same.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define PG 4096UL
#define NP 8

struct region {
	const char *name;
	int fd;			/* to the file, for the checks after restore */
	unsigned char *p;
	size_t file_size;	/* bytes of the file */
	size_t pgoff;		/* in pages */
	unsigned written;	/* bit n: page n of the mapping written by the task */
	unsigned seed;
	char vmflags[256];
};

enum { R_MEMFD, R_MEMFD2, R_SHM, R_FILE, R_RO, NR };
static struct region R[NR] = {
	[R_MEMFD] = { "memfd", .file_size = NP * PG, .written = 1 << 1 | 1 << 5, .seed = 1 },
	[R_MEMFD2] = { "memfd2", .file_size = NP * PG, .written = 1 << 0 | 1 << 7, .seed = 2 },
	[R_SHM] = { "shm", .file_size = (NP + 2) * PG, .pgoff = 2, .written = 1 << 2 | 1 << 3, .seed = 3 },
	[R_FILE] = { "file", .file_size = NP * PG - PG / 2, .written = 1 << 2 | 1 << 6 | 1 << 7, .seed = 4 },
	[R_RO] = { "ro", .file_size = NP * PG, .written = 1 << 0 | 1 << 4, .seed = 5 },
};
static char paths[NR][256];

/* The byte at offset off of the mapping, as the task left it. */
static unsigned char want(const struct region *r, size_t off)
{
	size_t foff = r->pgoff * PG + off;

	if (r->written & (1u << (off / PG))) {
		/* page 5 of memfd: only its second half written */
		if (r == &R[R_MEMFD] && off / PG == 5 && off % PG < PG / 2)
			return mem_pat(r->seed, foff);
		/* the last page of file: only past EOF written */
		if (r == &R[R_FILE] && off / PG == 7 && foff < r->file_size)
			return mem_pat(r->seed, foff);
		return mem_pat(r->seed + 100, off);
	}
	return foff < r->file_size ? mem_pat(r->seed, foff) : 0;
}

static void make_file(struct region *r, int i)
{
	unsigned char *buf = malloc(r->file_size);

	switch (i) {
	case R_MEMFD:
	case R_MEMFD2:
		r->fd = memfd_create(r->name, MFD_CLOEXEC);
		break;
	case R_SHM:
		snprintf(paths[i], sizeof(paths[i]), "/dev/shm/zdtm-mem-private.%d", getpid());
		r->fd = open(paths[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		break;
	default:
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", test_dir(), r->name);
		r->fd = open(paths[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	}
	if (r->fd < 0 || !buf)
		setup_fail("%s: create: %m", r->name);
	for (size_t o = 0; o < r->file_size; o++)
		buf[o] = mem_pat(r->seed, o);
	if (pwrite(r->fd, buf, r->file_size, 0) != (ssize_t)r->file_size)
		setup_fail("%s: write: %m", r->name);
	free(buf);
	r->p = mmap(NULL, NP * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, r->fd, r->pgoff * PG);
	if (r->p == MAP_FAILED)
		setup_fail("%s: mmap: %m", r->name);
	/* read every page that exists in the file, write the chosen ones */
	for (size_t pg = 0; pg < NP; pg++) {
		size_t foff = r->pgoff * PG + pg * PG;
		unsigned char *q = r->p + pg * PG;

		if (foff < r->file_size && q[0] != mem_pat(r->seed, foff))
			setup_fail("%s: page %zu reads wrong data", r->name, pg);
		if (!(r->written & (1u << pg)))
			continue;
		for (size_t o = 0; o < PG; o++)
			if (want(r, pg * PG + o) != mem_pat(r->seed, foff + o) || foff + o >= r->file_size)
				q[o] = want(r, pg * PG + o);
	}
	if (i == R_RO && mprotect(r->p, NP * PG, PROT_READ))
		setup_fail("ro: mprotect: %m");
	if (i == R_MEMFD2) {
		close(r->fd);
		r->fd = -1;
	}
	if (i == R_SHM)
		unlink(paths[i]);
	if (mem_vmflags((unsigned long)r->p, r->vmflags, sizeof(r->vmflags)))
		setup_fail("%s: no mapping in smaps", r->name);
}

static void check(struct region *r)
{
	char flags[256];
	int fd = r->fd;

	for (size_t off = 0; off < NP * PG; off++) {
		if (r->p[off] != want(r, off)) {
			fail("%s: byte %#zx (page %zu) is %#x, expected %#x", r->name, off, off / PG,
			     r->p[off], want(r, off));
			return;
		}
	}
	if (mem_vmflags((unsigned long)r->p, flags, sizeof(flags)))
		fail("%s: mapping gone", r->name);
	else if (strcmp(flags, r->vmflags))
		fail("%s: VmFlags '%s', were '%s'", r->name, flags, r->vmflags);

	if (fd < 0) {		/* memfd2: the file through the mapping's own link */
		char link[64];

		snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", (unsigned long)r->p,
			 (unsigned long)r->p + NP * PG);
		fd = open(link, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			fail("%s: open %s: %m", r->name, link);
			return;
		}
	}
	/* the file itself is unchanged */
	for (size_t o = 0; o < r->file_size; o++) {
		unsigned char c;

		if (pread(fd, &c, 1, o) != 1 || c != mem_pat(r->seed, o)) {
			fail("%s: the file changed at %#zx", r->name, o);
			break;
		}
	}
	/* pages never written are the file's page cache; written ones are copies */
	for (size_t pg = 0; pg < NP; pg++) {
		size_t foff = r->pgoff * PG + pg * PG + 8;
		unsigned char c = 0xa5;

		if (foff >= r->file_size || (r == &R[R_MEMFD] && pg == 5))
			continue;	/* (page 5 of memfd: a copy, but its first half was not written) */
		if (pwrite(fd, &c, 1, foff) != 1) {
			fail("%s: pwrite: %m", r->name);
			break;
		}
		if (r->written & (1u << pg)) {
			if (r->p[pg * PG + 8] == 0xa5)
				fail("%s: page %zu was copied on write but shows the file's new data",
				     r->name, pg);
		} else if (r->p[pg * PG + 8] != 0xa5) {
			fail("%s: page %zu is not the file's page any more: a write to the file "
			     "does not show", r->name, pg);
		}
	}
	if (fd != r->fd)
		close(fd);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	for (int i = 0; i < NR; i++)
		make_file(&R[i], i);

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++)
		check(&R[i]);
	for (int i = 0; i < NR; i++)
		if (i == R_FILE || i == R_RO)
			unlink(paths[i]);
	pass();
	return 0;
}
