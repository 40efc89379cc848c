/*
 * Image sets as untrusted input: CRC-32C (table and SSE4.2 agree, known
 * value), checksums recorded at commit and verified at open, a FIFO or
 * symlink in place of an image refused without blocking, owner and mode of
 * a set for restore, the pure checks of the whole-set validation (pstree,
 * VMAs, pagemap runs, creds, relink names), and control bytes of image
 * strings escaped in error lines.
 * Run from the repository root: build/test/unit/test_validate
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/log.h"
#include "images/crc32c.h"
#include "images/image.h"
#include "images/image-show.h"
#include "images/validate.h"

#include "files.pb-c.h"
#include "inventory.pb-c.h"
#include "pstree.pb-c.h"

/* ---- helpers -------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[600];

	snprintf(tmpl, sizeof(tmpl), "%s/ckpt-test-validate-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
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

static void assert_error_has(const char *what)
{
	const char *e = log_first_error();

	if (!e || !strstr(e, what))
		fail_msg("error \"%s\" does not contain \"%s\"", e ? e : "(none)", what);
}

/* A set of files.img (two entries) and pages-7.img (two pages), committed. */
static void make_set(const char *dir)
{
	static unsigned char page[4096];
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	FileEntry f = FILE_ENTRY__INIT;
	struct imgset *set;
	struct img *img;

	assert_int_equal(imgset_create(dir, true, &set), 0);
	assert_int_equal(img_create(set, IMG_FILES, 0, &img), 0);
	f.kind = FILE_KIND__FILE_REG;
	f.path = "/etc/hostname";
	f.mode = 0100644;
	for (uint32_t id = 1; id <= 2; id++) {
		f.id = id;
		assert_int_equal(img_write_msg(img, &f.base), 0);
	}
	assert_int_equal(img_close(img), 0);
	assert_int_equal(img_create(set, IMG_PAGES, 7, &img), 0);
	for (int i = 0; i < 2; i++) {
		memset(page, 'a' + i, sizeof(page));
		assert_int_equal(write(img_raw_fd(img), page, sizeof(page)), sizeof(page));
	}
	assert_int_equal(img_close(img), 0);
	inv.img_version = IMG_VERSION;
	inv.root_pid = 7;
	inv.ntasks = 1;
	assert_int_equal(imgset_commit(set, &inv.base), 0);
	imgset_close(set);
}

static void flip_byte(const char *dir, const char *name, off_t at)
{
	char path[700];
	unsigned char b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	close(fd);
}

/* ---- crc32c --------------------------------------------------------------- */

static void test_crc32c(void **state)
{
	unsigned char *buf = malloc(70000);

	(void)state;
	/* the check value of CRC-32C */
	assert_int_equal(crc32c_final(crc32c(CRC32C_INIT, "123456789", 9)), 0xe3069283);
	assert_int_equal(crc32c_final(crc32c_sw(CRC32C_INIT, "123456789", 9)), 0xe3069283);
	for (size_t i = 0; i < 70000; i++)
		buf[i] = (unsigned char)(i * 2654435761u >> 13);
	/* every length and alignment path (the 3-way blocks are 6 KiB) agrees with the table */
	for (size_t len = 0; len < 70000; len = len * 3 / 2 + 1)
		for (size_t at = 0; at < 9 && at + len <= 70000; at += 3)
			assert_int_equal(crc32c(CRC32C_INIT, buf + at, len),
					 crc32c_sw(CRC32C_INIT, buf + at, len));
	/* streaming in pieces is the same as in one go */
	assert_int_equal(crc32c(crc32c(CRC32C_INIT, buf, 12345), buf + 12345, 70000 - 12345),
			 crc32c(CRC32C_INIT, buf, 70000));
	free(buf);
}

/* ---- checksums in the set ------------------------------------------------------ */

static void test_checksums(void **state)
{
	char *dir = make_tmpdir();
	const InventoryEntry *inv;
	struct imgset *set;
	struct img *img;

	(void)state;
	make_set(dir);
	assert_int_equal(imgset_open(dir, &set), 0);
	inv = imgset_inventory(set);
	assert_int_equal(inv->n_checksums, 2);
	assert_int_equal(img_open(set, IMG_FILES, 0, &img), 0);
	img_close(img);
	assert_int_equal(img_verify(set, IMG_PAGES, 7), 0);
	imgset_close(set);

	/* one bit of page data: the raw image fails its check, named */
	flip_byte(dir, "pages-7.img", 4096 + 4097);
	assert_int_equal(imgset_open(dir, &set), 0);
	log_clear_error();
	assert_int_equal(img_verify(set, IMG_PAGES, 7), -EBADMSG);
	assert_error_has("pages-7.img: checksum mismatch");
	imgset_close(set);
	flip_byte(dir, "pages-7.img", 4096 + 4097);

	/* one bit of a record: refused when opened, before any record is read */
	flip_byte(dir, "files.img", 20);
	assert_int_equal(imgset_open(dir, &set), 0);
	log_clear_error();
	assert_int_equal(img_open(set, IMG_FILES, 0, &img), -EBADMSG);
	assert_error_has("files.img: checksum mismatch");
	imgset_close(set);
	flip_byte(dir, "files.img", 20);

	/* a file the inventory does not list is not part of the set */
	{
		char from[700], to[700];

		snprintf(from, sizeof(from), "%s/pages-7.img", dir);
		snprintf(to, sizeof(to), "%s/pages-8.img", dir);
		assert_int_equal(link(from, to), 0);
	}
	assert_int_equal(imgset_open(dir, &set), 0);
	log_clear_error();
	assert_int_equal(img_verify(set, IMG_PAGES, 8), -EBADMSG);
	assert_error_has("pages-8.img: not in the inventory's checksums");
	imgset_close(set);
	rm_rf(dir);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("blocked opening an image");
}

/* A FIFO or symlink in place of an image: refused at once, named. */
static void test_not_regular(void **state)
{
	char *dir = make_tmpdir();
	char path[700];
	struct imgset *set;
	struct img *img;
	FILE *out;

	(void)state;
	make_set(dir);
	signal(SIGALRM, on_alarm);
	alarm(20);
	snprintf(path, sizeof(path), "%s/files.img", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(imgset_open(dir, &set), 0);
	log_clear_error();
	assert_int_equal(img_open(set, IMG_FILES, 0, &img), -EBADMSG);
	assert_error_has("files.img: not a regular file");
	imgset_close(set);
	/* and `ckpt show` of a set with a FIFO for its pstree */
	snprintf(path, sizeof(path), "%s/pstree.img", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	out = fopen("/dev/null", "w");
	log_clear_error();
	assert_int_equal(show_image_set(dir, out), -EBADMSG);
	assert_error_has("pstree.img: not a regular file");
	fclose(out);
	snprintf(path, sizeof(path), "%s/inventory.img", dir);

	/* the inventory too */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	log_clear_error();
	assert_int_equal(imgset_open(dir, &set), -EBADMSG);
	assert_error_has("inventory.img: not a regular file");

	/* a symlink is not followed */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	log_clear_error();
	assert_true(imgset_open(dir, &set) < 0);
	assert_error_has("inventory.img: cannot open");
	alarm(0);
	rm_rf(dir);
}

/* Restore's view: only the caller's own files, writable by nobody else. */
static void test_owner(void **state)
{
	char *dir = make_tmpdir();
	char path[700];
	struct imgset *set;
	struct img *img;

	(void)state;
	make_set(dir);
	assert_int_equal(imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set), 0);
	imgset_close(set);

	snprintf(path, sizeof(path), "%s/files.img", dir);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set), 0);
	log_clear_error();
	assert_int_equal(img_open(set, IMG_FILES, 0, &img), -EPERM);
	assert_error_has("files.img: writable by others (mode 0620)");
	imgset_close(set);
	/* without the check (--trust-images, show) it is read */
	assert_int_equal(imgset_open(dir, &set), 0);
	assert_int_equal(img_open(set, IMG_FILES, 0, &img), 0);
	img_close(img);
	imgset_close(set);
	assert_int_equal(chmod(path, 0600), 0);

	if (geteuid() == 0) {
		assert_int_equal(chown(path, 1000, 1000), 0);
		assert_int_equal(imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set), 0);
		log_clear_error();
		assert_int_equal(img_open(set, IMG_FILES, 0, &img), -EPERM);
		assert_error_has("files.img: owned by uid 1000, not by the restoring uid 0");
		imgset_close(set);
		assert_int_equal(chown(dir, 1000, 1000), 0);
		log_clear_error();
		assert_int_equal(imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set), -EPERM);
		assert_error_has("owned by uid 1000");
	}
	assert_int_equal(chmod(dir, 0777), 0);
	log_clear_error();
	assert_int_equal(imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set), -EPERM);
	rm_rf(dir);
}

/* ---- pstree --------------------------------------------------------------------- */

struct tree {
	PstreeEntry e[4];
	PstreeEntry *v[4];
	uint32_t tids[4][3];
};

/* root 10 (threads 10, 11), child 20, child 30 of 20 (zombie) */
static void tree_init(struct tree *t)
{
	static const uint32_t pids[] = { 10, 20, 30 }, ppids[] = { 1, 10, 20 };

	for (int i = 0; i < 3; i++) {
		pstree_entry__init(&t->e[i]);
		t->e[i].pid = pids[i];
		t->e[i].ppid = ppids[i];
		t->e[i].state = TASK_STATE__TASK_ALIVE;
		t->tids[i][0] = pids[i];
		t->e[i].threads = t->tids[i];
		t->e[i].n_threads = 1;
		t->v[i] = &t->e[i];
	}
	t->tids[0][1] = 11;
	t->e[0].n_threads = 2;
	t->e[2].state = TASK_STATE__TASK_ZOMBIE;
	t->e[2].n_threads = 0;
}

static int check_tree(struct tree *t, size_t n)
{
	log_clear_error();
	return validate_pstree(t->v, n, 10);
}

static void test_pstree(void **state)
{
	struct tree t;

	(void)state;
	tree_init(&t);
	assert_int_equal(check_tree(&t, 3), 0);

	/* a thread id that is another task's pid (restore stalled 60 s on it) */
	tree_init(&t);
	t.tids[0][1] = 20;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_error_has("pstree.img: id 20 is twice in the tree");
	/* the same tid twice in one task */
	tree_init(&t);
	t.tids[0][1] = 10;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_error_has("id 10 is twice");
	/* the same pid twice */
	tree_init(&t);
	t.e[2].pid = 20;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	/* a parent that is not in the tree */
	tree_init(&t);
	t.e[2].ppid = 99;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_error_has("pid 30: parent 99 is not an earlier task of the tree");
	/* a cycle: 20's parent is 30, 30's is 20 */
	tree_init(&t);
	t.e[1].ppid = 30;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_error_has("pid 20: parent 30 is not an earlier task");
	/* the root's parent inside the tree */
	tree_init(&t);
	t.e[0].ppid = 30;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_error_has("root 10: its parent 30 is in the tree");
	/* another root than the inventory's */
	tree_init(&t);
	log_clear_error();
	assert_int_equal(validate_pstree(t.v, 3, 11), -EBADMSG);
	/* a live task without threads, a first thread that is not the task, ids out of range */
	tree_init(&t);
	t.e[1].n_threads = 0;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	tree_init(&t);
	t.tids[1][0] = 21;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	tree_init(&t);
	t.tids[0][1] = PID_MAX_LIMIT;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	tree_init(&t);
	t.e[1].pid = 0;
	assert_int_equal(check_tree(&t, 3), -EBADMSG);
	assert_int_equal(check_tree(&t, 0), -EBADMSG);
}

/* ---- VMAs and pagemap runs ------------------------------------------------------ */

static void test_runs(void **state)
{
	VmaEntry v[3], *vp[3] = { &v[0], &v[1], &v[2] };
	PagemapEntry r[3], *rp[3] = { &r[0], &r[1], &r[2] };
	MmEntry mm = MM_ENTRY__INIT;

	(void)state;
	for (int i = 0; i < 3; i++) {
		vma_entry__init(&v[i]);
		pagemap_entry__init(&r[i]);
	}
	/* [0x10000, 0x14000) [0x14000, 0x16000) [0x20000, 0x21000) */
	v[0].start = 0x10000, v[0].end = 0x14000;
	v[1].start = 0x14000, v[1].end = 0x16000;
	v[2].start = 0x20000, v[2].end = 0x21000;
	mm.vmas = vp;
	mm.n_vmas = 3;
	assert_int_equal(validate_vmas(&mm, 5), 0);
	r[0].vaddr = 0x11000, r[0].nr_pages = 4;	/* across two adjacent VMAs */
	r[1].vaddr = 0x20000, r[1].nr_pages = 1;
	assert_int_equal(validate_runs(rp, 2, 5, &mm, 5), 0);

	log_clear_error();
	assert_int_equal(validate_runs(rp, 2, 6, &mm, 5), -EBADMSG);
	assert_error_has("pagemap-5.img: the runs hold 5 pages, the head says 6");
	r[1].nr_pages = 2;	/* past the last VMA */
	log_clear_error();
	assert_int_equal(validate_runs(rp, 2, 6, &mm, 5), -EBADMSG);
	assert_error_has("page 0x21000 is in no VMA");
	r[1].nr_pages = 1;
	r[1].vaddr = 0x16000;	/* in the hole */
	assert_int_equal(validate_runs(rp, 2, 5, &mm, 5), -EBADMSG);
	r[1].vaddr = 0x12000;	/* overlapping the first run */
	assert_int_equal(validate_runs(rp, 2, 5, &mm, 5), -EBADMSG);
	r[1].vaddr = 0x20000;
	r[1].nr_pages = UINT64_MAX / 4096;	/* wraps around */
	assert_int_equal(validate_runs(rp, 2, 4, &mm, 5), -EBADMSG);
	r[1].nr_pages = 0;
	assert_int_equal(validate_runs(rp, 2, 4, &mm, 5), -EBADMSG);
	r[1].nr_pages = 1;
	r[1].vaddr = 0x20010;	/* unaligned */
	assert_int_equal(validate_runs(rp, 2, 5, &mm, 5), -EBADMSG);

	v[1].start = 0x13000;	/* overlapping VMAs */
	log_clear_error();
	assert_int_equal(validate_vmas(&mm, 5), -EBADMSG);
	assert_error_has("mm-5.img: vma 1");
	v[1].start = 0x14000;
	v[2].end = 0x20000;	/* empty */
	assert_int_equal(validate_vmas(&mm, 5), -EBADMSG);
}

/* ---- creds and relink names ------------------------------------------------------ */

static void test_creds(void **state)
{
	static const gid_t groups[] = { 1000, 27 };
	uint32_t sup[] = { 27 };
	CredsEntry c = CREDS_ENTRY__INIT;

	(void)state;
	c.uid = c.euid = c.suid = c.fsuid = 1000;
	c.gid = c.egid = c.sgid = c.fsgid = 1000;
	c.groups = sup;
	c.n_groups = 1;
	c.cap_bnd = ~0ull;
	assert_int_equal(validate_creds(&c, 42, 1000, groups, 2), 0);
	/* root's set may ask for anything */
	c.euid = 0;
	c.cap_eff = c.cap_prm = ~0ull;
	assert_int_equal(validate_creds(&c, 42, 0, groups, 2), 0);
	log_clear_error();
	assert_int_equal(validate_creds(&c, 42, 1000, groups, 2), -EPERM);
	assert_error_has("core-42.img: pid 42 asks for uid 0, the set's owner is uid 1000");
	c.euid = 1000;
	log_clear_error();
	assert_int_equal(validate_creds(&c, 42, 1000, groups, 2), -EPERM);
	assert_error_has("asks for capabilities");
	c.cap_eff = c.cap_prm = 0;
	sup[0] = 0;
	log_clear_error();
	assert_int_equal(validate_creds(&c, 42, 1000, groups, 2), -EPERM);
	assert_error_has("asks for gid 0, not a group of the set's owner uid 1000");
	sup[0] = 27;
	c.n_groups = 0;
	c.groups = NULL;	/* no supplementary groups at all */
	assert_int_equal(validate_creds(&c, 42, 1000, groups, 2), 0);
}

static void test_relink_names(void **state)
{
	(void)state;
	assert_true(relink_name_ok("/tmp/d/.ckpt-link-1a2b-3"));
	assert_true(relink_name_ok("/.ckpt-link-1a2b-3"));
	assert_false(relink_name_ok("/etc/passwd"));
	assert_false(relink_name_ok("/tmp/.ckpt-link-"));
	assert_false(relink_name_ok("tmp/.ckpt-link-x"));
	assert_false(relink_name_ok("/tmp/.ckpt-link-x/../../etc/passwd"));
	assert_false(relink_name_ok("/tmp/.ckpt-link-x/passwd"));
	assert_false(relink_name_ok(NULL));
}

/* ---- error lines ---------------------------------------------------------------- */

static void test_escape(void **state)
{
	(void)state;
	log_clear_error();
	pr_err("%s: cannot open", "/tmp/a\x1b]0;owned\x07\x1b[2J\nckpt: restore ok\xff\xc2\x9b\xc3\xa9");
	assert_string_equal(log_first_error(),
			    "/tmp/a\\x1b]0;owned\\x07\\x1b[2J\\x0ackpt: restore ok\\xff\\xc2\\x9b\xc3\xa9: cannot open");
}

int main(void)
{
	static struct op_error err;	/* these tests are one operation */

	log_set_op(&err);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_checksums),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_pstree),
		cmocka_unit_test(test_runs),
		cmocka_unit_test(test_creds),
		cmocka_unit_test(test_relink_names),
		cmocka_unit_test(test_escape),
	};

	log_init(NULL, LOG_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
