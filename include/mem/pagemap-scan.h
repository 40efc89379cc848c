/*
 * PAGEMAP_SCAN (kernel 6.7 uapi <linux/fs.h>), which Debian 12's headers
 * predate. One copy for the dumper and for `ckpt check`.
 */
#ifndef CKPT_MEM_PAGEMAP_SCAN_H
#define CKPT_MEM_PAGEMAP_SCAN_H

#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/fs.h>

#ifndef PAGEMAP_SCAN
struct page_region {
	uint64_t start, end, categories;
};
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages;
	uint64_t category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE	(1 << 2)
#define PAGE_IS_PRESENT	(1 << 3)
#define PAGE_IS_SWAPPED	(1 << 4)
#define PAGE_IS_PFNZERO	(1 << 5)
#endif
#ifndef PAGE_IS_HUGE
#define PAGE_IS_HUGE	(1 << 6)
#endif
#ifndef PAGE_IS_GUARD
#define PAGE_IS_GUARD	(1 << 8)	/* 6.14: a MADV_GUARD_INSTALL page */
#endif

#endif
