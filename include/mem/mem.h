/* Memory of a dumped task: VMA classification and page transfer. */
#ifndef CKPT_MEM_MEM_H
#define CKPT_MEM_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "images/image.h"
#include "proc/proc.h"
#include "seize/infect.h"

/* vma_kind of mm.proto for a /proc/PID/smaps entry, and its MAP_* flags. */
int vma_kind(const struct proc_vma *v, uint32_t *map_flags);
/* Does this kind of VMA have pages that go into the images? */
bool vma_kind_has_pages(int kind);
/* MADV_* advice implied by VmFlags, as a bit mask of (1 << MADV_x). */
uint32_t vma_madv_bits(uint32_t vmflags);

struct page_stats {
	uint64_t nr_pages;
	uint64_t nr_runs;
};

/*
 * Find the present pages of every dumpable VMA (PAGEMAP_SCAN: kernel 6.7 or
 * later, `ckpt check` says so) and move them, through the parasite's
 * vmsplice and our splice, into pagemap-PID.img and pages-PID.img.
 */
int dump_pages(struct infect_ctl *ic, struct imgset *set, const struct proc_vma *vmas,
	       const int *kinds, size_t nr_vmas, struct page_stats *stats);

#endif
