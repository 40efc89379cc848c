/* ckpt restore, in the main process: read, check, prepare, create, wait, finish. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "fdinfo.pb-c.h"
#include "files.pb-c.h"
#include "inventory.pb-c.h"
#include "images/validate.h"
#include "restore/restore.h"

#define STALL_TIMEOUT_S 60

static int read_pstree(struct restore_ctx *ctx)
{
	struct img *img;
	ProtobufCMessage *m;
	int ret;

	ret = img_open(ctx->set, IMG_PSTREE, 0, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) > 0) {
		PstreeEntry *pe = (PstreeEntry *)m;
		struct rtask *nt = reallocarray(ctx->tasks, ctx->nr_tasks + 1, sizeof(*nt));

		if (!nt) {
			protobuf_c_message_free_unpacked(m, NULL);
			ret = -ENOMEM;
			break;
		}
		ctx->tasks = nt;
		memset(&nt[ctx->nr_tasks], 0, sizeof(*nt));
		nt[ctx->nr_tasks].pe = pe;
		nt[ctx->nr_tasks].slot = ctx->nr_tasks;
		ctx->nr_tasks++;
	}
	img_close(img);
	if (ret < 0)
		return ret;
	if (!ctx->nr_tasks)
		return pr_errno(-EBADMSG, "pstree.img: no tasks");
	return 0;
}

/* Parents before children, every ppid known: the tree is whole. */
static int link_tree(struct restore_ctx *ctx)
{
	const InventoryEntry *inv = imgset_inventory(ctx->set);

	if (ctx->tasks[0].pe->pid != inv->root_pid)
		return pr_errno(-EBADMSG, "pstree.img: root %u, inventory says %u",
				ctx->tasks[0].pe->pid, inv->root_pid);
	for (size_t i = 1; i < ctx->nr_tasks; i++) {
		struct rtask *t = &ctx->tasks[i], *p = NULL, **nc;

		for (size_t j = 0; j < i; j++)
			if (ctx->tasks[j].pe->pid == t->pe->ppid)
				p = &ctx->tasks[j];
		if (!p)
			return pr_errno(-EBADMSG, "pstree.img: pid %u: parent %u not before it",
					t->pe->pid, t->pe->ppid);
		nc = reallocarray(p->children, p->nr_children + 1, sizeof(*nc));
		if (!nc)
			return -ENOMEM;
		p->children = nc;
		p->children[p->nr_children++] = t;
		t->parent = p;
		t->files_shared = t->pe->has_files_shared && t->pe->files_shared;
		t->fs_shared = t->pe->has_fs_shared && t->pe->fs_shared;
	}
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		PstreeEntry *pe = ctx->tasks[i].pe;

		if (pe->state == TASK_STATE__TASK_ZOMBIE)
			continue;
		if (!pe->n_threads || pe->threads[0] != pe->pid)
			return pr_errno(-EBADMSG, "pstree.img: pid %u: bad thread list", pe->pid);
		ctx->nr_threads += pe->n_threads;
	}
	return 0;
}

/* Every pid and tid must be free before anything starts. */
static int check_ids_free(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		PstreeEntry *pe = ctx->tasks[i].pe;
		size_t n = pe->n_threads ? pe->n_threads : 1;

		for (size_t j = 0; j < n; j++) {
			uint32_t id = pe->n_threads ? pe->threads[j] : pe->pid;
			char path[64], comm[64] = "?";

			snprintf(path, sizeof(path), "/proc/%u", id);
			if (access(path, F_OK))
				continue;
			snprintf(path, sizeof(path), "/proc/%u/comm", id);
			if (read_small_file(path, comm, sizeof(comm)) > 0)
				comm[strcspn(comm, "\n")] = '\0';
			pr_err("pid %u is in use (by %s): cannot restore %s %u", id, comm,
			       id == pe->pid ? "task" : "thread", id);
			return -EEXIST;
		}
	}
	return 0;
}

/* Transport fds go above every fd any task has. */
static int plan_fds(struct restore_ctx *ctx)
{
	uint32_t max_fd = 0;
	struct img *img;
	ProtobufCMessage *m;
	int ret;

	size_t nr_transport = 0;

	ret = img_open(ctx->set, IMG_FILES, 0, &img);
	if (ret)
		return ret;
	while ((ret = img_read_msg(img, &m)) > 0) {
		FileEntry *fe = (FileEntry *)m, **nf;

		if (fe->id != ctx->nr_files + 1) {
			/* logged before the entry is freed: the message reads it */
			ret = pr_errno(-EBADMSG, "files.img: file id %u where %zu was due", fe->id,
				       ctx->nr_files + 1);
			protobuf_c_message_free_unpacked(m, NULL);
			img_close(img);
			return ret;
		}
		nf = reallocarray(ctx->files, ctx->nr_files + 2, sizeof(*nf));
		if (!nf) {
			protobuf_c_message_free_unpacked(m, NULL);
			img_close(img);
			return -ENOMEM;
		}
		ctx->files = nf;
		nf[0] = NULL;
		nf[++ctx->nr_files] = fe;
	}
	img_close(img);
	if (ret < 0)
		return ret;
	ctx->transport = malloc((ctx->nr_files + 1) * sizeof(int));
	ctx->refs = calloc(ctx->nr_files + 1, sizeof(*ctx->refs));
	if (!ctx->transport || !ctx->refs)
		return -ENOMEM;
	for (size_t i = 0; i <= ctx->nr_files; i++)
		ctx->transport[i] = -1;

	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		if (ctx->tasks[i].pe->state == TASK_STATE__TASK_ZOMBIE)
			continue;
		ret = img_open(ctx->set, IMG_FDINFO, ctx->tasks[i].pe->pid, &img);
		if (ret)
			return ret;
		while ((ret = img_read_msg(img, &m)) > 0) {
			FdEntry *f = (FdEntry *)m;

			if (f->fd > max_fd)
				max_fd = f->fd;
			if (f->file_id && f->file_id <= ctx->nr_files)
				ctx->refs[f->file_id]++;
			protobuf_c_message_free_unpacked(m, NULL);
		}
		img_close(img);
		if (ret < 0)
			return ret;
	}
	if (max_fd > (1u << 20))
		return pr_errno(-EBADMSG, "fdinfo: fd %u out of range", max_fd);
	for (size_t i = 1; i <= ctx->nr_files; i++)
		if (!restore_file_is_local(ctx, i))
			nr_transport++;

	ctx->fd_base = ALIGN_UP(max_fd + 1 > 64 ? max_fd + 1 : 64, 64);
	/* then the memfds of shared memory (one per object, few), then each task's own */
	ctx->fd_base2 = ctx->fd_base + nr_transport + 1 + 256;

	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < (rlim_t)ctx->fd_base2 + 256)
			return pr_errno(-EMFILE, "restore needs %d fds, RLIMIT_NOFILE is %llu",
					ctx->fd_base2 + 256, (unsigned long long)rl.rlim_cur);
	}
	return 0;
}

static int make_sync(struct restore_ctx *ctx)
{
	ctx->sync_size = PAGE_ALIGN(sizeof(struct rst_sync) +
				    ctx->nr_tasks * sizeof(struct rst_task_slot));
	ctx->sync = mmap(NULL, ctx->sync_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			 -1, 0);
	if (ctx->sync == MAP_FAILED) {
		ctx->sync = NULL;
		return pr_perror("map the sync page");
	}
	ctx->sync->nr_pending = ctx->nr_threads;
	ctx->sync->nr_slots = ctx->nr_tasks;
	return 0;
}

/*
 * A started task that is gone or a zombie (and should not be) has died: its
 * pid, or 0. Not logged here: a task that failed says why through rst_sync,
 * which wins over the plain fact that it is gone.
 */
static pid_t check_alive(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		PstreeEntry *pe = ctx->tasks[i].pe;
		char path[64], buf[512];
		char *p;

		if (pe->state == TASK_STATE__TASK_ZOMBIE || !ctx->sync->slots[i].pid)
			continue;
		snprintf(path, sizeof(path), "/proc/%u/stat", pe->pid);
		if (read_small_file(path, buf, sizeof(buf)) < 0)
			return pe->pid;
		p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			return pe->pid;
	}
	return 0;
}

/* A task posted chunks of memory to fill (struct rst_fill): take some. */
static int help_fill(struct restore_ctx *ctx, bool *helped)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		int ret;

		if (helped[i] || !__atomic_load_n(&ctx->sync->slots[i].fill.posted, __ATOMIC_SEQ_CST))
			continue;
		helped[i] = true;
		ret = restore_fill_help(ctx, i);
		if (ret)
			return ret;
	}
	return 0;
}

/* Threads still to get ready, and chunks of memory filled: any change is progress. */
static uint64_t progress(const struct restore_ctx *ctx, uint32_t n)
{
	uint64_t p = (uint64_t)n << 32;

	for (size_t i = 0; i < ctx->nr_tasks; i++)
		p += __atomic_load_n(&ctx->sync->slots[i].fill.done, __ATOMIC_SEQ_CST);
	return p;
}

/* Until every thread waits at its sigreturn, or something fails. */
static int wait_ready(struct restore_ctx *ctx, bool *helped)
{
	struct rst_sync *s = ctx->sync;
	uint64_t last = ~0ull;
	time_t since = time(NULL);

	for (;;) {
		uint32_t n = __atomic_load_n(&s->nr_pending, __ATOMIC_SEQ_CST);
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		uint64_t p = progress(ctx, n);
		pid_t dead;
		int ret;

		if (__atomic_load_n(&s->error, __ATOMIC_SEQ_CST)) {
			s->error_msg[sizeof(s->error_msg) - 1] = '\0';
			pr_err("%s", s->error_msg);
			return s->error;
		}
		if (n == 0)
			return 0;
		if (p != last) {
			last = p;
			since = time(NULL);
		} else if (time(NULL) - since > STALL_TIMEOUT_S) {
			return pr_errno(-ETIMEDOUT, "restore stalled: %u threads not ready", n);
		}
		ret = help_fill(ctx, helped);
		if (ret && !__atomic_load_n(&s->error, __ATOMIC_SEQ_CST))
			return ret;
		if (ret)
			continue;	/* a task's own reason is the one to tell */
		syscall(SYS_futex, &s->nr_pending, FUTEX_WAIT, n, &ts, NULL, 0);
		/*
		 * A task that fails writes its reason before it exits: seen dead,
		 * a reason it gave is there already (the loop reports it).
		 */
		dead = check_alive(ctx);
		if (dead && !__atomic_load_n(&s->error, __ATOMIC_SEQ_CST))
			return pr_errno(-ESRCH, "pid %d died during restore", dead);
	}
}

void restore_kill_tree(struct restore_ctx *ctx)
{
	if (!ctx->sync)
		return;
	__atomic_store_n(&ctx->sync->go, 2, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &ctx->sync->go, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0);
	for (size_t i = 0; i < ctx->nr_tasks; i++)
		if (ctx->sync->slots[i].pid)
			kill(ctx->sync->slots[i].pid, SIGKILL);
}

/*
 * Never through a symlink, never into a FIFO or device, never truncating a
 * file of someone else's: an existing path must be a regular file we own.
 */
int restore_write_pidfile(const char *path, pid_t pid)
{
	char buf[32];
	struct stat st;
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0)
		return pr_perror("pidfile %s", path);
	if (fstat(fd, &st)) {
		ret = pr_perror("pidfile %s: fstat", path);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		ret = pr_errno(-EPERM, "pidfile %s: exists and is not a regular file of ours", path);
		goto out;
	}
	snprintf(buf, sizeof(buf), "%d\n", pid);
	ret = ftruncate(fd, 0) ? -errno : write_all(fd, buf, strlen(buf));
	if (ret)
		pr_errno(ret, "pidfile %s", path);
out:
	if (close(fd) && !ret)
		ret = pr_perror("pidfile %s", path);
	return ret;
}

/*
 * A pidfd of ckpt at a number no task uses, inherited by every task: the
 * restorer's waits end the task when ckpt is gone.
 */
static int share_ckpt_pidfd(struct restore_ctx *ctx)
{
	int fd = syscall(SYS_pidfd_open, getpid(), 0), hi;

	if (fd < 0)
		return pr_perror("pidfd_open of ckpt itself");
	hi = fcntl(fd, F_DUPFD_CLOEXEC, ctx->fd_base2);
	close(fd);
	if (hi < 0)
		return pr_perror("pidfd of ckpt: F_DUPFD above %d", ctx->fd_base2);
	ctx->sync->ckpt_pidfd = hi;
	return 0;
}

/* --shell-job: the terminal among ckpt's stdio; a dump that was a shell job needs it. */
static int shell_job_tty(struct restore_ctx *ctx)
{
	const InventoryEntry *inv = imgset_inventory(ctx->set);
	bool job = inv->has_shell_job && inv->shell_job;

	ctx->tty_fd = -1;
	if (job && !ctx->o->shell_job) {
		pr_err("%s was dumped with --shell-job: restore it with --shell-job", ctx->o->dir);
		return -EINVAL;
	}
	if (!ctx->o->shell_job)
		return 0;
	for (int fd = 0; fd <= 2; fd++)
		if (isatty(fd)) {
			ctx->tty_fd = fd;
			return 0;
		}
	if (job) {
		pr_err("--shell-job: none of ckpt's stdin, stdout, stderr is a terminal");
		return -ENOTTY;
	}
	return 0;
}

/* A shell job in the foreground of the terminal, as the shell had it. */
static void set_foreground(struct restore_ctx *ctx, pid_t pgrp)
{
	void (*old)(int);

	if (ctx->tty_fd < 0)
		return;
	old = signal(SIGTTOU, SIG_IGN);	/* we may be in the background by now */
	if (tcsetpgrp(ctx->tty_fd, pgrp))
		pr_warn("terminal: cannot put process group %d in the foreground: %s", pgrp,
			strerror(errno));
	signal(SIGTTOU, old);
}

int restore_tree(const struct restore_opts *o, int *exit_status)
{
	struct restore_ctx ctx = { .o = o, .tty_fd = -1 };
	pid_t root = -1;
	int ret, status;

	*exit_status = 1;
	/* the set is untrusted input: whole and consistent before anything is made */
	ret = imgset_open_flags(o->dir, o->trust_images ? 0 : IMGSET_CHECK_OWNER, &ctx.set);
	if (ret)
		return ret;
	ret = imgset_validate(ctx.set, o->trust_images ? 0 : VALIDATE_CREDS);
	if (ret)
		return ret;
	ret = shell_job_tty(&ctx);
	if (!ret)
		ret = read_pstree(&ctx);
	if (!ret)
		ret = link_tree(&ctx);
	if (!ret)
		ret = check_ids_free(&ctx);
	if (!ret)
		ret = plan_fds(&ctx);
	if (!ret)
		ret = make_sync(&ctx);
	if (!ret)
		ret = share_ckpt_pidfd(&ctx);
	if (!ret)
		ret = restore_prepare_shmem(&ctx);
	if (!ret)
		ret = restore_open_files(&ctx);
	if (ret)
		return ret;

	ret = restore_create_root(&ctx, &root);
	if (!ret) {
		bool *helped = calloc(ctx.nr_tasks, sizeof(*helped));

		ret = helped ? wait_ready(&ctx, helped) : -ENOMEM;
		free(helped);
	}
	if (!ret)
		ret = restore_finish(&ctx);
	if (ret) {
		restore_kill_tree(&ctx);
		if (root > 0 && !o->detached)
			waitpid(root, NULL, 0);
		return ret;
	}
	restore_remove_relinks(&ctx);
	/* the transport fds are not the tree's any more */
	for (size_t i = 1; i <= ctx.nr_files; i++)
		if (ctx.transport[i] >= 0)
			close(ctx.transport[i]);
	pr_info("restored %zu tasks, root %d", ctx.nr_tasks, root);
	if (ctx.tasks[0].pe->has_external_session && ctx.tasks[0].pe->external_session &&
	    getpgid(root) == root)
		set_foreground(&ctx, root);
	if (o->detached) {
		*exit_status = 0;
		return 0;
	}
	while (waitpid(root, &status, 0) < 0)
		if (errno != EINTR)
			return pr_perror("wait for pid %d", root);
	set_foreground(&ctx, getpgrp());
	*exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return 0;
}
