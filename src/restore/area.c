/*
 * The restorer area of a task: the blob, struct rst_args and everything it
 * points to (VMAs, page runs, threads and their signal frames, ...), the
 * shared rst_sync page, room to park the vDSO, and stacks. It goes where
 * the saved address space has a hole that is also free now.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#define LOG_PREFIX "restore: "
#include "arch/core-regs.h"
#include "arch/regs.h"
#include "common/log.h"
#include "common/util.h"
#include "proc/proc.h"
#include "restore/task.h"
#include "restore/vdso.h"
#include "mem/mem.h"

extern const unsigned char restorer_blob[];
extern const size_t restorer_blob_size;
extern const size_t restorer_sym_restorer_entry;

#define TASK_SIZE	0x7ffffffff000UL
#define ERESTART_NR	219	/* restart_syscall */

struct layout {
	size_t args, vmas, guards, runs, threads, sa, pend, groups, auxv, fds, frames, sync, stacks, timers;
	size_t old_vdso, patches;
	size_t park;			/* last: a proxy vDSO stays there after the area goes */
	size_t size;
};

static size_t take(size_t *off, size_t len, size_t align)
{
	size_t at = ALIGN_UP(*off, align);

	*off = at + len;
	return at;
}

static bool vma_mapped_by_restorer(const VmaEntry *v)
{
	return v->kind != VMA_KIND__VMA_VDSO && v->kind != VMA_KIND__VMA_VVAR &&
	       v->kind != VMA_KIND__VMA_VSYSCALL;
}

static int thread_regs_from_image(pid_t pid, const ThreadCoreEntry *tc, struct thread_regs *tr)
{
	memset(tr, 0, sizeof(*tr));
	if (!tc->gpregs || !tc->xsave.len || tc->xsave.len > (64u << 10)) {
		pr_err("pid %d tid %u: core image: bad registers", pid, tc->tid);
		return -EBADMSG;
	}
	arch_regs_from_image(tc->gpregs, &tr->regs);
	/* the kernel's restart block did not survive: the sleep returns EINTR, as CRIU does */
	if (tc->in_syscall_restart && tr->regs.rax == ERESTART_NR) {
		tr->regs.rax = -EINTR;
		tr->regs.rip += 2;
	}
	tr->xsave = (uint8_t *)tc->xsave.data;
	tr->xsave_len = tc->xsave.len;
	tr->sigmask = tc->sigmask;
	return 0;
}

/* Try holes of the saved layout, lowest first, for one that is free here too. */
static int place_area(pid_t pid, const MmEntry *mm, size_t size, uint64_t *out)
{
	uint64_t prev_end = 0x10000;

	for (size_t i = 0; i <= mm->n_vmas; i++) {
		uint64_t next = i < mm->n_vmas ? mm->vmas[i]->start : TASK_SIZE;

		if (next > TASK_SIZE)
			next = TASK_SIZE;
		for (uint64_t at = prev_end + PAGE_SIZE; next > at && next - at >= size + PAGE_SIZE;
		     at += ALIGN_UP(size, 1UL << 30)) {
			void *p = mmap((void *)at, size, PROT_READ | PROT_WRITE | PROT_EXEC,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

			if (p == (void *)at) {
				*out = at;
				return 0;
			}
			if (p != MAP_FAILED)
				munmap(p, size);
		}
		if (i < mm->n_vmas && mm->vmas[i]->end > prev_end)
			prev_end = mm->vmas[i]->end;
	}
	pr_err("pid %d: no room for the restorer (%zu bytes) in the saved address space", pid, size);
	return -ENOMEM;
}

/*
 * The inode a mapping or the exe had, by its files.img entry: a reopen of
 * that description, so a file whose name is gone comes back the same.
 * -ENOENT when there is no entry (old images): open by name.
 */
static int by_file_id(struct restore_ctx *ctx, uint32_t id, int mode)
{
	char self[64];
	int f;

	if (!id || id > ctx->nr_files || ctx->transport[id] < 0)
		return -ENOENT;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", ctx->transport[id]);
	f = open(self, mode | O_CLOEXEC);
	return f < 0 ? -errno : f;
}

static int open_vma_file(struct restore_ctx *ctx, pid_t pid, const VmaEntry *v, int *fd)
{
	int mode = O_RDONLY, f;

	*fd = -1;
	if (v->kind == VMA_KIND__VMA_ANON_SHARED) {
		f = restore_shmem_fd(ctx, v->shmid);
		if (f < 0) {
			pr_err("pid %d: shared memory %llu unknown", pid, (unsigned long long)v->shmid);
			return -EBADMSG;
		}
		f = fcntl(f, F_DUPFD_CLOEXEC, ctx->fd_base2);
		if (f < 0)
			return pr_perror("pid %d: dup shared memory fd", pid);
		*fd = f;
		return 0;
	}
	if (v->kind != VMA_KIND__VMA_FILE_PRIVATE && v->kind != VMA_KIND__VMA_FILE_SHARED)
		return 0;
	if (v->kind == VMA_KIND__VMA_FILE_SHARED && (v->prot & PROT_WRITE || strstr(v->vmflags, "mw")))
		mode = O_RDWR;
	f = by_file_id(ctx, v->has_file_id ? v->file_id : 0, mode);
	if (f == -ENOENT)
		f = open(v->name, mode | O_CLOEXEC);
	if (f < 0)
		return pr_perror("pid %d: mapping %#llx-%#llx: open %s", pid,
				 (unsigned long long)v->start, (unsigned long long)v->end, v->name);
	f = restore_fd_above(ctx, f);
	if (f < 0)
		return pr_errno(f, "pid %d: dup fd of %s", pid, v->name);
	*fd = f;
	return 0;
}

/* What is set on a VMA once filled: locks and seal, from its VmFlags. */
static uint32_t vma_attrs(const VmaEntry *v)
{
	uint32_t a = 0;

	if (vma_has_flag(v->vmflags, "lo"))
		a |= RST_VMA_LOCK;
	if (vma_has_flag(v->vmflags, "lf"))
		a |= RST_VMA_LOCK | RST_VMA_LOCK_ONFAULT;
	if (vma_has_flag(v->vmflags, "sl"))
		a |= RST_VMA_SEAL;
	return a;
}

/* Are the start, end pairs of r[n] page-aligned ranges inside v? */
static bool ranges_ok(const VmaEntry *v, const uint64_t *r, size_t n)
{
	if (n % 2)
		return false;
	for (size_t g = 0; g < n; g += 2)
		if (r[g] < v->start || r[g] >= r[g + 1] || r[g + 1] > v->end || r[g] % PAGE_SIZE ||
		    r[g + 1] % PAGE_SIZE)
			return false;
	return true;
}

/* The numbers of the guard and huge page ranges of all VMAs, each checked to lie in its VMA. */
static ssize_t count_ranges(pid_t pid, const MmEntry *mm)
{
	size_t n = 0;

	for (size_t i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!ranges_ok(v, v->guards, v->n_guards) || !ranges_ok(v, v->huge, v->n_huge)) {
			pr_err("pid %d: mm image: guard or huge pages of mapping %#llx-%#llx are "
			       "out of it", pid, (unsigned long long)v->start,
			       (unsigned long long)v->end);
			return -EBADMSG;
		}
		n += v->n_guards + v->n_huge;
	}
	return n;
}

static int pages_fd(struct restore_ctx *ctx, pid_t pid, uint64_t need, int *out)
{
	struct img *img;
	int ret, fd;

	ret = img_open(ctx->set, IMG_PAGES, pid, &img);
	if (ret)
		return ret;
	/* every run must be there: a short image is named here, not in the restorer */
	struct stat st;

	if (fstat(img_raw_fd(img), &st) || (uint64_t)st.st_size < IMG_PAGES_DATA_OFF + need) {
		pr_err("pid %d: %s: %lld bytes, the pagemap needs %llu", pid, img_name(img),
		       (long long)st.st_size,
		       (unsigned long long)(IMG_PAGES_DATA_OFF + need));
		img_close(img);
		return -ENODATA;
	}
	fd = fcntl(img_raw_fd(img), F_DUPFD_CLOEXEC, ctx->fd_base2);
	ret = fd < 0 ? pr_perror("pid %d: dup pages fd", pid) : 0;
	img_close(img);
	*out = fd;
	return ret;
}

/* Pages of these VMAs can be copied in by UFFDIO_COPY: private anonymous memory. */
static bool vma_uffd_capable(const VmaEntry *v)
{
	return (v->kind == VMA_KIND__VMA_ANON_PRIVATE || v->kind == VMA_KIND__VMA_HEAP) &&
	       !(v->flags & MAP_GROWSDOWN) && !vma_has_flag(v->vmflags, "dp");
}

/*
 * The runs of the pagemap, cut at VMA boundaries so that each lies in one
 * VMA (a VMA registered with the userfaultfd must only be filled through
 * it: a read() into it would wait for a copy forever). Both are sorted by
 * address. The number of runs; *poff ends past the last page.
 */
static long split_runs(pid_t pid, const struct task_images *ti, const struct rst_vma *rv,
		       size_t nv, struct rst_run *runs, size_t cap, uint64_t *poff)
{
	uint64_t prev_end = 0;
	size_t n = 0, k = 0;

	for (size_t i = 1; i < ti->nr_pagemap; i++) {
		const PagemapEntry *pe = (const PagemapEntry *)ti->pagemap[i];
		uint64_t va = pe->vaddr, left = pe->nr_pages * PAGE_SIZE;

		if (va < prev_end || va % PAGE_SIZE || left / PAGE_SIZE != pe->nr_pages ||
		    va + left < va) {
			pr_err("pid %d: pagemap image: run %zu at %#llx is out of order", pid, i,
			       (unsigned long long)va);
			return -EBADMSG;
		}
		prev_end = va + left;
		while (left) {
			uint64_t len = left;

			if (n == cap) {
				pr_err("pid %d: pagemap image: runs overlap the mappings", pid);
				return -EBADMSG;
			}
			while (k < nv && rv[k].end <= va)
				k++;
			if (k < nv && rv[k].start > va && rv[k].start < va + len)
				len = rv[k].start - va;		/* up to the next VMA */
			else if (k < nv && rv[k].start <= va && rv[k].end < va + len)
				len = rv[k].end - va;		/* to the end of this one */
			runs[n] = (struct rst_run){ .vaddr = va, .len = len, .off = *poff };
			n++;
			va += len;
			*poff += len;
			left -= len;
		}
	}
	return n;
}

/*
 * A private VMA is mapped writable only to be filled: one that gets no page
 * is mapped as it was. Mapping it writable would charge it to the commit
 * (VM_ACCOUNT, "ac" in smaps VmFlags), and mprotect back keeps the charge.
 * Both arrays are sorted by address.
 */
static void write_only_to_fill(struct rst_vma *rv, size_t nv, const struct rst_run *runs,
			       size_t nr_runs)
{
	size_t r = 0;

	for (size_t k = 0; k < nv; k++) {
		while (r < nr_runs && runs[r].vaddr + runs[r].len <= rv[k].start)
			r++;
		if (r < nr_runs && runs[r].vaddr < rv[k].end)
			continue;	/* it has pages */
		rv[k].fill_prot = rv[k].prot;
	}
}

/*
 * Mark the runs that lie inside a userfaultfd-capable VMA (rv[].uffd set
 * by the caller), and keep the mark only on VMAs that got a run. Both
 * arrays are sorted by address. The bytes of the marked runs; *chunks, theirs.
 */
static uint64_t mark_uffd_runs(struct rst_vma *rv, size_t nv, struct rst_run *runs, size_t nr_runs,
			       uint64_t *chunks)
{
	uint64_t bytes = 0;
	size_t k = 0;

	for (size_t i = 0; i < nr_runs; i++) {
		struct rst_run *r = &runs[i];

		while (k < nv && rv[k].end <= r->vaddr)
			k++;
		if (k == nv)
			break;
		if (rv[k].uffd && rv[k].start <= r->vaddr && r->vaddr + r->len <= rv[k].end) {
			r->uffd = 1;
			rv[k].uffd = 2;		/* capable and used */
			bytes += r->len;
			*chunks += DIV_ROUND_UP(r->len, RST_FILL_CHUNK);
		}
	}
	for (size_t i = 0; i < nv; i++)
		rv[i].uffd = rv[i].uffd == 2;
	return bytes;
}

static void unmark_uffd_runs(struct rst_vma *rv, size_t nv, struct rst_run *runs, size_t nr_runs)
{
	for (size_t i = 0; i < nv; i++)
		rv[i].uffd = 0;
	for (size_t i = 0; i < nr_runs; i++)
		runs[i].uffd = 0;
}

/*
 * A userfaultfd of this task's mm, above its future fds, or -errno. Without
 * one (an old kernel, a sysctl, a seccomp filter) the pages are read in.
 */
static int make_uffd(struct restore_ctx *ctx, pid_t pid)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd;

	/* the tests' way to see the other path: as if the kernel had none */
	if (getenv("CKPT_NO_UFFD"))
		return -ENOSYS;
	/*
	 * User faults only: a kernel access into a registered VMA (none is
	 * meant to happen) fails with EFAULT instead of waiting for a copy.
	 */
	fd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0 && errno == EINVAL)
		fd = syscall(SYS_userfaultfd, O_CLOEXEC);	/* before 5.11 */
	if (fd < 0)
		return -errno;
	if (ioctl(fd, UFFDIO_API, &api)) {
		int err = -errno;

		close(fd);
		return err;
	}
	fd = restore_fd_above(ctx, fd);
	if (fd < 0)
		pr_debug("pid %d: dup the userfaultfd: %s", pid, strerror(-fd));
	return fd;
}

static size_t count_pending(const TaskCoreEntry *core)
{
	size_t n = core->n_shared_pending;

	for (size_t i = 0; i < core->n_threads; i++)
		n += core->threads[i]->n_pending;
	return n;
}

/* The image's timers, checked: a timer's target thread must be one of the task's. */
static int fill_posix_timers(pid_t pid, const TaskCoreEntry *core, struct rst_posix_timer *rt)
{
	for (size_t i = 0; i < core->n_posix_timers; i++) {
		const PosixTimerEntry *t = core->posix_timers[i];
		bool known = !(t->notify & 4 /* SIGEV_THREAD_ID */);

		for (size_t j = 0; j < core->n_threads && !known; j++)
			known = t->has_notify_tid && core->threads[j]->tid == t->notify_tid;
		if (t->id < 0 || !known || t->isec < 0 || t->vsec < 0 ||
		    t->insec < 0 || t->insec >= 1000000000 || t->vnsec < 0 || t->vnsec >= 1000000000) {
			pr_err("pid %d: core image: POSIX timer %d: bad entry", pid, t->id);
			return -EBADMSG;
		}
		rt[i] = (struct rst_posix_timer){
			.id = t->id, .clock_id = t->clock_id, .notify = t->notify,
			.signo = t->has_signo ? t->signo : 0, .tid = (int32_t)t->notify_tid,
			.sival = t->has_sival ? t->sival : 0,
			.isec = t->isec, .insec = t->insec, .vsec = t->vsec, .vnsec = t->vnsec,
		};
	}
	return 0;
}

static void fill_thread(struct rst_thread *rt, const ThreadCoreEntry *tc, uint64_t frame,
			uint64_t stack_top, struct rst_siginfo *pend, uint64_t pend_addr)
{
	memset(rt, 0, sizeof(*rt));
	rt->tid = tc->tid;
	rt->frame = frame;
	rt->fs_base = tc->gpregs->fs_base;
	rt->gs_base = tc->gpregs->gs_base;
	rt->clear_tid = tc->clear_tid_addr;
	rt->robust_head = tc->robust_list;
	rt->robust_len = tc->robust_list_len;
	if (tc->altstack) {
		rt->alt_sp = tc->altstack->sp;
		rt->alt_size = tc->altstack->size;
		rt->alt_flags = tc->altstack->flags;
	} else {
		rt->alt_flags = SS_DISABLE;
	}
	if (tc->has_rseq_addr) {
		rt->rseq_addr = tc->rseq_addr;
		rt->rseq_len = tc->rseq_len;
		rt->rseq_sig = tc->rseq_sig;
	}
	/* each thread's own name: a new thread starts with its leader's */
	if (tc->comm)
		strncpy(rt->comm, tc->comm, sizeof(rt->comm) - 1);
	rt->stack_top = stack_top;
	rt->nr_pending = tc->n_pending;
	rt->pending = pend_addr;
	for (size_t i = 0; i < tc->n_pending; i++)
		if (tc->pending[i]->siginfo.len)
			memcpy(pend[i].data, tc->pending[i]->siginfo.data,
			       min_t(size_t, tc->pending[i]->siginfo.len, sizeof(pend[i].data)));
}

int restore_area_build(struct restore_ctx *ctx, struct rtask *t, struct task_images *ti,
		       struct rst_area *out)
{
	pid_t pid = t->pe->pid;
	const TaskCoreEntry *core = ti->core;
	const MmEntry *mm = ti->mm;
	size_t nt = core->n_threads, nv = 0, nr_runs = ti->nr_pagemap ? ti->nr_pagemap - 1 : 0;
	size_t npend = count_pending(core), nfds = 0, off = 0, frames = 0, park = 0;
	struct thread_regs *tr = calloc(nt, sizeof(*tr));
	int *vfd = calloc(mm->n_vmas + 1, sizeof(*vfd));
	struct vdso_plan vp;
	struct layout L;
	uint64_t base;
	char *A;
	int ret, pfd = -1, exe_fd;

	ssize_t nguards = count_ranges(pid, mm);

	if (!tr || !vfd)
		return -ENOMEM;
	if (nguards < 0)
		return nguards;
	for (size_t i = 0; i < nt; i++) {
		ret = thread_regs_from_image(pid, core->threads[i], &tr[i]);
		if (ret)
			return ret;
		frames += arch_sigframe_size(&tr[i]);
	}
	ret = vdso_plan(pid, mm, &vp);
	if (ret)
		return ret;
	park = vp.span;

	for (size_t i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->kind == VMA_KIND__VMA_SPECIAL) {
			pr_err("pid %d: mapping %#llx-%#llx (%s) cannot be restored", pid,
			       (unsigned long long)v->start, (unsigned long long)v->end, v->name);
			return -EOPNOTSUPP;
		}
		if (!vma_mapped_by_restorer(v))
			continue;
		ret = open_vma_file(ctx, pid, v, &vfd[i]);
		if (ret)
			return ret;
		nv++;
	}
	if (nr_runs) {
		uint64_t need = 0;

		for (size_t i = 0; i < nr_runs; i++)
			need += ((const PagemapEntry *)ti->pagemap[i + 1])->nr_pages * PAGE_SIZE;
		ret = pages_fd(ctx, pid, need, &pfd);
		if (ret)
			return ret;
	}
	exe_fd = by_file_id(ctx, mm->has_exe_file_id ? mm->exe_file_id : 0, O_RDONLY);
	if (exe_fd == -ENOENT)
		exe_fd = open(mm->exe_path, O_RDONLY | O_CLOEXEC);
	if (exe_fd < 0)
		return pr_perror("pid %d: open the executable %s", pid, mm->exe_path);
	exe_fd = restore_fd_above(ctx, exe_fd);
	if (exe_fd < 0)
		return pr_errno(exe_fd, "pid %d: dup the executable fd", pid);

	L.args = take(&off, ALIGN_UP(restorer_blob_size, PAGE_SIZE) + sizeof(struct rst_args), 64) +
		 ALIGN_UP(restorer_blob_size, PAGE_SIZE);
	L.vmas = take(&off, nv * sizeof(struct rst_vma), 64);
	L.guards = take(&off, nguards * sizeof(uint64_t), 64);
	/* a run is cut where a VMA ends: at most twice per VMA */
	L.runs = take(&off, (nr_runs + 2 * nv) * sizeof(struct rst_run), 64);
	L.threads = take(&off, nt * sizeof(struct rst_thread), 64);
	L.sa = take(&off, core->n_sigactions * sizeof(struct rst_sigaction), 64);
	L.timers = take(&off, core->n_posix_timers * sizeof(struct rst_posix_timer), 64);
	L.pend = take(&off, npend * sizeof(struct rst_siginfo), 64);
	L.groups = take(&off, core->creds->n_groups * sizeof(uint32_t), 64);
	L.auxv = take(&off, mm->n_auxv * sizeof(uint64_t), 64);
	L.fds = take(&off, (mm->n_vmas + 3) * sizeof(int32_t), 64);
	L.frames = take(&off, frames, 64);
	L.old_vdso = take(&off, vp.old_size, 64);
	L.patches = take(&off, vp.nr_patches * sizeof(struct rst_vdso_patch), 64);
	L.sync = take(&off, ctx->sync_size, PAGE_SIZE);
	L.stacks = take(&off, nt * RST_THREAD_STACK, PAGE_SIZE);
	L.park = take(&off, park, PAGE_SIZE);
	L.size = ALIGN_UP(off, PAGE_SIZE);

	ret = place_area(pid, mm, L.size, &base);
	if (ret)
		return ret;
	A = (char *)base;
	memcpy(A, restorer_blob, restorer_blob_size);

	struct rst_args *a = (struct rst_args *)(A + L.args);
	memset(a, 0, sizeof(*a));
	a->version = RST_PROTO_VERSION;
	a->pid = pid;
	a->area_start = base;
	a->area_size = L.size;
	a->pages_fd = pfd;
	vdso_place(&vp, base + L.park, a);
	if (vp.proxy) {
		memcpy(A + L.old_vdso, vp.old_data, vp.old_size);
		memcpy(A + L.patches, vp.patches, vp.nr_patches * sizeof(*vp.patches));
		a->old_vdso_addr = vp.old_addr;
		a->old_vdso_size = vp.old_size;
		a->old_vdso_data = base + L.old_vdso;
		a->vdso_patches = base + L.patches;
		a->nr_vdso_patches = vp.nr_patches;
	}
	free(vp.patches);

	struct rst_vma *rv = (struct rst_vma *)(A + L.vmas);
	int32_t *close_fds = (int32_t *)(A + L.fds);
	uint64_t *guards = (uint64_t *)(A + L.guards);

	for (size_t i = 0, k = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (!vma_mapped_by_restorer(v))
			continue;
		rv[k].start = v->start;
		rv[k].end = v->end;
		rv[k].pgoff = v->pgoff;
		rv[k].prot = v->prot;
		rv[k].flags = v->flags;
		rv[k].fd = vfd[i] > 0 ? vfd[i] : -1;
		rv[k].madv = v->has_madv ? v->madv : 0;
		rv[k].fill_prot = v->kind == VMA_KIND__VMA_FILE_SHARED ? v->prot :
				  v->prot | PROT_READ | PROT_WRITE;
		if (v->kind == VMA_KIND__VMA_ANON_SHARED)
			rv[k].flags = MAP_SHARED;	/* the memfd stands for the object */
		rv[k].uffd = vma_uffd_capable(v);
		rv[k].attrs = vma_attrs(v);
		rv[k].guards = base + L.guards + (guards - (uint64_t *)(A + L.guards)) * sizeof(uint64_t);
		rv[k].nr_guards = v->n_guards / 2;
		rv[k].nr_huge = v->n_huge / 2;
		memcpy(guards, v->guards, v->n_guards * sizeof(uint64_t));
		guards += v->n_guards;
		memcpy(guards, v->huge, v->n_huge * sizeof(uint64_t));
		guards += v->n_huge;
		if (rv[k].fd >= 0)
			close_fds[nfds++] = rv[k].fd;
		k++;
	}
	a->vmas = base + L.vmas;
	a->nr_vmas = nv;

	struct rst_run *runs = (struct rst_run *)(A + L.runs);
	uint64_t poff = IMG_PAGES_DATA_OFF;

	long split = split_runs(pid, ti, rv, nv, runs, nr_runs + 2 * nv, &poff);

	if (split < 0)
		return split;
	nr_runs = split;
	write_only_to_fill(rv, nv, runs, nr_runs);
	a->runs = base + L.runs;
	a->nr_runs = nr_runs;
	a->pages_size = poff;
	a->slot = t->slot;
	a->uffd = -1;
	/*
	 * Enough private anonymous memory to be worth two takers: copied in by
	 * UFFDIO_COPY (a page made and filled at once, not zeroed first and not
	 * a fault each), by the restorer and ckpt side by side.
	 */
	if (mark_uffd_runs(rv, nv, runs, nr_runs, &a->nr_chunks) >= 2 * RST_FILL_CHUNK) {
		a->uffd = make_uffd(ctx, pid);
		if (a->uffd >= 0)
			close_fds[nfds++] = a->uffd;
		else
			pr_info("pid %d: no userfaultfd (%s): pages are read in", pid,
				strerror(-a->uffd));
	}
	if (a->uffd < 0) {
		a->nr_chunks = 0;
		unmark_uffd_runs(rv, nv, runs, nr_runs);
	}
	if (pfd >= 0)
		close_fds[nfds++] = pfd;
	close_fds[nfds++] = exe_fd;
	a->close_fds = base + L.fds;
	a->nr_close_fds = nfds;

	struct rst_thread *th = (struct rst_thread *)(A + L.threads);
	struct rst_siginfo *pend = (struct rst_siginfo *)(A + L.pend);
	size_t foff = L.frames, pi = 0;

	for (size_t i = 0; i < nt; i++) {
		uint64_t frame = base + foff;

		ret = arch_build_sigframe(&tr[i], frame, A + foff);
		if (ret)
			return ret;
		foff += arch_sigframe_size(&tr[i]);
		fill_thread(&th[i], core->threads[i], frame,
			    base + L.stacks + (i + 1) * RST_THREAD_STACK, pend + pi,
			    base + L.pend + pi * sizeof(*pend));
		pi += core->threads[i]->n_pending;
	}
	a->threads = base + L.threads;
	a->nr_threads = nt;
	for (size_t i = 0; i < core->n_shared_pending; i++)
		if (core->shared_pending[i]->siginfo.len)
			memcpy(pend[pi + i].data, core->shared_pending[i]->siginfo.data,
			       min_t(size_t, core->shared_pending[i]->siginfo.len, sizeof(pend->data)));
	a->shared_pending = base + L.pend + pi * sizeof(*pend);
	a->nr_shared_pending = core->n_shared_pending;

	struct rst_sigaction *sa = (struct rst_sigaction *)(A + L.sa);

	for (size_t i = 0; i < core->n_sigactions; i++) {
		sa[i].sig = core->sigactions[i]->sig;
		sa[i].handler = core->sigactions[i]->handler;
		sa[i].flags = core->sigactions[i]->flags;
		sa[i].restorer = core->sigactions[i]->restorer;
		sa[i].mask = core->sigactions[i]->mask;
		if (sa[i].sig == SIGALRM && sa[i].handler == (uint64_t)(uintptr_t)SIG_IGN)
			a->alrm_ignored = 1;
	}
	a->sigactions = base + L.sa;
	a->nr_sigactions = core->n_sigactions;
	for (size_t i = 0; i < core->n_itimers && i < 3; i++) {
		const ItimerEntry *it = core->itimers[i];

		if (it->which < 3) {
			a->itimer[it->which].isec = it->isec;
			a->itimer[it->which].iusec = it->iusec;
			a->itimer[it->which].vsec = it->vsec;
			a->itimer[it->which].vusec = it->vusec;
		}
	}

	ret = fill_posix_timers(pid, core, (struct rst_posix_timer *)(A + L.timers));
	if (ret)
		return ret;
	a->posix_timers = base + L.timers;
	a->nr_posix_timers = core->n_posix_timers;

	const CredsEntry *c = core->creds;

	a->creds = (struct rst_creds){
		.uid = c->uid, .euid = c->euid, .suid = c->suid, .fsuid = c->fsuid,
		.gid = c->gid, .egid = c->egid, .sgid = c->sgid, .fsgid = c->fsgid,
		.cap_inh = c->cap_inh, .cap_prm = c->cap_prm, .cap_eff = c->cap_eff,
		.cap_bnd = c->cap_bnd, .cap_amb = c->has_cap_amb ? c->cap_amb : 0,
		.securebits = c->has_securebits ? c->securebits : 0,
		.no_new_privs = c->has_no_new_privs && c->no_new_privs,
		.ngroups = c->n_groups, .groups = base + L.groups,
	};
	/* an empty repeated field is a NULL array: memcpy from NULL is undefined even for 0 bytes */
	if (c->n_groups)
		memcpy(A + L.groups, c->groups, c->n_groups * sizeof(uint32_t));
	if (mm->n_auxv)
		memcpy(A + L.auxv, mm->auxv, mm->n_auxv * sizeof(uint64_t));
	char last[16];

	a->cap_last = read_small_file("/proc/sys/kernel/cap_last_cap", last, sizeof(last)) > 0 ?
		      (uint32_t)atoi(last) : 40;
	a->pdeath_sig = core->has_pdeath_sig ? core->pdeath_sig : 0;
	a->dumpable = core->has_dumpable ? (int32_t)core->dumpable : -1;
	a->mm = (struct rst_mm_map){
		.start_code = mm->mm_start_code, .end_code = mm->mm_end_code,
		.start_data = mm->mm_start_data, .end_data = mm->mm_end_data,
		.start_brk = mm->mm_start_brk, .brk = mm->mm_brk,
		.start_stack = mm->mm_start_stack,
		.arg_start = mm->mm_arg_start, .arg_end = mm->mm_arg_end,
		.env_start = mm->mm_env_start, .env_end = mm->mm_env_end,
		.auxv = base + L.auxv, .auxv_size = mm->n_auxv * sizeof(uint64_t),
		.exe_fd = exe_fd,
	};

	/* the shared sync page moves in: it must outlive ckpt's mappings here */
	void *s = mremap(ctx->sync, ctx->sync_size, ctx->sync_size, MREMAP_MAYMOVE | MREMAP_FIXED,
			 A + L.sync);
	if (s == MAP_FAILED)
		return pr_perror("pid %d: move the sync page", pid);
	ctx->sync = s;
	a->sync = base + L.sync;
	ctx->sync->slots[t->slot].area_start = base;
	/* a proxy vDSO stays where it was parked, past what ckpt unmaps */
	ctx->sync->slots[t->slot].area_size = vp.proxy ? L.park : L.size;

	out->entry = base + restorer_sym_restorer_entry;
	out->stack_top = th[0].stack_top;
	out->args = base + L.args;
	free(tr);
	free(vfd);
	return 0;
}
