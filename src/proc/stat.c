/* /proc/PID/stat: "pid (comm) state f4 f5 ... f52", fields per proc(5). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "proc/proc.h"

/* Kernels since 2.6 print at least 44 fields; below this it is not a stat. */
#define STAT_MIN_FIELDS 20
#define STAT_MAX_FIELDS 52

struct stat_field {
	long long v;		/* as printed; unsigned values above LLONG_MAX wrap */
	bool neg;
};

static int scan_field(const char **p, struct stat_field *f)
{
	unsigned long long u;

	if (**p == '-') {
		f->neg = true;
		return proc_scan_ll(p, &f->v);
	}
	if (proc_scan_ull(p, 10, &u))
		return -EINVAL;
	f->v = (long long)u;
	f->neg = false;
	return 0;
}

/* Each conversion fails on a value the target type cannot hold. */
static int as_int(const struct stat_field *f, int *out)
{
	if (f->v < INT_MIN || f->v > INT_MAX || (!f->neg && f->v < 0))
		return -EINVAL;
	*out = (int)f->v;
	return 0;
}

static int as_long(const struct stat_field *f, long *out)
{
	if (!f->neg && f->v < 0)
		return -EINVAL;
	*out = f->v;
	return 0;
}

static int as_ulong(const struct stat_field *f, unsigned long *out)
{
	if (f->neg)
		return -EINVAL;
	*out = (unsigned long)f->v;
	return 0;
}

static int as_uint(const struct stat_field *f, unsigned int *out)
{
	unsigned long v;

	if (as_ulong(f, &v) || v > UINT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Fields 4..52, each stored where the struct wants it; missing ones stay 0. */
static int store_fields(const struct stat_field *f, int nf, struct proc_stat *st)
{
	int err = 0;

#define F(n, conv, dst) do { if ((n) <= nf) err |= conv(&f[n], dst); } while (0)
	F(4, as_int, &st->ppid);
	F(5, as_int, &st->pgid);
	F(6, as_int, &st->sid);
	F(7, as_int, &st->tty_nr);
	F(9, as_uint, &st->flags);
	F(19, as_long, &st->nice);
	F(20, as_long, &st->num_threads);
	if (22 <= nf) {
		if (f[22].neg)
			return -EINVAL;
		st->start_time = (unsigned long long)f[22].v;
	}
	F(23, as_ulong, &st->vsize);
	F(26, as_ulong, &st->start_code);
	F(27, as_ulong, &st->end_code);
	F(28, as_ulong, &st->start_stack);
	F(38, as_int, &st->exit_signal);
	F(40, as_uint, &st->rt_priority);
	F(41, as_uint, &st->policy);
	F(45, as_ulong, &st->start_data);
	F(46, as_ulong, &st->end_data);
	F(47, as_ulong, &st->start_brk);
	F(48, as_ulong, &st->arg_start);
	F(49, as_ulong, &st->arg_end);
	F(50, as_ulong, &st->env_start);
	F(51, as_ulong, &st->env_end);
	F(52, as_int, &st->exit_code);
#undef F
	/* pid_t is int here; the ids are never negative */
	if (st->ppid < 0 || st->pgid < 0 || st->sid < 0)
		return -EINVAL;
	return err ? -EINVAL : 0;
}

static int parse_stat(const char *buf, struct proc_stat *st)
{
	struct stat_field f[STAT_MAX_FIELDS + 1];
	const char *p = buf, *lpar, *rpar;
	unsigned long long pid;
	size_t len;
	int nf, err;

	memset(st, 0, sizeof(*st));
	memset(f, 0, sizeof(f));

	if (proc_scan_ull(&p, 10, &pid) || pid == 0 || pid > INT_MAX)
		return -EINVAL;
	if (p[0] != ' ' || p[1] != '(')
		return -EINVAL;
	/* comm may hold anything, ')' and '\n' included: it ends at the last ')' */
	lpar = p + 1;
	rpar = strrchr(lpar, ')');
	if (!rpar)
		return -EINVAL;
	len = rpar - lpar - 1;
	if (len >= sizeof(st->comm))
		len = sizeof(st->comm) - 1;
	memcpy(st->comm, lpar + 1, len);
	st->comm[len] = '\0';

	p = rpar + 1;
	if (p[0] != ' ' || p[1] == '\0' || p[1] == ' ' || p[1] == '\n' ||
	    (p[2] != ' ' && p[2] != '\n' && p[2] != '\0'))
		return -EINVAL;
	st->state = p[1];
	p += 2;

	for (nf = 3; *p == ' '; ) {
		p++;
		if (*p == '\n' || *p == '\0')	/* a trailing blank */
			break;
		if (nf < STAT_MAX_FIELDS) {
			err = scan_field(&p, &f[nf + 1]);
		} else {	/* a field newer than this parser: skip it */
			struct stat_field skip;

			err = scan_field(&p, &skip);
		}
		if (err)
			return -EINVAL;
		nf++;
	}
	if (*p == '\n')
		p++;
	if (*p != '\0' || nf < STAT_MIN_FIELDS)
		return -EINVAL;

	st->pid = (pid_t)pid;
	return store_fields(f, nf < STAT_MAX_FIELDS ? nf : STAT_MAX_FIELDS, st);
}

int proc_parse_stat(const char *buf, struct proc_stat *st)
{
	int err = parse_stat(buf, st);

	if (err)	/* no half-filled result */
		memset(st, 0, sizeof(*st));
	return err;
}
