/*
 * `ckpt show` on a synthetic image set written through the images API: the
 * JSON document is checked with jq, key by key, and bad sets must fail with
 * one clear error and no output.
 * Run from the repository root: build/test/unit/test_image_show (needs jq).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "common/log.h"
#include "images/image.h"
#include "images/image-show.h"

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "files.pb-c.h"
#include "fs.pb-c.h"
#include "inventory.pb-c.h"
#include "mm.pb-c.h"
#include "mountinfo.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

#define WEIRD_PATH "/tmp/we\"ird\\\n\t\x01\xc3\xa9\xff.txt"

/* Ways to spoil the generated set. */
enum {
	GEN_BAD_FILE_ID = 1 << 0,	/* an fd names a file id files.img lacks */
	GEN_BAD_PAGE_SUM = 1 << 1,	/* pagemap runs disagree with the head */
	GEN_TWO_FS = 1 << 2,		/* fs-100.img holds two records */
	GEN_DUP_FILE_ID = 1 << 3,	/* two files with one id */
};

/* ---- helpers ---------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/ckpt-test-show-XXXXXX";

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

static void write_msgs(struct imgset *set, enum img_kind kind, uint32_t id,
		       const ProtobufCMessage *const *msgs, size_t n)
{
	struct img *img;

	assert_int_equal(img_create(set, kind, id, &img), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(img_write_msg(img, msgs[i]), 0);
	assert_int_equal(img_close(img), 0);
}

#define WRITE(set, kind, id, ...) do { \
	const ProtobufCMessage *__m[] = { __VA_ARGS__ }; \
	write_msgs(set, kind, id, __m, sizeof(__m) / sizeof(__m[0])); \
} while (0)

/* ---- the generator ----------------------------------------------------------- */

static void gen_core(struct imgset *set, uint32_t pid, const uint32_t *tids, size_t ntids)
{
	static unsigned char xsave[832], siginfo[128];
	static uint32_t groups[] = { 4, 27 };
	TaskCoreEntry core = TASK_CORE_ENTRY__INIT;
	ThreadCoreEntry th[4], *thp[4];
	UserX86RegsEntry regs[4];
	SigactionEntry sa = SIGACTION_ENTRY__INIT, *sap = &sa;
	SiginfoEntry si = SIGINFO_ENTRY__INIT, *sip = &si;
	CredsEntry creds = CREDS_ENTRY__INIT;

	assert_true(ntids <= 4);
	for (size_t i = 0; i < ntids; i++) {
		user_x86_regs_entry__init(&regs[i]);
		regs[i].ip = 0x401000 + i;
		regs[i].sp = 0x7ffd00001000ull - i * 0x1000;
		regs[i].ax = (uint64_t)-38;	/* -ENOSYS, as a u64 */
		thread_core_entry__init(&th[i]);
		th[i].tid = tids[i];
		th[i].gpregs = &regs[i];
		th[i].xsave.data = xsave;
		th[i].xsave.len = sizeof(xsave);
		th[i].sigmask = 1ull << 9;
		th[i].comm = i ? "worker" : NULL;
		thp[i] = &th[i];
	}
	sa.sig = 10;
	sa.handler = 0x401234;
	sa.flags = 0x04000000;
	si.siginfo.data = siginfo;
	si.siginfo.len = sizeof(siginfo);
	creds.uid = creds.euid = creds.suid = creds.fsuid = 1000;
	creds.n_groups = 2;
	creds.groups = groups;
	creds.cap_bnd = 0x1ffffffffffull;
	creds.has_no_new_privs = true;
	creds.no_new_privs = true;

	core.pid = pid;
	core.n_threads = ntids;
	core.threads = thp;
	core.n_sigactions = 1;
	core.sigactions = &sap;
	core.creds = &creds;
	core.umask = 022;
	core.n_shared_pending = 1;
	core.shared_pending = &sip;
	core.comm = "app";
	core.has_nice = true;
	core.nice = -5;
	WRITE(set, IMG_CORE, pid, &core.base);
}

static void gen_mm(struct imgset *set, uint32_t pid)
{
	static uint64_t auxv[] = { 6, 4096, 0, 0 };
	MmEntry mm = MM_ENTRY__INIT;
	VmaEntry v[2], *vp[2] = { &v[0], &v[1] };

	vma_entry__init(&v[0]);
	v[0].start = 0x400000;
	v[0].end = 0x401000;
	v[0].prot = 5;
	v[0].flags = 2;
	v[0].kind = VMA_KIND__VMA_FILE_PRIVATE;
	v[0].vmflags = "rd ex mr mw me";
	v[0].has_file_id = true;
	v[0].file_id = 1;
	v[0].name = "/usr/bin/app";
	vma_entry__init(&v[1]);
	v[1].start = 0x7ffd0000;
	v[1].end = 0x7ffd2000;
	v[1].prot = 3;
	v[1].flags = 0x22 | 0x100;
	v[1].kind = VMA_KIND__VMA_STACK;
	v[1].vmflags = "rd wr mr mw me gd ac";
	v[1].name = "[stack]";

	mm.pid = pid;
	mm.mm_start_code = 0x400000;
	mm.mm_brk = 0x1000000;
	mm.n_auxv = 4;
	mm.auxv = auxv;
	mm.exe_path = "/usr/bin/app";
	mm.n_vmas = 2;
	mm.vmas = vp;
	WRITE(set, IMG_MM, pid, &mm.base);
}

static void gen_pages(struct imgset *set, uint32_t pid, bool with_pages, unsigned flags)
{
	PagemapHead head = PAGEMAP_HEAD__INIT;
	PagemapEntry r1 = PAGEMAP_ENTRY__INIT, r2 = PAGEMAP_ENTRY__INIT;
	static unsigned char page[4096];
	struct img *img;
	int fd;

	head.pid = pid;
	if (!with_pages) {
		WRITE(set, IMG_PAGEMAP, pid, &head.base);
		return;
	}
	head.nr_pages = 3;
	r1.vaddr = 0x400000;
	r1.nr_pages = 1;
	r2.vaddr = 0x7ffd0000;
	r2.nr_pages = flags & GEN_BAD_PAGE_SUM ? 3 : 2;
	WRITE(set, IMG_PAGEMAP, pid, &head.base, &r1.base, &r2.base);

	assert_int_equal(img_create(set, IMG_PAGES, pid, &img), 0);
	fd = img_raw_fd(img);
	for (int i = 0; i < 3; i++)
		assert_int_equal(write(fd, page, sizeof(page)), sizeof(page));
	assert_int_equal(img_close(img), 0);
}

static void gen_fs(struct imgset *set, uint32_t pid, unsigned flags)
{
	FsEntry fs = FS_ENTRY__INIT;

	fs.pid = pid;
	fs.cwd = "/home/user";
	fs.root = "/";
	if (pid == 100 && (flags & GEN_TWO_FS))
		WRITE(set, IMG_FS, pid, &fs.base, &fs.base);
	else
		WRITE(set, IMG_FS, pid, &fs.base);
}

static void gen_fds(struct imgset *set, uint32_t pid, const uint32_t (*fds)[3], size_t n)
{
	FdEntry e[8];
	const ProtobufCMessage *m[8];
	struct img *img;

	assert_true(n <= 8);
	for (size_t i = 0; i < n; i++) {
		fd_entry__init(&e[i]);
		e[i].fd = fds[i][0];
		e[i].file_id = fds[i][1];
		e[i].cloexec = fds[i][2];
		m[i] = &e[i].base;
	}
	assert_int_equal(img_create(set, IMG_FDINFO, pid, &img), 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(img_write_msg(img, m[i]), 0);
	assert_int_equal(img_close(img), 0);
}

static void gen_files(struct imgset *set, unsigned flags)
{
	static unsigned char pipe_data[5] = "hello";
	FileEntry f[4];
	FownEntry fown = FOWN_ENTRY__INIT;

	for (int i = 0; i < 4; i++) {
		file_entry__init(&f[i]);
		f[i].id = i + 1;
		f[i].pos = -1;
		f[i].mnt_id = 21;
	}
	f[0].kind = FILE_KIND__FILE_REG;
	f[0].path = "/var/log/app.log";
	f[0].flags = 02 | 02000;
	f[0].pos = 123;
	f[0].mode = 0100640;
	f[0].ino = 0xfedcba9876543210ull;
	f[0].size = 4096;
	fown.pid = 100;
	fown.pid_type = 1;
	fown.signum = 29;
	f[0].fown = &fown;

	f[1].kind = FILE_KIND__FILE_PIPE;
	f[1].path = "pipe:[4242]";
	f[1].mode = 010600;
	f[1].has_pipe_id = true;
	f[1].pipe_id = 4242;
	f[1].has_pipe_data = true;
	f[1].pipe_data.data = pipe_data;
	f[1].pipe_data.len = sizeof(pipe_data);

	f[2].kind = FILE_KIND__FILE_REG;
	f[2].path = WEIRD_PATH;
	f[2].pos = 0;
	f[2].mnt_id = 22;
	f[2].has_deleted = true;
	f[2].deleted = true;
	f[2].has_nlink = true;
	f[2].nlink = 0;

	f[3].kind = FILE_KIND__FILE_CHR;
	f[3].path = "/dev/null";
	f[3].mode = 020666;
	f[3].has_rdev = true;
	f[3].rdev = 0x103;
	if (flags & GEN_DUP_FILE_ID)
		f[3].id = 2;
	WRITE(set, IMG_FILES, 0, &f[0].base, &f[1].base, &f[2].base, &f[3].base);
}

/*
 * A complete set: root 100 (threads 100, 101), its child 102, and a zombie
 * 103 that has no per-task images.
 */
static void gen_set(const char *dir, unsigned flags)
{
	static const uint32_t t100[] = { 100, 101 }, t102[] = { 102 }, t103[] = { 103 };
	static const uint32_t fds100[][3] = { { 0, 4, 0 }, { 1, 1, 0 }, { 3, 2, 1 } };
	static const uint32_t fds102[][3] = { { 0, 3, 0 }, { 5, 1, 1 } };
	static const uint32_t fds_bad[][3] = { { 0, 3, 0 }, { 9, 77, 0 } };
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	PstreeEntry p[3];
	MountinfoEntry mi[2];
	struct imgset *set;

	assert_int_equal(imgset_create(dir, true, &set), 0);

	for (int i = 0; i < 2; i++)
		mountinfo_entry__init(&mi[i]);
	mi[0].mnt_id = 21;
	mi[0].parent_id = 1;
	mi[0].major = 8;
	mi[0].minor = 1;
	mi[0].root = "/";
	mi[0].mountpoint = "/";
	mi[0].fstype = "ext4";
	mi[0].source = "/dev/sda1";
	mi[1].mnt_id = 22;
	mi[1].parent_id = 21;
	mi[1].minor = 40;
	mi[1].root = "/";
	mi[1].mountpoint = "/tmp";
	mi[1].fstype = "tmpfs";
	mi[1].has_fs_magic = true;
	mi[1].fs_magic = 0x01021994;
	WRITE(set, IMG_MOUNTINFO, 0, &mi[0].base, &mi[1].base);

	gen_files(set, flags);

	for (int i = 0; i < 3; i++) {
		pstree_entry__init(&p[i]);
		p[i].pgid = p[i].sid = 100;
		p[i].state = TASK_STATE__TASK_ALIVE;
	}
	p[0].pid = 100;
	p[0].n_threads = 2;
	p[0].threads = (uint32_t *)t100;
	p[0].comm = "app";
	p[1].pid = 102;
	p[1].ppid = 100;
	p[1].n_threads = 1;
	p[1].threads = (uint32_t *)t102;
	p[2].pid = 103;
	p[2].ppid = 100;
	p[2].n_threads = 1;
	p[2].threads = (uint32_t *)t103;
	p[2].state = TASK_STATE__TASK_ZOMBIE;
	p[2].has_exit_code = true;
	p[2].exit_code = 3 << 8;
	WRITE(set, IMG_PSTREE, 0, &p[0].base, &p[1].base, &p[2].base);

	gen_core(set, 100, t100, 2);
	gen_mm(set, 100);
	gen_pages(set, 100, true, flags);
	gen_fs(set, 100, flags);
	gen_fds(set, 100, fds100, 3);

	gen_core(set, 102, t102, 1);
	gen_mm(set, 102);
	gen_pages(set, 102, false, flags);
	gen_fs(set, 102, flags);
	if (flags & GEN_BAD_FILE_ID)
		gen_fds(set, 102, fds_bad, 2);
	else
		gen_fds(set, 102, fds102, 2);

	inv.img_version = IMG_VERSION;
	inv.root_pid = 100;
	inv.ntasks = 3;
	inv.has_dump_time_ns = true;
	inv.dump_time_ns = 1700000000123456789ull;
	inv.kernel = "6.18.0";
	inv.has_page_size = true;
	inv.page_size = 4096;
	inv.has_leave_running = true;
	inv.leave_running = false;
	assert_int_equal(imgset_commit(set, &inv.base), 0);
	imgset_close(set);
}

/* ---- running show -------------------------------------------------------------- */

struct fixture {
	char *dir;
	char json[512];		/* show's output */
	char prog[512];		/* a jq program */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	fx->dir = make_tmpdir();
	snprintf(fx->json, sizeof(fx->json), "%s.json", fx->dir);
	snprintf(fx->prog, sizeof(fx->prog), "%s.jq", fx->dir);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->json);
	unlink(fx->prog);
	rm_rf(fx->dir);
	free(fx);
	return 0;
}

static unsigned show_flags;	/* test_show_fuzz: IMGSET_NO_CHECKSUMS, to reach the decoder */

/* show into fx->json: its result; the file's size in *size. */
static int run_show(struct fixture *fx, long *size)
{
	FILE *f = fopen(fx->json, "w");
	struct stat st;
	int r;

	assert_non_null(f);
	log_clear_error();
	r = show_image_set_flags(fx->dir, show_flags, f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stat(fx->json, &st), 0);
	*size = st.st_size;
	return r;
}

static int sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The jq expression must hold (jq -e) on show's output. */
static void jq_true(struct fixture *fx, const char *expr)
{
	char cmd[2048];
	FILE *f = fopen(fx->prog, "w");

	assert_non_null(f);
	fputs(expr, f);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd), "jq -e -f '%s' '%s' >/dev/null", fx->prog, fx->json);
	if (sh(cmd) != 0)
		fail_msg("jq: %s: not true", expr);
}

static void assert_error_has(const char *what)
{
	const char *e = log_first_error();

	assert_non_null(e);
	if (!strstr(e, what))
		fail_msg("error \"%s\" does not contain \"%s\"", e, what);
}

static bool have_jq(void)
{
	return sh("jq --version >/dev/null 2>&1") == 0;
}

/* ---- tests -------------------------------------------------------------------- */

static void test_show_full(void **state)
{
	struct fixture *fx = *state;
	char *text;
	long size;
	FILE *f;

	gen_set(fx->dir, 0);
	assert_int_equal(run_show(fx, &size), 0);
	assert_null(log_first_error());
	assert_true(size > 0);
	if (!have_jq())
		skip();

	/* one valid document with exactly these top-level keys */
	jq_true(fx, "keys == [\"files\", \"inventory\", \"mountinfo\", \"tasks\"]");

	jq_true(fx, ".inventory | .img_version == 1 and .root_pid == 100 and .ntasks == 3"
		    " and .kernel == \"6.18.0\" and .page_size == 4096 and .leave_running == false");
	jq_true(fx, ".inventory | has(\"shell_job\") | not");

	jq_true(fx, ".mountinfo | length == 2");
	jq_true(fx, ".mountinfo[0] | .mnt_id == 21 and .fstype == \"ext4\" and .source == \"/dev/sda1\""
		    " and (has(\"fs_magic\") | not)");
	jq_true(fx, ".mountinfo[1] | .mountpoint == \"/tmp\" and .fs_magic == 16914836"
		    " and (has(\"source\") | not)");

	/* files: enums by name, bytes by length, optional fields only when set */
	jq_true(fx, ".files | map(.id) == [1, 2, 3, 4]");
	jq_true(fx, ".files | map(.kind) == [\"FILE_REG\", \"FILE_PIPE\", \"FILE_REG\", \"FILE_CHR\"]");
	jq_true(fx, ".files[0] | .path == \"/var/log/app.log\" and .flags == 1026 and .pos == 123"
		    " and .mode == 33184 and .fown == {\"pid\": 100, \"pid_type\": 1, \"signum\": 29}");
	jq_true(fx, ".files[0] as $f | [\"dev\", \"rdev\", \"nlink\", \"deleted\", \"pipe_id\", \"pipe_data\"]"
		    " | map(. as $k | $f | has($k)) | any | not");
	jq_true(fx, ".files[1] | .pipe_id == 4242 and .pipe_data == {\"bytes\": 5} and .pos == -1");
	jq_true(fx, ".files[2] | .path == \"/tmp/we\\\"ird\\\\\\n\\t\\u0001\\u00e9\\ufffd.txt\""
		    " and .deleted == true and .nlink == 0");
	jq_true(fx, ".files[3] | .rdev == 259 and .path == \"/dev/null\"");

	/* tasks in pstree order, pstree fields first */
	jq_true(fx, ".tasks | map(.pid) == [100, 102, 103]");
	jq_true(fx, ".tasks | map(.state) == [\"TASK_ALIVE\", \"TASK_ALIVE\", \"TASK_ZOMBIE\"]");
	jq_true(fx, ".tasks[0] | .ppid == 0 and .pgid == 100 and .sid == 100 and .threads == [100, 101]"
		    " and .comm == \"app\" and (has(\"exit_code\") | not)");
	jq_true(fx, ".tasks[0] | keys_unsorted == [\"pid\", \"ppid\", \"pgid\", \"sid\", \"threads\","
		    " \"state\", \"comm\", \"core\", \"mm\", \"pagemap\", \"fs\", \"fds\"]");
	jq_true(fx, ".tasks[2] | .exit_code == 768 and keys_unsorted == [\"pid\", \"ppid\", \"pgid\","
		    " \"sid\", \"threads\", \"state\", \"exit_code\"]");

	/* core */
	jq_true(fx, ".tasks[0].core | .pid == 100 and .umask == 18 and .comm == \"app\" and .nice == -5");
	jq_true(fx, ".tasks[0].core.threads | map(.tid) == [100, 101]");
	jq_true(fx, ".tasks[0].core.threads[0] | .xsave == {\"bytes\": 832} and .gpregs.ip == 4198400"
		    " and .sigmask == 512 and (has(\"comm\") | not) and (has(\"altstack\") | not)");
	jq_true(fx, ".tasks[0].core.threads[1] | .comm == \"worker\" and .gpregs.ip == 4198401"
		    " and .pending == []");
	jq_true(fx, ".tasks[0].core.sigactions == [{\"sig\": 10, \"handler\": 4198964,"
		    " \"flags\": 67108864, \"restorer\": 0, \"mask\": 0}]");
	jq_true(fx, ".tasks[0].core.shared_pending == [{\"siginfo\": {\"bytes\": 128}}]");
	jq_true(fx, ".tasks[0].core.creds | .uid == 1000 and .groups == [4, 27] and .no_new_privs == true"
		    " and (has(\"cap_amb\") | not)");
	jq_true(fx, ".tasks[1].core.threads | length == 1");

	/* mm */
	jq_true(fx, ".tasks[0].mm | .pid == 100 and .exe_path == \"/usr/bin/app\" and .auxv == [6, 4096, 0, 0]");
	jq_true(fx, ".tasks[0].mm.vmas | map(.kind) == [\"VMA_FILE_PRIVATE\", \"VMA_STACK\"]");
	jq_true(fx, ".tasks[0].mm.vmas[0] | .start == 4194304 and .end == 4198400 and .file_id == 1"
		    " and .vmflags == \"rd ex mr mw me\"");
	jq_true(fx, ".tasks[0].mm.vmas[1] | .name == \"[stack]\" and (has(\"file_id\") | not)");

	/* pagemap */
	jq_true(fx, ".tasks[0].pagemap == {\"pid\": 100, \"nr_pages\": 3, \"runs\":"
		    " [{\"vaddr\": 4194304, \"nr_pages\": 1}, {\"vaddr\": 2147287040, \"nr_pages\": 2}]}");
	jq_true(fx, ".tasks[1].pagemap == {\"pid\": 102, \"nr_pages\": 0, \"runs\": []}");

	/* fs */
	jq_true(fx, ".tasks[0].fs == {\"pid\": 100, \"cwd\": \"/home/user\", \"root\": \"/\"}");

	/* fds: the fd's own fields, then its file's */
	jq_true(fx, ".tasks[0].fds | map(.fd) == [0, 1, 3]");
	jq_true(fx, ".tasks[0].fds[1] | keys_unsorted[0:5] == [\"fd\", \"file_id\", \"cloexec\", \"locks\", \"id\"]");
	jq_true(fx, ".tasks[0].fds[1] | .fd == 1 and .cloexec == false and .file_id == 1 and .id == 1"
		    " and .kind == \"FILE_REG\" and .path == \"/var/log/app.log\" and .flags == 1026"
		    " and .pos == 123 and .fown.signum == 29");
	jq_true(fx, ".tasks[0].fds[2] | .cloexec == true and .kind == \"FILE_PIPE\" and .pipe_data.bytes == 5");
	jq_true(fx, ".tasks[0].fds[0] | .kind == \"FILE_CHR\" and .path == \"/dev/null\"");
	jq_true(fx, ".tasks[1].fds | map([.fd, .file_id, .kind]) =="
		    " [[0, 3, \"FILE_REG\"], [5, 1, \"FILE_REG\"]]");

	/* 64-bit values exactly (jq itself would round them to doubles) */
	f = fopen(fx->json, "r");
	text = calloc(1, size + 1);
	assert_int_equal(fread(text, 1, size, f), size);
	fclose(f);
	assert_non_null(strstr(text, "\"dump_time_ns\": 1700000000123456789,"));
	assert_non_null(strstr(text, "\"ino\": 18364758544493064720,"));
	assert_non_null(strstr(text, "\"ax\": 18446744073709551578,"));
	assert_non_null(strstr(text, "\"cap_bnd\": 2199023255551,"));
	assert_int_equal(text[size - 1], '\n');
	free(text);
}

/* A bad set: show fails with this error and writes nothing. */
static void expect_failure(struct fixture *fx, int err, const char *what)
{
	long size = -1;

	assert_int_equal(run_show(fx, &size), err);
	assert_int_equal(size, 0);
	assert_error_has(what);
}

static void test_show_no_set(void **state)
{
	struct fixture *fx = *state;
	char want[600];

	snprintf(want, sizeof(want), "%s: no inventory.img: not an image set (or an unfinished dump)",
		 fx->dir);
	expect_failure(fx, -ENOENT, want);
	gen_set(fx->dir, 0);
	unlink(strcat(strcpy(want, fx->dir), "/pstree.img"));
	expect_failure(fx, -ENOENT, "/pstree.img: missing");
}

static void test_show_missing_task_image(void **state)
{
	struct fixture *fx = *state;
	static const char *names[] = {
		"core-102.img", "mm-102.img", "pagemap-102.img", "fs-102.img", "fdinfo-100.img",
		"pages-100.img",
	};
	char path[600];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		gen_set(fx->dir, 0);
		snprintf(path, sizeof(path), "%s/%s", fx->dir, names[i]);
		assert_int_equal(unlink(path), 0);
		strcat(path, ": missing");
		expect_failure(fx, -ENOENT, path);
	}
}

static void test_show_bad_contents(void **state)
{
	struct fixture *fx = *state;
	char path[600];
	int fd;

	gen_set(fx->dir, GEN_BAD_FILE_ID);
	expect_failure(fx, -EBADMSG, "fdinfo-102.img: fd 9 names file id 77, files.img has 1..4");

	gen_set(fx->dir, GEN_BAD_PAGE_SUM);
	/* the third page of the run is past the stack VMA (test_validate checks the sum alone) */
	expect_failure(fx, -EBADMSG, "pagemap-100.img: run 1: page 0x7ffd2000 is in no VMA of mm-100.img");

	gen_set(fx->dir, GEN_TWO_FS);
	expect_failure(fx, -EBADMSG, "fs-100.img: 2 records, expected one");

	gen_set(fx->dir, GEN_DUP_FILE_ID);
	expect_failure(fx, -EBADMSG, "files.img: file id 2 where 4 was due");

	/* the pages image shorter than the pagemap says */
	gen_set(fx->dir, 0);
	snprintf(path, sizeof(path), "%s/pages-100.img", fx->dir);
	assert_int_equal(truncate(path, 4096 + 2 * 4096 + 100), 0);
	expect_failure(fx, -ENODATA, "pages-100.img: 12388 bytes, too short for the 3 pages");

	/* garbage in one record: its checksum no longer matches */
	gen_set(fx->dir, 0);
	snprintf(path, sizeof(path), "%s/mm-102.img", fx->dir);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 20), 4);
	close(fd);
	expect_failure(fx, -EBADMSG, "mm-102.img: checksum mismatch");
	/* and without checksums, the decoder's own error */
	show_flags = IMGSET_NO_CHECKSUMS;
	expect_failure(fx, -EBADMSG, "mm-102.img: offset 12: record 0 is not a valid mm_entry message");
	show_flags = 0;

	/* an empty single-record image */
	gen_set(fx->dir, 0);
	snprintf(path, sizeof(path), "%s/core-100.img", fx->dir);
	assert_int_equal(truncate(path, 12), 0);
	expect_failure(fx, -EBADMSG, "core-100.img: 12 bytes, the inventory says");
	show_flags = IMGSET_NO_CHECKSUMS;
	expect_failure(fx, -EBADMSG, "core-100.img: 0 records, expected one");
	show_flags = 0;
}

static void test_show_optional_globals(void **state)
{
	struct fixture *fx = *state;
	char path[600];
	long size;

	gen_set(fx->dir, 0);
	snprintf(path, sizeof(path), "%s/mountinfo.img", fx->dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(run_show(fx, &size), 0);
	if (have_jq())
		jq_true(fx, ".mountinfo == [] and (.files | length) == 4");

	/* without files.img, an fd has nothing to refer to */
	snprintf(path, sizeof(path), "%s/files.img", fx->dir);
	assert_int_equal(unlink(path), 0);
	expect_failure(fx, -EBADMSG, "mm-100.img: a VMA names file id 1, files.img has 1..0");
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Mangled sets: show succeeds with valid JSON or fails cleanly, never crashes. */
static void test_show_fuzz(void **state)
{
	static const char *names[] = {
		"inventory.img", "pstree.img", "files.img", "mountinfo.img", "core-100.img",
		"mm-100.img", "pagemap-100.img", "pages-100.img", "fs-100.img", "fdinfo-100.img",
		"core-102.img", "fdinfo-102.img",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct fixture *fx = *state;
	unsigned char *orig[N], *c;
	size_t len[N];
	char path[N][600];
	int ok = 0, failed = 0;

	gen_set(fx->dir, 0);
	for (int i = 0; i < N; i++) {
		struct stat st;
		int fd;

		snprintf(path[i], sizeof(path[i]), "%s/%s", fx->dir, names[i]);
		fd = open(path[i], O_RDONLY);
		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		len[i] = st.st_size;
		orig[i] = malloc(len[i]);
		assert_int_equal(read(fd, orig[i], len[i]), (ssize_t)len[i]);
		close(fd);
	}
	c = malloc(1 << 16);
	show_flags = IMGSET_NO_CHECKSUMS;	/* the decoder and the validation, not the checksums */
	for (int iter = 0; iter < 1500; iter++) {
		int i = rng() % N, fd, r;
		size_t n = len[i];
		long size;

		memcpy(c, orig[i], n);
		if (rng() % 4 == 0) {
			n = rng() % n;
		} else {
			for (int k = 1 + rng() % 4; k > 0; k--) {
				/* mostly the records: the header checks are simple */
				size_t at = n > 16 && rng() % 8 ? 12 + rng() % (n - 12) : rng() % n;

				c[at] ^= 1u << (rng() % 8);
			}
		}
		fd = open(path[i], O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, c, n), (ssize_t)n);
		close(fd);

		r = run_show(fx, &size);
		if (r == 0) {
			assert_true(size > 0);
			if (ok++ % 25 == 0 && have_jq())
				jq_true(fx, ".tasks | length == 3");
		} else {
			if (r != -EBADMSG && r != -ENODATA && r != -EFBIG && r != -ENOENT)
				fail_msg("iteration %d (%s): unexpected error %d", iter, names[i], r);
			assert_int_equal(size, 0);
			assert_non_null(log_first_error());
			failed++;
		}

		fd = open(path[i], O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, orig[i], len[i]), (ssize_t)len[i]);
		close(fd);
	}
	show_flags = 0;
	assert_true(ok > 0 && failed > 0);
	for (int i = 0; i < N; i++)
		free(orig[i]);
	free(c);
}

int main(void)
{
	static struct op_error err;	/* these tests are one operation */

	log_set_op(&err);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_show_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_no_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_missing_task_image, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_bad_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_optional_globals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_fuzz, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
