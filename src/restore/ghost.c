/*
 * Files whose names were gone at dump, restore side (the dump side is
 * src/files/unlinked.c). A relinked file is opened by ckpt's link, which is
 * removed once the whole restore succeeded (kept if it failed: the restore
 * can be tried again). Anything else is made anew on the filesystem it was
 * on, next to where its name was, filled from ghost-ID.img, given its mode,
 * owner and times, opened, and unlinked again: st_nlink is 0 as it was.
 * Every description of one such inode is a reopen of the one made.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "files.pb-c.h"
#include "files/decide.h"
#include "files/files.h"
#include "images/validate.h"
#include "restore/restore.h"

#define OPEN_IGNORED (O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY)

static int find_made(struct restore_ctx *ctx, uint32_t key)
{
	for (size_t i = 0; i < ctx->nr_made; i++)
		if (ctx->made[i].key == key)
			return ctx->made[i].fd;
	return -1;
}

static int note_made(struct restore_ctx *ctx, uint32_t key, int fd)
{
	struct made_inode *nm = reallocarray(ctx->made, ctx->nr_made + 1, sizeof(*nm));

	if (!nm)
		return -ENOMEM;
	ctx->made = nm;
	nm[ctx->nr_made].key = key;
	nm[ctx->nr_made].fd = fd;
	ctx->nr_made++;
	return 0;
}

/* A description with fe's flags on the inode behind fd. */
static int reopen(const FileEntry *fe, int fd)
{
	char self[64];
	int nfd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	/* an O_TMPFILE description shows O_TMPFILE in its flags: not to be reopened with */
	nfd = open(self, (fe->flags & ~(OPEN_IGNORED | O_TMPFILE)) | O_NOCTTY | O_CLOEXEC);
	if (nfd < 0)
		return pr_perror("%s: reopen the restored inode", fe->path);
	if (fe->pos > 0 && fe->kind == FILE_KIND__FILE_REG && lseek(nfd, fe->pos, SEEK_SET) != fe->pos) {
		close(nfd);
		return pr_perror("%s: seek to %lld", fe->path, (long long)fe->pos);
	}
	return nfd;
}

static int tmpfile_description(const FileEntry *fe, int made)
{
	int fd = fcntl(made, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return pr_perror("%s: dup", fe->path);
	if (fcntl(fd, F_SETFL, fe->flags) < 0 ||
	    (fe->pos > 0 && lseek(fd, fe->pos, SEEK_SET) != fe->pos)) {
		close(fd);
		return pr_perror("%s: flags and position", fe->path);
	}
	return fd;
}

/*
 * Make an entry next to where the name was, or in a directory above when
 * that one is gone too. make() gets the full path; -EEXIST tries another.
 */
static int make_near(const FileEntry *fe, const char *what, char *made, size_t len,
		     int (*make)(const FileEntry *fe, const char *path))
{
	char dir[PATH_MAX];
	uint64_t rnd = 0;
	int err = -ENOENT;

	/* its own name when that is free: /proc shows "name (deleted)" as before */
	snprintf(made, len, "%s", fe->path);
	err = make(fe, made);
	if (!err)
		return 0;
	snprintf(dir, sizeof(dir), "%s", fe->path);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			break;
		*slash = '\0';
		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd ^= (uint64_t)getpid() << 20 ^ fe->id;
		snprintf(made, len, "%s/.ckpt-%s-%016llx", dir, what, (unsigned long long)rnd);
		err = make(fe, made);
		if (!err)
			return 0;
		if (err != -ENOENT && err != -ENOTDIR && err != -EACCES && err != -EROFS)
			break;
	}
	return pr_errno(err, "%s: make the %s again", fe->path, what);
}

static int make_file(const FileEntry *fe, const char *path)
{
	int fd = open(path, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int make_dir(const FileEntry *fe, const char *path)
{
	return mkdir(path, 0700) ? -errno : 0;
}

static int make_node(const FileEntry *fe, const char *path)
{
	return mknod(path, (fe->mode & S_IFMT) | 0600, fe->rdev) ? -errno : 0;
}

/* O_TMPFILE in the directory of the name, or one above. */
static int make_tmpfile(const FileEntry *fe)
{
	char dir[PATH_MAX];
	int fd = -ENOENT;

	snprintf(dir, sizeof(dir), "%s", fe->path);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			break;
		*slash = '\0';
		fd = open(dir[0] ? dir : "/", O_TMPFILE | O_CLOEXEC |
			  ((fe->flags & O_ACCMODE) == O_WRONLY ? O_WRONLY : O_RDWR), fe->mode & 07777);
		if (fd >= 0)
			return fd;
		fd = -errno;
		if (fd != -ENOENT && fd != -ENOTDIR && fd != -EACCES)
			break;
	}
	return pr_errno(fd, "%s: O_TMPFILE", fe->path);
}

/* Data, mode, owner, times of a made inode, from ghost-ID.img. */
static int fill_inode(struct restore_ctx *ctx, const FileEntry *fe, int fd)
{
	struct timespec ts[2] = {
		{ fe->atime_ns / 1000000000ull, fe->atime_ns % 1000000000ull },
		{ fe->mtime_ns / 1000000000ull, fe->mtime_ns % 1000000000ull },
	};
	struct img *img;
	uint64_t data;
	int ret;

	ret = img_open(ctx->set, IMG_GHOST, fe->ghost_id, &img);
	if (ret)
		return ret;
	ret = copy_sparse(img_raw_fd(img), IMG_PAGES_DATA_OFF, fd, 0, fe->size, &data);
	img_close(img);
	if (ret)
		return pr_errno(ret, "%s: copy the data from ghost-%u.img", fe->path, fe->ghost_id);
	/* owner first: a chown clears the setuid and setgid bits the chmod then sets */
	if (fe->has_uid && fchown(fd, fe->uid, fe->gid))
		return pr_perror("%s: fchown", fe->path);
	if (fchmod(fd, fe->mode & 07777))
		return pr_perror("%s: fchmod", fe->path);
	if (fe->has_mtime_ns && futimens(fd, ts))
		return pr_perror("%s: futimens", fe->path);
	return 0;
}

/*
 * Remove a name ckpt made (or linked) only while it still names the inode
 * ckpt has open: a name swapped in the meantime is left alone.
 */
static void remove_if_same(const char *what, const char *name, dev_t dev, ino_t ino, bool dir)
{
	struct stat st;

	if (lstat(name, &st)) {
		if (errno != ENOENT)
			pr_warn("%s: stat %s: %s", what, name, strerror(errno));
		return;
	}
	if (st.st_dev != dev || st.st_ino != ino) {
		pr_warn("%s: %s is no longer the inode ckpt made: left in place", what, name);
		return;
	}
	if (dir ? rmdir(name) : unlink(name))
		pr_warn("%s: remove %s: %s", what, name, strerror(errno));
}

static void remove_made(const FileEntry *fe, const char *made, int fd, bool dir)
{
	struct stat st;

	if (fstat(fd, &st)) {
		pr_warn("%s: stat of the made inode: %s; %s left in place", fe->path,
			strerror(errno), made);
		return;
	}
	remove_if_same(fe->path, made, st.st_dev, st.st_ino, dir);
}

static int open_relinked(struct restore_ctx *ctx, const FileEntry *fe)
{
	struct stat st;
	struct relink *nr;
	int fd;

	if (!fe->relink_name)
		return pr_errno(-EBADMSG, "%s: relinked file without a link name", fe->path);
	/*
	 * Opened through its old name when that is free (a second link, gone at
	 * once: /proc shows "name (deleted)" as before), else through ckpt's
	 * link. ckpt's link stays until the whole restore succeeded. Looked at
	 * first (O_PATH, a symlink not followed), then opened through that look:
	 * the description the task gets has its own flags only.
	 */
	const char *name = fe->relink_name;
	bool via_path = !link(fe->relink_name, fe->path);
	char self[64];
	int pfd;

	if (via_path)
		name = fe->path;
	pfd = open(name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd >= 0 && via_path)
		remove_made(fe, fe->path, pfd, false);
	if (pfd < 0)
		return pr_perror("%s: open ckpt's link %s", fe->path, fe->relink_name);
	if (fstat(pfd, &st) || (st.st_mode & S_IFMT) != (fe->mode & S_IFMT) ||
	    (fe->has_dev && st.st_dev == fe->dev && st.st_ino != fe->ino)) {
		close(pfd);
		pr_err("%s: %s is not the inode that was dumped", fe->path, fe->relink_name);
		return -ESTALE;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, (fe->flags & ~(OPEN_IGNORED | O_TMPFILE)) | O_NOCTTY | O_CLOEXEC);
	close(pfd);
	if (fd < 0)
		return pr_perror("%s: open ckpt's link %s", fe->path, fe->relink_name);
	if (fe->pos > 0 && lseek(fd, fe->pos, SEEK_SET) != fe->pos) {
		close(fd);
		return pr_perror("%s: seek to %lld", fe->path, (long long)fe->pos);
	}
	for (size_t i = 0; i < ctx->nr_relinks; i++)
		if (!strcmp(ctx->relinks[i].name, fe->relink_name))
			return fd;
	nr = reallocarray(ctx->relinks, ctx->nr_relinks + 1, sizeof(*nr));
	if (nr)
		ctx->relinks = nr;
	if (!nr || !(nr[ctx->nr_relinks].name = strdup(fe->relink_name))) {
		close(fd);
		return -ENOMEM;
	}
	nr[ctx->nr_relinks].dev = st.st_dev;
	nr[ctx->nr_relinks].ino = st.st_ino;
	ctx->nr_relinks++;
	return fd;
}

/* The inode of a ghost, tmpfile or memfd, made once. */
static int make_data_inode(struct restore_ctx *ctx, const FileEntry *fe)
{
	char made[PATH_MAX + 64];
	int fd, ret;

	switch (fe->decision) {
	case FILE_DECISION__DECIDE_MEMFD:
		fd = memfd_create(fe->memfd_name ? fe->memfd_name : "", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0)
			return pr_perror("%s: memfd_create", fe->path);
		break;
	case FILE_DECISION__DECIDE_TMPFILE:
		fd = make_tmpfile(fe);
		if (fd < 0)
			return fd;
		break;
	default:
		ret = make_near(fe, "ghost", made, sizeof(made), make_file);
		if (ret)
			return ret;
		fd = open(made, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return pr_perror("%s: open %s", fe->path, made);
		remove_made(fe, made, fd, false);	/* nameless again, as it was */
	}
	if (fe->decision == FILE_DECISION__DECIDE_TMPFILE) {
		/* filled through a description of our own: the first one is the task's */
		char self[64];
		int wfd;

		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		wfd = open(self, O_RDWR | O_CLOEXEC);
		ret = wfd < 0 ? pr_perror("%s: reopen the tmpfile", fe->path) : fill_inode(ctx, fe, wfd);
		if (wfd >= 0)
			close(wfd);
	} else {
		ret = fill_inode(ctx, fe, fd);
	}
	if (!ret && fe->decision == FILE_DECISION__DECIDE_MEMFD && fe->has_seals && fe->seals &&
	    fcntl(fd, F_ADD_SEALS, fe->seals))
		ret = pr_perror("%s: F_ADD_SEALS %#x", fe->path, fe->seals);
	if (!ret)
		ret = note_made(ctx, fe->ghost_id, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* An unlinked directory or node: made, opened, removed. */
static int make_nameless(struct restore_ctx *ctx, const FileEntry *fe)
{
	char made[PATH_MAX + 64];
	bool dir = fe->decision == FILE_DECISION__DECIDE_GHOST_DIR;
	int fd, keep = -1, ret;

	ret = make_near(fe, dir ? "dir" : "node", made, sizeof(made), dir ? make_dir : make_node);
	if (ret)
		return ret;
	if (S_ISFIFO(fe->mode))	/* never block on a FIFO: hold it open both ways */
		keep = open(made, O_RDWR | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	/* not O_NOFOLLOW: the task would see it in its flags; made by us a moment ago */
	fd = open(made, (fe->flags & ~OPEN_IGNORED) | O_NOCTTY | O_CLOEXEC |
			(S_ISFIFO(fe->mode) ? O_NONBLOCK : 0));
	ret = fd < 0 ? pr_perror("%s: open %s", fe->path, made) : 0;
	if (!ret && S_ISFIFO(fe->mode) && fcntl(fd, F_SETFL, fe->flags & ~O_ACCMODE) < 0)
		ret = pr_perror("%s: F_SETFL", fe->path);
	if (!ret && S_ISFIFO(fe->mode) && keep >= 0)
		ret = refill_pipe(fe, keep);
	if (fd >= 0)
		remove_made(fe, made, fd, dir);
	else if (dir ? rmdir(made) : unlink(made))	/* made a moment ago, not opened */
		pr_warn("%s: remove %s: %s", fe->path, made, strerror(errno));
	if (keep >= 0)
		close(keep);
	if (!ret && ((fe->has_uid && fchown(fd, fe->uid, fe->gid)) || fchmod(fd, fe->mode & 07777)))
		ret = pr_perror("%s: mode and owner", fe->path);
	if (ret && fd >= 0)
		close(fd);
	return ret ? ret : fd;
}

int restore_open_unlinked(struct restore_ctx *ctx, const FileEntry *fe)
{
	int made;

	switch (fe->decision) {
	case FILE_DECISION__DECIDE_RELINK:
		return open_relinked(ctx, fe);
	case FILE_DECISION__DECIDE_GHOST:
	case FILE_DECISION__DECIDE_TMPFILE:
	case FILE_DECISION__DECIDE_MEMFD:
		if (!fe->has_ghost_id)
			return pr_errno(-EBADMSG, "%s: no ghost image", fe->path);
		made = find_made(ctx, fe->ghost_id);
		if (made < 0) {
			made = make_data_inode(ctx, fe);
			if (made < 0)
				return made;
			/* an O_TMPFILE description is the one open() made: its flags say so */
			if (fe->decision == FILE_DECISION__DECIDE_TMPFILE)
				return tmpfile_description(fe, made);
			/*
			 * a read-write memfd is the one memfd_create() made: unlike a
			 * reopen it does not count as a writer, so execveat() of it
			 * works (a reopen fails with ETXTBSY)
			 */
			if (fe->decision == FILE_DECISION__DECIDE_MEMFD &&
			    (fe->flags & O_ACCMODE) == O_RDWR)
				return tmpfile_description(fe, made);
		}
		return reopen(fe, made);
	case FILE_DECISION__DECIDE_GHOST_DIR:
	case FILE_DECISION__DECIDE_GHOST_NODE:
		return make_nameless(ctx, fe);
	default:
		return pr_errno(-EBADMSG, "%s: unknown decision %d", fe->path, fe->decision);
	}
}

/* Only ckpt's own names (validated: DIR/.ckpt-link-*), and only while they are the inode restored. */
void restore_remove_relinks(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_relinks; i++) {
		const struct relink *r = &ctx->relinks[i];

		if (!relink_name_ok(r->name)) {
			pr_warn("ckpt's link %s: not a .ckpt-link- name: left in place", r->name);
			continue;
		}
		remove_if_same("ckpt's link", r->name, r->dev, r->ino, false);
	}
}
