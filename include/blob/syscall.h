/* Raw x86_64 syscalls for the blobs: return the kernel's -errno untouched. */
#ifndef CKPT_BLOB_SYSCALL_H
#define CKPT_BLOB_SYSCALL_H

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
#define sys_call5(n, a, b, c, d, e)	sys_call6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

#define NR_read		0
#define NR_ioctl	16
#define NR_pread64	17
#define NR_mmap		9
#define NR_mprotect	10
#define NR_munmap	11
#define NR_rt_sigprocmask 14
#define NR_mremap	25
#define NR_madvise	28
#define NR_getpid	39
#define NR_exit		60
#define NR_kill		62
#define NR_setitimer	38
#define NR_setresuid	117
#define NR_setresgid	119
#define NR_setgroups	116
#define NR_setfsuid	122
#define NR_setfsgid	123
#define NR_capget	125
#define NR_capset	126
#define NR_rt_sigpending 127
#define NR_rt_sigtimedwait 128
#define NR_rt_sigqueueinfo 129
#define NR_arch_prctl	158
#define NR_gettid	186
#define NR_futex	202
#define NR_set_tid_address 218
#define NR_exit_group	231
#define NR_tgkill	234
#define NR_set_robust_list 273
#define NR_rt_tgsigqueueinfo 297
#define NR_rseq		334
#define NR_clone3	435
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
#define NR_personality	135
#define NR_vmsplice	278
#define NR_prlimit64	302
#define NR_get_mempolicy 239
#define NR_timer_settime 223
#define NR_timer_create	222
#define NR_timer_gettime 224
#define NR_timer_getoverrun 225
#define NR_clock_nanosleep 230
#define NR_nanosleep	35

#endif
