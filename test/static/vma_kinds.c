/*
 * vma_kinds: mappings of every less common kind, the mm fields and what the
 * kernel keeps about the program keep their layout, content and behaviour.
 *
 *   shfile    MAP_SHARED mapping of a 4-page file, written through before
 *             the dump: the file holds the data, and after restore writes
 *             through the mapping reach the file and writes to the file
 *             show in the mapping (it is the file's page cache, not a copy)
 *   none      PROT_NONE, never touched: ---p, reads zero once made readable
 *             (unreadable mappings that hold data: vma_prot_none)
 *   ro        written, then PROT_READ: r--p with its data
 *   gd        MAP_GROWSDOWN with data, below it an 8 MiB hole: VmFlags gd,
 *             and a touch of the page below it grows it by one page
 *   dc dd wf  private anonymous, madvise DONTFORK, DONTDUMP, WIPEONFORK,
 *   hg nh mg  HUGEPAGE, NOHUGEPAGE, MERGEABLE (this one only with KSM):
 *             the VmFlags letter is there, the data too; a child forked
 *             after restore has no dc mapping and reads zeros in wf
 *   brk       the heap grown by an unaligned sbrk and filled: the kernel's
 *             brk (raw brk(0)) and sbrk(0) are exact, the data is there,
 *             and it grows on
 *
 * The program's identity as the kernel keeps it must not change either:
 * /proc/self/cmdline, environ, auxv (and getauxval of AT_PAGESZ, AT_RANDOM
 * with its 16 bytes, AT_SYSINFO_EHDR which must still be where [vdso] is),
 * the mm fields of /proc/self/stat (code, stack, data, brk, args, env),
 * /proc/self/exe (link and inode) and comm.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

#define COMM "vma-kinds-x"
#define GD_PAGES 4
#define GD_HOLE (8UL << 20)
#define BRK_GROW (5 * 4096 + 100)

static size_t page;

struct region {
	const char *name;
	unsigned char *p;
	size_t pages;
	const char *perms;	/* in /proc/self/maps after restore */
	const char *vmflag;	/* VmFlags letter it must have, or NULL */
	const char *not_vmflag;	/* a letter it must not have, or NULL */
	int has_data;
	int seed;
};

enum { R_SHFILE, R_NONE, R_RO, R_GD, R_DC, R_DD, R_WF, R_HG, R_NH, R_MG, NR_REGIONS };

static struct region regions[NR_REGIONS] = {
	[R_SHFILE] = { "shfile", NULL, 4, "rw-s", NULL, NULL, 1, 11 },
	[R_NONE] = { "none", NULL, 3, "---p", NULL, NULL, 0, 0 },
	[R_RO] = { "ro", NULL, 3, "r--p", NULL, NULL, 1, 13 },
	[R_GD] = { "gd", NULL, GD_PAGES, "rw-p", "gd", NULL, 1, 14 },
	[R_DC] = { "dc", NULL, 2, "rw-p", "dc", NULL, 1, 15 },
	[R_DD] = { "dd", NULL, 2, "rw-p", "dd", NULL, 1, 16 },
	[R_WF] = { "wf", NULL, 2, "rw-p", "wf", NULL, 1, 17 },
	[R_HG] = { "hg", NULL, 2, "rw-p", "hg", "nh", 1, 18 },
	[R_NH] = { "nh", NULL, 2, "rw-p", "nh", "hg", 1, 19 },
	[R_MG] = { "mg", NULL, 2, "rw-p", "mg", NULL, 1, 20 },
};

static int have_ksm, have_thp;
static char dir[64], shpath[128];

/* what must not change */
static char cmdline[65536], environ_buf[65536], auxv_buf[4096], stat_mm[512];
static ssize_t cmdline_len, environ_len, auxv_len;
static unsigned long at_pagesz, at_random, at_ehdr;
static unsigned char at_random_bytes[16];
static char exe[4096];
static struct stat exe_st;
static unsigned long brk_end;
static unsigned char *brk_start;

static sigjmp_buf probe_jmp;
static volatile sig_atomic_t probing;

static unsigned char pat(int seed, size_t off)
{
	return (unsigned char)(seed * 37 + off * 7 + (off >> 12) * 13 + 1);
}

static void fill(unsigned char *p, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(seed, i);
}

/* Offset of the first byte that differs, or -1. */
static long differs(const unsigned char *p, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != pat(seed, i))
			return (long)i;
	return -1;
}

static long nonzero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return (long)i;
	return -1;
}

/* Whole file into buf (NUL-terminated), without malloc: the heap is under test. */
static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n < size - 1 && (r = read(fd, buf + n, size - 1 - n)) > 0)
		n += r;
	close(fd);
	if (n == size - 1) {
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	return n;
}

static char maps_buf[1 << 20];

/*
 * The mapping that contains addr, from /proc/self/maps: its range and
 * permissions. Returns 0 or -1 when no mapping contains addr.
 */
static int find_vma(unsigned long addr, unsigned long *start, unsigned long *end, char perms[5])
{
	char *line;

	if (read_file("/proc/self/maps", maps_buf, sizeof(maps_buf)) < 0)
		return -1;
	for (line = maps_buf; *line; line = strchrnul(line, '\n') + (strchr(line, '\n') != NULL)) {
		unsigned long s, e;
		char p[5];

		if (sscanf(line, "%lx-%lx %4s", &s, &e, p) != 3)
			continue;
		if (addr >= s && addr < e) {
			*start = s;
			*end = e;
			memcpy(perms, p, 5);
			return 0;
		}
	}
	return -1;
}

/* The VmFlags of the mapping that starts at addr, from smaps. */
static int vmflags_of(unsigned long addr, char *out, size_t size)
{
	char *line;
	int in = 0;

	if (read_file("/proc/self/smaps", maps_buf, sizeof(maps_buf)) < 0)
		return -1;
	for (line = maps_buf; *line; line = strchrnul(line, '\n') + (strchr(line, '\n') != NULL)) {
		unsigned long s, e;

		/* a header line; "AnonHugePages:" stops after one hex digit */
		if (sscanf(line, "%lx-%lx ", &s, &e) == 2) {
			in = s == addr;
			continue;
		}
		if (in && !strncmp(line, "VmFlags:", 8)) {
			snprintf(out, size, "%.*s", (int)(strchrnul(line, '\n') - line - 8), line + 8);
			return 0;
		}
	}
	return -1;
}

static int has_vmflag(const char *flags, const char *flag)
{
	size_t n = strlen(flag);
	const char *p = flags;

	while ((p = strstr(p, flag))) {
		if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

static void *map_anon(size_t len, int prot, int flags, void *hint)
{
	void *p = mmap(hint, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED)
		setup_fail("mmap %zu bytes: %m", len);
	return p;
}

static void setup_shfile(struct region *r)
{
	size_t len = r->pages * page;
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/zdtm-vma_kinds.XXXXXX");
	if (!mkdtemp(dir))
		setup_fail("mkdtemp: %m");
	snprintf(shpath, sizeof(shpath), "%s/shared", dir);
	fd = open(shpath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		setup_fail("%s: %m", shpath);
	if (ftruncate(fd, len))
		setup_fail("ftruncate: %m");
	r->p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (r->p == MAP_FAILED)
		setup_fail("mmap %s: %m", shpath);
	close(fd);
	/* only through the mapping: the page cache is dirty at dump time */
	fill(r->p, len, r->seed);
}

static void setup_madv(struct region *r, int advice, const char *what)
{
	r->p = map_anon(r->pages * page, PROT_READ | PROT_WRITE, 0, NULL);
	fill(r->p, r->pages * page, r->seed);
	if (madvise(r->p, r->pages * page, advice))
		setup_fail("madvise %s: %m", what);
}

/* A growsdown mapping with a free hole below it to grow into. */
static void setup_gd(struct region *r)
{
	size_t len = r->pages * page;
	unsigned char *hole = map_anon(GD_HOLE + len, PROT_NONE, MAP_NORESERVE, NULL);

	if (munmap(hole, GD_HOLE + len))
		setup_fail("munmap: %m");
	r->p = mmap(hole + GD_HOLE, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_GROWSDOWN | MAP_FIXED_NOREPLACE, -1, 0);
	if (r->p == MAP_FAILED)
		setup_fail("mmap MAP_GROWSDOWN: %m");
	fill(r->p, len, r->seed);
}

/* Fields 26-28 (code, stack) and 45-51 (data, brk, args, env) of stat. */
static int stat_mm_fields(char *out, size_t size)
{
	char buf[4096], *p;
	size_t o = 0;
	int field;

	if (read_file("/proc/self/stat", buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p)
		return -1;
	/* p + 2 is field 3 */
	p += 2;
	out[0] = '\0';
	for (field = 3; *p && field <= 51; field++) {
		size_t n = strcspn(p, " \n");

		if (((field >= 26 && field <= 28) || (field >= 45 && field <= 51)) && o < size)
			o += snprintf(out + o, size - o, "%d=%.*s ", field, (int)n, p);
		p += n;
		if (*p)
			p++;
	}
	return 0;
}

static void record_identity(void)
{
	if ((cmdline_len = read_file("/proc/self/cmdline", cmdline, sizeof(cmdline))) < 0 ||
	    (environ_len = read_file("/proc/self/environ", environ_buf, sizeof(environ_buf))) < 0 ||
	    (auxv_len = read_file("/proc/self/auxv", auxv_buf, sizeof(auxv_buf))) < 0 ||
	    stat_mm_fields(stat_mm, sizeof(stat_mm)))
		setup_fail("reading /proc/self: %m");
	at_pagesz = getauxval(AT_PAGESZ);
	at_random = getauxval(AT_RANDOM);
	at_ehdr = getauxval(AT_SYSINFO_EHDR);
	if (!at_pagesz || !at_random || !at_ehdr)
		setup_fail("getauxval: AT_PAGESZ %lu AT_RANDOM %lx AT_SYSINFO_EHDR %lx", at_pagesz,
			   at_random, at_ehdr);
	memcpy(at_random_bytes, (void *)at_random, 16);
	if (readlink("/proc/self/exe", exe, sizeof(exe) - 1) < 0 || stat("/proc/self/exe", &exe_st))
		setup_fail("/proc/self/exe: %m");
}

static void setup(void)
{
	page = sysconf(_SC_PAGESIZE);
	have_ksm = access("/sys/kernel/mm/ksm", F_OK) == 0;

	if (prctl(PR_SET_NAME, COMM))
		setup_fail("PR_SET_NAME: %m");

	setup_shfile(&regions[R_SHFILE]);

	regions[R_NONE].p = map_anon(regions[R_NONE].pages * page, PROT_NONE, 0, NULL);

	regions[R_RO].p = map_anon(regions[R_RO].pages * page, PROT_READ | PROT_WRITE, 0, NULL);
	fill(regions[R_RO].p, regions[R_RO].pages * page, regions[R_RO].seed);
	if (mprotect(regions[R_RO].p, regions[R_RO].pages * page, PROT_READ))
		setup_fail("mprotect PROT_READ: %m");

	setup_madv(&regions[R_DC], MADV_DONTFORK, "DONTFORK");
	setup_madv(&regions[R_DD], MADV_DONTDUMP, "DONTDUMP");
	setup_madv(&regions[R_WF], MADV_WIPEONFORK, "WIPEONFORK");
	regions[R_HG].p = map_anon(regions[R_HG].pages * page, PROT_READ | PROT_WRITE, 0, NULL);
	fill(regions[R_HG].p, regions[R_HG].pages * page, regions[R_HG].seed);
	have_thp = madvise(regions[R_HG].p, regions[R_HG].pages * page, MADV_HUGEPAGE) == 0;
	if (!have_thp) {
		if (errno != EINVAL)
			setup_fail("madvise HUGEPAGE: %m");
		test_msg("no THP (madvise HUGEPAGE: EINVAL): hg and nh not checked");
		regions[R_HG].vmflag = regions[R_HG].not_vmflag = NULL;
		regions[R_NH].vmflag = regions[R_NH].not_vmflag = NULL;
		regions[R_NH].p = map_anon(regions[R_NH].pages * page, PROT_READ | PROT_WRITE, 0, NULL);
		fill(regions[R_NH].p, regions[R_NH].pages * page, regions[R_NH].seed);
	} else {
		setup_madv(&regions[R_NH], MADV_NOHUGEPAGE, "NOHUGEPAGE");
	}
	if (have_ksm) {
		setup_madv(&regions[R_MG], MADV_MERGEABLE, "MERGEABLE");
	} else {
		test_msg("no /sys/kernel/mm/ksm: MADV_MERGEABLE not checked");
		regions[R_MG].vmflag = NULL;
		regions[R_MG].p = map_anon(regions[R_MG].pages * page, PROT_READ | PROT_WRITE, 0, NULL);
		fill(regions[R_MG].p, regions[R_MG].pages * page, regions[R_MG].seed);
	}

	/* last: no mapping may be made in the hole below it */
	setup_gd(&regions[R_GD]);

	for (int i = 0; i < NR_REGIONS; i++) {
		struct region *r = &regions[i];
		char fl[512];

		if (r->vmflag && (vmflags_of((unsigned long)r->p, fl, sizeof(fl)) ||
				  !has_vmflag(fl, r->vmflag)))
			setup_fail("%s: VmFlags '%s' without %s before the dump", r->name, fl,
				   r->vmflag);
		test_msg("%s at %p, %zu pages", r->name, r->p, r->pages);
	}
	record_identity();

	/* the heap: unaligned, so the exact brk is visible */
	brk_start = sbrk(BRK_GROW);
	if (brk_start == (void *)-1)
		setup_fail("sbrk: %m");
	fill(brk_start, BRK_GROW, 21);
	brk_end = syscall(SYS_brk, 0);
	if (brk_end != (unsigned long)brk_start + BRK_GROW)
		setup_fail("brk %lx, expected %p + %d", brk_end, brk_start, BRK_GROW);
}

static void segv_handler(int sig)
{
	(void)sig;
	if (probing)
		siglongjmp(probe_jmp, 1);
	signal(SIGSEGV, SIG_DFL);
}

/* Read one byte at p; -1 when that faults. */
static int probe(volatile unsigned char *p)
{
	int v;

	if (sigsetjmp(probe_jmp, 1)) {
		probing = 0;
		return -1;
	}
	probing = 1;
	v = *p;
	probing = 0;
	return v;
}

static void check_region(struct region *r)
{
	unsigned long s, e, addr = (unsigned long)r->p;
	size_t len = r->pages * page;
	char perms[5], fl[512];
	long off;

	if (find_vma(addr, &s, &e, perms)) {
		fail("%s: no mapping at %lx", r->name, addr);
		return;
	}
	if (s != addr || e != addr + len || strcmp(perms, r->perms))
		fail("%s: mapping %lx-%lx %s, expected %lx-%lx %s", r->name, s, e, perms, addr,
		     addr + len, r->perms);
	if (vmflags_of(addr, fl, sizeof(fl))) {
		fail("%s: no VmFlags in smaps", r->name);
		return;
	}
	if (r->vmflag && !has_vmflag(fl, r->vmflag))
		fail("%s: VmFlags '%s' lack %s", r->name, fl, r->vmflag);
	if (r->not_vmflag && has_vmflag(fl, r->not_vmflag))
		fail("%s: VmFlags '%s' have %s", r->name, fl, r->not_vmflag);

	if (perms[0] != 'r' && mprotect(r->p, len, PROT_READ)) {
		fail("%s: mprotect PROT_READ: %m", r->name);
		return;
	}
	if (r->has_data)
		off = differs(r->p, len, r->seed);
	else
		off = nonzero(r->p, len);
	if (off >= 0)
		fail("%s: byte %ld is %#x, expected %#x", r->name, off, r->p[off],
		     r->has_data ? pat(r->seed, off) : 0);
	if (perms[0] != 'r' && mprotect(r->p, len, PROT_NONE))
		fail("%s: mprotect PROT_NONE: %m", r->name);
}

/* The shared file mapping is the file itself, both ways. */
static void check_shfile(void)
{
	struct region *r = &regions[R_SHFILE];
	size_t len = r->pages * page;
	static unsigned char buf[16 * 4096];
	int fd = open(shpath, O_RDWR | O_CLOEXEC);
	long off;

	if (len > sizeof(buf) || fd < 0) {
		fail("%s: %m", shpath);
		goto out;
	}
	if (pread(fd, buf, len, 0) != (ssize_t)len) {
		fail("%s: short read: %m", shpath);
		goto out;
	}
	off = differs(buf, len, r->seed);
	if (off >= 0)
		fail("%s: byte %ld in the file is %#x, expected %#x (writes through the mapping lost)",
		     shpath, off, buf[off], pat(r->seed, off));

	memcpy(r->p + page + 10, "through-the-mapping", 19);
	if (pread(fd, buf, 19, page + 10) != 19 || memcmp(buf, "through-the-mapping", 19))
		fail("shfile: a write through the mapping after restore does not reach the file");
	if (pwrite(fd, "through-the-file", 16, 3 * page + 100) != 16)
		fail("%s: pwrite: %m", shpath);
	else if (memcmp(r->p + 3 * page + 100, "through-the-file", 16))
		fail("shfile: a write to the file after restore does not show in the mapping");
	if (msync(r->p, len, MS_SYNC))
		fail("shfile: msync: %m");
out:
	if (fd >= 0)
		close(fd);
}

/* A touch below the growsdown mapping grows it by a page. */
static void check_grows(void)
{
	struct region *r = &regions[R_GD];
	unsigned long s, e, addr = (unsigned long)r->p;
	char perms[5];

	if (probe(r->p - 1) < 0) {
		fail("gd: the page below %p faults: the mapping does not grow down", r->p);
		return;
	}
	if (find_vma(addr - 1, &s, &e, perms) || s != addr - page ||
	    e != addr + r->pages * page)
		fail("gd: after a touch below it the mapping is not %lx-%lx", addr - page,
		     addr + r->pages * page);
	else if (nonzero(r->p - page, page) >= 0)
		fail("gd: the new page is not zero");
}

static void check_brk(unsigned long now)
{
	unsigned char *more;
	long off;

	if (now != brk_end)
		fail("brk is %lx, was %lx", now, brk_end);
	if ((unsigned long)sbrk(0) != brk_end)
		fail("sbrk(0) is %p, was %lx", sbrk(0), brk_end);
	off = differs(brk_start, BRK_GROW, 21);
	if (off >= 0)
		fail("heap: byte %ld at %p differs", off, brk_start + off);
	more = sbrk(3 * page);
	if (more == (void *)-1) {
		fail("sbrk after restore: %m");
		return;
	}
	if (more != (unsigned char *)now)
		fail("sbrk grew from %p, brk was %lx", more, now);
	memset(more, 0x5c, 3 * page);
	if ((unsigned long)syscall(SYS_brk, 0) != now + 3 * page)
		fail("brk after sbrk(%zu) is %lx, expected %lx", 3 * page,
		     (unsigned long)syscall(SYS_brk, 0), now + 3 * page);
}

static char now_buf[65536];

static void check_same(const char *path, const char *was, ssize_t was_len)
{
	ssize_t len = read_file(path, now_buf, sizeof(now_buf));

	if (len < 0)
		fail("%s: %m", path);
	else if (len != was_len || memcmp(now_buf, was, len))
		fail("%s differs (%zd bytes, was %zd)", path, len, was_len);
}

static void check_identity(void)
{
	unsigned long s, e;
	char perms[5], buf[4096] = "", comm[32] = "";
	char mm[sizeof(stat_mm)];
	struct stat st;

	check_same("/proc/self/cmdline", cmdline, cmdline_len);
	check_same("/proc/self/environ", environ_buf, environ_len);
	check_same("/proc/self/auxv", auxv_buf, auxv_len);
	if (getauxval(AT_PAGESZ) != at_pagesz || getauxval(AT_RANDOM) != at_random ||
	    getauxval(AT_SYSINFO_EHDR) != at_ehdr)
		fail("getauxval: AT_PAGESZ %lu AT_RANDOM %lx AT_SYSINFO_EHDR %lx, were %lu %lx %lx",
		     getauxval(AT_PAGESZ), getauxval(AT_RANDOM), getauxval(AT_SYSINFO_EHDR),
		     at_pagesz, at_random, at_ehdr);
	else if (memcmp((void *)at_random, at_random_bytes, 16))
		fail("the 16 bytes at AT_RANDOM changed");
	if (find_vma(at_ehdr, &s, &e, perms) || s != at_ehdr)
		fail("AT_SYSINFO_EHDR %lx is not the start of a mapping", at_ehdr);

	if (stat_mm_fields(mm, sizeof(mm)))
		fail("/proc/self/stat: %m");
	else if (strcmp(mm, stat_mm))
		fail("mm fields of /proc/self/stat: '%s', were '%s'", mm, stat_mm);

	if (readlink("/proc/self/exe", buf, sizeof(buf) - 1) < 0 || strcmp(buf, exe))
		fail("/proc/self/exe: '%s', was '%s'", buf, exe);
	if (stat("/proc/self/exe", &st) || st.st_dev != exe_st.st_dev || st.st_ino != exe_st.st_ino)
		fail("/proc/self/exe is another file now");
	if (prctl(PR_GET_NAME, comm) || strcmp(comm, COMM))
		fail("comm '%s', expected '%s'", comm, COMM);
}

/* After restore, in a fork: no DONTFORK mapping, WIPEONFORK reads zero. */
static void check_fork(void)
{
	struct region *dc = &regions[R_DC], *wf = &regions[R_WF], *ro = &regions[R_RO];
	int status;
	pid_t pid;

	pid = test_fork();
	if (pid < 0) {
		fail("fork: %m");
		return;
	}
	if (pid == 0) {
		unsigned long s, e;
		char perms[5];
		int bad = 0;

		if (!find_vma((unsigned long)dc->p, &s, &e, perms))
			bad |= 1;
		if (nonzero(wf->p, wf->pages * page) >= 0)
			bad |= 2;
		if (differs(ro->p, ro->pages * page, ro->seed) >= 0)
			bad |= 4;
		_exit(bad);
	}
	if (waitpid(pid, &status, 0) != pid) {
		fail("waitpid: %m");
		return;
	}
	if (!WIFEXITED(status))
		fail("forked child died: status %#x", status);
	else if (WEXITSTATUS(status) & 1)
		fail("dc: a child forked after restore has the DONTFORK mapping");
	else if (WEXITSTATUS(status) & 2)
		fail("wf: a child forked after restore reads WIPEONFORK memory that is not zero");
	else if (WEXITSTATUS(status))
		fail("ro: a child forked after restore reads other data (%d)", WEXITSTATUS(status));
}

static void cleanup(void)
{
	unlink(shpath);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = segv_handler };
	unsigned long brk_now;

	test_init(argc, argv);
	setup();

	test_daemon();
	test_waitsig();
	/* first, before anything here might move it */
	brk_now = syscall(SYS_brk, 0);

	check_brk(brk_now);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL))
		fail("sigaction: %m");
	for (int i = 0; i < NR_REGIONS; i++)
		check_region(&regions[i]);
	check_shfile();
	check_identity();
	check_fork();
	check_grows();
	cleanup();
	pass();
	return 0;
}
