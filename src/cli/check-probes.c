/*
 * The probes of `ckpt check`. Each one uses the feature the way dump or
 * restore will (on a forked child where another process is involved) rather
 * than trusting a version number: backports and config options decide.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/check-probes.h"
#include "common/util.h"
#include "proc/proc.h"

/* The kernel is newer than the installed headers. */
#include "mem/pagemap-scan.h"

#ifndef __NR_clone3
#define __NR_clone3 435
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

/* struct clone_args up to set_tid_size (CLONE_ARGS_SIZE_VER1), named ours. */
struct ckpt_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size;
};

static int fail(char *msg, size_t len, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* "<what>: <strerror>" into msg; evaluates to err. */
static int fail(char *msg, size_t len, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < len)
		snprintf(msg + n, len - n, ": %s", strerror(-err));
	return err;
}

/* waitpid that gives up after ~2 s instead of hanging `ckpt check`. */
static int wait_child(pid_t pid, int *status)
{
	pid_t r;
	int i;

	for (i = 0; i < 2000; i++) {
		r = waitpid(pid, status, __WALL | WNOHANG);
		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		usleep(1000);
	}
	return -ETIMEDOUT;
}

/* A child that only waits to be killed; it dies with us in any case. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static void reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	wait_child(pid, &status);
}

int probe_ptrace(char *msg, size_t len)
{
	int status, err = 0;
	pid_t pid = spawn_sleeper();

	if (pid < 0)
		return fail(msg, len, -errno, "fork");
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL)) {
		err = fail(msg, len, -errno, "PTRACE_SEIZE");
		goto out;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL)) {
		err = fail(msg, len, -errno, "PTRACE_INTERRUPT");
		goto out;
	}
	err = wait_child(pid, &status);
	if (err) {
		fail(msg, len, err, "waiting for the interrupted child");
		goto out;
	}
	if (!WIFSTOPPED(status) || status >> 16 != PTRACE_EVENT_STOP) {
		snprintf(msg, len, "PTRACE_INTERRUPT: wait status %#x, not a group-stop", status);
		err = -EIO;
	}
out:
	reap(pid);
	return err;
}

/* clone3 a child with pid tid (in the innermost pid ns); it checks getpid(). */
static int clone3_with_tid(pid_t tid)
{
	struct ckpt_clone_args a = {
		.exit_signal = SIGCHLD,
		.set_tid = (uintptr_t)&tid,
		.set_tid_size = 1,
	};
	long pid = syscall(__NR_clone3, &a, sizeof(a));
	int status, err;

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(syscall(SYS_getpid) == tid ? 0 : 1);
	err = wait_child(pid, &status);
	if (err)
		return err;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -ESRCH;
}

static long read_long(const char *path)
{
	char buf[32];

	return read_small_file(path, buf, sizeof(buf)) > 0 ? atol(buf) : -1;
}

/* Runs in a forked helper: its namespace changes stay there. */
static int clone3_helper(char *msg, size_t len)
{
	long last, max;
	pid_t tid = 0;
	int i, err;

	/* what restore does: pid 1 of a new pid namespace */
	if (unshare(CLONE_NEWPID) == 0) {
		err = clone3_with_tid(1);
		return err ? fail(msg, len, err, "clone3 with set_tid {1} in a new pid namespace") : 0;
	}
	/* no new pid ns allowed: ask for a free pid of ours */
	last = read_long("/proc/sys/kernel/ns_last_pid");
	max = read_long("/proc/sys/kernel/pid_max");
	if (last < 0 || max < 1000)
		return fail(msg, len, -ENOENT, "reading ns_last_pid and pid_max");
	for (i = 0, err = -EEXIST; i < 16 && err == -EEXIST; i++) {
		tid = 300 + (last + 1000 + i * 97) % (max - 300);
		if (kill(tid, 0) == 0 || errno != ESRCH)
			continue;
		err = clone3_with_tid(tid);
	}
	if (err == -EPERM)
		return fail(msg, len, err, "clone3 with set_tid {%d} (needs CAP_CHECKPOINT_RESTORE)", tid);
	return err ? fail(msg, len, err, "clone3 with set_tid {%d}", tid) : 0;
}

int probe_clone3_set_tid(char *msg, size_t len)
{
	int pfd[2], status, err;
	ssize_t r;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC))
		return fail(msg, len, -errno, "pipe");
	pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return fail(msg, len, -errno, "fork");
	}
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		err = clone3_helper(msg, len);
		if (err && write(pfd[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(err ? 1 : 0);
	}
	close(pfd[1]);
	r = read(pfd[0], msg, len - 1);
	msg[r > 0 ? r : 0] = '\0';
	close(pfd[0]);
	err = wait_child(pid, &status);
	if (err) {
		reap(pid);
		return fail(msg, len, err, "waiting for the clone3 helper");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (!msg[0])
		snprintf(msg, len, "the clone3 helper died (status %#x)", status);
	return -EPERM;
}

int probe_pagemap_scan(char *msg, size_t len)
{
	struct page_region regs[4];
	struct pm_scan_arg a;
	cleanup_close int fd = -1;
	char *buf;
	long n;
	int err = 0;

	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(msg, len, -errno, "open /proc/self/pagemap");
	buf = mmap(NULL, 4 * PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return fail(msg, len, -errno, "mmap");
	buf[0] = 1;			/* pages 0 and 2 present, 1 and 3 not */
	buf[2 * PAGE_SIZE] = 1;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.start = (uintptr_t)buf;
	a.end = (uintptr_t)buf + 4 * PAGE_SIZE;
	a.vec = (uintptr_t)regs;
	a.vec_len = ARRAY_SIZE(regs);
	a.category_mask = PAGE_IS_PRESENT;
	a.return_mask = PAGE_IS_PRESENT;
	n = ioctl(fd, PAGEMAP_SCAN, &a);
	if (n < 0)
		err = fail(msg, len, -errno, "ioctl(PAGEMAP_SCAN)");
	else if (n != 2 || regs[0].start != a.start || regs[0].end != a.start + PAGE_SIZE ||
		 regs[1].start != a.start + 2 * PAGE_SIZE || regs[1].end != a.start + 3 * PAGE_SIZE ||
		 !(regs[0].categories & PAGE_IS_PRESENT)) {
		snprintf(msg, len, "ioctl(PAGEMAP_SCAN): %ld regions, not the 2 present pages", n);
		err = -EIO;
	}
	munmap(buf, 4 * PAGE_SIZE);
	return err;
}

int probe_userfaultfd(char *msg, size_t len)
{
	struct uffdio_api api = { .api = UFFD_API };
	cleanup_close int fd = -1;
	int err;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	err = fd < 0 ? -errno : 0;
#ifdef USERFAULTFD_IOC_NEW
	/* vm.unprivileged_userfaultfd=0: the device node may still be ours */
	if (fd < 0 && err == -EPERM) {
		int dev = open("/dev/userfaultfd", O_RDWR | O_CLOEXEC);

		if (dev >= 0) {
			fd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC | O_NONBLOCK);
			close(dev);
			if (fd >= 0)
				snprintf(msg, len, "ok (through /dev/userfaultfd)");
		}
	}
#endif
	if (fd < 0 && err == -EPERM)
		return fail(msg, len, err, "userfaultfd() (vm.unprivileged_userfaultfd is 0)");
	if (fd < 0)
		return fail(msg, len, err, "userfaultfd()");
	if (ioctl(fd, UFFDIO_API, &api))
		return fail(msg, len, -errno, "UFFDIO_API");
	return 0;
}

int probe_map_files(char *msg, size_t len)
{
	unsigned long here = (unsigned long)&probe_map_files;
	cleanup_free char *maps = NULL;
	char link[64], target[PATH_MAX];
	struct proc_vma *v = NULL;
	size_t n = 0, i;
	ssize_t r;
	int fd, err;

	r = read_file_at(AT_FDCWD, "/proc/self/maps", &maps);
	if (r < 0)
		return fail(msg, len, r, "reading /proc/self/maps");
	err = proc_parse_maps(maps, &v, &n);
	if (err)
		return fail(msg, len, err, "parsing /proc/self/maps");
	for (i = 0; i < n && !(v[i].start <= here && here < v[i].end); i++)
		;
	if (i == n) {
		proc_vmas_free(v, n);
		return fail(msg, len, -ENOENT, "no mapping of ckpt's own code");
	}
	/* the very file ckpt runs from, as dump opens the files of a task */
	snprintf(link, sizeof(link), "/proc/self/map_files/%lx-%lx", v[i].start, v[i].end);
	proc_vmas_free(v, n);
	r = readlink(link, target, sizeof(target) - 1);
	if (r < 0)
		return fail(msg, len, -errno, "readlink %s", link);
	fd = open(link, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == EPERM)
		return fail(msg, len, -EPERM, "open %s (needs CAP_CHECKPOINT_RESTORE)", link);
	if (fd < 0)
		return fail(msg, len, -errno, "open %s", link);
	close(fd);
	return 0;
}

/* The sleeper inherits fd; taking it back must give the same file. */
int probe_pidfd_getfd(char *msg, size_t len)
{
	cleanup_close int fd = -1, pidfd = -1, got = -1;
	struct stat a, b;
	int err = 0;
	pid_t pid;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0)
		return fail(msg, len, -errno, "open /dev/null");
	pid = spawn_sleeper();
	if (pid < 0)
		return fail(msg, len, -errno, "fork");
	pidfd = syscall(__NR_pidfd_open, pid, 0);
	if (pidfd < 0) {
		err = fail(msg, len, -errno, "pidfd_open");
		goto out;
	}
	got = syscall(__NR_pidfd_getfd, pidfd, fd, 0);
	if (got < 0) {
		err = fail(msg, len, -errno, "pidfd_getfd");
		goto out;
	}
	if (fstat(fd, &a) || fstat(got, &b) || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
		snprintf(msg, len, "pidfd_getfd: returned another file");
		err = -EIO;
	}
out:
	reap(pid);
	return err;
}

static char vm_pattern[] = "ckpt check: process_vm_readv pattern";

int probe_process_vm_readv(char *msg, size_t len)
{
	char buf[sizeof(vm_pattern)];
	struct iovec local = { buf, sizeof(buf) }, remote = { vm_pattern, sizeof(vm_pattern) };
	pid_t pid = spawn_sleeper();
	ssize_t r;
	int err = 0;

	if (pid < 0)
		return fail(msg, len, -errno, "fork");
	r = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	if (r < 0)
		err = fail(msg, len, -errno, "process_vm_readv");
	else if (r != sizeof(buf) || memcmp(buf, vm_pattern, sizeof(buf))) {
		snprintf(msg, len, "process_vm_readv: read %zd bytes, not the child's", r);
		err = -EIO;
	}
	reap(pid);
	return err;
}

/* What the restorer must rebuild: the vDSO in however many parts this kernel has. */
int probe_vdso(char *msg, size_t len)
{
	cleanup_free char *maps = NULL;
	struct proc_vma *v = NULL;
	size_t n = 0, i, off = 0;
	int parts = 0, err;
	ssize_t r;

	r = read_file_at(AT_FDCWD, "/proc/self/maps", &maps);
	if (r < 0)
		return fail(msg, len, r, "reading /proc/self/maps");
	err = proc_parse_maps(maps, &v, &n);
	if (err)
		return fail(msg, len, err, "parsing /proc/self/maps");
	msg[0] = '\0';
	for (i = 0; i < n; i++) {
		const char *p = v[i].path;

		if (strncmp(p, "[vvar", 5) && strncmp(p, "[vdso", 5) && strcmp(p, "[vsyscall]"))
			continue;
		parts++;
		if (off < len)
			off += snprintf(msg + off, len - off, "%s%s", off ? " " : "", p);
	}
	proc_vmas_free(v, n);
	if (!parts)
		snprintf(msg, len, "none");
	else if (off < len)
		snprintf(msg + off, len - off, " (%d part%s)", parts, parts == 1 ? "" : "s");
	return 0;
}
