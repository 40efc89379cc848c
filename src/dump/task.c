/* Dumping one seized task: /proc, the parasite, files, memory, images. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_PREFIX "dump: "
#include "common/log.h"
#include "common/util.h"
#include "dump/dump.h"
#include "dump/timers.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "mem/mem.h"
#include "mm.pb-c.h"
#include "proc/proc.h"

/*
 * Seccomp filters are not restored yet: a thread in seccomp mode 1 (strict)
 * or 2 (filters) is refused, before any injected syscall (a filter could
 * kill the task on one).
 */
static int check_seccomp(struct seized_task *t)
{
	for (size_t i = 0; i < t->nr_threads; i++) {
		pid_t tid = t->threads[i].tid;
		struct proc_status st = { 0 };
		char name[64], *buf = NULL;
		int ret;

		snprintf(name, sizeof(name), "task/%d/status", tid);
		ret = (int)proc_read(t->pid, name, &buf);
		if (ret < 0)
			return ret;
		ret = proc_parse_status(buf, &st);
		free(buf);
		if (ret)
			return pr_errno(ret, "pid %d tid %d: parse its status", t->pid, tid);
		proc_status_free(&st);
		if (st.seccomp > 0) {
			pr_err("pid %d tid %d: seccomp mode %d (%s): not supported", t->pid, tid,
			       st.seccomp, st.seccomp == 1 ? "strict" : "filters");
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

static int collect_proc(struct task_dump *td)
{
	pid_t pid = td->task->pid;
	char *buf = NULL;
	int ret;

	ret = proc_read(pid, "stat", &buf);
	if (ret < 0)
		return ret;
	ret = proc_parse_stat(buf, &td->stat);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/stat", pid, pid);

	ret = check_seccomp(td->task);
	if (ret)
		return ret;
	ret = proc_read(pid, "smaps", &buf);
	if (ret < 0)
		return ret;
	ret = proc_parse_maps(buf, &td->vmas, &td->nr_vmas);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d: parse /proc/%d/smaps", pid, pid);
	return 0;
}

/* What each extra thread tells in collect_threads(), in the args area. */
struct thread_out {
	struct parasite_stack altstack;
	uint64_t tid_address;
	int32_t mempolicy;
	int32_t pad;
};

/*
 * A thread's own NUMA policy (set_mempolicy) is not restored yet: a dump of a
 * thread with one other than the default is refused. mode: get_mempolicy()'s
 * mode, or -errno (ENOSYS: a kernel without NUMA has only the default).
 */
static int check_mempolicy(pid_t pid, pid_t tid, int mode)
{
	if (mode == 0 || mode == -ENOSYS)
		return 0;
	if (mode < 0)
		return pr_errno(mode, "pid %d tid %d: get_mempolicy", pid, tid);
	pr_err("pid %d tid %d: NUMA memory policy (set_mempolicy mode %d): not supported", pid, tid,
	       mode);
	return -EOPNOTSUPP;
}

/*
 * NUMA policies of memory ranges (mbind, or a shared memory object's) are
 * not restored yet: refused, naming the VMA. Asked by the parasite, one
 * get_mempolicy(MPOL_F_ADDR) per VMA.
 */
static int check_vma_policies(struct task_dump *td)
{
	struct parasite_vma_policy *vp = &td->ic.args->u.vma_policy;
	pid_t pid = td->task->pid;
	int ret;

	for (size_t first = 0; first < td->nr_vmas; first += PARASITE_MAX_VMA_POLICY) {
		size_t n = td->nr_vmas - first;

		if (n > PARASITE_MAX_VMA_POLICY)
			n = PARASITE_MAX_VMA_POLICY;
		vp->nr = n;
		for (size_t j = 0; j < n; j++)
			vp->addr[j] = td->vmas[first + j].start;
		ret = parasite_call(&td->ic, PARASITE_CMD_VMA_POLICY, 0);
		if (ret < 0) {
			if (!log_first_error())
				pr_errno(ret, "pid %d: parasite NUMA policies", pid);
			return ret;
		}
		for (size_t j = 0; j < n; j++) {
			const struct proc_vma *v = &td->vmas[first + j];

			/* < 0: no policy to lose ([vsyscall] is no VMA; ENOSYS: no NUMA) */
			if (vp->mode[j] <= 0)
				continue;
			pr_err("pid %d: VMA %lx-%lx %s: NUMA memory policy (mbind mode %d): not supported",
			       pid, v->start, v->end, v->path[0] ? v->path : "(anonymous)", vp->mode[j]);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

#define THREAD_BATCH (sizeof(((struct parasite_args *)0)->u.raw) / sizeof(struct thread_out))

/*
 * Per-thread state only the thread can tell: altstack, clear_child_tid. The
 * threads of a batch run their injected syscalls side by side.
 */
static int collect_threads(struct task_dump *td)
{
	struct seized_task *t = td->task;
	struct infect_ctl *ic = &td->ic;
	struct thread_out *out = (struct thread_out *)ic->args->u.raw;
	struct remote_thread rt[THREAD_BATCH];
	struct remote_call calls[THREAD_BATCH][3];
	int ret;

	td->altstacks = calloc(t->nr_threads, sizeof(*td->altstacks));
	td->tid_addrs = calloc(t->nr_threads, sizeof(*td->tid_addrs));
	if (!td->altstacks || !td->tid_addrs)
		return -ENOMEM;
	td->altstacks[0] = td->misc.altstack;
	td->tid_addrs[0] = td->misc.tid_address;
	ret = check_mempolicy(t->pid, t->threads[0].tid, td->misc.mempolicy);
	if (ret)
		return ret;
	for (size_t first = 1; first < t->nr_threads; first += THREAD_BATCH) {
		size_t n = min_t(size_t, t->nr_threads - first, THREAD_BATCH);

		memset(out, 0, n * sizeof(*out));
		for (size_t j = 0; j < n; j++) {
			uint64_t o = parasite_remote_addr(ic, &out[j]);

			calls[j][0] = (struct remote_call){ .nr = SYS_sigaltstack,
				.args = { 0, o + offsetof(struct thread_out, altstack) } };
			calls[j][1] = (struct remote_call){ .nr = SYS_prctl,
				.args = { PR_GET_TID_ADDRESS, o + offsetof(struct thread_out, tid_address) } };
			calls[j][2] = (struct remote_call){ .nr = SYS_get_mempolicy,
				.args = { o + offsetof(struct thread_out, mempolicy), 0, 0, 0, 0 } };
			rt[j] = (struct remote_thread){ .ic = ic, .th = &t->threads[first + j],
							.calls = calls[j], .ncalls = 3 };
		}
		ret = remote_syscalls(rt, n);
		if (ret)
			return ret;
		for (size_t j = 0; j < n; j++) {
			if (calls[j][0].ret)
				return pr_errno((int)calls[j][0].ret, "pid %d tid %d: sigaltstack",
						t->pid, rt[j].th->tid);
			td->altstacks[first + j] = out[j].altstack;
			if (!calls[j][1].ret)
				td->tid_addrs[first + j] = out[j].tid_address;
			ret = check_mempolicy(t->pid, rt[j].th->tid,
					      calls[j][2].ret ? (int)calls[j][2].ret : out[j].mempolicy);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int dump_fdinfo(struct task_dump *td)
{
	FdEntry *fds = NULL;
	struct img *img;
	size_t n = 0;
	int ret, ret2;

	ret = dump_task_fds(td->files, &td->ic, td->external_session, td->shell_job, &fds, &n);
	if (ret)
		return ret;
	ret = img_create(td->set, IMG_FDINFO, td->task->pid, &img);
	if (!ret) {
		for (size_t i = 0; !ret && i < n; i++)
			ret = img_write_msg(img, &fds[i].base);
		ret2 = img_close(img);
		ret = ret ? ret : ret2;
	}
	free(fds);
	return ret;
}

static int dump_fs(struct task_dump *td)
{
	pid_t pid = td->task->pid;
	char cwd[PATH_MAX], root[PATH_MAX];
	FsEntry fs = FS_ENTRY__INIT;
	ssize_t n;

	n = proc_readlink(pid, "root", root, sizeof(root));
	if (n < 0)
		return n;
	/* by inode too: a removed cwd comes back as a removed directory */
	n = file_table_add_proc_link(td->files, pid, "cwd", O_RDONLY | O_DIRECTORY,
				     &fs.cwd_file_id, cwd, sizeof(cwd));
	if (n < 0)
		return n;
	fs.has_cwd_file_id = true;
	fs.pid = pid;
	fs.cwd = cwd;
	fs.root = root;
	return img_write_one(td->set, IMG_FS, pid, &fs.base);
}

/* Mappings no restore can bring back are refused here, before the task is touched. */
static int check_vma(pid_t pid, const struct proc_vma *v, int kind)
{
	const char *why = NULL;

	if (kind == VMA_KIND__VMA_SPECIAL && (v->vmflags & (VMF_IO | VMF_PF)))
		why = "device mapping";		/* VM_IO / VM_PFNMAP: driver memory, not pages */
	else if (kind == VMA_KIND__VMA_SPECIAL)
		why = "special kernel mapping";
	else if ((kind == VMA_KIND__VMA_FILE_SHARED || kind == VMA_KIND__VMA_FILE_PRIVATE) &&
		 v->path[0] != '/')
		why = "mapping of a file with no path";	/* anon_inode:..., socket:... */
	if (!why)
		return 0;
	pr_err("pid %d: mapping %lx-%lx (%s): %s: unsupported", pid, v->start, v->end,
	       v->path[0] ? v->path : "anonymous", why);
	return -EOPNOTSUPP;
}

/*
 * A vDSO comes back whole or not at all (a task that unmapped it gets none):
 * [vvar] without [vdso], or [vdso] without [vvar], is refused.
 */
static int check_vdso_parts(pid_t pid, const int *kinds, size_t n)
{
	size_t vdso = 0, vvar = 0;

	for (size_t i = 0; i < n; i++) {
		vdso += kinds[i] == VMA_KIND__VMA_VDSO;
		vvar += kinds[i] == VMA_KIND__VMA_VVAR;
	}
	if (!vdso == !vvar)
		return 0;
	pr_err("pid %d: a partly unmapped vDSO ([vdso] %s, [vvar] %s): not supported", pid,
	       vdso ? "kept" : "unmapped", vvar ? "kept" : "unmapped");
	return -EOPNOTSUPP;
}

int dump_task_prepare(struct task_dump *td)
{
	struct seized_task *t = td->task;
	int ret;

	pr_info("pid %d (%s): %zu threads", t->pid, t->comm, t->nr_threads);
	ret = collect_proc(td);
	if (ret)
		return ret;
	td->kinds = calloc(td->nr_vmas ? td->nr_vmas : 1, sizeof(*td->kinds));
	if (!td->kinds)
		return -ENOMEM;
	for (size_t i = 0; i < td->nr_vmas; i++) {
		uint32_t flags;

		td->kinds[i] = vma_kind(&td->vmas[i], &flags);
		ret = check_vma(t->pid, &td->vmas[i], td->kinds[i]);
		if (!ret)
			ret = vma_check(t->pid, &td->vmas[i], td->kinds[i]);
		if (ret)
			return ret;
	}
	ret = check_vdso_parts(t->pid, td->kinds, td->nr_vmas);
	if (ret)
		return ret;
	return infect_init(&td->ic, t, td->vmas, td->nr_vmas);
}

int dump_task_parasite(struct task_dump *td)
{
	struct seized_task *t = td->task;
	int ret;

	ret = parasite_reply(&td->ic, NULL, 0, NULL);	/* to the misc command */
	if (ret < 0) {
		/* transport errors are logged already; one from the parasite itself is not */
		if (!log_first_error())
			pr_errno(ret, "pid %d: parasite misc", t->pid);
		return ret;
	}
	td->misc = td->ic.args->u.misc;
	ret = collect_threads(td);
	if (ret)
		return ret;
	ret = dump_timers(td);
	if (ret)
		return ret;
	ret = check_vma_policies(td);
	if (ret)
		return ret;
	ret = dump_fdinfo(td);
	if (ret)
		return ret;
	/* the parasite moves the first batch of pages while we go on */
	ret = dump_pages_start(&td->ic, td->set, td->vmas, td->kinds, td->nr_vmas, &td->pages);
	if (ret)
		return ret;
	/* the file table in the order of a dump: fds, cwd, exe, mappings */
	ret = dump_fs(td);
	if (ret)
		return ret;
	return dump_mm_files(td);
}

int dump_task_pages(struct task_dump *td)
{
	struct page_stats ps = { 0 };
	int ret = dump_pages_finish(td->pages, &ps);

	td->nr_pages = ps.nr_pages;
	return ret;
}

int dump_task_images(struct task_dump *td)
{
	int ret;

	ret = dump_core(td);
	if (ret)
		return ret;
	return dump_mm(td);
}
