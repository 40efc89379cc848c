/*
 * The parasite: runs inside the dumped task, on its own stack, with every
 * signal blocked, and answers the dumper's commands (include/parasite-proto.h).
 *
 * Rules for this directory:
 *  - no libc, no globals that need relocation, no FPU/SSE (built with
 *    -mgeneral-regs-only: the task's FPU state is never touched);
 *  - every syscall through syscall.h, results are -errno;
 *  - never exit: whatever happens, return to the entry code, which unmaps
 *    the blob and rt_sigreturn()s the task back to its saved state.
 */
#include <stddef.h>
#include <stdint.h>

#include "parasite-proto.h"
#include "blob/string.h"
#include "blob/syscall.h"

/* Kernel ABI structs (we have no libc headers here). */
struct k_iovec {
	void *base;
	unsigned long len;
};

struct k_msghdr {
	void *name;
	int namelen;
	struct k_iovec *iov;
	unsigned long iovlen;
	void *control;
	unsigned long controllen;
	unsigned int flags;
};

struct k_cmsghdr {
	unsigned long len;
	int level;
	int type;
};

#define SOL_SOCKET_	1
#define MSG_NOSIGNAL_	0x4000
#define SIGPIPE_	13
#define EPIPE_		32
#define SCM_RIGHTS_	1
#define F_GETFD_	1
#define F_GETFL_	3
#define F_GETSIG_	11
#define F_GETOWN_EX_	16
#define SEEK_CUR_	1
#define PR_GET_TID_ADDRESS_ 40
#define PR_GET_PDEATHSIG_ 2
#define PR_GET_DUMPABLE_ 3
#define PR_GET_SECUREBITS_ 27
#define PR_GET_NAME_	16
#define PR_GET_CHILD_SUBREAPER_ 37
#define PR_GET_THP_DISABLE_ 42
#define MPOL_F_ADDR_	2
#define EINTR_		4
#define EAGAIN_		11
#define EINVAL_		22
#define CMSG_HDR	((sizeof(struct k_cmsghdr) + 7) & ~7ul)
#define NR_socketpair_	53
#define NR_ppoll_	271
#define AF_UNIX_	1
#define SOCK_SEQPACKET_	5
#define SOCK_CLOEXEC_	02000000
#define SPLICE_F_NONBLOCK_ 2
#define POLLIN_		0x1
#define POLLOUT_	0x4

struct k_pollfd {
	int fd;
	short events, revents;
};

/* Send a reply, with up to nfds descriptors attached. */
static long send_reply(int sock, struct parasite_msg *m, const int *fds, unsigned int nfds)
{
	uint64_t cbuf[(CMSG_HDR + PARASITE_MAX_FDS * sizeof(int)) / 8 + 1];
	struct k_iovec iov = { m, sizeof(*m) };
	struct k_msghdr mh = { 0 };
	long ret;

	mh.iov = &iov;
	mh.iovlen = 1;
	if (nfds) {
		struct k_cmsghdr *ch = (struct k_cmsghdr *)cbuf;
		int *data = (int *)((char *)cbuf + CMSG_HDR);

		ch->len = CMSG_HDR + nfds * sizeof(int);
		ch->level = SOL_SOCKET_;
		ch->type = SCM_RIGHTS_;
		memcpy(data, fds, nfds * sizeof(int));
		mh.control = cbuf;
		mh.controllen = (ch->len + 7) & ~7ul;
	}
	do
		ret = sys_call3(NR_sendmsg, sock, &mh, MSG_NOSIGNAL_);
	while (ret == -EINTR_);
	return ret;
}

/* Receive a command; *fd gets an attached descriptor (or -1). 0 at EOF. */
static long recv_cmd(int sock, struct parasite_msg *m, int *fd)
{
	uint64_t cbuf[(CMSG_HDR + 4 * sizeof(int)) / 8 + 1];
	struct k_iovec iov = { m, sizeof(*m) };
	struct k_msghdr mh = { 0 };
	long ret;

	*fd = -1;
	mh.iov = &iov;
	mh.iovlen = 1;
	mh.control = cbuf;
	mh.controllen = sizeof(cbuf);
	do
		ret = sys_call3(NR_recvmsg, sock, &mh, 0);
	while (ret == -EINTR_);
	if (ret <= 0)
		return ret;
	if (mh.controllen >= CMSG_HDR + sizeof(int)) {
		struct k_cmsghdr *ch = (struct k_cmsghdr *)cbuf;

		if (ch->level == SOL_SOCKET_ && ch->type == SCM_RIGHTS_)
			*fd = *(int *)((char *)cbuf + CMSG_HDR);
	}
	if (ret != sizeof(*m))
		return -EINVAL_;
	return ret;
}

static long do_vma_policy(struct parasite_vma_policy *vp)
{
	if (vp->nr > PARASITE_MAX_VMA_POLICY)
		return -EINVAL_;
	for (uint32_t i = 0; i < vp->nr; i++) {
		long r;

		vp->mode[i] = 0;
		r = sys_call5(NR_get_mempolicy, &vp->mode[i], 0, 0, vp->addr[i], MPOL_F_ADDR_);
		if (r < 0)
			vp->mode[i] = r;
	}
	return 0;
}

static long do_timers(struct parasite_timers *pt)
{
	if (pt->nr > PARASITE_MAX_TIMERS)
		return -EINVAL_;
	for (uint32_t i = 0; i < pt->nr; i++) {
		struct parasite_timer *t = &pt->t[i];

		t->ret = sys_call2(NR_timer_gettime, t->id, &t->isec);
		t->overrun = sys_call1(NR_timer_getoverrun, t->id);
	}
	return 0;
}

static long do_misc(struct parasite_misc *mi)
{
	long r;
	int i;

	for (i = 0; i < 64; i++)
		mi->sa_ret[i] = sys_call4(NR_rt_sigaction, i + 1, 0, &mi->sa[i], 8);
	for (i = 0; i < 3; i++)
		mi->itimer_ret[i] = sys_call2(NR_getitimer, i, &mi->itimer[i]);
	mi->altstack_ret = sys_call2(NR_sigaltstack, 0, &mi->altstack);
	mi->tid_address = 0;
	mi->tid_address_ret = sys_call2(NR_prctl, PR_GET_TID_ADDRESS_, &mi->tid_address);
	mi->pdeath_sig = 0;
	r = sys_call2(NR_prctl, PR_GET_PDEATHSIG_, &mi->pdeath_sig);
	if (r < 0)
		mi->pdeath_sig = r;
	mi->securebits = sys_call1(NR_prctl, PR_GET_SECUREBITS_);
	mi->dumpable = sys_call1(NR_prctl, PR_GET_DUMPABLE_);
	mi->brk = sys_call1(NR_brk, 0);
	mi->personality = sys_call1(NR_personality, 0xffffffff);
	mi->comm_ret = sys_call2(NR_prctl, PR_GET_NAME_, mi->comm);
	mi->child_subreaper = 0;
	r = sys_call2(NR_prctl, PR_GET_CHILD_SUBREAPER_, &mi->child_subreaper);
	if (r < 0)
		mi->child_subreaper = r;
	mi->thp_disable = sys_call1(NR_prctl, PR_GET_THP_DISABLE_);
	mi->mempolicy = 0;
	r = sys_call5(NR_get_mempolicy, &mi->mempolicy, 0, 0, 0, 0);
	if (r < 0)
		mi->mempolicy = r;
	for (i = 0; i < 16; i++)
		mi->rlim_ret[i] = sys_call4(NR_prlimit64, 0, i, 0, &mi->rlim[i]);
	return 0;
}

static long do_drain_fds(int sock, struct parasite_msg *m, struct parasite_drain_fds *d)
{
	unsigned int i, nr = d->nr;
	long r;

	if (nr > PARASITE_MAX_FDS)
		return -EINVAL_;
	for (i = 0; i < nr; i++) {
		struct parasite_fd_info *fi = &d->info[i];
		int fd = d->fds[i];
		int32_t own[2] = { 0, 0 };

		memset(fi, 0, sizeof(*fi));
		fi->fd = fd;
		r = sys_call2(NR_fcntl, fd, F_GETFL_);
		if (r < 0) {
			fi->err = r;
			continue;
		}
		fi->flags = r;
		fi->fdflags = sys_call2(NR_fcntl, fd, F_GETFD_);
		fi->pos = sys_call3(NR_lseek, fd, 0, SEEK_CUR_);
		if (sys_call3(NR_fcntl, fd, F_GETOWN_EX_, own) == 0) {
			fi->own_type = own[0];
			fi->own_pid = own[1];
		}
		r = sys_call2(NR_fcntl, fd, F_GETSIG_);
		fi->own_sig = r < 0 ? 0 : r;
	}
	for (i = 0; i < nr; i++)
		if (d->info[i].err)
			return d->info[i].err;
	m->ret = nr;
	r = send_reply(sock, m, d->fds, nr);
	if (r >= 0)
		return 1;
	return r;	/* e.g. an fd the kernel will not pass: the dumper names it */
}

static int sigpipe_pending(void)
{
	uint64_t set = 0;

	sys_call2(NR_rt_sigpending, &set, 8);
	return !!(set & (1ull << (SIGPIPE_ - 1)));
}

/*
 * A write into the page pipe after the dumper died raises SIGPIPE in this
 * thread (blocked now, deadly once the task's mask is back): take back the
 * one we caused.
 */
static void drop_own_sigpipe(int task_had_sigpipe)
{
	uint64_t set = 1ull << (SIGPIPE_ - 1);
	struct { long sec, nsec; } zero = { 0, 0 };

	if (!task_had_sigpipe)
		sys_call4(NR_rt_sigtimedwait, &set, 0, &zero, 8);
}

/*
 * Wait for room in the pipe, watching the socket: anything there now is its
 * EOF (the dumper sends no command before this one's reply), and a dumper
 * that is gone will never drain the pipe. ppoll, not poll: an interrupted
 * poll would take the task's restart block.
 */
static long wait_room(int pipe_fd, int sock)
{
	struct k_pollfd p[2] = { { pipe_fd, POLLOUT_, 0 }, { sock, POLLIN_, 0 } };
	long r = sys_call5(NR_ppoll_, p, 2, 0, 0, 8);

	if (r == -EINTR_)
		return 0;
	if (r < 0)
		return r;
	return p[1].revents ? -EPIPE_ : 0;
}

/* vmsplice every iov into the pipe; the dumper drains it concurrently. */
static long do_dump_pages(int sock, int pipe_fd, struct parasite_dump_pages *p,
			  int task_had_sigpipe)
{
	struct parasite_iov *iov = p->iov;
	uint32_t left = p->nr_iov;
	long total = 0;

	if (pipe_fd < 0 || left > PARASITE_DUMP_PAGES_MAX_IOV)
		return -EINVAL_;
	while (left) {
		uint32_t n = left > PARASITE_MAX_IOV ? PARASITE_MAX_IOV : left;
		long r = sys_call4(NR_vmsplice, pipe_fd, iov, n, SPLICE_F_NONBLOCK_);

		if (r == -EAGAIN_)
			r = wait_room(pipe_fd, sock);
		if (r == -EINTR_ || !r)
			continue;
		if (r == -EPIPE_)
			drop_own_sigpipe(task_had_sigpipe);
		if (r <= 0)
			return r ? r : -EINVAL_;
		total += r;
		/* advance over what was taken; a partial iov is trimmed in place */
		while (r > 0 && left) {
			if ((uint64_t)r >= iov->len) {
				r -= iov->len;
				iov++;
				left--;
			} else {
				iov->base += r;
				iov->len -= r;
				r = 0;
			}
		}
	}
	return total;
}

struct parasite_args *parasite_main(struct parasite_args *args);
struct parasite_args *parasite_main(struct parasite_args *args)
{
	volatile uint32_t *taken = &args->taken;
	int sock;

	args->pipe_fd = -1;
	if (args->version != PARASITE_PROTO_VERSION)
		return args;
	/* the first syscall: the dumper takes tracer_sock at its exit, then says so */
	if (sys_call4(NR_socketpair_, AF_UNIX_, SOCK_SEQPACKET_ | SOCK_CLOEXEC_, 0, &args->sock) < 0)
		return args;
	sock = args->sock;
	sys_call1(NR_close, args->tracer_sock);
	if (!*taken)
		goto out;	/* the dumper died before it had its end */
	/* a SIGPIPE pending already is the task's own: never taken */
	int task_had_sigpipe = sigpipe_pending();

	for (;;) {
		struct parasite_msg m;
		long ret;
		int fd;

		ret = recv_cmd(sock, &m, &fd);
		if (ret <= 0)
			break;	/* EOF: the dumper is done or gone */

		switch (m.cmd) {
		case PARASITE_CMD_MISC:
			ret = do_misc(&args->u.misc);
			break;
		case PARASITE_CMD_VMA_POLICY:
			ret = do_vma_policy(&args->u.vma_policy);
			break;
		case PARASITE_CMD_TIMERS:
			ret = do_timers(&args->u.timers);
			break;
		case PARASITE_CMD_DRAIN_FDS:
			ret = do_drain_fds(sock, &m, &args->u.drain);
			if (ret == 1)
				continue;	/* replied with the fds */
			break;
		case PARASITE_CMD_DUMP_PAGES:
			if (fd >= 0) {
				if (args->pipe_fd >= 0)
					sys_call1(NR_close, args->pipe_fd);
				args->pipe_fd = fd;
				fd = -1;
			}
			ret = do_dump_pages(sock, args->pipe_fd, &args->u.pages, task_had_sigpipe);
			/* a failure: the dumper waits on the pipe, and EOF sends it to this reply */
			if ((ret < 0 || args->u.pages.flags & PARASITE_PAGES_LAST) && args->pipe_fd >= 0) {
				sys_call1(NR_close, args->pipe_fd);
				args->pipe_fd = -1;
			}
			break;
		default:
			ret = -EINVAL_;
		}
		if (fd >= 0)
			sys_call1(NR_close, fd);
		m.ret = ret;
		if (send_reply(sock, &m, 0, 0) < 0)
			break;
	}
out:
	sys_call1(NR_close, sock);
	if (args->pipe_fd >= 0)
		sys_call1(NR_close, args->pipe_fd);
	args->pipe_fd = -1;
	return args;
}
