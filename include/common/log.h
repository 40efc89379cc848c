/*
 * Logging and the one error contract of ckpt.
 *
 * Every function returns 0 (or a count) on success and a negative errno on
 * failure. The failure is logged once, where it is detected, with the object
 * it concerns ("pid 812 fd 7 (/srv/log): relink failed: EXDEV"). Callers
 * propagate the code and do not log it again.
 *
 * The first error message of a command is kept: the CLI prints it as the one
 * line on stderr ("ckpt: dump failed: <first error>").
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

/* The first error logged since start (or the last log_clear_error()), or NULL. */
const char *log_first_error(void);
void log_clear_error(void);

#ifndef LOG_PREFIX
#define LOG_PREFIX ""
#endif

#define pr_err(fmt, ...)   log_msg(LOG_ERROR, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...)  log_msg(LOG_WARN, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...)  log_msg(LOG_INFO, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) log_msg(LOG_DEBUG, LOG_PREFIX, __FILE__, __LINE__, fmt, ##__VA_ARGS__)

/* Log an error with strerror(-err) appended; evaluates to err (a -errno). */
#define pr_errno(err, fmt, ...) \
	({ int __e = (err); pr_err(fmt ": %s", ##__VA_ARGS__, strerror(-__e)); __e; })

/* The same with the current errno; evaluates to -errno. */
#define pr_perror(fmt, ...) pr_errno(-errno, fmt, ##__VA_ARGS__)

#endif
