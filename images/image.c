/*
 * The image set: one directory, created (mkdir -p) or opened through its
 * inventory, completed by imgset_commit() or removed by imgset_abort().
 * The framing of each file is in image-file.c.
 *
 * Durability: image files are not fsync'ed one by one (a dump writes several
 * per task); imgset_commit() syncfs()es the directory's filesystem once, which
 * also reports writeback errors, before it writes inventory.img.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "common/log.h"
#include "common/util.h"
#include "images/image.h"
#include "images/image-priv.h"
#include "images/crc32c.h"

#include "inventory.pb-c.h"

#define INVENTORY_NAME	"inventory.img"
#define INVENTORY_TMP	"inventory.img.tmp"

/* ---- the set ------------------------------------------------------------ */

static struct imgset *set_alloc(const char *dir, bool writable)
{
	struct imgset *set = calloc(1, sizeof(*set));
	size_t len;

	if (!set)
		return NULL;
	set->dirfd = -1;
	set->writable = writable;
	set->dir = strdup(dir);
	if (!set->dir) {
		free(set);
		return NULL;
	}
	len = strlen(set->dir);
	while (len > 1 && set->dir[len - 1] == '/')
		set->dir[--len] = '\0';
	return set;
}

static int strv_push(char ***v, size_t *n, size_t *cap, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return -ENOMEM;
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		char **nv = reallocarray(*v, ncap, sizeof(**v));

		if (!nv) {
			free(copy);
			return -ENOMEM;
		}
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = copy;
	return 0;
}

int imgset_record_file(struct imgset *set, const char *name)
{
	struct img_rec *r;

	/* made again (an overwritten set): one record, the last checksum counts */
	for (size_t i = 0; i < set->nfiles; i++)
		if (!strcmp(set->files[i].name, name)) {
			set->files[i].summed = false;
			return (int)i;
		}
	if (set->nfiles == set->files_cap) {
		size_t ncap = set->files_cap ? set->files_cap * 2 : 16;
		struct img_rec *nv = reallocarray(set->files, ncap, sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		set->files = nv;
		set->files_cap = ncap;
	}
	r = &set->files[set->nfiles];
	memset(r, 0, sizeof(*r));
	r->name = strdup(name);
	if (!r->name)
		return -ENOMEM;
	return (int)set->nfiles++;
}

void imgset_file_summed(struct imgset *set, int rec, uint32_t crc, uint64_t size)
{
	if (rec < 0 || (size_t)rec >= set->nfiles)
		return;
	set->files[rec].crc = crc;
	set->files[rec].size = size;
	set->files[rec].summed = true;
}

const ImageChecksum *imgset_checksum(const struct imgset *set, const char *name)
{
	if (!set->inv)
		return NULL;
	for (size_t i = 0; i < set->inv->n_checksums; i++)
		if (set->inv->checksums[i]->name && !strcmp(set->inv->checksums[i]->name, name))
			return set->inv->checksums[i];
	return NULL;
}

/* The checksum of a file written around the buffer (page data, ghost data): read back. */
static int sum_file(struct imgset *set, struct img_rec *r)
{
	struct stat st;
	int fd, err = 0;

	fd = openat(set->dirfd, r->name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("%s/%s: cannot open to checksum", set->dir, r->name);
	if (fstat(fd, &st)) {
		err = pr_perror("%s/%s: cannot stat", set->dir, r->name);
		goto out;
	}
	r->size = st.st_size;
	r->crc = CRC32C_INIT;
	err = crc32c_fd(fd, st.st_size, &r->crc);
	if (err) {
		pr_errno(err, "%s/%s: cannot read to checksum", set->dir, r->name);
		goto out;
	}
	r->crc = crc32c_final(r->crc);
	r->summed = true;
out:
	close(fd);
	return err;
}

/* mkdir -p; new components are 0700 whatever the umask, and remembered for abort. */
static int mkdir_p(struct imgset *set, const char *dir)
{
	size_t dirs_cap = 0;
	char *p = strdup(dir);
	int err = 0;

	if (!p)
		return pr_errno(-ENOMEM, "%s: cannot create directory", dir);
	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			if (chmod(p, 0700)) {
				err = pr_perror("%s: chmod 0700 failed", p);
				break;
			}
			err = strv_push(&set->dirs, &set->ndirs, &dirs_cap, p);
			if (err) {
				rmdir(p);
				pr_errno(err, "%s: cannot create directory", dir);
				break;
			}
		} else if (errno != EEXIST) {
			err = pr_perror("%s: cannot create directory", p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return err;
}

static int open_dir(struct imgset *set)
{
	struct stat st;

	set->dirfd = open(set->dir, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC);
	if (set->dirfd < 0)
		return pr_perror("%s: cannot open image directory", set->dir);
	if (fstat(set->dirfd, &st))
		return pr_perror("%s: cannot stat image directory", set->dir);
	set->owner = st.st_uid;
	return 0;
}

/*
 * Restore trusts what an image set says only if nobody but the caller could
 * have written it: owned by the caller, writable by nobody else.
 */
int img_check_owner(const struct imgset *set, const char *path, const struct stat *st)
{
	if (!(set->flags & IMGSET_CHECK_OWNER))
		return 0;
	if (st->st_uid != geteuid()) {
		pr_err("%s: owned by uid %u, not by the restoring uid %u: refused "
		       "(--trust-images if the set is trusted)", path, (unsigned)st->st_uid,
		       (unsigned)geteuid());
		return -EPERM;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		pr_err("%s: writable by others (mode %04o): refused (--trust-images if the set is "
		       "trusted)", path, (unsigned)(st->st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

uid_t imgset_owner(const struct imgset *set)
{
	return set->owner;
}

/*
 * Do files created 0600 in dirfd need an fchmod to be 0600? Only if the
 * umask takes bits of 0600 away or the directory has a default ACL (which
 * replaces the umask): asked once per set instead of one fchmod per image.
 */
static bool files_need_chmod(int dirfd)
{
	mode_t mask = umask(0);

	umask(mask);
	if (mask & 0600)
		return true;
	return fgetxattr(dirfd, "system.posix_acl_default", NULL, 0) >= 0 ||
	       (errno != ENODATA && errno != EOPNOTSUPP);
}

int imgset_create(const char *dir, bool overwrite, struct imgset **out)
{
	struct imgset *set;
	struct stat st;
	int err;

	*out = NULL;
	if (!dir || !*dir) {
		pr_err("no image directory given");
		return -EINVAL;
	}
	set = set_alloc(dir, true);
	if (!set)
		return pr_errno(-ENOMEM, "%s: cannot create image set", dir);
	set->overwrite = overwrite;

	err = mkdir_p(set, set->dir);
	if (err)
		goto fail;
	err = open_dir(set);
	if (err)
		goto fail;

	set->chmod_files = files_need_chmod(set->dirfd);
	if (fstatat(set->dirfd, INVENTORY_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!overwrite) {
			pr_err("%s already holds an image set", set->dir);
			err = -EEXIST;
			goto fail;
		}
		/* The old set stops looking valid before any of its files change. */
		if (unlinkat(set->dirfd, INVENTORY_NAME, 0) || fsync(set->dirfd)) {
			err = pr_perror("%s/%s: cannot remove the old inventory", set->dir, INVENTORY_NAME);
			goto fail;
		}
	} else if (errno != ENOENT) {
		err = pr_perror("%s/%s: cannot stat", set->dir, INVENTORY_NAME);
		goto fail;
	}
	*out = set;
	return 0;
fail:
	imgset_abort(set);
	return err;
}

int imgset_open(const char *dir, struct imgset **out)
{
	return imgset_open_flags(dir, 0, out);
}

int imgset_open_flags(const char *dir, unsigned flags, struct imgset **out)
{
	struct stat st;
	ProtobufCMessage *msg = NULL, *extra = NULL;
	struct imgset *set;
	struct img *img = NULL;
	int err, r;

	*out = NULL;
	if (!dir || !*dir) {
		pr_err("no image directory given");
		return -EINVAL;
	}
	set = set_alloc(dir, false);
	if (!set)
		return pr_errno(-ENOMEM, "%s: cannot open image set", dir);
	set->flags = flags;
	err = open_dir(set);
	if (!err && fstat(set->dirfd, &st))
		err = pr_perror("%s: cannot stat", set->dir);
	if (!err)
		err = img_check_owner(set, set->dir, &st);
	if (err)
		goto out;

	err = img_open_optional(set, IMG_INVENTORY, 0, &img);
	if (err == -ENOENT)
		pr_err("%s: no %s: not an image set (or an unfinished dump)", set->dir, INVENTORY_NAME);
	if (err)
		goto out;
	r = img_read_msg(img, &msg);
	if (r > 0)
		r = img_read_msg(img, &extra);
	else if (r == 0) {
		pr_err("%s: no inventory record: truncated", img_name(img));
		r = -ENODATA;
	}
	if (r > 0) {
		pr_err("%s: more than one inventory record", img_name(img));
		protobuf_c_message_free_unpacked(extra, NULL);
		r = -EBADMSG;
	}
	if (r < 0) {
		err = r;
		goto out;
	}
	set->inv = (InventoryEntry *)msg;
	msg = NULL;
	if (set->inv->img_version != IMG_VERSION) {
		pr_err("%s: inventory of image version %" PRIu32 ", this ckpt reads %d",
		       img_name(img), set->inv->img_version, IMG_VERSION);
		err = -EBADMSG;
	} else if (!set->inv->n_checksums && !(flags & IMGSET_NO_CHECKSUMS)) {
		pr_err("%s: no image checksums: a set of an older ckpt, or a damaged inventory",
		       img_name(img));
		err = -EBADMSG;
	}
out:
	if (msg)
		protobuf_c_message_free_unpacked(msg, NULL);
	img_close(img);
	if (err) {
		imgset_close(set);
		return err;
	}
	*out = set;
	return 0;
}

const char *imgset_dir(const struct imgset *set)
{
	return set->dir;
}

int imgset_dirfd(const struct imgset *set)
{
	return set->dirfd;
}

const void *imgset_inventory(const struct imgset *set)
{
	return set->inv;
}

int imgset_commit(struct imgset *set, const ProtobufCMessage *inventory)
{
	struct img *img = NULL;
	int err;

	if (!set->writable) {
		pr_err("%s: image set is open read-only, cannot commit", set->dir);
		return -EINVAL;
	}
	if (!inventory || inventory->descriptor != &inventory_entry__descriptor) {
		pr_err("%s: commit needs an inventory entry", set->dir);
		return -EINVAL;
	}
	if (((const InventoryEntry *)inventory)->img_version != IMG_VERSION) {
		pr_err("%s: inventory says image version %" PRIu32 ", this ckpt writes %d", set->dir,
		       ((const InventoryEntry *)inventory)->img_version, IMG_VERSION);
		return -EINVAL;
	}
	/* Everything else must be on disk before the inventory says the set is complete. */
	if (syncfs(set->dirfd))
		return pr_perror("%s: syncfs failed", set->dir);

	/* every other file of the set, with its checksum, in a copy of the caller's inventory */
	InventoryEntry inv = *(const InventoryEntry *)inventory;
	ImageChecksum *sums = calloc(set->nfiles + 1, sizeof(*sums));
	ImageChecksum **psums = calloc(set->nfiles + 1, sizeof(*psums));
	size_t nsums = 0;

	if (!sums || !psums) {
		free(sums);
		free(psums);
		return pr_errno(-ENOMEM, "%s: commit", set->dir);
	}
	for (size_t i = 0; i < set->nfiles; i++) {
		struct img_rec *r = &set->files[i];

		if (!strcmp(r->name, INVENTORY_NAME))
			continue;
		if (!r->summed) {
			err = sum_file(set, r);
			if (err) {
				free(sums);
				free(psums);
				return err;
			}
		}
		image_checksum__init(&sums[nsums]);
		sums[nsums].name = r->name;
		sums[nsums].crc32c = r->crc;
		sums[nsums].size = r->size;
		psums[nsums] = &sums[nsums];
		nsums++;
	}
	inv.n_checksums = nsums;
	inv.checksums = psums;

	if (unlinkat(set->dirfd, INVENTORY_TMP, 0) && errno != ENOENT)
		return pr_perror("%s/%s: cannot remove stale file", set->dir, INVENTORY_TMP);
	err = img_create_name(set, IMG_INVENTORY, INVENTORY_TMP, &img);
	if (err)
		return err;
	err = img_write_msg(img, &inv.base);
	free(sums);
	free(psums);
	if (!err)
		err = img_sync(img);
	if (!err)
		err = img_close(img);
	else
		img_close(img);
	if (err)
		goto fail;

	if (renameat(set->dirfd, INVENTORY_TMP, set->dirfd, INVENTORY_NAME)) {
		err = pr_perror("%s/%s: cannot rename to %s", set->dir, INVENTORY_TMP, INVENTORY_NAME);
		goto fail;
	}
	err = imgset_record_file(set, INVENTORY_NAME);
	if (err >= 0)
		err = 0;
	if (err) {
		unlinkat(set->dirfd, INVENTORY_NAME, 0);
		pr_errno(err, "%s: commit failed", set->dir);
		goto fail;
	}
	if (fsync(set->dirfd)) {
		/* whether the rename is on disk is unknown: no half-committed set */
		err = pr_perror("%s: fsync of the directory failed", set->dir);
		unlinkat(set->dirfd, INVENTORY_NAME, 0);
		return err;
	}
	return 0;
fail:
	unlinkat(set->dirfd, INVENTORY_TMP, 0);
	return err;
}

void imgset_abort(struct imgset *set)
{
	if (!set)
		return;
	if (set->writable && set->dirfd >= 0) {
		/* the inventory first: a half-removed set must not look valid */
		for (size_t i = set->nfiles; i-- > 0;)
			if (unlinkat(set->dirfd, set->files[i].name, 0) && errno != ENOENT)
				pr_warn("%s/%s: cannot remove: %s", set->dir, set->files[i].name,
					strerror(errno));
		unlinkat(set->dirfd, INVENTORY_TMP, 0);
	}
	for (size_t i = set->ndirs; i-- > 0;)
		rmdir(set->dirs[i]);	/* only if empty: it may hold the user's files */
	imgset_close(set);
}

void imgset_close(struct imgset *set)
{
	if (!set)
		return;
	if (set->dirfd >= 0)
		close(set->dirfd);
	if (set->inv)
		protobuf_c_message_free_unpacked(&set->inv->base, NULL);
	for (size_t i = 0; i < set->nfiles; i++)
		free(set->files[i].name);
	for (size_t i = 0; i < set->ndirs; i++)
		free(set->dirs[i]);
	free(set->files);
	free(set->dirs);
	free(set->dir);
	free(set);
}

