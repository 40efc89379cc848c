/*
 * File locks as the kernel prints them: the lines of /proc/locks, and the
 * "lock:" lines of /proc/PID/fdinfo/N (the same format, one line per lock
 * the description -- or for POSIX locks the task's fd table through this
 * description -- holds). A line (fs/locks.c, lock_get_status):
 *
 *   ID: [-> ]KIND MODE TYPE PID MAJ:MIN:INO START END
 *
 * KIND POSIX, FLOCK, OFDLCK, LEASE, DELEG, ACCESS; MODE ADVISORY (or a
 * lease's ACTIVE, BREAKING, BREAKER; "*NOINODE*"); TYPE READ, WRITE, UNLCK;
 * START and END in bytes, END "EOF" for a lock to the end of the file;
 * MAJ:MIN in hex. "->" marks a waiter blocked on the lock above it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

/* The next blank-separated word of the line at *p, into w (size n). */
static int next_word(const char **p, char *w, size_t n)
{
	const char *s = proc_skip_blanks(*p), *e = s;

	while (*e && *e != ' ' && *e != '\t' && *e != '\n')
		e++;
	if (e == s || (size_t)(e - s) >= n)
		return -EINVAL;
	memcpy(w, s, e - s);
	w[e - s] = '\0';
	*p = e;
	return 0;
}

static int word_ull(const char *w, int base, unsigned long long *v)
{
	const char *p = w;

	if (proc_scan_ull(&p, base, v) || *p)
		return -EINVAL;
	return 0;
}

int proc_parse_lock_line(const char *line, struct proc_lock *l)
{
	static const struct { const char *name; enum proc_lock_kind kind; } kinds[] = {
		{ "POSIX", PROC_LOCK_POSIX }, { "FLOCK", PROC_LOCK_FLOCK },
		{ "OFDLCK", PROC_LOCK_OFD }, { "LEASE", PROC_LOCK_LEASE },
		{ "DELEG", PROC_LOCK_LEASE }, { "ACCESS", PROC_LOCK_OTHER },
	};
	char w[32], *colon;
	const char *p = line;
	unsigned long long u;
	long long s;
	size_t i;

	memset(l, 0, sizeof(*l));
	if (next_word(&p, w, sizeof(w)) || w[strlen(w) - 1] != ':')
		return -EINVAL;
	w[strlen(w) - 1] = '\0';
	if (word_ull(w, 10, &u))
		return -EINVAL;
	l->id = u;
	if (next_word(&p, w, sizeof(w)))
		return -EINVAL;
	if (!strcmp(w, "->")) {
		l->blocked = true;
		if (next_word(&p, w, sizeof(w)))
			return -EINVAL;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(w, kinds[i].name))
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return -EINVAL;
	l->kind = kinds[i].kind;
	if (next_word(&p, w, sizeof(w)))	/* ADVISORY, ACTIVE, BREAKING ... */
		return -EINVAL;
	l->breaking = !strcmp(w, "BREAKING") || !strcmp(w, "BREAKER");
	if (next_word(&p, w, sizeof(w)))
		return -EINVAL;
	if (!strcmp(w, "READ"))
		l->write = false;
	else if (!strcmp(w, "WRITE"))
		l->write = true;
	else if (!strcmp(w, "UNLCK"))
		l->unlck = true;
	else
		return -EINVAL;
	p = proc_skip_blanks(p);
	if (proc_scan_ll(&p, &s) || s < -1 || s > INT32_MAX)
		return -EINVAL;
	l->pid = s;
	if (next_word(&p, w, sizeof(w)))
		return -EINVAL;
	/* MAJ:MIN:INO */
	colon = strchr(w, ':');
	if (!colon)
		return -EINVAL;
	*colon++ = '\0';
	if (word_ull(w, 16, &u) || u > UINT32_MAX)
		return -EINVAL;
	l->dev_major = u;
	{
		char *c2 = strchr(colon, ':');

		if (!c2)
			return -EINVAL;
		*c2++ = '\0';
		if (word_ull(colon, 16, &u) || u > UINT32_MAX)
			return -EINVAL;
		l->dev_minor = u;
		if (word_ull(c2, 10, &u))
			return -EINVAL;
		l->ino = u;
	}
	if (next_word(&p, w, sizeof(w)) || word_ull(w, 10, &u) || u > INT64_MAX)
		return -EINVAL;
	l->start = u;
	if (next_word(&p, w, sizeof(w)))
		return -EINVAL;
	if (!strcmp(w, "EOF")) {
		l->to_eof = true;
	} else {
		if (word_ull(w, 10, &u) || u > INT64_MAX || u < l->start)
			return -EINVAL;
		l->end = u;
	}
	return proc_at_eol(p) ? 0 : -EINVAL;
}

/* Each line of buf that starts with prefix, parsed into a growing array. */
static int parse_lines(const char *buf, const char *prefix, struct proc_lock **out, size_t *n)
{
	size_t plen = strlen(prefix), cnt = 0, cap = 0;
	struct proc_lock *v = NULL;
	const char *p, *end;

	for (p = buf; *p; p = *end ? end + 1 : end) {
		struct proc_lock l;
		char line[256];

		end = proc_line_end(p);
		if ((size_t)(end - p) < plen || memcmp(p, prefix, plen))
			continue;
		if ((size_t)(end - p - plen) >= sizeof(line))
			goto bad;
		memcpy(line, p + plen, end - p - plen);
		line[end - p - plen] = '\0';
		if (proc_parse_lock_line(line, &l))
			goto bad;
		if (cnt == cap) {
			struct proc_lock *nv;

			cap = cap ? cap * 2 : 8;
			nv = reallocarray(v, cap, sizeof(*nv));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[cnt++] = l;
	}
	*out = v;
	*n = cnt;
	return 0;
bad:
	free(v);
	return -EINVAL;
}

int proc_parse_locks(const char *buf, struct proc_lock **out, size_t *n)
{
	return parse_lines(buf, "", out, n);
}

int proc_parse_fdinfo_locks(const char *buf, struct proc_lock **out, size_t *n)
{
	return parse_lines(buf, "lock:", out, n);
}
