/*
 * One task restores itself: session, children, images, fds, fs state,
 * limits; then it builds its restorer area and jumps into the blob.
 * Whatever fails is reported through rst_sync and ends the task.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/rseq.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <time.h>
#include <unistd.h>

#define LOG_PREFIX "restore: "
#include "arch/regs.h"
#include "common/log.h"
#include "common/util.h"
#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "restore/restore.h"
#include "restore/task.h"

void restore_task_fail(struct restore_ctx *ctx, pid_t pid, int err, const char *fmt, ...)
{
	struct rst_sync *s = ctx->sync;
	int32_t zero = 0;
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (__atomic_compare_exchange_n(&s->error, &zero, err ? err : -EIO, 0, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST)) {
		s->error_pid = pid;
		snprintf(s->error_msg, sizeof(s->error_msg), "%s", msg);
	}
	syscall(SYS_futex, &s->nr_pending, 1 /* FUTEX_WAKE */, 0x7fffffff, NULL, NULL, 0);
	_exit(1);
}

/* The error logged at the failure site, or a fallback, goes to ckpt. */
static void __attribute__((noreturn)) task_failed(struct restore_ctx *ctx, pid_t pid, int err,
						  const char *what)
{
	const char *first = log_first_error();

	if (first)
		restore_task_fail(ctx, pid, err, "%s", first);
	restore_task_fail(ctx, pid, err, "pid %d: %s: %s", pid, what, strerror(-err));
}

static int read_one(struct imgset *set, enum img_kind kind, pid_t pid, ProtobufCMessage **out)
{
	struct img *img;
	int ret;

	ret = img_open(set, kind, pid, &img);
	if (ret)
		return ret;
	ret = img_read_msg(img, out);
	if (ret == 0) {
		pr_err("pid %d: %s: empty image", pid, img_name(img));
		ret = -EBADMSG;
	}
	img_close(img);
	return ret < 0 ? ret : 0;
}

/* All records of an image (pagemap, fdinfo). */
static int read_all_msgs(struct imgset *set, enum img_kind kind, pid_t pid,
			 ProtobufCMessage ***out, size_t *n)
{
	ProtobufCMessage **v = NULL, *m;
	size_t cnt = 0;
	struct img *img;
	int ret;

	ret = img_open(set, kind, pid, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) > 0) {
		ProtobufCMessage **nv = reallocarray(v, cnt + 1, sizeof(*nv));

		if (!nv) {
			protobuf_c_message_free_unpacked(m, NULL);
			ret = -ENOMEM;
			break;
		}
		v = nv;
		v[cnt++] = m;
	}
	img_close(img);
	if (ret < 0) {
		for (size_t i = 0; i < cnt; i++)
			protobuf_c_message_free_unpacked(v[i], NULL);
		free(v);
		return ret;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static int read_images(struct restore_ctx *ctx, pid_t pid, struct task_images *ti)
{
	ProtobufCMessage *m;
	int ret;

	ret = read_one(ctx->set, IMG_CORE, pid, &m);
	if (ret)
		return ret;
	ti->core = (TaskCoreEntry *)m;
	ret = read_one(ctx->set, IMG_MM, pid, &m);
	if (ret)
		return ret;
	ti->mm = (MmEntry *)m;
	ret = read_one(ctx->set, IMG_FS, pid, &m);
	if (ret)
		return ret;
	ti->fs = (FsEntry *)m;
	ret = read_all_msgs(ctx->set, IMG_PAGEMAP, pid, (ProtobufCMessage ***)&ti->pagemap,
			    &ti->nr_pagemap);
	if (ret)
		return ret;
	ret = read_all_msgs(ctx->set, IMG_FDINFO, pid, (ProtobufCMessage ***)&ti->fds, &ti->nr_fds);
	if (ret)
		return ret;
	if (ti->core->n_threads == 0 || ti->core->threads[0]->tid != (uint32_t)pid) {
		pr_err("pid %d: core image: the first thread must be the leader", pid);
		return -EBADMSG;
	}
	return 0;
}

/* An fd for the restorer, above every fd the task will have. */
int restore_fd_above(struct restore_ctx *ctx, int fd)
{
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, ctx->fd_base2);

	close(fd);
	return nfd < 0 ? -errno : nfd;
}

static bool can_raise_hard_limits(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	return !syscall(SYS_capget, &h, d) && (d[CAP_SYS_RESOURCE / 32].effective &
					       (1u << (CAP_SYS_RESOURCE % 32)));
}

/*
 * Limits go on last (a low RLIMIT_NOFILE would stop ckpt's own fds), when
 * the log is closed: the hard limits that cannot be raised are told first.
 */
static void warn_rlimits(pid_t pid, const TaskCoreEntry *core)
{
	for (size_t i = 0; i < core->n_rlimits; i++) {
		const RlimitEntry *r = core->rlimits[i];
		struct rlimit now;

		if (!getrlimit(r->resource, &now) && r->max > now.rlim_max && !can_raise_hard_limits())
			pr_warn("pid %d: rlimit %u: hard limit %llu kept at %llu (no CAP_SYS_RESOURCE)",
				pid, r->resource, (unsigned long long)r->max,
				(unsigned long long)now.rlim_max);
	}
}

static int restore_rlimits(pid_t pid, const TaskCoreEntry *core)
{
	for (size_t i = 0; i < core->n_rlimits; i++) {
		const RlimitEntry *r = core->rlimits[i];
		struct rlimit rl = { r->cur, r->max }, now;

		if (!setrlimit(r->resource, &rl))
			continue;
		if (errno != EPERM || getrlimit(r->resource, &now))
			return -errno;
		/* raising a hard limit needs CAP_SYS_RESOURCE: keep what can be kept */
		rl.rlim_max = now.rlim_max;
		if (rl.rlim_cur > rl.rlim_max)
			rl.rlim_cur = rl.rlim_max;
		if (setrlimit(r->resource, &rl))
			return -errno;
	}
	return 0;
}


static int restore_fs(struct restore_ctx *ctx, pid_t pid, const FsEntry *fs)
{
	uint32_t cwd = fs->has_cwd_file_id ? fs->cwd_file_id : 0;

	if (strcmp(fs->root, "/") && chroot(fs->root))
		return pr_perror("pid %d: chroot %s", pid, fs->root);
	/* by inode: a removed cwd is a removed directory again */
	if (cwd && cwd <= ctx->nr_files && ctx->transport[cwd] >= 0) {
		if (fchdir(ctx->transport[cwd]))
			return pr_perror("pid %d: fchdir to %s", pid, fs->cwd);
		return 0;
	}
	if (chdir(fs->cwd))
		return pr_perror("pid %d: chdir %s", pid, fs->cwd);
	return 0;
}

/*
 * Put the task's fds at their numbers: drop ckpt's own, dup2 the transport
 * fds, then close the transport range. fds the restorer needs are above it.
 */
/*
 * Where each fd of the task comes from: the transport fd of a shared
 * description, or, for a file this fd alone has, an open of our own
 * (done before chroot: the paths are as ckpt saw them). *srcp: an array
 * parallel to ti->fds.
 */
static int open_task_fds(struct restore_ctx *ctx, pid_t pid, struct task_images *ti, int **srcp,
			 bool open_local_now)
{
	int *src = calloc(ti->nr_fds ? ti->nr_fds : 1, sizeof(*src));

	if (!src)
		return -ENOMEM;
	for (size_t i = 0; i < ti->nr_fds; i++)
		src[i] = -1;
	*srcp = src;
	for (size_t i = 0; i < ti->nr_fds; i++) {
		const FdEntry *f = ti->fds[i];
		bool local;
		int fd;

		if (f->fd >= (uint32_t)ctx->fd_base || f->file_id == 0 || f->file_id > ctx->nr_files) {
			pr_err("pid %d: fd %u: bad fd entry (file %u)", pid, f->fd, f->file_id);
			return -EBADMSG;
		}
		local = restore_file_is_local(ctx, f->file_id);
		if (!local) {
			src[i] = ctx->transport[f->file_id];
			if (src[i] < 0) {
				pr_err("pid %d: fd %u: file %u was not opened", pid, f->fd, f->file_id);
				return -EBADMSG;
			}
			continue;
		}
		if (!open_local_now)
			continue;	/* in place, by install_fds */
		/* ours alone: opened here, above every fd the task will have */
		fd = restore_open_local(ctx, ctx->files[f->file_id]);
		if (fd >= 0)
			fd = restore_fd_above(ctx, fd);
		if (fd < 0) {
			if (!log_first_error())
				pr_err("pid %d: fd %u: %s", pid, f->fd, strerror(-fd));
			return fd;
		}
		src[i] = fd;
	}
	return 0;
}

static int install_fds(struct restore_ctx *ctx, pid_t pid, struct task_images *ti, int *src)
{
	bool *want = calloc(ctx->fd_base, sizeof(*want));

	if (!want)
		return -ENOMEM;
	for (size_t i = 0; i < ti->nr_fds; i++)
		want[ti->fds[i]->fd] = true;
	log_fini();	/* its fd may be one of the task's numbers */
	/* what is not the task's goes, a range at a time */
	for (int fd = 0; fd < ctx->fd_base;) {
		int end = fd;

		while (end < ctx->fd_base && !want[end])
			end++;
		if (end > fd)
			close_range(fd, end - 1, 0);
		fd = end + 1;
	}
	free(want);
	for (size_t i = 0; i < ti->nr_fds; i++) {
		const FdEntry *f = ti->fds[i];

		if (src[i] < 0)
			continue;
		if (dup3(src[i], f->fd, f->cloexec ? O_CLOEXEC : 0) < 0)
			return -errno;
		if (src[i] != ctx->transport[f->file_id])
			close(src[i]);
	}
	/*
	 * Files one fd alone has, opened in place: whatever number open()
	 * picks is free again right after the dup3 (never one installed
	 * already), so no more than one extra fd is ever needed.
	 */
	for (size_t i = 0; i < ti->nr_fds; i++) {
		const FdEntry *f = ti->fds[i];
		int fd;

		if (src[i] >= 0)
			continue;
		fd = restore_open_local(ctx, ctx->files[f->file_id]);
		if (fd < 0)
			restore_task_fail(ctx, pid, fd, "pid %d fd %u (%s): open: %s", pid, f->fd,
					  ctx->files[f->file_id]->path, strerror(-fd));
		if (fd != (int)f->fd) {
			if (dup3(fd, f->fd, f->cloexec ? O_CLOEXEC : 0) < 0)
				return -errno;
			close(fd);
		} else if (fcntl(fd, F_SETFD, f->cloexec ? FD_CLOEXEC : 0)) {
			return -errno;
		}
	}
	close_range(ctx->fd_base, ctx->fd_base2 - 1, 0);
	return 0;
}

/*
 * Children sharing our fd table read their images through it: they must be
 * done before we close what is not the task's.
 */
static void wait_files_sharers(struct restore_ctx *ctx, struct rtask *t)
{
	for (size_t i = 0; i < t->nr_children; i++) {
		struct rtask *c = t->children[i];
		uint32_t *flag = &ctx->sync->slots[c->slot].prepared;

		if (!c->files_shared)
			continue;
		while (!__atomic_load_n(flag, __ATOMIC_SEQ_CST) &&
		       !__atomic_load_n(&ctx->sync->error, __ATOMIC_SEQ_CST)) {
			struct timespec ts = { 0, 100 * 1000 * 1000 };

			syscall(SYS_futex, flag, 0 /* FUTEX_WAIT */, 0, &ts, NULL, 0);
		}
		wait_files_sharers(ctx, c);
	}
}

/* Write a number to /proc/self/NAME. 0 or -errno. */
static int write_self(const char *name, long long v)
{
	char path[64], val[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	len = snprintf(val, sizeof(val), "%lld", v);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

static long long read_self(const char *name)
{
	char path[64], val[32] = "";
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, val, sizeof(val) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	val[n] = '\0';
	return strtoll(val, NULL, 10);
}

/*
 * Process-wide settings of src/dump/core.c fill_task_misc() (the subreaper
 * bit is set before the children are made); set before the
 * restorer changes the creds (lowering oom_score_adj below what ckpt had, or
 * setting the login uid, needs privileges the task may drop).
 */
static void restore_task_misc(struct restore_ctx *ctx, pid_t pid, const TaskCoreEntry *core)
{
	int ret;

	if (core->has_oom_score_adj) {
		if (core->oom_score_adj < -1000 || core->oom_score_adj > 1000)
			restore_task_fail(ctx, pid, -EBADMSG, "pid %d: core image: oom_score_adj %d",
					  pid, core->oom_score_adj);
		ret = write_self("oom_score_adj", core->oom_score_adj);
		if (ret)
			restore_task_fail(ctx, pid, ret, "pid %d: oom_score_adj %d: %s%s", pid,
					  core->oom_score_adj, strerror(-ret),
					  ret == -EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
	}
	/* the audit login uid is set once: only where it differs from ours */
	if (core->has_loginuid && read_self("loginuid") != (long long)core->loginuid) {
		ret = write_self("loginuid", core->loginuid);
		if (ret)
			restore_task_fail(ctx, pid, ret, "pid %d: loginuid %u (ckpt has %lld): %s", pid,
					  core->loginuid, read_self("loginuid"), strerror(-ret));
	}
	if (core->has_thp_disable && (core->thp_disable & 1)) {
		/* bit 1: PR_THP_DISABLE_EXCEPT_ADVISED (6.18), passed as the flags */
		if (prctl(PR_SET_THP_DISABLE, 1, core->thp_disable & 2, 0, 0))
			restore_task_fail(ctx, pid, -errno, "pid %d: PR_SET_THP_DISABLE %u: %s", pid,
					  core->thp_disable, strerror(errno));
	}
}

/* glibc registered rseq for ckpt's thread; the restorer registers the task's. */
static int unregister_rseq(void)
{
	void *area;

	if (!__rseq_size)
		return 0;
	area = (char *)__builtin_thread_pointer() + __rseq_offset;
	if (!syscall(SYS_rseq, area, __rseq_size, 1 /* RSEQ_FLAG_UNREGISTER */, RSEQ_SIG))
		return 0;
	if (!syscall(SYS_rseq, area, 32, 1, RSEQ_SIG))
		return 0;
	return -errno;
}

void restore_task(struct restore_ctx *ctx, struct rtask *t)
{
	pid_t pid = t->pe->pid;
	struct task_images ti = { 0 };
	struct rst_area area;
	int *fd_src = NULL;
	sigset_t all;
	int ret;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	ctx->sync->slots[t->slot].pid = pid;

	ret = restore_session(t);
	if (ret)
		task_failed(ctx, pid, ret, "create the tree");
	ret = read_images(ctx, pid, &ti);
	if (ret)
		task_failed(ctx, pid, ret, "read images");
	/* through /proc/self: before restore_fs() may chroot this task */
	restore_task_misc(ctx, pid, ti.core);
	/* before the children: they inherit from it whether an ancestor reaps their orphans */
	if (ti.core->has_child_subreaper && ti.core->child_subreaper &&
	    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0))
		task_failed(ctx, pid, -errno, "PR_SET_CHILD_SUBREAPER");
	ret = restore_create_children(ctx, t);
	if (ret)
		task_failed(ctx, pid, ret, "create the tree");
	warn_rlimits(pid, ti.core);
	ret = restore_area_build(ctx, t, &ti, &area);
	if (ret)
		task_failed(ctx, pid, ret, "prepare memory");
	if (!t->files_shared) {
		/* after a chroot the paths (as ckpt saw them) would not resolve: open first */
		ret = open_task_fds(ctx, pid, &ti, &fd_src, strcmp(ti.fs->root, "/") != 0);
		if (ret)
			task_failed(ctx, pid, ret, "open files");
	}
	/* with CLONE_FS / CLONE_FILES the parent sets them up for both */
	ret = t->fs_shared ? 0 : restore_fs(ctx, pid, ti.fs);
	if (ret)
		task_failed(ctx, pid, ret, "fs state");
	if (t->files_shared) {
		__atomic_store_n(&ctx->sync->slots[t->slot].prepared, 1, __ATOMIC_SEQ_CST);
		syscall(SYS_futex, &ctx->sync->slots[t->slot].prepared, 1 /* FUTEX_WAKE */, 1,
			NULL, NULL, 0);
		/* the log's fd is the owner's to close: we do not log from here on */
	} else {
		wait_files_sharers(ctx, t);
		ret = install_fds(ctx, pid, &ti, fd_src);
		if (ret)
			restore_task_fail(ctx, pid, ret, "pid %d: install fds: %s", pid, strerror(-ret));
	}

	ret = restore_rlimits(pid, ti.core);
	if (ret)
		restore_task_fail(ctx, pid, ret, "pid %d: setrlimit: %s", pid, strerror(-ret));
	if (ti.core->has_nice && setpriority(PRIO_PROCESS, 0, ti.core->nice))
		restore_task_fail(ctx, pid, -errno, "pid %d: nice %d: %s", pid, ti.core->nice,
				  strerror(errno));
	umask(ti.core->umask);
	if (ti.core->comm)
		prctl(PR_SET_NAME, ti.core->comm);
	if (personality(ti.core->personality) < 0)
		restore_task_fail(ctx, pid, -errno, "pid %d: personality %#x: %s", pid,
				  ti.core->personality, strerror(errno));
	ret = unregister_rseq();
	if (ret)
		restore_task_fail(ctx, pid, ret, "pid %d: unregister ckpt's rseq: %s", pid, strerror(-ret));
	arch_jump_to_restorer(area.entry, area.stack_top, area.args);
}
