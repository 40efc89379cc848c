/*
 * The vDSO of a restored task.
 *
 * The same kernel: the parts ([vvar], [vvar_vclock], [vdso] here; whatever
 * this kernel has) have the same names and sizes: the restorer moves each
 * to where the task had it, keeping their relative layout.
 *
 * Another layout (another kernel): the task holds pointers into its old
 * vDSO, which this kernel does not have. The old image (saved at dump) goes
 * back to its old address, and each of its functions gets a jump to the
 * same function of this kernel's vDSO, which lives next to the restorer
 * area. CKPT_VDSO_PROXY=1 forces this path (for tests on one kernel).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "proc/proc.h"
#include "restore/vdso.h"

struct vsym {
	const char *name;
	uint64_t off;		/* from the start of the image */
};

/* The function symbols of a vDSO image (an ELF shared object, read whole). */
static int vdso_symbols(const uint8_t *img, size_t size, struct vsym **out, size_t *n)
{
	const Elf64_Ehdr *eh = (const void *)img;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	uint64_t base = 0;
	struct vsym *v = NULL;
	size_t cnt = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    eh->e_shoff > size || eh->e_shnum > (size - eh->e_shoff) / sizeof(Elf64_Shdr) ||
	    eh->e_phoff > size || eh->e_phnum > (size - eh->e_phoff) / sizeof(Elf64_Phdr))
		return -ENOEXEC;
	ph = (const void *)(img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			base = ph[i].p_vaddr - ph[i].p_offset;
			break;
		}
	sh = (const void *)(img + eh->e_shoff);
	for (int i = 0; i < eh->e_shnum; i++) {
		const Elf64_Shdr *ss = &sh[i], *st;
		const Elf64_Sym *sym;
		const char *str;

		if (ss->sh_type != SHT_DYNSYM || ss->sh_link >= eh->e_shnum)
			continue;
		st = &sh[ss->sh_link];
		if (ss->sh_offset > size || ss->sh_size > size - ss->sh_offset ||
		    st->sh_offset > size || st->sh_size > size - st->sh_offset)
			break;
		sym = (const void *)(img + ss->sh_offset);
		str = (const char *)img + st->sh_offset;
		for (size_t k = 0; k < ss->sh_size / sizeof(*sym); k++) {
			struct vsym *nv;

			if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_shndx == SHN_UNDEF ||
			    sym[k].st_name >= st->sh_size || sym[k].st_value - base >= size)
				continue;
			nv = reallocarray(v, cnt + 1, sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[cnt].name = str + sym[k].st_name;
			v[cnt].off = sym[k].st_value - base;
			cnt++;
		}
	}
	*out = v;
	*n = cnt;
	return cnt ? 0 : -ENOEXEC;
}

/* This process's vDSO parts, from its maps. */
static int current_parts(pid_t pid, struct vdso_plan *p, char names[][32])
{
	struct proc_vma *cur = NULL;
	size_t ncur = 0;
	char *buf = NULL;
	int ret;

	ret = read_file_at(AT_FDCWD, "/proc/self/maps", &buf) < 0 ? -EIO : 0;
	if (!ret)
		ret = proc_parse_maps(buf, &cur, &ncur);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: read /proc/self/maps", pid);
	p->n = 0;
	for (size_t i = 0; i < ncur && !ret; i++) {
		if (strcmp(cur[i].path, "[vdso]") && strncmp(cur[i].path, "[vvar", 5))
			continue;
		if (p->n == RST_MAX_VDSO_PARTS) {
			ret = pr_errno(-E2BIG, "pid %d: too many vDSO parts", pid);
			break;
		}
		p->parts[p->n].cur = cur[i].start;
		p->parts[p->n].size = cur[i].end - cur[i].start;
		snprintf(names[p->n], 32, "%s", cur[i].path);
		if (!strcmp(cur[i].path, "[vdso]"))
			p->cur_vdso = p->n;
		p->n++;
	}
	proc_vmas_free(cur, ncur);
	if (p->n)
		p->span = p->parts[p->n - 1].cur + p->parts[p->n - 1].size - p->parts[0].cur;
	return ret;
}

/* Same names, sizes and relative layout: each part goes where it was. */
static bool same_layout(const MmEntry *mm, struct vdso_plan *p, char names[][32])
{
	size_t saved = 0;

	for (size_t j = 0; j < mm->n_vmas; j++)
		if (mm->vmas[j]->kind == VMA_KIND__VMA_VDSO || mm->vmas[j]->kind == VMA_KIND__VMA_VVAR)
			saved++;
	if (saved != p->n)
		return false;
	for (size_t i = 0; i < p->n; i++) {
		p->parts[i].target = 0;
		for (size_t j = 0; j < mm->n_vmas; j++) {
			const VmaEntry *v = mm->vmas[j];

			if ((v->kind == VMA_KIND__VMA_VDSO || v->kind == VMA_KIND__VMA_VVAR) &&
			    v->name && !strcmp(v->name, names[i]) && v->end - v->start == p->parts[i].size)
				p->parts[i].target = v->start;
		}
		if (!p->parts[i].target)
			return false;
		if (p->parts[i].target - p->parts[0].target != p->parts[i].cur - p->parts[0].cur)
			return false;
	}
	return true;
}

static int plan_proxy(pid_t pid, const MmEntry *mm, struct vdso_plan *p)
{
	const VmaEntry *old = NULL;
	const uint8_t *cur_img = (const uint8_t *)p->parts[p->cur_vdso].cur;
	struct vsym *os = NULL, *ns = NULL;
	size_t no = 0, nn = 0;
	int ret;

	for (size_t j = 0; j < mm->n_vmas; j++)
		if (mm->vmas[j]->kind == VMA_KIND__VMA_VDSO)
			old = mm->vmas[j];
	if (!old) {
		/* the task had no vDSO: it gets none (the parts stay parked in the area) */
		p->drop = true;
		return 0;
	}
	if (!mm->has_vdso_image || mm->vdso_image.len != old->end - old->start) {
		pr_err("pid %d: the vDSO changed since the dump and the image lacks the old one", pid);
		return -ENOEXEC;
	}
	if (p->cur_vdso < 0) {
		pr_err("pid %d: this kernel gives no vDSO to stand in for the old one", pid);
		return -ENOEXEC;
	}
	ret = vdso_symbols(mm->vdso_image.data, mm->vdso_image.len, &os, &no);
	if (!ret)
		ret = vdso_symbols(cur_img, p->parts[p->cur_vdso].size, &ns, &nn);
	if (ret) {
		pr_err("pid %d: cannot read the symbols of the %s vDSO", pid, os ? "new" : "old");
		goto out;
	}
	p->patches = calloc(no, sizeof(*p->patches));
	if (!p->patches) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < no; i++)
		for (size_t k = 0; k < nn; k++)
			if (!strcmp(os[i].name, ns[k].name)) {
				p->patches[p->nr_patches].addr = old->start + os[i].off;
				p->patches[p->nr_patches].target = ns[k].off;	/* made absolute later */
				p->nr_patches++;
				break;
			}
	p->proxy = true;
	p->old_addr = old->start;
	p->old_size = old->end - old->start;
	p->old_data = mm->vdso_image.data;
	pr_info("pid %d: proxy vDSO: %zu of %zu functions redirected", pid, p->nr_patches, no);
out:
	free(os);
	free(ns);
	return ret;
}

int vdso_plan(pid_t pid, const MmEntry *mm, struct vdso_plan *p)
{
	char names[RST_MAX_VDSO_PARTS][32];
	const char *force = getenv("CKPT_VDSO_PROXY");
	int ret;

	memset(p, 0, sizeof(*p));
	p->cur_vdso = -1;
	ret = current_parts(pid, p, names);
	if (ret)
		return ret;
	if ((!force || strcmp(force, "1")) && same_layout(mm, p, names))
		return 0;
	return plan_proxy(pid, mm, p);
}

void vdso_place(struct vdso_plan *p, uint64_t at, struct rst_args *a)
{
	a->nr_vdso = p->n;
	for (size_t i = 0; i < p->n; i++) {
		a->vdso[i] = p->parts[i];
		if (p->proxy || p->drop)
			a->vdso[i].target = at + (p->parts[i].cur - p->parts[0].cur);
	}
	a->vdso_park = at;
	for (size_t i = 0; i < p->nr_patches; i++)
		p->patches[i].target += at + (p->parts[p->cur_vdso].cur - p->parts[0].cur);
}
