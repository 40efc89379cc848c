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
	ic->sock = ic->remote_sock = ic->mem_fd = -1;

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

/*
 * Registers and signal mask back to the saved state. The mask first: a ckpt
 * killed in between leaves the thread in the stub, whose rt_sigreturn sets
 * the same mask; the other way round the thread would run its own code with
 * every signal blocked.
 */
static int put_back_thread(struct seized_thread *th)
{
	if (ptrace(PTRACE_SETSIGMASK, th->tid, (void *)sizeof(uint64_t), &th->tr.sigmask))
		return pr_perror("tid %d: PTRACE_SETSIGMASK", th->tid);
	if (ptrace(PTRACE_SETREGS, th->tid, NULL, &th->tr.regs))
		return pr_perror("tid %d: PTRACE_SETREGS", th->tid);
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
	bool masked;			/* every signal blocked */
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

	arch_setup_syscall(&regs, rt->ic->stub_addr, s->frame + 8, c->nr, c->args, rt->undo_nr);
	if (ptrace(PTRACE_SETREGS, rt->th->tid, NULL, &regs))
		return pr_perror("tid %d: set registers for syscall %ld", rt->th->tid, c->nr);
	/* the mask after the registers: in the stub, the frame puts the mask back */
	if (!s->masked) {
		if (ptrace(PTRACE_SETSIGMASK, rt->th->tid, (void *)sizeof(uint64_t), &all_signals))
			return pr_perror("tid %d: PTRACE_SETSIGMASK", rt->th->tid);
		s->masked = true;
	}
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
	if (rt->undo_nr && !rt->err && s->framed) {
		/* left where a dead ckpt lets it undo the call: the frame is the caller's now */
		rt->home_frame = s->frame;
		rt->home_saved = s->saved;
		rt->home_size = s->size;
		s->saved = NULL;
		s->framed = false;
		return;
	}
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

/* The parasite's area, mapped in the task, seen from here too: the blob and its args in it. */
static int map_local(struct infect_ctl *ic)
{
	pid_t pid = ic->task->pid;
	struct parasite_args *a;
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
	a = ic->args = (struct parasite_args *)((char *)ic->local_map + blob_area());
	a->version = PARASITE_PROTO_VERSION;
	a->sock = a->tracer_sock = -1;
	a->pipe_fd = -1;	/* no page pipe yet */
	a->taken = 0;
	/* the way home: the frame of the mmap call, the stub's plain syscall */
	a->exit_rsp = ic->exit_frame + 8;
	a->exit_stub = ic->stub_addr + ARCH_STUB_PLAIN;
	a->exit_map = ic->remote_map;
	a->exit_size = ic->map_size;
	return 0;
}

/* Our end of the socket pair the parasite made: its fd in the task. */
static int take_socket(struct infect_ctl *ic, int remote_fd)
{
	pid_t pid = ic->task->pid;
	int pidfd = syscall(SYS_pidfd_open, pid, 0);

	if (pidfd < 0)
		return pr_perror("pid %d: pidfd_open", pid);
	ic->sock = syscall(SYS_pidfd_getfd, pidfd, remote_fd, 0);
	close(pidfd);
	if (ic->sock < 0)
		return pr_perror("pid %d: pidfd_getfd of the parasite socket (fd %d)", pid, remote_fd);
	return 0;
}

/* One registers switch from the mmap's exit stop into the parasite, let go syscall by syscall. */
static int enter_parasite(struct infect_ctl *ic)
{
	struct seized_thread *th = ic->thr;
	struct user_regs_struct regs = th->tr.regs;

	arch_setup_call(&regs, ic->remote_map + parasite_sym_parasite_entry,
			ic->remote_map + ic->map_size, parasite_remote_addr(ic, ic->args));
	if (ptrace(PTRACE_SETREGS, th->tid, NULL, &regs))
		return pr_perror("pid %d: set registers for the parasite", ic->task->pid);
	if (ptrace(PTRACE_SYSCALL, th->tid, NULL, 0))
		return pr_perror("pid %d: start the parasite", ic->task->pid);
	ic->phase = IC_SYSCALL;
	return 0;
}

#define ROAD_MAX_STOPS 100000

/*
 * Take the next stop of a thread let go with PTRACE_SYSCALL (IC_SYSCALL).
 * 1: it stopped at the exit of a syscall, *regs are its registers, it stays
 * stopped (IC_STOPPED); 0: it went on (any other stop); -errno.
 */
static int road_step(struct infect_ctl *ic, struct user_regs_struct *regs)
{
	struct seized_thread *th = ic->thr;
	pid_t pid = ic->task->pid;
	struct __ptrace_syscall_info si;
	int status, err;

	if (++ic->road_stops > ROAD_MAX_STOPS)
		return pr_errno(-EPROTO, "pid %d: the parasite does not come to an end", pid);
	err = ptrace_wait_stop(th, PTRACE_SYSCALL, &status);
	if (err == -EFAULT) {
		ic->phase = IC_CRASHED;
		ptrace(PTRACE_GETREGS, th->tid, NULL, regs);
		return pr_errno(err, "pid %d: parasite stopped by a signal at %#llx", pid, regs->rip);
	}
	if (err)
		return pr_errno(err, "pid %d: died with the parasite in it", pid);
	ic->phase = IC_STOPPED;
	if (WSTOPSIG(status) == (SIGTRAP | 0x80)) {
		if (ptrace(PTRACE_GET_SYSCALL_INFO, th->tid, (void *)sizeof(si), &si) <= 0)
			return pr_perror("pid %d: PTRACE_GET_SYSCALL_INFO", pid);
		if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
			if (ptrace(PTRACE_GETREGS, th->tid, NULL, regs))
				return pr_perror("pid %d: PTRACE_GETREGS", pid);
			pr_debug("pid %d: parasite syscall %lld = %lld at %#llx", pid,
				 regs->orig_rax, regs->rax, regs->rip);
			return 1;
		}
	}
	if (ptrace(PTRACE_SYSCALL, th->tid, NULL, 0))
		return pr_perror("pid %d: PTRACE_SYSCALL", pid);
	ic->phase = IC_SYSCALL;
	return 0;
}

/* At the exit of the munmap of the stub's plain syscall: the parasite is gone, fds and all. */
static bool at_home(const struct infect_ctl *ic, const struct user_regs_struct *regs)
{
	return regs->rip == ic->stub_addr + ARCH_STUB_PLAIN_END && regs->orig_rax == SYS_munmap;
}

/*
 * Follow the parasite to the exit of its socketpair: take our end, say so
 * in the args, and let it run. On failure it stays stopped (IC_STOPPED):
 * without the word in the args the parasite closes both ends and goes home.
 */
static int handshake(struct infect_ctl *ic)
{
	pid_t pid = ic->task->pid;
	struct user_regs_struct regs;
	int ret;

	for (;;) {
		ret = road_step(ic, &regs);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (regs.orig_rax == SYS_socketpair)
			break;
		if (at_home(ic, &regs)) {
			ic->phase = IC_HOME;
			return pr_errno(-EPROTO, "pid %d: the parasite left before it started "
					"(version %u)", pid, PARASITE_PROTO_VERSION);
		}
		if (ptrace(PTRACE_SYSCALL, ic->thr->tid, NULL, 0))
			return pr_perror("pid %d: PTRACE_SYSCALL", pid);
		ic->phase = IC_SYSCALL;
	}
	if (remote_failed(regs.rax))
		return pr_errno((int)regs.rax, "pid %d: socketpair in the task", pid);
	ret = take_socket(ic, ic->args->tracer_sock);
	if (ret)
		return ret;
	ic->remote_sock = ic->args->sock;
	__atomic_store_n(&ic->args->taken, 1, __ATOMIC_SEQ_CST);
	fault_point("handshake");
	if (ptrace(PTRACE_CONT, ic->thr->tid, NULL, 0))
		return pr_perror("pid %d: let the parasite run", pid);
	ic->phase = IC_RUNNING;
	ic->running = true;
	pr_debug("pid %d: parasite at %#lx, socket %d", pid, (unsigned long)ic->remote_map,
		 ic->remote_sock);
	return 0;
}

int infect_start_many(struct infect_ctl **ics, size_t n)
{
	cleanup_free struct remote_call *calls = calloc(n ? n : 1, sizeof(*calls));
	cleanup_free struct remote_thread *rt = calloc(n ? n : 1, sizeof(*rt));
	int ret;

	if (!calls || !rt)
		return -ENOMEM;
	/* in each task the mmap, with its munmap as the undo; the tasks side by side */
	for (size_t i = 0; i < n; i++) {
		ics[i]->map_size = blob_area() + PARASITE_ARGS_SIZE + PARASITE_STACK_SIZE;
		calls[i] = (struct remote_call){ .nr = SYS_mmap, .args = { 0, ics[i]->map_size,
			PROT_READ | PROT_WRITE | PROT_EXEC, MAP_SHARED | MAP_ANONYMOUS, -1, 0 } };
		rt[i] = (struct remote_thread){ .ic = ics[i], .th = ics[i]->thr, .calls = &calls[i],
						.ncalls = 1, .undo_nr = SYS_munmap };
	}
	ret = remote_syscalls(rt, n);
	/* what each task got, first: infect_cure() takes back whatever was made */
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!rt[i].home_saved)
			continue;	/* put back: no call made, or it failed on the way */
		ic->exit_frame = rt[i].home_frame;
		ic->exit_saved = rt[i].home_saved;
		ic->exit_size = rt[i].home_size;
		ic->phase = IC_STOPPED;
		if (!remote_failed(calls[i].ret))
			ic->remote_map = calls[i].ret;
	}
	for (size_t i = 0; !ret && i < n; i++) {
		if (remote_failed(calls[i].ret))
			ret = pr_errno(calls[i].ret, "pid %d: mmap for the parasite", ics[i]->task->pid);
		else
			ret = map_local(ics[i]);
	}
	fault_point("mmap");
	for (size_t i = 0; !ret && i < n; i++)
		ret = enter_parasite(ics[i]);
	for (size_t i = 0; !ret && i < n; i++)
		ret = handshake(ics[i]);
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
	ic->phase = IC_CRASHED;
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
 * infect_cure_many(). put_regs: the thread is where its registers may be set
 * back (never inside the parasite: detached there, it goes home by itself).
 */
static int put_back_task(struct infect_ctl *ic, bool put_regs, int ret)
{
	pid_t pid = ic->task->pid;
	int err;

	if (ic->local_map) {
		munmap(ic->local_map, ic->map_size);
		ic->local_map = NULL;
		ic->args = NULL;
	}
	if (ic->sock >= 0)
		close(ic->sock);
	ic->sock = -1;
	if (put_regs) {
		err = put_back_thread(ic->thr);
		ret = ret ? ret : err;
	}
	/* code and stack only once the thread no longer needs them */
	if (put_regs || ic->phase == IC_NONE) {
		err = restore_stub(ic);
		ret = ret ? ret : err;
		if (ic->exit_saved) {
			err = pwrite_all(ic->mem_fd, ic->exit_saved, ic->exit_size, ic->exit_frame);
			if (err)
				pr_errno(err, "pid %d: put the stack back at %#lx", pid,
					 (unsigned long)ic->exit_frame);
			ret = ret ? ret : err;
		}
	}
	free(ic->exit_saved);
	ic->exit_saved = NULL;
	if (ic->mem_fd >= 0)
		close(ic->mem_fd);
	ic->mem_fd = -1;
	ic->task = NULL;
	return ret;
}

/* A crashed parasite cannot go home: its fds closed and its area unmapped by injected calls. */
static size_t crash_cure_calls(struct infect_ctl *ic, struct remote_call *c)
{
	size_t n = 0;

	if (ic->args && ic->args->pipe_fd >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->args->pipe_fd } };
	if (ic->args && ic->args->sock >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->args->sock } };
	if (ic->args && ic->args->tracer_sock >= 0)
		c[n++] = (struct remote_call){ .nr = SYS_close, .args = { ic->args->tracer_sock } };
	if (ic->remote_map)
		c[n++] = (struct remote_call){ .nr = SYS_munmap, .args = { ic->remote_map, ic->map_size } };
	return n;
}

#define CURE_CALLS 4

/* A stopped thread on its way home: let go, to be followed. */
static int start_home(struct infect_ctl *ic)
{
	if (ic->phase == IC_STOPPED) {
		if (ptrace(PTRACE_SYSCALL, ic->thr->tid, NULL, 0))
			return pr_perror("pid %d: PTRACE_SYSCALL", ic->task->pid);
		ic->phase = IC_SYSCALL;
	}
	return 0;
}

int infect_cure_many(struct infect_ctl **ics, size_t n)
{
	cleanup_free struct remote_call (*calls)[CURE_CALLS] = calloc(n ? n : 1, sizeof(*calls));
	cleanup_free struct remote_thread *rt = calloc(n ? n : 1, sizeof(*rt));
	cleanup_free int *errs = calloc(n ? n : 1, sizeof(*errs));
	cleanup_free size_t *idx = calloc(n ? n : 1, sizeof(*idx));
	cleanup_free bool *put_regs = calloc(n ? n : 1, sizeof(*put_regs));
	bool any = false;
	size_t m = 0, left = 0;
	int ret = 0;

	if (!calls || !rt || !errs || !idx || !put_regs)
		return -ENOMEM;	/* nothing done: the caller releases the tree all the same */
	for (size_t i = 0; i < n; i++)
		any |= ics[i]->task != NULL;
	if (any)
		fault_point("cure");
	/*
	 * The running parasites all interrupted and their stops taken, before
	 * EOF on their sockets: a parasite that sees EOF while let go with
	 * PTRACE_CONT would be home before we follow it.
	 */
	for (size_t i = 0; i < n; i++)
		if (ics[i]->task && ics[i]->phase == IC_RUNNING &&
		    ptrace(PTRACE_INTERRUPT, ics[i]->thr->tid, NULL, NULL))
			errs[i] = pr_perror("pid %d: stop the parasite", ics[i]->task->pid);
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task || errs[i])
			continue;
		if (ic->phase == IC_RUNNING) {
			int status;

			ic->running = false;
			errs[i] = ptrace_wait_stop(ic->thr, PTRACE_CONT, &status);
			if (errs[i]) {
				if (errs[i] == -EFAULT)
					ic->phase = IC_CRASHED;
				pr_errno(errs[i], "pid %d: stop the parasite", ic->task->pid);
				continue;
			}
			ic->phase = IC_STOPPED;
		}
	}
	/* EOF: from here a parasite leaves whenever it is let go */
	for (size_t i = 0; i < n; i++) {
		if (ics[i]->sock >= 0)
			close(ics[i]->sock);
		ics[i]->sock = -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task || errs[i])
			continue;
		errs[i] = start_home(ic);
		if (!errs[i] && ic->phase == IC_SYSCALL)
			left++;
	}
	/* every thread on its road home at once, their stops taken as they come round */
	while (left)
		for (size_t i = 0; i < n; i++) {
			struct infect_ctl *ic = ics[i];
			struct user_regs_struct regs;
			int r;

			if (!ic->task || errs[i] || ic->phase != IC_SYSCALL)
				continue;
			r = road_step(ic, &regs);
			if (r == 1 && at_home(ic, &regs)) {
				ic->phase = IC_HOME;
				if (ic->remote_map && regs.rax)
					r = pr_errno((int)regs.rax, "pid %d: unmap the parasite",
						     ic->task->pid);
			} else if (r == 1) {
				r = start_home(ic);
			}
			if (r < 0)
				errs[i] = r;
			if (r < 0 || ic->phase == IC_HOME)
				left--;
		}
	for (size_t i = 0; i < n; i++)
		if (ics[i]->task && ics[i]->phase == IC_HOME) {
			ics[i]->phase = IC_NONE;
			ics[i]->remote_map = 0;
			ics[i]->remote_sock = -1;
			put_regs[i] = true;
		}
	/* crashed parasites: their fds and area taken back by injected calls */
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task || ic->phase != IC_CRASHED)
			continue;
		rt[m] = (struct remote_thread){ .ic = ic, .th = ic->thr, .calls = calls[i],
						.ncalls = crash_cure_calls(ic, calls[i]) };
		idx[m++] = i;
	}
	remote_syscalls(rt, m);
	for (size_t j = 0; j < m; j++) {
		struct infect_ctl *ic = rt[j].ic;
		size_t i = idx[j];

		errs[i] = errs[i] ? errs[i] : rt[j].err;
		if (!rt[j].err && ic->remote_map && remote_failed(calls[i][rt[j].ncalls - 1].ret))
			errs[i] = errs[i] ? errs[i] : pr_errno(calls[i][rt[j].ncalls - 1].ret,
							       "pid %d: unmap the parasite", ic->task->pid);
		if (!rt[j].err) {
			/* remote_syscalls() put the registers back */
			ic->phase = IC_NONE;
			ic->remote_map = 0;
			ic->remote_sock = -1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		struct infect_ctl *ic = ics[i];

		if (!ic->task)
			continue;
		/* no parasite (or gone home): a thread in an injected syscall stop goes back */
		if (ic->phase == IC_NONE && !put_regs[i] && ic->thr->at_syscall_stop && errs[i])
			put_regs[i] = true;
		errs[i] = put_back_task(ic, put_regs[i], errs[i]);
		ret = ret ? ret : errs[i];
	}
	return ret;
}

int infect_cure(struct infect_ctl *ic)
{
	return infect_cure_many(&ic, 1);
}
