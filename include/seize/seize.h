/*
 * Freezing a process tree with ptrace, and giving it back.
 *
 * Every thread of every process of the tree is PTRACE_SEIZE'd and
 * PTRACE_INTERRUPT'ed; /proc is rescanned until no new thread or child
 * appears. Zombies are recorded, not seized. Tasks that were stopped
 * (SIGSTOP & co) are recorded as such and stay stopped after release.
 */
#ifndef CKPT_SEIZE_SEIZE_H
#define CKPT_SEIZE_SEIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "arch/regs.h"

/* Values of pstree.proto's task_state. */
enum { SEIZED_ALIVE = 1, SEIZED_STOPPED = 2, SEIZED_ZOMBIE = 3 };

struct seized_thread {
	pid_t tid;
	struct thread_regs tr;		/* read when the thread stopped */
	int pending_sig;		/* SIGSTOP that came while our code ran: re-sent at release */
	bool at_syscall_stop;		/* stopped in a syscall stop of ours, not the interrupt trap */
};

struct seized_task {
	pid_t pid, ppid, pgid, sid;
	int state;
	int exit_code;			/* zombies */
	uint64_t zsig_blk, zsig_ign, zsig_cgt;	/* zombies: blocked, ignored, caught signals */
	int stop_sig;			/* stopped: the signal of the group stop (0: unknown) */
	char comm[64];
	struct seized_thread *threads;	/* leader first when alive */
	size_t nr_threads;
	/* seize_tree()'s own bookkeeping */
	bool had_children;		/* at its last scan */
};

struct seized_tree {
	struct seized_task *tasks;	/* parents before children, root first */
	size_t nr;
};

/*
 * 0 or -errno; on failure everything seized so far is released. A thread
 * that has not stopped timeout seconds after the start (0: no limit) ends
 * it with -ETIMEDOUT, naming the thread, its state and wchan.
 */
int seize_tree(pid_t root, unsigned int timeout, struct seized_tree *tree);
/* Detach every thread (re-sending held-back signals), or SIGKILL the tree first. */
void release_tree(struct seized_tree *tree, bool kill_tree);
void seized_tree_free(struct seized_tree *tree);
struct seized_task *seized_find(struct seized_tree *tree, pid_t pid);

/*
 * Wait for tid's next ptrace stop (a syscall stop or a ptrace event);
 * *status gets its wait status. A signal-delivery stop on the way: before
 * the thread's state is saved the signal is let in (resumed with
 * resume_req and the signal, as if ckpt were not there); once our code runs
 * in the thread, SIGSTOP is kept in th->pending_sig (re-sent at release)
 * and any other signal is a fault of the injected code (-EFAULT).
 * 0, or -ESRCH if the thread died.
 */
int ptrace_wait_stop(struct seized_thread *th, int resume_req, int *status);

/* Test seam: CKPT_FAULT_KILL=<point> makes ckpt SIGKILL itself at that point. */
void fault_point(const char *point);

#endif
