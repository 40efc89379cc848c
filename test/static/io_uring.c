/*
 * io_uring: a task holding an io_uring fd, a file kind ckpt does not dump.
 *
 * The dump must fail with one clear line naming the fd (the .desc gives the
 * expected message) and leave the task as it was: after SIGTERM the ring fd
 * is still an io_uring (fstat, /proc/self/fd link) and works: a NOP submitted
 * through the mapped rings completes with our user_data. Raw syscalls, no
 * liburing.
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef __NR_io_uring_enter
#define __NR_io_uring_enter 426
#endif

struct ring {
	int fd;
	struct io_uring_params p;
	unsigned char *sq, *cq;
	struct io_uring_sqe *sqes;
};

static void *map_ring(int fd, size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, off);

	if (p == MAP_FAILED)
		setup_fail("mmap io_uring offset %llx: %m", (unsigned long long)off);
	return p;
}

static void ring_setup(struct ring *r)
{
	size_t sq_len, cq_len;

	memset(r, 0, sizeof(*r));
	r->fd = syscall(__NR_io_uring_setup, 8, &r->p);
	if (r->fd < 0)
		setup_fail("io_uring_setup: %m");
	sq_len = r->p.sq_off.array + r->p.sq_entries * sizeof(uint32_t);
	cq_len = r->p.cq_off.cqes + r->p.cq_entries * sizeof(struct io_uring_cqe);
	if (r->p.features & IORING_FEAT_SINGLE_MMAP) {
		if (cq_len > sq_len)
			sq_len = cq_len;
		r->sq = map_ring(r->fd, sq_len, IORING_OFF_SQ_RING);
		r->cq = r->sq;
	} else {
		r->sq = map_ring(r->fd, sq_len, IORING_OFF_SQ_RING);
		r->cq = map_ring(r->fd, cq_len, IORING_OFF_CQ_RING);
	}
	r->sqes = map_ring(r->fd, r->p.sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
}

#define SQ(r, field) ((uint32_t *)((r)->sq + (r)->p.sq_off.field))
#define CQ(r, field) ((uint32_t *)((r)->cq + (r)->p.cq_off.field))

/* Submit one NOP and wait for its completion; 0 or a message in why. */
static int ring_nop(struct ring *r, uint64_t user_data, char *why, size_t len)
{
	uint32_t tail = __atomic_load_n(SQ(r, tail), __ATOMIC_ACQUIRE);
	uint32_t idx = tail & *SQ(r, ring_mask);
	struct io_uring_cqe *cqe;
	uint32_t head;
	long ret;

	memset(&r->sqes[idx], 0, sizeof(r->sqes[idx]));
	r->sqes[idx].opcode = IORING_OP_NOP;
	r->sqes[idx].user_data = user_data;
	SQ(r, array)[idx] = idx;
	__atomic_store_n(SQ(r, tail), tail + 1, __ATOMIC_RELEASE);

	ret = syscall(__NR_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
	if (ret != 1) {
		snprintf(why, len, "io_uring_enter returned %ld: %s", ret, strerror(errno));
		return -1;
	}
	head = __atomic_load_n(CQ(r, head), __ATOMIC_ACQUIRE);
	if (head == __atomic_load_n(CQ(r, tail), __ATOMIC_ACQUIRE)) {
		snprintf(why, len, "no completion");
		return -1;
	}
	cqe = (struct io_uring_cqe *)(r->cq + r->p.cq_off.cqes) + (head & *CQ(r, ring_mask));
	if (cqe->user_data != user_data || cqe->res != 0) {
		snprintf(why, len, "completion user_data %llu res %d, expected %llu res 0",
			 (unsigned long long)cqe->user_data, cqe->res,
			 (unsigned long long)user_data);
		return -1;
	}
	__atomic_store_n(CQ(r, head), head + 1, __ATOMIC_RELEASE);
	return 0;
}

int main(int argc, char **argv)
{
	char why[256], path[64], link[256];
	struct stat before, after;
	struct ring r;
	ssize_t n;

	test_init(argc, argv);
	ring_setup(&r);
	if (ring_nop(&r, 1, why, sizeof(why)))
		setup_fail("first NOP: %s", why);
	if (fstat(r.fd, &before))
		setup_fail("fstat: %m");
	test_msg("io_uring fd %d", r.fd);

	test_daemon();
	test_waitsig();

	if (fstat(r.fd, &after))
		fail("fstat ring fd %d: %m", r.fd);
	else if (after.st_ino != before.st_ino || after.st_dev != before.st_dev)
		fail("ring fd %d now refers to another file", r.fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r.fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 || (link[n] = '\0', strcmp(link, "anon_inode:[io_uring]")))
		fail("fd %d links to %s", r.fd, n < 0 ? "(error)" : link);
	if (ring_nop(&r, 2, why, sizeof(why)))
		fail("NOP after the dump: %s", why);
	pass();
	return 0;
}
