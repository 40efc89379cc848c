#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#define LOG_PREFIX "regs: "
#include "arch/regs.h"
#include "common/log.h"

/* Return values of an interrupted syscall that the kernel would restart. */
#define ERESTARTSYS		512
#define ERESTARTNOINTR		513
#define ERESTARTNOHAND		514
#define ERESTART_RESTARTBLOCK	516
#define NR_restart_syscall	219

#define FP_XSTATE_MAGIC1	0x46505853U
#define FP_XSTATE_MAGIC2	0x46505845U
#define XSAVE_MAX		(64 << 10)

const uint8_t arch_syscall_stub[ARCH_STUB_SIZE] = {
	0x0f, 0x05,			/* syscall (a call with an undo) */
	0x48, 0x89, 0xc7,		/* mov %rax, %rdi */
	0x48, 0x89, 0xd8,		/* mov %rbx, %rax */
	0x0f, 0x05,			/* syscall (the undo, or a plain call) */
	0x6a, 0x0f,			/* push $15 (rt_sigreturn; the slot is the frame's pretcode) */
	0x58,				/* pop %rax */
	0x0f, 0x05,			/* syscall */
};

/*
 * A thread stopped while it was in a syscall has ax = -ERESTART* and
 * orig_ax = the syscall. The kernel rewinds it only on its own signal path;
 * we rewind it ourselves so that any way back (SETREGS, rt_sigreturn, a
 * restore elsewhere) re-enters the syscall exactly as the kernel would when
 * no handler runs.
 */
static bool rewind_syscall(struct user_regs_struct *r)
{
	if ((long)r->orig_rax < 0)
		return false;
	switch ((long)r->rax) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
		r->rax = r->orig_rax;
		r->rip -= 2;
		break;
	case -ERESTART_RESTARTBLOCK:
		r->rax = NR_restart_syscall;
		r->rip -= 2;
		break;
	default:
		return false;
	}
	r->orig_rax = -1;
	return true;
}

int arch_get_thread_regs(pid_t tid, struct thread_regs *tr)
{
	struct iovec iov;

	memset(tr, 0, sizeof(*tr));
	if (ptrace(PTRACE_GETREGS, tid, NULL, &tr->seized))
		return pr_perror("tid %d: PTRACE_GETREGS", tid);
	tr->regs = tr->seized;
	tr->rewound = rewind_syscall(&tr->regs);
	if (!tr->rewound)
		tr->regs.orig_rax = -1;

	tr->xsave = aligned_alloc(64, XSAVE_MAX);
	if (!tr->xsave)
		return -ENOMEM;
	iov.iov_base = tr->xsave;
	iov.iov_len = XSAVE_MAX;
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_X86_XSTATE, &iov))
		return pr_perror("tid %d: PTRACE_GETREGSET(NT_X86_XSTATE)", tid);
	tr->xsave_len = iov.iov_len;
	/* XSAVE_MAX was room for any CPU: keep what this one uses (a tree may have thousands of threads) */
	uint8_t *fit = realloc(tr->xsave, tr->xsave_len);
	if (fit)
		tr->xsave = fit;

	if (ptrace(PTRACE_GETSIGMASK, tid, (void *)sizeof(tr->sigmask), &tr->sigmask))
		return pr_perror("tid %d: PTRACE_GETSIGMASK", tid);
	return 0;
}

void arch_free_thread_regs(struct thread_regs *tr)
{
	free(tr->xsave);
	tr->xsave = NULL;
}

/* The kernel's x86_64 signal frame, as rt_sigreturn reads it. */
struct k_sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t di, si, bp, bx, dx, ax, cx, sp, ip, flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved1[8];
};

struct k_ucontext {
	uint64_t uc_flags;
	uint64_t uc_link;
	struct {
		uint64_t sp;
		int32_t flags;
		int32_t pad;
		uint64_t size;
	} uc_stack;
	struct k_sigcontext uc_mcontext;
	uint64_t uc_sigmask;
};

struct k_rt_sigframe {
	uint64_t pretcode;
	struct k_ucontext uc;
	uint8_t info[128];
};
_Static_assert(sizeof(struct k_sigcontext) == 256, "sigcontext ABI");
_Static_assert(sizeof(struct k_rt_sigframe) == 440, "rt_sigframe ABI");

#define UC_FP_XSTATE		0x1
#define UC_SIGCONTEXT_SS	0x2
#define UC_STRICT_RESTORE_SS	0x4
#define FPSTATE_OFF		((sizeof(struct k_rt_sigframe) + 63) & ~63ul)

struct fx_sw_bytes {
	uint32_t magic1, extended_size;
	uint64_t xfeatures;
	uint32_t xstate_size, padding[7];
};

size_t arch_sigframe_size(const struct thread_regs *tr)
{
	return (FPSTATE_OFF + tr->xsave_len + 4 + 63) & ~63ul;
}

int arch_build_sigframe(const struct thread_regs *tr, uint64_t frame_addr, void *buf)
{
	struct k_rt_sigframe *f = buf;
	struct k_sigcontext *sc = &f->uc.uc_mcontext;
	const struct user_regs_struct *r = &tr->regs;
	uint8_t *fp = (uint8_t *)buf + FPSTATE_OFF;
	struct fx_sw_bytes sw;

	if (frame_addr & 63)
		return -EINVAL;
	memset(buf, 0, arch_sigframe_size(tr));
	f->uc.uc_flags = UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS;
	/*
	 * rt_sigreturn hands uc_stack to sigaltstack() and ignores its errors:
	 * mode 0 with size 0 is refused with ENOMEM, so the thread's altstack
	 * stays exactly as it is.
	 */
	f->uc.uc_stack.sp = 0;
	f->uc.uc_stack.flags = 0;
	f->uc.uc_stack.size = 0;
	f->uc.uc_sigmask = tr->sigmask;

	sc->r8 = r->r8;   sc->r9 = r->r9;   sc->r10 = r->r10; sc->r11 = r->r11;
	sc->r12 = r->r12; sc->r13 = r->r13; sc->r14 = r->r14; sc->r15 = r->r15;
	sc->di = r->rdi;  sc->si = r->rsi;  sc->bp = r->rbp;  sc->bx = r->rbx;
	sc->dx = r->rdx;  sc->ax = r->rax;  sc->cx = r->rcx;  sc->sp = r->rsp;
	sc->ip = r->rip;  sc->flags = r->eflags;
	sc->cs = r->cs;   sc->ss = r->ss;
	sc->fpstate = frame_addr + FPSTATE_OFF;

	/* xsave as ptrace gave it; its sw_reserved bytes are the signal-frame ones */
	memcpy(fp, tr->xsave, tr->xsave_len);
	memcpy(&sw, fp + 464, sizeof(sw));
	if (sw.magic1 != FP_XSTATE_MAGIC1 || sw.xstate_size > tr->xsave_len) {
		sw.magic1 = FP_XSTATE_MAGIC1;
		sw.xstate_size = tr->xsave_len;
		sw.extended_size = tr->xsave_len + 4;
		memcpy(&sw.xfeatures, fp + 512, sizeof(sw.xfeatures));	/* xstate_bv */
		memcpy(fp + 464, &sw, sizeof(sw));
	}
	uint32_t magic2 = FP_XSTATE_MAGIC2;
	memcpy(fp + sw.xstate_size, &magic2, sizeof(magic2));
	return 0;
}

void arch_setup_syscall(struct user_regs_struct *r, uint64_t stub, uint64_t sp,
			long nr, const long a[6], long undo_nr)
{
	uint64_t stub_ip = undo_nr ? stub : stub + ARCH_STUB_PLAIN;

	r->rbx = undo_nr;
	r->rax = nr;
	r->rdi = a[0];
	r->rsi = a[1];
	r->rdx = a[2];
	r->r10 = a[3];
	r->r8 = a[4];
	r->r9 = a[5];
	r->rip = stub_ip;
	r->rsp = sp;
	r->orig_rax = -1;	/* no syscall-restart processing on resume */
}

void arch_setup_call(struct user_regs_struct *r, uint64_t ip, uint64_t sp, uint64_t arg)
{
	r->rip = ip;
	r->rsp = sp;
	r->rdi = arg;
	r->rax = 0;
	r->orig_rax = -1;
	r->eflags &= ~(1UL << 10);	/* DF clear, as the ABI wants at a call */
}
