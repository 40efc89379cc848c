/* Raw x86_64 syscalls for the blobs: return the kernel's -errno untouched. */
#ifndef CKPT_PARASITE_SYSCALL_H
#define CKPT_PARASITE_SYSCALL_H

static inline long sys_call6(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys_call0(n)			sys_call6(n, 0, 0, 0, 0, 0, 0)
#define sys_call1(n, a)			sys_call6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys_call2(n, a, b)		sys_call6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys_call3(n, a, b, c)		sys_call6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys_call4(n, a, b, c, d)	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

#define NR_read		0
#define NR_close	3
#define NR_lseek	8
#define NR_brk		12
#define NR_rt_sigaction	13
#define NR_getitimer	36
#define NR_sendmsg	46
#define NR_recvmsg	47
#define NR_fcntl	72
#define NR_sigaltstack	131
#define NR_prctl	157
#define NR_vmsplice	278

#endif
