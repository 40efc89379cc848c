/*
 * procstate PID...
 *
 * Prints what the kernel shows of each task of a tree, as normalized
 * "ID KEY=VALUE" lines, so that test/run can take it before a dump and
 * again after (the tree left running, a killed dump, or a restore: the pids
 * are the same) and compare key by key. ID is "PID" for what a process
 * has, "PID/TID" for what each thread has, "tree" for what belongs to the
 * set of PIDs (locks, terminals). One key appears once per ID.
 *
 * What is printed, and why each thing is normalized as it is:
 *   per thread   status (every field), stat (state, masked flags, pgid,
 *                sid, tty_nr, tpgid, priority, nice, policy, rt_priority,
 *                exit_signal), sched_getattr()
 *   per process  stat's mm fields and exit code, limits, oom_score_adj,
 *                loginuid, sessionid, timerslack_ns, personality,
 *                coredump_filter, autogroup nice, ksm_stat switches,
 *                timers, cgroup, namespaces, exe/cwd/root, cmdline,
 *                environ; each VMA (range, perms, offset, file, VmFlags,
 *                ProtectionKey, NUMA policy); each fd (target, fdinfo
 *                lines, stat of its file)
 *   tree         the lines of /proc/locks held by these tasks; termios and
 *                window size of each terminal that one of them has open and
 *                is its controlling terminal
 * Counters and times are printed too where they sit in a file with state
 * (status): test/run's list of legitimate changes says which to ignore.
 * Only what cannot be compared at all as the kernel prints it is changed
 * here, each case commented where it is done.
 *
 * A file that cannot be read gives "KEY=!ERRNO-NAME" (a zombie has no
 * maps): the same before and after when nothing changed.
 *
 * Exit status: 0, or 2 on bad usage.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#define MAX_PIDS 4096

/* task flags (include/linux/sched.h) that a task carries as state: the
 * rest are scheduler, memory reclaim and accounting bits that come and go */
#define K_PF_MCE_PROCESS 0x00000080	/* prctl(PR_MCE_KILL) set */
#define K_PF_RANDOMIZE 0x00400000	/* address space randomization */
#define K_PF_NO_SETAFFINITY 0x04000000
#define K_PF_MCE_EARLY 0x08000000	/* PR_MCE_KILL_EARLY */
#define PF_STATE_MASK (K_PF_MCE_PROCESS | K_PF_RANDOMIZE | K_PF_NO_SETAFFINITY | K_PF_MCE_EARLY)

struct k_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

static pid_t pids[MAX_PIDS];
static int nr_pids;

static bool in_tree(pid_t p)
{
	int i;

	for (i = 0; i < nr_pids; i++)
		if (pids[i] == p)
			return true;
	return false;
}

/* dev:ino of a file the tree has open */
struct file_id {
	unsigned maj, min;
	unsigned long ino;
	bool unnamed;		/* a ghost's: restore makes a new inode */
};
static const struct file_id *tree_file(unsigned maj, unsigned min, unsigned long ino);

/*
 * A lock as /proc/locks and fdinfo print it after the list number:
 * "POSIX  ADVISORY  WRITE 812 08:01:1234 0 EOF", a waiter "-> POSIX ...",
 * as "POSIX.ADVISORY.WRITE.PID.MAJ:MIN:INO.START.END". The pid is the
 * task's that took the lock: for a flock, whoever took it (maybe gone, maybe
 * not the holder of the file), an OFD lock shows -1. It is kept when it is
 * one of the tree's, else it reads "other". Returns false if unparsable.
 */
static bool format_lock(const char *p, char *out, size_t n, unsigned *maj, unsigned *min,
			unsigned long *ino)
{
	char w[5][32], pid_s[16], ino_s[48];
	const struct file_id *f;
	bool waiter;
	int pid;

	waiter = strstr(p, "->") != NULL;
	if (waiter)
		p = strstr(p, "->") + 2;
	if (sscanf(p, "%31s %31s %31s %d %x:%x:%lu %31s %31s", w[0], w[1], w[2], &pid, maj, min, ino,
		   w[3], w[4]) != 9)
		return false;
	if (in_tree(pid))
		snprintf(pid_s, sizeof(pid_s), "%d", pid);
	else
		strcpy(pid_s, "other");
	/* a lock on a file with no name left: its inode is made anew (see ino_is_state) */
	f = tree_file(*maj, *min, *ino);
	if (f && f->unnamed)
		snprintf(ino_s, sizeof(ino_s), "%x:%x:unnamed", *maj, *min);
	else
		snprintf(ino_s, sizeof(ino_s), "%x:%x:%lu", *maj, *min, *ino);
	snprintf(out, n, "%s%s.%s.%s.%s.%s.%s.%s", waiter ? "waiting." : "", w[0], w[1], w[2],
		 pid_s, ino_s, w[3], w[4]);
	return true;
}

/* dev:ino of every file the tree has open: OFD locks show no pid */
static struct file_id *open_files;
static size_t nr_open_files, cap_open_files;

static void note_open_file(dev_t dev, ino_t ino, bool unnamed)
{
	if (nr_open_files == cap_open_files) {
		size_t n = cap_open_files ? 2 * cap_open_files : 64;
		struct file_id *f = realloc(open_files, n * sizeof(*f));

		if (!f)
			return;	/* a lock then shows as unattributed: both times */
		open_files = f;
		cap_open_files = n;
	}
	open_files[nr_open_files++] = (struct file_id){ major(dev), minor(dev), ino, unnamed };
}

static const char *err_name(int err)
{
	switch (err) {
	case ENOENT: return "!ENOENT";
	case ESRCH: return "!ESRCH";
	case EACCES: return "!EACCES";
	case EPERM: return "!EPERM";
	case EINVAL: return "!EINVAL";
	default: return "!error";
	}
}

/* The whole of a small /proc file, NUL-terminated; NULL and errno set. */
static char *read_all(const char *path, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap + 1), *nb;
	ssize_t n;
	int fd, err;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		free(buf);
		errno = err;
		return NULL;
	}
	for (;;) {
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			close(fd);
			free(buf);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += n;
		if (len == cap) {
			cap *= 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				close(fd);
				free(buf);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
	}
	close(fd);
	buf[len] = '\0';
	if (lenp)
		*lenp = len;
	return buf;
}

/* Print ID KEY=VALUE with VALUE on one line: runs of blanks become one
 * space (column alignment is not state), other control bytes \xNN. */
static void put(const char *id, const char *key, const char *val)
{
	const unsigned char *s = (const unsigned char *)val;
	bool blank = false;

	printf("%s %s=", id, key);
	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++) {
		if (*s == ' ' || *s == '\t') {
			blank = true;
			continue;
		}
		if (blank && s[0] != '\n')
			putchar(' ');
		blank = false;
		if (*s == '\n' || *s < 0x20 || *s == 0x7f || *s == '\\')
			printf("\\x%02x", *s);
		else
			putchar(*s);
	}
	putchar('\n');
}

static void putf(const char *id, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void putf(const char *id, const char *key, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(id, key, buf);
}

static void put_file(const char *id, const char *key, const char *path)
{
	char *s = read_all(path, NULL);
	size_t n;

	if (!s) {
		put(id, key, err_name(errno));
		return;
	}
	n = strlen(s);
	while (n && s[n - 1] == '\n')
		s[--n] = '\0';
	put(id, key, s);
	free(s);
}

/* cmdline, environ: NUL-separated; printed with \x00 between words */
static void put_nul_file(const char *id, const char *key, const char *path)
{
	size_t len, i;
	char *s = read_all(path, &len);

	if (!s) {
		put(id, key, err_name(errno));
		return;
	}
	printf("%s %s=", id, key);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c < 0x21 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	putchar('\n');
	free(s);
}

/* "name: value" lines (status, ksm_stat) as PREFIX.name=value */
static void put_colon_lines(const char *id, const char *prefix, const char *path,
			    bool (*want)(const char *name))
{
	char *s = read_all(path, NULL), *line, *save = NULL, *colon;
	char key[256];

	if (!s) {
		put(id, prefix, err_name(errno));
		return;
	}
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (want && !want(line))
			continue;
		snprintf(key, sizeof(key), "%s.%s", prefix, line);
		if (!strcmp(line, "State")) {
			/*
			 * R, S, D and I are one kind: a task waiting for
			 * SIGTERM may be caught running on a loaded machine.
			 * Stopped, traced, zombie stay apart.
			 */
			char *v = colon + 1;

			while (*v == ' ' || *v == '\t')
				v++;
			put(id, key, strchr("RSDI", *v) ? "running-or-sleeping" : v);
		} else if (!strcmp(line, "SigQ")) {
			/* queued/limit: the count is of the whole user's
			 * signals (other tests' too), the limit is the task's */
			char *slash = strchr(colon + 1, '/');

			snprintf(key, sizeof(key), "%s.SigQ.limit", prefix);
			put(id, key, slash ? slash + 1 : colon + 1);
			if (slash)
				*slash = '\0';
			snprintf(key, sizeof(key), "%s.SigQ.queued", prefix);
			put(id, key, colon + 1);
		} else {
			put(id, key, colon + 1);
		}
	}
	free(s);
}

static bool ksm_switch(const char *name)
{
	/* the rest of ksm_stat counts pages */
	return !strcmp(name, "ksm_merge_any") || !strcmp(name, "ksm_mergeable");
}

/* /proc/PID/task/TID/stat: the fields that are state */
static void put_thread_stat(const char *id, pid_t pid, pid_t tid, bool process)
{
	static const struct {
		int field;	/* proc(5) numbering: 3 is state */
		const char *name;
		bool per_process;
	} fields[] = {
		{ 3, "state", false },
		{ 5, "pgid", true },
		{ 6, "sid", true },
		{ 7, "tty_nr", true },
		{ 8, "tpgid", true },
		{ 9, "flags", false },
		{ 18, "priority", false },
		{ 19, "nice", false },
		{ 38, "exit_signal", false },
		{ 40, "rt_priority", false },
		{ 41, "policy", false },
		/* the mm's layout, set by PR_SET_MM_MAP on restore */
		{ 26, "start_code", true },
		{ 27, "end_code", true },
		{ 28, "start_stack", true },
		{ 45, "start_data", true },
		{ 46, "end_data", true },
		{ 47, "start_brk", true },
		{ 48, "arg_start", true },
		{ 49, "arg_end", true },
		{ 50, "env_start", true },
		{ 51, "env_end", true },
		{ 52, "exit_code", true },
	};
	char path[64], key[64], *s, *p, *tok, *save = NULL;
	char *val[64] = { 0 };
	unsigned i;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	s = read_all(path, NULL);
	if (!s) {
		put(id, "stat", err_name(errno));
		return;
	}
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(s, ')');
	if (!p) {
		put(id, "stat", "!unparsable");
		free(s);
		return;
	}
	for (f = 3, tok = strtok_r(p + 1, " \n", &save); tok && f < 64;
	     tok = strtok_r(NULL, " \n", &save), f++)
		val[f] = tok;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (fields[i].per_process != process)
			continue;
		snprintf(key, sizeof(key), "stat.%s", fields[i].name);
		if (!val[fields[i].field]) {
			put(id, key, "!missing");
		} else if (fields[i].field == 3) {
			put(id, key, strchr("RSDI", val[3][0]) ? "running-or-sleeping" : val[3]);
		} else if (fields[i].field == 9) {
			putf(id, key, "0x%lx", strtoul(val[9], NULL, 10) & PF_STATE_MASK);
		} else {
			put(id, key, val[fields[i].field]);
		}
	}
	free(s);
}

static void put_sched(const char *id, pid_t tid)
{
	struct k_sched_attr a;

	memset(&a, 0, sizeof(a));
	if (syscall(SYS_sched_getattr, tid, &a, sizeof(a), 0)) {
		put(id, "sched", err_name(errno));
		return;
	}
	putf(id, "sched.policy", "%u", a.sched_policy);
	putf(id, "sched.flags", "0x%llx", (unsigned long long)a.sched_flags);
	putf(id, "sched.nice", "%d", a.sched_nice);
	putf(id, "sched.priority", "%u", a.sched_priority);
	/* for SCHED_OTHER the runtime is the task's slice (sched_setattr) */
	putf(id, "sched.runtime", "%llu", (unsigned long long)a.sched_runtime);
	putf(id, "sched.deadline", "%llu", (unsigned long long)a.sched_deadline);
	putf(id, "sched.period", "%llu", (unsigned long long)a.sched_period);
	putf(id, "sched.util_min", "%u", a.sched_util_min);
	putf(id, "sched.util_max", "%u", a.sched_util_max);
}

static bool thread_is_zombie(pid_t pid, pid_t tid)
{
	char path[64], *s, *p;
	bool z = false;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	s = read_all(path, NULL);
	if (!s)
		return false;
	p = strrchr(s, ')');
	z = p && p[1] == ' ' && p[2] == 'Z';
	free(s);
	return z;
}

static void put_threads(pid_t pid)
{
	char path[64], id[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d) {
		snprintf(id, sizeof(id), "%d", pid);
		put(id, "threads", err_name(errno));
		return;
	}
	while ((de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		snprintf(id, sizeof(id), "%d/%d", pid, tid);
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
		/* a zombie's status under keys of their own: what it shows
		 * is what it had when it died, and test/run can name it */
		put_colon_lines(id, thread_is_zombie(pid, tid) ? "zombie.status" : "status", path, NULL);
		put_thread_stat(id, pid, tid, false);
		put_sched(id, tid);
	}
	closedir(d);
}

/* A pipe, socket or anonymous inode is made anew by a restore: its inode
 * number is not state. So is the inode of a file with no name left (a
 * ghost: restore makes a new file with the same data). */
static bool ino_is_state(const char *target, const struct stat *st)
{
	if (!strncmp(target, "anon_inode:", 11))
		return false;
	if (strchr(target, ':') && strchr(target, '[') && target[0] != '/')
		return false;	/* pipe:[N], socket:[N], ... */
	return st->st_nlink > 0;
}

/* /x/y (deleted) -> /x/<removed>: a ghost may come back under another
 * removed name of the same directory; pipe:[N] -> pipe (see above) */
static void normalize_target(char *t)
{
	static const char del[] = " (deleted)";
	size_t n = strlen(t), dl = strlen(del);
	char *br, *slash;

	/* but the kernel's own names of a memfd, a shared anonymous
	 * mapping or SysV segment are state (and come back as they were) */
	if (!strncmp(t, "/memfd:", 7) || !strncmp(t, "/dev/zero ", 10) || !strncmp(t, "/SYSV", 5))
		return;
	if (n > dl && !strcmp(t + n - dl, del) && t[0] == '/') {
		t[n - dl] = '\0';
		slash = strrchr(t, '/');
		if (slash)
			strcpy(slash + 1, "<removed>");
		return;
	}
	if (t[0] != '/' && (br = strchr(t, '[')) && strncmp(t, "anon_inode:", 11))
		*br = '\0';
}

/* procfs makes its inodes as it shows them: a /proc/PID file's number is not state */
static bool on_procfs(const char *path)
{
	struct statfs sf;

	return !statfs(path, &sf) && sf.f_type == 0x9fa0;	/* PROC_SUPER_MAGIC */
}

static const struct file_id *tree_file(unsigned maj, unsigned min, unsigned long ino)
{
	for (size_t i = 0; i < nr_open_files; i++)
		if (open_files[i].maj == maj && open_files[i].min == min && open_files[i].ino == ino)
			return &open_files[i];
	return NULL;
}

static void put_stat(const char *id, const char *key, const char *target, const char *path,
		     bool note)
{
	struct stat st;
	char ino[48] = "", nk[128];

	if (stat(path, &st)) {
		put(id, key, err_name(errno));
		return;
	}
	if (note)
		note_open_file(st.st_dev, st.st_ino, !ino_is_state(target, &st));
	if (ino_is_state(target, &st) && !on_procfs(path))
		snprintf(ino, sizeof(ino), " dev=%u:%u ino=%lu", major(st.st_dev), minor(st.st_dev),
			 (unsigned long)st.st_ino);
	putf(id, key, "mode=0%o size=%lld rdev=%u:%u%s", st.st_mode,
	     (long long)(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) ? st.st_size : 0),
	     major(st.st_rdev), minor(st.st_rdev), ino);
	/* a key of its own: a dump that leaves the tree running may add a
	 * name (a relink) that test/run lets pass there, and only there */
	snprintf(nk, sizeof(nk), "%s.nlink", key);
	putf(id, nk, "%lu", (unsigned long)st.st_nlink);
}

/* exe, cwd, root and each fd: where the link points and that file's stat */
static void put_link(const char *id, const char *key, const char *path, bool note)
{
	char target[PATH_MAX + 1], k[96];
	ssize_t n = readlink(path, target, sizeof(target) - 1);

	if (n < 0) {
		put(id, key, err_name(errno));
		return;
	}
	target[n] = '\0';
	snprintf(k, sizeof(k), "%s.stat", key);
	put_stat(id, k, target, path, note);
	normalize_target(target);
	put(id, key, target);
}

static void put_fds(const char *id, pid_t pid)
{
	char path[320], key[320], *s, *line, *save, *colon;
	struct dirent *de;
	DIR *d;
	int nlock, nrep;
	char prev[64];

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		put(id, "fds", err_name(errno));
		return;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		snprintf(key, sizeof(key), "fd.%s", de->d_name);
		put_link(id, key, path, true);

		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		s = read_all(path, NULL);
		if (!s) {
			snprintf(key, sizeof(key), "fd.%s.info", de->d_name);
			put(id, key, err_name(errno));
			continue;
		}
		nlock = 0;
		nrep = 0;
		prev[0] = '\0';
		save = NULL;
		for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			colon = strchr(line, ':');
			if (!colon)
				continue;
			*colon = '\0';
			/* the inode is in fd.N.stat, where it is state */
			if (!strcmp(line, "ino"))
				continue;
			if (!strcmp(line, "lock")) {
				/* "lock:\t1: POSIX ...": the number is the
				 * lock's place in the kernel's list */
				char *v = strchr(colon + 1, ':'), lock[256];
				unsigned maj, min;
				unsigned long ino;

				snprintf(key, sizeof(key), "fd.%s.lock.%d", de->d_name, nlock++);
				if (v && format_lock(v + 1, lock, sizeof(lock), &maj, &min, &ino))
					put(id, key, lock);
				else
					put(id, key, colon + 1);
				continue;
			}
			/* a kind may have a line per item (epoll's tfd,
			 * inotify's wd): the repeats are numbered */
			nrep = strcmp(line, prev) ? 0 : nrep + 1;
			snprintf(prev, sizeof(prev), "%s", line);
			if (nrep)
				snprintf(key, sizeof(key), "fd.%s.%s.%d", de->d_name, line, nrep);
			else
				snprintf(key, sizeof(key), "fd.%s.%s", de->d_name, line);
			put(id, key, colon + 1);
		}
		free(s);
	}
	closedir(d);
}

/* per VMA of smaps (merged as below) with the policy from numa_maps */
struct vma {
	unsigned long start, end, off;
	char perms[8];
	char dev[16];
	unsigned long ino;
	char path[PATH_MAX];
	char flags[256];
	char pkey[16];
	char numa[64];
	bool ino_state;
};

static bool vma_anon(const struct vma *v)
{
	return v->ino == 0 && v->path[0] == '\0';
}

/*
 * vma.START-END=PERMS ... and one vma.START-END.flag.XX=set per VmFlags
 * flag: a flag lost or gained is named as such (and test/run's lists can
 * name one flag).
 */
static void put_vma(const char *id, const struct vma *v)
{
	char key[64], flags[sizeof(v->flags)], *f, *save = NULL;

	snprintf(key, sizeof(key), "vma.%lx-%lx", v->start, v->end);
	if (v->ino_state) {
		putf(id, key, "%s %lx %s:%lu %s pkey=%s numa=%s", v->perms, v->off, v->dev, v->ino,
		     v->path, v->pkey, v->numa);
	} else {
		/* offset in an anonymous mapping (its page index) is
		 * not state either: the kernel derives it from the address */
		putf(id, key, "%s pkey=%s numa=%s", v->perms, v->pkey, v->numa);
		/* what backs it, when that is no file with a name (a ghost,
		 * a memfd, a shared anonymous mapping): a key of its own */
		snprintf(key, sizeof(key), "vma.%lx-%lx.object", v->start, v->end);
		put(id, key, v->path[0] ? v->path : "anon");
	}
	memcpy(flags, v->flags, sizeof(flags));
	for (f = strtok_r(flags, " ", &save); f; f = strtok_r(NULL, " ", &save)) {
		snprintf(key, sizeof(key), "vma.%lx-%lx.flag.%s", v->start, v->end, f);
		put(id, key, "set");
	}
}

static void numa_policy(pid_t pid, struct vma *v)
{
	char path[64], *s, *line, *save = NULL, *sp;

	strcpy(v->numa, "none");
	snprintf(path, sizeof(path), "/proc/%d/numa_maps", pid);
	s = read_all(path, NULL);
	if (!s)
		return;
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strtoul(line, &sp, 16) != v->start || *sp != ' ')
			continue;
		snprintf(v->numa, sizeof(v->numa), "%.*s", (int)strcspn(sp + 1, " "), sp + 1);
		break;
	}
	free(s);
}

static void finish_vma(pid_t pid, struct vma *v)
{
	char mf[96];
	struct stat st;

	v->ino_state = false;
	if (v->ino) {
		/* identity only where the same inode comes back (see ino_is_state) */
		snprintf(mf, sizeof(mf), "/proc/%d/map_files/%lx-%lx", pid, v->start, v->end);
		if (!stat(mf, &st))
			v->ino_state = st.st_nlink > 0 && strncmp(v->path, "/SYSV", 5) &&
				       strncmp(v->path, "/dev/zero", 9);
	}
	/* (deleted) names as for fds */
	normalize_target(v->path);
	numa_policy(pid, v);
}

static void put_vmas(const char *id, pid_t pid)
{
	char path[64], *s, *line, *save = NULL;
	struct vma cur, pend;
	bool have_cur = false, have_pend = false;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/smaps", pid);
	s = read_all(path, NULL);
	if (!s) {
		put(id, "vmas", err_name(errno));
		return;
	}
	memset(&cur, 0, sizeof(cur));
	memset(&pend, 0, sizeof(pend));
	for (line = strtok_r(s, "\n", &save);; line = strtok_r(NULL, "\n", &save)) {
		unsigned long a, b;
		int pos = 0;

		/* a VMA header line, or the end: the VMA read so far is done */
		if (!line || (sscanf(line, "%lx-%lx %n", &a, &b, &pos) == 2 && pos)) {
			if (have_cur) {
				finish_vma(pid, &cur);
				/*
				 * Adjacent anonymous VMAs alike in all but
				 * their anon_vma count as one: mapped anew
				 * (as after a fork or a restore) they merge.
				 */
				if (have_pend && vma_anon(&pend) && vma_anon(&cur) &&
				    pend.end == cur.start && !strcmp(pend.perms, cur.perms) &&
				    !strcmp(pend.flags, cur.flags) && !strcmp(pend.pkey, cur.pkey) &&
				    !strcmp(pend.numa, cur.numa)) {
					pend.end = cur.end;
				} else {
					if (have_pend)
						put_vma(id, &pend);
					pend = cur;
					have_pend = true;
				}
			}
			if (!line)
				break;
			memset(&cur, 0, sizeof(cur));
			n = sscanf(line, "%lx-%lx %7s %lx %15s %lu %n", &cur.start, &cur.end, cur.perms,
				   &cur.off, cur.dev, &cur.ino, &pos);
			if (n < 6) {
				put(id, "vmas", "!unparsable");
				break;
			}
			snprintf(cur.path, sizeof(cur.path), "%s", line + pos);
			strcpy(cur.pkey, "none");
			have_cur = true;
			continue;
		}
		if (!strncmp(line, "VmFlags:", 8)) {
			char *f = line + 8;

			while (*f == ' ')
				f++;
			snprintf(cur.flags, sizeof(cur.flags), "%s", f);
			n = strlen(cur.flags);
			while (n && cur.flags[n - 1] == ' ')
				cur.flags[--n] = '\0';
		} else if (!strncmp(line, "ProtectionKey:", 14)) {
			snprintf(cur.pkey, sizeof(cur.pkey), "%s", line + 14 + strspn(line + 14, " \t"));
		}
	}
	if (have_pend)
		put_vma(id, &pend);
	free(s);
}

/* /proc/PID/limits: "Max open files  1024  4096  files" per line */
static void put_limits(const char *id, pid_t pid)
{
	char path[64], key[64], *s, *line, *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/limits", pid);
	s = read_all(path, NULL);
	if (!s) {
		put(id, "limits", err_name(errno));
		return;
	}
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[32];
		int i, j = 0;

		if (!strncmp(line, "Limit", 5))
			continue;	/* the header */
		/* the name is the first 26 columns */
		for (i = 0; i < 25 && line[i] && j < (int)sizeof(name) - 1; i++)
			if (line[i] != ' ')
				name[j++] = line[i];
			else if (j && name[j - 1] != '_')
				name[j++] = '_';
		while (j && name[j - 1] == '_')
			j--;
		name[j] = '\0';
		snprintf(key, sizeof(key), "limit.%s", name);
		put(id, key, strlen(line) > 25 ? line + 25 : "");
	}
	free(s);
}

/* /proc/PID/timers: blocks of "ID: n" "signal: s/ptr" "notify: ..." "ClockID: c" */
static void put_timers(const char *id, pid_t pid)
{
	char path[64], key[64], tid[32] = "?", *s, *line, *save = NULL, *colon;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	s = read_all(path, NULL);
	if (!s) {
		put(id, "timers", err_name(errno));
		return;
	}
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!strcmp(line, "ID")) {
			snprintf(tid, sizeof(tid), "%s", colon + 1 + strspn(colon + 1, " "));
			continue;
		}
		snprintf(key, sizeof(key), "timer.%s.%s", tid, line);
		put(id, key, colon + 1);
	}
	free(s);
}

static void put_namespaces(const char *id, pid_t pid)
{
	char path[320], key[320];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/ns", pid);
	d = opendir(path);
	if (!d) {
		put(id, "ns", err_name(errno));
		return;
	}
	while ((de = readdir(d))) {
		char t[128];
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, de->d_name);
		snprintf(key, sizeof(key), "ns.%s", de->d_name);
		n = readlink(path, t, sizeof(t) - 1);
		if (n < 0) {
			put(id, key, err_name(errno));
			continue;
		}
		t[n] = '\0';
		put(id, key, t);
	}
	closedir(d);
}

static void put_process(pid_t pid)
{
	static const char *const plain[] = {
		"oom_score_adj", "loginuid", "sessionid", "timerslack_ns", "personality",
		"coredump_filter", "cgroup",
	};
	char id[32], path[96], key[64], *s;
	unsigned i;

	snprintf(id, sizeof(id), "%d", pid);
	put_thread_stat(id, pid, pid, true);
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, plain[i]);
		put_file(id, plain[i], path);
	}
	/* "/autogroup-N nice K": N is a new group per setsid(); K is state */
	snprintf(path, sizeof(path), "/proc/%d/autogroup", pid);
	s = read_all(path, NULL);
	if (s) {
		char *nice = strstr(s, " nice ");

		s[strcspn(s, "\n")] = '\0';
		put(id, "autogroup.nice", nice ? nice + 6 : "!unparsable");
		free(s);
	} else {
		put(id, "autogroup.nice", err_name(errno));
	}
	snprintf(path, sizeof(path), "/proc/%d/ksm_stat", pid);
	put_colon_lines(id, "ksm", path, ksm_switch);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	put_nul_file(id, "cmdline", path);
	snprintf(path, sizeof(path), "/proc/%d/environ", pid);
	put_nul_file(id, "environ", path);
	put_limits(id, pid);
	put_timers(id, pid);
	put_namespaces(id, pid);
	for (i = 0; i < 3; i++) {
		static const char *const links[] = { "exe", "cwd", "root" };

		snprintf(path, sizeof(path), "/proc/%d/%s", pid, links[i]);
		snprintf(key, sizeof(key), "%s", links[i]);
		put_link(id, key, path, false);
	}
	put_vmas(id, pid);
	put_fds(id, pid);
	put_threads(pid);
}

static bool tree_has_file(unsigned maj, unsigned min, unsigned long ino)
{
	return tree_file(maj, min, ino) != NULL;
}

/*
 * The lines of /proc/locks (after "N:", the lock's place in the list of all
 * the machine's locks) that a task of the tree took or that lock a file the
 * tree has open.
 */
static void put_locks(void)
{
	char *s = read_all("/proc/locks", NULL), *line, *save = NULL;

	if (!s) {
		put("tree", "locks", err_name(errno));
		return;
	}
	for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char lock[256], key[320];
		unsigned maj, min;
		unsigned long ino;
		char *p = strchr(line, ':');

		if (!p || !format_lock(p + 1, lock, sizeof(lock), &maj, &min, &ino))
			continue;
		if (strstr(lock, ".other.") && !tree_has_file(maj, min, ino))
			continue;
		snprintf(key, sizeof(key), "lock.%s", lock);
		put("tree", key, "held");
	}
	free(s);
}

/* A terminal some task of the tree has as controlling terminal and open:
 * its settings and window size */
static void put_terminals(void)
{
	unsigned long done[64];
	int ndone = 0, i;

	for (i = 0; i < nr_pids; i++) {
		char path[320], *s, *p;
		unsigned long tty_nr;
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "/proc/%d/stat", pids[i]);
		s = read_all(path, NULL);
		if (!s)
			continue;
		p = strrchr(s, ')');
		tty_nr = 0;
		if (p)
			sscanf(p + 2, "%*s %*d %*d %*d %lu", &tty_nr);
		free(s);
		if (!tty_nr)
			continue;
		for (int j = 0; j < ndone; j++)
			if (done[j] == tty_nr)
				tty_nr = 0;
		if (!tty_nr || ndone == 64)
			continue;

		snprintf(path, sizeof(path), "/proc/%d/fd", pids[i]);
		d = opendir(path);
		if (!d)
			continue;
		while ((de = readdir(d))) {
			char id[48];
			struct termios t;
			struct winsize ws;
			struct stat st;
			int fd;

			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			snprintf(path, sizeof(path), "/proc/%d/fd/%s", pids[i], de->d_name);
			if (stat(path, &st) || !S_ISCHR(st.st_mode))
				continue;
			/* tty_nr packs the device as the kernel's new_encode_dev */
			if (major(st.st_rdev) != ((tty_nr >> 8) & 0xfff) ||
			    minor(st.st_rdev) != ((tty_nr & 0xff) | ((tty_nr >> 12) & 0xfff00)))
				continue;
			fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
			if (fd < 0)
				continue;
			snprintf(id, sizeof(id), "tree");
			done[ndone++] = tty_nr;
			snprintf(path, sizeof(path), "tty.%u:%u", major(st.st_rdev), minor(st.st_rdev));
			if (!tcgetattr(fd, &t)) {
				char cc[NCCS * 3 + 1];
				int k;

				for (k = 0; k < NCCS; k++)
					snprintf(cc + 3 * k, 4, "%02x ", t.c_cc[k]);
				putf(id, path, "iflag=0%o oflag=0%o cflag=0%o lflag=0%o line=%u ispeed=%u ospeed=%u cc=%s",
				     t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag, t.c_line, cfgetispeed(&t),
				     cfgetospeed(&t), cc);
			} else {
				put(id, path, err_name(errno));
			}
			strcat(path, ".winsize");
			if (!ioctl(fd, TIOCGWINSZ, &ws))
				putf(id, path, "%ux%u", ws.ws_row, ws.ws_col);
			else
				put(id, path, err_name(errno));
			/* (its foreground group is each task's stat.tpgid:
			 * tcgetpgrp() answers only in the tty's session) */
			close(fd);
			break;
		}
		closedir(d);
	}
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PID...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		char *end;
		long v = strtol(argv[i], &end, 10);

		if (*end || v <= 0 || v > INT32_MAX || nr_pids == MAX_PIDS) {
			fprintf(stderr, "%s: bad pid '%s'\n", argv[0], argv[i]);
			return 2;
		}
		pids[nr_pids++] = v;
	}
	for (i = 0; i < nr_pids; i++)
		put_process(pids[i]);
	put_locks();
	put_terminals();
	free(open_files);
	return 0;
}
