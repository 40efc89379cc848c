/* Pipes (by inode: both ends in the tree come back as one pipe) and FIFOs. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "files/files.h"
#include "proc/proc.h"

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
	if (ret)
		return ret;
	return unlinked_fill(p, fe, path, fe->has_deleted && fe->deleted);
}
