/* Scheduling state of one thread: policy and priorities, affinity, timer slack. */
#ifndef CKPT_DUMP_SCHED_H
#define CKPT_DUMP_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core.pb-c.h"

/*
 * Fill se, *aff (malloc'ed cpumask of *aff_len bytes, the caller frees it)
 * and *slack for thread tid of pid. 0 or -errno (logged).
 */
int dump_thread_sched(pid_t pid, pid_t tid, SchedEntry *se, uint8_t **aff, size_t *aff_len,
		      uint64_t *slack);

#endif
