/*
 * The dumper <-> parasite protocol.
 *
 * The parasite is a freestanding blob mapped into the dumped task in one
 * shared region:
 *
 *   [ blob (code, data) | args area (PARASITE_ARGS_SIZE) | stack ]
 *
 * The dumper sees the same pages (it maps the region through
 * /proc/PID/map_files), so arguments and results travel through the args
 * area; commands and replies are struct parasite_msg on a SOCK_SEQPACKET
 * socket, and file descriptors travel with SCM_RIGHTS.
 *
 * The parasite makes the socket pair itself, as its first syscall; the
 * dumper, stopped at that syscall's exit, takes tracer_sock with
 * pidfd_getfd and sets taken. A parasite that finds taken unset (the
 * dumper died first) closes both ends and leaves.
 *
 * When the socket reaches EOF (the dumper is done, or died) the parasite
 * closes its fds and jumps to the dumper's syscall stub (exit_stub: its
 * plain "syscall; rt_sigreturn") with munmap(exit_map, exit_size) loaded:
 * the blob unmaps itself, and rt_sigreturn goes through the frame at
 * exit_rsp - 8 (on the task's stack, filled by the dumper with the saved
 * registers and signal mask). The parasite never blocks but in a wait that
 * also watches the socket.
 *
 * Every struct here has fixed-width fields and a checked size. Bump
 * PARASITE_PROTO_VERSION whenever any of them changes.
 */
#ifndef CKPT_PARASITE_PROTO_H
#define CKPT_PARASITE_PROTO_H

/* entry.S reads these */
#define PARASITE_ARGS_EXIT_RSP	16
#define PARASITE_ARGS_EXIT_STUB	24
#define PARASITE_ARGS_EXIT_MAP	32
#define PARASITE_ARGS_EXIT_SIZE	40



#ifndef __ASSEMBLY__
#include <stdint.h>

#define PARASITE_PROTO_VERSION	6	/* 5: subreaper, THP disable, NUMA policies, timers; 6: the parasite makes its socketpair, ckpt's flag */

#define PARASITE_ARGS_SIZE	(1u << 20)
#define PARASITE_STACK_SIZE	(64u << 10)
#define PARASITE_MAX_FDS	253		/* SCM_MAX_FD */
#define PARASITE_MAX_IOV	1024		/* IOV_MAX: one vmsplice call */

enum parasite_cmd {
	PARASITE_CMD_MISC = 1,		/* -> struct parasite_misc */
	PARASITE_CMD_DRAIN_FDS,		/* struct parasite_drain_fds -> info + fds (SCM_RIGHTS) */
	PARASITE_CMD_DUMP_PAGES,	/* struct parasite_dump_pages [+ the pipe, SCM_RIGHTS] -> bytes moved */
	PARASITE_CMD_TIMERS,		/* struct parasite_timers: ids in, times and overruns out */
	PARASITE_CMD_VMA_POLICY,	/* struct parasite_vma_policy: addresses in, NUMA modes out */
};

/* One command or reply on the socket. */
struct parasite_msg {
	uint32_t cmd;
	int32_t ret;			/* reply: >= 0 or -errno */
	uint32_t arg;			/* command-specific count */
	uint32_t seq;
};
_Static_assert(sizeof(struct parasite_msg) == 16, "parasite_msg ABI");

struct parasite_sigaction {		/* the kernel's struct sigaction for rt_sigaction */
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct parasite_itimer {
	int64_t isec, iusec, vsec, vusec;	/* interval, value */
};

struct parasite_stack {			/* stack_t */
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};
_Static_assert(sizeof(struct parasite_stack) == 24, "stack_t ABI");

struct parasite_misc {
	struct parasite_sigaction sa[64];	/* sa[i] for signal i + 1 */
	int32_t sa_ret[64];
	struct parasite_itimer itimer[3];
	int32_t itimer_ret[3];
	int32_t pad;
	struct parasite_stack altstack;
	uint64_t tid_address;
	int32_t tid_address_ret;
	int32_t altstack_ret;
	int32_t pdeath_sig;		/* PR_GET_PDEATHSIG, or -errno */
	int32_t securebits;		/* PR_GET_SECUREBITS, or -errno */
	int32_t dumpable;		/* PR_GET_DUMPABLE, or -errno */
	int32_t personality;		/* personality(0xffffffff), or -errno */
	uint64_t brk;			/* brk(0): the exact program break */
	struct {
		uint64_t cur, max;
	} rlim[16];			/* prlimit64(0, r): the task may be another uid than ours */
	int32_t rlim_ret[16];
	char comm[16];			/* PR_GET_NAME of the thread that runs the parasite */
	int32_t comm_ret;
	int32_t child_subreaper;	/* PR_GET_CHILD_SUBREAPER, or -errno */
	int32_t thp_disable;		/* PR_GET_THP_DISABLE, or -errno */
	int32_t mempolicy;		/* get_mempolicy() mode of this thread, or -errno */
};

struct parasite_fd_info {
	int32_t fd;
	int32_t err;			/* 0 or -errno from F_GETFL */
	int32_t flags;			/* F_GETFL */
	int32_t fdflags;		/* F_GETFD */
	int64_t pos;			/* lseek(fd, 0, SEEK_CUR) or -errno */
	int32_t own_type, own_pid;	/* F_GETOWN_EX */
	int32_t own_sig;		/* F_GETSIG */
	int32_t pad;
};
_Static_assert(sizeof(struct parasite_fd_info) == 40, "fd_info ABI");

struct parasite_drain_fds {
	uint32_t nr;
	uint32_t pad;
	int32_t fds[PARASITE_MAX_FDS + 1];
	struct parasite_fd_info info[PARASITE_MAX_FDS];
};

struct parasite_timer {
	int32_t id;			/* in */
	int32_t ret;			/* timer_gettime: 0 or -errno */
	int32_t overrun;		/* timer_getoverrun, or -errno */
	int32_t pad;
	int64_t isec, insec, vsec, vnsec;	/* struct itimerspec */
};
_Static_assert(sizeof(struct parasite_timer) == 48, "timer ABI");

#define PARASITE_MAX_TIMERS	64	/* per command */

struct parasite_timers {
	uint32_t nr;
	uint32_t pad;
	struct parasite_timer t[PARASITE_MAX_TIMERS];
};

#define PARASITE_MAX_VMA_POLICY	256	/* per command */

struct parasite_vma_policy {
	uint32_t nr;
	uint32_t pad;
	uint64_t addr[PARASITE_MAX_VMA_POLICY];		/* in: a VMA's start */
	int32_t mode[PARASITE_MAX_VMA_POLICY];		/* get_mempolicy(MPOL_F_ADDR), or -errno */
};

struct parasite_iov {
	uint64_t base;
	uint64_t len;
};

/*
 * The pipe comes with the first batch (attached: SCM_RIGHTS); the parasite
 * closes it after the batch marked last, or when a batch fails.
 */
#define PARASITE_PAGES_LAST	1

struct parasite_dump_pages {
	uint32_t nr_iov;
	uint32_t flags;			/* PARASITE_PAGES_* */
	uint64_t total;			/* sum of len */
	struct parasite_iov iov[];	/* up to the end of the args area */
};
#define PARASITE_DUMP_PAGES_MAX_IOV \
	((PARASITE_ARGS_SIZE - 4096 - sizeof(struct parasite_dump_pages)) / sizeof(struct parasite_iov))

/* At the start of the args area. */
struct parasite_args;
struct parasite_args {
	uint32_t version;		/* PARASITE_PROTO_VERSION */
	int32_t sock;			/* socketpair(): the parasite's end */
	int32_t tracer_sock;		/* and the dumper's, taken by the dumper, then closed here */
	int32_t pipe_fd;		/* the pipe of PARASITE_CMD_DUMP_PAGES, or -1 */
	uint64_t exit_rsp;		/* rsp for rt_sigreturn: the frame + 8 */
	uint64_t exit_stub;		/* the syscall stub in the task */
	uint64_t exit_map;		/* this whole region: unmapped on the way out */
	uint64_t exit_size;
	uint32_t taken;			/* set by the dumper once it has tracer_sock */
	uint32_t pad0;
	uint64_t pad;
	/* payload of the current command */
	union {
		struct parasite_misc misc;
		struct parasite_drain_fds drain;
		struct parasite_timers timers;
		struct parasite_vma_policy vma_policy;
		struct parasite_dump_pages pages;
		uint8_t raw[4096];
	} u;
};
_Static_assert(sizeof(struct parasite_args) <= PARASITE_ARGS_SIZE, "args fit");
_Static_assert(__builtin_offsetof(struct parasite_args, exit_rsp) == PARASITE_ARGS_EXIT_RSP, "asm");
_Static_assert(__builtin_offsetof(struct parasite_args, exit_stub) == PARASITE_ARGS_EXIT_STUB, "asm");
_Static_assert(__builtin_offsetof(struct parasite_args, exit_map) == PARASITE_ARGS_EXIT_MAP, "asm");
_Static_assert(__builtin_offsetof(struct parasite_args, exit_size) == PARASITE_ARGS_EXIT_SIZE, "asm");

#endif /* __ASSEMBLY__ */

#endif
