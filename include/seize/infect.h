/*
 * Running code inside a seized task: injected syscalls and the parasite.
 *
 * The verbs, in order: infect_init (find a place for the syscall stub) ->
 * remote_syscall/remote_syscalls (any number, any threads) -> infect_start
 * (map the blob, start the parasite daemon) -> parasite_cmd/parasite_reply ->
 * infect_cure (stop the parasite, close its fds, unmap it, put registers,
 * signal mask and code back). The _many variants do the same for several
 * tasks at once, their injected syscalls side by side.
 *
 * Safety: every injected syscall runs from a stub that ends in rt_sigreturn
 * (arch/regs.h) with a signal frame of the thread's saved state on its
 * stack. Whenever the dumper dies, the task goes back to its saved state by
 * itself, and takes back what was made in it:
 *  - the parasite's mmap runs with its munmap as the stub's undo: the
 *    thread is left at the mmap's exit stop until the parasite starts, so
 *    a dead ckpt lets it run into the munmap;
 *  - the parasite makes its socket pair itself, as its first syscall; ckpt
 *    takes its end at that syscall's exit stop and only then says so in
 *    the args; a parasite that finds no word of it closes both and leaves;
 *  - from there, EOF on the socket (ckpt closed its end, or died) sends the
 *    parasite home: it closes what it holds, unmaps itself through the
 *    stub and rt_sigreturns. A cure is the same road, followed by ckpt
 *    with PTRACE_SYSCALL, which takes the thread at the munmap's exit and
 *    puts the registers back itself (a restart block survives).
 */
#ifndef CKPT_SEIZE_INFECT_H
#define CKPT_SEIZE_INFECT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "parasite-proto.h"
#include "proc/proc.h"
#include "seize/seize.h"

/* Where the parasite's thread is, as far as a cure is concerned. */
enum infect_phase {
	IC_NONE,	/* nothing of the parasite in the task */
	IC_STOPPED,	/* in a stop ckpt has taken, on a road home (the mmap's undo, the parasite) */
	IC_SYSCALL,	/* let go with PTRACE_SYSCALL on that road, its next stop not taken */
	IC_RUNNING,	/* the parasite daemon, let go with PTRACE_CONT */
	IC_CRASHED,	/* stopped by a fault in the parasite: no road home, the cure injects it */
	IC_HOME,	/* stopped at the exit of the stub's munmap: nothing of the parasite left */
};

struct infect_ctl {
	struct seized_task *task;
	struct seized_thread *thr;	/* the thread that runs the parasite */
	int mem_fd;			/* /proc/PID/mem */
	uint64_t stub_addr;
	uint8_t stub_saved[16];
	bool stub_installed;

	uint64_t remote_map;		/* the blob + args + stack, in the task */
	size_t map_size;
	void *local_map;		/* the same pages, in ckpt */
	struct parasite_args *args;	/* local view of the args area */
	int sock;			/* our end */
	int remote_sock;		/* the parasite's end, its fd in the task */
	int phase;			/* enum infect_phase */
	bool running;			/* the parasite daemon runs (IC_RUNNING) */
	unsigned int road_stops;	/* stops taken following the parasite: bounded */
	uint64_t exit_frame;		/* the parasite's way home, on the task's stack */
	uint8_t *exit_saved;		/* what was there */
	size_t exit_size;
	uint32_t seq;
};

int infect_init(struct infect_ctl *ic, struct seized_task *task,
		const struct proc_vma *vmas, size_t nr_vmas);
/* Run syscall nr in thread th; *ret gets its return value. 0 or -errno. */
int remote_syscall(struct infect_ctl *ic, struct seized_thread *th, long *ret,
		   long nr, long a0, long a1, long a2, long a3, long a4, long a5);

struct remote_call {
	long nr;
	long args[6];
	long ret;			/* the syscall's return value */
};

/* One thread's share of remote_syscalls(). */
struct remote_thread {
	struct infect_ctl *ic;		/* of its task */
	struct seized_thread *th;
	struct remote_call *calls;	/* made in this order */
	size_t ncalls;
	/* if set, called before call k > 0 is made: may fill its args from the results before it */
	void (*prepare)(struct remote_thread *rt, size_t k);
	/*
	 * If set (one call only): the stub's undo of the call, run by the task
	 * if ckpt dies. The thread is then left at the call's exit stop with
	 * its frame on the stack (home_*: what the frame covered, now the
	 * caller's), not put back.
	 */
	long undo_nr;
	uint64_t home_frame;
	uint8_t *home_saved;
	size_t home_size;
	int err;			/* 0, or how this thread failed (it is put back all the same) */
};

/*
 * Make each thread's calls, the threads side by side: each one's stops are
 * taken in turn while the others run on to theirs (a stop is a round trip
 * through the scheduler; threads in flight share the wait). One thread's
 * failure does not hold up the others. The first failure, or 0.
 */
int remote_syscalls(struct remote_thread *rt, size_t n);
int infect_start(struct infect_ctl *ic);
/*
 * infect_start() of n tasks, their injected syscalls side by side. On
 * failure the caller cures all n (infect_cure_many): some may be half made.
 */
int infect_start_many(struct infect_ctl **ics, size_t n);
/* Send a command (with an optional fd attached). */
int parasite_cmd(struct infect_ctl *ic, uint32_t cmd, uint32_t arg, int send_fd);
/*
 * Wait for the reply to the last command; fds attached to it go to
 * fds[0..*nfds). Returns the reply's ret (>= 0) or -errno; a parasite that
 * crashed or hangs is reported, never waited for forever.
 */
int parasite_reply(struct infect_ctl *ic, int *fds, unsigned int max_fds, unsigned int *nfds);
/* Wait until fd is readable or the parasite is gone: 0, or -errno. */
int parasite_wait_fd(struct infect_ctl *ic, int fd);
int parasite_call(struct infect_ctl *ic, uint32_t cmd, uint32_t arg);
/* Address in the task of a pointer into the local view of the args area. */
uint64_t parasite_remote_addr(struct infect_ctl *ic, const void *local);
/* Put the task back exactly as it was seized; safe at any stage. 0 or -errno. */
int infect_cure(struct infect_ctl *ic);
/* infect_cure() of n tasks (those infect_init() was called for), side by side. */
int infect_cure_many(struct infect_ctl **ics, size_t n);

#endif
