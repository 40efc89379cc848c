/* The whole-set check shared by `ckpt show` and `ckpt restore` (see validate.h). */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "common/log.h"
#include "images/image.h"
#include "images/validate.h"

#include "fdinfo.pb-c.h"
#include "inventory.pb-c.h"

#define PAGE 4096ull

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int pstree_task(const PstreeEntry *pe, size_t i)
{
	bool zombie = pe->state == TASK_STATE__TASK_ZOMBIE;

	if (!pe->pid || pe->pid >= PID_MAX_LIMIT) {
		pr_err("pstree.img: task %zu: pid %" PRIu32 " out of range", i, pe->pid);
		return -EBADMSG;
	}
	if (zombie ? pe->n_threads > 1 : !pe->n_threads) {
		pr_err("pstree.img: pid %" PRIu32 ": %zu threads", pe->pid, pe->n_threads);
		return -EBADMSG;
	}
	if (pe->n_threads && pe->threads[0] != pe->pid) {
		pr_err("pstree.img: pid %" PRIu32 ": first thread %" PRIu32 " is not the task",
		       pe->pid, pe->threads[0]);
		return -EBADMSG;
	}
	for (size_t t = 1; t < pe->n_threads; t++)
		if (!pe->threads[t] || pe->threads[t] >= PID_MAX_LIMIT) {
			pr_err("pstree.img: pid %" PRIu32 ": tid %" PRIu32 " out of range", pe->pid,
			       pe->threads[t]);
			return -EBADMSG;
		}
	return 0;
}

int validate_pstree(PstreeEntry *const *v, size_t n, uint32_t root_pid)
{
	uint32_t *ids = NULL;
	size_t nids = 0;
	int err = 0;

	if (!n) {
		pr_err("pstree.img: no tasks");
		return -EBADMSG;
	}
	if (v[0]->pid != root_pid) {
		pr_err("pstree.img: root %" PRIu32 ", the inventory says %" PRIu32, v[0]->pid, root_pid);
		return -EBADMSG;
	}
	for (size_t i = 0; i < n; i++) {
		err = pstree_task(v[i], i);
		if (err)
			return err;
		if (nids + v[i]->n_threads + 1 < nids)
			return -EOVERFLOW;
		nids += v[i]->n_threads ? v[i]->n_threads : 1;
	}
	ids = malloc(nids * sizeof(*ids));
	if (!ids)
		return pr_errno(-ENOMEM, "pstree.img: %zu ids", nids);
	nids = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i]->n_threads)
			ids[nids++] = v[i]->pid;
		for (size_t t = 0; t < v[i]->n_threads; t++)
			ids[nids++] = v[i]->threads[t];
	}
	qsort(ids, nids, sizeof(*ids), cmp_u32);
	for (size_t i = 1; i < nids; i++)
		if (ids[i] == ids[i - 1]) {
			pr_err("pstree.img: id %" PRIu32 " is twice in the tree", ids[i]);
			err = -EBADMSG;
			goto out;
		}
	/* parents before children: every ppid is an earlier task, the root's none */
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < n && !found; j++)
			found = v[j]->pid == v[i]->ppid;
		if (i == 0 && found) {
			pr_err("pstree.img: root %" PRIu32 ": its parent %" PRIu32 " is in the tree",
			       v[0]->pid, v[0]->ppid);
			err = -EBADMSG;
			goto out;
		}
		if (i == 0)
			continue;
		found = false;
		for (size_t j = 0; j < i && !found; j++)
			found = v[j]->pid == v[i]->ppid;
		if (!found) {
			pr_err("pstree.img: pid %" PRIu32 ": parent %" PRIu32 " is not an earlier task "
			       "of the tree", v[i]->pid, v[i]->ppid);
			err = -EBADMSG;
			goto out;
		}
	}
out:
	free(ids);
	return err;
}

int validate_vmas(const MmEntry *mm, uint32_t pid)
{
	uint64_t prev_end = 0;

	for (size_t i = 0; i < mm->n_vmas; i++) {
		const VmaEntry *v = mm->vmas[i];

		if (v->start % PAGE || v->end % PAGE || v->start >= v->end || v->start < prev_end) {
			pr_err("mm-%" PRIu32 ".img: vma %zu %#" PRIx64 "-%#" PRIx64
			       ": not page-aligned, empty, or out of order", pid, i, v->start, v->end);
			return -EBADMSG;
		}
		prev_end = v->end;
	}
	return 0;
}

int validate_runs(PagemapEntry *const *runs, size_t n, uint64_t head_pages, const MmEntry *mm,
		  uint32_t pid)
{
	uint64_t sum = 0, prev_end = 0;
	size_t vi = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t start = runs[i]->vaddr, len, end;

		if (!runs[i]->nr_pages || start % PAGE || start < prev_end ||
		    __builtin_mul_overflow(runs[i]->nr_pages, PAGE, &len) ||
		    __builtin_add_overflow(start, len, &end) ||
		    __builtin_add_overflow(sum, runs[i]->nr_pages, &sum)) {
			pr_err("pagemap-%" PRIu32 ".img: run %zu at %#" PRIx64 " of %" PRIu64
			       " pages: empty, unaligned, out of order or too long", pid, i, start,
			       runs[i]->nr_pages);
			return -EBADMSG;
		}
		/* inside VMAs (adjacent ones may share a run) */
		for (uint64_t at = start; at < end;) {
			while (vi < mm->n_vmas && mm->vmas[vi]->end <= at)
				vi++;
			if (vi == mm->n_vmas || mm->vmas[vi]->start > at) {
				pr_err("pagemap-%" PRIu32 ".img: run %zu: page %#" PRIx64
				       " is in no VMA of mm-%" PRIu32 ".img", pid, i, at, pid);
				return -EBADMSG;
			}
			at = mm->vmas[vi]->end;
		}
		prev_end = end;
	}
	if (sum != head_pages) {
		pr_err("pagemap-%" PRIu32 ".img: the runs hold %" PRIu64 " pages, the head says %" PRIu64,
		       pid, sum, head_pages);
		return -EBADMSG;
	}
	return 0;
}

static bool in_groups(gid_t g, const gid_t *groups, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

int validate_creds(const CredsEntry *c, uint32_t pid, uid_t owner, const gid_t *groups,
		   size_t ngroups)
{
	const uint32_t uids[] = { c->uid, c->euid, c->suid, c->fsuid };
	const uint32_t gids[] = { c->gid, c->egid, c->sgid, c->fsgid };

	if (owner == 0)
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (uids[i] != owner) {
			pr_err("core-%" PRIu32 ".img: pid %" PRIu32 " asks for uid %" PRIu32
			       ", the set's owner is uid %u: refused (--trust-images if the set is "
			       "trusted)", pid, pid, uids[i], (unsigned)owner);
			return -EPERM;
		}
	for (size_t i = 0; i < 4 + c->n_groups; i++) {
		uint32_t g = i < 4 ? gids[i] : c->groups[i - 4];

		if (!in_groups(g, groups, ngroups)) {
			pr_err("core-%" PRIu32 ".img: pid %" PRIu32 " asks for gid %" PRIu32
			       ", not a group of the set's owner uid %u: refused (--trust-images if "
			       "the set is trusted)", pid, pid, g, (unsigned)owner);
			return -EPERM;
		}
	}
	if (c->cap_prm || c->cap_eff || (c->has_cap_amb && c->cap_amb)) {
		pr_err("core-%" PRIu32 ".img: pid %" PRIu32 " asks for capabilities, the set's owner "
		       "is uid %u: refused (--trust-images if the set is trusted)", pid, pid,
		       (unsigned)owner);
		return -EPERM;
	}
	return 0;
}

bool relink_name_ok(const char *name)
{
	const char *base;

	if (!name || name[0] != '/' || strstr(name, "/../") || strstr(name, "/./"))
		return false;
	base = strrchr(name, '/') + 1;
	return !strncmp(base, RELINK_PREFIX, strlen(RELINK_PREFIX)) &&
	       base[strlen(RELINK_PREFIX)] != '\0';
}

/* ---- reading the set ------------------------------------------------------ */

struct vctx {
	struct imgset *set;
	unsigned flags;
	PstreeEntry **tasks;
	size_t nr_tasks;
	size_t nr_files;
	gid_t *groups;		/* of the owner, for VALIDATE_CREDS */
	size_t ngroups;
};

/* Every record of an image (absent: -ENOENT silently if optional). */
static int read_all_msgs(struct imgset *set, enum img_kind kind, uint32_t id, bool optional,
			 ProtobufCMessage ***out, size_t *n)
{
	ProtobufCMessage *m, **v = NULL, **nv;
	struct img *img;
	size_t cnt = 0;
	int r;

	*out = NULL;
	*n = 0;
	r = optional ? img_open_optional(set, kind, id, &img) : img_open(set, kind, id, &img);
	if (r)
		return r;
	while ((r = img_read_msg(img, &m)) > 0) {
		nv = reallocarray(v, cnt + 1, sizeof(*v));
		if (!nv) {
			protobuf_c_message_free_unpacked(m, NULL);
			r = pr_errno(-ENOMEM, "%s", img_name(img));
			break;
		}
		v = nv;
		v[cnt++] = m;
	}
	img_close(img);
	if (r < 0) {
		for (size_t i = 0; i < cnt; i++)
			protobuf_c_message_free_unpacked(v[i], NULL);
		free(v);
		return r;
	}
	*out = v;
	*n = cnt;
	return 0;
}

static void free_msgs(ProtobufCMessage **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(v[i], NULL);
	free(v);
}

/* One record of this pid (zombies may lack the image: *out NULL). */
static int read_one(struct vctx *c, enum img_kind kind, uint32_t pid, bool zombie,
		    ProtobufCMessage **out)
{
	ProtobufCMessage **v;
	size_t n;
	int r;

	*out = NULL;
	r = read_all_msgs(c->set, kind, pid, zombie, &v, &n);
	if (r == -ENOENT && zombie)
		return 0;
	if (r)
		return r;
	if (n != 1) {
		pr_err("%s-%" PRIu32 ".img: %zu records, expected one",
		       kind == IMG_CORE ? "core" : kind == IMG_MM ? "mm" : "fs", pid, n);
		free_msgs(v, n);
		return -EBADMSG;
	}
	*out = v[0];
	free(v);
	return 0;
}

static int check_core(struct vctx *c, const PstreeEntry *pe, const TaskCoreEntry *core)
{
	if (core->pid != pe->pid || core->n_threads != pe->n_threads) {
		pr_err("core-%" PRIu32 ".img: of pid %" PRIu32 " with %zu threads, pstree.img says "
		       "%zu", pe->pid, core->pid, core->n_threads, pe->n_threads);
		return -EBADMSG;
	}
	for (size_t i = 0; i < core->n_threads; i++)
		if (core->threads[i]->tid != pe->threads[i]) {
			pr_err("core-%" PRIu32 ".img: thread %zu is tid %" PRIu32 ", pstree.img says %"
			       PRIu32, pe->pid, i, core->threads[i]->tid, pe->threads[i]);
			return -EBADMSG;
		}
	if (c->flags & VALIDATE_CREDS)
		return validate_creds(core->creds, pe->pid, imgset_owner(c->set), c->groups,
				      c->ngroups);
	return 0;
}

static int check_file_id(struct vctx *c, const char *img, uint32_t pid, const char *what,
			 uint32_t id)
{
	if (id >= 1 && id <= c->nr_files)
		return 0;
	pr_err("%s-%" PRIu32 ".img: %s names file id %" PRIu32 ", files.img has 1..%zu", img, pid,
	       what, id, c->nr_files);
	return -EBADMSG;
}

static int check_mm(struct vctx *c, const PstreeEntry *pe, const MmEntry *mm)
{
	int r;

	if (mm->pid != pe->pid) {
		pr_err("mm-%" PRIu32 ".img: of pid %" PRIu32, pe->pid, mm->pid);
		return -EBADMSG;
	}
	r = validate_vmas(mm, pe->pid);
	for (size_t i = 0; !r && i < mm->n_vmas; i++)
		if (mm->vmas[i]->has_file_id)
			r = check_file_id(c, "mm", pe->pid, "a VMA", mm->vmas[i]->file_id);
	if (!r && mm->has_exe_file_id)
		r = check_file_id(c, "mm", pe->pid, "the exe", mm->exe_file_id);
	return r;
}

static int check_pagemap(struct vctx *c, const PstreeEntry *pe, const MmEntry *mm)
{
	bool zombie = pe->state == TASK_STATE__TASK_ZOMBIE;
	ProtobufCMessage **v;
	PagemapHead *head;
	struct img *img;
	struct stat st;
	size_t n;
	int r;

	r = read_all_msgs(c->set, IMG_PAGEMAP, pe->pid, zombie, &v, &n);
	if (r == -ENOENT && zombie)
		return 0;
	if (r)
		return r;
	if (!n) {
		pr_err("pagemap-%" PRIu32 ".img: empty, expected a pagemap head", pe->pid);
		r = -EBADMSG;
		goto out;
	}
	head = (PagemapHead *)v[0];
	if (head->pid != pe->pid || !mm) {
		pr_err("pagemap-%" PRIu32 ".img: of pid %" PRIu32 "%s", pe->pid, head->pid,
		       mm ? "" : ", and no mm image");
		r = -EBADMSG;
		goto out;
	}
	r = validate_runs((PagemapEntry *const *)v + 1, n - 1, head->nr_pages, mm, pe->pid);
	if (r || !head->nr_pages)
		goto out;
	r = img_open(c->set, IMG_PAGES, pe->pid, &img);
	if (r)
		goto out;
	if (fstat(img_raw_fd(img), &st)) {
		r = pr_perror("%s: cannot stat", img_name(img));
	} else if (head->nr_pages > ((uint64_t)st.st_size - IMG_PAGES_DATA_OFF) / PAGE) {
		pr_err("%s: %lld bytes, too short for the %" PRIu64 " pages of pid %" PRIu32
		       "'s pagemap: truncated", img_name(img), (long long)st.st_size, head->nr_pages,
		       pe->pid);
		r = -ENODATA;
	}
	img_close(img);
	if (!r)
		r = img_verify(c->set, IMG_PAGES, pe->pid);
out:
	free_msgs(v, n);
	return r;
}

static int check_fdinfo(struct vctx *c, const PstreeEntry *pe)
{
	bool zombie = pe->state == TASK_STATE__TASK_ZOMBIE;
	ProtobufCMessage **v;
	uint32_t *fds;
	size_t n;
	int r;

	r = read_all_msgs(c->set, IMG_FDINFO, pe->pid, zombie, &v, &n);
	if (r == -ENOENT && zombie)
		return 0;
	if (r)
		return r;
	fds = malloc((n ? n : 1) * sizeof(*fds));
	if (!fds) {
		free_msgs(v, n);
		return pr_errno(-ENOMEM, "fdinfo-%" PRIu32 ".img", pe->pid);
	}
	for (size_t i = 0; !r && i < n; i++) {
		const FdEntry *f = (const FdEntry *)v[i];

		fds[i] = f->fd;
		if (f->fd >= FD_MAX_LIMIT) {
			pr_err("fdinfo-%" PRIu32 ".img: fd %" PRIu32 " out of range", pe->pid, f->fd);
			r = -EBADMSG;
		} else {
			char what[32];

			snprintf(what, sizeof(what), "fd %" PRIu32, f->fd);
			r = check_file_id(c, "fdinfo", pe->pid, what, f->file_id);
		}
	}
	if (!r && n) {
		qsort(fds, n, sizeof(*fds), cmp_u32);
		for (size_t i = 1; i < n && !r; i++)
			if (fds[i] == fds[i - 1]) {
				pr_err("fdinfo-%" PRIu32 ".img: fd %" PRIu32 " twice", pe->pid, fds[i]);
				r = -EBADMSG;
			}
	}
	free(fds);
	free_msgs(v, n);
	return r;
}

static int check_task(struct vctx *c, const PstreeEntry *pe)
{
	bool zombie = pe->state == TASK_STATE__TASK_ZOMBIE;
	ProtobufCMessage *core = NULL, *mm = NULL, *fs = NULL;
	int r;

	r = read_one(c, IMG_CORE, pe->pid, zombie, &core);
	if (!r && core)
		r = check_core(c, pe, (TaskCoreEntry *)core);
	if (!r)
		r = read_one(c, IMG_MM, pe->pid, zombie, &mm);
	if (!r && mm)
		r = check_mm(c, pe, (MmEntry *)mm);
	if (!r)
		r = check_pagemap(c, pe, (MmEntry *)mm);
	if (!r)
		r = read_one(c, IMG_FS, pe->pid, zombie, &fs);
	if (!r)
		r = check_fdinfo(c, pe);
	if (core)
		protobuf_c_message_free_unpacked(core, NULL);
	if (mm)
		protobuf_c_message_free_unpacked(mm, NULL);
	if (fs)
		protobuf_c_message_free_unpacked(fs, NULL);
	return r;
}

static bool has_ghost_data(const FileEntry *fe)
{
	return fe->has_decision && (fe->decision == FILE_DECISION__DECIDE_GHOST ||
				    fe->decision == FILE_DECISION__DECIDE_TMPFILE ||
				    fe->decision == FILE_DECISION__DECIDE_MEMFD);
}

static int check_files(struct vctx *c)
{
	ProtobufCMessage **v;
	uint32_t *ghosts;
	size_t n, ng = 0;
	int r;

	r = read_all_msgs(c->set, IMG_FILES, 0, true, &v, &n);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	ghosts = malloc((n ? n : 1) * sizeof(*ghosts));
	if (!ghosts)
		r = pr_errno(-ENOMEM, "files.img");
	for (size_t i = 0; !r && i < n; i++) {
		const FileEntry *fe = (const FileEntry *)v[i];

		if (fe->id != i + 1) {
			pr_err("files.img: file id %" PRIu32 " where %zu was due", fe->id, i + 1);
			r = -EBADMSG;
		} else if (fe->has_decision && fe->decision == FILE_DECISION__DECIDE_RELINK &&
			   !relink_name_ok(fe->relink_name)) {
			pr_err("files.img: file %" PRIu32 ": relink name %s is not ckpt's "
			       "(an absolute DIR/" RELINK_PREFIX "* name)", fe->id,
			       fe->relink_name ? fe->relink_name : "(none)");
			r = -EBADMSG;
		} else if (has_ghost_data(fe) && !fe->has_ghost_id) {
			pr_err("files.img: file %" PRIu32 ": no ghost image", fe->id);
			r = -EBADMSG;
		} else if (has_ghost_data(fe)) {
			ghosts[ng++] = fe->ghost_id;
		}
	}
	/* each ghost image once, whole: its data goes into the restored file */
	if (!r && ng)
		qsort(ghosts, ng, sizeof(*ghosts), cmp_u32);
	for (size_t i = 0; !r && i < ng; i++)
		if (!i || ghosts[i] != ghosts[i - 1])
			r = img_verify(c->set, IMG_GHOST, ghosts[i]);
	c->nr_files = n;
	free(ghosts);
	free_msgs(v, n);
	return r;
}

/* The groups the set's owner is in, for VALIDATE_CREDS. */
static int owner_groups(struct vctx *c)
{
	uid_t owner = imgset_owner(c->set);
	struct passwd *pw = getpwuid(owner);
	int n = 64;

	if (!pw) {
		/* no such user here: only the directory's group */
		struct stat st;

		c->groups = malloc(sizeof(*c->groups));
		if (!c->groups)
			return -ENOMEM;
		if (fstat(imgset_dirfd(c->set), &st))
			return pr_perror("%s: cannot stat", imgset_dir(c->set));
		c->groups[0] = st.st_gid;
		c->ngroups = 1;
		return 0;
	}
	for (;;) {
		gid_t *g = reallocarray(c->groups, n, sizeof(*g));

		if (!g)
			return -ENOMEM;
		c->groups = g;
		if (getgrouplist(pw->pw_name, pw->pw_gid, g, &n) >= 0)
			break;
	}
	c->ngroups = n;
	return 0;
}

int imgset_validate(struct imgset *set, unsigned flags)
{
	const InventoryEntry *inv = imgset_inventory(set);
	struct vctx c = { .set = set, .flags = flags };
	ProtobufCMessage **v = NULL;
	size_t n = 0;
	int r;

	r = read_all_msgs(set, IMG_PSTREE, 0, false, &v, &n);
	if (r)
		return r;
	c.tasks = (PstreeEntry **)v;
	c.nr_tasks = n;
	r = validate_pstree(c.tasks, n, inv->root_pid);
	if (!r && inv->ntasks != n) {
		pr_err("pstree.img: %zu tasks, the inventory says %" PRIu32, n, inv->ntasks);
		r = -EBADMSG;
	}
	if (!r && (flags & VALIDATE_CREDS) && imgset_owner(set) != 0)
		r = owner_groups(&c);
	if (!r)
		r = check_files(&c);
	for (size_t i = 0; !r && i < n; i++)
		r = check_task(&c, c.tasks[i]);
	free(c.groups);
	free_msgs(v, n);
	return r;
}
