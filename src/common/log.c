#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Length of a valid UTF-8 sequence at p that is not a C1 control, or 0. */
static size_t utf8_printable(const unsigned char *p)
{
	uint32_t cp;
	size_t n;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if (cp < 0xa0 || (n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * Messages carry bytes from images (paths, names): a control byte (an ESC
 * sequence for the terminal, a newline that fakes a second line, a C1
 * control) or a byte that is not UTF-8 is written as \xNN, in place, cut
 * at the buffer's end.
 */
static void escape_controls(char *msg, size_t size)
{
	char out[2048];
	size_t o = 0, n;

	for (const unsigned char *p = (const unsigned char *)msg; *p && o + 5 < sizeof(out);) {
		if (*p >= 0x20 && *p < 0x7f) {
			out[o++] = *p++;
		} else if ((n = utf8_printable(p)) && o + n < sizeof(out)) {
			memcpy(out + o, p, n);
			o += n;
			p += n;
		} else {
			o += snprintf(out + o, sizeof(out) - o, "\\x%02x", *p++);
		}
	}
	out[o] = '\0';
	snprintf(msg, size, "%s", out);
}

void log_msg(int level, const char *prefix, const char *file, int line, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape_controls(msg, sizeof(msg));

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
