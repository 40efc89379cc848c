/*
 * Parasite entry. The dumper sets rip here, rsp to the top of the blob's
 * stack and rdi to the args area.
 *
 * parasite_main() returns only when the dumper is gone (its socket hit
 * EOF); then the task must go back to its saved state by itself: load
 * munmap(this region) and jump to the plain syscall of the dumper's stub,
 * followed by rt_sigreturn through the frame on the task's stack.
 */
#define __ASSEMBLY__
#include "parasite-proto.h"

	.section .text.entry, "ax"
	.globl __export_parasite_entry
	.type __export_parasite_entry, @function
__export_parasite_entry:
	and	$-16, %rsp
	call	parasite_main
	mov	PARASITE_ARGS_EXIT_RSP(%rax), %rsp
	mov	PARASITE_ARGS_EXIT_MAP(%rax), %rdi
	mov	PARASITE_ARGS_EXIT_SIZE(%rax), %rsi
	mov	PARASITE_ARGS_EXIT_STUB(%rax), %rcx
	mov	$11, %eax		/* __NR_munmap */
	jmp	*%rcx
	.size __export_parasite_entry, . - __export_parasite_entry
	.section .note.GNU-stack, "", @progbits
