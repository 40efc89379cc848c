/*
 * x86_64 register state of a seized thread, and the rt_sigframe that puts
 * it back (used by the parasite and by injected syscalls so that a task
 * whose dumper dies returns to its saved state by itself).
 */
#ifndef CKPT_ARCH_REGS_H
#define CKPT_ARCH_REGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

#define ARCH_REDZONE 128

struct thread_regs {
	struct user_regs_struct seized;	/* as PTRACE_GETREGS gave them */
	struct user_regs_struct regs;	/* resumable: a syscall to restart is rewound */
	bool rewound;			/* regs re-enter an interrupted syscall */
	uint8_t *xsave;			/* NT_X86_XSTATE, malloc'ed */
	size_t xsave_len;
	uint64_t sigmask;		/* PTRACE_GETSIGMASK: the real blocked mask */
};

/* Read registers, xsave and signal mask of a ptrace-stopped thread: 0 or -errno. */
int arch_get_thread_regs(pid_t tid, struct thread_regs *tr);
void arch_free_thread_regs(struct thread_regs *tr);

/* Size of the rt_sigframe arch_build_sigframe() makes (64-byte multiple). */
size_t arch_sigframe_size(const struct thread_regs *tr);
/*
 * Build into buf (arch_sigframe_size bytes) an rt_sigframe that will sit at
 * task address frame_addr (64-byte aligned) and returns to tr->regs with
 * tr->sigmask. The task must rt_sigreturn with rsp = frame_addr + 8.
 * The altstack is left alone (uc_stack is made invalid on purpose).
 */
int arch_build_sigframe(const struct thread_regs *tr, uint64_t frame_addr, void *buf);

/*
 * The syscall stub, the task's way home from anything ckpt runs in it:
 *
 *   0: syscall			a call that makes something: enter here, rbx = its undo
 *   2: mov %rax, %rdi
 *   5: mov %rbx, %rax
 *   8: syscall			any other call enters here (ARCH_STUB_PLAIN)
 *  10: push $15; pop %rax	(ARCH_STUB_PLAIN_END: where a plain call stops at its exit)
 *  13: syscall			rt_sigreturn through the frame at rsp - 8
 *
 * ckpt takes every call at its exit stop and sets the registers anew; only
 * when ckpt is gone does the thread run on past a syscall: after a call
 * entered at 0 (an mmap) it undoes it (munmap(its result, rsi)), then
 * returns to its saved state.
 */
#define ARCH_STUB_SIZE 15
#define ARCH_STUB_PLAIN 8
#define ARCH_STUB_PLAIN_END 10
extern const uint8_t arch_syscall_stub[ARCH_STUB_SIZE];

/*
 * Prepare regs for an injected syscall in the stub at stub with rsp = sp:
 * entered at ARCH_STUB_PLAIN, or, with undo_nr, at 0 with undo_nr in rbx.
 */
void arch_setup_syscall(struct user_regs_struct *r, uint64_t stub, uint64_t sp,
			long nr, const long args[6], long undo_nr);
/* Prepare regs to enter the parasite at ip with its stack top sp and arg. */
void arch_setup_call(struct user_regs_struct *r, uint64_t ip, uint64_t sp, uint64_t arg);

#endif
