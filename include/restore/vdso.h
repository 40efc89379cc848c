/* The vDSO of a restored task: moved where it was, or a proxy (src/restore/vdso.c). */
#ifndef CKPT_RESTORE_VDSO_H
#define CKPT_RESTORE_VDSO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mm.pb-c.h"
#include "restorer-proto.h"

struct vdso_plan {
	struct rst_vdso_part parts[RST_MAX_VDSO_PARTS];	/* this kernel's, in address order */
	size_t n;
	int cur_vdso;			/* index of [vdso] in parts, -1 if none */
	uint64_t span;			/* from the first part's start to the last one's end */
	bool proxy;			/* the layout differs: old image + jumps */
	bool drop;			/* the task had none: parked in the area, gone with it */
	uint64_t old_addr, old_size;
	const uint8_t *old_data;
	struct rst_vdso_patch *patches;	/* target: offset in the new [vdso] until vdso_place() */
	size_t nr_patches;
};

int vdso_plan(pid_t pid, const MmEntry *mm, struct vdso_plan *p);
/*
 * Fill the args: the parts are parked at `at` (room of p->span in the area,
 * or next to it for a proxy, where they then stay).
 */
void vdso_place(struct vdso_plan *p, uint64_t at, struct rst_args *a);

#endif
