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
/* Is the two-letter flag ("lo") in a VmFlags text ("rd wr lo")? */
bool vma_has_flag(const char *vmflags, const char *flag);
/*
 * A VMA a restore cannot bring back exactly (a VmFlags entry it cannot
 * make, an AIO ring, a SysV shm segment): logged with pid and range,
 * -EOPNOTSUPP. 0 if it can.
 */
int vma_check(pid_t pid, const struct proc_vma *v, int kind);
/* Does this kind of VMA have pages that go into the images? */
bool vma_kind_has_pages(int kind);
/* MADV_* advice implied by VmFlags, as a bit mask of (1 << MADV_x). */
uint32_t vma_madv_bits(uint32_t vmflags);

/*
 * The pages of a VMA in a PAGEMAP_SCAN category (PAGE_IS_GUARD: guard
 * pages; PAGE_IS_HUGE: PMD-mapped huge pages) as start, end pairs in a
 * malloc'ed *out of *n numbers.
 */
int vma_page_ranges(pid_t pid, const struct proc_vma *v, uint64_t category, uint64_t **out,
		    size_t *n);

struct page_stats {
	uint64_t nr_pages;
	uint64_t nr_runs;
};

/*
 * Find the present pages of every dumpable VMA (PAGEMAP_SCAN: kernel 6.7 or
 * later, `ckpt check` says so) and move them, through the parasite's
 * vmsplice and our splice, into pagemap-PID.img and pages-PID.img.
 *
 * In two steps: dump_pages_start() scans and writes the pagemap, and sends
 * the parasite its first batch; the parasite moves it while we see to other
 * things (no other command may go to it meanwhile); dump_pages_finish()
 * takes it and does the rest. *pd is set even on failure: dump_pages_free()
 * it in any case.
 */
struct page_dump;
int dump_pages_start(struct infect_ctl *ic, struct imgset *set, const struct proc_vma *vmas,
		     const int *kinds, size_t nr_vmas, struct page_dump **pd);
int dump_pages_finish(struct page_dump *pd, struct page_stats *stats);
/*
 * The dump failed elsewhere: take the batch in flight (if any) and the
 * parasite's reply, so that it is back waiting for a command, the pipe's
 * end it received known to the cure (args->pipe_fd), before it is cured.
 */
void dump_pages_settle(struct page_dump *pd);
void dump_pages_free(struct page_dump *pd);

#endif
