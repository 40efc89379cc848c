/*
 * Scheduling state of one thread, read from outside (ckpt is root): its
 * sched_attr (policy, nice, rt priority, deadline parameters, clamps), its
 * CPU affinity and its timer slack. Restored per thread by
 * src/restore/sched.c before the tree runs.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/sched/types.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "common/util.h"
#include "dump/sched.h"

/* Big enough for any kernel's cpumask (CONFIG_NR_CPUS up to 8192). */
#define AFFINITY_MAX	1024

int dump_thread_sched(pid_t pid, pid_t tid, SchedEntry *se, uint8_t **aff, size_t *aff_len,
		      uint64_t *slack)
{
	struct sched_attr sa;
	char path[64], *buf = NULL, *end;
	uint8_t *mask;
	long n;

	memset(&sa, 0, sizeof(sa));
	if (syscall(SYS_sched_getattr, tid, &sa, sizeof(sa), 0))
		return pr_perror("pid %d tid %d: sched_getattr", pid, tid);
	sched_entry__init(se);
	se->policy = sa.sched_policy;
	se->has_flags = se->has_nice = se->has_priority = true;
	se->flags = sa.sched_flags;
	se->nice = sa.sched_nice;
	se->priority = sa.sched_priority;
	/* sched_getattr() tells an RT or deadline thread's nice as 0: it has its own */
	if (sa.sched_policy == SCHED_FIFO || sa.sched_policy == SCHED_RR ||
	    sa.sched_policy == SCHED_DEADLINE) {
		errno = 0;
		n = getpriority(PRIO_PROCESS, tid);
		if (errno)
			return pr_perror("pid %d tid %d: getpriority", pid, tid);
		se->nice = (int32_t)n;
	}
	if (sa.sched_runtime || sa.sched_deadline || sa.sched_period) {
		se->has_runtime = se->has_deadline = se->has_period = true;
		se->runtime = sa.sched_runtime;
		se->deadline = sa.sched_deadline;
		se->period = sa.sched_period;
	}
	if (sa.size >= SCHED_ATTR_SIZE_VER1) {
		se->has_util_min = se->has_util_max = true;
		se->util_min = sa.sched_util_min;
		se->util_max = sa.sched_util_max;
	}

	mask = calloc(1, AFFINITY_MAX);
	if (!mask)
		return -ENOMEM;
	n = syscall(SYS_sched_getaffinity, tid, AFFINITY_MAX, mask);
	if (n < 0) {
		free(mask);
		return pr_perror("pid %d tid %d: sched_getaffinity", pid, tid);
	}
	*aff = mask;
	*aff_len = n;

	/* /proc/TID is the thread itself even when TID is not a leader */
	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", tid);
	n = read_file_at(AT_FDCWD, path, &buf);
	if (n < 0)
		return pr_errno(n, "pid %d tid %d: read %s", pid, tid, path);
	errno = 0;
	*slack = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n')) {
		free(buf);
		pr_err("pid %d tid %d: %s: not a number", pid, tid, path);
		return -EIO;
	}
	free(buf);
	return 0;
}
