#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"

static FILE *log_file;		/* NULL: stderr */
static int cur_level = LOG_WARN;
static char first_error[1024];
static int have_error;
static struct timespec t0;

int log_init(const char *path, int level)
{
	cur_level = level;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!path)
		return 0;
	/*
	 * 0600, never through a symlink, never a FIFO or device (O_NONBLOCK: no
	 * wait for a reader), never someone else's file; appended to, never
	 * truncated.
	 */
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    fcntl(fd, F_SETFL, O_APPEND)) {
		close(fd);
		return -EPERM;
	}
	log_file = fdopen(fd, "ae");
	if (!log_file) {
		int err = -errno;

		close(fd);
		return err;
	}
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

const char *log_first_error(void)
{
	return have_error ? first_error : NULL;
}

void log_clear_error(void)
{
	have_error = 0;
	first_error[0] = '\0';
}

void log_msg(int level, const char *prefix, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	if (level == LOG_ERROR && !have_error) {
		memcpy(first_error, msg, sizeof(first_error) - 1);
		first_error[sizeof(first_error) - 1] = 0;
		have_error = 1;
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
