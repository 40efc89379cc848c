/* File locks: dump (fdinfo "lock:" lines) and restore (injected fcntl/flock). See files/locks.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOG_PREFIX "locks: "
#include "common/log.h"
#include "common/util.h"
#include "files/files.h"
#include "files/fown.h"
#include "files/locks.h"
#include "proc/proc.h"
#include "restore/restore.h"
#include "seize/infect.h"
#include "seize/seize.h"

#ifndef F_OFD_SETLK
#define F_OFD_SETLK 37
#endif

/* A lock given to an fd already: flock and OFD locks are the description's, taken once. */
struct taken {
	uint32_t file_id;
	struct proc_lock l;
};

struct file_locks {
	struct proc_lock *all;		/* /proc/locks at the first fd */
	size_t n_all;
	bool *seen;			/* all[i] was shown by some fd of the tree */
	uint64_t *inos;			/* sorted inodes of all[] */
	struct taken *taken;
	size_t n_taken;
	void **allocs;			/* what FdEntry.locks point to: freed with the table */
	size_t n_allocs;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static int locks_read(struct file_locks **out)
{
	struct file_locks *fl = calloc(1, sizeof(*fl));
	char *buf = NULL;
	ssize_t len;
	int ret;

	if (!fl)
		return -ENOMEM;
	len = read_file_at(AT_FDCWD, "/proc/locks", &buf);
	if (len < 0) {
		free(fl);
		return pr_errno((int)len, "read /proc/locks");
	}
	ret = proc_parse_locks(buf, &fl->all, &fl->n_all);
	free(buf);
	if (ret) {
		free(fl);
		return pr_errno(ret, "/proc/locks: cannot parse it");
	}
	fl->seen = calloc(fl->n_all + 1, sizeof(*fl->seen));
	fl->inos = calloc(fl->n_all + 1, sizeof(*fl->inos));
	if (!fl->seen || !fl->inos) {
		file_locks_free(fl);
		return -ENOMEM;
	}
	for (size_t i = 0; i < fl->n_all; i++)
		fl->inos[i] = fl->all[i].ino;
	qsort(fl->inos, fl->n_all, sizeof(*fl->inos), cmp_u64);
	*out = fl;
	return 0;
}

void file_locks_free(struct file_locks *fl)
{
	if (!fl)
		return;
	for (size_t i = 0; i < fl->n_allocs; i++)
		free(fl->allocs[i]);
	free(fl->allocs);
	free(fl->all);
	free(fl->seen);
	free(fl->inos);
	free(fl->taken);
	free(fl);
}

static void *fl_alloc(struct file_locks *fl, size_t size)
{
	void **na = reallocarray(fl->allocs, fl->n_allocs + 1, sizeof(*na));
	void *p;

	if (!na)
		return NULL;
	fl->allocs = na;
	p = calloc(1, size);
	if (p)
		fl->allocs[fl->n_allocs++] = p;
	return p;
}

static bool same_lock(const struct proc_lock *a, const struct proc_lock *b)
{
	return a->kind == b->kind && a->write == b->write && a->pid == b->pid &&
	       a->ino == b->ino && a->start == b->start && a->to_eof == b->to_eof &&
	       (a->to_eof || a->end == b->end);
}

static const char *kind_name(enum proc_lock_kind k)
{
	switch (k) {
	case PROC_LOCK_POSIX: return "POSIX";
	case PROC_LOCK_FLOCK: return "flock";
	case PROC_LOCK_OFD: return "OFD";
	case PROC_LOCK_LEASE: return "lease";
	default: return "lock";
	}
}

/* One lock the fd shows: 1 to record it on this fd, 0 when another fd has it, or -errno. */
static int claim(struct file_locks *fl, pid_t pid, int fd, const char *link, uint32_t file_id,
		 const struct proc_lock *l)
{
	struct taken *nt;

	if (l->kind == PROC_LOCK_LEASE) {
		pr_err("pid %d fd %d (%s): holds a %s lease (F_SETLEASE): not supported", pid, fd,
		       link, l->write ? "write" : "read");
		return -EOPNOTSUPP;
	}
	if (l->kind != PROC_LOCK_POSIX && l->kind != PROC_LOCK_FLOCK && l->kind != PROC_LOCK_OFD) {
		pr_err("pid %d fd %d (%s): holds a lock of an unknown kind", pid, fd, link);
		return -EOPNOTSUPP;
	}
	if (l->unlck || l->blocked)
		return 0;	/* no lock held */
	for (size_t i = 0; i < fl->n_all; i++)
		if (same_lock(&fl->all[i], l))
			fl->seen[i] = true;
	/* the fd table's (POSIX) or the description's: shown by every fd that shares it */
	for (size_t i = 0; i < fl->n_taken; i++)
		if (fl->taken[i].file_id == file_id && same_lock(&fl->taken[i].l, l))
			return 0;
	nt = reallocarray(fl->taken, fl->n_taken + 1, sizeof(*nt));
	if (!nt)
		return -ENOMEM;
	fl->taken = nt;
	nt[fl->n_taken++] = (struct taken){ .file_id = file_id, .l = *l };
	return 1;
}

int locks_dump_fd(struct file_locks **flp, pid_t pid, int fd, const char *link, uint64_t ino,
		  uint32_t file_id, FdEntry *out)
{
	struct proc_lock *v = NULL;
	struct file_locks *fl;
	char name[48], *buf = NULL;
	size_t n = 0;
	ssize_t len;
	int ret;

	if (!*flp) {
		ret = locks_read(flp);
		if (ret)
			return ret;
	}
	fl = *flp;
	if (!bsearch(&ino, fl->inos, fl->n_all, sizeof(*fl->inos), cmp_u64))
		return 0;	/* nobody holds a lock on this inode */
	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	len = proc_read(pid, name, &buf);
	if (len < 0)
		return len;
	ret = proc_parse_fdinfo_locks(buf, &v, &n);
	free(buf);
	if (ret)
		return pr_errno(ret, "pid %d fd %d (%s): cannot parse the locks of /proc/%d/%s",
				pid, fd, link, pid, name);
	for (size_t i = 0; i < n; i++) {
		FdLock *lk, **nl;

		ret = claim(fl, pid, fd, link, file_id, &v[i]);
		if (ret <= 0) {
			if (ret < 0)
				break;
			continue;
		}
		ret = -ENOMEM;
		lk = fl_alloc(fl, sizeof(*lk));
		nl = fl_alloc(fl, (out->n_locks + 1) * sizeof(*nl));
		if (!lk || !nl)
			break;
		ret = 0;
		fd_lock__init(lk);
		lk->kind = v[i].kind == PROC_LOCK_POSIX ? LOCK_KIND__LOCK_POSIX :
			   v[i].kind == PROC_LOCK_FLOCK ? LOCK_KIND__LOCK_FLOCK : LOCK_KIND__LOCK_OFD;
		lk->write = v[i].write;
		lk->start = v[i].start;
		lk->has_end = !v[i].to_eof;
		lk->end = v[i].end;
		if (out->n_locks)
			memcpy(nl, out->locks, out->n_locks * sizeof(*nl));
		nl[out->n_locks++] = lk;
		out->locks = nl;	/* the old array stays in fl->allocs */
		pr_debug("pid %d fd %d (%s): %s %s lock from %llu", pid, fd, link,
			 kind_name(v[i].kind), v[i].write ? "write" : "read", v[i].start);
	}
	free(v);
	return ret < 0 ? ret : 0;
}

int locks_check_all_seen(struct file_table *ft, const struct seized_tree *tree)
{
	struct file_locks *fl = *file_table_locks(ft);

	for (size_t i = 0; fl && i < fl->n_all; i++) {
		const struct proc_lock *l = &fl->all[i];
		bool ours = false;

		if (fl->seen[i] || l->blocked || l->pid <= 0)
			continue;
		for (size_t j = 0; j < tree->nr && !ours; j++)
			ours = tree->tasks[j].pid == l->pid;
		if (!ours || !file_table_has_ino(ft, l->ino))
			continue;
		pr_err("pid %d: holds a %s lock on inode %llu (dev %x:%x) that none of its fds "
		       "shows (a file it has only mapped?): not supported", l->pid,
		       kind_name(l->kind), l->ino, l->dev_major, l->dev_minor);
		return -EOPNOTSUPP;
	}
	return 0;
}

/* Restore: locks, and the owners of fds (fown.c), once the whole tree exists */

static void describe(char *buf, size_t size, const FdLock *lk)
{
	const char *kind = lk->kind == LOCK_KIND__LOCK_POSIX ? "POSIX" :
			   lk->kind == LOCK_KIND__LOCK_FLOCK ? "flock" : "OFD";

	if (lk->kind == LOCK_KIND__LOCK_FLOCK)
		snprintf(buf, size, "%s %s lock", kind, lk->write ? "write" : "read");
	else if (lk->has_end)
		snprintf(buf, size, "%s %s lock of bytes %llu-%llu", kind,
			 lk->write ? "write" : "read", (unsigned long long)lk->start,
			 (unsigned long long)lk->end);
	else
		snprintf(buf, size, "%s %s lock of bytes %llu-EOF", kind,
			 lk->write ? "write" : "read", (unsigned long long)lk->start);
}

static int check_lock(const FdLock *lk)
{
	if (lk->kind != LOCK_KIND__LOCK_POSIX && lk->kind != LOCK_KIND__LOCK_FLOCK &&
	    lk->kind != LOCK_KIND__LOCK_OFD)
		return -EBADMSG;
	if (lk->start > INT64_MAX || (lk->has_end && (lk->end < lk->start || lk->end > INT64_MAX)))
		return -EBADMSG;
	if (lk->kind == LOCK_KIND__LOCK_FLOCK && (lk->start || lk->has_end))
		return -EBADMSG;
	return 0;
}

int remote_arg(struct infect_ctl *ic, struct seized_task *t, struct remote_page *pg,
	       const void *data, size_t len, uint64_t *addr)
{
	long r;
	int ret;

	if (len > 4096)
		return -E2BIG;
	if (!pg->addr) {
		ret = remote_syscall(ic, &t->threads[0], &r, SYS_mmap, 0, 4096,
				     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (ret)
			return ret;
		if (r < 0 && r > -4096)
			return pr_errno((int)r, "pid %d: map a page for syscall arguments", t->pid);
		pg->addr = r;
	}
	if (pwrite(ic->mem_fd, data, len, pg->addr) != (ssize_t)len)
		return pr_perror("pid %d: write syscall arguments", t->pid);
	*addr = pg->addr;
	return 0;
}

static int take_lock(struct infect_ctl *ic, struct seized_task *t, struct remote_page *pg,
		     int fd, const FdLock *lk)
{
	struct seized_thread *th = &t->threads[0];
	struct flock f = { 0 };
	uint64_t addr;
	long r;
	int ret;

	if (lk->kind == LOCK_KIND__LOCK_FLOCK) {
		ret = remote_syscall(ic, th, &r, SYS_flock, fd,
				     (lk->write ? LOCK_EX : LOCK_SH) | LOCK_NB, 0, 0, 0, 0);
		return ret ? ret : (int)r;
	}
	f.l_type = lk->write ? F_WRLCK : F_RDLCK;
	f.l_whence = SEEK_SET;
	f.l_start = lk->start;
	f.l_len = lk->has_end ? (off_t)(lk->end - lk->start + 1) : 0;
	ret = remote_arg(ic, t, pg, &f, sizeof(f), &addr);
	if (ret)
		return ret;
	ret = remote_syscall(ic, th, &r, SYS_fcntl, fd,
			     lk->kind == LOCK_KIND__LOCK_POSIX ? F_SETLK : F_OFD_SETLK,
			     addr, 0, 0, 0);
	return ret ? ret : (int)r;
}

int restore_task_fd_late(struct restore_ctx *ctx, struct infect_ctl *ic, struct seized_task *t)
{
	struct remote_page pg = { 0 };
	struct img *img;
	ProtobufCMessage *m;
	int ret, ret2 = 0;
	long r;

	ret = img_open(ctx->set, IMG_FDINFO, t->pid, &img);
	if (ret)
		return ret;
	while (!ret && (ret = img_read_msg(img, &m)) > 0) {
		FdEntry *f = (FdEntry *)m;
		const FileEntry *fe;

		if (!f->file_id || f->file_id > ctx->nr_files) {
			ret = pr_errno(-EBADMSG, "pid %d fd %u: bad file id %u", t->pid, f->fd,
				       f->file_id);
			protobuf_c_message_free_unpacked(m, NULL);
			break;
		}
		fe = ctx->files[f->file_id];
		const char *path = fe->path;

		ret = fe->fown ? fown_restore_fd(ic, t, &pg, f->fd, fe) : 0;
		for (size_t i = 0; !ret && i < f->n_locks; i++) {
			char what[96];
			int err;

			if (check_lock(f->locks[i])) {
				ret = pr_errno(-EBADMSG, "pid %d fd %u: a bad lock entry", t->pid, f->fd);
				break;
			}
			describe(what, sizeof(what), f->locks[i]);
			err = take_lock(ic, t, &pg, f->fd, f->locks[i]);
			if (err == -EAGAIN || err == -EACCES || err == -EWOULDBLOCK)
				ret = pr_errno(err, "pid %d fd %u (%s): %s: another process holds a "
					       "conflicting lock", t->pid, f->fd, path, what);
			else if (err)
				ret = pr_errno(err, "pid %d fd %u (%s): %s: cannot take it again",
					       t->pid, f->fd, path, what);
			else
				pr_debug("pid %d fd %u (%s): %s taken", t->pid, f->fd, path, what);
		}
		protobuf_c_message_free_unpacked(m, NULL);
	}
	img_close(img);
	if (pg.addr && remote_syscall(ic, &t->threads[0], &r, SYS_munmap, pg.addr, 4096, 0, 0, 0, 0))
		ret2 = -EIO;
	return ret < 0 ? ret : ret2;
}
