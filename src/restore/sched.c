/*
 * Scheduling state of every restored thread (src/dump/sched.c): set by
 * ckpt from outside once every thread of the tree exists and waits in its
 * restorer, before any runs its own code again. Outside, because the task's
 * own creds (a non-root uid, dropped caps) may no longer allow it, and
 * per thread, as the kernel keeps it per thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/sched.h>
#include <linux/sched/types.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "common/util.h"
#include "core.pb-c.h"
#include "restore/restore.h"
#include "restore/sched.h"

#define AFFINITY_MAX	1024
/* flags sched_getattr() reports that sched_setattr() takes back as they are */
#define SCHED_FLAGS_KEPT (SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN)

static bool rt_or_dl(uint32_t policy)
{
	return policy == SCHED_FIFO || policy == SCHED_RR || policy == SCHED_DEADLINE;
}

static int set_attr(pid_t pid, pid_t tid, const SchedEntry *se)
{
	struct sched_attr sa, cur;

	memset(&sa, 0, sizeof(sa));
	memset(&cur, 0, sizeof(cur));
	sa.size = SCHED_ATTR_SIZE_VER1;
	/* an RT or deadline thread keeps a nice of its own: set it first */
	if (rt_or_dl(se->policy) && se->has_nice && se->nice) {
		sa.sched_policy = SCHED_NORMAL;
		sa.sched_nice = se->nice;
		if (syscall(SYS_sched_setattr, tid, &sa, 0))
			return pr_perror("pid %d tid %d: sched_setattr nice %d", pid, tid, se->nice);
	}
	if (syscall(SYS_sched_getattr, tid, &cur, sizeof(cur), 0))
		return pr_perror("pid %d tid %d: sched_getattr", pid, tid);
	sa.sched_policy = se->policy;
	sa.sched_flags = se->flags & SCHED_FLAGS_KEPT;
	sa.sched_nice = se->nice;
	sa.sched_priority = se->priority;
	sa.sched_runtime = se->runtime;
	sa.sched_deadline = se->deadline;
	sa.sched_period = se->period;
	/*
	 * A fair thread reports its slice as runtime; one passed back would be
	 * a custom slice (sched_setattr(2)): the default one, as the new thread
	 * has it too, is left default.
	 */
	if (!rt_or_dl(se->policy) && cur.sched_policy != SCHED_FIFO &&
	    cur.sched_policy != SCHED_RR && se->runtime == cur.sched_runtime)
		sa.sched_runtime = 0;
	/* clamps only where they differ from what the thread has (kernels without them) */
	if (se->has_util_min && se->util_min != cur.sched_util_min) {
		sa.sched_flags |= SCHED_FLAG_UTIL_CLAMP_MIN;
		sa.sched_util_min = se->util_min;
	}
	if (se->has_util_max && se->util_max != cur.sched_util_max) {
		sa.sched_flags |= SCHED_FLAG_UTIL_CLAMP_MAX;
		sa.sched_util_max = se->util_max;
	}
	if (syscall(SYS_sched_setattr, tid, &sa, 0))
		return pr_perror("pid %d tid %d: sched_setattr policy %u priority %u nice %d", pid,
				 tid, se->policy, se->priority, se->nice);
	return 0;
}

static int set_slack(pid_t pid, pid_t tid, uint64_t slack)
{
	char path[64], val[32];
	int fd, len, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/timerslack_ns", tid);
	len = snprintf(val, sizeof(val), "%llu", (unsigned long long)slack);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d tid %d: open %s", pid, tid, path);
	if (write(fd, val, len) != len)
		ret = pr_perror("pid %d tid %d: timer slack %s ns", pid, tid, val);
	close(fd);
	return ret;
}

static int restore_thread_sched(const PstreeEntry *pe, const ThreadCoreEntry *tc)
{
	pid_t pid = pe->pid, tid = tc->tid;
	bool known = false;
	int ret;

	/* the image names the thread: it must be one of this task's */
	for (size_t i = 0; i < pe->n_threads; i++)
		known |= pe->threads[i] == tc->tid;
	if (!known) {
		pr_err("pid %d: core image: thread %d is not in pstree.img", pid, tid);
		return -EBADMSG;
	}
	if (tc->sched) {
		ret = set_attr(pid, tid, tc->sched);
		if (ret)
			return ret;
	}
	if (tc->has_affinity) {
		if (!tc->affinity.len || tc->affinity.len > AFFINITY_MAX) {
			pr_err("pid %d tid %d: core image: affinity mask of %zu bytes", pid, tid,
			       tc->affinity.len);
			return -EBADMSG;
		}
		if (syscall(SYS_sched_setaffinity, tid, tc->affinity.len, tc->affinity.data))
			return pr_perror("pid %d tid %d: sched_setaffinity", pid, tid);
	}
	/* an RT or deadline thread has none (the kernel keeps 0): set after the policy */
	if (tc->has_timerslack_ns && tc->timerslack_ns &&
	    !(tc->sched && rt_or_dl(tc->sched->policy)))
		return set_slack(pid, tid, tc->timerslack_ns);
	return 0;
}

int restore_sched(struct restore_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		const PstreeEntry *pe = ctx->tasks[i].pe;
		ProtobufCMessage *m = NULL;
		TaskCoreEntry *core;
		struct img *img;
		int ret;

		if (pe->state == TASK_STATE__TASK_ZOMBIE)
			continue;
		ret = img_open(ctx->set, IMG_CORE, pe->pid, &img);
		if (ret)
			return ret;
		ret = img_read_msg(img, &m);
		img_close(img);
		if (ret == 0) {
			pr_err("pid %u: core image: empty", pe->pid);
			return -EBADMSG;
		}
		if (ret < 0)
			return ret;
		core = (TaskCoreEntry *)m;
		ret = 0;
		for (size_t j = 0; j < core->n_threads && !ret; j++)
			ret = restore_thread_sched(pe, core->threads[j]);
		protobuf_c_message_free_unpacked(m, NULL);
		if (ret)
			return ret;
	}
	return 0;
}
