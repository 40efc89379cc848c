#include <stdint.h>

#include "restore/task.h"

void arch_jump_to_restorer(uint64_t entry, uint64_t stack_top, uint64_t args)
{
	/* args goes in rdi by constraint, so entry cannot be allocated there */
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "jmp *%1\n\t"
			 :
			 : "r"(stack_top), "r"(entry), "D"(args)
			 : "memory");
	__builtin_unreachable();
}
