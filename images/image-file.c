/*
 * One image file: the 12-byte header (file magic, kind magic, version, u32
 * LE), then "u32 length + protobuf-c message" records through a buffer, or
 * raw page data from IMG_PAGES_DATA_OFF for the pages image. Reading trusts
 * no length: each is checked against the limit and the rest of the file
 * before anything is allocated.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/log.h"
#include "common/util.h"
#include "images/image.h"
#include "images/image-desc.h"
#include "images/image-priv.h"
#include "images/crc32c.h"
#include "images/magic.h"

#define IMG_BUF_SIZE	(64u << 10)

struct img {
	int fd;
	enum img_kind kind;
	bool writing;
	char *path;		/* "DIR/name", for messages */
	unsigned char *buf;	/* NULL for the raw pages image */
	size_t head, tail;	/* reading: unread bytes buf[head..tail); writing: buf[0..tail) unwritten */
	uint64_t off;		/* file offset of buf[head] (reading), of buf[0] (writing) */
	uint64_t size;		/* reading: file size */
	uint64_t nrec;		/* records read or written */
	int err;		/* first error, already logged; returned again */
	struct imgset *set;
	int rec;		/* writing: index of the set's record of this file */
	uint32_t crc;		/* writing: of every byte written so far */
};

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

static uint32_t get_le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool valid_kind(enum img_kind kind)
{
	return (unsigned)kind < IMG__MAX;
}

/* The kind's file name for this id: the table's "%u" replaced, no format from data. */
static int img_file_name(enum img_kind kind, uint32_t id, char *buf, size_t size)
{
	const char *fmt = img_desc(kind)->fmt;
	const char *pct = strstr(fmt, "%u");
	int n;

	if (pct)
		n = snprintf(buf, size, "%.*s%" PRIu32 "%s", (int)(pct - fmt), fmt, id, pct + 2);
	else
		n = snprintf(buf, size, "%s", fmt);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* ---- one image file ----------------------------------------------------- */

static struct img *img_alloc(struct imgset *set, enum img_kind kind, const char *name, bool writing)
{
	struct img *img = calloc(1, sizeof(*img));

	if (!img)
		return NULL;
	img->fd = -1;
	img->kind = kind;
	img->writing = writing;
	img->set = set;
	img->rec = -1;
	img->crc = CRC32C_INIT;
	if (asprintf(&img->path, "%s/%s", set->dir, name) < 0) {
		free(img);
		return NULL;
	}
	if (img_desc(kind)->msg) {
		img->buf = malloc(IMG_BUF_SIZE);
		if (!img->buf) {
			free(img->path);
			free(img);
			return NULL;
		}
	}
	return img;
}

/* Frees img and closes its fd if still open (img_close closes it first, to see errors). */
static void img_free(struct img *img)
{
	if (img->fd >= 0)
		close(img->fd);
	free(img->buf);
	free(img->path);
	free(img);
}

int img_create_name(struct imgset *set, enum img_kind kind, const char *name, struct img **out)
{
	unsigned char hdr[IMG_HDR_SIZE];
	struct img *img;
	int err;

	*out = NULL;
	img = img_alloc(set, kind, name, true);
	if (!img)
		return pr_errno(-ENOMEM, "%s/%s: cannot create", set->dir, name);
	if (set->overwrite && unlinkat(set->dirfd, name, 0) && errno != ENOENT) {
		err = pr_perror("%s: cannot remove the old file", img->path);
		goto fail;
	}
	img->fd = openat(set->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (img->fd < 0) {
		err = -errno;
		if (err == -EEXIST)
			pr_err("%s: already exists (left by an unfinished dump?)", img->path);
		else
			pr_errno(err, "%s: cannot create", img->path);
		goto fail;
	}
	err = imgset_record_file(set, name);
	if (err < 0) {
		unlinkat(set->dirfd, name, 0);
		pr_errno(err, "%s: cannot create", img->path);
		goto fail;
	}
	img->rec = err;
	err = 0;
	if (set->chmod_files && fchmod(img->fd, 0600)) {
		err = pr_perror("%s: fchmod 0600 failed", img->path);
		goto fail;
	}

	put_le32(hdr, IMG_FILE_MAGIC);
	put_le32(hdr + 4, img_desc(kind)->magic);
	put_le32(hdr + 8, IMG_VERSION);
	if (img->buf) {
		memcpy(img->buf, hdr, sizeof(hdr));
		img->tail = sizeof(hdr);
	} else {
		/* raw data starts page-aligned: header, then zeroes up to the page */
		static const unsigned char zero[IMG_PAGES_DATA_OFF - IMG_HDR_SIZE];

		/* summed when the set is committed: the data does not pass through here */
		err = write_all(img->fd, hdr, sizeof(hdr));
		if (!err)
			err = write_all(img->fd, zero, sizeof(zero));
		if (err) {
			pr_errno(err, "%s: cannot write the header", img->path);
			goto fail;
		}
		img->off = IMG_PAGES_DATA_OFF;
	}
	*out = img;
	return 0;
fail:
	img_free(img);
	return err;
}

int img_create(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out)
{
	char name[64];

	*out = NULL;
	if (!valid_kind(kind)) {
		pr_err("%s: invalid image kind %d", set->dir, (int)kind);
		return -EINVAL;
	}
	if (!set->writable) {
		pr_err("%s: image set is open read-only, cannot create %s image", set->dir,
		       img_kind_name(kind));
		return -EINVAL;
	}
	if (img_file_name(kind, id, name, sizeof(name)))
		return pr_errno(-ENAMETOOLONG, "%s: %s image name", set->dir, img_kind_name(kind));
	return img_create_name(set, kind, name, out);
}

/* The recorded checksum of name, or NULL (logged) where there must be one. */
static const ImageChecksum *want_sum(struct imgset *set, const char *path, const char *name)
{
	const ImageChecksum *sum = imgset_checksum(set, name);

	if (!sum)
		pr_err("%s: not in the inventory's checksums: not part of this image set", path);
	return sum;
}

/* The whole file (header included) against the inventory's checksum. */
static int sum_fd(const char *path, int fd, uint64_t size, const ImageChecksum *sum)
{
	uint32_t crc = CRC32C_INIT;
	int err;

	if (size != sum->size) {
		pr_err("%s: %" PRIu64 " bytes, the inventory says %" PRIu64 ": damaged", path, size,
		       sum->size);
		return -EBADMSG;
	}
	err = crc32c_fd(fd, size, &crc);
	if (err)
		return pr_errno(err, "%s: cannot read to checksum", path);
	crc = crc32c_final(crc);
	if (crc != sum->crc32c) {
		pr_err("%s: checksum mismatch (crc32c %08" PRIx32 ", the inventory says %08" PRIx32
		       "): damaged", path, crc, sum->crc32c);
		return -EBADMSG;
	}
	return 0;
}

static int check_sum(struct imgset *set, struct img *img, const char *name)
{
	const ImageChecksum *sum;

	if (set->flags & IMGSET_NO_CHECKSUMS)
		return 0;
	sum = want_sum(set, img->path, name);
	if (!sum)
		return -EBADMSG;
	return sum_fd(img->path, img->fd, img->size, sum);
}

static int img_open_common(struct imgset *set, enum img_kind kind, uint32_t id, bool optional,
			   struct img **out)
{
	unsigned char hdr[IMG_HDR_SIZE];
	const char *path;
	struct img *img;
	struct stat st;
	char name[64];
	uint32_t v;
	int err, k;

	*out = NULL;
	if (!valid_kind(kind)) {
		pr_err("%s: invalid image kind %d", set->dir, (int)kind);
		return -EINVAL;
	}
	if (img_file_name(kind, id, name, sizeof(name)))
		return pr_errno(-ENAMETOOLONG, "%s: %s image name", set->dir, img_kind_name(kind));
	img = img_alloc(set, kind, name, false);
	if (!img)
		return pr_errno(-ENOMEM, "%s/%s: cannot open", set->dir, name);
	path = img->path;

	/* a FIFO or device in place of an image must not block us; a symlink is not followed */
	img->fd = openat(set->dirfd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (img->fd < 0) {
		err = -errno;
		if (err == -ENOENT && !optional)
			pr_err("%s: missing", path);
		else if (err != -ENOENT)
			pr_errno(err, "%s: cannot open", path);
		goto fail;
	}
	if (fstat(img->fd, &st)) {
		err = pr_perror("%s: cannot stat", path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		pr_err("%s: not a regular file", path);
		err = -EBADMSG;
		goto fail;
	}
	err = img_check_owner(set, path, &st);
	if (err)
		goto fail;
	img->size = st.st_size;
	if (img->size < IMG_HDR_SIZE) {
		pr_err("%s: offset 0: truncated: %" PRIu64 " of %d header bytes", path, img->size,
		       IMG_HDR_SIZE);
		err = -ENODATA;
		goto fail;
	}
	err = pread_all(img->fd, hdr, sizeof(hdr), 0);
	if (err) {
		pr_errno(err, "%s: cannot read the header", path);
		goto fail;
	}
	err = -EBADMSG;
	v = get_le32(hdr);
	if (v != IMG_FILE_MAGIC) {
		pr_err("%s: not a ckpt image (magic 0x%08" PRIx32 ", expected 0x%08x)", path, v,
		       IMG_FILE_MAGIC);
		goto fail;
	}
	v = get_le32(hdr + 4);
	if (v != img_desc(kind)->magic) {
		k = img_kind_by_magic(v);
		if (k >= 0)
			pr_err("%s: holds a %s image, expected %s", path, img_kind_name(k),
			       img_kind_name(kind));
		else
			pr_err("%s: unknown image kind (magic 0x%08" PRIx32 "), expected %s", path, v,
			       img_kind_name(kind));
		goto fail;
	}
	v = get_le32(hdr + 8);
	if (v != IMG_VERSION) {
		pr_err("%s: image version %" PRIu32 ", this ckpt reads %d", path, v, IMG_VERSION);
		goto fail;
	}

	if (img->buf) {
		if (kind != IMG_INVENTORY) {
			err = check_sum(set, img, name);
			if (err)
				goto fail;
		}
		img->off = IMG_HDR_SIZE;
		if (lseek(img->fd, IMG_HDR_SIZE, SEEK_SET) < 0) {
			err = pr_perror("%s: lseek failed", path);
			goto fail;
		}
	} else {
		if (img->size < IMG_PAGES_DATA_OFF) {
			pr_err("%s: truncated: %" PRIu64 " bytes, page data starts at offset %d",
			       path, img->size, IMG_PAGES_DATA_OFF);
			err = -ENODATA;
			goto fail;
		}
		img->off = IMG_PAGES_DATA_OFF;
		if (lseek(img->fd, IMG_PAGES_DATA_OFF, SEEK_SET) < 0) {
			err = pr_perror("%s: lseek failed", path);
			goto fail;
		}
	}
	*out = img;
	return 0;
fail:
	img_free(img);
	return err;
}

int img_verify(struct imgset *set, enum img_kind kind, uint32_t id)
{
	const ImageChecksum *sum;
	struct img *img;
	int err;

	err = img_open_common(set, kind, id, false, &img);
	if (err)
		return err;
	if (!img->buf && !(set->flags & IMGSET_NO_CHECKSUMS)) {
		sum = want_sum(set, img->path, strrchr(img->path, '/') + 1);
		err = sum ? sum_fd(img->path, img->fd, img->size, sum) : -EBADMSG;
	}
	img_close(img);
	return err;
}

int img_open(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out)
{
	return img_open_common(set, kind, id, false, out);
}

int img_open_optional(struct imgset *set, enum img_kind kind, uint32_t id, struct img **out)
{
	return img_open_common(set, kind, id, true, out);
}

/* ---- writing ------------------------------------------------------------ */

static int img_write_out(struct img *img, const void *data, size_t len)
{
	int err = write_all(img->fd, data, len);

	if (err)
		return img->err = pr_errno(err, "%s: write at offset %" PRIu64 " failed", img->path,
					   img->off);
	img->crc = crc32c(img->crc, data, len);
	img->off += len;
	return 0;
}

static int img_flush(struct img *img)
{
	int err;

	if (img->err)
		return img->err;
	if (!img->tail)
		return 0;
	err = img_write_out(img, img->buf, img->tail);
	img->tail = 0;
	return err;
}

int img_write_msg(struct img *img, const ProtobufCMessage *msg)
{
	const ProtobufCMessageDescriptor *want;
	unsigned char *big;
	size_t size;
	int err;

	if (!img->writing || !img->buf) {
		pr_err("%s: not a message image open for writing", img->path);
		return -EINVAL;
	}
	if (img->err)
		return img->err;
	want = img_record_desc(img->kind, img->nrec);
	if (!msg || msg->descriptor != want) {
		pr_err("%s: record %" PRIu64 " must be a %s, not %s", img->path, img->nrec,
		       want->name, msg ? msg->descriptor->name : "NULL");
		return -EINVAL;
	}
	size = protobuf_c_message_get_packed_size(msg);
	if (size > IMG_MAX_MSG) {
		pr_err("%s: record %" PRIu64 " of %zu bytes exceeds the limit of %u bytes",
		       img->path, img->nrec, size, IMG_MAX_MSG);
		return -EFBIG;
	}

	if (IMG_BUF_SIZE - img->tail < 4 + size) {
		err = img_flush(img);
		if (err)
			return err;
	}
	if (4 + size <= IMG_BUF_SIZE - img->tail) {
		put_le32(img->buf + img->tail, size);
		protobuf_c_message_pack(msg, img->buf + img->tail + 4);
		img->tail += 4 + size;
	} else {
		/* larger than the buffer (which was just flushed): write it as is */
		big = malloc(4 + size);
		if (!big)
			return img->err = pr_errno(-ENOMEM, "%s: record %" PRIu64, img->path, img->nrec);
		put_le32(big, size);
		protobuf_c_message_pack(msg, big + 4);
		err = img_write_out(img, big, 4 + size);
		free(big);
		if (err)
			return err;
	}
	img->nrec++;
	return 0;
}

/* ---- reading ------------------------------------------------------------ */

/* Have at least need (<= IMG_BUF_SIZE) unread bytes in the buffer. */
static int img_fill(struct img *img, size_t need)
{
	ssize_t r;

	if (img->tail - img->head >= need)
		return 0;
	if (img->head) {
		memmove(img->buf, img->buf + img->head, img->tail - img->head);
		img->tail -= img->head;
		img->head = 0;
	}
	while (img->tail < need) {
		r = read(img->fd, img->buf + img->tail, IMG_BUF_SIZE - img->tail);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return pr_perror("%s: read at offset %" PRIu64 " failed", img->path,
					 img->off + img->tail);
		}
		if (r == 0) {
			pr_err("%s: offset %" PRIu64 ": truncated (the file shrank while read)",
			       img->path, img->off + img->tail);
			return -ENODATA;
		}
		img->tail += r;
	}
	return 0;
}

static void img_consume(struct img *img, size_t len)
{
	img->head += len;
	img->off += len;
}

static int img_read_record(struct img *img, ProtobufCMessage **out)
{
	const ProtobufCMessageDescriptor *desc = img_record_desc(img->kind, img->nrec);
	uint64_t at = img->off, rest = img->size - img->off;
	unsigned char *data, *big = NULL;
	ProtobufCMessage *msg;
	size_t have;
	uint32_t len;
	int err;

	if (img->off >= img->size)
		return 0;	/* clean end, at a record boundary */
	if (rest < 4) {
		pr_err("%s: offset %" PRIu64 ": truncated record length (%" PRIu64 " of 4 bytes)",
		       img->path, at, rest);
		return -ENODATA;
	}
	err = img_fill(img, 4);
	if (err)
		return err;
	len = get_le32(img->buf + img->head);
	if (len > IMG_MAX_MSG) {
		pr_err("%s: offset %" PRIu64 ": record of %" PRIu32 " bytes exceeds the limit of %u bytes",
		       img->path, at, len, IMG_MAX_MSG);
		return -EFBIG;
	}
	if (len > rest - 4) {
		pr_err("%s: offset %" PRIu64 ": record of %" PRIu32 " bytes but only %" PRIu64
		       " left in the file: truncated", img->path, at, len, rest - 4);
		return -ENODATA;
	}
	img_consume(img, 4);

	if (len <= IMG_BUF_SIZE) {
		err = img_fill(img, len);
		if (err)
			return err;
		data = img->buf + img->head;
		img_consume(img, len);
	} else {
		big = malloc(len);	/* len is bounded by the file size just checked */
		if (!big)
			return pr_errno(-ENOMEM, "%s: offset %" PRIu64 ": record of %" PRIu32 " bytes",
					img->path, at, len);
		have = img->tail - img->head;
		memcpy(big, img->buf + img->head, have);
		img->head = img->tail = 0;
		err = read_all(img->fd, big + have, len - have);
		if (err) {
			if (err == -ENODATA)
				pr_err("%s: offset %" PRIu64 ": truncated (the file shrank while read)",
				       img->path, at);
			else
				pr_errno(err, "%s: read at offset %" PRIu64 " failed", img->path, at);
			free(big);
			return err;
		}
		img->off += len;
		data = big;
	}

	msg = protobuf_c_message_unpack(desc, NULL, len, data);
	free(big);
	if (!msg) {
		pr_err("%s: offset %" PRIu64 ": record %" PRIu64 " is not a valid %s message",
		       img->path, at, img->nrec, desc->name);
		return -EBADMSG;
	}
	img->nrec++;
	*out = msg;
	return 1;
}

int img_read_msg(struct img *img, ProtobufCMessage **out)
{
	int r;

	*out = NULL;
	if (img->writing || !img->buf) {
		pr_err("%s: not a message image open for reading", img->path);
		return -EINVAL;
	}
	if (img->err)
		return img->err;	/* the position is lost after an error */
	r = img_read_record(img, out);
	if (r < 0)
		img->err = r;
	return r;
}

int img_sync(struct img *img)
{
	int err = img->buf ? img_flush(img) : 0;

	if (!err && fsync(img->fd))
		err = img->err = pr_perror("%s: fsync failed", img->path);
	return err;
}

int img_raw_fd(struct img *img)
{
	if (img->buf) {
		pr_err("%s: not a raw image", img->path);
		return -EINVAL;
	}
	return img->fd;
}

const char *img_name(const struct img *img)
{
	return img->path;
}

int img_close(struct img *img)
{
	int err = 0;

	if (!img)
		return 0;
	if (img->writing)
		err = img->buf ? img_flush(img) : 0;
	if (img->writing && img->buf && !err)
		imgset_file_summed(img->set, img->rec, crc32c_final(img->crc), img->off);
	if (close(img->fd) && img->writing && !err)
		err = pr_perror("%s: close failed", img->path);	/* NFS reports write errors here */
	img->fd = -1;
	img_free(img);
	return err;
}

int img_write_one(struct imgset *set, enum img_kind kind, uint32_t id, const ProtobufCMessage *msg)
{
	struct img *img;
	int ret, ret2;

	ret = img_create(set, kind, id, &img);
	if (ret)
		return ret;
	ret = img_write_msg(img, msg);
	ret2 = img_close(img);
	return ret ? ret : ret2;
}
