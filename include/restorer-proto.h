/*
 * The restore side <-> restorer blob ABI.
 *
 * Each restored task, a fork of `ckpt restore`, builds one region (the
 * restorer area) at an address its saved address space leaves free:
 *
 *   [ blob | struct rst_args and the arrays it points to | thread stacks ]
 *
 * then switches to the area's stack and calls the blob's entry with the
 * args. Pointers inside are absolute: the area does not move. The blob
 * drops everything of ckpt from the address space, rebuilds the saved one,
 * makes the threads and rt_sigreturn()s into the saved registers once
 * ckpt says go (struct rst_sync). ckpt then unmaps the area through ptrace.
 *
 * Fixed-width fields only. Bump RST_PROTO_VERSION whenever a struct changes.
 */
#ifndef CKPT_RESTORER_PROTO_H
#define CKPT_RESTORER_PROTO_H

#include <stdint.h>

#define RST_PROTO_VERSION	7	/* 6: thread names, alrm_ignored, POSIX timers; 7: ckpt-alive checks in waits */
#define RST_THREAD_STACK	(32u << 10)
#define RST_MAX_VDSO_PARTS	4
/* Pages of private anonymous memory are copied in by userfaultfd in chunks of this size. */
#define RST_FILL_CHUNK		(2u << 20)

/*
 * Filling memory on both cores: a task with enough private anonymous pages
 * registers those VMAs with a userfaultfd, then posts the work here; it and
 * ckpt take chunks (see rst_fill_chunk) by fetch-and-add on next until none
 * is left, each counting what it copied into done (a futex the task waits on).
 */
struct rst_fill {
	uint32_t posted;		/* 1: the VMAs are registered, chunks may be taken */
	uint32_t nr_chunks;
	uint32_t next;			/* the next chunk to take */
	uint32_t done;			/* chunks copied (futex) */
	int32_t uffd, pages_fd;		/* fd numbers in the task, for pidfd_getfd */
	uint64_t runs, nr_runs;		/* struct rst_run[] in the task's area */
};

/* Shared by ckpt and every task: MAP_SHARED, inherited through fork. */
struct rst_task_slot {
	int32_t pid;
	uint32_t prepared;		/* futex: done with its own fds (CLONE_FILES sharers wait) */
	uint64_t area_start, area_size;	/* ckpt unmaps it at the end */
	struct rst_fill fill;
};

struct rst_sync {
	uint32_t nr_pending;		/* threads not yet ready for sigreturn (futex) */
	uint32_t go;			/* 1: sigreturn; 2: abort (futex) */
	int32_t error;			/* first failure: -errno */
	int32_t error_pid;
	char error_msg[256];
	uint32_t nr_slots;
	int32_t ckpt_pidfd;		/* a pidfd of ckpt, the same fd in every task: readable once ckpt is gone */
	struct rst_task_slot slots[];
};

struct rst_vma {
	uint64_t start, end, pgoff;
	uint32_t prot, flags;		/* PROT_*, MAP_* (with MAP_ANONYMOUS, MAP_SHARED ...) */
	int32_t fd;			/* file mappings and shared anon: the file, else -1 */
	uint32_t madv;			/* 1 << MADV_x bits */
	uint32_t fill_prot;		/* prot while pages are written (prot | PROT_WRITE if any) */
	uint32_t uffd;			/* 1: registered with the userfaultfd while pages are filled */
	uint32_t attrs;			/* RST_VMA_*: what is set once it is filled */
	uint64_t guards;		/* uint64_t[2 * (nr_guards + nr_huge)]: [start, end) of guard */
	uint64_t nr_guards;		/* pages, then of huge pages (MADV_COLLAPSE after the fill) */
	uint64_t nr_huge;
};

#define RST_VMA_LOCK		1	/* mlock2 (VmFlags lo) */
#define RST_VMA_LOCK_ONFAULT	2	/* ... with MLOCK_ONFAULT (lf) */
#define RST_VMA_SEAL		4	/* mseal, last (sl) */

struct rst_run {
	uint64_t vaddr;
	uint64_t len;
	uint64_t off;			/* in the pages image */
	uint32_t uffd;			/* 1: inside a VMA registered with the userfaultfd */
	uint32_t pad;
};

/*
 * Chunk k of the userfaultfd runs (each run cut into RST_FILL_CHUNK pieces,
 * in order). The cursor starts zeroed and k must not decrease between calls
 * with it: each taker walks the runs once. 1 and the chunk, or 0 past the end.
 */
struct rst_fill_cursor {
	uint64_t run;			/* index of the run the cursor is at */
	uint64_t first;			/* the number of that run's first chunk */
};

static inline int rst_fill_chunk(const struct rst_run *runs, uint64_t nr_runs,
				 struct rst_fill_cursor *c, uint64_t k,
				 uint64_t *vaddr, uint64_t *off, uint64_t *len)
{
	for (; c->run < nr_runs; c->run++) {
		const struct rst_run *r = &runs[c->run];
		uint64_t n, at;

		if (!r->uffd)
			continue;
		n = (r->len + RST_FILL_CHUNK - 1) / RST_FILL_CHUNK;
		if (k < c->first + n) {
			at = (k - c->first) * RST_FILL_CHUNK;
			*vaddr = r->vaddr + at;
			*off = r->off + at;
			*len = r->len - at < RST_FILL_CHUNK ? r->len - at : RST_FILL_CHUNK;
			return 1;
		}
		c->first += n;
	}
	return 0;
}

struct rst_vdso_part {
	uint64_t cur;			/* where it is in the restoring task */
	uint64_t target;		/* where the saved task had it */
	uint64_t size;
};

/* Proxy vDSO: the old image at its old place, its functions jumping to the new vDSO. */
struct rst_vdso_patch {
	uint64_t addr;			/* a function of the old image */
	uint64_t target;		/* the same function in the new vDSO */
};

struct rst_sigaction {
	uint64_t handler, flags, restorer, mask;
	uint32_t sig;
	uint32_t pad;
};

struct rst_siginfo {
	uint8_t data[128];
};

struct rst_thread {
	int32_t tid;
	uint32_t nr_pending;
	uint64_t frame;			/* its rt_sigframe (in the area): rsp = frame + 8 */
	uint64_t fs_base, gs_base;
	uint64_t clear_tid;
	uint64_t robust_head, robust_len;
	uint64_t alt_sp, alt_size;
	int32_t alt_flags;
	uint32_t rseq_len;
	uint64_t rseq_addr;
	uint32_t rseq_sig;
	uint32_t pad;
	uint64_t stack_top;		/* its stack while in the restorer */
	uint64_t pending;		/* struct rst_siginfo[nr_pending] */
	char comm[16];			/* PR_SET_NAME, NUL-terminated ("": leave it) */
};

/* struct prctl_mm_map of <linux/prctl.h> */
struct rst_mm_map {
	uint64_t start_code, end_code, start_data, end_data;
	uint64_t start_brk, brk, start_stack;
	uint64_t arg_start, arg_end, env_start, env_end;
	uint64_t auxv;
	uint32_t auxv_size;
	uint32_t exe_fd;
};

struct rst_creds {
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	uint32_t securebits;
	uint32_t no_new_privs;
	uint32_t ngroups;
	uint32_t pad;
	uint64_t groups;		/* uint32_t[ngroups] */
};

struct rst_itimer {
	int64_t isec, iusec, vsec, vusec;
};

/* A POSIX timer, made again with its id (PR_TIMER_CREATE_RESTORE_IDS). */
struct rst_posix_timer {
	int32_t id, clock_id;
	int32_t notify, signo;		/* struct sigevent */
	int32_t tid;			/* SIGEV_THREAD_ID */
	int32_t pad;
	uint64_t sival;
	int64_t isec, insec, vsec, vnsec;	/* struct itimerspec: interval, time left */
};

struct rst_args {
	uint32_t version;
	int32_t pid;
	uint64_t area_start, area_size;
	uint64_t sync;			/* struct rst_sync *, moved into the area */
	int32_t pages_fd;
	uint32_t nr_vmas;
	int32_t uffd;			/* -1: pages are read in by pread alone */
	uint32_t slot;			/* this task's rst_sync slot */
	uint64_t pages_size;		/* of the pages image: what the restorer maps to copy from */
	uint64_t nr_chunks;		/* of the userfaultfd runs */
	uint64_t vmas;			/* struct rst_vma[] */
	uint64_t runs;			/* struct rst_run[] */
	uint64_t nr_runs;
	uint64_t vdso_park;		/* room in the area for the vDSO while the rest goes */
	uint32_t nr_vdso;
	uint32_t nr_sigactions;
	struct rst_vdso_part vdso[RST_MAX_VDSO_PARTS];
	struct rst_mm_map mm;
	uint64_t sigactions;		/* struct rst_sigaction[] */
	struct rst_itimer itimer[3];
	struct rst_creds creds;
	uint32_t nr_threads;
	uint32_t nr_shared_pending;
	uint64_t threads;		/* struct rst_thread[], [0] is the thread running main */
	uint64_t shared_pending;	/* struct rst_siginfo[] */
	uint64_t close_fds;		/* int32_t[nr_close_fds]: ckpt's fds to drop at the end */
	uint32_t nr_close_fds;
	uint32_t nr_vdso_patches;
	uint64_t old_vdso_addr;		/* proxy vDSO (0: none): the old image goes here */
	uint64_t old_vdso_size;
	uint64_t old_vdso_data;		/* uint8_t[old_vdso_size] in the area */
	uint64_t vdso_patches;		/* struct rst_vdso_patch[] */
	int32_t pdeath_sig;		/* after the creds: a cred change clears these two */
	int32_t dumpable;		/* -1: leave it */
	uint32_t cap_last;		/* /proc/sys/kernel/cap_last_cap */
	uint32_t alrm_ignored;		/* SIGALRM is SIG_IGN (see restore_itimers) */
	uint64_t posix_timers;		/* struct rst_posix_timer[nr_posix_timers] */
	uint64_t nr_posix_timers;
};

#endif
