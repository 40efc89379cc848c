/*
 * The restorer: runs in a restored task once ckpt's C code has done all it
 * can, drops ckpt's address space, rebuilds the saved one, makes the
 * threads, and rt_sigreturn()s every thread into its saved registers when
 * ckpt says go.
 *
 * Rules for this directory:
 *  - no libc: every syscall through blob/syscall.h, results are -errno;
 *  - nothing outside the restorer area exists once ckpt's mappings are gone:
 *    only struct rst_args and what it points to;
 *  - a failure is written to the shared rst_sync and ends the task: ckpt
 *    kills the whole tree, restore is all or nothing.
 */
#include <stddef.h>
#include <stdint.h>

#include <linux/ioctl.h>
#include <linux/userfaultfd.h>

#include "blob/string.h"
#include "blob/syscall.h"
#include "restorer-proto.h"

#define PROT_READ_		0x1
#define PROT_WRITE_		0x2
#define MAP_PRIVATE_		0x02
#define MAP_FIXED_		0x10
#define MREMAP_MAYMOVE_		1
#define MREMAP_FIXED_		2
#define FUTEX_WAIT_		0
#define FUTEX_WAKE_		1
#define EINTR_			4
#define NR_ppoll_		271
#define POLLIN_			0x1
#define EAGAIN_			11
#define ARCH_SET_GS_		0x1001
#define ARCH_SET_FS_		0x1002
#define SS_DISABLE_		2
#define PR_SET_PDEATHSIG_	1
#define PR_SET_NAME_		15
#define SIGALRM_		14
#define PR_TIMER_CREATE_RESTORE_IDS_ 77	/* kernel 6.17 */
#define PR_SET_SECUREBITS_	28
#define PR_SET_NO_NEW_PRIVS_	38
#define PR_CAPBSET_DROP_	24
#define PR_CAP_AMBIENT_		47
#define PR_CAP_AMBIENT_RAISE_	2
#define PR_CAP_AMBIENT_CLEAR_ALL_ 4
#define PR_SET_MM_		35
#define PR_SET_MM_MAP_		14
#define SECBIT_KEEP_CAPS_	(1 << 4)
#define TASK_SIZE_		0x7ffffffff000UL
#define CAP_LAST_		63

#define CLONE_VM_		0x00000100
#define CLONE_FS_		0x00000200
#define CLONE_FILES_		0x00000400
#define CLONE_SIGHAND_		0x00000800
#define CLONE_THREAD_		0x00010000
#define CLONE_SYSVSEM_		0x00040000

struct k_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

struct k_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct k_cap_header {
	uint32_t version;
	int32_t pid;
};

struct k_cap_data {
	uint32_t effective, permitted, inheritable;
};

__attribute__((visibility("hidden"))) long rst_clone_thread(struct k_clone_args *ca, unsigned long size,
							void (*fn)(void *), void *arg);
__attribute__((visibility("hidden"), noreturn)) void rst_sigreturn(uint64_t rsp);
void restorer_main(struct rst_args *a) __attribute__((noreturn));

static char *put_str(char *p, char *end, const char *s)
{
	while (*s && p < end)
		*p++ = *s++;
	return p;
}

static char *put_num(char *p, char *end, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? -(unsigned long)v : (unsigned long)v;

	if (v < 0 && p < end)
		*p++ = '-';
	do {
		tmp[n++] = '0' + u % 10;
		u /= 10;
	} while (u);
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

static char *put_hex(char *p, char *end, uint64_t v)
{
	char tmp[20];
	int n = 0;

	p = put_str(p, end, "0x");
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

static void futex_wake(uint32_t *addr)
{
	sys_call6(NR_futex, (long)addr, FUTEX_WAKE_, 0x7fffffff, 0, 0, 0);
}

/*
 * Is ckpt gone? Its pidfd turns readable when it exits: a task waiting for
 * ckpt then ends, so a killed restore leaves nothing behind. Checked in
 * every wait for ckpt (futex waits with a timeout: a pidfd cannot wake a
 * futex). A closed pidfd (POLLNVAL) is no news.
 */
static int ckpt_gone(struct rst_sync *s)
{
	struct { int32_t fd; int16_t events, revents; } p = { s->ckpt_pidfd, POLLIN_, 0 };
	struct { long sec, nsec; } zero = { 0, 0 };

	return s->ckpt_pidfd >= 0 && sys_call5(NR_ppoll_, &p, 1, &zero, 0, 8) > 0 &&
	       (p.revents & POLLIN_);
}

/* Report the first failure of the tree and end this task. */
static void __attribute__((noreturn)) fail(struct rst_args *a, const char *what, uint64_t obj, long err)
{
	struct rst_sync *s = (struct rst_sync *)a->sync;
	int32_t zero = 0;

	if (__atomic_compare_exchange_n(&s->error, &zero, (int32_t)(err ? err : -1), 0,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		char *p = s->error_msg, *end = s->error_msg + sizeof(s->error_msg) - 1;

		s->error_pid = a->pid;
		p = put_str(p, end, "pid ");
		p = put_num(p, end, a->pid);
		p = put_str(p, end, ": restorer: ");
		p = put_str(p, end, what);
		if (obj) {
			p = put_str(p, end, " ");
			p = put_hex(p, end, obj);
		}
		p = put_str(p, end, " failed: errno ");
		p = put_num(p, end, -err);
		*p = '\0';
	}
	futex_wake(&s->nr_pending);
	for (;;)
		sys_call1(NR_exit_group, 1);
}

static void check(struct rst_args *a, long r, const char *what, uint64_t obj)
{
	if (r < 0 && r > -4096)
		fail(a, what, obj, r);
}

/* Move the vDSO parts by the same offset, keeping their relative layout. */
static void move_vdso(struct rst_args *a, int to_target)
{
	for (uint32_t i = 0; i < a->nr_vdso; i++) {
		const struct rst_vdso_part *v = &a->vdso[i];
		uint64_t park = a->vdso_park + (v->cur - a->vdso[0].cur);
		uint64_t from = to_target ? park : v->cur;
		uint64_t to = to_target ? v->target : park;
		long r;

		if (from == to)
			continue;
		r = sys_call5(NR_mremap, from, v->size, v->size, MREMAP_MAYMOVE_ | MREMAP_FIXED_, to);
		if (r != (long)to)
			fail(a, "mremap of the vdso to", to, r < 0 ? r : -22);
	}
}

static void map_vmas(struct rst_args *a)
{
	struct rst_vma *vmas = (struct rst_vma *)a->vmas;

	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		struct rst_vma *v = &vmas[i];
		long r = sys_call6(NR_mmap, v->start, v->end - v->start, v->fill_prot,
				   v->flags | MAP_FIXED_, v->fd, v->pgoff);

		if (r != (long)v->start)
			fail(a, "mmap at", v->start, r < 0 ? r : -22);
	}
}

/* The old vDSO image back at its place, each function jumping to the new one. */
static void proxy_vdso(struct rst_args *a)
{
	struct rst_vdso_patch *p = (struct rst_vdso_patch *)a->vdso_patches;
	long r;

	if (!a->old_vdso_size)
		return;
	r = sys_call6(NR_mmap, a->old_vdso_addr, a->old_vdso_size, 0x3 /* RW */,
		      0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */ | MAP_FIXED_, -1, 0);
	if (r != (long)a->old_vdso_addr)
		fail(a, "mmap of the old vdso at", a->old_vdso_addr, r < 0 ? r : -22);
	memcpy((void *)a->old_vdso_addr, (void *)a->old_vdso_data, a->old_vdso_size);
	for (uint32_t i = 0; i < a->nr_vdso_patches; i++) {
		uint8_t *c = (uint8_t *)p[i].addr;

		c[0] = 0x48;	/* movabs $target, %rax */
		c[1] = 0xb8;
		memcpy(c + 2, &p[i].target, 8);
		c[10] = 0xff;	/* jmp *%rax */
		c[11] = 0xe0;
	}
	check(a, sys_call3(NR_mprotect, a->old_vdso_addr, a->old_vdso_size, 0x5 /* R|X */),
	      "mprotect of the old vdso", a->old_vdso_addr);
}

static struct rst_fill *my_fill(struct rst_args *a)
{
	return &((struct rst_sync *)a->sync)->slots[a->slot].fill;
}

static void uffd_unregister(struct rst_args *a, uint32_t upto)
{
	struct rst_vma *vmas = (struct rst_vma *)a->vmas;

	for (uint32_t i = 0; i < upto; i++) {
		struct uffdio_range r = { vmas[i].start, vmas[i].end - vmas[i].start };

		if (vmas[i].uffd)
			check(a, sys_call3(NR_ioctl, a->uffd, UFFDIO_UNREGISTER, &r),
			      "UFFDIO_UNREGISTER at", vmas[i].start);
	}
}

/*
 * Register the marked VMAs with the userfaultfd, map the pages image to copy
 * from and post the chunks for ckpt to share: the image's address, or 0
 * when any of it fails (nothing stays registered; the pages are read in).
 */
static uint64_t fill_start(struct rst_args *a)
{
	struct rst_vma *vmas = (struct rst_vma *)a->vmas;
	struct rst_fill *f = my_fill(a);
	long src, r;

	if (a->uffd < 0)
		return 0;
	src = sys_call6(NR_mmap, 0, a->pages_size, PROT_READ_, MAP_PRIVATE_, a->pages_fd, 0);
	if (src < 0 && src > -4096)
		return 0;
	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		struct uffdio_register reg = {
			.range = { vmas[i].start, vmas[i].end - vmas[i].start },
			.mode = UFFDIO_REGISTER_MODE_MISSING,
		};

		if (!vmas[i].uffd)
			continue;
		r = sys_call3(NR_ioctl, a->uffd, UFFDIO_REGISTER, &reg);
		if (r) {
			uffd_unregister(a, i);
			sys_call2(NR_munmap, src, a->pages_size);
			return 0;
		}
	}
	f->uffd = a->uffd;
	f->pages_fd = a->pages_fd;
	f->runs = a->runs;
	f->nr_runs = a->nr_runs;
	f->nr_chunks = a->nr_chunks;
	__atomic_store_n(&f->posted, 1, __ATOMIC_SEQ_CST);
	/* ckpt sleeps on this word: woken, it takes chunks too */
	futex_wake(&((struct rst_sync *)a->sync)->nr_pending);
	return src;
}

static void uffd_copy(struct rst_args *a, uint64_t dst, uint64_t src, uint64_t len)
{
	while (len) {
		struct uffdio_copy c = { dst, src, len, UFFDIO_COPY_MODE_DONTWAKE, 0 };
		long r = sys_call3(NR_ioctl, a->uffd, UFFDIO_COPY, &c);

		if (c.copy > 0) {
			dst += c.copy;
			src += c.copy;
			len -= c.copy;
		}
		if (!r || r == -EAGAIN_ || r == -EINTR_)
			continue;
		fail(a, "UFFDIO_COPY to", dst, r);
	}
}

/* Take chunks until none is left, wait for ckpt's, then drop the userfaultfd's hold. */
static void fill_take(struct rst_args *a, uint64_t src)
{
	struct rst_sync *s = (struct rst_sync *)a->sync;
	struct rst_fill *f = my_fill(a);
	struct rst_fill_cursor cur = { 0, 0 };
	uint64_t va, off, len;
	uint32_t k, d;

	for (;;) {
		k = __atomic_fetch_add(&f->next, 1, __ATOMIC_SEQ_CST);
		if (k >= f->nr_chunks)
			break;
		if (!rst_fill_chunk((struct rst_run *)a->runs, a->nr_runs, &cur, k, &va, &off, &len))
			fail(a, "page chunk", k, -22);
		uffd_copy(a, va, src + off, len);
		if (__atomic_add_fetch(&f->done, 1, __ATOMIC_SEQ_CST) == f->nr_chunks)
			futex_wake(&f->done);
	}
	while ((d = __atomic_load_n(&f->done, __ATOMIC_SEQ_CST)) < f->nr_chunks) {
		struct { long sec, nsec; } ts = { 0, 100 * 1000 * 1000 };

		if (__atomic_load_n(&s->go, __ATOMIC_SEQ_CST) == 2 || ckpt_gone(s))
			sys_call1(NR_exit_group, 1);	/* ckpt failed and kills the tree, or died */
		sys_call6(NR_futex, (long)&f->done, FUTEX_WAIT_, d, (long)&ts, 0, 0);
	}
	uffd_unregister(a, a->nr_vmas);
	sys_call2(NR_munmap, src, a->pages_size);
}

static void fill_pages(struct rst_args *a)
{
	struct rst_run *runs = (struct rst_run *)a->runs;
	uint64_t src = fill_start(a);

	for (uint64_t i = 0; i < a->nr_runs; i++) {
		uint64_t addr = runs[i].vaddr, left = runs[i].len, off = runs[i].off;

		if (src && runs[i].uffd)
			continue;
		/*
		 * Fault the run in at once (one call, not a fault per page: on this
		 * VM that halves the cost); where the kernel lacks it, read() faults
		 * page by page as before.
		 */
		if (left >= (64u << 10))
			sys_call3(NR_madvise, addr, left, 23 /* MADV_POPULATE_WRITE */);

		while (left) {
			long r = sys_call4(NR_pread64, a->pages_fd, addr, left, off);

			if (r == -EINTR_)
				continue;
			if (r <= 0)
				fail(a, "read pages for", addr, r ? r : -5);
			addr += r;
			off += r;
			left -= r;
		}
	}
	if (src)
		fill_take(a, src);
}

#define NR_mlock2_		325
#define NR_mseal_		462
#define MLOCK_ONFAULT_		1
#define MADV_GUARD_INSTALL_	102
#define MADV_COLLAPSE_		25

static void install_guards(struct rst_args *a, struct rst_vma *v)
{
	uint64_t *g = (uint64_t *)v->guards;

	for (uint64_t i = 0; i < v->nr_guards; i++)
		check(a, sys_call3(NR_madvise, g[2 * i], g[2 * i + 1] - g[2 * i], MADV_GUARD_INSTALL_),
		      "MADV_GUARD_INSTALL at", g[2 * i]);
}

/*
 * Huge pages, locks, then the seal, which forbids any change after it. Guard pages
 * mark the whole VMA they are in (VmFlags gu), so they go in after every
 * seal has cut the VMAs apart as they were, except in a VMA that is
 * sealed itself: there before its seal.
 */
static void finish_vma_attrs(struct rst_args *a, struct rst_vma *v)
{
	uint64_t *h = (uint64_t *)v->guards + 2 * v->nr_guards;
	uint64_t len = v->end - v->start;

	/* huge pages again where they were: a matter of speed, not fatal */
	for (uint64_t i = 0; i < v->nr_huge; i++)
		sys_call3(NR_madvise, h[2 * i], h[2 * i + 1] - h[2 * i], MADV_COLLAPSE_);
	if (v->attrs & RST_VMA_LOCK)
		check(a, sys_call3(NR_mlock2_, v->start, len,
				   v->attrs & RST_VMA_LOCK_ONFAULT ? MLOCK_ONFAULT_ : 0),
		      "mlock2 at", v->start);
	if (v->attrs & RST_VMA_SEAL) {
		install_guards(a, v);
		check(a, sys_call3(NR_mseal_, v->start, len, 0), "mseal at", v->start);
	}
}

static void finish_vmas(struct rst_args *a)
{
	struct rst_vma *vmas = (struct rst_vma *)a->vmas;

	for (uint32_t i = 0; i < a->nr_vmas; i++) {
		struct rst_vma *v = &vmas[i];

		if (v->fill_prot != v->prot)
			check(a, sys_call3(NR_mprotect, v->start, v->end - v->start, v->prot),
			      "mprotect at", v->start);
		for (int b = 0; b < 32; b++)
			if (v->madv & (1u << b))
				/* advice the kernel lacks (THP off...) is not fatal */
				sys_call3(NR_madvise, v->start, v->end - v->start, b);
		finish_vma_attrs(a, v);
	}
	for (uint32_t i = 0; i < a->nr_vmas; i++)
		if (!(vmas[i].attrs & RST_VMA_SEAL))
			install_guards(a, &vmas[i]);
}

static void capset_(struct rst_args *a, uint64_t eff, uint64_t prm, uint64_t inh, const char *what)
{
	struct k_cap_header hdr = { 0x20080522, 0 };	/* _LINUX_CAPABILITY_VERSION_3 */
	struct k_cap_data data[2];

	data[0].effective = eff;
	data[1].effective = eff >> 32;
	data[0].permitted = prm;
	data[1].permitted = prm >> 32;
	data[0].inheritable = inh;
	data[1].inheritable = inh >> 32;
	check(a, sys_call2(NR_capset, &hdr, data), what, 0);
}

/*
 * The order matters once the uids are not root: leaving euid 0 clears the
 * effective set (the permitted one stays with KEEP_CAPS), and the bounding
 * set, securebits and inheritable bits need CAP_SETPCAP in effect. So:
 * inheritable and bounding sets while still root; uids with KEEP_CAPS; our
 * permitted set back in effect; ambient (before securebits, which may
 * forbid raising it), securebits, fsuid; last the saved sets, which only
 * shrink what we have.
 */
static void restore_creds(struct rst_args *a)
{
	struct rst_creds *c = &a->creds;
	struct k_cap_header hdr = { 0x20080522, 0 };
	struct k_cap_data cur[2];
	uint64_t prm;

	check(a, sys_call2(NR_capget, &hdr, cur), "capget", 0);
	prm = cur[0].permitted | (uint64_t)cur[1].permitted << 32;
	check(a, sys_call2(NR_setgroups, c->ngroups, c->groups), "setgroups", 0);
	capset_(a, prm, prm, c->cap_inh, "capset of the inheritable set");
	for (uint32_t cap = 0; cap <= a->cap_last && cap <= CAP_LAST_; cap++)
		if (!(c->cap_bnd & (1ull << cap)))
			check(a, sys_call2(NR_prctl, PR_CAPBSET_DROP_, cap), "drop from the bounding set", cap);
	check(a, sys_call2(NR_prctl, PR_SET_SECUREBITS_, SECBIT_KEEP_CAPS_), "set securebits", 0);
	check(a, sys_call3(NR_setresgid, c->gid, c->egid, c->sgid), "setresgid", 0);
	sys_call1(NR_setfsgid, c->fsgid);
	check(a, sys_call3(NR_setresuid, c->uid, c->euid, c->suid), "setresuid", 0);
	capset_(a, prm, prm, c->cap_inh, "capset after setresuid");
	sys_call5(NR_prctl, PR_CAP_AMBIENT_, PR_CAP_AMBIENT_CLEAR_ALL_, 0, 0, 0);
	for (uint32_t cap = 0; cap <= a->cap_last && cap <= CAP_LAST_; cap++)
		if (c->cap_amb & (1ull << cap))
			check(a, sys_call5(NR_prctl, PR_CAP_AMBIENT_, PR_CAP_AMBIENT_RAISE_, cap, 0, 0),
			      "raise ambient capability", cap);
	check(a, sys_call2(NR_prctl, PR_SET_SECUREBITS_, c->securebits), "set securebits", 0);
	/* leaving fsuid 0 drops the fs capabilities from the effective set: capset follows */
	sys_call1(NR_setfsuid, c->fsuid);
	capset_(a, c->cap_eff, c->cap_prm, c->cap_inh, "capset");
	if (c->no_new_privs)
		check(a, sys_call5(NR_prctl, PR_SET_NO_NEW_PRIVS_, 1, 0, 0, 0), "no_new_privs", 0);
}

/*
 * ITIMER_REAL caught between its expiry and the dequeue of its SIGALRM reads
 * value 0 with an interval: the kernel re-arms it only when that SIGALRM is
 * dequeued (or never, if SIGALRM is ignored). setitimer() with value 0 would
 * disarm it for good: instead it is armed to expire at once with the same
 * interval, and we wait until it has expired. Its SIGALRM joins the one
 * queued from the image (one standard signal pending), or, if SIGALRM is
 * ignored, is dropped as it was: SIGALRM is unblocked meanwhile, as the
 * kernel drops an ignored signal only if it is not blocked.
 */
static void restore_itimers(struct rst_args *a)
{
	struct rst_itimer *real = &a->itimer[0], now;
	struct { long sec, nsec; } tick = { 0, 10 * 1000 };
	uint64_t mask = ~(1ull << (SIGALRM_ - 1));

	for (int w = 1; w < 3; w++)
		check(a, sys_call3(NR_setitimer, w, &a->itimer[w], 0), "setitimer", w);
	if (real->vsec || real->vusec || (!real->isec && !real->iusec)) {
		check(a, sys_call3(NR_setitimer, 0, real, 0), "setitimer", 0);
		return;
	}
	real->vusec = 1;
	if (a->alrm_ignored)
		sys_call4(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &mask, 0, 8);
	check(a, sys_call3(NR_setitimer, 0, real, 0), "setitimer", 0);
	for (int i = 0;; i++) {
		check(a, sys_call2(NR_getitimer, 0, &now), "getitimer", 0);
		if (!now.vsec && !now.vusec)
			break;
		if (i > 100000)
			fail(a, "expired ITIMER_REAL: it did not expire", 0, -62 /* ETIME */);
		sys_call2(NR_nanosleep, &tick, 0);
	}
	mask = ~0ull;
	sys_call4(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &mask, 0, 8);
}

/* struct sigevent of the kernel (64 bytes) */
struct k_sigevent {
	uint64_t value;
	int32_t signo, notify;
	int32_t tid;
	int32_t pad[11];
};

/*
 * POSIX timers, once every thread exists (one may be a timer's target):
 * each made with its old id (PR_TIMER_CREATE_RESTORE_IDS: timer_create takes
 * the id from *timerid), then armed with the time it had left.
 */
static void restore_posix_timers(struct rst_args *a)
{
	struct rst_posix_timer *pt = (struct rst_posix_timer *)a->posix_timers;

	if (!a->nr_posix_timers)
		return;
	check(a, sys_call5(NR_prctl, PR_TIMER_CREATE_RESTORE_IDS_, 1, 0, 0, 0),
	      "PR_TIMER_CREATE_RESTORE_IDS (a kernel before 6.17?)", 0);
	for (uint64_t i = 0; i < a->nr_posix_timers; i++) {
		struct rst_posix_timer *t = &pt[i];
		struct k_sigevent ev;
		int32_t id = t->id;
		long r;

		memset(&ev, 0, sizeof(ev));
		ev.value = t->sival;
		ev.signo = t->signo;
		ev.notify = t->notify;
		ev.tid = t->tid;
		r = sys_call3(NR_timer_create, t->clock_id, &ev, &id);
		check(a, r, "timer_create of POSIX timer", t->id);
		if (id != t->id)
			fail(a, "timer_create gave another id than POSIX timer", t->id, -22);
		if (t->vsec || t->vnsec)
			check(a, sys_call4(NR_timer_settime, id, 0, &t->isec, 0),
			      "timer_settime of POSIX timer", t->id);
	}
	check(a, sys_call5(NR_prctl, PR_TIMER_CREATE_RESTORE_IDS_, 0, 0, 0, 0),
	      "PR_TIMER_CREATE_RESTORE_IDS off", 0);
}

/* What each thread sets for itself, then wait for go and return to the saved state. */
static void __attribute__((noreturn)) thread_finish(struct rst_args *a, struct rst_thread *t)
{
	struct rst_sync *s = (struct rst_sync *)a->sync;
	struct rst_siginfo *pend = (struct rst_siginfo *)t->pending;
	struct k_stack ss;

	check(a, sys_call2(NR_arch_prctl, ARCH_SET_FS_, t->fs_base), "set fs base", t->tid);
	if (t->gs_base)
		check(a, sys_call2(NR_arch_prctl, ARCH_SET_GS_, t->gs_base), "set gs base", t->tid);
	sys_call1(NR_set_tid_address, t->clear_tid);
	if (t->robust_head)
		check(a, sys_call2(NR_set_robust_list, t->robust_head, t->robust_len),
		      "set_robust_list", t->tid);
	if (t->alt_flags & SS_DISABLE_) {
		ss.sp = 0;
		ss.flags = SS_DISABLE_;
		ss.size = 0;
	} else {
		ss.sp = t->alt_sp;
		ss.flags = 0;
		ss.size = t->alt_size;
	}
	ss.pad = 0;
	check(a, sys_call2(NR_sigaltstack, &ss, 0), "sigaltstack", t->tid);
	if (t->rseq_addr)
		check(a, sys_call4(NR_rseq, t->rseq_addr, t->rseq_len, 0, t->rseq_sig),
		      "rseq", t->tid);
	if (t->comm[0]) {
		t->comm[sizeof(t->comm) - 1] = '\0';
		check(a, sys_call2(NR_prctl, PR_SET_NAME_, t->comm), "thread name", t->tid);
	}
	for (uint32_t i = 0; i < t->nr_pending; i++)
		check(a, sys_call4(NR_rt_tgsigqueueinfo, a->pid, t->tid,
				   *(int32_t *)pend[i].data, pend[i].data),
		      "queue a pending signal of thread", t->tid);

	__atomic_sub_fetch(&s->nr_pending, 1, __ATOMIC_SEQ_CST);
	futex_wake(&s->nr_pending);
	while (__atomic_load_n(&s->go, __ATOMIC_SEQ_CST) == 0) {
		struct { long sec, nsec; } ts = { 0, 100 * 1000 * 1000 };

		sys_call6(NR_futex, (long)&s->go, FUTEX_WAIT_, 0, (long)&ts, 0, 0);
		if (!__atomic_load_n(&s->go, __ATOMIC_SEQ_CST) && ckpt_gone(s))
			sys_call1(NR_exit_group, 1);
	}
	if (__atomic_load_n(&s->go, __ATOMIC_SEQ_CST) != 1)
		sys_call1(NR_exit_group, 1);
	/*
	 * ckpt holds every thread now (seized, its death kills them): the pidfd
	 * goes, closed once per task by its main thread before any of the
	 * task's own code runs (the others are stopped after their sigreturn).
	 */
	if (t == (struct rst_thread *)a->threads)
		sys_call1(NR_close, s->ckpt_pidfd);
	rst_sigreturn(t->frame + 8);
}

static void thread_main(void *arg)
{
	struct rst_thread *t = arg;
	/* the args live at the start of the area, found from the thread's own slot */
	struct rst_args *a = *(struct rst_args **)(t->stack_top - RST_THREAD_STACK);

	thread_finish(a, t);
}

static void make_threads(struct rst_args *a)
{
	struct rst_thread *th = (struct rst_thread *)a->threads;

	for (uint32_t i = 1; i < a->nr_threads; i++) {
		struct rst_thread *t = &th[i];
		uint64_t tid = t->tid;
		struct k_clone_args ca;
		long r;

		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_VM_ | CLONE_FS_ | CLONE_FILES_ | CLONE_SIGHAND_ |
			   CLONE_THREAD_ | CLONE_SYSVSEM_;
		ca.stack = t->stack_top - RST_THREAD_STACK;
		ca.stack_size = RST_THREAD_STACK - 64;
		ca.set_tid = (uint64_t)&tid;
		ca.set_tid_size = 1;
		/* the bottom of its stack tells the thread where the args are */
		*(struct rst_args **)ca.stack = a;
		r = rst_clone_thread(&ca, sizeof(ca), thread_main, t);
		if (r != t->tid)
			fail(a, "clone3 of thread", t->tid, r < 0 ? r : -22);
	}
}

void restorer_main(struct rst_args *a)
{
	struct rst_sigaction *sa = (struct rst_sigaction *)a->sigactions;
	struct rst_siginfo *sp = (struct rst_siginfo *)a->shared_pending;
	int32_t *fds = (int32_t *)a->close_fds;
	uint64_t area_end = a->area_start + a->area_size;
	uint64_t all = ~0ull;

	if (a->version != RST_PROTO_VERSION)
		fail(a, "protocol version", a->version, -22);
	sys_call4(NR_rt_sigprocmask, 2 /* SIG_SETMASK */, &all, 0, 8);

	/* ckpt's address space goes; the vDSO waits in the area meanwhile */
	move_vdso(a, 0);
	check(a, sys_call2(NR_munmap, 0, a->area_start), "munmap below the area", 0);
	if (area_end < TASK_SIZE_)
		check(a, sys_call2(NR_munmap, area_end, TASK_SIZE_ - area_end),
		      "munmap above the area", 0);
	move_vdso(a, 1);

	map_vmas(a);
	proxy_vdso(a);
	fill_pages(a);
	finish_vmas(a);
	check(a, sys_call5(NR_prctl, PR_SET_MM_, PR_SET_MM_MAP_, &a->mm, sizeof(a->mm), 0),
	      "prctl(PR_SET_MM_MAP)", 0);
	for (uint32_t i = 0; i < a->nr_close_fds; i++)
		sys_call1(NR_close, fds[i]);

	for (uint32_t i = 0; i < a->nr_sigactions; i++) {
		uint64_t k[4] = { sa[i].handler, sa[i].flags, sa[i].restorer, sa[i].mask };

		check(a, sys_call4(NR_rt_sigaction, sa[i].sig, k, 0, 8), "rt_sigaction", sa[i].sig);
	}
	restore_creds(a);
	if (a->pdeath_sig > 0)
		check(a, sys_call2(NR_prctl, PR_SET_PDEATHSIG_, a->pdeath_sig), "pdeath signal", 0);
	if (a->dumpable >= 0)
		check(a, sys_call2(NR_prctl, 4 /* PR_SET_DUMPABLE */, a->dumpable), "dumpable", 0);
	make_threads(a);

	for (uint32_t i = 0; i < a->nr_shared_pending; i++)
		check(a, sys_call3(NR_rt_sigqueueinfo, a->pid, *(int32_t *)sp[i].data, sp[i].data),
		      "queue a pending signal", 0);
	restore_itimers(a);
	restore_posix_timers(a);
	thread_finish(a, &((struct rst_thread *)a->threads)[0]);
}
