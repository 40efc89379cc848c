/*
 * Unit tests of the /proc parsers on samples captured on a 6.18 kernel
 * (real-*) and on hand-written ones (old kernels, escapes, broken text).
 * Run from the repo root: build/test/unit/test_proc.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "common/util.h"
#include "proc/proc.h"

static char samples_dir[PATH_MAX + 32] = "test/unit/samples";

/* glibc defines O_LARGEFILE as 0 on 64-bit; the kernel always sets it */
#define K_O_LARGEFILE 0100000

/* The samples sit next to this source: <repo>/build/test/unit/test_proc -> <repo>/test/unit/samples */
static void find_samples_dir(void)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *s;

	if (len <= 0)
		return;
	exe[len] = '\0';
	s = strstr(exe, "/build/test/unit/");
	if (!s)
		return;
	*s = '\0';
	snprintf(samples_dir, sizeof(samples_dir), "%s/test/unit/samples", exe);
}

static char *load(const char *name)
{
	char path[PATH_MAX * 2];
	char *buf = NULL;
	ssize_t r;

	snprintf(path, sizeof(path), "%s/%s", samples_dir, name);
	r = read_file_at(AT_FDCWD, path, &buf);
	if (r < 0)
		fail_msg("cannot read sample %s: %s", path, strerror(-r));
	return buf;
}

/* ---- stat --------------------------------------------------------------- */

static void test_stat_real(void **state)
{
	char *buf = load("real-stat");
	struct proc_stat st;

	assert_int_equal(proc_parse_stat(buf, &st), 0);
	assert_int_equal(st.pid, 4653);
	assert_string_equal(st.comm, "my (prog) x y");	/* prctl(PR_SET_NAME) */
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.ppid, 4652);
	assert_int_equal(st.pgid, 4602);
	assert_int_equal(st.sid, 2342);
	assert_int_equal(st.tty_nr, 0);
	assert_int_equal(st.flags, 4194624);
	assert_int_equal(st.nice, 0);
	assert_int_equal(st.num_threads, 4);
	assert_int_equal(st.start_time, 65568);
	assert_int_equal(st.vsize, 27742208);
	assert_int_equal(st.exit_signal, 17);
	assert_int_equal(st.rt_priority, 0);
	assert_int_equal(st.policy, 0);
	assert_int_equal(st.start_code, 93865546227712UL);
	assert_int_equal(st.end_code, 93865546230525UL);
	assert_int_equal(st.start_stack, 140724563605696UL);
	assert_int_equal(st.start_data, 93865546239440UL);
	assert_int_equal(st.end_data, 93865546240336UL);
	assert_int_equal(st.start_brk, 93865770528768UL);
	assert_int_equal(st.arg_start, 140724563614148UL);
	assert_int_equal(st.arg_end, 140724563614171UL);
	assert_int_equal(st.env_start, 140724563614171UL);
	assert_int_equal(st.env_end, 140724563615726UL);
	assert_int_equal(st.exit_code, 0);
	free(buf);
}

static void test_stat_thread(void **state)
{
	char *buf = load("real-stat-thread");
	struct proc_stat st;

	assert_int_equal(proc_parse_stat(buf, &st), 0);
	assert_int_equal(st.pid, 4654);
	assert_string_equal(st.comm, "worker)");	/* ends in ')' itself */
	assert_int_equal(st.exit_signal, -1);		/* threads do not signal */
	assert_int_equal(st.num_threads, 4);
	assert_int_equal(st.ppid, 4652);
	free(buf);
}

static void test_stat_kworker(void **state)
{
	char *buf = load("real-stat-kworker");
	struct proc_stat st;

	/* kernel threads print comm beyond TASK_COMM_LEN */
	assert_int_equal(proc_parse_stat(buf, &st), 0);
	assert_string_equal(st.comm, "kworker/u8:0-ext4-rsv-conversion");
	assert_int_equal(st.state, 'I');
	assert_int_equal(st.pid, 12);
	assert_int_equal(st.ppid, 2);
	assert_int_equal(st.flags, 69239136);
	assert_int_equal(st.vsize, 0);
	assert_int_equal(st.start_time, 25);
	free(buf);
}

static void test_stat_old_kernel(void **state)
{
	char *buf = load("stat-old-kernel");	/* 44 fields */
	struct proc_stat st;

	assert_int_equal(proc_parse_stat(buf, &st), 0);
	assert_string_equal(st.comm, "old");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.start_time, 12345);
	assert_int_equal(st.vsize, 4096000);
	assert_int_equal(st.start_code, 4194304);
	assert_int_equal(st.start_stack, 140733193388032UL);
	assert_int_equal(st.exit_signal, 17);
	/* fields 45..52 are missing: left 0 */
	assert_int_equal(st.start_data, 0);
	assert_int_equal(st.start_brk, 0);
	assert_int_equal(st.env_end, 0);
	assert_int_equal(st.exit_code, 0);
	free(buf);
}

static void test_stat_tricky(void **state)
{
	char line[512];
	struct proc_stat st;
	const char *tail = "S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000 3 "
			   "18446744073709551615 1 2 3 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
			   "4 5 6 7 8 9 10 0\n";

	/* a comm that looks like the start of the fields */
	snprintf(line, sizeof(line), "5 (a) R 9 9 9) %s", tail);
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "a) R 9 9 9");
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.ppid, 1);
	assert_int_equal(st.start_time, 99);
	assert_int_equal(st.exit_code, 0);
	assert_int_equal(st.env_end, 10);

	/* comm is printed raw in stat: a newline in it is legal */
	snprintf(line, sizeof(line), "5 (new\nline) %s", tail);
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "new\nline");

	/* empty comm */
	snprintf(line, sizeof(line), "5 () %s", tail);
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_string_equal(st.comm, "");

	/* a future kernel with more fields */
	snprintf(line, sizeof(line), "5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000 3 "
		 "18446744073709551615 1 2 3 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 "
		 "4 5 6 7 8 9 10 33 1 2 3\n");
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_int_equal(st.exit_code, 33);

	/* a comm longer than the struct is cut, not overrun */
	memset(line, 0, sizeof(line));
	strcpy(line, "5 (");
	memset(line + 3, 'c', 100);
	snprintf(line + 103, sizeof(line) - 103, ") %s", tail);
	assert_int_equal(proc_parse_stat(line, &st), 0);
	assert_int_equal(strlen(st.comm), sizeof(st.comm) - 1);
}

static void test_stat_bad(void **state)
{
	static const char *const bad[] = {
		"", "\n", "5", "5 (x", "5 (x)", "5 (x) ", "5 (x) S", "x (y) S 1",
		"0 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"-5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"5(x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"5 (x)S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"5 (x) SS 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\ngarbage\n",
		/* ppid beyond pid_t, a negative vsize, an overflowing number */
		"5 (x) S 4294967296 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000\n",
		"5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 -1000\n",
		"5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 99999999999999999999999\n",
		"5 (x) S 1 5 5 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 99 1000 \x01\n",
	};
	const char *files[] = { "stat-bad-short", "stat-bad-number", "real-status", "real-maps" };
	struct proc_stat st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&st, 0x5a, sizeof(st));
		if (proc_parse_stat(bad[i], &st) != -EINVAL)
			fail_msg("accepted bad stat #%zu: %s", i, bad[i]);
		assert_int_equal(st.pid, 0);	/* nothing half-filled */
		assert_string_equal(st.comm, "");
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf = load(files[i]);

		assert_int_equal(proc_parse_stat(buf, &st), -EINVAL);
		free(buf);
	}
}

/* ---- status ------------------------------------------------------------- */

static void test_status_real(void **state)
{
	char *buf = load("real-status");
	struct proc_status st;
	static const uint32_t groups[] = { 4, 24, 27, 100, 1000 };
	int i;

	assert_int_equal(proc_parse_status(buf, &st), 0);
	assert_int_equal(st.umask, 027);
	assert_int_equal(st.state, 'R');
	assert_int_equal(st.tgid, 4653);
	assert_int_equal(st.pid, 4653);
	assert_int_equal(st.ppid, 4652);
	assert_int_equal(st.tracer_pid, 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(st.uid[i], 0);
		assert_int_equal(st.gid[i], 0);
	}
	assert_int_equal(st.ngroups, 5);
	assert_memory_equal(st.groups, groups, sizeof(groups));
	assert_int_equal(st.sig_pnd, 0x200);		/* SIGUSR1 raised while blocked */
	assert_int_equal(st.shd_pnd, 0);
	assert_int_equal(st.sig_blk, 0x800000200ULL);	/* SIGUSR1, SIGRTMIN+2 */
	assert_int_equal(st.sig_ign, 0x1000);		/* SIGPIPE */
	assert_int_equal(st.sig_cgt, 0x100000001ULL);	/* SIGHUP + glibc's SIGRTMIN+1 (33) */
	assert_int_equal(st.cap_inh, 0);
	assert_int_equal(st.cap_prm, 0x1fffeffffffULL);
	assert_int_equal(st.cap_eff, 0x1fffeffffffULL);
	assert_int_equal(st.cap_bnd, 0x1fffeffffffULL);
	assert_int_equal(st.cap_amb, 0);
	assert_int_equal(st.no_new_privs, 1);
	assert_int_equal(st.seccomp, 2);
	assert_int_equal(st.threads, 4);
	/* captured as pid 1 of a child pid namespace: "NSpid:\t4653\t1" */
	assert_int_equal(st.nspid_levels, 2);
	assert_int_equal(st.nspid_last, 1);
	proc_status_free(&st);
	assert_null(st.groups);
	free(buf);
}

static void test_status_kworker(void **state)
{
	char *buf = load("real-status-kworker");
	struct proc_status st;

	assert_int_equal(proc_parse_status(buf, &st), 0);
	assert_int_equal(st.state, 'I');
	assert_int_equal(st.pid, 12);
	assert_int_equal(st.ppid, 2);
	assert_int_equal(st.umask, 022);
	assert_int_equal(st.ngroups, 0);	/* "Groups:\t \n" */
	assert_int_equal(st.nspid_levels, 1);
	assert_int_equal(st.nspid_last, 12);
	assert_int_equal(st.threads, 1);
	proc_status_free(&st);
	free(buf);
}

static void test_status_old_kernel(void **state)
{
	char *buf = load("status-old-kernel");
	struct proc_status st;

	/* no Umask, NSpid, CapAmb, NoNewPrivs, Seccomp: they stay 0 */
	assert_int_equal(proc_parse_status(buf, &st), 0);
	assert_int_equal(st.state, 'S');
	assert_int_equal(st.tgid, 77);
	assert_int_equal(st.pid, 78);
	assert_int_equal(st.uid[0], 1000);
	assert_int_equal(st.uid[3], 1000);
	assert_int_equal(st.gid[2], 100);
	assert_int_equal(st.ngroups, 1);
	assert_int_equal(st.groups[0], 100);
	assert_int_equal(st.sig_cgt, 0x180000000ULL);
	assert_int_equal(st.cap_bnd, UINT64_MAX);
	assert_int_equal(st.umask, 0);
	assert_int_equal(st.nspid_levels, 0);
	assert_int_equal(st.seccomp, 0);
	assert_int_equal(st.threads, 2);
	proc_status_free(&st);
	free(buf);
}

static void test_status_bad(void **state)
{
	static const char *const bad[] = {
		"", "garbage\n", "State:\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nSigBlk:\tzz\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nUmask:\t0089\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nNSpid:\t\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nPid:\t99999999999\n",
		/* a bad value after Groups was allocated: nothing leaks */
		"Groups:\t1 2 3\nState:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\tx\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t1 -2\n",
		"State:\tS (sleeping)\nTgid:\t1\nPid:\t1\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\na line without colon\n",
	};
	const char *files[] = { "status-bad-uid", "status-bad-noppid", "real-stat" };
	struct proc_status st;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		if (proc_parse_status(bad[i], &st) != -EINVAL)
			fail_msg("accepted bad status #%zu: %s", i, bad[i]);
		assert_null(st.groups);
		assert_int_equal(st.pid, 0);
	}
	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf = load(files[i]);

		assert_int_equal(proc_parse_status(buf, &st), -EINVAL);
		free(buf);
	}
}

/* ---- maps / smaps ------------------------------------------------------- */

static const struct proc_vma *vma_at(const struct proc_vma *v, size_t n, unsigned long start)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].start == start)
			return &v[i];
	fail_msg("no vma at %lx", start);
	return NULL;
}

/* The same VMAs, whichever file they came from. */
static void check_real_vmas(const struct proc_vma *v, size_t n)
{
	const struct proc_vma *m;

	assert_int_equal(n, 35);

	m = &v[0];
	assert_int_equal(m->start, 0x555ec68a1000UL);
	assert_int_equal(m->end, 0x555ec68a2000UL);
	assert_int_equal(m->prot, PROT_READ);
	assert_false(m->shared);
	assert_int_equal(m->dev_major, 0xfe);
	assert_int_equal(m->dev_minor, 0);
	assert_int_equal(m->ino, 10952946);
	assert_string_equal(m->path, "/tmp/cap/capture");
	assert_int_equal(v[1].prot, PROT_READ | PROT_EXEC);
	assert_int_equal(v[1].pgoff, 0x1000);

	m = vma_at(v, n, 0x555ed3e8b000UL);
	assert_string_equal(m->path, "[heap]");
	assert_int_equal(m->prot, PROT_READ | PROT_WRITE);

	/* an anonymous mapping: "... 00:00 0 \n" */
	m = vma_at(v, n, 0x7f09c0817000UL);
	assert_string_equal(m->path, "");
	assert_int_equal(m->prot, 0);
	assert_int_equal(m->ino, 0);
	assert_false(m->deleted);

	/* a shared mapping of a path with spaces */
	m = vma_at(v, n, 0x7f09c2208000UL);
	assert_string_equal(m->path, "/tmp/cap/dir with spaces/data file.bin");
	assert_int_equal(m->end, 0x7f09c220a000UL);
	assert_true(m->shared);
	assert_int_equal(m->prot, PROT_READ | PROT_WRITE);
	assert_false(m->deleted);
	assert_int_equal(m->ino, 10952882);

	/* a private mapping of an unlinked file at offset 4096 */
	m = vma_at(v, n, 0x7f09c2207000UL);
	assert_string_equal(m->path, "/tmp/cap/gone.bin");
	assert_true(m->deleted);
	assert_false(m->shared);
	assert_int_equal(m->prot, PROT_READ | PROT_EXEC);
	assert_int_equal(m->pgoff, 4096);

	/* memfd: always "(deleted)", on device 00:01 */
	m = vma_at(v, n, 0x7f09c2206000UL);
	assert_string_equal(m->path, "/memfd:ckpt memfd");
	assert_true(m->deleted);
	assert_true(m->shared);
	assert_int_equal(m->dev_major, 0);
	assert_int_equal(m->dev_minor, 1);
	assert_int_equal(m->ino, 4);

	/* the vDSO of 6.18 comes in three parts, then vsyscall */
	assert_string_equal(vma_at(v, n, 0x7f09c220c000UL)->path, "[vvar]");
	assert_string_equal(vma_at(v, n, 0x7f09c2210000UL)->path, "[vvar_vclock]");
	m = vma_at(v, n, 0x7f09c2212000UL);
	assert_string_equal(m->path, "[vdso]");
	assert_int_equal(m->prot, PROT_READ | PROT_EXEC);
	assert_string_equal(v[33].path, "[stack]");
	m = &v[34];
	assert_string_equal(m->path, "[vsyscall]");
	assert_int_equal(m->start, 0xffffffffff600000UL);
	assert_int_equal(m->end, 0xffffffffff601000UL);
	assert_int_equal(m->prot, PROT_EXEC);
}

static void test_maps_real(void **state)
{
	char *buf = load("real-maps");
	struct proc_vma *v;
	size_t n, i;

	assert_int_equal(proc_parse_maps(buf, &v, &n), 0);
	check_real_vmas(v, n);
	for (i = 0; i < n; i++) {	/* plain maps have no VmFlags */
		assert_int_equal(v[i].vmflags, 0);
		assert_string_equal(v[i].vmflags_text, "");
	}
	proc_vmas_free(v, n);
	free(buf);
}

static void test_smaps_real(void **state)
{
	char *buf = load("real-smaps");
	const struct proc_vma *m;
	struct proc_vma *v;
	size_t n, i;

	assert_int_equal(proc_parse_maps(buf, &v, &n), 0);
	check_real_vmas(v, n);
	for (i = 0; i < n; i++)
		assert_true(v[i].vmflags_text[0] != '\0');

	m = &v[0];
	assert_string_equal(m->vmflags_text, "rd mr mw me");	/* trailing blank trimmed */
	assert_int_equal(m->vmflags, VMF_RD | VMF_MR | VMF_MW | VMF_ME);

	m = vma_at(v, n, 0x7f09c2208000UL);
	assert_string_equal(m->vmflags_text, "rd wr sh mr mw me ms");
	assert_int_equal(m->vmflags, VMF_RD | VMF_WR | VMF_SH | VMF_MR | VMF_MW | VMF_ME | VMF_MS);

	/* mlock()ed and MADV_DONTFORK: the VMA was split */
	m = vma_at(v, n, 0x7f09c2203000UL);
	assert_int_equal(m->vmflags, VMF_RD | VMF_WR | VMF_MR | VMF_MW | VMF_ME | VMF_LO | VMF_DC | VMF_AC);
	m = vma_at(v, n, 0x7f09c2204000UL);
	assert_true(m->vmflags & VMF_DC);
	assert_false(m->vmflags & VMF_LO);

	/* thread stacks' guard pages: no access, no huge pages */
	m = vma_at(v, n, 0x7f09c0817000UL);
	assert_string_equal(m->vmflags_text, "mr mw me nh");
	assert_int_equal(m->vmflags, VMF_MR | VMF_MW | VMF_ME | VMF_NH);

	m = vma_at(v, n, 0x7f09c220c000UL);	/* [vvar] */
	assert_int_equal(m->vmflags, VMF_RD | VMF_MR | VMF_PF | VMF_IO | VMF_DE | VMF_DD);
	m = vma_at(v, n, 0x7f09c2212000UL);	/* [vdso] */
	assert_int_equal(m->vmflags, VMF_RD | VMF_EX | VMF_MR | VMF_MW | VMF_ME | VMF_DE);
	assert_int_equal(v[33].vmflags & VMF_GD, VMF_GD);	/* [stack] grows down */
	assert_string_equal(v[34].vmflags_text, "ex");		/* [vsyscall] */
	assert_int_equal(v[34].vmflags, VMF_EX);
	proc_vmas_free(v, n);
	free(buf);
}

static void test_smaps_handmade(void **state)
{
	char *buf = load("smaps-handmade");
	struct proc_vma *v;
	size_t n;

	assert_int_equal(proc_parse_maps(buf, &v, &n), 0);
	assert_int_equal(n, 4);

	/* " (deleted)" only counts at the very end */
	assert_string_equal(v[0].path, "/usr/bin/a b (deleted) c");
	assert_false(v[0].deleted);
	assert_int_equal(v[0].dev_major, 8);
	assert_int_equal(v[0].dev_minor, 2);
	/* unknown flags stay in the text only */
	assert_string_equal(v[0].vmflags_text, "rd ex mr mw me dw zz sl");
	assert_int_equal(v[0].vmflags, VMF_RD | VMF_EX | VMF_MR | VMF_MW | VMF_ME);

	assert_string_equal(v[1].path, "/srv/x");
	assert_true(v[1].deleted);
	assert_true(v[1].shared);
	assert_int_equal(v[1].pgoff, 0x51000);
	assert_int_equal(v[1].dev_major, 0x103);
	assert_int_equal(v[1].dev_minor, 2);
	/* all 32 known flags; the text is cut at a flag boundary to fit */
	assert_int_equal(v[1].vmflags, UINT32_MAX);
	assert_true(strlen(v[1].vmflags_text) < sizeof(v[1].vmflags_text));
	assert_int_equal(strncmp(v[1].vmflags_text, "rd wr ex sh mr", 14), 0);
	assert_true(v[1].vmflags_text[strlen(v[1].vmflags_text) - 1] != ' ');
	assert_int_equal(strlen(v[1].vmflags_text) % 3, 2);

	assert_string_equal(v[2].path, "[anon:my name]");
	assert_int_equal(v[2].vmflags, VMF_RD | VMF_WR | VMF_MR | VMF_MW | VMF_ME | VMF_AC);

	/* a VMA without VmFlags (truncated smaps) */
	assert_string_equal(v[3].path, "");
	assert_int_equal(v[3].vmflags, 0);
	assert_string_equal(v[3].vmflags_text, "");
	proc_vmas_free(v, n);
	free(buf);
}

static void test_maps_empty(void **state)
{
	char *buf = load("real-maps-kthread");	/* kernel threads have no mm */
	struct proc_vma *v = (void *)1;
	size_t n = 99;

	assert_int_equal(proc_parse_maps(buf, &v, &n), 0);
	assert_int_equal(n, 0);
	proc_vmas_free(v, n);
	free(buf);
}

static void test_maps_bad(void **state)
{
	static const char *const files[] = {
		"maps-bad-perms", "maps-bad-range", "maps-bad-truncated", "smaps-bad-line",
		"smaps-bad-key-first", "real-stat", "real-status", "real-mountinfo",
	};
	static const char *const bad[] = {
		"\n", "garbage\n", "00400000-\n", "00400000-00452000\n",
		"00400000-00452000 r-xp\n", "00400000-00452000 r-xp 0 08:02\n",
		"00400000-00452000 r-xp 0 08:02 1x /bin/x\n",
		"00400000-00452000 r-x 0 08:02 1 /bin/x\n",
		"00400000-00452000 r-xp 0 0802 1 /bin/x\n",
		"00400000-1ffffffffffffffff r-xp 0 08:02 1 /bin/x\n",
		"00400000-00452000 r-xp 0 08:02 1 /bin/x\n\n",
		"00400000-00452000 r-xp 0 08:02 1 /bin/x\nVm Flags: rd\n",
	};
	struct proc_vma *v;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf = load(files[i]);

		v = (void *)1;
		if (proc_parse_maps(buf, &v, &n) != -EINVAL)
			fail_msg("accepted %s", files[i]);
		assert_null(v);
		assert_int_equal(n, 0);
		free(buf);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (proc_parse_maps(bad[i], &v, &n) != -EINVAL)
			fail_msg("accepted bad maps #%zu: %s", i, bad[i]);
}

static void test_vmflags(void **state)
{
	assert_int_equal(proc_parse_vmflags("rd wr mr mw me ac sd"),
			 VMF_RD | VMF_WR | VMF_MR | VMF_MW | VMF_ME | VMF_AC | VMF_SD);
	assert_int_equal(proc_parse_vmflags("  ex \n"), VMF_EX);
	assert_int_equal(proc_parse_vmflags("um uw ss"), VMF_UM | VMF_UW | VMF_SS);
	assert_int_equal(proc_parse_vmflags(""), 0);
	assert_int_equal(proc_parse_vmflags(NULL), 0);
	assert_int_equal(proc_parse_vmflags("rdwr r w zz"), 0);
}

static void test_strip_deleted(void **state)
{
	char a[] = "/tmp/x (deleted)", b[] = "/tmp/x", c[] = " (deleted)", d[] = "(deleted)";
	char e[] = "/a (deleted) (deleted)";

	assert_true(proc_strip_deleted(a));
	assert_string_equal(a, "/tmp/x");
	assert_false(proc_strip_deleted(b));
	assert_string_equal(b, "/tmp/x");
	assert_true(proc_strip_deleted(c));
	assert_string_equal(c, "");
	assert_false(proc_strip_deleted(d));
	assert_true(proc_strip_deleted(e));	/* one suffix only */
	assert_string_equal(e, "/a (deleted)");
	assert_false(proc_strip_deleted(NULL));
}

/* ---- mountinfo ---------------------------------------------------------- */

static void test_mountinfo_real(void **state)
{
	char *buf = load("real-mountinfo");
	const struct mountinfo *m;
	struct mountinfo *mi;
	size_t n;

	assert_int_equal(proc_parse_mountinfo(buf, &mi, &n), 0);
	assert_int_equal(n, 22);

	m = mountinfo_find(mi, n, 43);
	assert_non_null(m);
	assert_int_equal(m->parent_id, 42);	/* outside the namespace */
	assert_int_equal(m->major, 254);
	assert_int_equal(m->minor, 0);
	assert_string_equal(m->root, "/");
	assert_string_equal(m->mountpoint, "/");
	assert_string_equal(m->options, "rw,relatime");
	assert_string_equal(m->optional, "");
	assert_string_equal(m->fstype, "ext4");
	assert_string_equal(m->source, "/dev/vda");
	assert_string_equal(m->super_options, "rw,discard,resv_strict,resuid=65534,resgid=65534");

	m = mountinfo_find(mi, n, 63);
	assert_non_null(m);
	assert_string_equal(m->mountpoint, "/tmp/cap/mnt with space");
	assert_string_equal(m->source, "my src");
	assert_string_equal(m->optional, "shared:1");
	assert_string_equal(m->fstype, "tmpfs");
	assert_int_equal(m->minor, 39);

	m = mountinfo_find(mi, n, 64);
	assert_string_equal(m->mountpoint, "/tmp/cap/slave\ttab");
	assert_string_equal(m->optional, "master:1");

	m = mountinfo_find(mi, n, 65);
	assert_string_equal(m->root, "/sub\\dir");
	assert_string_equal(m->mountpoint, "/tmp/cap/priv");
	assert_string_equal(m->optional, "unbindable");

	assert_null(mountinfo_find(mi, n, 42));
	assert_null(mountinfo_find(NULL, 0, 43));
	proc_mountinfo_free(mi, n);
	free(buf);
}

static void test_mountinfo_escapes(void **state)
{
	char *buf = load("mountinfo-escapes");
	const struct mountinfo *m;
	struct mountinfo *mi;
	size_t n;

	assert_int_equal(proc_parse_mountinfo(buf, &mi, &n), 0);
	assert_int_equal(n, 5);

	/* the example of proc(5) */
	m = &mi[0];
	assert_int_equal(m->mnt_id, 36);
	assert_int_equal(m->parent_id, 35);
	assert_int_equal(m->major, 98);
	assert_int_equal(m->minor, 0);
	assert_string_equal(m->root, "/mnt1");
	assert_string_equal(m->mountpoint, "/mnt2");
	assert_string_equal(m->options, "rw,noatime");
	assert_string_equal(m->optional, "master:1");
	assert_string_equal(m->fstype, "ext3");
	assert_string_equal(m->source, "/dev/root");
	assert_string_equal(m->super_options, "rw,errors=continue");

	m = mountinfo_find(mi, n, 100);
	assert_string_equal(m->root, "/with space");
	assert_string_equal(m->mountpoint, "/srv/my dir\ttab");
	assert_string_equal(m->source, "my source");
	assert_string_equal(m->optional, "shared:7 master:3 propagate_from:2");
	assert_string_equal(m->super_options, "rw,size=4k,mode=755");

	m = mountinfo_find(mi, n, 101);
	assert_string_equal(m->mountpoint, "/odd\\back\nnl");
	assert_string_equal(m->fstype, "fuse.my fs");
	assert_string_equal(m->source, "src\\x");
	assert_string_equal(m->options, "ro");
	assert_string_equal(m->optional, "unbindable");

	/* malformed escapes are kept as printed */
	m = mountinfo_find(mi, n, 102);
	assert_string_equal(m->root, "/a\\04");
	assert_string_equal(m->mountpoint, "/b\\999\\");
	assert_int_equal(m->major, 7);
	assert_int_equal(m->minor, 3);
	proc_mountinfo_free(mi, n);
	free(buf);
}

static void test_mountinfo_bad(void **state)
{
	static const char *const files[] = {
		"mountinfo-bad-noseparator", "mountinfo-bad-short", "mountinfo-bad-dev",
		"real-maps", "real-stat",
	};
	static const char *const bad[] = {
		"\n", "36 35 98:0 /mnt1 /mnt2 rw -\n", "36 35 98:0 /mnt1 /mnt2 rw - ext3\n",
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root\n",
		"36 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw extra\n",
		"36 35 98: /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
		"36 35 :0 /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
		"36 x 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
		"99999999999 35 98:0 /mnt1 /mnt2 rw - ext3 /dev/root rw\n",
	};
	struct mountinfo *mi;
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf = load(files[i]);

		if (proc_parse_mountinfo(buf, &mi, &n) != -EINVAL)
			fail_msg("accepted %s", files[i]);
		assert_null(mi);
		free(buf);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (proc_parse_mountinfo(bad[i], &mi, &n) != -EINVAL)
			fail_msg("accepted bad mountinfo #%zu: %s", i, bad[i]);
	assert_int_equal(proc_parse_mountinfo("", &mi, &n), 0);
	assert_int_equal(n, 0);
}

/* ---- fdinfo ------------------------------------------------------------- */

static void fdinfo_of(const char *name, struct proc_fdinfo *fi)
{
	char *buf = load(name);

	if (proc_parse_fdinfo(buf, fi))
		fail_msg("cannot parse %s", name);
	free(buf);
}

static void test_fdinfo(void **state)
{
	struct proc_fdinfo fi;

	fdinfo_of("real-fdinfo-file", &fi);	/* O_RDWR|O_LARGEFILE, lseek(100) */
	assert_int_equal(fi.pos, 100);
	assert_int_equal(fi.flags, 0100002);
	assert_int_equal(fi.flags, O_RDWR | K_O_LARGEFILE);
	assert_int_equal(fi.mnt_id, 27);
	assert_int_equal(fi.ino, 10952882);	/* the data file of real-maps */

	fdinfo_of("real-fdinfo-eventfd", &fi);	/* eventfd-count etc. ignored */
	assert_int_equal(fi.flags, O_RDWR | O_NONBLOCK);
	assert_int_equal(fi.mnt_id, 17);
	assert_int_equal(fi.ino, 1038);

	fdinfo_of("real-fdinfo-epoll", &fi);	/* the tfd line holds " pos:0 ino:40e" */
	assert_int_equal(fi.pos, 0);
	assert_int_equal(fi.ino, 1038);
	assert_int_equal(fi.flags, O_RDWR);

	fdinfo_of("real-fdinfo-inotify", &fi);	/* "inotify wd:1 ino:3c51a ..." */
	assert_int_equal(fi.flags, 0);
	assert_int_equal(fi.ino, 1038);

	fdinfo_of("real-fdinfo-memfd", &fi);	/* memfd: mnt_id 0 on this kernel */
	assert_int_equal(fi.flags, O_RDWR | K_O_LARGEFILE | O_CLOEXEC);
	assert_int_equal(fi.mnt_id, 0);
	assert_int_equal(fi.ino, 4);		/* the inode of /memfd:ckpt memfd in real-maps */

	fdinfo_of("real-fdinfo-pipe", &fi);	/* write end, O_NONBLOCK */
	assert_int_equal(fi.flags, O_WRONLY | O_NONBLOCK);
	assert_int_equal(fi.mnt_id, 16);
	assert_int_equal(fi.ino, 9218);

	fdinfo_of("real-fdinfo-signalfd", &fi);
	assert_int_equal(fi.flags, O_RDWR);
	fdinfo_of("real-fdinfo-timerfd", &fi);
	assert_int_equal(fi.mnt_id, 17);

	fdinfo_of("fdinfo-noino", &fi);		/* before 5.14 */
	assert_int_equal(fi.pos, 4096);
	assert_int_equal(fi.mnt_id, 27);
	assert_int_equal(fi.ino, 0);

	fdinfo_of("fdinfo-lock", &fi);
	assert_int_equal(fi.pos, -1);
	assert_int_equal(fi.flags, 02004002);
	assert_int_equal(fi.ino, 9218);
}

static void test_fdinfo_bad(void **state)
{
	static const char *const files[] = {
		"fdinfo-bad-octal", "fdinfo-bad-nopos", "fdinfo-bad-trailing", "real-stat",
	};
	static const char *const bad[] = {
		"", "\n", "pos:\t0\n", "flags:\t02\n", "pos:\t\nflags:\t02\n",
		"pos:\t0\nflags:\t02\nino:\t-1\n", "pos:\t0\nflags:\t077777777777\n",
	};
	struct proc_fdinfo fi;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(files); i++) {
		char *buf = load(files[i]);

		if (proc_parse_fdinfo(buf, &fi) != -EINVAL)
			fail_msg("accepted %s", files[i]);
		free(buf);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (proc_parse_fdinfo(bad[i], &fi) != -EINVAL)
			fail_msg("accepted bad fdinfo #%zu: %s", i, bad[i]);
	/* no trailing newline is fine */
	assert_int_equal(proc_parse_fdinfo("pos:\t7\nflags:\t02", &fi), 0);
	assert_int_equal(fi.pos, 7);
	assert_int_equal(fi.flags, 2);
}

/* ---- robustness --------------------------------------------------------- */

static const char *const all_samples[] = {
	"real-stat", "real-stat-thread", "real-stat-kworker", "real-status",
	"real-status-kworker", "real-maps", "real-smaps", "real-mountinfo",
	"real-fdinfo-epoll", "real-fdinfo-inotify", "real-fdinfo-timerfd",
	"mountinfo-escapes", "smaps-handmade", "stat-old-kernel", "status-old-kernel",
	"fdinfo-lock",
};

/* Every parser on one text: no crash, no leak, only 0 / -EINVAL. */
static void parse_all(const char *text)
{
	struct proc_stat st;
	struct proc_status ss;
	struct proc_vma *v;
	struct mountinfo *mi;
	struct proc_fdinfo fi;
	size_t n;
	int r;

	r = proc_parse_stat(text, &st);
	assert_true(r == 0 || r == -EINVAL);
	r = proc_parse_status(text, &ss);
	assert_true(r == 0 || r == -EINVAL);
	if (!r)
		proc_status_free(&ss);
	r = proc_parse_maps(text, &v, &n);
	assert_true(r == 0 || r == -EINVAL);
	if (!r)
		proc_vmas_free(v, n);
	r = proc_parse_mountinfo(text, &mi, &n);
	assert_true(r == 0 || r == -EINVAL);
	if (!r)
		proc_mountinfo_free(mi, n);
	r = proc_parse_fdinfo(text, &fi);
	assert_true(r == 0 || r == -EINVAL);
	(void)proc_parse_vmflags(text);
}

/* Each prefix in an exact-size heap block, so ASan sees any over-read. */
static void test_truncated(void **state)
{
	size_t i, len, cut;

	for (i = 0; i < ARRAY_SIZE(all_samples); i++) {
		char *buf = load(all_samples[i]);

		len = strlen(buf);
		for (cut = 0; cut <= len; cut++) {
			char *p = strndup(buf, cut);

			assert_non_null(p);
			parse_all(p);
			free(p);
		}
		free(buf);
	}
}

/* Whole-line truncation keeps the complete lines and parses. */
static void test_truncated_lines(void **state)
{
	char *buf = load("real-smaps");
	struct proc_vma *v;
	size_t n, len = strlen(buf), cut;
	char *p;

	for (cut = 1; cut <= len; cut++) {
		if (buf[cut - 1] != '\n')
			continue;
		p = strndup(buf, cut);
		assert_int_equal(proc_parse_maps(p, &v, &n), 0);
		assert_true(n >= 1 && n <= 35);
		proc_vmas_free(v, n);
		free(p);
	}
	free(buf);
}

/* Corrupt one byte at a time with characters the parsers care about. */
static void test_garbage(void **state)
{
	static const char subst[] = { ' ', '\n', '\t', ')', '(', '-', ':', '\\', 'x', '9', '\x80' };
	size_t i, j, pos, len;
	unsigned int seed = 1;

	for (i = 0; i < ARRAY_SIZE(all_samples); i++) {
		char *buf = load(all_samples[i]);

		len = strlen(buf);
		for (j = 0; j < 400 && len; j++) {
			char *p = strdup(buf);

			seed = seed * 1103515245 + 12345;
			pos = (seed >> 8) % len;
			p[pos] = subst[(seed >> 4) % ARRAY_SIZE(subst)];
			parse_all(p);
			p[pos] = '\0';		/* and cut there */
			parse_all(p);
			free(p);
		}
		free(buf);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_real),
		cmocka_unit_test(test_stat_thread),
		cmocka_unit_test(test_stat_kworker),
		cmocka_unit_test(test_stat_old_kernel),
		cmocka_unit_test(test_stat_tricky),
		cmocka_unit_test(test_stat_bad),
		cmocka_unit_test(test_status_real),
		cmocka_unit_test(test_status_kworker),
		cmocka_unit_test(test_status_old_kernel),
		cmocka_unit_test(test_status_bad),
		cmocka_unit_test(test_maps_real),
		cmocka_unit_test(test_smaps_real),
		cmocka_unit_test(test_smaps_handmade),
		cmocka_unit_test(test_maps_empty),
		cmocka_unit_test(test_maps_bad),
		cmocka_unit_test(test_vmflags),
		cmocka_unit_test(test_strip_deleted),
		cmocka_unit_test(test_mountinfo_real),
		cmocka_unit_test(test_mountinfo_escapes),
		cmocka_unit_test(test_mountinfo_bad),
		cmocka_unit_test(test_fdinfo),
		cmocka_unit_test(test_fdinfo_bad),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_truncated_lines),
		cmocka_unit_test(test_garbage),
	};

	find_samples_dir();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
