/* mm-PID.img: the address space layout and mm fields. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "mem/mem.h"
#include "mem/pagemap-scan.h"
#include "mm.pb-c.h"

static int read_auxv(pid_t pid, uint64_t **out, size_t *n)
{
	char *buf = NULL;
	ssize_t len = proc_read(pid, "auxv", &buf);

	if (len < 0)
		return len;
	*out = (uint64_t *)buf;
	*n = len / sizeof(uint64_t);
	return 0;
}


/* The file behind a file mapping: the same inode comes back even if its name is gone. */
static int vma_file(struct task_dump *td, const struct proc_vma *v, uint32_t *id)
{
	char what[64];
	int flags = v->shared && (v->prot & PROT_WRITE || v->vmflags & VMF_MW) ? O_RDWR : O_RDONLY;

	char link[PATH_MAX];

	snprintf(what, sizeof(what), "map_files/%lx-%lx", v->start, v->end);
	return file_table_add_proc_link(td->files, td->task->pid, what, flags, id, link,
					sizeof(link));
}

int dump_mm_files(struct task_dump *td)
{
	char exe[PATH_MAX];
	int ret;

	td->vma_file_ids = calloc(td->nr_vmas ? td->nr_vmas : 1, sizeof(*td->vma_file_ids));
	if (!td->vma_file_ids)
		return -ENOMEM;
	ret = file_table_add_proc_link(td->files, td->task->pid, "exe", O_RDONLY, &td->exe_file_id,
				       exe, sizeof(exe));
	if (ret)
		return ret;
	td->exe_path = strdup(exe);
	if (!td->exe_path)
		return -ENOMEM;
	for (size_t i = 0; i < td->nr_vmas; i++) {
		if (td->kinds[i] != VMA_KIND__VMA_FILE_PRIVATE && td->kinds[i] != VMA_KIND__VMA_FILE_SHARED)
			continue;
		ret = vma_file(td, &td->vmas[i], &td->vma_file_ids[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/* The [vdso] itself: restore on another kernel puts it back as a proxy. */
static int read_vdso(struct task_dump *td, uint8_t **buf, MmEntry *mm)
{
	pid_t pid = td->task->pid;
	char path[64];
	int fd, ret = 0;

	for (size_t i = 0; i < td->nr_vmas; i++) {
		const struct proc_vma *v = &td->vmas[i];
		size_t len = v->end - v->start;

		if (strcmp(v->path, "[vdso]") || len > (1u << 20))
			continue;
		*buf = malloc(len);
		if (!*buf)
			return -ENOMEM;
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return pr_perror("pid %d: open %s", pid, path);
		ret = pread_all(fd, *buf, len, v->start);
		close(fd);
		if (ret)
			return pr_errno(ret, "pid %d: read the vdso", pid);
		mm->has_vdso_image = true;
		mm->vdso_image.data = *buf;
		mm->vdso_image.len = len;
	}
	return 0;
}

/*
 * Guard pages (installed again by the restorer, they hold no data) and the
 * huge pages of private anonymous memory (collapsed again after the fill).
 */
static int dump_page_ranges(pid_t pid, const struct proc_vma *pv, VmaEntry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = 0;

		if (vma_has_flag(pv[i].vmflags_text, "gu"))
			ret = vma_page_ranges(pid, &pv[i], PAGE_IS_GUARD, &e[i].guards,
					      &e[i].n_guards);
		if (!ret && (e[i].kind == VMA_KIND__VMA_ANON_PRIVATE || e[i].kind == VMA_KIND__VMA_HEAP) &&
		    !vma_has_flag(pv[i].vmflags_text, "nh"))
			ret = vma_page_ranges(pid, &pv[i], PAGE_IS_HUGE, &e[i].huge, &e[i].n_huge);
		if (ret)
			return ret;
	}
	return 0;
}

int dump_mm(struct task_dump *td)
{
	const struct proc_stat *st = &td->stat;
	pid_t pid = td->task->pid;
	MmEntry mm = MM_ENTRY__INIT;
	cleanup_free VmaEntry *vmas = calloc(td->nr_vmas ? td->nr_vmas : 1, sizeof(*vmas));
	cleanup_free VmaEntry **ptrs = calloc(td->nr_vmas ? td->nr_vmas : 1, sizeof(*ptrs));
	cleanup_free uint64_t *auxv = NULL;
	cleanup_free uint8_t *vdso = NULL;
	int ret;

	if (!vmas || !ptrs)
		return -ENOMEM;
	mm.pid = pid;
	mm.mm_start_code = st->start_code;
	mm.mm_end_code = st->end_code;
	mm.mm_start_data = st->start_data;
	mm.mm_end_data = st->end_data;
	mm.mm_start_stack = st->start_stack;
	mm.mm_start_brk = st->start_brk;
	mm.mm_arg_start = st->arg_start;
	mm.mm_arg_end = st->arg_end;
	mm.mm_env_start = st->env_start;
	mm.mm_env_end = st->env_end;
	mm.mm_brk = td->misc.brk;	/* exact: /proc shows only the page-aligned heap end */

	ret = read_auxv(pid, &auxv, &mm.n_auxv);
	if (ret)
		return ret;
	mm.auxv = auxv;
	mm.exe_file_id = td->exe_file_id;
	mm.exe_path = td->exe_path;
	mm.has_exe_file_id = true;

	for (size_t i = 0; i < td->nr_vmas; i++) {
		const struct proc_vma *v = &td->vmas[i];
		VmaEntry *e = &vmas[i];
		uint32_t flags;

		vma_entry__init(e);
		e->start = v->start;
		e->end = v->end;
		e->pgoff = v->pgoff;
		e->prot = v->prot;
		e->kind = vma_kind(v, &flags);
		e->flags = flags;
		e->vmflags = (char *)v->vmflags_text;
		e->name = v->path;
		e->has_madv = true;
		e->madv = vma_madv_bits(v->vmflags);
		if (e->kind == VMA_KIND__VMA_ANON_SHARED) {
			e->has_shmid = true;
			e->shmid = v->ino;
		}
		if (e->kind == VMA_KIND__VMA_FILE_PRIVATE || e->kind == VMA_KIND__VMA_FILE_SHARED) {
			e->has_file_id = true;
			e->file_id = td->vma_file_ids[i];
		}
		ptrs[i] = e;
	}
	mm.vmas = ptrs;
	mm.n_vmas = td->nr_vmas;
	ret = dump_page_ranges(pid, td->vmas, vmas, td->nr_vmas);
	if (!ret)
		ret = read_vdso(td, &vdso, &mm);
	if (ret)
		goto out;
	mm.has_pages_dumped = true;
	mm.pages_dumped = td->nr_pages;

	ret = img_write_one(td->set, IMG_MM, pid, &mm.base);
out:
	for (size_t i = 0; i < td->nr_vmas; i++)
	{
		free(vmas[i].guards);
		free(vmas[i].huge);
	}
	return ret;
}
