#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bsd/string.h>

#include "common/log.h"

static FILE *log_file;		/* NULL: stderr */
static int cur_level = LOG_WARN;
static struct op_error *cur_op;	/* the running operation's, or NULL */
static struct timespec t0;

int log_init(const char *path, int level)
{
	cur_level = level;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!path)
		return 0;
	log_file = fopen(path, "ae");
	if (!log_file)
		return -errno;
	setvbuf(log_file, NULL, _IOLBF, 0);
	return 0;
}

void log_fini(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
}

int log_level(void)
{
	return cur_level;
}

struct op_error *log_set_op(struct op_error *e)
{
	struct op_error *prev = cur_op;

	cur_op = e;
	return prev;
}

const char *log_first_error(void)
{
	return cur_op && cur_op->set ? cur_op->msg : NULL;
}

void log_clear_error(void)
{
	if (cur_op)
		*cur_op = (struct op_error){ 0 };
}

const char *errno_name(int err)
{
	static __thread char buf[16];
	const char *n;

	if (err < 0)
		err = -err;
	n = strerrorname_np(err);
	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

void log_msg(int level, const char *prefix, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (level == LOG_ERROR && cur_op && !cur_op->set) {
		strlcpy(cur_op->msg, msg, sizeof(cur_op->msg));
		cur_op->set = 1;
	}
	if (level > cur_level)
		goto out;

	if (log_file) {
		struct timespec now;

		clock_gettime(CLOCK_MONOTONIC, &now);
		double t = (now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) / 1e9;
		fprintf(log_file, "(%9.6f) %5d %s (%s:%d): %s%s\n", t, getpid(),
			level == LOG_ERROR ? "Error" : level == LOG_WARN ? "Warn" :
			level == LOG_INFO ? "Info" : "Debug", file, line, prefix, msg);
	} else if (level != LOG_ERROR) {
		/* errors reach stderr once, as the command's summary line */
		fprintf(stderr, "ckpt: %s%s\n", level == LOG_WARN ? "warning: " : "", msg);
	}
out:
	errno = saved;
}
