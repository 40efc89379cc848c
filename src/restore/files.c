/*
 * Open files, restore side: every description of files.img is opened once,
 * in ckpt, at a transport fd; each task dup2()s the ones it had to their
 * numbers. Shared descriptions (dup, fork) stay shared: one struct file.
 *
 * A file is reopened by path, never created, truncated or written: if the
 * path is gone, or names another inode of the same filesystem than the one
 * dumped, the restore fails naming it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "files.pb-c.h"
#include "restore/restore.h"

#define OPEN_IGNORED (O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY)

static bool on_procfs(int fd)
{
	struct statfs sf;

	return !fstatfs(fd, &sf) && sf.f_type == 0x9fa0;	/* PROC_SUPER_MAGIC */
}

static int check_identity(const FileEntry *fe, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return pr_perror("%s: fstat", fe->path);
	if ((st.st_mode & S_IFMT) != (fe->mode & S_IFMT)) {
		pr_err("%s: is not the file that was dumped (type %o, was %o)", fe->path,
		       st.st_mode & S_IFMT, fe->mode & S_IFMT);
		return -ESTALE;
	}
	/*
	 * Inode numbers mean something only on the same filesystem, and not on
	 * procfs: /proc/PID/status of the restored task is a new inode.
	 */
	if (fe->has_dev && st.st_dev == fe->dev && st.st_ino != fe->ino && !on_procfs(fd)) {
		pr_err("%s: is not the file that was dumped (inode %lu, was %llu)", fe->path,
		       (unsigned long)st.st_ino, (unsigned long long)fe->ino);
		return -ESTALE;
	}
	return 0;
}

static int open_regular(const FileEntry *fe)
{
	int flags = (fe->flags & ~OPEN_IGNORED) | O_NOCTTY;

	if (S_ISREG(fe->mode))
		flags &= ~O_TMPFILE;	/* a tmpfile that got a name later */
	int fd, ret;

	fd = open(fe->path, flags);
	if (fd < 0)
		return pr_perror("%s: open", fe->path);
	ret = check_identity(fe, fd);
	if (!ret && fe->pos >= 0 && fe->kind != FILE_KIND__FILE_CHR &&
	    lseek(fd, fe->pos, SEEK_SET) != fe->pos)
		ret = pr_perror("%s: seek to %lld", fe->path, (long long)fe->pos);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/*
 * A FIFO opens without blocking: hold it open read-write while the real end
 * opens. The path is the image's: it is looked at first (O_PATH, not
 * followed) and must be the FIFO that was dumped, or the data the image holds
 * would be written into whatever file the path names.
 */
static int open_fifo(const FileEntry *fe)
{
	int pfd, keep = -1, fd = -1, ret;
	char self[64];
	struct stat st;

	pfd = open(fe->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return pr_perror("%s: open fifo", fe->path);
	if (fstat(pfd, &st)) {
		ret = pr_perror("%s: fstat", fe->path);
		goto out;
	}
	if (!S_ISFIFO(st.st_mode) || !S_ISFIFO(fe->mode)) {
		pr_err("%s: not a FIFO (type %o): refused", fe->path, st.st_mode & S_IFMT);
		ret = -ESTALE;
		goto out;
	}
	ret = check_identity(fe, pfd);
	if (ret)
		goto out;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	keep = open(self, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (keep < 0) {
		ret = pr_perror("%s: open fifo", fe->path);
		goto out;
	}
	fd = open(self, (fe->flags & ~OPEN_IGNORED) | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ret = pr_perror("%s: open fifo", fe->path);
		goto out;
	}
	if (fcntl(fd, F_SETFL, fe->flags & ~O_ACCMODE) < 0)
		ret = pr_perror("%s: F_SETFL", fe->path);
	if (!ret)
		ret = refill_pipe(fe, keep);
out:
	if (ret && fd >= 0)
		close(fd);
	if (keep >= 0)
		close(keep);
	close(pfd);
	return ret ? ret : fd;
}

/* The unread data of a pipe or FIFO goes back in, in order. */
int refill_pipe(const FileEntry *fe, int wfd)
{
	int fl = fcntl(wfd, F_GETFL), ret = 0;

	if (!fe->has_pipe_data || !fe->pipe_data.len)
		return 0;
	fcntl(wfd, F_SETFL, fl | O_NONBLOCK);
	if (write(wfd, fe->pipe_data.data, fe->pipe_data.len) != (ssize_t)fe->pipe_data.len)
		ret = pr_perror("%s: put back %zu bytes of data", fe->path, fe->pipe_data.len);
	fcntl(wfd, F_SETFL, fl);
	return ret;
}

struct pipe_ends {
	uint64_t id;
	int fd[2];
	bool given[2];		/* the end itself went to a description */
};

/* Both ends of a pipe: whichever end each description is, it gets its own end. */
static int open_pipe(const FileEntry *fe, struct pipe_ends **pipes, size_t *n)
{
	struct pipe_ends *p = NULL;
	int end = (fe->flags & O_ACCMODE) == O_RDONLY ? 0 : 1, fd;

	for (size_t i = 0; i < *n; i++)
		if ((*pipes)[i].id == fe->pipe_id)
			p = &(*pipes)[i];
	if (!p) {
		struct pipe_ends *np = reallocarray(*pipes, *n + 1, sizeof(*np));

		if (!np)
			return -ENOMEM;
		*pipes = np;
		p = &np[(*n)++];
		*p = (struct pipe_ends){ .id = fe->pipe_id, .fd = { -1, -1 } };
		if (pipe2(p->fd, O_CLOEXEC))
			return pr_perror("pipe %llu: pipe2", (unsigned long long)fe->pipe_id);
		if (fe->has_pipe_size && fcntl(p->fd[1], F_SETPIPE_SZ, fe->pipe_size) < 0)
			pr_warn("pipe %llu: size %u: %s", (unsigned long long)fe->pipe_id, fe->pipe_size,
				strerror(errno));
		int ret = refill_pipe(fe, p->fd[1]);

		if (ret)
			return ret;
	}
	/*
	 * Both ends stay open here until every description is made (closed by
	 * restore_open_files()). The first description of an end is that end
	 * itself; another one (the task opened /proc/self/fd/N of the pipe) is a
	 * reopen: a new struct file on the same pipe.
	 */
	if (p->given[end]) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/self/fd/%d", p->fd[end]);
		fd = open(path, (end ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
		if (fd < 0)
			return pr_perror("pipe %llu: reopen %s end", (unsigned long long)fe->pipe_id,
					 end ? "write" : "read");
	} else {
		fd = fcntl(p->fd[end], F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return pr_perror("pipe %llu: dup", (unsigned long long)fe->pipe_id);
		p->given[end] = true;
	}
	if (fcntl(fd, F_SETFL, fe->flags & ~O_ACCMODE) < 0) {
		close(fd);
		return pr_perror("pipe %llu: F_SETFL", (unsigned long long)fe->pipe_id);
	}
	return fd;
}

/* --shell-job: the terminal the tree had is the one ckpt runs on now. */
/* The job's terminal mode and size, put on the terminal we restore it to. */
static int tty_mode_restore(int tty, const FileEntry *fe)
{
	struct termios t;
	struct winsize ws;
	void (*old)(int);
	int ret = 0;

	if ((fe->has_tty_termios && fe->tty_termios.len != sizeof(t)) ||
	    (fe->has_tty_winsize && fe->tty_winsize.len != sizeof(ws))) {
		pr_err("%s: terminal mode of %zu/%zu bytes, not %zu/%zu", fe->path,
		       fe->tty_termios.len, fe->tty_winsize.len, sizeof(t), sizeof(ws));
		return -EBADMSG;
	}
	old = signal(SIGTTOU, SIG_IGN);	/* we may not be in the foreground */
	if (fe->has_tty_termios) {
		memcpy(&t, fe->tty_termios.data, sizeof(t));
		if (tcsetattr(tty, TCSANOW, &t))
			ret = pr_perror("%s: set the job's terminal mode", fe->path);
	}
	if (!ret && fe->has_tty_winsize) {
		memcpy(&ws, fe->tty_winsize.data, sizeof(ws));
		if (ioctl(tty, TIOCSWINSZ, &ws))
			ret = pr_perror("%s: set the job's window size", fe->path);
	}
	signal(SIGTTOU, old);
	return ret;
}

static int open_external_tty(struct restore_ctx *ctx, const FileEntry *fe)
{
	int fd;

	if (ctx->tty_fd < 0) {
		pr_err("%s: the tree's terminal was the dumping shell's: restore with --shell-job "
		       "from a terminal", fe->path);
		return -ENOTTY;
	}
	if (fe->has_tty_termios || fe->has_tty_winsize) {
		int ret = tty_mode_restore(ctx->tty_fd, fe);

		if (ret)
			return ret;
	}
	fd = dup(ctx->tty_fd);
	return fd < 0 ? pr_perror("dup of the terminal") : fd;
}

/* One fd of one task, a plain file: that task opens it itself. */
bool restore_file_is_local(const struct restore_ctx *ctx, uint32_t id)
{
	const FileEntry *fe = ctx->files[id];

	if (ctx->refs[id] != 1 || (fe->has_tty_external && fe->tty_external) ||
	    (fe->has_decision && fe->decision != FILE_DECISION__DECIDE_PLAIN))
		return false;
	if (fe->flags & O_PATH)
		return true;	/* any kind: a path opened with O_PATH */
	return fe->kind == FILE_KIND__FILE_REG || fe->kind == FILE_KIND__FILE_DIR ||
	       fe->kind == FILE_KIND__FILE_CHR || fe->kind == FILE_KIND__FILE_BLK;
}

int restore_open_local(struct restore_ctx *ctx, const FileEntry *fe)
{
	return open_regular(fe);
}

int restore_open_files(struct restore_ctx *ctx)
{
	struct pipe_ends *pipes = NULL;
	size_t nr_pipes = 0;
	int ret = 0;

	for (size_t id = 1; id <= ctx->nr_files; id++) {
		FileEntry *fe = ctx->files[id];
		int fd, tfd;

		if (restore_file_is_local(ctx, id))
			continue;
		if (fe->has_tty_external && fe->tty_external) {
			fd = open_external_tty(ctx, fe);
			goto opened;
		}
		if (fe->has_decision && fe->decision != FILE_DECISION__DECIDE_PLAIN) {
			fd = restore_open_unlinked(ctx, fe);
			goto opened;
		}
		if (fe->flags & O_PATH) {
			fd = open_regular(fe);	/* the object itself, never opened for real */
			goto opened;
		}
		switch (fe->kind) {
		case FILE_KIND__FILE_REG:
		case FILE_KIND__FILE_DIR:
		case FILE_KIND__FILE_CHR:
		case FILE_KIND__FILE_BLK:
			fd = open_regular(fe);
			break;
		case FILE_KIND__FILE_FIFO:
			fd = open_fifo(fe);
			break;
		case FILE_KIND__FILE_PIPE:
			fd = open_pipe(fe, &pipes, &nr_pipes);
			break;
		default:
			pr_err("%s: unknown file kind %d", fe->path, fe->kind);
			fd = -EBADMSG;
		}
opened:
		/* owners are set once the tree exists (files/fown.h) */
		if (fd >= 0) {
			tfd = fcntl(fd, F_DUPFD_CLOEXEC, ctx->fd_base);
			close(fd);
			fd = tfd < 0 ? pr_perror("%s: F_DUPFD", fe->path) : tfd;
		}
		if (fd < 0) {
			ret = fd;
			break;
		}
		ctx->transport[fe->id] = fd;
	}
	for (size_t i = 0; i < nr_pipes; i++)
		for (int e = 0; e < 2; e++)
			if (pipes[i].fd[e] >= 0)
				close(pipes[i].fd[e]);
	free(pipes);
	return ret;
}
