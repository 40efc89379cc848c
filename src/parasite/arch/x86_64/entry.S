/*
 * Parasite entry. The dumper sets rip here, rsp to the top of the blob's
 * stack and rdi to the args area. parasite_main() returns the rsp of the
 * rt_sigframe the dumper prepared: rt_sigreturn puts the task back exactly
 * where it was when it was seized.
 */
	.section .text.entry, "ax"
	.globl __export_parasite_entry
	.type __export_parasite_entry, @function
__export_parasite_entry:
	and	$-16, %rsp
	call	parasite_main
	mov	%rax, %rsp
	mov	$15, %eax		/* __NR_rt_sigreturn */
	syscall
	ud2
	.size __export_parasite_entry, . - __export_parasite_entry
	.section .note.GNU-stack, "", @progbits
