/*
 * file_mode: restore never changes the mode, owner or times of a file that
 * exists, and makes an unlinked one again with all of them.
 *
 *   suid   a file 04755 of uid 1234 gid 5678, old atime and mtime, an fd on it
 *   sgid   a file 02710 of uid 4321 gid 8765, an O_RDWR fd on it
 *   sticky a directory 01777 of uid 1234, an fd on it
 *   ghost  a file 06750 of uid 1234 gid 5678, old times, 3 bytes, unlinked:
 *          made anew at restore
 *
 * For the first three, stat of the path after restore must equal stat
 * before the dump in mode, uid, gid, atime, mtime and ctime (a chmod,
 * chown or utime back to the same values would still move ctime). The
 * ghost's fstat must show its mode with the setuid and setgid bits, its
 * owner, atime and mtime (its ctime is the new inode's).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zdtmtst.h"

enum { SUID, SGID, STICKY, GHOST, NR };
static const char *names[NR] = { "suid", "sgid", "sticky", "ghost" };
static const mode_t modes[NR] = { 04755, 02710, 01777, 06750 };
static const uid_t uids[NR] = { 1234, 4321, 1234, 1234 };
static const gid_t gids[NR] = { 5678, 8765, 0, 5678 };
static char paths[NR][256];
static int fds[NR];
static struct stat before[NR];

static bool same_ts(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static void compare(int i, const struct stat *now, bool ctime)
{
	const struct stat *b = &before[i];

	if (now->st_mode != b->st_mode)
		fail("%s: mode 0%o, was 0%o", names[i], now->st_mode, b->st_mode);
	if (now->st_uid != b->st_uid || now->st_gid != b->st_gid)
		fail("%s: owner %u:%u, was %u:%u", names[i], now->st_uid, now->st_gid, b->st_uid,
		     b->st_gid);
	if (!same_ts(&now->st_mtim, &b->st_mtim) || !same_ts(&now->st_atim, &b->st_atim))
		fail("%s: atime %lld.%09ld mtime %lld.%09ld, were %lld.%09ld %lld.%09ld", names[i],
		     (long long)now->st_atim.tv_sec, now->st_atim.tv_nsec,
		     (long long)now->st_mtim.tv_sec, now->st_mtim.tv_nsec,
		     (long long)b->st_atim.tv_sec, b->st_atim.tv_nsec,
		     (long long)b->st_mtim.tv_sec, b->st_mtim.tv_nsec);
	if (ctime && !same_ts(&now->st_ctim, &b->st_ctim))
		fail("%s: ctime %lld.%09ld, was %lld.%09ld: its inode was changed", names[i],
		     (long long)now->st_ctim.tv_sec, now->st_ctim.tv_nsec,
		     (long long)b->st_ctim.tv_sec, b->st_ctim.tv_nsec);
}

int main(int argc, char **argv)
{
	struct timespec t[2] = { { 1000000000, 123456789 }, { 1100000000, 987654321 } };
	char buf[8];

	test_init(argc, argv);
	for (int i = 0; i < NR; i++) {
		snprintf(paths[i], sizeof(paths[i]), "%s/%s", test_dir(), names[i]);
		if (i == STICKY) {
			if (mkdir(paths[i], 0700))
				setup_fail("mkdir %s: %m", paths[i]);
			fds[i] = open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		} else {
			fds[i] = open(paths[i], O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			if (fds[i] >= 0 && i == GHOST && write(fds[i], "abc", 3) != 3)
				setup_fail("write: %m");
		}
		/* owner first: a chown clears the setuid and setgid bits */
		if (fds[i] < 0 || fchown(fds[i], uids[i], gids[i]) || fchmod(fds[i], modes[i]) ||
		    futimens(fds[i], t) || fstat(fds[i], &before[i]))
			setup_fail("%s: %m", paths[i]);
		if ((before[i].st_mode & 07777) != modes[i])
			setup_fail("%s: mode 0%o after fchmod 0%o", names[i], before[i].st_mode, modes[i]);
		if (i != GHOST && stat(paths[i], &before[i]))
			setup_fail("stat %s: %m", paths[i]);
	}
	if (unlink(paths[GHOST]))
		setup_fail("unlink: %m");

	test_daemon();
	test_waitsig();

	for (int i = 0; i < NR; i++) {
		struct stat now;

		if (i == GHOST ? fstat(fds[i], &now) : stat(paths[i], &now)) {
			fail("%s: stat: %m", names[i]);
			continue;
		}
		compare(i, &now, i != GHOST);
	}
	if (pread(fds[GHOST], buf, 3, 0) != 3 || buf[0] != 'a' || buf[2] != 'c')
		fail("ghost: its data: %m");

	for (int i = 0; i < NR; i++)
		close(fds[i]);
	unlink(paths[SUID]);
	unlink(paths[SGID]);
	rmdir(paths[STICKY]);
	pass();
	return 0;
}
