#include <string.h>
#include <sys/mman.h>

#include "mem/mem.h"
#include "mm.pb-c.h"

int vma_kind(const struct proc_vma *v, uint32_t *map_flags)
{
	const char *p = v->path;

	*map_flags = v->shared ? MAP_SHARED : MAP_PRIVATE;
	if (v->vmflags & VMF_GD)
		*map_flags |= MAP_GROWSDOWN;
	if (!strcmp(p, "[vdso]"))
		return VMA_KIND__VMA_VDSO;
	if (!strcmp(p, "[vvar]") || !strcmp(p, "[vvar_vclock]"))
		return VMA_KIND__VMA_VVAR;
	if (!strcmp(p, "[vsyscall]"))
		return VMA_KIND__VMA_VSYSCALL;
	if (v->vmflags & (VMF_IO | VMF_PF))
		return VMA_KIND__VMA_SPECIAL;
	if (!strcmp(p, "[heap]")) {
		*map_flags |= MAP_ANONYMOUS;
		return VMA_KIND__VMA_HEAP;
	}
	if (!strcmp(p, "[stack]")) {
		*map_flags |= MAP_ANONYMOUS;
		return VMA_KIND__VMA_STACK;
	}
	if (p[0] == '\0' || !strncmp(p, "[anon:", 6) || !strncmp(p, "[anon_shmem:", 12)) {
		*map_flags |= MAP_ANONYMOUS;
		return v->shared || !strncmp(p, "[anon_shmem:", 12) ?
			VMA_KIND__VMA_ANON_SHARED : VMA_KIND__VMA_ANON_PRIVATE;
	}
	/* MAP_SHARED|MAP_ANONYMOUS shows as the shmem file "/dev/zero (deleted)" */
	if (v->shared && v->deleted && (!strcmp(p, "/dev/zero") || !strncmp(p, "/SYSV", 5))) {
		*map_flags |= MAP_ANONYMOUS;
		return VMA_KIND__VMA_ANON_SHARED;
	}
	if (p[0] == '[')
		return VMA_KIND__VMA_SPECIAL;	/* some other kernel-made mapping */
	return v->shared ? VMA_KIND__VMA_FILE_SHARED : VMA_KIND__VMA_FILE_PRIVATE;
}

bool vma_kind_has_pages(int kind)
{
	switch (kind) {
	case VMA_KIND__VMA_ANON_PRIVATE:
	case VMA_KIND__VMA_ANON_SHARED:
	case VMA_KIND__VMA_FILE_PRIVATE:
	case VMA_KIND__VMA_HEAP:
	case VMA_KIND__VMA_STACK:
		return true;
	default:
		return false;
	}
}

uint32_t vma_madv_bits(uint32_t f)
{
	uint32_t m = 0;

	if (f & VMF_DC)
		m |= 1u << MADV_DONTFORK;
	if (f & VMF_DD)
		m |= 1u << MADV_DONTDUMP;
	if (f & VMF_MG)
		m |= 1u << MADV_MERGEABLE;
	if (f & VMF_HG)
		m |= 1u << MADV_HUGEPAGE;
	if (f & VMF_NH)
		m |= 1u << MADV_NOHUGEPAGE;
	if (f & VMF_WF)
		m |= 1u << MADV_WIPEONFORK;
	if (f & VMF_SR)
		m |= 1u << MADV_SEQUENTIAL;
	if (f & VMF_RR)
		m |= 1u << MADV_RANDOM;
	return m;
}
