/*
 * caps_user: capabilities kept across a switch to non-root uids.
 *
 *   uids        real 2001, effective 2002, saved 2003 (fs follows effective)
 *   gids        3001 3002 3003, groups 4001 4002
 *   caps        with PR_SET_KEEPCAPS over the setresuid, then capset:
 *               effective DAC_OVERRIDE (to write the verdict) and
 *               NET_BIND_SERVICE; permitted those and KILL, NET_RAW;
 *               inheritable NET_RAW and SYS_NICE (not permitted); ambient
 *               NET_RAW; SYS_MODULE dropped from the bounding set
 *   securebits  none (KEEP_CAPS cleared again after the switch)
 *
 * Restoring this needs the bounding set and inheritable bits set while
 * still root and the capabilities back after the uid change; a restorer that
 * drops the bounding set or sets securebits after setresuid fails with EPERM.
 * After SIGTERM every value is read back (getresuid, getresgid, getgroups,
 * capget, PR_CAPBSET_READ, PR_CAP_AMBIENT_IS_SET, PR_GET_SECUREBITS) and
 * compared with what the test read before the dump.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define BIT(c) (1ull << (c))

struct creds {
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[8];
	int ngroups;
	uint64_t eff, prm, inh, amb, bnd;
	int securebits;
};

static int get_caps(uint64_t *eff, uint64_t *prm, uint64_t *inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	*eff = d[0].effective | (uint64_t)d[1].effective << 32;
	*prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	*inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int set_caps(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
	};

	return (int)syscall(SYS_capset, &h, d);
}

static int read_creds(struct creds *c)
{
	memset(c, 0, sizeof(*c));
	if (getresuid(&c->r, &c->e, &c->s) || getresgid(&c->rg, &c->eg, &c->sg))
		return -1;
	c->ngroups = getgroups(8, c->groups);
	if (c->ngroups < 0 || get_caps(&c->eff, &c->prm, &c->inh))
		return -1;
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			c->amb |= BIT(cap);
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
			c->bnd |= BIT(cap);
	}
	c->securebits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	return 0;
}

int main(int argc, char **argv)
{
	const gid_t groups[] = { 4001, 4002 };
	uint64_t eff = BIT(CAP_DAC_OVERRIDE) | BIT(CAP_NET_BIND_SERVICE);
	uint64_t prm = eff | BIT(CAP_KILL) | BIT(CAP_NET_RAW);
	uint64_t inh = BIT(CAP_NET_RAW) | BIT(CAP_SYS_NICE);
	struct creds before, now;

	test_init(argc, argv);
	if (setgroups(2, groups) || prctl(PR_CAPBSET_DROP, CAP_SYS_MODULE, 0, 0, 0))
		setup_fail("setgroups / bounding set: %m");
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) || setresgid(3001, 3002, 3003) ||
	    setresuid(2001, 2002, 2003))
		setup_fail("switch uids: %m");
	if (set_caps(eff, prm, inh) || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_RAW, 0, 0))
		setup_fail("capabilities: %m");
	if (read_creds(&before))
		setup_fail("read creds: %m");
	if (before.eff != eff || before.prm != prm || before.inh != inh ||
	    before.amb != BIT(CAP_NET_RAW) || (before.bnd & BIT(CAP_SYS_MODULE)))
		setup_fail("caps not as set: eff %#llx prm %#llx inh %#llx amb %#llx",
			   (unsigned long long)before.eff, (unsigned long long)before.prm,
			   (unsigned long long)before.inh, (unsigned long long)before.amb);

	test_daemon();
	test_waitsig();

	if (read_creds(&now)) {
		fail("read creds: %m");
	} else {
		if (now.r != before.r || now.e != before.e || now.s != before.s)
			fail("uids %d %d %d, were %d %d %d", now.r, now.e, now.s, before.r, before.e,
			     before.s);
		if (now.rg != before.rg || now.eg != before.eg || now.sg != before.sg)
			fail("gids %d %d %d, were %d %d %d", now.rg, now.eg, now.sg, before.rg,
			     before.eg, before.sg);
		if (now.ngroups != before.ngroups ||
		    memcmp(now.groups, before.groups, now.ngroups * sizeof(gid_t)))
			fail("supplementary groups changed (%d, were %d)", now.ngroups, before.ngroups);
		if (now.eff != before.eff || now.prm != before.prm || now.inh != before.inh ||
		    now.amb != before.amb || now.bnd != before.bnd)
			fail("caps eff %#llx prm %#llx inh %#llx amb %#llx bnd %#llx, were "
			     "%#llx %#llx %#llx %#llx %#llx",
			     (unsigned long long)now.eff, (unsigned long long)now.prm,
			     (unsigned long long)now.inh, (unsigned long long)now.amb,
			     (unsigned long long)now.bnd, (unsigned long long)before.eff,
			     (unsigned long long)before.prm, (unsigned long long)before.inh,
			     (unsigned long long)before.amb, (unsigned long long)before.bnd);
		if (now.securebits != before.securebits)
			fail("securebits %#x, were %#x", now.securebits, before.securebits);
	}
	pass();
	return 0;
}
