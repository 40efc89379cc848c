/*
 * Restorer entry and the few things C cannot say.
 *
 * __export_restorer_entry(args): called by the restoring task on the
 * area's stack; never returns.
 * rst_clone_thread(clone_args, size, fn, arg): clone3; the child runs
 * fn(arg) on the stack clone_args gave it.
 * rst_sigreturn(rsp): rt_sigreturn through the frame at rsp - 8.
 */
	.section .text.entry, "ax"
	.globl __export_restorer_entry
	.type __export_restorer_entry, @function
__export_restorer_entry:
	and	$-16, %rsp
	call	restorer_main
	ud2
	.size __export_restorer_entry, . - __export_restorer_entry

	.text
	.globl rst_clone_thread
	.hidden rst_clone_thread
	.type rst_clone_thread, @function
rst_clone_thread:
	mov	%rdx, %r8		/* fn, kept across the syscall */
	mov	%rcx, %r9		/* arg */
	mov	$435, %eax		/* __NR_clone3 */
	syscall
	test	%rax, %rax
	jnz	1f
	/* the new thread, on its own stack */
	xor	%ebp, %ebp
	mov	%r9, %rdi
	call	*%r8
	ud2
1:	ret
	.size rst_clone_thread, . - rst_clone_thread

	.globl rst_sigreturn
	.hidden rst_sigreturn
	.type rst_sigreturn, @function
rst_sigreturn:
	mov	%rdi, %rsp
	mov	$15, %eax		/* __NR_rt_sigreturn */
	syscall
	ud2
	.size rst_sigreturn, . - rst_sigreturn
	.section .note.GNU-stack, "", @progbits
