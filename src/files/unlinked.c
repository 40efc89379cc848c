/*
 * Files whose path no longer names them, dump side. Decided per inode
 * (src/files/decide.c): relink through the fd to a ckpt-owned name on the
 * same filesystem, or copy the data (holes kept) into ghost-ID.img.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "common/util.h"
#include "files/decide.h"
#include "files/files.h"

#include "files.pb-c.h"

#define COPY_CHUNK (1 << 20)

#define SAME(a, b) ((int)(a) == (int)(b))
_Static_assert(SAME(DECIDE_PLAIN, FILE_DECISION__DECIDE_PLAIN) &&
	       SAME(DECIDE_RELINK, FILE_DECISION__DECIDE_RELINK) &&
	       SAME(DECIDE_GHOST, FILE_DECISION__DECIDE_GHOST) &&
	       SAME(DECIDE_TMPFILE, FILE_DECISION__DECIDE_TMPFILE) &&
	       SAME(DECIDE_MEMFD, FILE_DECISION__DECIDE_MEMFD) &&
	       SAME(DECIDE_GHOST_DIR, FILE_DECISION__DECIDE_GHOST_DIR) &&
	       SAME(DECIDE_GHOST_NODE, FILE_DECISION__DECIDE_GHOST_NODE), "decide.h matches files.proto");

static enum file_type file_type_of(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFDIR: return FT_DIR;
	case S_IFIFO: return FT_FIFO;
	case S_IFCHR: return FT_CHR;
	case S_IFBLK: return FT_BLK;
	default: return FT_REG;
	}
}

/*
 * Does path name this inode? Paths are as ckpt sees them (readlink of
 * /proc/PID/fd/N resolves from the reader's root, not from a chrooted
 * task's), and restore opens them so, before it chroots the task: the task's
 * root must not be put in front of them.
 */
static bool path_names_inode(const char *path, const struct stat *st)
{
	struct stat now;

	/* lstat: an O_PATH fd may be a symlink itself (paths of fds never end in one) */
	return !lstat(path, &now) && now.st_dev == st->st_dev && now.st_ino == st->st_ino;
}

/* A link to the inode in the deepest directory of path that takes one. */
static int relink(const struct fd_probe *p, FileEntry *fe, const char *path)
{
	char dir[PATH_MAX], name[PATH_MAX + 64];
	int err = -ENOENT;

	snprintf(dir, sizeof(dir), "%s", path);
	for (;;) {
		char *slash = strrchr(dir, '/');

		if (!slash)
			break;
		*slash = '\0';
		snprintf(name, sizeof(name), "%s/.ckpt-link-%s-%u", dir,
			 file_table_dump_id(p->ft), fe->id);
		if (!linkat(p->local, "", AT_FDCWD, name, AT_EMPTY_PATH)) {
			fe->relink_name = strdup(name);
			if (!fe->relink_name || file_table_note_relink(p->ft, "", name)) {
				unlink(name);
				return -ENOMEM;
			}
			pr_info("pid %d fd %d (%s): relinked to %s", p->pid, p->fd, path, name);
			return 0;
		}
		err = -errno;
		/* a missing directory, another filesystem or subvolume: one level up */
		if (err != -ENOENT && err != -EXDEV && err != -ENOTDIR && err != -EACCES &&
		    err != -EPERM && err != -EROFS)
			break;
	}
	pr_info("pid %d fd %d (%s): cannot relink (%s)", p->pid, p->fd, path, strerror(-err));
	return err;
}

int copy_sparse(int src, off_t src_base, int dst, off_t dst_base, off_t size, uint64_t *data)
{
	cleanup_free char *buf = NULL;
	off_t off = 0;

	*data = 0;
	while (off < size) {
		off_t start = lseek(src, src_base + off, SEEK_DATA), end;

		if (start < 0) {
			if (errno == ENXIO)
				break;	/* only a hole is left */
			return -errno;
		}
		end = lseek(src, start, SEEK_HOLE);
		if (end < 0)
			return -errno;
		start -= src_base;
		end -= src_base;
		if (end > size)
			end = size;
		while (start < end) {
			loff_t in = src_base + start, out = dst_base + start;
			ssize_t n = copy_file_range(src, &in, dst, &out, end - start, 0);

			if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == EOPNOTSUPP ||
				      errno == ENOSYS)) {
				/* across filesystems: through a buffer */
				if (!buf && !(buf = malloc(COPY_CHUNK)))
					return -ENOMEM;
				n = pread(src, buf, min_t(off_t, end - start, COPY_CHUNK), src_base + start);
				if (n > 0 && pwrite_all(dst, buf, n, dst_base + start))
					return -errno;
			}
			if (n < 0)
				return -errno;
			if (n == 0)
				break;	/* the file shrank under us */
			start += n;
			*data += n;
		}
		off = end;
	}
	if (ftruncate(dst, dst_base + size))
		return -errno;
	return 0;
}

static int dump_ghost(const struct fd_probe *p, FileEntry *fe, const char *path)
{
	uint64_t alloc = (uint64_t)p->st->st_blocks * 512, limit = file_table_ghost_limit(p->ft);
	struct img *img;
	char self[64];
	int src, ret, ret2;

	if (alloc > limit) {
		pr_err("pid %d fd %d (%s): unlinked file of %lld bytes (%llu allocated) is over "
		       "--ghost-limit %llu", p->pid, p->fd, path, (long long)p->st->st_size,
		       (unsigned long long)alloc, (unsigned long long)limit);
		return -EFBIG;
	}
	/* a description of our own: the task's file position stays as it is */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", p->local);
	/* O_NOATIME: the copy must not touch the file a tree left running goes on with */
	src = open(self, O_RDONLY | O_NOATIME | O_CLOEXEC);
	if (src < 0 && errno == EPERM)
		src = open(self, O_RDONLY | O_CLOEXEC);	/* not its owner, no CAP_FOWNER */
	if (src < 0)
		return pr_perror("pid %d fd %d (%s): reopen to copy", p->pid, p->fd, path);
	ret = img_create(file_table_imgset(p->ft), IMG_GHOST, fe->id, &img);
	if (!ret) {
		ret = copy_sparse(src, 0, img_raw_fd(img), IMG_PAGES_DATA_OFF, p->st->st_size,
				  &fe->ghost_size);
		if (ret)
			pr_errno(ret, "pid %d fd %d (%s): copy into ghost-%u.img", p->pid, p->fd,
				 path, fe->id);
		ret2 = img_close(img);
		ret = ret ? ret : ret2;
	}
	close(src);
	if (ret)
		return ret;
	fe->has_ghost_id = fe->has_ghost_size = true;
	fe->ghost_id = fe->id;
	pr_info("pid %d fd %d (%s): ghost copy, %llu bytes of data", p->pid, p->fd, path,
		(unsigned long long)fe->ghost_size);
	return 0;
}

static int copy_decision(FileEntry *fe, const FileEntry *from)
{
	fe->has_decision = true;
	fe->decision = from->decision;
	fe->has_ghost_id = from->has_ghost_id;
	fe->ghost_id = from->ghost_id;
	fe->has_ghost_size = from->has_ghost_size;
	fe->ghost_size = from->ghost_size;
	fe->has_seals = from->has_seals;
	fe->seals = from->seals;
	if (from->relink_name && !(fe->relink_name = strdup(from->relink_name)))
		return -ENOMEM;
	if (from->memfd_name && !(fe->memfd_name = strdup(from->memfd_name)))
		return -ENOMEM;
	return 0;
}

int unlinked_relink(const struct fd_probe *p, FileEntry *fe)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "%s", fe->path);
	ret = relink(p, fe, path);
	if (!ret || (ret != -ENOENT && ret != -EXDEV && ret != -EPERM && ret != -EACCES &&
		     ret != -EROFS && ret != -ENOTDIR))
		return ret ? pr_errno(ret, "pid %d fd %d (%s): relink", p->pid, p->fd, path) : 0;
	/* overlayfs lower layers and the like refuse a link: copy it instead */
	fe->decision = (FileDecision)DECIDE_GHOST;
	return dump_ghost(p, fe, path);
}

int unlinked_fill(const struct fd_probe *p, FileEntry *fe, const char *path, bool deleted)
{
	struct file_facts f = {
		.type = file_type_of(p->st->st_mode), .path = path, .deleted = deleted,
		.nlink = p->st->st_nlink, .ino = p->st->st_ino,
	};
	struct statfs sfs;
	int d, ret;

	/* one inode, one decision: its other descriptions share it */
	if (p->same_inode && p->same_inode->has_decision)
		return copy_decision(fe, p->same_inode);
	f.path_same_inode = path_names_inode(path, p->st);
	/* the filesystem type matters only for a name NFS could have given */
	if (nfs_silly_name(path) && !fstatfs(p->local, &sfs))
		f.fs_magic = sfs.f_type;
	d = file_decide(&f);
	fe->has_decision = true;
	fe->decision = (FileDecision)d;
	if (d != DECIDE_PLAIN)
		pr_info("pid %d fd %d (%s): %s", p->pid, p->fd, path, file_decision_name(d));

	switch (d) {
	case DECIDE_RELINK:
		/* linked at the end of the dump (unlinked_relink), so that a dump killed
		 * before leaves no name behind */
		return 0;
	case DECIDE_MEMFD:
		fe->memfd_name = strdup(path + strlen("/memfd:"));
		if (!fe->memfd_name)
			return -ENOMEM;
		ret = fcntl(p->local, F_GET_SEALS);
		if (ret >= 0) {
			fe->has_seals = true;
			fe->seals = ret;
		}
		return dump_ghost(p, fe, path);
	case DECIDE_GHOST:
	case DECIDE_TMPFILE:
		return dump_ghost(p, fe, path);
	default:
		return 0;
	}
}
