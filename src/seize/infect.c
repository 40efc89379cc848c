#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_PREFIX "infect: "
#include "common/log.h"
#include "common/util.h"
#include "seize/infect.h"

extern const unsigned char parasite_blob[];
extern const size_t parasite_blob_size;
extern const size_t parasite_sym_parasite_entry;

#define POLL_MS 200

static size_t blob_area(void)
{
	return PAGE_ALIGN(parasite_blob_size);
}

/* 16 zero bytes at the end of the vDSO mapping past its ELF image, or its start. */
static uint64_t vdso_padding(struct infect_ctl *ic, uint64_t start, uint64_t end)
{
	Elf64_Ehdr eh;
	uint8_t tail[16];
	uint64_t image_end, at = end - sizeof(tail);

	if (pread_all(ic->mem_fd, &eh, sizeof(eh), start) || memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return start;
	image_end = eh.e_shoff + (uint64_t)eh.e_shnum * eh.e_shentsize;
	if (image_end > at - start || pread_all(ic->mem_fd, tail, sizeof(tail), at))
		return start;
	/* zeros, or the stub an earlier, killed ckpt left there */
	for (size_t i = 0; i < sizeof(tail); i++)
		if (tail[i] && (i >= ARCH_STUB_SIZE || tail[i] != arch_syscall_stub[i]))
			return start;
	return at;
}

int infect_init(struct infect_ctl *ic, struct seized_task *task,
		const struct proc_vma *vmas, size_t nr_vmas)
{
	char path[64];

	memset(ic, 0, sizeof(*ic));
	ic->task = task;
	ic->thr = &task->threads[0];
	ic->sock = ic->remote_sock = ic->remote_peer = ic->mem_fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/mem", task->pid);
	ic->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (ic->mem_fd < 0)
		return pr_perror("pid %d: open %s", task->pid, path);

	/*
	 * The stub goes where nothing is ever read or run: the zero padding of
	 * the vDSO's last page, past its ELF image (if ckpt dies at a bad
	 * moment, the stub stays there, and the vDSO is intact). Else over the
	 * vDSO's ELF header, else at the start of any executable mapping.
	 */
	for (size_t i = 0; i < nr_vmas; i++)
		if (!strcmp(vmas[i].path, "[vdso]")) {
			ic->stub_addr = vdso_padding(ic, vmas[i].start, vmas[i].end);
			break;
		}
	for (size_t i = 0; !ic->stub_addr && i < nr_vmas; i++)
		if ((vmas[i].prot & PROT_EXEC) && strcmp(vmas[i].path, "[vsyscall]"))
			ic->stub_addr = vmas[i].start;
	if (!ic->stub_addr)
		return pr_errno(-ENOEXEC, "pid %d: no executable mapping to run syscalls from",
				task->pid);
	return 0;
}

static int install_stub(struct infect_ctl *ic)
{
	pid_t pid = ic->task->pid;
	int ret;

	ret = pread_all(ic->mem_fd, ic->stub_saved, ARCH_STUB_SIZE, ic->stub_addr);
	if (ret)
		return pr_errno(ret, "pid %d: read code at %#lx", pid, (unsigned long)ic->stub_addr);
	ret = pwrite_all(ic->mem_fd, arch_syscall_stub, ARCH_STUB_SIZE, ic->stub_addr);
	if (ret)
		return pr_errno(ret, "pid %d: write the syscall stub at %#lx", pid,
				(unsigned long)ic->stub_addr);
	ic->stub_installed = true;
	return 0;
}

static int restore_stub(struct infect_ctl *ic)
{
	int ret;

	if (!ic->stub_installed)
		return 0;
	ret = pwrite_all(ic->mem_fd, ic->stub_saved, ARCH_STUB_SIZE, ic->stub_addr);
	if (ret)
		return pr_errno(ret, "pid %d: put code back at %#lx", ic->task->pid,
				(unsigned long)ic->stub_addr);
	ic->stub_installed = false;
	return 0;
}

static const uint64_t all_signals = ~0ULL;

/* Registers and signal mask back to the saved state. */
static int put_back_thread(struct seized_thread *th)
{
	if (ptrace(PTRACE_SETREGS, th->tid, NULL, &th->tr.regs))
		return pr_perror("tid %d: PTRACE_SETREGS", th->tid);
	if (ptrace(PTRACE_SETSIGMASK, th->tid, (void *)sizeof(uint64_t), &th->tr.sigmask))
		return pr_perror("tid %d: PTRACE_SETSIGMASK", th->tid);
	return 0;
}

/* Where one thread of remote_syscalls() stands. */
struct rs_state {
	uint64_t frame;
	size_t size;
	uint8_t *saved;			/* what the frame covers */
	size_t k;			/* the call in progress */
	bool at_entry;			/* its next stop is the entry of call k (else its exit) */
	bool framed;			/* the frame is on its stack */
	bool done;			/* all its calls made, or failed; put back */
};

static int resume_syscall(struct seized_thread *th, struct rs_state *s)
{
	if (ptrace(PTRACE_SYSCALL, th->tid, NULL, 0))
		return pr_perror("tid %d: PTRACE_SYSCALL", th->tid);
	return 0;
}

static int start_call(struct remote_thread *rt, struct rs_state *s)
{
	const struct remote_call *c = &rt->calls[s->k];
	struct user_regs_struct regs = rt->th->tr.regs;

	arch_setup_syscall(&regs, rt->ic->stub_addr, s->frame + 8, c->nr, c->args);
	if (ptrace(PTRACE_SETREGS, rt->th->tid, NULL, &regs))
		return pr_perror("tid %d: set registers for syscall %ld", rt->th->tid, c->nr);
	s->at_entry = true;
	return resume_syscall(rt->th, s);
}

/* Scratch below the red zone, saved: a signal frame of the thread's saved state. */
static int rs_start(struct remote_thread *rt, struct rs_state *s)
{
	struct infect_ctl *ic = rt->ic;
	struct seized_thread *th = rt->th;
	cleanup_free uint8_t *buf = NULL;
	int err;

	if (!ic->stub_installed) {
		err = install_stub(ic);
		if (err)
			return err;
	}
	s->size = arch_sigframe_size(&th->tr);
	s->frame = ALIGN_DOWN(th->tr.regs.rsp - ARCH_REDZONE - s->size, 64);
	s->saved = malloc(s->size);
	buf = malloc(s->size);
	if (!s->saved || !buf)
		return -ENOMEM;
	err = pread_all(ic->mem_fd, s->saved, s->size, s->frame);
	if (err)
		return pr_errno(err, "tid %d: stack at %#lx not readable", th->tid,
				(unsigned long)s->frame);
	err = arch_build_sigframe(&th->tr, s->frame, buf);
	if (!err)
		err = pwrite_all(ic->mem_fd, buf, s->size, s->frame);
	if (err)
		return pr_errno(err, "tid %d: write a signal frame at %#lx", th->tid,
				(unsigned long)s->frame);
	s->framed = true;
	th->at_syscall_stop = true;
	if (ptrace(PTRACE_SETSIGMASK, th->tid, (void *)sizeof(uint64_t), &all_signals))
		return pr_perror("tid %d: PTRACE_SETSIGMASK", th->tid);
	return start_call(rt, s);
}

/* Take the next stop of the thread and move it on: to its call's exit, its next call, or done. */
static int rs_step(struct remote_thread *rt, struct rs_state *s)
{
	struct seized_thread *th = rt->th;
	struct remote_call *c = &rt->calls[s->k];
	struct user_regs_struct regs;
	int status, err;

	err = ptrace_wait_stop(th, PTRACE_SYSCALL, &status);
	if (err)
		return pr_errno(err, "tid %d: died in an injected syscall", th->tid);
	if (WSTOPSIG(status) != (SIGTRAP | 0x80) || s->at_entry) {
		/* the entry, or a group-stop or interrupt event on the way: on to the exit */
		if (WSTOPSIG(status) == (SIGTRAP | 0x80))
			s->at_entry = false;
		return resume_syscall(th, s);
	}
	if (ptrace(PTRACE_GETREGS, th->tid, NULL, &regs))
		return pr_perror("tid %d: PTRACE_GETREGS", th->tid);
	c->ret = regs.rax;
	pr_debug("tid %d: remote syscall %ld = %ld", th->tid, c->nr, c->ret);
	if (++s->k < rt->ncalls) {
		if (rt->prepare)
			rt->prepare(rt, s->k);
		return start_call(rt, s);
	}
	s->done = true;
	return 0;
}

/* Registers, mask and stack back as they were; rt->err keeps the first failure. */
static void rs_end(struct remote_thread *rt, struct rs_state *s)
{
	struct seized_thread *th = rt->th;
	int err = 0;

	s->done = true;
	if (th->at_syscall_stop)
		err = put_back_thread(th);
	if (!err && s->framed) {
		err = pwrite_all(rt->ic->mem_fd, s->saved, s->size, s->frame);
		if (err)
			pr_errno(err, "tid %d: put the stack back at %#lx", th->tid,
				 (unsigned long)s->frame);
		s->framed = false;
	}
	rt->err = rt->err ? rt->err : err;
}

int remote_syscalls(struct remote_thread *rt, size_t n)
{
	struct rs_state *st = calloc(n ? n : 1, sizeof(*st));
	size_t left = 0;
	int err = 0;

	if (!st) {
		/* no call made: each thread says so (a cure must not count as done) */
		for (size_t i = 0; i < n; i++)
			rt[i].err = -ENOMEM;
		return -ENOMEM;
	}
	/* every thread on its way to its first stop, then their stops taken as they come round */
	for (size_t i = 0; i < n; i++) {
		rt[i].err = 0;
		if (!rt[i].ncalls) {
			st[i].done = true;
			continue;
		}
		rt[i].err = rs_start(&rt[i], &st[i]);
		if (rt[i].err)
			rs_end(&rt[i], &st[i]);
		else
			left++;
	}
	while (left)
		for (size_t i = 0; i < n; i++) {
			if (st[i].done)
				continue;
			rt[i].err = rs_step(&rt[i], &st[i]);
			if (rt[i].err || st[i].done) {
				rs_end(&rt[i], &st[i]);
				left--;
			}
		}
	for (size_t i = 0; i < n; i++) {
		err = err ? err : rt[i].err;
		free(st[i].saved);
	}
	free(st);
	return err;
}

int remote_syscall(struct infect_ctl *ic, struct seized_thread *th, long *ret,
		   long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct remote_call c = { .nr = nr, .args = { a0, a1, a2, a3, a4, a5 } };
	struct remote_thread rt = { .ic = ic, .th = th, .calls = &c, .ncalls = 1 };
	int err = remote_syscalls(&rt, 1);

	if (!err)
		*ret = c.ret;
	return err;
}

static bool remote_failed(long r)
{
	return (unsigned long)r > -4096UL;
}

uint64_t parasite_remote_addr(struct infect_ctl *ic, const void *local)
{
	return ic->remote_map + ((const char *)local - (const char *)ic->local_map);
}

/* The parasite's area, mapped in the task, seen from here too. */
static int map_local(struct infect_ctl *ic)
{
	pid_t pid = ic->task->pid;
	char path[96];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/map_files/%lx-%lx", pid,
		 (unsigned long)ic->remote_map, (unsigned long)(ic->remote_map + ic->map_size));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d: open %s", pid, path);
	ic->local_map = mmap(NULL, ic->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (ic->local_map == MAP_FAILED) {
		ic->local_map = NULL;
		return pr_perror("pid %d: map the parasite area", pid);
	}
	memcpy(ic->local_map, parasite_blob, parasite_blob_size);
	ic->args = (struct parasite_args *)((char *)ic->local_map + blob_area());
	/* no page pipe yet: a cure before the parasite ran must not close fd 0 */
	ic->args->pipe_fd = -1;
	return 0;
}

/* Our end of the socket pair made in the task. */
static int take_socket(struct infect_ctl *ic)
{
	pid_t pid = ic->task->pid;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return pr_perror("pid %d: pidfd_open", pid);
	ic->sock = syscall(SYS_pidfd_getfd, pidfd, ic->remote_peer, 0);
	close(pidfd);
	if (ic->sock < 0)
		return pr_perror("pid %d: pidfd_getfd of the parasite socket", pid);
	return 0;
}

/* The parasite's way home, then the parasite itself, running. */
static int run_parasite(struct infect_ctl *ic)
{
	struct seized_thread *th = ic->thr;
	pid_t pid = ic->task->pid;
	struct user_regs_struct regs;
	int ret;

	ic->args->version = PARASITE_PROTO_VERSION;
	ic->args->sock = ic->remote_sock;
	ic->args->tracer_sock = ic->remote_peer;
	ic->args->pipe_fd = -1;

	/* the frame the parasite returns through if we die: below the red zone */
	ic->exit_size = arch_sigframe_size(&th->tr);
	ic->exit_frame = ALIGN_DOWN(th->tr.regs.rsp - ARCH_REDZONE - ic->exit_size, 64);
	ic->exit_saved = malloc(ic->exit_size);
	cleanup_free uint8_t *frame = malloc(ic->exit_size);
	if (!ic->exit_saved || !frame)
		return -ENOMEM;
	ret = pread_all(ic->mem_fd, ic->exit_saved, ic->exit_size, ic->exit_frame);
	if (ret) {
		free(ic->exit_saved);
		ic->exit_saved = NULL;
		return pr_errno(ret, "pid %d: stack at %#lx not readable", pid, (unsigned long)ic->exit_frame);
	}
	ret = arch_build_sigframe(&th->tr, ic->exit_frame, frame);
	if (!ret)
		ret = pwrite_all(ic->mem_fd, frame, ic->exit_size, ic->exit_frame);
	if (ret)
		return pr_errno(ret, "pid %d: write the parasite's exit frame", pid);
	ic->args->exit_rsp = ic->exit_frame + 8;
	ic->args->exit_stub = ic->stub_addr;
	ic->args->exit_map = ic->remote_map;
	ic->args->exit_size = ic->map_size;

	regs = th->tr.regs;
	arch_setup_call(&regs, ic->remote_map + parasite_sym_parasite_entry,
			ic->remote_map + ic->map_size, parasite_remote_addr(ic, ic->args));
	if (ptrace(PTRACE_SETSIGMASK, th->tid, (void *)sizeof(uint64_t), &all_signals) ||
	    ptrace(PTRACE_SETREGS, th->tid, NULL, &regs))
		return pr_perror("pid %d: set registers for the parasite", pid);
	if (ptrace(PTRACE_CONT, th->tid, NULL, 0))
		return pr_perror("pid %d: start the parasite", pid);
	ic->running = true;
	ic->remote_peer = -1;	/* the parasite closes it first thing */
	pr_debug("pid %d: parasite at %#lx, socket %d (peer %d)", pid, (unsigned long)ic->remote_map,
		 ic->remote_sock, ic->args->tracer_sock);
	return 0;
}

/* The socketpair after the mmap writes its two fds into the args area just mapped. */
static void socketpair_into_area(struct remote_thread *rt, size_t k)
{
	long map = rt->calls[0].ret;

	/* after a failed mmap: EFAULT, and the mmap's error is the one reported */
	rt->calls[k].args[3] = remote_failed(map) ? 0 :
		map + blob_area() + offsetof(struct parasite_args, u.raw);
}

int infect_start_many(struct infect_ctl **ics, size_t n)
{
	cleanup_free struct remote_call (*calls)[2] = calloc(n ? n : 1, sizeof(*calls));
	cleanup_free struct remote_thread *rt = calloc(n ? n : 1, sizeof(*rt));
	int ret;

	if (!calls || !rt)
		return -ENOMEM;
	/* in each task mmap, then socketpair; the tasks side by side */
	for (size_t i = 0; i < n; i++) {
		ics[i]->map_size = blob_area() + PARASITE_ARGS_SIZE + PARASITE_STACK_SIZE;
		calls[i][0] = (struct remote_call){ .nr = SYS_mmap, .args = { 0, ics[i]->map_size,
			PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0 } };
		calls[i][1] = (struct remote_call){ .nr = SYS_socketpair,
			.args = { AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0 } };
		rt[i] = (struct remote_thread){ .ic = ics[i], .th = ics[i]->thr, .calls = calls[i],
						.ncalls = 2, .prepare = socketpair_into_area };
	}
	ret = remote_syscalls(rt, n);
	/* what each task got, first: infect_cure() takes back whatever was made */
	for (size_t i = 0; i < n; i++) {
		int sv[2];

		if (calls[i][0].ret && !remote_failed(calls[i][0].ret))
			ics[i]->remote_map = calls[i][0].ret;
		if (rt[i].err || calls[i][1].ret || !ics[i]->remote_map ||
		    pread_all(ics[i]->mem_fd, sv, sizeof(sv), calls[i][1].args[3]))
			continue;
		ics[i]->remote_peer = sv[0];
		ics[i]->remote_sock = sv[1];
	}
	for (size_t i = 0; !ret && i < n; i++) {
		pid_t pid = ics[i]->task->pid;

		if (remote_failed(calls[i][0].ret))
			ret = pr_errno(calls[i][0].ret, "pid %d: mmap for the parasite", pid);
		else if (remote_failed(calls[i][1].ret))
			ret = pr_errno(calls[i][1].ret, "pid %d: socketpair in the task", pid);
		else if (ics[i]->remote_sock < 0)
			ret = pr_errno(-EIO, "pid %d: read the parasite's socket pair", pid);
		else
			ret = map_local(ics[i]);
	}
	for (size_t i = 0; !ret && i < n; i++)
		ret = take_socket(ics[i]);
	for (size_t i = 0; !ret && i < n; i++)
		ret = run_parasite(ics[i]);
	return ret;
}

int infect_start(struct infect_ctl *ic)
{
	return infect_start_many(&ic, 1);
}

/* Is the parasite still running? A stop means it took a signal: a crash. */
static int parasite_alive(struct infect_ctl *ic)
{
	struct seized_thread *th = ic->thr;
	int status;
	pid_t r = waitpid(th->tid, &status, WNOHANG | __WALL);

	if (r == 0)
		return 0;
	/*
	 * The parasite runs with every signal blocked: only a stop can come.
	 * Keep it for the release, as a stop request the task gets then, and
	 * let the parasite go on.
	 */
	if (r > 0 && WIFSTOPPED(status) &&
	    ((status >> 16) == PTRACE_EVENT_STOP || WSTOPSIG(status) == SIGSTOP)) {
		if ((status >> 16) != PTRACE_EVENT_STOP || WSTOPSIG(status) == SIGSTOP)
			th->pending_sig = SIGSTOP;
		if (!ptrace(PTRACE_CONT, th->tid, NULL, 0))
			return 0;
	}
	ic->running = false;
	if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status))
		return pr_errno(-ESRCH, "pid %d: died while the parasite ran", ic->task->pid);
	if (WIFSTOPPED(status)) {
		struct user_regs_struct regs = { 0 };

		ptrace(PTRACE_GETREGS, th->tid, NULL, &regs);
		return pr_errno(-EFAULT, "pid %d: parasite stopped by signal %d at %#llx",
				ic->task->pid, WSTOPSIG(status), regs.rip);
	}
	return pr_errno(-EIO, "pid %d: unexpected wait status %#x", ic->task->pid, status);
}

int parasite_wait_fd(struct infect_ctl *ic, int fd)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, POLL_MS);

		if (r < 0 && errno != EINTR)
			return pr_perror("pid %d: poll", ic->task->pid);
		if (r > 0)
			return 0;
		r = parasite_alive(ic);
		if (r)
			return r;
	}
}

int parasite_cmd(struct infect_ctl *ic, uint32_t cmd, uint32_t arg, int send_fd)
{
	struct parasite_msg m = { .cmd = cmd, .arg = arg, .seq = ++ic->seq };
	struct iovec iov = { &m, sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} c;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (!ic->running)
		return pr_errno(-ESRCH, "pid %d: parasite not running", ic->task->pid);
	if (send_fd >= 0) {
		struct cmsghdr *ch;

		mh.msg_control = c.buf;
		mh.msg_controllen = sizeof(c.buf);
		ch = CMSG_FIRSTHDR(&mh);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(ch), &send_fd, sizeof(int));
	}
	if (sendmsg(ic->sock, &mh, MSG_NOSIGNAL) != sizeof(m))
		return pr_perror("pid %d: send parasite command %u", ic->task->pid, cmd);
	return 0;
}

int parasite_reply(struct infect_ctl *ic, int *fds, unsigned int max_fds, unsigned int *nfds)
{
	struct parasite_msg m;
	struct iovec iov = { &m, sizeof(m) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * PARASITE_MAX_FDS)];
		struct cmsghdr align;
	} c;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *ch;
	ssize_t n;
	int ret;

	if (nfds)
		*nfds = 0;
	ret = parasite_wait_fd(ic, ic->sock);
	if (ret)
		return ret;
	n = recvmsg(ic->sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return pr_perror("pid %d: receive from the parasite", ic->task->pid);
	for (ch = CMSG_FIRSTHDR(&mh); ch; ch = CMSG_NXTHDR(&mh, ch)) {
		unsigned int k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int *data = (int *)CMSG_DATA(ch);

		if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
			continue;
		for (unsigned int i = 0; i < k; i++) {
			if (fds && nfds && *nfds < max_fds)
				fds[(*nfds)++] = data[i];
			else
				close(data[i]);
		}
	}
	if (n != sizeof(m) || m.seq != ic->seq)
		return pr_errno(-EPROTO, "pid %d: bad reply from the parasite (%zd bytes, seq %u/%u)",
				ic->task->pid, n, n >= 16 ? m.seq : 0, ic->seq);
	if (mh.msg_flags & MSG_CTRUNC)
		return pr_errno(-EMSGSIZE, "pid %d: parasite reply: file descriptors truncated",
				ic->task->pid);
	return m.ret;
}

int parasite_call(struct infect_ctl *ic, uint32_t cmd, uint32_t arg)
{
	int ret = parasite_cmd(ic, cmd, arg, -1);

	return ret ? ret : parasite_reply(ic, NULL, 0, NULL);
}

/*
 * Registers, mask, code and stack back, our fds closed: the end of
 * infect_cure_many(). regs_back: the last injected syscalls put registers and
 * mask back already.
 */
static int put_back_task(struct infect_ctl *ic, bool regs_back, int ret)
{
	struct seized_thread *th = ic->thr;
	pid_t pid = ic->task->pid;
	int err;

	if (ic->local_map) {
		munmap(ic->local_map, ic->map_size);
		ic->local_map = NULL;
		ic->args = NULL;
	}
	/* whatever happened before, registers, mask and code go back */
	if ((th->at_syscall_stop && !regs_back) || ret) {
		err = put_back_thread(th);
		ret = ret ? ret : err;
	}
	err = restore_stub(ic);
	ret = ret ? ret : err;
	if (ic->exit_saved) {
		err = pwrite_all(ic->mem_fd, ic->exit_saved, ic->exit_size, ic->exit_frame);
		if (err)
			pr_errno(err, "pid %d: put the stack back at %#lx", pid,
				 (unsigned long)ic->exit_frame);
		ret = ret ? ret : err;
		free(ic->exit_saved);
		ic->exit_saved = NULL;
	}
	if (ic->mem_fd >= 0)
		close(ic->mem_fd);
	ic->mem_fd = -1;
	ic->task = NULL;
	return ret;
}

/* The parasite's fds in the task and its area: what the cure of ic closes and unmaps. */
static size_t cure_calls(struct infect_ctl *ic, struct remote_call *c)
{
	size_t n = 0;

	if (ic->args && ic->args->pipe_fd >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->args->pipe_fd } };
	if (ic->remote_sock >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->remote_sock } };
	if (ic->remote_peer >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->remote_peer } };
	if (ic->remote_map)
		c[n++] = (struct remote_call){ .nr = SYS_munmap, .args = { ic->remote_map, ic->map_size } };
	return n;
}

#define CURE_CALLS 4

int infect_cure_many(struct infect_ctl **ics, size_t n)
{
	cleanup_free struct remote_call (*calls)[CURE_CALLS] = calloc(n ? n : 1, sizeof(*calls));
	cleanup_free struct remote_thread *rt = calloc(n ? n : 1, sizeof(*rt));
	cleanup_free int *errs = calloc(n ? n : 1, sizeof(*errs));
	cleanup_free size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	cleanup_free bool *regs_back = calloc(n ? n : 1, sizeof(*regs_back));
	bool any = false;
	size_t m = 0;
	int ret = 0;

	if (!calls || !rt || !errs || !idx || !regs_back)
		return -ENOMEM;	/* nothing done: the caller releases the tree all the same */
	for (size_t i = 0; i < n; i++)
		any |= ics[i]->task != NULL;
	if (any)
		fault_point("cure");
	/* the running parasites stopped where they wait for a command: all interrupted, then waited for */
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task || !ic->running)
			continue;
		if (ptrace(PTRACE_INTERRUPT, ic->thr->tid, NULL, NULL))
			errs[i] = pr_perror("pid %d: stop the parasite", ic->task->pid);
	}
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];
		int status;

		if (!ic->task || !ic->running)
			continue;
		ic->running = false;
		if (errs[i])
			continue;
		errs[i] = ptrace_wait_stop(ic->thr, PTRACE_CONT, &status);
		if (errs[i])
			pr_errno(errs[i], "pid %d: stop the parasite", ic->task->pid);
	}
	/* the parasite's fds and area in each task, the tasks side by side */
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task)
			continue;
		if (ic->sock >= 0)
			close(ic->sock);
		ic->sock = -1;
		if (errs[i])
			continue;
		rt[m] = (struct remote_thread){ .ic = ic, .th = ic->thr, .calls = calls[i],
						.ncalls = cure_calls(ic, calls[i]) };
		idx[m++] = i;
	}
	remote_syscalls(rt, m);
	for (size_t j = 0; j < m; j++) {
		struct infect_ctl *ic = rt[j].ic;
		size_t i = idx[j];

		errs[i] = rt[j].err;
		regs_back[i] = !rt[j].err && rt[j].ncalls;
		/* the munmap is the last call */
		if (!errs[i] && ic->remote_map && remote_failed(calls[i][rt[j].ncalls - 1].ret))
			errs[i] = pr_errno(calls[i][rt[j].ncalls - 1].ret, "pid %d: unmap the parasite",
					   ic->task->pid);
		ic->remote_sock = ic->remote_peer = -1;
		ic->remote_map = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (!ics[i]->task)
			continue;
		errs[i] = put_back_task(ics[i], regs_back[i], errs[i]);
		ret = ret ? ret : errs[i];
	}
	return ret;
}

int infect_cure(struct infect_ctl *ic)
{
	return infect_cure_many(&ic, 1);
}
