/*
 * creds: credentials and the per-process settings next to them.
 *
 *   uids        real 0, effective 0, saved 1234, fs 1235 (the test keeps
 *               root's capabilities, so it can still write its verdict)
 *   gids        real 2345, effective 2346, saved 2347, fs 2348
 *   groups      100 2000 3000 65534
 *   caps        CAP_SYS_BOOT dropped from the bounding set, CAP_MKNOD from
 *               the permitted set, CAP_SYS_MODULE only from the effective
 *               one; inheritable CAP_NET_BIND_SERVICE and CAP_KILL, ambient
 *               CAP_NET_BIND_SERVICE
 *   securebits KEEP_CAPS (PR_SET_KEEPCAPS), NO_SETUID_FIXUP, NOROOT and
 *               NOROOT_LOCKED
 *   no_new_privs, umask 027, personality ADDR_NO_RANDOMIZE|UNAME26 (uname
 *               says 2.6.x), nice 7
 *   prctl       PR_SET_PDEATHSIG SIGWINCH and PR_SET_DUMPABLE 0, set after
 *               the credentials (any change of them resets both)
 *   rlimits     RLIMIT_NOFILE soft 200, RLIMIT_CORE 0/4 MiB, RLIMIT_MSGQUEUE
 *               12345/54321, RLIMIT_MEMLOCK soft 64 KiB, RLIMIT_CPU
 *               100000/200000 s (hard limits only lowered, never above
 *               what they were); every rlimit is compared
 *   cwd         a mkdtemp() directory: same path and inode
 *
 * After restore each is read back with its own syscall (getresuid,
 * setfsuid(-1), getgroups, capget, PR_CAPBSET_READ, PR_CAP_AMBIENT_IS_SET,
 * PR_GET_SECUREBITS, PR_GET_KEEPCAPS, PR_GET_NO_NEW_PRIVS, PR_GET_PDEATHSIG,
 * PR_GET_DUMPABLE, umask,
 * personality, getpriority, getrlimit, getcwd) and the Uid, Gid, Groups,
 * Cap*, NoNewPrivs and Umask lines of /proc/self/status must be as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "zdtmtst.h"

#define SUID 1234
#define FSUID 1235
#define RGID 2345
#define EGID 2346
#define SGID 2347
#define FSGID 2348
#define NICE 7
#define PDEATHSIG SIGWINCH	/* ignored by default: harmless when it comes */
#define PERSONA (ADDR_NO_RANDOMIZE | UNAME26)
#define SECBITS (SECBIT_KEEP_CAPS | SECBIT_NO_SETUID_FIXUP | SECBIT_NOROOT | SECBIT_NOROOT_LOCKED)

static const gid_t groups[] = { 100, 2000, 3000, 65534 };

static const struct {
	int res;
	rlim_t cur, max;	/* RLIM_SAVED_MAX: keep the hard limit */
} limits[] = {
	{ RLIMIT_NOFILE, 200, RLIM_SAVED_MAX },
	{ RLIMIT_CORE, 0, 4 << 20 },
	{ RLIMIT_MSGQUEUE, 12345, 54321 },
	{ RLIMIT_MEMLOCK, 65536, RLIM_SAVED_MAX },
	{ RLIMIT_CPU, 100000, 200000 },
};

struct caps {
	uint64_t eff, prm, inh;
};

static char dir[64], status_before[4096];
static struct rlimit rl_before[RLIM_NLIMITS];
static struct stat cwd_st;
static struct caps caps_before;
static uint64_t bnd_before, amb_before;

#define CAPBIT(c) (1ULL << (c))

static int get_caps(struct caps *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int set_caps(const struct caps *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)c->eff, (uint32_t)c->prm, (uint32_t)c->inh },
		{ (uint32_t)(c->eff >> 32), (uint32_t)(c->prm >> 32), (uint32_t)(c->inh >> 32) },
	};

	return syscall(SYS_capset, &h, d);
}

/* Bounding set and ambient set, one bit per cap the kernel knows. */
static void get_sets(uint64_t *bnd, uint64_t *amb)
{
	*bnd = *amb = 0;
	for (int cap = 0; cap < 64; cap++) {
		int b = prctl(PR_CAPBSET_READ, cap, 0, 0, 0);

		if (b < 0)
			break;
		if (b)
			*bnd |= CAPBIT(cap);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1)
			*amb |= CAPBIT(cap);
	}
}

/* The lines of /proc/self/status about credentials. */
static int status_creds(char *out, size_t size)
{
	static const char *const keys[] = { "Umask:", "Uid:", "Gid:", "Groups:", "NoNewPrivs:",
					     "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
	char buf[8192], *line;
	size_t o = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	out[0] = '\0';
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(line, keys[k], strlen(keys[k])) && o < size)
				o += snprintf(out + o, size - o, "%s\n", line);
	return 0;
}

static void setup(void)
{
	struct caps c;

	snprintf(dir, sizeof(dir), "/tmp/zdtm-creds.XXXXXX");
	if (!mkdtemp(dir) || chdir(dir) || stat(".", &cwd_st))
		setup_fail("cwd %s: %m", dir);
	umask(027);

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;

		if (getrlimit(limits[i].res, &rl))
			setup_fail("getrlimit: %m");
		/* lower only: without CAP_SYS_RESOURCE no hard limit goes up */
		if (limits[i].max != RLIM_SAVED_MAX && limits[i].max < rl.rlim_max)
			rl.rlim_max = limits[i].max;
		rl.rlim_cur = limits[i].cur < rl.rlim_max ? limits[i].cur : rl.rlim_max;
		if (setrlimit(limits[i].res, &rl))
			setup_fail("setrlimit %d: %m", limits[i].res);
	}
	if (setpriority(PRIO_PROCESS, 0, NICE))
		setup_fail("setpriority: %m");
	if (personality(PERSONA) < 0)
		setup_fail("personality: %m");

	if (setgroups(sizeof(groups) / sizeof(groups[0]), groups))
		setup_fail("setgroups: %m");
	if (setresgid(RGID, EGID, SGID))
		setup_fail("setresgid: %m");
	setfsgid(FSGID);
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		setup_fail("PR_SET_KEEPCAPS: %m");
	if (setresuid(0, 0, SUID))
		setup_fail("setresuid: %m");
	/* drops the file capabilities from the effective set... */
	setfsuid(FSUID);
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0))
		setup_fail("PR_CAPBSET_DROP: %m");
	if (get_caps(&c))
		setup_fail("capget: %m");
	/* ...which come back here */
	c.prm &= ~CAPBIT(CAP_MKNOD);
	c.eff = c.prm & ~CAPBIT(CAP_SYS_MODULE);
	c.inh = CAPBIT(CAP_NET_BIND_SERVICE) | CAPBIT(CAP_KILL);
	if (set_caps(&c))
		setup_fail("capset: %m");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_NET_BIND_SERVICE, 0, 0))
		setup_fail("PR_CAP_AMBIENT_RAISE: %m");
	if (prctl(PR_SET_SECUREBITS, SECBITS, 0, 0, 0))
		setup_fail("PR_SET_SECUREBITS: %m");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		setup_fail("PR_SET_NO_NEW_PRIVS: %m");
	/* both are reset by any change of credentials: last */
	if (prctl(PR_SET_PDEATHSIG, PDEATHSIG, 0, 0, 0) || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		setup_fail("PR_SET_PDEATHSIG/PR_SET_DUMPABLE: %m");

	/* what the kernel made of it */
	if (get_caps(&caps_before))
		setup_fail("capget: %m");
	get_sets(&bnd_before, &amb_before);
	if (caps_before.prm & CAPBIT(CAP_MKNOD) || caps_before.eff & CAPBIT(CAP_SYS_MODULE) ||
	    !(caps_before.eff & CAPBIT(CAP_DAC_OVERRIDE)) || bnd_before & CAPBIT(CAP_SYS_BOOT) ||
	    amb_before != CAPBIT(CAP_NET_BIND_SERVICE))
		setup_fail("caps eff %llx prm %llx bnd %llx amb %llx", (unsigned long long)caps_before.eff,
			   (unsigned long long)caps_before.prm, (unsigned long long)bnd_before,
			   (unsigned long long)amb_before);
	for (int r = 0; r < RLIM_NLIMITS; r++)
		if (getrlimit(r, &rl_before[r]))
			setup_fail("getrlimit %d: %m", r);
	if (status_creds(status_before, sizeof(status_before)))
		setup_fail("/proc/self/status: %m");
	test_msg("creds:\n%s", status_before);
}

static void check_ids(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, gl[64];
	int n;

	if (getresuid(&r, &e, &s) || r != 0 || e != 0 || s != SUID)
		fail("uids %d/%d/%d, expected 0/0/%d", r, e, s, SUID);
	if ((int)setfsuid(-1) != FSUID)
		fail("fsuid %d, expected %d", (int)setfsuid(-1), FSUID);
	if (getresgid(&rg, &eg, &sg) || rg != RGID || eg != EGID || sg != SGID)
		fail("gids %d/%d/%d, expected %d/%d/%d", rg, eg, sg, RGID, EGID, SGID);
	if ((int)setfsgid(-1) != FSGID)
		fail("fsgid %d, expected %d", (int)setfsgid(-1), FSGID);
	n = getgroups(64, gl);
	if (n != (int)(sizeof(groups) / sizeof(groups[0])))
		fail("%d groups, expected %zu", n, sizeof(groups) / sizeof(groups[0]));
	else
		for (int i = 0; i < n; i++)
			if (gl[i] != groups[i])	/* the kernel keeps them sorted */
				fail("group %d is %d, expected %d", i, gl[i], groups[i]);
}

static void check_caps(void)
{
	struct caps c;
	uint64_t bnd, amb;
	int sb;

	if (get_caps(&c))
		fail("capget: %m");
	else if (c.eff != caps_before.eff || c.prm != caps_before.prm || c.inh != caps_before.inh)
		fail("caps eff/prm/inh %llx/%llx/%llx, were %llx/%llx/%llx",
		     (unsigned long long)c.eff, (unsigned long long)c.prm,
		     (unsigned long long)c.inh, (unsigned long long)caps_before.eff,
		     (unsigned long long)caps_before.prm, (unsigned long long)caps_before.inh);
	get_sets(&bnd, &amb);
	if (bnd != bnd_before)
		fail("bounding set %llx, was %llx", (unsigned long long)bnd,
		     (unsigned long long)bnd_before);
	if (amb != amb_before)
		fail("ambient set %llx, was %llx", (unsigned long long)amb,
		     (unsigned long long)amb_before);
	sb = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
	if (sb != SECBITS)
		fail("securebits %#x, expected %#x", sb, SECBITS);
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 1)
		fail("PR_GET_KEEPCAPS %d", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		fail("no_new_privs %d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static void check_prctl(void)
{
	int sig = -1;

	if (prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0) || sig != PDEATHSIG)
		fail("pdeath signal %d, expected %d", sig, PDEATHSIG);
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		fail("dumpable %d, expected 0", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
}

static void check_rest(void)
{
	struct utsname u;
	char cwd[4096], status[4096];
	struct stat st;
	mode_t m;
	int p;

	m = umask(0);
	umask(m);
	if (m != 027)
		fail("umask %03o, expected 027", m);
	p = personality(0xffffffff);
	if (p != PERSONA)
		fail("personality %#x, expected %#x", p, PERSONA);
	if (uname(&u) || strncmp(u.release, "2.6.", 4))
		fail("uname release '%s' with UNAME26", u.release);
	errno = 0;
	p = getpriority(PRIO_PROCESS, 0);
	if (p != NICE)
		fail("nice %d, expected %d (%m)", p, NICE);

	for (int r = 0; r < RLIM_NLIMITS; r++) {
		struct rlimit rl;

		if (getrlimit(r, &rl))
			fail("getrlimit %d: %m", r);
		else if (rl.rlim_cur != rl_before[r].rlim_cur || rl.rlim_max != rl_before[r].rlim_max)
			fail("rlimit %d: %llu/%llu, was %llu/%llu", r,
			     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max,
			     (unsigned long long)rl_before[r].rlim_cur,
			     (unsigned long long)rl_before[r].rlim_max);
	}

	if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, dir))
		fail("cwd '%s', was '%s'", cwd, dir);
	if (stat(".", &st) || st.st_dev != cwd_st.st_dev || st.st_ino != cwd_st.st_ino)
		fail("cwd is another directory now");

	if (status_creds(status, sizeof(status)))
		fail("/proc/self/status: %m");
	else if (strcmp(status, status_before))
		fail("/proc/self/status:\n%s\nwas:\n%s", status, status_before);
}

int main(int argc, char **argv)
{
	test_init(argc, argv);
	setup();
	test_daemon();
	test_waitsig();
	check_ids();
	check_caps();
	check_prctl();
	check_rest();
	if (chdir("/") || rmdir(dir))
		fail("rmdir %s: %m", dir);
	pass();
	return 0;
}
