/*
 * Internals shared by image.c (the set) and image-file.c (one file's framing).
 * Nothing outside images/ includes this.
 */
#ifndef CKPT_IMAGES_IMAGE_PRIV_H
#define CKPT_IMAGES_IMAGE_PRIV_H

#include <stdbool.h>
#include <stddef.h>

#include "images/image.h"
#include "inventory.pb-c.h"

#define IMG_HDR_SIZE	12

struct imgset {
	char *dir;		/* as given, trailing slashes removed */
	int dirfd;
	bool writable;
	bool overwrite;
	bool chmod_files;	/* a new file could get other than 0600 (umask, default ACL) */
	InventoryEntry *inv;	/* imgset_open() only */
	char **files;		/* names (in dir) this set created */
	size_t nfiles, files_cap;
	char **dirs;		/* directories imgset_create() made, outermost first */
	size_t ndirs;
};

/* Remember a file the set made, for imgset_abort(). */
int imgset_record_file(struct imgset *set, const char *name);

/* img_create() under a given name (the temporary inventory). */
int img_create_name(struct imgset *set, enum img_kind kind, const char *name, struct img **out);
/* Write out the buffer and fsync: the image is on disk. */
int img_sync(struct img *img);

#endif
