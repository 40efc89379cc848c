/*
 * One check of a whole image set, before `ckpt show` prints it and before
 * `ckpt restore` creates anything: everything that names something else in
 * the set must name something that is there.
 *
 *   pstree   pids and tids non-zero, below PID_MAX_LIMIT, unique across the
 *            tree; the root is the inventory's, its parent is not in the
 *            tree; every other parent is an earlier task (so no cycle);
 *            a live task's first thread is itself
 *   core     one record, of this pid, with the pstree's threads
 *   mm/pages VMAs page-aligned, ordered, not overlapping; pagemap runs add
 *            up to the head, ascend, and lie inside VMAs; pages-PID.img
 *            holds them; page and ghost data match their checksums
 *   files    ids 1..n in order; a relink name is ckpt's own (.ckpt-link-)
 *   fdinfo   fds unique and below 2^20, each naming a file of files.img
 *   creds    (VALIDATE_CREDS) only ids and capabilities that the owner of
 *            the set could have had: a set owned by uid 1000 cannot ask for
 *            uid 0
 *
 * The first problem is logged, naming the image and the object; -EBADMSG
 * (or -EPERM for creds, -errno for I/O).
 */
#ifndef CKPT_IMAGES_VALIDATE_H
#define CKPT_IMAGES_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "images/image.h"
#include "core.pb-c.h"
#include "files.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "pstree.pb-c.h"

#define VALIDATE_CREDS	(1u << 0)
#define PID_MAX_LIMIT	(4u << 20)
#define FD_MAX_LIMIT	(1u << 20)
#define RELINK_PREFIX	".ckpt-link-"

int imgset_validate(struct imgset *set, unsigned flags);

/* The pure parts, for tests: what is checked of each, as above. */
int validate_pstree(PstreeEntry *const *v, size_t n, uint32_t root_pid);
int validate_vmas(const MmEntry *mm, uint32_t pid);
int validate_runs(PagemapEntry *const *runs, size_t n, uint64_t head_pages, const MmEntry *mm,
		  uint32_t pid);
/* Creds a set owned by owner may ask for; groups: the groups owner is in (primary first). */
int validate_creds(const CredsEntry *c, uint32_t pid, uid_t owner, const gid_t *groups,
		   size_t ngroups);
/* A relink name restore may open and later remove: ckpt's own. */
bool relink_name_ok(const char *name);

#endif
