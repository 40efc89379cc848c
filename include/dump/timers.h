/* POSIX timers of a task (src/dump/timers.c). */
#ifndef CKPT_DUMP_TIMERS_H
#define CKPT_DUMP_TIMERS_H

#include <stddef.h>

#include "core.pb-c.h"

struct task_dump;

/* /proc/PID/timers text into entries (malloc'ed array, no times yet). 0 or -errno. */
int proc_parse_timers(const char *buf, PosixTimerEntry **out, size_t *nr);
/* td->timers with their times, through the parasite. 0 or -errno (logged). */
int dump_timers(struct task_dump *td);

#endif
