/* Scheduling state of the restored threads, set from ckpt (src/restore/sched.c). */
#ifndef CKPT_RESTORE_SCHED_H
#define CKPT_RESTORE_SCHED_H

struct restore_ctx;

/*
 * Policy, priorities, affinity and timer slack of every thread of the tree,
 * from the core images. Every thread must exist (waiting in its restorer).
 * 0 or -errno (logged): the tree must die.
 */
int restore_sched(struct restore_ctx *ctx);

#endif
