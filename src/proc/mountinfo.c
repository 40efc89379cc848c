/*
 * /proc/PID/mountinfo, one mount a line:
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * Optional fields run up to a lone "-". The kernel escapes ' ', '\t', '\n'
 * and '\\' in paths as \040 \011 \012 \134, so fields never hold blanks.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

struct tok {
	const char *s;
	size_t len;
};

/* The next space-separated token of [*p, end), or false at the end. */
static bool next_tok(const char **p, const char *end, struct tok *t)
{
	const char *s = *p;

	while (s < end && *s == ' ')
		s++;
	if (s == end)
		return false;
	t->s = s;
	while (s < end && *s != ' ')
		s++;
	t->len = s - t->s;
	*p = s;
	return true;
}

static bool tok_is(const struct tok *t, const char *str)
{
	return t->len == strlen(str) && !memcmp(t->s, str, t->len);
}

static bool is_odigit(char c)
{
	return c >= '0' && c <= '7';
}

/* A copy with \ooo decoded; malformed escapes are kept as they are. */
static char *dup_unescaped(const struct tok *t)
{
	char *out = malloc(t->len + 1), *o = out;
	size_t i;
	int c;

	if (!out)
		return NULL;
	for (i = 0; i < t->len; i++) {
		if (t->s[i] == '\\' && i + 3 < t->len && is_odigit(t->s[i + 1]) &&
		    is_odigit(t->s[i + 2]) && is_odigit(t->s[i + 3])) {
			c = (t->s[i + 1] - '0') * 64 + (t->s[i + 2] - '0') * 8 + (t->s[i + 3] - '0');
			if (c > 0 && c < 256) {
				*o++ = c;
				i += 3;
				continue;
			}
		}
		*o++ = t->s[i];
	}
	*o = '\0';
	return out;
}

static int tok_uint(const struct tok *t, unsigned int *out, char stop)
{
	const char *s = t->s;
	unsigned long long v;

	if (proc_scan_ull(&s, 10, &v) || v > UINT_MAX)
		return -EINVAL;
	if (stop ? *s != stop : s != t->s + t->len)
		return -EINVAL;
	*out = v;
	return 0;
}

static void mountinfo_clear(struct mountinfo *m)
{
	free(m->root);
	free(m->mountpoint);
	free(m->options);
	free(m->fstype);
	free(m->source);
	free(m->super_options);
	free(m->optional);
}

static int parse_line(const char *p, const char *end, struct mountinfo *m)
{
	struct tok t[6], opt_first = { NULL, 0 }, opt_last = { NULL, 0 }, x;
	struct tok dev_minor;
	int i;

	for (i = 0; i < 6; i++)
		if (!next_tok(&p, end, &t[i]))
			return -EINVAL;
	if (tok_uint(&t[0], &m->mnt_id, 0) || tok_uint(&t[1], &m->parent_id, 0) ||
	    tok_uint(&t[2], &m->major, ':'))
		return -EINVAL;
	dev_minor.s = (const char *)memchr(t[2].s, ':', t[2].len) + 1;
	dev_minor.len = t[2].s + t[2].len - dev_minor.s;
	if (tok_uint(&dev_minor, &m->minor, 0))
		return -EINVAL;

	/* optional fields, then the separator */
	for (;;) {
		if (!next_tok(&p, end, &x))
			return -EINVAL;
		if (tok_is(&x, "-"))
			break;
		if (!opt_first.s)
			opt_first = x;
		opt_last = x;
	}
	m->optional = opt_first.s ? strndup(opt_first.s, opt_last.s + opt_last.len - opt_first.s)
				  : strdup("");
	m->root = dup_unescaped(&t[3]);
	m->mountpoint = dup_unescaped(&t[4]);
	m->options = strndup(t[5].s, t[5].len);
	if (!m->optional || !m->root || !m->mountpoint || !m->options)
		return -ENOMEM;

	if (!next_tok(&p, end, &x))
		return -EINVAL;
	m->fstype = dup_unescaped(&x);
	if (!next_tok(&p, end, &x))
		return -EINVAL;
	m->source = dup_unescaped(&x);
	if (!next_tok(&p, end, &x))
		return -EINVAL;
	m->super_options = strndup(x.s, x.len);
	if (!m->fstype || !m->source || !m->super_options)
		return -ENOMEM;
	if (next_tok(&p, end, &x))
		return -EINVAL;
	return 0;
}

void proc_mountinfo_free(struct mountinfo *m, size_t n)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < n; i++)
		mountinfo_clear(&m[i]);
	free(m);
}

int proc_parse_mountinfo(const char *buf, struct mountinfo **out, size_t *n)
{
	struct mountinfo *m = NULL, *nm;
	size_t cnt = 0, cap = 0;
	const char *p, *end;
	int err;

	*out = NULL;
	*n = 0;
	for (p = buf; *p; p = *end ? end + 1 : end) {
		end = proc_line_end(p);
		if (cnt == cap) {
			cap = cap ? cap * 2 : 32;
			nm = realloc(m, cap * sizeof(*m));
			if (!nm) {
				err = -ENOMEM;
				goto fail;
			}
			m = nm;
		}
		memset(&m[cnt], 0, sizeof(m[cnt]));
		err = parse_line(p, end, &m[cnt]);
		if (err) {
			mountinfo_clear(&m[cnt]);
			goto fail;
		}
		cnt++;
	}
	*out = m;
	*n = cnt;
	return 0;
fail:
	proc_mountinfo_free(m, cnt);
	return err;
}

const struct mountinfo *mountinfo_find(const struct mountinfo *m, size_t n, unsigned int mnt_id)
{
	size_t i;

	for (i = 0; m && i < n; i++)
		if (m[i].mnt_id == mnt_id)
			return &m[i];
	return NULL;
}
