/*
 * file_locks: the file locks of the tree are held after restore, by the
 * same owners, over the same ranges.
 *
 *   A     flock(LOCK_EX)                       owner: the description
 *   B     POSIX read lock 0-99, write lock     owner: this process
 *         200-299; the child: write 400-499    owner: the child
 *   C     OFD write lock 10-EOF                owner: the description
 *   D     POSIX write lock 0-EOF, then D is    an unlinked (ghost) file
 *         unlinked
 *   E     POSIX write lock 5-9; E is linked    unlinked, but its inode has
 *         as E2, then unlinked                 another name (relinked)
 *
 * After SIGTERM a new process (not dumped) looks with F_GETLK, F_OFD_GETLK
 * and flock(LOCK_NB) through descriptions of its own: each lock must be
 * seen with its type, range and owner pid (F_GETLK's l_pid), the gaps
 * between them must be free, and /proc/locks must list the POSIX locks of
 * both pids. Without the locks every check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

#ifndef F_OFD_GETLK
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#endif

static char pa[256], pb[256], pc[256], pd[256], pe[256], pe2[256];
static int fa, fb, fc, fd_d, fe;
static ino_t ino_b, ino_d;	/* ino_d: as it is when checked */

static int lock(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	return fcntl(fd, cmd, &f);
}

/* F_GETLK (or F_OFD_GETLK) of type over start/len must find want (F_UNLCK: nothing). */
static void expect(const char *what, int fd, int cmd, short type, off_t start, off_t len,
		   short want, pid_t want_pid, off_t want_start, off_t want_len)
{
	struct flock f = { .l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len };

	if (fcntl(fd, cmd, &f)) {
		fail("%s: getlk: %m", what);
		return;
	}
	if (f.l_type != want) {
		fail("%s: lock type %d, expected %d", what, f.l_type, want);
		return;
	}
	if (want == F_UNLCK)
		return;
	if (f.l_pid != want_pid || f.l_start != want_start || f.l_len != want_len)
		fail("%s: held by pid %d over %lld+%lld, expected pid %d over %lld+%lld", what,
		     f.l_pid, (long long)f.l_start, (long long)f.l_len, want_pid,
		     (long long)want_start, (long long)want_len);
}

/* /proc/locks has a POSIX lock of pid on ino over start..end ("EOF" for -1). */
static bool in_proc_locks(pid_t pid, ino_t ino, const char *type, const char *range)
{
	char line[256], want[128];
	bool found = false;
	FILE *f = fopen("/proc/locks", "r");

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char kind[16], mode[16], t[16], dev[64];
		int p;
		unsigned long long i;
		char s[32], e[32];

		if (strstr(line, "->"))
			continue;
		if (sscanf(line, "%*d: %15s %15s %15s %d %63s %31s %31s", kind, mode, t, &p, dev, s,
			   e) != 7)
			continue;
		if (strcmp(kind, "POSIX") || strcmp(t, type) || p != pid)
			continue;
		if (sscanf(strrchr(dev, ':') + 1, "%llu", &i) != 1 || i != (unsigned long long)ino)
			continue;
		snprintf(want, sizeof(want), "%s %s", s, e);
		found = !strcmp(want, range);
	}
	fclose(f);
	return found;
}

static void check_from_outside(pid_t owner, pid_t child)
{
	int a2, b2, c2, d2;
	struct stat st;
	char p[64];

	a2 = open(pa, O_RDWR | O_CLOEXEC);
	b2 = open(pb, O_RDWR | O_CLOEXEC);
	c2 = open(pc, O_RDWR | O_CLOEXEC);
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", owner, fd_d);
	d2 = open(p, O_RDWR | O_CLOEXEC);	/* D has no name any more */
	if (a2 < 0 || b2 < 0 || c2 < 0 || d2 < 0) {
		fail("open the files again: %m");
		return;
	}
	/* A: flock, exclusive */
	if (flock(a2, LOCK_SH | LOCK_NB) == 0)
		fail("A: flock(LOCK_SH) from another description succeeded: the flock is not held");
	else if (errno != EWOULDBLOCK)
		fail("A: flock(LOCK_SH): %m");

	/* B: the owner's read 0-99 and write 200-299, the child's write 400-499 */
	expect("B 0-99 write", b2, F_GETLK, F_WRLCK, 0, 100, F_RDLCK, owner, 0, 100);
	expect("B 0-99 read", b2, F_GETLK, F_RDLCK, 0, 100, F_UNLCK, 0, 0, 0);
	expect("B 100-199", b2, F_GETLK, F_WRLCK, 100, 100, F_UNLCK, 0, 0, 0);
	expect("B 200-299 read", b2, F_GETLK, F_RDLCK, 200, 100, F_WRLCK, owner, 200, 100);
	expect("B 300-399", b2, F_GETLK, F_WRLCK, 300, 100, F_UNLCK, 0, 0, 0);
	expect("B 400-499", b2, F_GETLK, F_RDLCK, 400, 100, F_WRLCK, child, 400, 100);
	expect("B 500-", b2, F_GETLK, F_WRLCK, 500, 0, F_UNLCK, 0, 0, 0);
	if (!in_proc_locks(owner, ino_b, "READ", "0 99") ||
	    !in_proc_locks(owner, ino_b, "WRITE", "200 299") ||
	    !in_proc_locks(child, ino_b, "WRITE", "400 499"))
		fail("B: /proc/locks does not list the POSIX locks of pids %d and %d", owner, child);

	/* C: OFD write lock from 10 to EOF (OFD locks report pid -1) */
	expect("C 0-9", c2, F_OFD_GETLK, F_WRLCK, 0, 10, F_UNLCK, 0, 0, 0);
	expect("C 10-", c2, F_OFD_GETLK, F_RDLCK, 10, 5, F_WRLCK, -1, 10, 0);

	/* D: the unlinked file (a new inode after a restore), POSIX write lock over all of it */
	if (fstat(d2, &st))
		fail("D: fstat: %m");
	ino_d = st.st_ino;
	expect("D", d2, F_GETLK, F_RDLCK, 0, 0, F_WRLCK, owner, 0, 0);
	if (!in_proc_locks(owner, ino_d, "WRITE", "0 EOF"))
		fail("D: /proc/locks does not list the lock of pid %d on inode %lu", owner,
		     (unsigned long)ino_d);
	close(a2);
	close(b2);
	close(c2);
	close(d2);

	/* E: through its other name, the same inode */
	a2 = open(pe2, O_RDWR | O_CLOEXEC);
	if (a2 < 0) {
		fail("open %s: %m", pe2);
		return;
	}
	expect("E 0-4", a2, F_GETLK, F_WRLCK, 0, 5, F_UNLCK, 0, 0, 0);
	expect("E 5-9", a2, F_GETLK, F_RDLCK, 0, 0, F_WRLCK, owner, 5, 5);
	close(a2);
}

static int make(char *path, size_t size, const char *name)
{
	int fd;

	snprintf(path, size, "%s/%s", test_dir(), name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, 1000))
		setup_fail("%s: %m", path);
	return fd;
}

int main(int argc, char **argv)
{
	struct test_child c;
	struct stat st;
	pid_t checker;
	int status;

	test_init(argc, argv);
	fa = make(pa, sizeof(pa), "a");
	fb = make(pb, sizeof(pb), "b");
	fc = make(pc, sizeof(pc), "c");
	fd_d = make(pd, sizeof(pd), "d");
	fe = make(pe, sizeof(pe), "e");
	snprintf(pe2, sizeof(pe2), "%s/e2", test_dir());
	if (fstat(fb, &st))
		setup_fail("fstat: %m");
	ino_b = st.st_ino;

	if (test_child_fork(&c) == 0) {
		/* its own POSIX lock on B: owned by this process */
		if (lock(fb, F_SETLK, F_WRLCK, 400, 100))
			setup_fail("child: lock B 400-499: %m");
		test_child_ready();
		test_waitsig();
		/* still ours: a write lock over it from here is a no-op, one from the parent is not */
		test_child_exit();
	}
	test_child_wait_ready(&c);

	if (flock(fa, LOCK_EX | LOCK_NB))
		setup_fail("flock A: %m");
	if (lock(fb, F_SETLK, F_RDLCK, 0, 100) || lock(fb, F_SETLK, F_WRLCK, 200, 100))
		setup_fail("lock B: %m");
	if (lock(fc, F_OFD_SETLK, F_WRLCK, 10, 0))
		setup_fail("OFD lock C: %m");
	if (lock(fd_d, F_SETLK, F_WRLCK, 0, 0))
		setup_fail("lock D: %m");
	if (unlink(pd))
		setup_fail("unlink D: %m");
	if (lock(fe, F_SETLK, F_WRLCK, 5, 5) || link(pe, pe2) || unlink(pe))
		setup_fail("E: lock, link, unlink: %m");

	test_daemon();
	test_waitsig();

	checker = test_fork();
	if (checker == 0) {
		check_from_outside(getppid(), c.pid);
		_exit(test_failed() ? 1 : 0);
	}
	if (waitpid(checker, &status, 0) != checker || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the locks are not held as they were (see above)");
	kill(c.pid, SIGTERM);
	test_child_collect(&c);
	close(fa);
	close(fb);
	close(fc);
	close(fd_d);
	close(fe);
	unlink(pe2);
	unlink(pa);
	unlink(pb);
	unlink(pc);
	pass();
	return 0;
}
