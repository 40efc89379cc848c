/* The decision of include/files/decide.h, in the order of the table in README.md ("Files whose names are gone"). */
#include <stdio.h>
#include <string.h>

#include "files/decide.h"

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

bool nfs_silly_name(const char *path)
{
	const char *b = base_name(path);

	if (strncmp(b, ".nfs", 4) || !b[4])
		return false;
	for (b += 4; *b; b++)
		if (!((*b >= '0' && *b <= '9') || (*b >= 'a' && *b <= 'f') || (*b >= 'A' && *b <= 'F')))
			return false;
	return true;
}

bool tmpfile_name(const char *path, uint64_t ino)
{
	char want[32];

	snprintf(want, sizeof(want), "#%llu", (unsigned long long)ino);
	return !strcmp(base_name(path), want);
}

int file_decide(const struct file_facts *f)
{
	if (f->type == FT_REG && !strncmp(f->path, "/memfd:", 7) && f->deleted)
		return DECIDE_MEMFD;
	/* NFS keeps an open unlinked file under a temporary name that goes on close */
	if (f->type == FT_REG && f->fs_magic == NFS_SUPER_MAGIC_ && nfs_silly_name(f->path))
		return DECIDE_RELINK;
	if (f->path_same_inode && !f->deleted)
		return DECIDE_PLAIN;
	switch (f->type) {
	case FT_DIR:
		return DECIDE_GHOST_DIR;
	case FT_FIFO:
	case FT_CHR:
	case FT_BLK:
		return DECIDE_GHOST_NODE;
	case FT_REG:
		break;
	}
	if (f->nlink > 0)
		return DECIDE_RELINK;
	if (tmpfile_name(f->path, f->ino))
		return DECIDE_TMPFILE;
	return DECIDE_GHOST;
}

const char *file_decision_name(int d)
{
	static const char *const names[] = {
		[DECIDE_PLAIN] = "plain", [DECIDE_RELINK] = "relink", [DECIDE_GHOST] = "ghost",
		[DECIDE_TMPFILE] = "tmpfile", [DECIDE_MEMFD] = "memfd",
		[DECIDE_GHOST_DIR] = "ghost dir", [DECIDE_GHOST_NODE] = "ghost node",
	};

	return d > 0 && d <= DECIDE_GHOST_NODE ? names[d] : "?";
}
