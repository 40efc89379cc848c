/*
 * ckpt's share of filling a task's memory (see struct rst_fill): while the
 * restorer copies chunks of the pages image into its private anonymous
 * memory by UFFDIO_COPY, ckpt takes chunks from the same queue with its own
 * copy of the task's userfaultfd — two cores instead of one. A window of the
 * image is mapped per chunk, never more: ckpt's memory stays small.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "restore/restore.h"

/* More runs than this (very scattered memory): the restorer copies alone. */
#define FILL_MAX_RUNS	16384

static int copy_chunk(pid_t pid, int uffd, int pfd, uint64_t va, uint64_t off, uint64_t len)
{
	void *src = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, pfd, off);
	uint64_t done = 0;
	int ret = 0;

	if (src == MAP_FAILED)
		return pr_perror("pid %d: map the pages image at %#llx", pid, (unsigned long long)off);
	while (done < len) {
		struct uffdio_copy c = {
			.dst = va + done, .src = (uint64_t)src + done, .len = len - done,
			.mode = UFFDIO_COPY_MODE_DONTWAKE,
		};
		int r = ioctl(uffd, UFFDIO_COPY, &c);

		if (c.copy > 0)
			done += c.copy;
		if (!r || errno == EAGAIN || errno == EINTR)
			continue;
		ret = pr_perror("pid %d: copy pages to %#llx", pid, (unsigned long long)(va + done));
		break;
	}
	munmap(src, len);
	return ret;
}

/* The task's fds, its runs: what the chunks are made of. 0, or 1 to leave it all to the task. */
static int fill_open(pid_t pid, const struct rst_fill *f, int *uffd, int *pfd, struct rst_run **runs)
{
	struct iovec local, remote;
	int pidfd;

	if (f->nr_runs > FILL_MAX_RUNS) {
		pr_info("pid %d: %llu runs of pages: the restorer fills them alone", pid,
			(unsigned long long)f->nr_runs);
		return 1;
	}
	pidfd = syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		goto fail;
	*uffd = syscall(SYS_pidfd_getfd, pidfd, f->uffd, 0);
	*pfd = *uffd < 0 ? -1 : syscall(SYS_pidfd_getfd, pidfd, f->pages_fd, 0);
	*runs = *pfd < 0 ? NULL : malloc(f->nr_runs * sizeof(**runs));
	if (!*runs) {
		int err = errno;

		close(pidfd);
		errno = err;
		goto fail;
	}
	close(pidfd);
	local = (struct iovec){ *runs, f->nr_runs * sizeof(**runs) };
	remote = (struct iovec){ (void *)f->runs, local.iov_len };
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)local.iov_len)
		return 0;
fail:
	pr_info("pid %d: the restorer fills its memory alone: %s", pid, strerror(errno));
	return 1;
}

int restore_fill_help(struct restore_ctx *ctx, size_t slot)
{
	struct rst_fill *f = &ctx->sync->slots[slot].fill;
	pid_t pid = ctx->sync->slots[slot].pid;
	struct rst_fill_cursor cur = { 0, 0 };
	struct rst_run *runs = NULL;
	int uffd = -1, pfd = -1, ret = 0;
	uint64_t va, off, len;
	uint32_t k, mine = 0;

	if (fill_open(pid, f, &uffd, &pfd, &runs))
		goto out;
	while ((k = __atomic_fetch_add(&f->next, 1, __ATOMIC_SEQ_CST)) < f->nr_chunks) {
		/* a task failed (maybe this one): its reason is the one to tell, stop here */
		if (__atomic_load_n(&ctx->sync->error, __ATOMIC_SEQ_CST)) {
			ret = -ECANCELED;
			break;
		}
		if (!rst_fill_chunk(runs, f->nr_runs, &cur, k, &va, &off, &len)) {
			pr_err("pid %d: page chunk %u is past the runs", pid, k);
			ret = -EINVAL;
			break;
		}
		ret = copy_chunk(pid, uffd, pfd, va, off, len);
		if (ret)
			break;
		mine++;
		if (__atomic_add_fetch(&f->done, 1, __ATOMIC_SEQ_CST) == f->nr_chunks)
			syscall(SYS_futex, &f->done, FUTEX_WAKE, 1, NULL, NULL, 0);
	}
	if (!ret)
		pr_info("pid %d: private memory in %u chunks by userfaultfd, %u copied by ckpt",
			pid, f->nr_chunks, mine);
out:
	free(runs);
	if (uffd >= 0)
		close(uffd);
	if (pfd >= 0)
		close(pfd);
	return ret;
}
