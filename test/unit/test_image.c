/*
 * The image layer: framing, validation of every length and header field,
 * the atomic image set, file modes, and write errors on a full filesystem.
 * Run from the repository root: build/test/unit/test_image
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/log.h"
#include "images/image.h"
#include "images/image-desc.h"
#include "images/magic.h"

#include "core.pb-c.h"
#include "files.pb-c.h"
#include "inventory.pb-c.h"
#include "mountinfo.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

/* ---- helpers -------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/ckpt-test-image-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return strdup(tmpl);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	remove(path);
	return 0;
}

static void rm_rf(char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

static bool exists_in(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static size_t slurp(const char *dir, const char *name, unsigned char **out)
{
	char path[1024];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	*out = malloc(st.st_size + 1);
	assert_non_null(*out);
	assert_int_equal(read(fd, *out, st.st_size), st.st_size);
	close(fd);
	return st.st_size;
}

static void spit(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[1024];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

static void commit(struct imgset *set, uint32_t root_pid)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;

	inv.img_version = IMG_VERSION;
	inv.root_pid = root_pid;
	inv.ntasks = 1;
	inv.kernel = "6.18.0-test";
	inv.has_dump_time_ns = true;
	inv.dump_time_ns = 1700000000123456789ull;
	assert_int_equal(imgset_commit(set, &inv.base), 0);
}

static void fill_file(FileEntry *f, uint32_t id, const char *path)
{
	file_entry__init(f);
	f->id = id;
	f->kind = FILE_KIND__FILE_REG;
	f->path = (char *)path;
	f->flags = 02 | 0100000;
	f->pos = -1;
	f->mode = 0100644;
	f->mnt_id = 23;
	f->ino = 0xfedcba9876543210ull;
	f->size = 4096;
}

/* A committed set whose files.img holds n FileEntry records (with nested and bytes fields). */
static void make_files_set(const char *dir, int n)
{
	static unsigned char data[300];
	struct imgset *set;
	struct img *img;
	char path[64];

	assert_int_equal(imgset_create(dir, true, &set), 0);
	assert_int_equal(img_create(set, IMG_FILES, 0, &img), 0);
	for (int i = 0; i < n; i++) {
		FownEntry fown = FOWN_ENTRY__INIT;
		FileEntry f;

		snprintf(path, sizeof(path), "/var/tmp/file-%d", i);
		fill_file(&f, i + 1, path);
		if (i % 2) {
			fown.pid = 42;
			fown.pid_type = 1;
			fown.signum = 29;
			f.fown = &fown;
			f.has_pipe_data = true;
			f.pipe_data.data = data;
			f.pipe_data.len = sizeof(data) - i;
		}
		assert_int_equal(img_write_msg(img, &f.base), 0);
	}
	assert_int_equal(img_close(img), 0);
	commit(set, 1);
	imgset_close(set);
}

/* Read every record of files.img: the first error, or the number of records. */
static int read_files_img(const char *dir)
{
	ProtobufCMessage *m;
	struct imgset *set;
	struct img *img;
	int r, n = 0;

	/* the framing on its own: checksums would catch every change first */
	r = imgset_open_flags(dir, IMGSET_NO_CHECKSUMS, &set);
	if (r)
		return r;
	r = img_open(set, IMG_FILES, 0, &img);
	if (r) {
		imgset_close(set);
		return r;
	}
	while ((r = img_read_msg(img, &m)) > 0) {
		assert_ptr_equal(m->descriptor, &file_entry__descriptor);
		n++;
		protobuf_c_message_free_unpacked(m, NULL);
	}
	/* after an error or the end, the same answer again */
	assert_int_equal(img_read_msg(img, &m), r);
	assert_null(m);
	img_close(img);
	imgset_close(set);
	return r < 0 ? r : n;
}

static void assert_error_has(const char *what)
{
	const char *e = log_first_error();

	assert_non_null(e);
	if (!strstr(e, what))
		fail_msg("error \"%s\" does not contain \"%s\"", e, what);
}

/* ---- the kind table ---------------------------------------------------------- */

static void test_kind_table(void **state)
{
	static const char *names[IMG__MAX] = {
		"inventory.img", "pstree.img", "core-%u.img", "mm-%u.img", "pagemap-%u.img",
		"pages-%u.img", "files.img", "fdinfo-%u.img", "fs-%u.img", "mountinfo.img",
		"ghost-%u.img",
	};

	(void)state;
	assert_int_equal(IMG_FILE_MAGIC, 0x54504b43);
	for (int k = 0; k < IMG__MAX; k++) {
		const struct img_desc *d = img_desc(k);

		assert_non_null(d);
		assert_string_equal(d->fmt, names[k]);
		assert_int_equal(d->per_task, strstr(d->fmt, "%u") != NULL);
		assert_int_equal(d->msg == NULL, k == IMG_PAGES || k == IMG_GHOST);
		assert_int_not_equal(d->magic, IMG_FILE_MAGIC);
		assert_int_equal(img_kind_by_magic(d->magic), k);
		for (int o = 0; o < k; o++)
			assert_int_not_equal(d->magic, img_desc(o)->magic);
	}
	assert_null(img_desc(IMG__MAX));
	assert_ptr_equal(img_record_desc(IMG_PAGEMAP, 0), &pagemap_head__descriptor);
	assert_ptr_equal(img_record_desc(IMG_PAGEMAP, 1), &pagemap_entry__descriptor);
	assert_ptr_equal(img_record_desc(IMG_CORE, 0), &task_core_entry__descriptor);
}

/* ---- round trip -------------------------------------------------------------- */

static void test_roundtrip(void **state)
{
	char *dir = make_tmpdir();
	uint32_t threads[] = { 100, 101 }, groups[] = { 4, 24, 27 };
	unsigned char xsave[200000];	/* bigger than the write/read buffers */
	static char longpath[5000];
	ProtobufCMessage *m;
	struct imgset *set;
	struct img *img;
	const InventoryEntry *inv;

	(void)state;
	for (size_t i = 0; i < sizeof(xsave); i++)
		xsave[i] = i * 7;
	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[0] = '/';

	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_null(imgset_inventory(set));

	/* pstree: three records */
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	for (uint32_t i = 0; i < 3; i++) {
		PstreeEntry p = PSTREE_ENTRY__INIT;

		p.pid = 100 + i;
		p.ppid = i ? 100 : 0;
		p.pgid = p.sid = 100;
		p.n_threads = i ? 1 : 2;
		p.threads = i ? &p.pid : threads;
		p.state = i == 2 ? TASK_STATE__TASK_ZOMBIE : TASK_STATE__TASK_ALIVE;
		p.comm = "sleeper";
		assert_int_equal(img_write_msg(img, &p.base), 0);
	}
	{
		char want[512];

		snprintf(want, sizeof(want), "%s/pstree.img", dir);
		assert_string_equal(img_name(img), want);
	}
	assert_int_equal(img_close(img), 0);

	/* core-100: one record larger than the buffers */
	{
		TaskCoreEntry core = TASK_CORE_ENTRY__INIT;
		ThreadCoreEntry th = THREAD_CORE_ENTRY__INIT, *thp = &th;
		UserX86RegsEntry regs = USER_X86_REGS_ENTRY__INIT;
		CredsEntry creds = CREDS_ENTRY__INIT;

		regs.ip = 0x401000;
		regs.sp = 0x7ffc00001000ull;
		th.tid = 100;
		th.gpregs = &regs;
		th.xsave.data = xsave;
		th.xsave.len = sizeof(xsave);
		creds.n_groups = 3;
		creds.groups = groups;
		creds.cap_eff = ~0ull;
		core.pid = 100;
		core.n_threads = 1;
		core.threads = &thp;
		core.creds = &creds;
		core.umask = 022;
		assert_int_equal(img_create(set, IMG_CORE, 100, &img), 0);
		assert_int_equal(img_write_msg(img, &core.base), 0);
		assert_int_equal(img_close(img), 0);
	}

	/* files: many records, crossing buffer boundaries, some bigger than 4K */
	assert_int_equal(img_create(set, IMG_FILES, 0, &img), 0);
	for (uint32_t i = 0; i < 500; i++) {
		FileEntry f;

		fill_file(&f, i + 1, i % 50 == 7 ? longpath : "/etc/passwd");
		f.pos = i;
		assert_int_equal(img_write_msg(img, &f.base), 0);
	}
	assert_int_equal(img_close(img), 0);

	/* mountinfo: an empty image (header only) */
	assert_int_equal(img_create(set, IMG_MOUNTINFO, 0, &img), 0);
	assert_int_equal(img_close(img), 0);

	commit(set, 100);
	imgset_close(set);

	/* read it all back */
	log_clear_error();
	assert_int_equal(imgset_open(dir, &set), 0);
	assert_string_equal(imgset_dir(set), dir);
	assert_true(imgset_dirfd(set) >= 0);
	inv = imgset_inventory(set);
	assert_non_null(inv);
	assert_int_equal(inv->img_version, IMG_VERSION);
	assert_int_equal(inv->root_pid, 100);
	assert_true(inv->has_dump_time_ns);
	assert_true(inv->dump_time_ns == 1700000000123456789ull);
	assert_string_equal(inv->kernel, "6.18.0-test");

	assert_int_equal(img_open(set, IMG_PSTREE, 0, &img), 0);
	for (uint32_t i = 0; i < 3; i++) {
		PstreeEntry *p;

		assert_int_equal(img_read_msg(img, &m), 1);
		p = (PstreeEntry *)m;
		assert_int_equal(p->pid, 100 + i);
		assert_int_equal(p->n_threads, i ? 1 : 2);
		assert_int_equal(p->state, i == 2 ? TASK_STATE__TASK_ZOMBIE : TASK_STATE__TASK_ALIVE);
		assert_string_equal(p->comm, "sleeper");
		protobuf_c_message_free_unpacked(m, NULL);
	}
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_close(img), 0);

	assert_int_equal(img_open(set, IMG_CORE, 100, &img), 0);
	assert_int_equal(img_read_msg(img, &m), 1);
	{
		TaskCoreEntry *core = (TaskCoreEntry *)m;

		assert_int_equal(core->n_threads, 1);
		assert_int_equal(core->threads[0]->gpregs->ip, 0x401000);
		assert_int_equal(core->threads[0]->xsave.len, sizeof(xsave));
		assert_memory_equal(core->threads[0]->xsave.data, xsave, sizeof(xsave));
		assert_int_equal(core->creds->n_groups, 3);
		assert_int_equal(core->creds->groups[2], 27);
		assert_true(core->creds->cap_eff == ~0ull);
	}
	protobuf_c_message_free_unpacked(m, NULL);
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_close(img), 0);

	assert_int_equal(img_open(set, IMG_FILES, 0, &img), 0);
	for (uint32_t i = 0; i < 500; i++) {
		FileEntry *f;

		assert_int_equal(img_read_msg(img, &m), 1);
		f = (FileEntry *)m;
		assert_int_equal(f->id, i + 1);
		assert_int_equal(f->pos, i);
		assert_true(f->ino == 0xfedcba9876543210ull);
		assert_string_equal(f->path, i % 50 == 7 ? longpath : "/etc/passwd");
		protobuf_c_message_free_unpacked(m, NULL);
	}
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_close(img), 0);

	assert_int_equal(img_open(set, IMG_MOUNTINFO, 0, &img), 0);
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_close(img), 0);

	/* missing images */
	assert_int_equal(img_open_optional(set, IMG_MM, 100, &img), -ENOENT);
	assert_null(img);
	assert_null(log_first_error());
	assert_int_equal(img_open(set, IMG_MM, 100, &img), -ENOENT);
	assert_error_has("/mm-100.img: missing");
	/* a read-only set makes no images */
	assert_int_equal(img_create(set, IMG_MM, 100, &img), -EINVAL);
	imgset_close(set);
	rm_rf(dir);
}

static void test_pagemap_and_pages(void **state)
{
	char *dir = make_tmpdir();
	PagemapHead head = PAGEMAP_HEAD__INIT;
	PagemapEntry run = PAGEMAP_ENTRY__INIT;
	unsigned char page[3 * 4096], *raw;
	ProtobufCMessage *m;
	struct imgset *set;
	struct img *img;
	size_t len;
	int fd;

	(void)state;
	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = i ^ (i >> 8);
	assert_int_equal(imgset_create(dir, false, &set), 0);

	/* pagemap: the head first, then runs */
	assert_int_equal(img_create(set, IMG_PAGEMAP, 9, &img), 0);
	log_clear_error();
	assert_int_equal(img_write_msg(img, &run.base), -EINVAL);
	assert_error_has("pagemap-9.img: record 0 must be a pagemap_head");
	head.pid = 9;
	head.nr_pages = 3;
	assert_int_equal(img_write_msg(img, &head.base), 0);
	assert_int_equal(img_write_msg(img, &head.base), -EINVAL);
	run.vaddr = 0x10000;
	run.nr_pages = 3;
	assert_int_equal(img_write_msg(img, &run.base), 0);
	assert_int_equal(img_raw_fd(img), -EINVAL);
	assert_int_equal(img_close(img), 0);

	/* pages: raw, page aligned */
	assert_int_equal(img_create(set, IMG_PAGES, 9, &img), 0);
	assert_int_equal(img_write_msg(img, &head.base), -EINVAL);
	fd = img_raw_fd(img);
	assert_true(fd >= 0);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), IMG_PAGES_DATA_OFF);
	assert_int_equal(write(fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(img_close(img), 0);
	commit(set, 9);
	imgset_close(set);

	len = slurp(dir, "pages-9.img", &raw);
	assert_int_equal(len, IMG_PAGES_DATA_OFF + sizeof(page));
	assert_memory_equal(raw, "CKPTPAGE\x01\0\0\0", 12);
	for (size_t i = 12; i < IMG_PAGES_DATA_OFF; i++)
		assert_int_equal(raw[i], 0);
	assert_memory_equal(raw + IMG_PAGES_DATA_OFF, page, sizeof(page));
	free(raw);

	assert_int_equal(imgset_open(dir, &set), 0);
	assert_int_equal(img_open(set, IMG_PAGEMAP, 9, &img), 0);
	assert_int_equal(img_read_msg(img, &m), 1);
	assert_ptr_equal(m->descriptor, &pagemap_head__descriptor);
	assert_int_equal(((PagemapHead *)m)->nr_pages, 3);
	protobuf_c_message_free_unpacked(m, NULL);
	assert_int_equal(img_read_msg(img, &m), 1);
	assert_ptr_equal(m->descriptor, &pagemap_entry__descriptor);
	assert_int_equal(((PagemapEntry *)m)->vaddr, 0x10000);
	protobuf_c_message_free_unpacked(m, NULL);
	assert_int_equal(img_read_msg(img, &m), 0);
	assert_int_equal(img_close(img), 0);

	assert_int_equal(img_open(set, IMG_PAGES, 9, &img), 0);
	assert_int_equal(img_read_msg(img, &m), -EINVAL);
	fd = img_raw_fd(img);
	assert_int_equal(lseek(fd, 0, SEEK_CUR), IMG_PAGES_DATA_OFF);
	raw = malloc(sizeof(page));
	assert_int_equal(read(fd, raw, sizeof(page)), sizeof(page));
	assert_memory_equal(raw, page, sizeof(page));
	free(raw);
	assert_int_equal(img_close(img), 0);
	imgset_close(set);

	/* a pages image cut inside its header page */
	len = slurp(dir, "pages-9.img", &raw);
	spit(dir, "pages-9.img", raw, 100);
	free(raw);
	assert_int_equal(imgset_open(dir, &set), 0);
	assert_int_equal(img_open(set, IMG_PAGES, 9, &img), -ENODATA);
	imgset_close(set);
	rm_rf(dir);
}

/* ---- bad images ----------------------------------------------------------------- */

struct bad {
	const char *dir;
	unsigned char *img;	/* a valid files.img of 4 records */
	size_t len;
	size_t rec1;		/* offset of the second record */
};

static int bad_setup(void **state)
{
	struct bad *b = calloc(1, sizeof(*b));
	unsigned char *p;

	b->dir = make_tmpdir();
	make_files_set(b->dir, 4);
	b->len = slurp(b->dir, "files.img", &b->img);
	p = b->img + 12;
	b->rec1 = 12 + 4 + (p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
	*state = b;
	return 0;
}

static int bad_teardown(void **state)
{
	struct bad *b = *state;

	rm_rf((char *)b->dir);
	free(b->img);
	free(b);
	return 0;
}

/* Write a changed copy of files.img and read it: the error, logged. */
static int try_bad(struct bad *b, const unsigned char *img, size_t len)
{
	spit(b->dir, "files.img", img, len);
	log_clear_error();
	return read_files_img(b->dir);
}

static void test_valid_baseline(void **state)
{
	struct bad *b = *state;

	assert_int_equal(try_bad(b, b->img, b->len), 4);
	assert_null(log_first_error());
}

static void test_zero_length(void **state)
{
	struct bad *b = *state;

	assert_int_equal(try_bad(b, b->img, 0), -ENODATA);
	assert_error_has("files.img: offset 0: truncated");
}

static void test_truncated_header(void **state)
{
	struct bad *b = *state;

	assert_int_equal(try_bad(b, b->img, 7), -ENODATA);
	assert_error_has("files.img: offset 0: truncated: 7 of 12 header bytes");
}

static void test_header_only(void **state)
{
	struct bad *b = *state;

	assert_int_equal(try_bad(b, b->img, 12), 0);
	assert_null(log_first_error());
}

static void test_truncated_length(void **state)
{
	struct bad *b = *state;
	char want[64];

	assert_int_equal(try_bad(b, b->img, 14), -ENODATA);
	assert_error_has("files.img: offset 12: truncated record length (2 of 4 bytes)");
	/* and at the second record */
	assert_int_equal(try_bad(b, b->img, b->rec1 + 3), -ENODATA);
	snprintf(want, sizeof(want), "offset %zu: truncated record length", b->rec1);
	assert_error_has(want);
}

static void test_truncated_body(void **state)
{
	struct bad *b = *state;

	assert_int_equal(try_bad(b, b->img, b->rec1 - 1), -ENODATA);
	assert_error_has("files.img: offset 12: record of");
	assert_error_has("truncated");
	assert_int_equal(try_bad(b, b->img, b->len - 1), -ENODATA);
}

static void test_length_too_big(void **state)
{
	struct bad *b = *state;
	unsigned char *c = malloc(b->len);

	memcpy(c, b->img, b->len);
	put32(c + 12, IMG_MAX_MSG + 1);
	assert_int_equal(try_bad(b, c, b->len), -EFBIG);
	assert_error_has("files.img: offset 12: record of 67108865 bytes exceeds the limit");
	put32(c + 12, UINT32_MAX);
	assert_int_equal(try_bad(b, c, b->len), -EFBIG);
	/* within the limit but past the end of the file: nothing allocated, truncated */
	put32(c + 12, IMG_MAX_MSG);
	assert_int_equal(try_bad(b, c, b->len), -ENODATA);
	assert_error_has("left in the file: truncated");
	put32(c + 12, b->len);
	assert_int_equal(try_bad(b, c, b->len), -ENODATA);
	free(c);
}

static void test_wrong_file_magic(void **state)
{
	struct bad *b = *state;
	unsigned char *c = malloc(b->len);

	memcpy(c, b->img, b->len);
	memcpy(c, "ELF\x7f", 4);
	assert_int_equal(try_bad(b, c, b->len), -EBADMSG);
	assert_error_has("files.img: not a ckpt image");
	free(c);
}

static void test_wrong_kind(void **state)
{
	struct bad *b = *state;
	unsigned char *c = malloc(b->len);

	memcpy(c, b->img, b->len);
	put32(c + 4, IMG_MAGIC_CORE);
	assert_int_equal(try_bad(b, c, b->len), -EBADMSG);
	assert_error_has("files.img: holds a core image, expected files");
	put32(c + 4, 0x12345678);
	assert_int_equal(try_bad(b, c, b->len), -EBADMSG);
	assert_error_has("files.img: unknown image kind (magic 0x12345678), expected files");
	free(c);
}

static void test_wrong_version(void **state)
{
	struct bad *b = *state;
	unsigned char *c = malloc(b->len);
	char want[512];

	memcpy(c, b->img, b->len);
	put32(c + 8, 7);
	assert_int_equal(try_bad(b, c, b->len), -EBADMSG);
	snprintf(want, sizeof(want), "%s/files.img: image version 7, this ckpt reads 1", b->dir);
	assert_string_equal(log_first_error(), want);
	free(c);
}

static void test_garbage_body(void **state)
{
	struct bad *b = *state;
	unsigned char *c = malloc(b->len);
	char want[64];

	memcpy(c, b->img, b->len);
	/* the second record: a field key of wire type 7, which does not exist */
	memset(c + b->rec1 + 4, 0xff, 8);
	assert_int_equal(try_bad(b, c, b->len), -EBADMSG);
	snprintf(want, sizeof(want), "offset %zu: record 1 is not a valid file_entry", b->rec1);
	assert_error_has(want);
	/* an empty record lacks the required fields */
	memcpy(c, b->img, b->len);
	put32(c + 12, 0);
	assert_int_equal(try_bad(b, c, 16), -EBADMSG);
	free(c);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Mangled images never crash the reader: valid records or one of the three errors. */
static void test_fuzz(void **state)
{
	struct bad *b = *state;
	size_t cap = b->len + 64;
	unsigned char *c = malloc(cap);
	int seen[4] = { 0 };

	for (int iter = 0; iter < 4000; iter++) {
		size_t len = b->len, n;
		int r;

		memcpy(c, b->img, b->len);
		switch (rng() % 6) {
		case 0:	/* flip a few bits, anywhere */
			n = 1 + rng() % 8;
			while (n--)
				c[rng() % len] ^= 1u << (rng() % 8);
			break;
		case 1:	/* cut */
			len = rng() % b->len;
			break;
		case 2:	/* random bytes over a random stretch of the records */
			n = 1 + rng() % 32;
			for (size_t at = 12 + rng() % (len - 12), i = 0; i < n && at + i < len; i++)
				c[at + i] = rng();
			break;
		case 3:	/* a random length in a record header */
			put32(c + (rng() % 2 ? 12 : b->rec1), rng() >> (rng() % 32));
			break;
		case 4:	/* trailing garbage */
			n = rng() % 64;
			for (size_t i = 0; i < n; i++)
				c[len + i] = rng();
			len += n;
			break;
		case 5:	/* flip bits and cut */
			c[12 + rng() % (len - 12)] ^= 1u << (rng() % 8);
			len = 12 + rng() % (len - 12);
			break;
		}
		r = try_bad(b, c, len);
		if (r >= 0) {
			assert_true(r <= 20);
			seen[0]++;
			continue;
		}
		if (r != -EBADMSG && r != -ENODATA && r != -EFBIG)
			fail_msg("iteration %d: unexpected error %d", iter, r);
		assert_error_has("files.img");
		seen[r == -EBADMSG ? 1 : r == -ENODATA ? 2 : 3]++;
	}
	/* the loop did reach every outcome */
	for (int i = 0; i < 4; i++)
		assert_true(seen[i] > 0);
	free(c);
}

static void test_two_inventories(void **state)
{
	char *dir = make_tmpdir();
	unsigned char *raw, *two;
	struct imgset *set;
	size_t len;

	(void)state;
	make_files_set(dir, 1);
	len = slurp(dir, "inventory.img", &raw);
	two = malloc(2 * len);
	memcpy(two, raw, len);
	memcpy(two + len, raw + 12, len - 12);
	spit(dir, "inventory.img", two, 2 * len - 12);
	log_clear_error();
	assert_int_equal(imgset_open(dir, &set), -EBADMSG);
	assert_null(set);
	assert_error_has("inventory.img: more than one inventory record");

	spit(dir, "inventory.img", raw, 12);
	assert_int_equal(imgset_open(dir, &set), -ENODATA);
	free(raw);
	free(two);
	rm_rf(dir);
}

/* ---- the set: create, commit, abort, modes -------------------------------------------- */

static void test_open_without_inventory(void **state)
{
	char *dir = make_tmpdir();
	struct imgset *set;
	char want[512];

	(void)state;
	log_clear_error();
	assert_int_equal(imgset_open(dir, &set), -ENOENT);
	assert_null(set);
	snprintf(want, sizeof(want), "%s: no inventory.img: not an image set (or an unfinished dump)", dir);
	assert_string_equal(log_first_error(), want);

	/* an unfinished dump: images but no inventory */
	assert_int_equal(imgset_create(dir, false, &set), 0);
	{
		struct img *img;

		assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
		assert_int_equal(img_close(img), 0);
	}
	imgset_close(set);
	assert_int_equal(imgset_open(dir, &set), -ENOENT);

	strcat(want, "/nonexistent");
	log_clear_error();
	assert_int_equal(imgset_open(want, &set), -ENOENT);
	assert_error_has("/nonexistent: cannot open image directory");
	rm_rf(dir);
}

static void test_commit(void **state)
{
	char *dir = make_tmpdir();
	struct imgset *set;
	struct img *img;
	char want[512];

	(void)state;
	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_false(exists_in(dir, "inventory.img"));
	{
		/* the inventory must be one, of this version */
		InventoryEntry inv = INVENTORY_ENTRY__INIT;
		PstreeEntry p = PSTREE_ENTRY__INIT;

		assert_int_equal(imgset_commit(set, &p.base), -EINVAL);
		inv.img_version = 99;
		assert_int_equal(imgset_commit(set, &inv.base), -EINVAL);
	}
	commit(set, 1);
	imgset_close(set);
	assert_true(exists_in(dir, "inventory.img"));
	assert_false(exists_in(dir, "inventory.img.tmp"));

	/* no second set over a complete one, unless asked */
	log_clear_error();
	assert_int_equal(imgset_create(dir, false, &set), -EEXIST);
	assert_null(set);
	snprintf(want, sizeof(want), "%s already holds an image set", dir);
	assert_string_equal(log_first_error(), want);
	assert_true(exists_in(dir, "inventory.img"));
	assert_true(exists_in(dir, "pstree.img"));

	/* overwrite: the old set is invalid at once, stale files are replaced */
	assert_int_equal(imgset_create(dir, true, &set), 0);
	assert_false(exists_in(dir, "inventory.img"));
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	assert_int_equal(img_close(img), 0);
	commit(set, 2);
	imgset_close(set);
	assert_int_equal(imgset_open(dir, &set), 0);
	assert_int_equal(((const InventoryEntry *)imgset_inventory(set))->root_pid, 2);
	imgset_close(set);

	/* without overwrite a stale image is not clobbered */
	unlink(strcat(strcpy(want, dir), "/inventory.img"));
	assert_int_equal(imgset_create(dir, false, &set), 0);
	log_clear_error();
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), -EEXIST);
	assert_error_has("pstree.img: already exists");
	imgset_abort(set);
	assert_true(exists_in(dir, "pstree.img"));	/* not ours: left alone */
	rm_rf(dir);
}

static void test_abort(void **state)
{
	char *base = make_tmpdir();
	char dir[512], keep[512];
	struct imgset *set;
	struct img *img;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/new/deeper/set/", base);
	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_int_equal(img_create(set, IMG_CORE, 5, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_int_equal(img_create(set, IMG_PAGES, 5, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_true(exists_in(dir, "core-5.img"));
	/* a file that is not the set's stays */
	snprintf(keep, sizeof(keep), "%s/new/keep", base);
	assert_int_equal(close(open(keep, O_CREAT | O_WRONLY, 0600)), 0);
	imgset_abort(set);
	assert_false(exists_in(dir, "pstree.img"));
	assert_false(exists_in(dir, "core-5.img"));
	assert_false(exists_in(dir, "pages-5.img"));
	/* the directories it made are gone, but not one holding other files */
	assert_false(exists_in(base, "new/deeper"));
	assert_true(exists_in(base, "new/keep"));

	/* abort after a commit: nothing that looks like a set remains */
	snprintf(dir, sizeof(dir), "%s/other", base);
	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	assert_int_equal(img_close(img), 0);
	commit(set, 1);
	imgset_abort(set);
	assert_false(exists_in(base, "other"));
	rm_rf(base);
}

static void check_modes(mode_t mask)
{
	char *base = make_tmpdir();
	const char *names[] = { "inventory.img", "pstree.img", "pages-3.img", "mm-3.img" };
	char dir[512];
	struct imgset *set;
	struct img *img;
	struct stat st;
	mode_t old;

	snprintf(dir, sizeof(dir), "%s/a/b", base);
	old = umask(mask);
	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_int_equal(img_create(set, IMG_PSTREE, 0, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_int_equal(img_create(set, IMG_PAGES, 3, &img), 0);
	assert_int_equal(img_close(img), 0);
	assert_int_equal(img_create(set, IMG_MM, 3, &img), 0);
	assert_int_equal(img_close(img), 0);
	commit(set, 3);
	imgset_close(set);
	umask(old);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[1024];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(stat(path, &st), 0);
		if ((st.st_mode & 07777) != 0600)
			fail_msg("%s: mode %o with umask %o", path, st.st_mode & 07777, mask);
	}
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	snprintf(dir, sizeof(dir), "%s/a", base);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	rm_rf(base);
}

static void test_modes(void **state)
{
	(void)state;
	check_modes(0);
	check_modes(0777);
	check_modes(022);
}

/* ---- a full filesystem ------------------------------------------------------------- */

static void test_enospc(void **state)
{
	char *base = make_tmpdir();
	char dir[512], filler[1024];
	static char path[2000];
	struct imgset *set;
	struct img *img;
	int err = 0, fd, i;

	(void)state;
	/* in a private mount namespace, so that a failed test leaves no mount behind */
	if (unshare(CLONE_NEWNS) == 0)
		assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
	if (mount("ckpt-test", base, "tmpfs", 0, "size=64k,mode=0700")) {
		int e = errno;

		rm_rf(base);
		if (e == EPERM)
			skip();
		fail_msg("mount tmpfs: %s", strerror(e));
	}
	snprintf(dir, sizeof(dir), "%s/set", base);
	memset(path, 'p', sizeof(path) - 1);

	/* 1: a stream of records: the error surfaces from a write (or the close) */
	assert_int_equal(imgset_create(dir, false, &set), 0);
	assert_int_equal(img_create(set, IMG_FILES, 0, &img), 0);
	for (i = 0; i < 1000 && !err; i++) {
		FileEntry f;

		fill_file(&f, i + 1, path);
		err = img_write_msg(img, &f.base);
	}
	log_clear_error();
	if (err) {
		FileEntry f;

		assert_int_equal(err, -ENOSPC);
		/* the error sticks, even once there is room again: the file has a hole */
		snprintf(filler, sizeof(filler), "%s/files.img", dir);
		assert_int_equal(truncate(filler, 0), 0);
		fill_file(&f, 1, "/");
		assert_int_equal(img_write_msg(img, &f.base), -ENOSPC);
		assert_null(log_first_error());		/* logged once, at the first failure */
		assert_int_equal(img_close(img), -ENOSPC);
	} else {
		assert_int_equal(img_close(img), -ENOSPC);
	}
	imgset_abort(set);
	assert_false(exists_in(dir, "files.img"));

	/* 2: a small image still in the buffer: img_close must report the full disk */
	assert_int_equal(imgset_create(dir, false, &set), 0);
	snprintf(filler, sizeof(filler), "%s/filler", base);
	fd = open(filler, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	while (write(fd, path, sizeof(path)) > 0)
		;
	assert_int_equal(errno, ENOSPC);
	close(fd);
	assert_int_equal(img_create(set, IMG_MOUNTINFO, 0, &img), 0);
	{
		MountinfoEntry me = MOUNTINFO_ENTRY__INIT;

		me.root = me.mountpoint = "/";
		me.fstype = "tmpfs";
		assert_int_equal(img_write_msg(img, &me.base), 0);
	}
	log_clear_error();
	assert_int_equal(img_close(img), -ENOSPC);
	assert_error_has("mountinfo.img: write at offset 0 failed: No space left on device");

	/* 3: nor does a commit on a full disk leave an inventory */
	{
		InventoryEntry inv = INVENTORY_ENTRY__INIT;

		inv.img_version = IMG_VERSION;
		assert_int_equal(imgset_commit(set, &inv.base), -ENOSPC);
	}
	assert_false(exists_in(dir, "inventory.img"));
	assert_false(exists_in(dir, "inventory.img.tmp"));
	imgset_abort(set);
	assert_false(exists_in(base, "set"));

	assert_int_equal(umount2(base, MNT_DETACH), 0);
	rm_rf(base);
}

int main(void)
{
	static struct op_error err;	/* these tests are one operation */

	log_set_op(&err);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_table),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_pagemap_and_pages),
		cmocka_unit_test_setup_teardown(test_valid_baseline, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_zero_length, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_header, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_header_only, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_length, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_body, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_length_too_big, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_file_magic, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_kind, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_wrong_version, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_garbage_body, bad_setup, bad_teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, bad_setup, bad_teardown),
		cmocka_unit_test(test_two_inventories),
		cmocka_unit_test(test_open_without_inventory),
		cmocka_unit_test(test_commit),
		cmocka_unit_test(test_abort),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_enospc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
