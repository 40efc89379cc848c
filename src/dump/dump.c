/*
 * A dump, end to end: seize the tree, dump each task (the parasite runs in
 * one task at a time, all stay frozen), write the tree-wide images, commit
 * the inventory last, then kill the tree or let it run.
 *
 * Any failure after seize: every task is cured and released as it was, and
 * the images made so far are removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/kcmp.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "files/fown.h"
#include "files/locks.h"
#include "mem/mem.h"
#include "inventory.pb-c.h"
#include "mountinfo.pb-c.h"
#include "pstree.pb-c.h"

/* A session whose leader is not in the tree is the caller's (a shell's). */
static bool external_session(struct seized_tree *tree, const struct seized_task *t)
{
	struct seized_task *leader = seized_find(tree, t->sid);

	return !leader || leader->sid != leader->pid;
}

static int dump_pstree(struct imgset *set, struct seized_tree *tree)
{
	struct img *img;
	int ret, ret2;

	ret = img_create(set, IMG_PSTREE, 0, &img);
	if (ret)
		return ret;
	for (size_t i = 0; !ret && i < tree->nr; i++) {
		struct seized_task *t = &tree->tasks[i];
		PstreeEntry e = PSTREE_ENTRY__INIT;
		uint32_t *tids = calloc(t->nr_threads ? t->nr_threads : 1, sizeof(*tids));

		if (!tids) {
			ret = -ENOMEM;
			break;
		}
		e.pid = t->pid;
		e.ppid = t->ppid;
		e.pgid = t->pgid;
		e.sid = t->sid;
		e.state = t->state;
		e.comm = t->comm;
		if (external_session(tree, t)) {
			e.has_external_session = true;
			e.external_session = true;
		}
		if (t->ppid && t->state != SEIZED_ZOMBIE) {
			e.has_files_shared = e.has_fs_shared = true;
			e.files_shared = !syscall(SYS_kcmp, t->pid, t->ppid, KCMP_FILES, 0, 0);
			e.fs_shared = !syscall(SYS_kcmp, t->pid, t->ppid, KCMP_FS, 0, 0);
		}
		for (size_t j = 0; j < t->nr_threads; j++)
			tids[j] = t->threads[j].tid;
		e.threads = tids;
		e.n_threads = t->nr_threads;
		if (t->state == SEIZED_STOPPED && t->stop_sig) {
			e.has_stop_signal = true;
			e.stop_signal = t->stop_sig;
		}
		if (t->state == SEIZED_ZOMBIE) {
			e.has_exit_code = true;
			e.exit_code = t->exit_code;
			e.has_zombie_sigblk = e.has_zombie_sigign = e.has_zombie_sigcgt = true;
			e.zombie_sigblk = t->zsig_blk;
			e.zombie_sigign = t->zsig_ign;
			e.zombie_sigcgt = t->zsig_cgt;
		}
		ret = img_write_msg(img, &e.base);
		free(tids);
	}
	ret2 = img_close(img);
	return ret ? ret : ret2;
}

static int dump_mountinfo(struct imgset *set, pid_t pid)
{
	struct mountinfo *m = NULL;
	size_t n = 0;
	char *buf = NULL;
	struct img *img;
	ssize_t len;
	int ret, ret2;

	len = proc_read(pid, "mountinfo", &buf);
	if (len < 0)
		return len;
	ret = proc_parse_mountinfo(buf, &m, &n);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/mountinfo", pid, pid);
	img = NULL;
	ret = img_create(set, IMG_MOUNTINFO, 0, &img);
	for (size_t i = 0; !ret && i < n; i++) {
		MountinfoEntry e = MOUNTINFO_ENTRY__INIT;

		e.mnt_id = m[i].mnt_id;
		e.parent_id = m[i].parent_id;
		e.major = m[i].major;
		e.minor = m[i].minor;
		e.root = m[i].root;
		e.mountpoint = m[i].mountpoint;
		e.fstype = m[i].fstype;
		e.source = m[i].source;
		e.options = m[i].options;
		e.super_options = m[i].super_options;
		ret = img_write_msg(img, &e.base);
	}
	if (img) {
		ret2 = img_close(img);
		ret = ret ? ret : ret2;
	}
	proc_mountinfo_free(m, n);
	return ret;
}

static int commit(struct imgset *set, const struct dump_opts *o, size_t ntasks)
{
	InventoryEntry inv = INVENTORY_ENTRY__INIT;
	struct utsname u;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	uname(&u);
	inv.img_version = IMG_VERSION;
	inv.root_pid = o->pid;
	inv.ntasks = ntasks;
	inv.has_dump_time_ns = true;
	inv.dump_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
	inv.kernel = u.release;
	inv.has_leave_running = true;
	inv.leave_running = o->leave_running;
	inv.ckpt_version = CKPT_VERSION;
	inv.has_shell_job = true;
	inv.shell_job = o->shell_job;
	inv.has_page_size = true;
	inv.page_size = PAGE_SIZE;
	return imgset_commit(set, &inv.base);
}

static void task_dump_free(struct task_dump *td)
{
	proc_status_free(&td->status);
	proc_vmas_free(td->vmas, td->nr_vmas);
	free(td->altstacks);
	free(td->tid_addrs);
	free(td->timers);
	free(td->kinds);
	free(td->exe_path);
	free(td->vma_file_ids);
	dump_pages_free(td->pages);
}

/* Tasks dumped side by side: their parasites run at once, their injected syscalls overlap. */
#define TASK_BATCH 16

static int dump_batch(struct task_dump *tds, size_t n)
{
	struct infect_ctl *ics[TASK_BATCH];
	size_t nic = 0;
	int ret = 0, ret2;

	for (size_t i = 0; !ret && i < n; i++) {
		ret = dump_task_prepare(&tds[i]);
		if (tds[i].ic.task)
			ics[nic++] = &tds[i].ic;
	}
	if (!ret)
		ret = infect_start_many(ics, nic);
	if (!ret) {
		fault_point("parasite");
		/* each parasite gathers its misc while we go through the tasks before it */
		for (size_t i = 0; !ret && i < n; i++)
			ret = parasite_cmd(&tds[i].ic, PARASITE_CMD_MISC, 0, -1);
	}
	for (size_t i = 0; !ret && i < n; i++)
		ret = dump_task_parasite(&tds[i]);
	/* each parasite moved its first batch of pages meanwhile */
	for (size_t i = 0; !ret && i < n; i++)
		ret = dump_task_pages(&tds[i]);
	/* a failure: a batch of pages still in flight is taken first (mem.h) */
	for (size_t i = 0; ret && i < n; i++)
		dump_pages_settle(tds[i].pages);
	/* whatever happened: the tasks go back (infect_cure wants an infect_init()'ed ic) */
	ret2 = infect_cure_many(ics, nic);
	for (size_t i = 0; !ret && !ret2 && i < n; i++)
		ret = dump_task_images(&tds[i]);
	for (size_t i = 0; i < n; i++)
		task_dump_free(&tds[i]);
	return ret ? ret : ret2;
}

/*
 * Can t join the batch tds[0..n)? Not if it shares its address space or fd
 * table with one of them (each parasite would see the other's mapping, stub
 * and fds), nor if it or one of them is stopped: a stopped task's parasite
 * stays alone, as before batches, because of what a dumper killed while it
 * runs leaves (the task runs a little of its own code before it stops again).
 */
static bool joins_batch(const struct task_dump *tds, size_t n, const struct seized_task *t)
{
	for (size_t i = 0; i < n; i++) {
		const struct seized_task *o = tds[i].task;

		/* kcmp: 0 is "the same"; an error counts as the same too */
		if (t->state == SEIZED_STOPPED || o->state == SEIZED_STOPPED ||
		    syscall(SYS_kcmp, t->pid, o->pid, KCMP_VM, 0, 0) <= 0 ||
		    syscall(SYS_kcmp, t->pid, o->pid, KCMP_FILES, 0, 0) <= 0)
			return false;
	}
	return true;
}

static int dump_tasks(struct imgset *set, struct file_table *ft, struct seized_tree *tree,
		      bool shell_job)
{
	cleanup_free struct task_dump *tds = calloc(TASK_BATCH, sizeof(*tds));
	size_t n = 0;
	int ret = 0;

	if (!tds)
		return -ENOMEM;
	for (size_t i = 0; !ret && i < tree->nr; i++) {
		struct seized_task *t = &tree->tasks[i];

		if (t->state == SEIZED_ZOMBIE)
			continue;
		if (n == TASK_BATCH || !joins_batch(tds, n, t)) {
			ret = dump_batch(tds, n);
			n = 0;
			if (ret)
				break;
		}
		tds[n++] = (struct task_dump){ .task = t, .set = set, .files = ft,
					       .shell_job = shell_job,
					       .external_session = external_session(tree, t) };
	}
	if (!ret && n)
		ret = dump_batch(tds, n);
	return ret;
}

/* What a /proc/PID file of the tree may name: a live thread of it. */
static int set_tree_tids(struct file_table *ft, const struct seized_tree *tree)
{
	cleanup_free pid_t *tids = NULL;
	size_t n = 0;

	for (size_t i = 0; i < tree->nr; i++)
		n += tree->tasks[i].nr_threads;
	tids = calloc(n ? n : 1, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < tree->nr; i++)
		for (size_t j = 0; j < tree->tasks[i].nr_threads; j++)
			tids[n++] = tree->tasks[i].threads[j].tid;
	return file_table_set_tids(ft, tids, n);
}

int dump_tree(const struct dump_opts *o)
{
	struct seized_tree tree;
	struct file_table *ft = NULL;
	struct imgset *set = NULL;
	int ret;

	ret = imgset_create(o->dir, false, &set);
	if (ret)
		return ret;
	ret = seize_tree(o->pid, o->freeze_timeout, &tree);
	if (ret) {
		imgset_abort(set);
		return ret;
	}
	fault_point("seize");

	/* what restore cannot bring back is refused before any task is touched */
	for (size_t i = 0; !ret && i < tree.nr; i++)
		if (tree.tasks[i].state != SEIZED_ZOMBIE)
			ret = dump_check_namespaces(tree.tasks[i].pid);
	if (!ret)
		ret = file_table_new(set, o->ghost_limit, &ft);
	if (!ret)
		ret = set_tree_tids(ft, &tree);
	if (!ret)
		ret = dump_tasks(set, ft, &tree, o->shell_job);
	if (!ret)
		ret = file_table_check_proc_shared(ft);
	if (!ret)
		ret = locks_check_all_seen(ft, &tree);
	if (!ret)
		ret = fown_check_owners(ft, &tree);
	if (!ret)
		ret = file_table_relink_all(ft);
	if (!ret)
		ret = file_table_write(ft, set);
	if (!ret)
		ret = dump_pstree(set, &tree);
	if (!ret)
		ret = dump_mountinfo(set, o->pid);
	if (!ret)
		ret = commit(set, o, tree.nr);

	if (ret) {
		file_table_unlink_relinks(ft);
		release_tree(&tree, false);
		imgset_abort(set);
	} else {
		release_tree(&tree, !o->leave_running);
		imgset_close(set);
		pr_info("dumped %zu tasks of tree %d into %s", tree.nr, o->pid, o->dir);
	}
	file_table_free(ft);
	seized_tree_free(&tree);
	return ret;
}
