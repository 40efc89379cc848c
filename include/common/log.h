/*
 * Logging and the one error contract of ckpt.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure. The failure is logged once, where it is detected, with the object
 * it concerns ("pid 812 fd 7 (/srv/log): relink failed: EXDEV"). Callers
 * propagate the code and do not log it again.
 *
 * The first error belongs to the operation (a dump, a restore, later one
 * request of the RPC service), not to the process: the operation owns a
 * struct op_error and makes it current for as long as it runs; the first
 * error logged meanwhile is kept there, and the operation's caller decides
 * where to print it (the CLI: the one line "ckpt: dump failed: <first
 * error>" on stderr). An error logged with no operation current is only
 * logged.
 *
 * Messages never end in '\n'; the logger adds it (a lint in the Makefile
 * checks).
 */
#ifndef CKPT_COMMON_LOG_H
#define CKPT_COMMON_LOG_H

#include <errno.h>
#include <string.h>

enum log_level {
	LOG_NONE = 0,
	LOG_ERROR = 1,
	LOG_WARN = 2,
	LOG_INFO = 3,
	LOG_DEBUG = 4,
};

/* path NULL: log to stderr. Returns 0 or -errno. */
int log_init(const char *path, int level);
void log_fini(void);
int log_level(void);

/* prefix (a file's LOG_PREFIX) goes to the log only, not into the error line */
void log_msg(int level, const char *prefix, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The first error of one operation; zero-initialised means "none yet". */
struct op_error {
	int set;
	char msg[1024];
};

/* Make e the current operation's error (NULL: none); returns the previous one. */
struct op_error *log_set_op(struct op_error *e);
/* The current operation's first error, or NULL (none yet, or no operation). */
const char *log_first_error(void);
/* Forget the current operation's first error (tests run many operations). */
void log_clear_error(void);

/* "ENOENT" for -ENOENT or ENOENT; "E<n>" for a number without a name. */
const char *errno_name(int err);

#ifndef LOG_PREFIX
#define LOG_PREFIX ""
#endif

#define pr_err(fmt, ...)   log_msg(LOG_ERROR, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  log_msg(LOG_WARN, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  log_msg(LOG_INFO, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* Log an error with "strerror (ENAME)" appended; evaluates to err (a -errno). */
#define pr_errno(err, fmt, ...) \
	({ int __e = (err); pr_err(fmt ": %s (%s)", ##__VA_ARGS__, strerror(-__e), \
				    errno_name(__e)); __e; })

/* The same with the current errno; evaluates to -errno. */
#define pr_perror(fmt, ...) pr_errno(-errno, fmt, ##__VA_ARGS__)

#endif
