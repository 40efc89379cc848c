#include <string.h>

#include "arch/core-regs.h"

/* image field, struct user_regs_struct field */
#define REGS(X)                                                                       \
	X(r15, r15) X(r14, r14) X(r13, r13) X(r12, r12) X(bp, rbp) X(bx, rbx)        \
	X(r11, r11) X(r10, r10) X(r9, r9) X(r8, r8) X(ax, rax) X(cx, rcx) X(dx, rdx) \
	X(si, rsi) X(di, rdi) X(orig_ax, orig_rax) X(ip, rip) X(cs, cs)              \
	X(flags, eflags) X(sp, rsp) X(ss, ss) X(fs_base, fs_base)                    \
	X(gs_base, gs_base) X(ds, ds) X(es, es) X(fs, fs) X(gs, gs)

void arch_regs_to_image(const struct user_regs_struct *r, UserX86RegsEntry *e)
{
	user_x86_regs_entry__init(e);
#define TO(img, reg) e->img = r->reg;
	REGS(TO)
#undef TO
}

void arch_regs_from_image(const UserX86RegsEntry *e, struct user_regs_struct *r)
{
	memset(r, 0, sizeof(*r));
#define FROM(img, reg) r->reg = e->img;
	REGS(FROM)
#undef FROM
}
