/*
 * How an open file comes back: a pure function of facts gathered at dump,
 * so that every case (NFS included, which this machine cannot mount) is
 * unit-tested with injected facts (test/unit/test_decide.c).
 */
#ifndef CKPT_FILES_DECIDE_H
#define CKPT_FILES_DECIDE_H

#include <stdbool.h>
#include <stdint.h>

#define NFS_SUPER_MAGIC_ 0x6969

enum file_type { FT_REG, FT_DIR, FT_FIFO, FT_CHR, FT_BLK };

struct file_facts {
	enum file_type type;
	const char *path;		/* what /proc/PID/fd/N names, " (deleted)" removed */
	bool deleted;			/* it had " (deleted)" */
	bool path_same_inode;		/* the path names this very inode now */
	uint32_t nlink;
	uint64_t ino;
	uint64_t fs_magic;		/* statfs f_type */
};

/* Values of files.proto's file_decision. */
enum {
	DECIDE_PLAIN = 1,
	DECIDE_RELINK = 2,
	DECIDE_GHOST = 3,
	DECIDE_TMPFILE = 4,
	DECIDE_MEMFD = 5,
	DECIDE_GHOST_DIR = 6,
	DECIDE_GHOST_NODE = 7,
};

int file_decide(const struct file_facts *f);
/* ".nfs" followed by hex digits: what an NFS client renames an open unlinked file to. */
bool nfs_silly_name(const char *path);
/* "#<ino>": the name the kernel gives an O_TMPFILE dentry. */
bool tmpfile_name(const char *path, uint64_t ino);
const char *file_decision_name(int d);

#endif
