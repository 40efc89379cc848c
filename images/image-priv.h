/*
 * Internals shared by image.c (the set) and image-file.c (one file's framing).
 * Nothing outside images/ includes this.
 */
#ifndef CKPT_IMAGES_IMAGE_PRIV_H
#define CKPT_IMAGES_IMAGE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "images/image.h"
#include "inventory.pb-c.h"

#define IMG_HDR_SIZE	12

/* A file the set created: its name, and its checksum once known. */
struct img_rec {
	char *name;
	uint32_t crc;		/* crc32c_final'ed */
	uint64_t size;
	bool summed;		/* crc and size known (a message image, closed); else read back at commit */
};

struct imgset {
	char *dir;		/* as given, trailing slashes removed */
	int dirfd;
	bool writable;
	bool overwrite;
	bool chmod_files;	/* a new file could get other than 0600 (umask, default ACL) */
	unsigned flags;		/* IMGSET_* of imgset_open_flags() */
	uid_t owner;		/* of the directory (imgset_open) */
	InventoryEntry *inv;	/* imgset_open() only */
	struct img_rec *files;	/* files (in dir) this set created */
	size_t nfiles, files_cap;
	char **dirs;		/* directories imgset_create() made, outermost first */
	size_t ndirs;
};

/* Remember a file the set made, for imgset_abort() and the checksums: its index, or -errno. */
int imgset_record_file(struct imgset *set, const char *name);
/* The checksum of file rec (an index from imgset_record_file), written through the buffer. */
void imgset_file_summed(struct imgset *set, int rec, uint32_t crc, uint64_t size);
struct stat;
/* IMGSET_CHECK_OWNER: path (of st) owned by the caller, writable by nobody else; 0 or -EPERM. */
int img_check_owner(const struct imgset *set, const char *path, const struct stat *st);
/* The inventory's checksum of this file, or NULL. */
const ImageChecksum *imgset_checksum(const struct imgset *set, const char *name);

/* img_create() under a given name (the temporary inventory). */
int img_create_name(struct imgset *set, enum img_kind kind, const char *name, struct img **out);
/* Write out the buffer and fsync: the image is on disk. */
int img_sync(struct img *img);

#endif
