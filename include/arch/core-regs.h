/* x86_64 registers <-> core.proto's user_x86_regs_entry (one field table, both ways). */
#ifndef CKPT_ARCH_CORE_REGS_H
#define CKPT_ARCH_CORE_REGS_H

#include <sys/user.h>

#include "core.pb-c.h"

void arch_regs_to_image(const struct user_regs_struct *r, UserX86RegsEntry *e);
void arch_regs_from_image(const UserX86RegsEntry *e, struct user_regs_struct *r);

#endif
