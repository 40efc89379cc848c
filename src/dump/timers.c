/*
 * POSIX timers (timer_create) of a task: /proc/PID/timers names each one
 * (id, signal and sigev_value, notify and its target, clock); the parasite
 * reads each one's interval, time left and overrun (PARASITE_CMD_TIMERS).
 * Restored with the same ids by the restorer (PR_TIMER_CREATE_RESTORE_IDS).
 *
 * Refused, naming the timer: a CPU-time clock (another process's or
 * thread's clock ids are not restorable), and an overrun count that is not
 * 0 (the kernel has no way to set it). A timer whose signal is pending is
 * refused in dump/core.c, where the pending signals are read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/timers.h"

#define SIGEV_SIGNAL_		0
#define SIGEV_NONE_		1
#define SIGEV_THREAD_		2
#define SIGEV_THREAD_ID_	4

static bool clock_ok(int clock)
{
	switch (clock) {
	case 0:		/* CLOCK_REALTIME */
	case 1:		/* CLOCK_MONOTONIC */
	case 7:		/* CLOCK_BOOTTIME */
	case 8:		/* CLOCK_REALTIME_ALARM */
	case 9:		/* CLOCK_BOOTTIME_ALARM */
	case 11:	/* CLOCK_TAI */
		return true;
	}
	return false;
}

/* One "notify: signal/pid.12" value into SIGEV_* bits and the target. */
static int parse_notify(const char *v, int32_t *notify, uint32_t *tid)
{
	char how[16], who[8];
	int id;

	if (sscanf(v, "%15[a-z]/%7[a-z].%d", how, who, &id) != 3)
		return -EINVAL;
	if (!strcmp(how, "signal"))
		*notify = SIGEV_SIGNAL_;
	else if (!strcmp(how, "none"))
		*notify = SIGEV_NONE_;
	else if (!strcmp(how, "thread"))
		*notify = SIGEV_THREAD_;
	else
		return -EINVAL;
	if (!strcmp(who, "tid")) {
		*notify |= SIGEV_THREAD_ID_;
		*tid = id;
	} else if (strcmp(who, "pid")) {
		return -EINVAL;
	}
	return 0;
}

int proc_parse_timers(const char *buf, PosixTimerEntry **out, size_t *nr)
{
	PosixTimerEntry *v = NULL, *t = NULL;
	const char *line = buf;
	size_t n = 0;

	while (*line) {
		const char *end = strchr(line, '\n');
		char l[128];
		size_t len = end ? (size_t)(end - line) : strlen(line);
		unsigned long long sival;
		int a;

		snprintf(l, sizeof(l), "%.*s", (int)len, line);
		line += len + (end ? 1 : 0);
		if (sscanf(l, "ID: %d", &a) == 1) {
			PosixTimerEntry *nv = reallocarray(v, n + 1, sizeof(*nv));

			if (!nv)
				goto nomem;
			v = nv;
			t = &v[n++];
			posix_timer_entry__init(t);
			t->id = a;
		} else if (!t) {
			goto bad;
		} else if (sscanf(l, "signal: %d/%llx", &a, &sival) == 2) {
			t->has_signo = t->has_sival = true;
			t->signo = a;
			t->sival = sival;
		} else if (!strncmp(l, "notify: ", 8)) {
			if (parse_notify(l + 8, &t->notify, &t->notify_tid))
				goto bad;
			t->has_notify_tid = (t->notify & SIGEV_THREAD_ID_) != 0;
		} else if (sscanf(l, "ClockID: %d", &a) == 1) {
			t->clock_id = a;
		} else if (l[0]) {
			goto bad;
		}
	}
	*out = v;
	*nr = n;
	return 0;
nomem:
	free(v);
	return -ENOMEM;
bad:
	free(v);
	return -EINVAL;
}

int dump_timers(struct task_dump *td)
{
	pid_t pid = td->task->pid;
	struct parasite_timers *pt = &td->ic.args->u.timers;
	char *buf = NULL;
	ssize_t len;
	int ret;

	len = proc_read(pid, "timers", &buf);
	if (len < 0)
		return (int)len;
	ret = proc_parse_timers(buf, &td->timers, &td->nr_timers);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/timers", pid, pid);
	for (size_t i = 0; i < td->nr_timers; i++) {
		const PosixTimerEntry *t = &td->timers[i];

		if (!clock_ok(t->clock_id)) {
			pr_err("pid %d: POSIX timer %d: clock %d (a CPU-time clock): not supported",
			       pid, t->id, t->clock_id);
			return -EOPNOTSUPP;
		}
	}
	for (size_t first = 0; first < td->nr_timers; first += PARASITE_MAX_TIMERS) {
		size_t n = td->nr_timers - first;

		if (n > PARASITE_MAX_TIMERS)
			n = PARASITE_MAX_TIMERS;
		memset(pt, 0, sizeof(*pt));
		pt->nr = n;
		for (size_t j = 0; j < n; j++)
			pt->t[j].id = td->timers[first + j].id;
		ret = parasite_call(&td->ic, PARASITE_CMD_TIMERS, 0);
		if (ret < 0) {
			if (!log_first_error())
				pr_errno(ret, "pid %d: parasite timers", pid);
			return ret;
		}
		for (size_t j = 0; j < n; j++) {
			const struct parasite_timer *p = &pt->t[j];
			PosixTimerEntry *t = &td->timers[first + j];

			if (p->ret)
				return pr_errno(p->ret, "pid %d: POSIX timer %d: timer_gettime", pid, t->id);
			if (p->overrun) {
				pr_err("pid %d: POSIX timer %d: overrun count %d: not supported (it cannot "
				       "be restored)", pid, t->id, p->overrun);
				return -EOPNOTSUPP;
			}
			t->isec = p->isec;
			t->insec = p->insec;
			t->vsec = p->vsec;
			t->vnsec = p->vnsec;
		}
	}
	return 0;
}
