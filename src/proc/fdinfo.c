/*
 * /proc/PID/fdinfo/N: the common head ("pos:", "flags:" in octal, "mnt_id:",
 * "ino:" since 5.14), then lines of the file kind (eventfd-count, tfd,
 * inotify, lock ...) which are not ours and are skipped.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "proc/proc.h"

static bool key_is(const char *p, const char *end, const char *key, const char **val)
{
	size_t len = strlen(key);

	if ((size_t)(end - p) <= len || memcmp(p, key, len) || p[len] != ':')
		return false;
	*val = proc_skip_blanks(p + len + 1);
	return true;
}

static int parse_fdinfo(const char *buf, struct proc_fdinfo *fi)
{
	bool have_pos = false, have_flags = false;
	const char *p, *end, *v;
	unsigned long long u;
	long long s;

	for (p = buf; *p; p = *end ? end + 1 : end) {
		end = proc_line_end(p);
		if (key_is(p, end, "pos", &v)) {
			if (proc_scan_ll(&v, &s) || !proc_at_eol(v))
				return -EINVAL;
			fi->pos = s;
			have_pos = true;
		} else if (key_is(p, end, "flags", &v)) {
			if (proc_scan_ull(&v, 8, &u) || u > UINT_MAX || !proc_at_eol(v))
				return -EINVAL;
			fi->flags = u;
			have_flags = true;
		} else if (key_is(p, end, "mnt_id", &v)) {
			if (proc_scan_ull(&v, 10, &u) || u > UINT_MAX || !proc_at_eol(v))
				return -EINVAL;
			fi->mnt_id = u;
		} else if (key_is(p, end, "ino", &v)) {
			if (proc_scan_ull(&v, 10, &u) || u > ULONG_MAX || !proc_at_eol(v))
				return -EINVAL;
			fi->ino = u;
		}
	}
	return have_pos && have_flags ? 0 : -EINVAL;
}

int proc_parse_fdinfo(const char *buf, struct proc_fdinfo *fi)
{
	int err;

	memset(fi, 0, sizeof(*fi));
	err = parse_fdinfo(buf, fi);
	if (err)
		memset(fi, 0, sizeof(*fi));
	return err;
}
