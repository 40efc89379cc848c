/*
 * vma_prot_none: memory that was written and then made inaccessible keeps
 * its data. Private anonymous regions are filled and then mprotect()ed:
 *
 *   none   PROT_NONE (a guard or a reserved arena that held data)
 *   wo     PROT_WRITE only (reads as rw- on x86, but is mapped -w-p)
 *   xo     PROT_EXEC only
 *
 * After restore each must have its old range and permissions in
 * /proc/self/maps and, made readable again, its data.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zdtmtst.h"

#define PAGES 3

struct region {
	const char *name;
	int prot;
	const char *perms;
	unsigned char *p;
};

static struct region regions[] = {
	{ "none", PROT_NONE, "---p", NULL },
	{ "wo", PROT_WRITE, "-w-p", NULL },
	{ "xo", PROT_EXEC, "--xp", NULL },
};

#define NR_REGIONS (sizeof(regions) / sizeof(regions[0]))

static unsigned char pat(size_t r, size_t off)
{
	return (unsigned char)(r * 71 + off * 11 + (off >> 12) + 3);
}

static int perms_of(unsigned long addr, unsigned long len, char perms[5])
{
	unsigned long s, e;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %4s", &s, &e, perms) == 3 && s == addr) {
			ret = e == addr + len ? 0 : -1;
			break;
		}
	fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	size_t len = PAGES * sysconf(_SC_PAGESIZE);

	test_init(argc, argv);
	for (size_t r = 0; r < NR_REGIONS; r++) {
		struct region *g = &regions[r];

		g->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (g->p == MAP_FAILED)
			setup_fail("mmap: %m");
		for (size_t i = 0; i < len; i++)
			g->p[i] = pat(r, i);
		if (mprotect(g->p, len, g->prot))
			setup_fail("mprotect %s: %m", g->name);
	}

	test_daemon();
	test_waitsig();

	for (size_t r = 0; r < NR_REGIONS; r++) {
		struct region *g = &regions[r];
		char perms[5] = "";

		if (perms_of((unsigned long)g->p, len, perms) || strcmp(perms, g->perms)) {
			fail("%s: no mapping %p+%zu %s (%s)", g->name, g->p, len, g->perms, perms);
			continue;
		}
		if (mprotect(g->p, len, PROT_READ)) {
			fail("%s: mprotect: %m", g->name);
			continue;
		}
		for (size_t i = 0; i < len; i++)
			if (g->p[i] != pat(r, i)) {
				fail("%s: byte %zu is %#x, was %#x", g->name, i, g->p[i], pat(r, i));
				break;
			}
	}
	pass();
	return 0;
}
