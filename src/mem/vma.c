/*
 * What a VMA is (its kind and mmap flags) and which of its VmFlags a
 * restore brings back and how; a VMA with one it cannot is refused here.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "mem/mem.h"
#include "mm.pb-c.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE	0x08	/* 6.11 */
#endif

/* Is the two-letter flag in the VmFlags text? */
bool vma_has_flag(const char *vmflags, const char *flag)
{
	for (const char *p = vmflags; p && *p; p++) {
		if (*p == ' ')
			continue;
		if (p[0] == flag[0] && p[1] == flag[1] && (p[2] == ' ' || p[2] == '\0'))
			return true;
		while (p[1] && p[1] != ' ')
			p++;
	}
	return false;
}

int vma_kind(const struct proc_vma *v, uint32_t *map_flags)
{
	const char *p = v->path;

	*map_flags = v->shared ? MAP_SHARED : MAP_PRIVATE;
	if (v->vmflags & VMF_GD)
		*map_flags |= MAP_GROWSDOWN;
	if (!v->shared && v->vmflags & VMF_NR)
		*map_flags |= MAP_NORESERVE;
	/* droppable memory is its own mapping type (it implies nr wf dd) */
	if (!v->shared && vma_has_flag(v->vmflags_text, "dp"))
		*map_flags = (*map_flags & ~MAP_PRIVATE) | MAP_DROPPABLE;
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

/*
 * VmFlags a restore brings back: by prot and kind (rd wr ex sh mr mw me ms
 * ac), mmap flags (gd nr dp), madvise (dc dd mg hg nh wf sr rr), mlock2
 * (lo lf), mseal (sl), guard pages (gu), or that are the kernel's own
 * (sd; pf io de on the vDSO parts). Anything else is refused by name.
 */
static const char *const vmflags_ok[] = {
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms", "ac", "gd", "nr", "dp", "dc", "dd",
	"mg", "hg", "nh", "wf", "sr", "rr", "lo", "lf", "sl", "gu", "sd",
};

static const struct {
	char flag[3];
	const char *what;
} vmflags_refused[] = {
	{ "ht", "hugetlb mapping" },
	{ "um", "registered with a userfaultfd" },
	{ "uw", "registered with a userfaultfd (write-protect)" },
	{ "ui", "registered with a userfaultfd (minor faults)" },
	{ "ss", "shadow stack" },
	{ "sf", "MAP_SYNC mapping" },
	{ "mm", "mixed-map device mapping" },
	{ "de", "VM_DONTEXPAND (driver) mapping" },
};

int vma_check(pid_t pid, const struct proc_vma *v, int kind)
{
	const char *p = v->vmflags_text, *what = NULL;
	char flag[3] = "";

	if (kind == VMA_KIND__VMA_VDSO || kind == VMA_KIND__VMA_VVAR ||
	    kind == VMA_KIND__VMA_VSYSCALL || kind == VMA_KIND__VMA_SPECIAL)
		return 0;	/* placed by the kernel or refused as such */
	if (v->deleted && !strcmp(v->path, "/[aio]")) {
		pr_err("pid %d: AIO ring (io_setup) at %lx-%lx: unsupported", pid, v->start, v->end);
		return -EOPNOTSUPP;
	}
	if (!strncmp(v->path, "/SYSV", 5) && v->deleted) {
		pr_err("pid %d: SysV shared memory shmid %lu (key 0x%s) attached at %lx-%lx: "
		       "unsupported", pid, v->ino, v->path + 5, v->start, v->end);
		return -EOPNOTSUPP;
	}
	/*
	 * PR_SET_VMA_ANON_NAME names (CONFIG_ANON_VMA_NAME, not in the kernel
	 * the tests run on, so not restored yet; shared anonymous memory comes
	 * back as a shmem file mapping, which cannot take one at all).
	 */
	if (!strncmp(v->path, "[anon:", 6) || !strncmp(v->path, "[anon_shmem:", 12)) {
		pr_err("pid %d: anonymous memory %lx-%lx named %s: the name is not restored: "
		       "unsupported", pid, v->start, v->end, v->path);
		return -EOPNOTSUPP;
	}
	for (; *p; p++) {
		bool ok = false;

		if (*p == ' ')
			continue;
		flag[0] = p[0];
		flag[1] = p[1] && p[1] != ' ' ? p[1] : '?';
		while (p[1] && p[1] != ' ')
			p++;
		for (size_t i = 0; i < sizeof(vmflags_ok) / sizeof(vmflags_ok[0]); i++)
			ok |= !strcmp(flag, vmflags_ok[i]);
		if (ok)
			continue;
		what = "unknown VmFlags entry";
		for (size_t i = 0; i < sizeof(vmflags_refused) / sizeof(vmflags_refused[0]); i++)
			if (!strcmp(flag, vmflags_refused[i].flag))
				what = vmflags_refused[i].what;
		pr_err("pid %d: mapping %lx-%lx (%s): VmFlags '%s': %s: unsupported", pid, v->start,
		       v->end, v->path[0] ? v->path : "anonymous", flag, what);
		return -EOPNOTSUPP;
	}
	return 0;
}
