/* Strict number and line scanning for the /proc parsers. */
#include <errno.h>
#include <limits.h>

#include "proc/proc.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

int proc_scan_ull(const char **p, int base, unsigned long long *out)
{
	const char *s = *p;
	unsigned long long v = 0;
	int d;

	if (digit_value(*s) >= base)
		return -EINVAL;
	for (; (d = digit_value(*s)) < base; s++) {
		if (v > (ULLONG_MAX - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	*p = s;
	return 0;
}

int proc_scan_ll(const char **p, long long *out)
{
	const char *s = *p;
	unsigned long long v;
	bool neg = false;

	if (*s == '-') {
		neg = true;
		s++;
	}
	if (proc_scan_ull(&s, 10, &v))
		return -EINVAL;
	if (neg ? v > (unsigned long long)LLONG_MAX + 1 : v > LLONG_MAX)
		return -EINVAL;
	*out = neg ? (long long)(0 - v) : (long long)v;
	*p = s;
	return 0;
}

const char *proc_line_end(const char *p)
{
	while (*p && *p != '\n')
		p++;
	return p;
}

const char *proc_skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool proc_at_eol(const char *p)
{
	p = proc_skip_blanks(p);
	return *p == '\n' || *p == '\0';
}
