/*
 * Page transfer. The present pages of each dumpable VMA are found with
 * PAGEMAP_SCAN on /proc/PID/pagemap (one ioctl returns whole runs), then the
 * parasite vmsplice()s them into a pipe while we splice() the pipe into
 * pages-PID.img: both sides run at once, the data never passes through a
 * buffer of ours. Pages of VMAs the task itself cannot read (PROT_NONE,
 * PROT_WRITE only...) are read by force through /proc/PID/mem instead.
 * Shared anonymous memory is read from its shmem object itself (through
 * /proc/PID/map_files): every page it holds, also those no page table of
 * the task maps (written by a task that is gone, or only by another one).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOG_PREFIX "pages: "
#include "common/log.h"
#include "common/util.h"
#include "mem/mem.h"
#include "mem/pagemap-scan.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"


#define PIPE_SIZE	(1 << 20)
#define SCAN_VEC	512
#define BATCH_BYTES	(1ul << 30)	/* per DUMP_PAGES: the reply counts bytes in an int32 */
#define COPY_CHUNK	(1ul << 20)

struct run {
	uint64_t start, end;
	bool unreadable;		/* not by vmsplice(): no PROT_READ (EFAULT), or shmem */
	bool shmem;			/* read from the object of VMA vstart-vend at foff */
	uint64_t vstart, vend, foff;
};

struct runs {
	struct run *v;
	size_t n, cap;
};

static int runs_add(struct runs *r, uint64_t start, uint64_t end, bool unreadable)
{
	if (r->n && r->v[r->n - 1].end == start && r->v[r->n - 1].unreadable == unreadable &&
	    !r->v[r->n - 1].shmem) {
		r->v[r->n - 1].end = end;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 256;
		struct run *nv = reallocarray(r->v, cap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->v = nv;
		r->cap = cap;
	}
	r->v[r->n].start = start;
	r->v[r->n].end = end;
	r->v[r->n].unreadable = unreadable;
	r->v[r->n].shmem = false;
	r->n++;
	return 0;
}

static int open_map_file(pid_t pid, uint64_t start, uint64_t end)
{
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx", pid,
		 (unsigned long long)start, (unsigned long long)end);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d: open %s", pid, path);
	return fd;
}

/*
 * The pages the shmem object behind a shared anonymous VMA holds in the
 * VMA's window (SEEK_DATA counts swapped-out pages as data too).
 */
static int scan_shmem_vma(pid_t pid, const struct proc_vma *v, struct runs *out)
{
	uint64_t base = v->pgoff, from = base, to = base + (v->end - v->start);
	int fd = open_map_file(pid, v->start, v->end), ret = 0;

	if (fd < 0)
		return fd;
	while (from < to) {
		off_t d = lseek(fd, from, SEEK_DATA), h;

		if (d < 0 && errno == ENXIO)
			break;
		if (d < 0 || (h = lseek(fd, d, SEEK_HOLE)) < 0) {
			ret = pr_perror("pid %d: shared memory %lx-%lx: SEEK_DATA/SEEK_HOLE", pid,
					v->start, v->end);
			break;
		}
		if ((uint64_t)d >= to)
			break;
		d = ALIGN_DOWN((uint64_t)d, PAGE_SIZE);
		h = min_t(uint64_t, ALIGN_UP((uint64_t)h, PAGE_SIZE), to);
		ret = runs_add(out, v->start + (d - base), v->start + (h - base), true);
		if (ret)
			break;
		out->v[out->n - 1].shmem = true;
		out->v[out->n - 1].vstart = v->start;
		out->v[out->n - 1].vend = v->end;
		out->v[out->n - 1].foff = d;
		from = h;
	}
	close(fd);
	return ret;
}

/* Present (or swapped) pages of [start, end) that belong in the image. */
static int scan_vma(int pm_fd, pid_t pid, const struct proc_vma *v, int kind, struct runs *out)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = v->start,
		.end = v->end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_anyof_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
		.return_mask = PAGE_IS_PRESENT | PAGE_IS_SWAPPED,
	};

	/* the shared zero page is not data; in private file mappings only copied pages are */
	a.category_inverted = a.category_mask = PAGE_IS_PFNZERO;
	/* guard pages look swapped but have no data: they are recorded in the mm image */
	if (vma_has_flag(v->vmflags_text, "gu")) {
		a.category_inverted |= PAGE_IS_GUARD;
		a.category_mask |= PAGE_IS_GUARD;
	}
	if (kind == VMA_KIND__VMA_FILE_PRIVATE) {
		a.category_inverted |= PAGE_IS_FILE;
		a.category_mask |= PAGE_IS_FILE;
	}
	while (a.start < a.end) {
		long n = ioctl(pm_fd, PAGEMAP_SCAN, &a);

		if (n < 0)
			return pr_perror("pid %d: PAGEMAP_SCAN %#lx-%#lx", pid, v->start, v->end);
		for (long i = 0; i < n; i++) {
			int ret = runs_add(out, vec[i].start, vec[i].end, !(v->prot & PROT_READ));

			if (ret)
				return ret;
		}
		if (a.walk_end <= a.start)
			break;
		a.start = a.walk_end;
	}
	return 0;
}

int vma_page_ranges(pid_t pid, const struct proc_vma *v, uint64_t category, uint64_t **out,
		    size_t *n)
{
	struct page_region vec[SCAN_VEC];
	struct pm_scan_arg a = {
		.size = sizeof(a),
		.start = v->start,
		.end = v->end,
		.vec = (uintptr_t)vec,
		.vec_len = SCAN_VEC,
		.category_mask = category,
		.return_mask = category,
	};
	char path[64];
	int fd, ret = 0;

	*out = NULL;
	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d: open %s", pid, path);
	while (a.start < a.end) {
		long k = ioctl(fd, PAGEMAP_SCAN, &a);

		if (k < 0) {
			ret = pr_perror("pid %d: PAGEMAP_SCAN for pages %#llx at %#lx-%#lx", pid,
					(unsigned long long)category, v->start, v->end);
			break;
		}
		for (long i = 0; i < k; i++) {
			uint64_t *nv = reallocarray(*out, *n + 2, sizeof(**out));

			if (!nv) {
				ret = -ENOMEM;
				goto out;
			}
			*out = nv;
			nv[(*n)++] = vec[i].start;
			nv[(*n)++] = vec[i].end;
		}
		if (a.walk_end <= a.start)
			break;
		a.start = a.walk_end;
	}
out:
	close(fd);
	if (ret) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

/* One task's page transfer, from its scan to its last batch. */
struct page_dump {
	struct infect_ctl *ic;
	struct runs runs;
	struct img *pages;
	int pipe_rd, pipe_wr;		/* pipe_wr: ours until it goes with the first batch */
	size_t i, last_readable;	/* next run; SIZE_MAX: no readable run */
	uint64_t off;			/* into run i */
	uint64_t nr_pages;
	uint64_t total;			/* bytes of the batch sent, 0: none in flight */
	uint32_t n;			/* its iovs */
};

/*
 * Send the next batch of readable runs, from run i at offset off on: the
 * parasite fills the pipe. A batch ends at an unreadable run, after
 * PARASITE_DUMP_PAGES_MAX_IOV runs or BATCH_BYTES (a run may be split). The
 * first batch takes the pipe's write end along (closed here once sent); the
 * parasite closes it after the batch with the last readable run, so no fd
 * of ours is left in the task.
 */
static int batch_send(struct page_dump *pd)
{
	struct parasite_dump_pages *p = &pd->ic->args->u.pages;
	uint64_t total = 0;
	uint32_t n = 0;
	int ret;

	while (pd->i < pd->runs.n && !pd->runs.v[pd->i].unreadable &&
	       n < PARASITE_DUMP_PAGES_MAX_IOV && total < BATCH_BYTES) {
		const struct run *r = &pd->runs.v[pd->i];
		uint64_t len = min_t(uint64_t, r->end - r->start - pd->off, BATCH_BYTES - total);

		p->iov[n].base = r->start + pd->off;
		p->iov[n].len = len;
		n++;
		total += len;
		pd->off += len;
		if (r->start + pd->off == r->end) {
			pd->i++;
			pd->off = 0;
		}
	}
	p->nr_iov = n;
	p->total = total;
	p->flags = pd->i > pd->last_readable ? PARASITE_PAGES_LAST : 0;
	ret = parasite_cmd(pd->ic, PARASITE_CMD_DUMP_PAGES, n, pd->pipe_wr);
	if (pd->pipe_wr >= 0) {
		close(pd->pipe_wr);	/* in flight, the parasite's copy keeps it open */
		pd->pipe_wr = -1;
	}
	if (ret)
		return ret;
	pd->total = total;
	pd->n = n;
	return 0;
}

/* Drain the batch in flight into the image, then take the parasite's reply. */
static int batch_take(struct page_dump *pd)
{
	struct infect_ctl *ic = pd->ic;
	struct parasite_dump_pages *p = &ic->args->u.pages;
	uint64_t total = pd->total, moved = 0;
	pid_t pid = ic->task->pid;
	uint32_t n = pd->n;
	int ret;

	pd->total = 0;
	while (moved < total) {
		ssize_t s;

		/* take what is there; wait (watching the parasite) only on an empty pipe */
		s = splice(pd->pipe_rd, NULL, img_raw_fd(pd->pages), NULL, total - moved,
			   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (s < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return pr_perror("pid %d: write pages to the image", pid);
			ret = parasite_wait_fd(ic, pd->pipe_rd);
			if (ret)
				return ret;
			continue;
		}
		if (s == 0)
			break;	/* the parasite failed and closed the pipe: its reply says why */
		moved += s;
		fault_point("pages");	/* mid-transfer: the parasite is still at work */
	}
	ret = parasite_reply(ic, NULL, 0, NULL);
	if (ret < 0) {
		if (!log_first_error())	/* the parasite's own error: not logged yet */
			pr_errno(ret, "pid %d: vmsplice of pages %#llx-%#llx", pid,
				 (unsigned long long)p->iov[0].base,
				 (unsigned long long)(p->iov[n - 1].base + p->iov[n - 1].len));
		return ret;
	}
	if ((uint64_t)ret != total || moved != total)
		return pr_errno(-EIO, "pid %d: parasite moved %d, we took %llu of %llu bytes", pid,
				ret, (unsigned long long)moved, (unsigned long long)total);
	return 0;
}

/* A run the task cannot read itself: /proc/PID/mem reads it by force (FOLL_FORCE). */
static int copy_unreadable(struct infect_ctl *ic, int pages_fd, const struct run *r)
{
	pid_t pid = ic->task->pid;
	cleanup_free uint8_t *buf = malloc(COPY_CHUNK);
	int ret;

	if (!buf)
		return -ENOMEM;
	for (uint64_t a = r->start; a < r->end; a += COPY_CHUNK) {
		size_t len = min_t(uint64_t, r->end - a, COPY_CHUNK);

		ret = pread_all(ic->mem_fd, buf, len, a);
		if (ret)
			return pr_errno(ret, "pid %d: read pages %#llx-%#llx through /proc/%d/mem", pid,
					(unsigned long long)a, (unsigned long long)(a + len), pid);
		ret = write_all(pages_fd, buf, len);
		if (ret)
			return pr_errno(ret, "pid %d: write pages to the image", pid);
	}
	return 0;
}

/* A run of shared anonymous memory, from its shmem object: no fault in the task. */
static int copy_shmem(pid_t pid, int pages_fd, const struct run *r)
{
	cleanup_free uint8_t *buf = malloc(COPY_CHUNK);
	int fd, ret = 0;

	if (!buf)
		return -ENOMEM;
	fd = open_map_file(pid, r->vstart, r->vend);
	if (fd < 0)
		return fd;
	for (uint64_t a = r->start; a < r->end; a += COPY_CHUNK) {
		size_t len = min_t(uint64_t, r->end - a, COPY_CHUNK);

		ret = pread_all(fd, buf, len, r->foff + (a - r->start));
		if (ret) {
			pr_errno(ret, "pid %d: read shared memory %#llx-%#llx", pid,
				 (unsigned long long)a, (unsigned long long)(a + len));
			break;
		}
		ret = write_all(pages_fd, buf, len);
		if (ret) {
			pr_errno(ret, "pid %d: write pages to the image", pid);
			break;
		}
	}
	close(fd);
	return ret;
}

static int write_pagemap(struct imgset *set, pid_t pid, const struct runs *r, uint64_t nr_pages)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	struct img *img;
	int ret;

	ret = img_create(set, IMG_PAGEMAP, pid, &img);
	if (ret)
		return ret;
	head.pid = pid;
	head.nr_pages = nr_pages;
	ret = img_write_msg(img, &head.base);
	for (size_t i = 0; !ret && i < r->n; i++) {
		PagemapEntry e = PAGEMAP_ENTRY__INIT;

		e.vaddr = r->v[i].start;
		e.nr_pages = (r->v[i].end - r->v[i].start) / PAGE_SIZE;
		ret = img_write_msg(img, &e.base);
	}
	int ret2 = img_close(img);

	return ret ? ret : ret2;
}

/* On through the runs: unreadable ones copied here, the others in batches; the first batch sent only, if first. */
static int run_on(struct page_dump *pd, bool first)
{
	int ret = 0;

	if (pd->total)
		ret = batch_take(pd);
	while (!ret && pd->i < pd->runs.n) {
		if (pd->runs.v[pd->i].shmem) {
			ret = copy_shmem(pd->ic->task->pid, img_raw_fd(pd->pages), &pd->runs.v[pd->i++]);
			continue;
		}
		if (pd->runs.v[pd->i].unreadable) {
			ret = copy_unreadable(pd->ic, img_raw_fd(pd->pages), &pd->runs.v[pd->i++]);
			continue;
		}
		ret = batch_send(pd);
		if (ret || first)
			break;
		ret = batch_take(pd);
	}
	return ret;
}

int dump_pages_start(struct infect_ctl *ic, struct imgset *set, const struct proc_vma *vmas,
		     const int *kinds, size_t nr_vmas, struct page_dump **out)
{
	pid_t pid = ic->task->pid;
	struct page_dump *pd;
	char path[64];
	int ret = 0, pm_fd;

	*out = pd = calloc(1, sizeof(*pd));
	if (!pd)
		return -ENOMEM;
	pd->ic = ic;
	pd->pipe_rd = pd->pipe_wr = -1;
	pd->last_readable = SIZE_MAX;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pm_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (pm_fd < 0)
		return pr_perror("pid %d: open %s", pid, path);
	for (size_t i = 0; !ret && i < nr_vmas; i++)
		if (kinds[i] == VMA_KIND__VMA_ANON_SHARED)
			ret = scan_shmem_vma(pid, &vmas[i], &pd->runs);
		else if (vma_kind_has_pages(kinds[i]))
			ret = scan_vma(pm_fd, pid, &vmas[i], kinds[i], &pd->runs);
	close(pm_fd);
	if (ret)
		return ret;
	for (size_t i = 0; i < pd->runs.n; i++) {
		pd->nr_pages += (pd->runs.v[i].end - pd->runs.v[i].start) / PAGE_SIZE;
		if (!pd->runs.v[i].unreadable)
			pd->last_readable = i;
	}

	ret = write_pagemap(set, pid, &pd->runs, pd->nr_pages);
	if (ret)
		return ret;
	ret = img_create(set, IMG_PAGES, pid, &pd->pages);
	if (ret)
		return ret;
	if (pd->last_readable != SIZE_MAX) {
		int pipefd[2];

		if (pipe2(pipefd, O_CLOEXEC))
			return pr_perror("pid %d: pipe", pid);
		pd->pipe_rd = pipefd[0];
		pd->pipe_wr = pipefd[1];
		/* 1 MiB is the most an unprivileged-resource pipe gets here; less is fine */
		fcntl(pd->pipe_wr, F_SETPIPE_SZ, PIPE_SIZE);
	}
	return run_on(pd, true);
}

int dump_pages_finish(struct page_dump *pd, struct page_stats *stats)
{
	int ret = run_on(pd, false), ret2;

	ret2 = img_close(pd->pages);
	pd->pages = NULL;
	if (ret || ret2)
		return ret ? ret : ret2;
	stats->nr_pages = pd->nr_pages;
	stats->nr_runs = pd->runs.n;
	pr_info("pid %d: %llu pages in %zu runs", pd->ic->task->pid,
		(unsigned long long)pd->nr_pages, pd->runs.n);
	return 0;
}

void dump_pages_settle(struct page_dump *pd)
{
	/*
	 * Interrupted at the exit of the recvmsg that brought the pipe's end,
	 * before it noted the fd, a parasite would leave it open in the task.
	 */
	if (pd && pd->total && pd->pages)
		batch_take(pd);
}

void dump_pages_free(struct page_dump *pd)
{
	if (!pd)
		return;
	if (pd->pages)
		img_close(pd->pages);
	if (pd->pipe_rd >= 0)
		close(pd->pipe_rd);
	if (pd->pipe_wr >= 0)
		close(pd->pipe_wr);
	free(pd->runs.v);
	free(pd);
}
