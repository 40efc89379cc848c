/* /proc/PID/status: "Key:\tvalue" lines; only the keys ckpt needs are read. */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "proc/proc.h"

enum kind { K_STATE, K_PID, K_OCT, K_HEX64, K_LONG, K_INT, K_IDS, K_GROUPS, K_NSPID };

static const struct key {
	const char *name;
	enum kind kind;
	size_t off;
	bool required;		/* printed by every kernel ckpt can run on */
} keys[] = {
	{ "State",	K_STATE, offsetof(struct proc_status, state), true },
	{ "Umask",	K_OCT, offsetof(struct proc_status, umask), false },
	{ "Tgid",	K_PID, offsetof(struct proc_status, tgid), true },
	{ "Pid",	K_PID, offsetof(struct proc_status, pid), true },
	{ "PPid",	K_PID, offsetof(struct proc_status, ppid), true },
	{ "TracerPid",	K_PID, offsetof(struct proc_status, tracer_pid), false },
	{ "Uid",	K_IDS, offsetof(struct proc_status, uid), true },
	{ "Gid",	K_IDS, offsetof(struct proc_status, gid), true },
	{ "Groups",	K_GROUPS, 0, false },
	{ "NSpid",	K_NSPID, 0, false },
	{ "Threads",	K_LONG, offsetof(struct proc_status, threads), false },
	{ "SigPnd",	K_HEX64, offsetof(struct proc_status, sig_pnd), false },
	{ "ShdPnd",	K_HEX64, offsetof(struct proc_status, shd_pnd), false },
	{ "SigBlk",	K_HEX64, offsetof(struct proc_status, sig_blk), false },
	{ "SigIgn",	K_HEX64, offsetof(struct proc_status, sig_ign), false },
	{ "SigCgt",	K_HEX64, offsetof(struct proc_status, sig_cgt), false },
	{ "CapInh",	K_HEX64, offsetof(struct proc_status, cap_inh), false },
	{ "CapPrm",	K_HEX64, offsetof(struct proc_status, cap_prm), false },
	{ "CapEff",	K_HEX64, offsetof(struct proc_status, cap_eff), false },
	{ "CapBnd",	K_HEX64, offsetof(struct proc_status, cap_bnd), false },
	{ "CapAmb",	K_HEX64, offsetof(struct proc_status, cap_amb), false },
	{ "NoNewPrivs",	K_INT, offsetof(struct proc_status, no_new_privs), false },
	{ "Seccomp",	K_INT, offsetof(struct proc_status, seccomp), false },
};

/* A blank-separated list of decimal u32 ("Groups", "NSpid"); may be empty. */
static int scan_list(const char **pp, uint32_t **list, size_t *n)
{
	const char *p = proc_skip_blanks(*pp);
	unsigned long long v;
	size_t cap = 0;
	uint32_t *l = NULL, *nl;

	*n = 0;
	while (*p != '\n' && *p != '\0') {
		if (proc_scan_ull(&p, 10, &v) || v > UINT32_MAX ||
		    (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\0'))
			goto bad;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nl = realloc(l, cap * sizeof(*l));
			if (!nl) {
				free(l);
				return -ENOMEM;
			}
			l = nl;
		}
		l[(*n)++] = v;
		p = proc_skip_blanks(p);
	}
	*list = l;
	*pp = p;
	return 0;
bad:
	free(l);
	return -EINVAL;
}

static int scan_value(const struct key *k, const char *p, struct proc_status *st)
{
	char *dst = (char *)st + k->off;
	unsigned long long v;
	long long sv;
	uint32_t *l;
	size_t n;
	int i, err;

	switch (k->kind) {
	case K_STATE:
		if (*p == '\0' || *p == '\n' || *p == ' ' || *p == '\t')
			return -EINVAL;
		st->state = *p;
		return 0;	/* " (sleeping)" follows */
	case K_PID:
		if (proc_scan_ull(&p, 10, &v) || v > INT_MAX)
			return -EINVAL;
		*(pid_t *)dst = v;
		break;
	case K_OCT:
		if (proc_scan_ull(&p, 8, &v) || v > UINT_MAX)
			return -EINVAL;
		*(unsigned int *)dst = v;
		break;
	case K_HEX64:
		if (proc_scan_ull(&p, 16, &v))
			return -EINVAL;
		*(uint64_t *)dst = v;
		break;
	case K_LONG:
	case K_INT:
		if (proc_scan_ll(&p, &sv))
			return -EINVAL;
		if (k->kind == K_INT && (sv < INT_MIN || sv > INT_MAX))
			return -EINVAL;
		if (k->kind == K_INT)
			*(int *)dst = sv;
		else
			*(long *)dst = sv;
		break;
	case K_IDS:
		for (i = 0; i < 4; i++) {
			p = proc_skip_blanks(p);
			if (proc_scan_ull(&p, 10, &v) || v > UINT32_MAX)
				return -EINVAL;
			((uint32_t *)dst)[i] = v;
		}
		break;
	case K_GROUPS:
		err = scan_list(&p, &l, &n);
		if (err)
			return err;
		free(st->groups);
		st->groups = l;
		st->ngroups = n;
		break;
	case K_NSPID:
		err = scan_list(&p, &l, &n);
		if (err)
			return err;
		if (n == 0 || n > INT_MAX || l[n - 1] > INT_MAX) {
			free(l);
			return -EINVAL;
		}
		st->nspid_last = l[n - 1];
		st->nspid_levels = n;
		free(l);
		break;
	}
	return proc_at_eol(p) ? 0 : -EINVAL;
}

static int parse_status(const char *buf, struct proc_status *st)
{
	bool seen[ARRAY_SIZE(keys)] = { false };
	const char *p, *end, *colon;
	size_t i, klen;
	int err;

	for (p = buf; *p; p = *end ? end + 1 : end) {
		end = proc_line_end(p);
		if (end == p)
			continue;
		colon = memchr(p, ':', end - p);
		if (!colon)
			return -EINVAL;
		klen = colon - p;
		for (i = 0; i < ARRAY_SIZE(keys); i++) {
			if (strlen(keys[i].name) != klen || memcmp(keys[i].name, p, klen))
				continue;
			err = scan_value(&keys[i], proc_skip_blanks(colon + 1), st);
			if (err)
				return err;
			seen[i] = true;
			break;
		}
	}
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (keys[i].required && !seen[i])
			return -EINVAL;
	return 0;
}

int proc_parse_status(const char *buf, struct proc_status *st)
{
	int err;

	memset(st, 0, sizeof(*st));
	err = parse_status(buf, st);
	if (err) {	/* nothing half-filled, nothing to free */
		proc_status_free(st);
		memset(st, 0, sizeof(*st));
	}
	return err;
}

void proc_status_free(struct proc_status *st)
{
	if (!st)
		return;
	free(st->groups);
	st->groups = NULL;
	st->ngroups = 0;
}
