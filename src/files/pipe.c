/* Pipes (by inode: both ends in the tree come back as one pipe) and FIFOs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "files/files.h"
#include "proc/proc.h"

/*
 * What is in the pipe, read without taking it: tee() into a pipe of our own
 * (the tree is frozen: nothing moves meanwhile). Kept with the first
 * description of the pipe; a write-only one is reopened for reading.
 */
static int peek_pipe(const struct fd_probe *p, FileEntry *fe)
{
	int rfd = p->local, tmp[2] = { -1, -1 }, size, ret = 0;
	ssize_t n, got = 0;

	size = fcntl(p->local, F_GETPIPE_SZ);
	if (size > 0) {
		fe->has_pipe_size = true;
		fe->pipe_size = size;
	}
	if ((p->info->flags & O_ACCMODE) == O_WRONLY) {
		char self[64];

		snprintf(self, sizeof(self), "/proc/self/fd/%d", p->local);
		rfd = open(self, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfd < 0)
			return pr_perror("pid %d fd %d (%s): open to read its data", p->pid, p->fd, p->link);
	}
	if (pipe2(tmp, O_CLOEXEC | O_NONBLOCK)) {
		ret = pr_perror("pipe");
		goto out;
	}
	if (size > 0)
		fcntl(tmp[1], F_SETPIPE_SZ, size);
	n = tee(rfd, tmp[1], size > 0 ? size : 1 << 20, SPLICE_F_NONBLOCK);
	if (n < 0 && errno != EAGAIN) {
		ret = pr_perror("pid %d fd %d (%s): tee", p->pid, p->fd, p->link);
		goto out;
	}
	if (n > 0) {
		fe->pipe_data.data = malloc(n);
		if (!fe->pipe_data.data) {
			ret = -ENOMEM;
			goto out;
		}
		while (got < n) {
			ssize_t r = read(tmp[0], fe->pipe_data.data + got, n - got);

			if (r <= 0) {
				ret = pr_perror("pid %d fd %d (%s): read its data", p->pid, p->fd, p->link);
				goto out;
			}
			got += r;
		}
		fe->has_pipe_data = true;
		fe->pipe_data.len = n;
	}
out:
	for (int i = 0; i < 2; i++)
		if (tmp[i] >= 0)
			close(tmp[i]);
	if (rfd != p->local)
		close(rfd);
	return ret;
}

int pipe_fill(const struct fd_probe *p, FileEntry *fe)
{
	char path[PATH_MAX];
	int ret;

	fe->has_pipe_id = true;
	fe->pipe_id = p->st->st_ino;
	if (!strncmp(p->link, "pipe:", 5)) {
		fe->kind = FILE_KIND__FILE_PIPE;
		ret = file_fill_common(p, fe, p->link);
		fe->pos = -1;
		if (!ret && !p->same_inode)
			ret = peek_pipe(p, fe);
		return ret;
	}
	snprintf(path, sizeof(path), "%s", p->link);
	if (proc_strip_deleted(path)) {
		fe->has_deleted = true;
		fe->deleted = true;
	}
	if (path[0] != '/')
		return unsupported_kind(p->pid, p->fd, p->link);
	fe->kind = FILE_KIND__FILE_FIFO;
	ret = file_fill_common(p, fe, path);
	fe->pos = -1;
	if (!ret && !p->same_inode)
		ret = peek_pipe(p, fe);
	if (ret)
		return ret;
	return unlinked_fill(p, fe, path, fe->has_deleted && fe->deleted);
}
