/*
 * /proc/PID/maps and /proc/PID/smaps. A VMA is a header line
 *   start-end perms offset maj:min inode   path
 * and, in smaps, "Key: value" lines after it, VmFlags among them.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "common/util.h"
#include "proc/proc.h"

static const char vmflag_names[32][2] = {
	"rd", "wr", "ex", "sh", "mr", "mw", "me", "ms",
	"gd", "pf", "lo", "io", "sr", "rr", "dc", "de",
	"ac", "nr", "ht", "sf", "nl", "ar", "wf", "dd",
	"sd", "mm", "hg", "nh", "mg", "um", "uw", "ss",
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Flags are two letters; anything else is not ours and is skipped. */
static uint32_t parse_vmflags_n(const char *s, size_t len)
{
	const char *end = s + len, *w;
	uint32_t bits = 0;
	unsigned int i;

	while (s < end) {
		while (s < end && is_blank(*s))
			s++;
		for (w = s; s < end && !is_blank(*s); s++)
			;
		if (s - w != 2)
			continue;
		for (i = 0; i < ARRAY_SIZE(vmflag_names); i++)
			if (!memcmp(w, vmflag_names[i], 2))
				bits |= 1u << i;
	}
	return bits;
}

uint32_t proc_parse_vmflags(const char *text)
{
	return text ? parse_vmflags_n(text, strlen(text)) : 0;
}

bool proc_strip_deleted(char *path)
{
	static const char suffix[] = " (deleted)";
	size_t len, slen = sizeof(suffix) - 1;

	if (!path)
		return false;
	len = strlen(path);
	if (len < slen || strcmp(path + len - slen, suffix))
		return false;
	path[len - slen] = '\0';
	return true;
}

static int scan_hex_ulong(const char **p, unsigned long *out)
{
	unsigned long long v;

	if (proc_scan_ull(p, 16, &v) || v > ULONG_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int scan_hex_uint(const char **p, unsigned int *out)
{
	unsigned long long v;

	if (proc_scan_ull(p, 16, &v) || v > UINT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_perms(const char *p, struct proc_vma *v)
{
	if ((p[0] != 'r' && p[0] != '-') || (p[1] != 'w' && p[1] != '-') ||
	    (p[2] != 'x' && p[2] != '-') || (p[3] != 'p' && p[3] != 's'))
		return -EINVAL;
	v->prot = (p[0] == 'r' ? PROT_READ : 0) | (p[1] == 'w' ? PROT_WRITE : 0) |
		  (p[2] == 'x' ? PROT_EXEC : 0);
	v->shared = p[3] == 's';
	return 0;
}

/* One header line [p, end); fills *v, path malloc'ed. */
static int parse_header(const char *p, const char *end, struct proc_vma *v)
{
	unsigned long long ino;
	const char *path;

	if (scan_hex_ulong(&p, &v->start) || *p++ != '-' ||
	    scan_hex_ulong(&p, &v->end) || *p++ != ' ' || v->start >= v->end)
		return -EINVAL;
	/* perms: four characters, all before end (the NUL stops strnlen) */
	if (strnlen(p, 5) < 5 || parse_perms(p, v) || p[4] != ' ')
		return -EINVAL;
	p += 5;
	if (scan_hex_ulong(&p, &v->pgoff) || *p++ != ' ' ||
	    scan_hex_uint(&p, &v->dev_major) || *p++ != ':' ||
	    scan_hex_uint(&p, &v->dev_minor) || *p++ != ' ' ||
	    proc_scan_ull(&p, 10, &ino) || ino > ULONG_MAX)
		return -EINVAL;
	v->ino = ino;
	if (p < end && *p != ' ')
		return -EINVAL;
	/* the path starts after the padding and runs to the end of the line */
	path = proc_skip_blanks(p);
	if (path > end)
		path = end;
	v->path = strndup(path, end - path);
	if (!v->path)
		return -ENOMEM;
	v->deleted = proc_strip_deleted(v->path);
	return 0;
}

/* "start-" opens a header; "Key:" (letters, digits, '_') is an smaps line. */
static bool looks_like_header(const char *p)
{
	const char *s = p;
	unsigned long long v;

	return !proc_scan_ull(&s, 16, &v) && *s == '-';
}

static bool is_key_line(const char *p, const char *end, const char **val)
{
	const char *s = p;

	while (s < end && ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
			   (*s >= '0' && *s <= '9') || *s == '_'))
		s++;
	if (s == p || s == end || *s != ':')
		return false;
	*val = s + 1;
	return true;
}

/* Keep the flag list as printed, trimmed; cut at a flag if too long. */
static void set_vmflags(struct proc_vma *v, const char *s, const char *end)
{
	size_t len;

	while (s < end && is_blank(*s))
		s++;
	while (end > s && is_blank(end[-1]))
		end--;
	len = end - s;
	v->vmflags = parse_vmflags_n(s, len);
	if (len >= sizeof(v->vmflags_text)) {
		len = sizeof(v->vmflags_text) - 1;
		while (len && s[len] != ' ')
			len--;
		while (len && s[len - 1] == ' ')
			len--;
	}
	memcpy(v->vmflags_text, s, len);
	v->vmflags_text[len] = '\0';
}

void proc_vmas_free(struct proc_vma *v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

int proc_parse_maps(const char *buf, struct proc_vma **out, size_t *n)
{
	struct proc_vma *v = NULL, *nv;
	const char *p, *end, *val;
	size_t cnt = 0, cap = 0;
	int err;

	*out = NULL;
	*n = 0;
	for (p = buf; *p; p = *end ? end + 1 : end) {
		end = proc_line_end(p);
		if (end == p) {
			err = -EINVAL;
			goto fail;
		}
		if (looks_like_header(p)) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 64;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					err = -ENOMEM;
					goto fail;
				}
				v = nv;
			}
			memset(&v[cnt], 0, sizeof(v[cnt]));
			err = parse_header(p, end, &v[cnt]);
			if (err) {
				free(v[cnt].path);
				goto fail;
			}
			cnt++;
		} else if (cnt && is_key_line(p, end, &val)) {
			if (val - p == sizeof("VmFlags:") - 1 && !memcmp(p, "VmFlags:", val - p))
				set_vmflags(&v[cnt - 1], val, end);
		} else {
			err = -EINVAL;
			goto fail;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
fail:
	proc_vmas_free(v, cnt);
	return err;
}
