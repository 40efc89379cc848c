/* `ckpt show`: an image set as one JSON document (shape in image-show.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"
#include "images/image.h"
#include "images/image-json.h"
#include "images/image-show.h"
#include "images/validate.h"

#include "fdinfo.pb-c.h"
#include "files.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

/* files.img, in file order and sorted by id for the fds */
struct files {
	FileEntry **v;
	FileEntry **by_id;
	size_t n, cap;
};

static void files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		protobuf_c_message_free_unpacked(&fs->v[i]->base, NULL);
	free(fs->v);
	free(fs->by_id);
}

static int cmp_file_id(const void *a, const void *b)
{
	const FileEntry *fa = *(FileEntry *const *)a, *fb = *(FileEntry *const *)b;

	return fa->id < fb->id ? -1 : fa->id > fb->id;
}

static const FileEntry *find_file(const struct files *fs, uint32_t id)
{
	FileEntry key = { .id = id };
	const FileEntry *kp = &key;
	FileEntry **hit;

	if (!fs->n)
		return NULL;
	hit = bsearch(&kp, fs->by_id, fs->n, sizeof(*fs->by_id), cmp_file_id);
	return hit ? *hit : NULL;
}

/* files.img (absent: no files) with its id index; ids must be unique. */
static int read_files(struct imgset *set, struct files *fs)
{
	ProtobufCMessage *m;
	struct img *img;
	int r;

	r = img_open_optional(set, IMG_FILES, 0, &img);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	while ((r = img_read_msg(img, &m)) > 0) {
		if (fs->n == fs->cap) {
			size_t ncap = fs->cap ? 2 * fs->cap : 64;
			FileEntry **nv = reallocarray(fs->v, ncap, sizeof(*nv));

			if (!nv) {
				protobuf_c_message_free_unpacked(m, NULL);
				r = pr_errno(-ENOMEM, "%s", img_name(img));
				break;
			}
			fs->v = nv;
			fs->cap = ncap;
		}
		fs->v[fs->n++] = (FileEntry *)m;
	}
	if (r == 0 && fs->n) {
		fs->by_id = malloc(fs->n * sizeof(*fs->by_id));
		if (!fs->by_id) {
			r = pr_errno(-ENOMEM, "%s", img_name(img));
		} else {
			memcpy(fs->by_id, fs->v, fs->n * sizeof(*fs->by_id));
			qsort(fs->by_id, fs->n, sizeof(*fs->by_id), cmp_file_id);
			for (size_t i = 1; i < fs->n; i++) {
				if (fs->by_id[i]->id == fs->by_id[i - 1]->id) {
					pr_err("%s: two files with id %" PRIu32, img_name(img),
					       fs->by_id[i]->id);
					r = -EBADMSG;
					break;
				}
			}
		}
	}
	img_close(img);
	return r;
}

/* Every record of an image as an array; an absent optional image gives []. */
static int show_array(struct json *j, struct imgset *set, enum img_kind kind, const char *key)
{
	ProtobufCMessage *m;
	struct img *img;
	int r;

	json_key(j, key);
	json_begin_array(j);
	r = img_open_optional(set, kind, 0, &img);
	if (r == -ENOENT)
		r = 0;
	else if (r == 0) {
		while ((r = img_read_msg(img, &m)) > 0) {
			json_message(j, m);
			protobuf_c_message_free_unpacked(m, NULL);
		}
		img_close(img);
	}
	json_end_array(j);
	return r;
}

static int open_task_image(struct imgset *set, enum img_kind kind, uint32_t pid, bool zombie,
			   struct img **img)
{
	return zombie ? img_open_optional(set, kind, pid, img) : img_open(set, kind, pid, img);
}

/* An image of exactly one record, as "key": {...}; skipped if a zombie lacks it. */
static int show_single(struct json *j, struct imgset *set, enum img_kind kind, uint32_t pid,
		       bool zombie, const char *key)
{
	ProtobufCMessage *m = NULL, *extra;
	struct img *img;
	int r;

	r = open_task_image(set, kind, pid, zombie, &img);
	if (r)
		return r == -ENOENT && zombie ? 0 : r;
	r = img_read_msg(img, &m);
	if (r == 0) {
		pr_err("%s: empty, expected one %s record", img_name(img), img_desc(kind)->msg->name);
		r = -ENODATA;
	} else if (r > 0) {
		r = img_read_msg(img, &extra);
		if (r > 0) {
			pr_err("%s: more than one record", img_name(img));
			protobuf_c_message_free_unpacked(extra, NULL);
			r = -EBADMSG;
		}
	}
	if (r == 0) {
		json_key(j, key);
		json_message(j, m);
	}
	if (m)
		protobuf_c_message_free_unpacked(m, NULL);
	img_close(img);
	return r;
}

/* pages-PID.img must hold the pages the pagemap promises. */
static int check_pages(struct imgset *set, uint32_t pid, uint64_t nr_pages)
{
	struct img *img;
	struct stat st;
	int r, fd;

	r = img_open(set, IMG_PAGES, pid, &img);
	if (r)
		return r;
	fd = img_raw_fd(img);
	if (fstat(fd, &st)) {
		r = pr_perror("%s: cannot stat", img_name(img));
	} else if (nr_pages > ((uint64_t)st.st_size - IMG_PAGES_DATA_OFF) / 4096) {
		pr_err("%s: %lld bytes, too short for the %" PRIu64 " pages of the pagemap: truncated",
		       img_name(img), (long long)st.st_size, nr_pages);
		r = -ENODATA;
	}
	img_close(img);
	return r;
}

static int show_pagemap(struct json *j, struct imgset *set, uint32_t pid, bool zombie)
{
	ProtobufCMessage *m;
	PagemapHead *head = NULL;
	uint64_t sum = 0;
	struct img *img;
	int r;

	r = open_task_image(set, IMG_PAGEMAP, pid, zombie, &img);
	if (r)
		return r == -ENOENT && zombie ? 0 : r;
	r = img_read_msg(img, &m);
	if (r == 0) {
		pr_err("%s: empty, expected a pagemap head", img_name(img));
		r = -ENODATA;
	}
	if (r < 0)
		goto out;
	head = (PagemapHead *)m;

	json_key(j, "pagemap");
	json_begin_object(j);
	json_message_fields(j, &head->base, NULL);
	json_key(j, "runs");
	json_begin_array(j);
	while ((r = img_read_msg(img, &m)) > 0) {
		const PagemapEntry *pe = (const PagemapEntry *)m;

		json_message(j, m);
		if (__builtin_add_overflow(sum, pe->nr_pages, &sum))
			sum = UINT64_MAX;
		protobuf_c_message_free_unpacked(m, NULL);
	}
	json_end_array(j);
	json_end_object(j);
	if (r < 0)
		goto out;
	if (sum != head->nr_pages) {
		pr_err("%s: the runs hold %" PRIu64 " pages, the head says %" PRIu64, img_name(img),
		       sum, head->nr_pages);
		r = -EBADMSG;
		goto out;
	}
	if (head->nr_pages)
		r = check_pages(set, pid, head->nr_pages);
out:
	if (head)
		protobuf_c_message_free_unpacked(&head->base, NULL);
	img_close(img);
	return r;
}

/* "fds": each fd with the fields of its file description merged in. */
static int show_fds(struct json *j, struct imgset *set, uint32_t pid, bool zombie,
		    const struct files *fs)
{
	ProtobufCMessage *m;
	struct img *img;
	int r;

	r = open_task_image(set, IMG_FDINFO, pid, zombie, &img);
	if (r)
		return r == -ENOENT && zombie ? 0 : r;
	json_key(j, "fds");
	json_begin_array(j);
	while ((r = img_read_msg(img, &m)) > 0) {
		const FdEntry *fd = (const FdEntry *)m;
		const FileEntry *file = find_file(fs, fd->file_id);

		if (!file) {
			pr_err("%s: fd %" PRIu32 " refers to file id %" PRIu32
			       ", which files.img does not hold", img_name(img), fd->fd, fd->file_id);
			protobuf_c_message_free_unpacked(m, NULL);
			r = -EBADMSG;
			break;
		}
		json_begin_object(j);
		json_message_fields(j, m, NULL);
		json_message_fields(j, &file->base, &fd_entry__descriptor);
		json_end_object(j);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	json_end_array(j);
	img_close(img);
	return r;
}

static int show_task(struct json *j, struct imgset *set, const PstreeEntry *pe,
		     const struct files *fs)
{
	bool zombie = pe->state == TASK_STATE__TASK_ZOMBIE;
	int r;

	json_begin_object(j);
	json_message_fields(j, &pe->base, NULL);
	r = show_single(j, set, IMG_CORE, pe->pid, zombie, "core");
	if (!r)
		r = show_single(j, set, IMG_MM, pe->pid, zombie, "mm");
	if (!r)
		r = show_pagemap(j, set, pe->pid, zombie);
	if (!r)
		r = show_single(j, set, IMG_FS, pe->pid, zombie, "fs");
	if (!r)
		r = show_fds(j, set, pe->pid, zombie, fs);
	json_end_object(j);
	return r;
}

static int show_tasks(struct json *j, struct imgset *set, const struct files *fs)
{
	ProtobufCMessage *m;
	struct img *img;
	size_t n = 0;
	int r;

	r = img_open(set, IMG_PSTREE, 0, &img);
	if (r)
		return r;
	json_key(j, "tasks");
	json_begin_array(j);
	while ((r = img_read_msg(img, &m)) > 0) {
		r = show_task(j, set, (const PstreeEntry *)m, fs);
		protobuf_c_message_free_unpacked(m, NULL);
		if (r)
			break;
		n++;
	}
	json_end_array(j);
	if (r == 0 && n == 0) {
		pr_err("%s: no tasks", img_name(img));
		r = -ENODATA;
	}
	img_close(img);
	return r;
}

static int show_set(FILE *f, struct imgset *set)
{
	struct files fs = { 0 };
	struct json j;
	int r;

	json_init(&j, f);
	json_begin_object(&j);
	json_key(&j, "inventory");
	json_message(&j, imgset_inventory(set));
	r = show_array(&j, set, IMG_MOUNTINFO, "mountinfo");
	if (!r)
		r = read_files(set, &fs);
	if (!r) {
		json_key(&j, "files");
		json_begin_array(&j);
		for (size_t i = 0; i < fs.n; i++)
			json_message(&j, &fs.v[i]->base);
		json_end_array(&j);
		r = show_tasks(&j, set, &fs);
	}
	json_end_object(&j);
	fputc('\n', f);
	files_free(&fs);
	return r;
}

int show_image_set(const char *dir, FILE *out)
{
	return show_image_set_flags(dir, 0, out);
}

int show_image_set_flags(const char *dir, unsigned flags, FILE *out)
{
	struct imgset *set = NULL;
	char *doc = NULL;
	size_t len = 0;
	FILE *mem;
	int r;

	/* built in memory: a bad image must not leave half a document on out */
	mem = open_memstream(&doc, &len);
	if (!mem)
		return pr_perror("%s: cannot show", dir);
	r = imgset_open_flags(dir, flags, &set);
	if (!r)
		r = imgset_validate(set, 0);
	if (!r)
		r = show_set(mem, set);
	if (!r && ferror(mem))
		r = pr_errno(-ENOMEM, "%s: cannot show", dir);
	if (fclose(mem) && !r)
		r = pr_perror("%s: cannot show", dir);
	if (!r && (fwrite(doc, 1, len, out) != len || fflush(out)))
		r = pr_perror("cannot write the output");
	free(doc);
	imgset_close(set);
	return r;
}
