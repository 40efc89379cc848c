/*
 * The image layer: one directory per checkpoint, one file per image kind
 * (and per task for per-task kinds).
 *
 * Every image file starts with a 12-byte header: the ckpt file magic, the
 * kind's magic and the image version (all u32 little endian). Message images
 * then hold records "u32 length + protobuf-c message". The pages image pads
 * its header to a page: raw page data starts at offset 4096, page-aligned.
 *
 * A set is complete only when inventory.img exists: it is written last, to a
 * temporary name, fsync'ed and renamed. Image files are created 0600.
 *
 * Reading validates magic, kind, version and every length; a bad file gives
 * -EBADMSG (garbage), -ENODATA (truncated) or -EFBIG (oversized record), with
 * one logged error naming the file and offset.
 */
#ifndef CKPT_IMAGES_IMAGE_H
#define CKPT_IMAGES_IMAGE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <protobuf-c/protobuf-c.h>

#define IMG_VERSION 1
#define IMG_MAX_MSG (64u << 20)	/* largest record we accept */
#define IMG_PAGES_DATA_OFF 4096

enum img_kind {
	IMG_INVENTORY,
	IMG_PSTREE,
	IMG_CORE,
	IMG_MM,
	IMG_PAGEMAP,
	IMG_PAGES,
	IMG_FILES,
	IMG_FDINFO,
	IMG_FS,
	IMG_MOUNTINFO,
	IMG_GHOST,		/* raw: file data of an unlinked file, offset IMG_PAGES_DATA_OFF = 0 */
	IMG__MAX,
};

struct img_desc {
	const char *fmt;		/* file name, "%u" is the id for per-task kinds */
	uint32_t magic;
	bool per_task;
	const ProtobufCMessageDescriptor *msg;	/* NULL for raw (pages) */
};
const struct img_desc *img_desc(enum img_kind kind);

struct imgset;
struct img;

/* Dump side: create (mkdir -p) DIR; refuses a DIR that already holds inventory.img
 * unless overwrite. Files made through the set are removed by imgset_abort(). */
int imgset_create(const char *dir, bool overwrite, struct imgset **out);
/* Restore/show side: DIR must hold a valid inventory; *inv is decoded and owned by the set.
 * Every image opened is checked against the checksum the inventory records for it. */
int imgset_open(const char *dir, struct imgset **out);
/* The same with flags: */
#define IMGSET_CHECK_OWNER	(1u << 0)	/* restore: the directory and each image must be owned by
						 * the caller and writable by nobody else */
#define IMGSET_NO_CHECKSUMS	(1u << 1)	/* tests and fuzzing only: framing without checksums */
int imgset_open_flags(const char *dir, unsigned flags, struct imgset **out);
/* The owner of the image directory (imgset_open). */
uid_t imgset_owner(const struct imgset *set);
/* A raw image (pages, ghost) against its checksum, read whole: 0 or -EBADMSG/-errno (logged).
 * Message images are checked when opened; raw ones only by this (they are large). */
int img_verify(struct imgset *set, enum img_kind kind, uint32_t id);
const char *imgset_dir(const struct imgset *set);
int imgset_dirfd(const struct imgset *set);
/* The inventory read by imgset_open (NULL for a set being created). */
const void *imgset_inventory(const struct imgset *set);	/* InventoryEntry * */
/* Write inventory.img last, atomically (temp + fsync + rename + fsync dir). */
int imgset_commit(struct imgset *set, const ProtobufCMessage *inventory);
/* Remove every file this set created (failed dump), free the set. */
void imgset_abort(struct imgset *set);
void imgset_close(struct imgset *set);

int img_create(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out);
/* -ENOENT (logged as missing) if the image does not exist. */
int img_open(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out);
/* Same, but a missing file is not an error: returns -ENOENT silently. */
int img_open_optional(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out);
int img_write_msg(struct img *img, const ProtobufCMessage *msg);
/* 1 and *out (free with protobuf_c_message_free_unpacked) / 0 at clean EOF / -errno. */
int img_read_msg(struct img *img, ProtobufCMessage **out);
/* An image of a single record: create, write, close. 0 or -errno. */
int img_write_one(struct imgset *set, enum img_kind kind, uint32_t id, const ProtobufCMessage *msg);
/* Raw access for the pages image: the fd, positioned at IMG_PAGES_DATA_OFF after create/open. */
int img_raw_fd(struct img *img);
const char *img_name(const struct img *img);
/* Close; for written images reports a failed write or fsync (full disk: -ENOSPC). */
int img_close(struct img *img);

#endif
