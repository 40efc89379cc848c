#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <sys/random.h>
#include <linux/kcmp.h>

#define LOG_PREFIX "files: "
#include "common/log.h"
#include "common/util.h"
#include "files/bpf-fds.h"
#include "files/files.h"
#include "files/locks.h"
#include "proc/proc.h"

#include <bsd/sys/tree.h>

/*
 * An open file description some task has, where a later fd finds it again:
 * in the tree of its inode, in kcmp order; once the table goes by address
 * (bpf-fds.h), in one tree of all, in the order of their addresses. Files
 * ckpt opens itself (for a mapping, exe, cwd) are new descriptions no task
 * has: they have none.
 */
struct desc {
	RB_ENTRY(desc) by_kcmp, by_addr;
	int local;			/* our copy of it */
	uint64_t addr;			/* its struct file, once known */
	size_t rec;
	int err;			/* kcmp failed while this one was placed */
};

struct file_rec {
	FileEntry fe;
	int local;			/* kept open: kcmp needs it */
	pid_t pid;			/* a task that had it */
	int fd;				/* and its fd number there (-1: a mapping, exe, cwd) */
	struct desc *desc;		/* NULL for a mapping, exe, cwd */
	unsigned int nr_fds;		/* fds of the tree on it */
	bool proc;			/* a /proc/PID file */
};

/*
 * kcmp(KCMP_FILE) of two of our fds: 0 for the same open file description,
 * else a total order of descriptions (their obfuscated addresses). An error
 * (there should be none: both are ours) stops the walk as if equal and is
 * left in a->err. One inode may have thousands of descriptions (every open
 * of /dev/null): the tree keeps that at about log2(n) calls per fd.
 */
static int desc_kcmp(struct desc *a, struct desc *b)
{
	static pid_t me;
	long r;

	if (!me)
		me = getpid();
	r = syscall(SYS_kcmp, me, me, KCMP_FILE, a->local, b->local);
	if (r == 1 || r == 2)
		return r == 1 ? -1 : 1;
	if (r)
		a->err = r < 0 ? -errno : -EINVAL;
	return 0;
}

/* libbsd's tree.h wants __unused, which its cdefs.h leaves undefined */
#define __unused __attribute__((unused))
static int desc_addr_cmp(struct desc *a, struct desc *b)
{
	return (a->addr > b->addr) - (a->addr < b->addr);
}

RB_HEAD(desc_tree, desc);
RB_GENERATE_STATIC(desc_tree, desc, by_kcmp, desc_kcmp)
RB_HEAD(addr_tree, desc);
RB_GENERATE_STATIC(addr_tree, desc, by_addr, desc_addr_cmp)

/* One inode: all its descriptions (files.img entries), the tasks' ones indexed. */
struct inode_node {
	RB_ENTRY(inode_node) link;
	dev_t dev;
	ino_t ino;
	size_t *recs;			/* every entry of the inode, in the order seen */
	size_t n, cap;
	size_t first;			/* the rec seen first */
	struct desc_tree descs;
};

static int inode_cmp(const struct inode_node *a, const struct inode_node *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	return 0;
}

RB_HEAD(inode_tree, inode_node);
RB_GENERATE_STATIC(inode_tree, inode_node, link, inode_cmp)
#undef __unused

/* Past this many fds in a dump, loading the BPF iterator costs less than the kcmp calls. */
#define BY_ADDR_MIN_FDS 256

struct file_table {
	struct file_rec *v;
	size_t n, cap;
	struct inode_tree inodes;
	struct addr_tree descs_by_addr;
	bool by_addr;			/* descriptions are found by address */
	bool by_addr_tried;
	int iter_prog;			/* the BPF iterator, -1 */
	size_t nr_fds;			/* fds of tasks seen so far */
	struct imgset *set;
	uint64_t ghost_limit;
	char dump_id[24];		/* in every name ckpt makes: unique per dump */
	char **relinks;			/* links made (paths as ckpt sees them) */
	size_t nr_relinks;
	pid_t *tids;			/* of the tree, sorted */
	size_t nr_tids;
	struct file_locks *locks;	/* locks.c: /proc/locks and the locks given to fds */
};

int file_table_new(struct imgset *set, uint64_t ghost_limit, struct file_table **out)
{
	struct file_table *ft = calloc(1, sizeof(*ft));
	uint64_t rnd;

	if (!ft)
		return -ENOMEM;
	RB_INIT(&ft->inodes);
	RB_INIT(&ft->descs_by_addr);
	ft->iter_prog = -1;
	ft->set = set;
	ft->ghost_limit = ghost_limit;
	if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
		rnd = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	snprintf(ft->dump_id, sizeof(ft->dump_id), "%016llx", (unsigned long long)rnd);
	*out = ft;
	return 0;
}

struct imgset *file_table_imgset(struct file_table *ft)
{
	return ft->set;
}

uint64_t file_table_ghost_limit(struct file_table *ft)
{
	return ft->ghost_limit;
}

const char *file_table_dump_id(struct file_table *ft)
{
	return ft->dump_id;
}

size_t file_table_size(const struct file_table *ft)
{
	return ft->n;
}

const FileEntry *file_table_entry(const struct file_table *ft, size_t i, pid_t *pid, int *fd)
{
	*pid = ft->v[i].pid;
	*fd = ft->v[i].fd;
	return &ft->v[i].fe;
}

struct file_locks **file_table_locks(struct file_table *ft)
{
	return &ft->locks;
}

bool file_table_has_ino(struct file_table *ft, uint64_t ino)
{
	struct inode_node *n;

	/* by inode number alone: /proc/locks gives the superblock's dev, not btrfs's per subvolume one */
	RB_FOREACH(n, inode_tree, &ft->inodes)
		if ((uint64_t)n->ino == ino && n->n)
			return true;
	return false;
}

int file_table_note_relink(struct file_table *ft, const char *task_root, const char *name)
{
	char **nv = reallocarray(ft->relinks, ft->nr_relinks + 1, sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	ft->relinks = nv;
	if (asprintf(&nv[ft->nr_relinks], "%s%s", task_root, name) < 0)
		return -ENOMEM;
	ft->nr_relinks++;
	return 0;
}

void file_table_unlink_relinks(struct file_table *ft)
{
	for (size_t i = 0; ft && i < ft->nr_relinks; i++)
		if (unlink(ft->relinks[i]) && errno != ENOENT)
			pr_warn("remove %s: %s", ft->relinks[i], strerror(errno));
}

void file_table_free(struct file_table *ft)
{
	struct inode_node *n, *next;

	if (!ft)
		return;
	for (size_t i = 0; i < ft->nr_relinks; i++)
		free(ft->relinks[i]);
	free(ft->relinks);
	free(ft->tids);
	for (size_t i = 0; i < ft->n; i++) {
		free(ft->v[i].fe.path);
		free(ft->v[i].fe.fown);
		free(ft->v[i].fe.relink_name);
		free(ft->v[i].fe.memfd_name);
		free(ft->v[i].fe.pipe_data.data);
		free(ft->v[i].fe.tty_termios.data);	/* tty_winsize too */
		if (ft->v[i].local >= 0)
			close(ft->v[i].local);
		free(ft->v[i].desc);
	}
	if (ft->iter_prog >= 0)
		close(ft->iter_prog);
	file_locks_free(ft->locks);
	RB_FOREACH_SAFE(n, inode_tree, &ft->inodes, next) {
		RB_REMOVE(inode_tree, &ft->inodes, n);
		free(n->recs);
		free(n);
	}
	free(ft->v);
	free(ft);
}

static void desc_unindex(struct file_table *ft, struct inode_node *node, struct desc *desc)
{
	if (ft->by_addr)
		RB_REMOVE(addr_tree, &ft->descs_by_addr, desc);
	else
		RB_REMOVE(desc_tree, &node->descs, desc);
	free(desc);
}

/*
 * The id of the description behind p->local (at addr, 0 when unknown),
 * adding it when new. p->fd < 0: a file ckpt opened itself, a description
 * of its own that no fd can share.
 */
static int table_add(struct file_table *ft, const struct fd_probe *p, uint64_t addr, uint32_t *id)
{
	struct inode_node key = { .dev = p->st->st_dev, .ino = p->st->st_ino }, *node;
	struct desc *desc = NULL, *old;
	struct file_rec *rec;
	struct fd_probe pp;
	int ret;

	node = RB_FIND(inode_tree, &ft->inodes, &key);
	if (!node) {
		node = calloc(1, sizeof(*node));
		if (!node)
			return -ENOMEM;
		node->dev = key.dev;
		node->ino = key.ino;
		RB_INIT(&node->descs);
		RB_INSERT(inode_tree, &ft->inodes, node);
	}
	if (p->fd >= 0) {
		desc = calloc(1, sizeof(*desc));
		if (!desc)
			return -ENOMEM;
		desc->local = p->local;
		desc->addr = addr;
		desc->rec = ft->n;
		if (ft->by_addr)
			old = RB_INSERT(addr_tree, &ft->descs_by_addr, desc);
		else
			old = RB_INSERT(desc_tree, &node->descs, desc);
		ret = desc->err;
		if (ret) {
			free(desc);	/* a failed kcmp stops the walk: never inserted */
			return pr_errno(ret, "pid %d fd %d (%s): kcmp", p->pid, p->fd, p->link);
		}
		/*
		 * The address was read before the fd reached us: one kcmp makes
		 * sure it still names the same description (an fd closed and
		 * reopened meanwhile by a task outside the tree sharing the table).
		 */
		if (old && ft->by_addr && (desc_kcmp(desc, old) || desc->err)) {
			free(desc);
			return pr_errno(-EAGAIN, "pid %d fd %d (%s): changed while it was dumped",
					p->pid, p->fd, p->link);
		}
		if (old) {
			free(desc);
			*id = ft->v[old->rec].fe.id;
			ft->v[old->rec].nr_fds++;
			close(p->local);
			return 0;
		}
	}
	ret = -ENOMEM;
	if (ft->n == ft->cap) {
		size_t cap = ft->cap ? ft->cap * 2 : 64;
		struct file_rec *nv = reallocarray(ft->v, cap, sizeof(*nv));

		if (!nv)
			goto fail;
		ft->v = nv;
		ft->cap = cap;
	}
	if (node->n == node->cap) {
		size_t cap = node->cap ? node->cap * 2 : 4;
		size_t *nr = reallocarray(node->recs, cap, sizeof(*nr));

		if (!nr)
			goto fail;
		node->recs = nr;
		node->cap = cap;
	}
	pp = *p;
	pp.ft = ft;
	pp.same_inode = node->n ? &ft->v[node->first].fe : NULL;
	p = &pp;

	rec = &ft->v[ft->n];
	file_entry__init(&rec->fe);
	rec->local = -1;
	rec->fe.id = ft->n + 1;
	rec->fe.pos = -1;
	if (S_ISFIFO(p->st->st_mode) && !(p->info->flags & O_PATH))
		ret = pipe_fill(p, &rec->fe);
	else
		ret = regular_fill(p, &rec->fe);
	if (ret) {
		free(rec->fe.path);
		free(rec->fe.fown);
		free(rec->fe.relink_name);
		free(rec->fe.memfd_name);
		free(rec->fe.pipe_data.data);
		free(rec->fe.tty_termios.data);
		goto fail;
	}
	rec->local = p->local;
	rec->pid = p->pid;
	rec->fd = p->fd;
	rec->desc = desc;
	rec->nr_fds = p->fd >= 0;
	rec->proc = rec->fe.path && procfs_owner(rec->fe.path, p->local) > 0;
	if (!node->n)
		node->first = ft->n;
	node->recs[node->n++] = ft->n;
	*id = rec->fe.id;
	ft->n++;
	return 0;
fail:
	if (desc)
		desc_unindex(ft, node, desc);
	return ret;
}

/*
 * From now on descriptions are found by the address of their struct file.
 * The ones seen so far get theirs from ckpt's own copies of them. When the
 * kernel cannot (see bpf-fds.h), kcmp goes on doing it.
 */
static void table_index_by_addr(struct file_table *ft)
{
	struct task_fd_addrs own = { 0 };
	int prog, ret;

	ft->by_addr_tried = true;
	prog = bpf_fds_load();
	if (prog < 0) {
		pr_info("open file descriptions told apart by kcmp: no BPF task_file iterator (%s)",
			strerror(-prog));
		return;
	}
	ret = bpf_fds_read(prog, getpid(), &own);
	for (size_t i = 0; !ret && i < ft->n; i++) {
		struct desc *d = ft->v[i].desc;
		const struct fd_addr *fa;

		if (!d)
			continue;
		fa = fd_addr_find(&own, d->local);
		if (!fa) {
			ret = -ENOENT;
			break;
		}
		d->addr = fa->addr;
		if (RB_INSERT(addr_tree, &ft->descs_by_addr, d))
			ret = -EEXIST;
	}
	task_fd_addrs_free(&own);
	if (ret) {
		pr_info("open file descriptions told apart by kcmp: BPF task_file iterator of ckpt: %s",
			strerror(-ret));
		RB_INIT(&ft->descs_by_addr);	/* only an index: they stay in their inode's tree */
		close(prog);
		return;
	}
	pr_debug("open file descriptions told apart by address (BPF task_file iterator)");
	ft->iter_prog = prog;
	ft->by_addr = true;
}

/*
 * The task's fds with their addresses and paths, once the table goes by
 * address (else a->v is NULL: kcmp, and the links read from /proc).
 */
static int task_fd_addrs(struct file_table *ft, pid_t pid, size_t nr_fds, struct task_fd_addrs *a)
{
	int ret;

	*a = (struct task_fd_addrs){ 0 };
	ft->nr_fds += nr_fds;
	if (!ft->by_addr && !ft->by_addr_tried && ft->nr_fds >= BY_ADDR_MIN_FDS)
		table_index_by_addr(ft);
	if (!ft->by_addr)
		return 0;
	ret = bpf_fds_read(ft->iter_prog, pid, a);
	if (ret)
		return pr_errno(ret, "pid %d: read its fds with the BPF task_file iterator", pid);
	return 0;
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The fd numbers of the task, sorted, from its /proc/PID/fd open at dir. */
static int list_fds(pid_t pid, int dir, int **out, size_t *nr)
{
	char buf[32768];
	int *v = NULL;
	size_t n = 0, cap = 0;
	ssize_t got;

	while ((got = getdents64(dir, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < got;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);

			off += de->d_reclen;
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				int *nv;

				cap = cap ? cap * 2 : 64;
				nv = reallocarray(v, cap, sizeof(*v));
				if (!nv) {
					free(v);
					return -ENOMEM;
				}
				v = nv;
			}
			v[n++] = atoi(de->d_name);
		}
	}
	if (got < 0) {
		free(v);
		return pr_perror("pid %d: read /proc/%d/fd", pid, pid);
	}
	qsort(v, n, sizeof(*v), cmp_int);
	*out = v;
	*nr = n;
	return 0;
}

int file_table_add_inode(struct file_table *ft, pid_t pid, int local, const char *link,
			 int want_flags, uint32_t *id)
{
	struct parasite_fd_info info = { .fd = -1, .flags = want_flags, .pos = -1 };
	struct stat st;
	struct inode_node key, *node;
	struct fd_probe p;
	int ret;

	if (fstat(local, &st)) {
		ret = pr_perror("pid %d: %s: fstat", pid, link);
		close(local);
		return ret;
	}
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	node = RB_FIND(inode_tree, &ft->inodes, &key);
	for (size_t i = 0; node && i < node->n; i++) {
		const FileEntry *fe = &ft->v[node->recs[i]].fe;

		if ((fe->flags & O_ACCMODE) == O_RDWR || (fe->flags & O_ACCMODE) == (unsigned)want_flags) {
			*id = fe->id;
			close(local);
			return 0;
		}
	}
	p = (struct fd_probe){ .pid = pid, .fd = -1, .local = local, .link = link, .st = &st,
			       .info = &info };
	ret = table_add(ft, &p, 0, id);
	if (ret)
		close(local);
	return ret;
}

int file_table_add_proc_link(struct file_table *ft, pid_t pid, const char *what, int flags,
			     uint32_t *id, char *link, size_t size)
{
	char path[96];
	ssize_t n;
	int fd;

	n = proc_readlink(pid, what, link, size);
	if (n < 0)
		return n;
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d: open %s (%s)", pid, path, link);
	return file_table_add_inode(ft, pid, fd, link, flags & ~O_DIRECTORY, id);
}

int unsupported_kind(pid_t pid, int fd, const char *link)
{
	pr_err("pid %d fd %d (%s): unsupported file kind", pid, fd, link);
	return -EOPNOTSUPP;
}

struct task_fd_ctx {
	struct file_table *ft;
	pid_t pid;
	bool external_session, shell_job;
};

/*
 * fstat and the mount id (what fdinfo's mnt_id says) in one statx: the
 * file is ours (received from the task), the same struct file.
 */
static int stat_fd(int fd, struct stat *st, unsigned int *mnt_id)
{
	struct statx sx;

	if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_MNT_ID, &sx))
		return -errno;
	memset(st, 0, sizeof(*st));
	st->st_dev = makedev(sx.stx_dev_major, sx.stx_dev_minor);
	st->st_ino = sx.stx_ino;
	st->st_mode = sx.stx_mode;
	st->st_nlink = sx.stx_nlink;
	st->st_uid = sx.stx_uid;
	st->st_gid = sx.stx_gid;
	st->st_rdev = makedev(sx.stx_rdev_major, sx.stx_rdev_minor);
	st->st_size = sx.stx_size;
	st->st_blocks = sx.stx_blocks;
	st->st_blksize = sx.stx_blksize;
	st->st_atim.tv_sec = sx.stx_atime.tv_sec;
	st->st_atim.tv_nsec = sx.stx_atime.tv_nsec;
	st->st_mtim.tv_sec = sx.stx_mtime.tv_sec;
	st->st_mtim.tv_nsec = sx.stx_mtime.tv_nsec;
	st->st_ctim.tv_sec = sx.stx_ctime.tv_sec;
	st->st_ctim.tv_nsec = sx.stx_ctime.tv_nsec;
	*mnt_id = (sx.stx_mask & STATX_MNT_ID) ? (unsigned int)sx.stx_mnt_id : 0;
	return 0;
}

static int probe_fd(const struct task_fd_ctx *tc, int fd, const char *link, int local,
		    uint64_t addr, const struct parasite_fd_info *info, FdEntry *out)
{
	struct file_table *ft = tc->ft;
	pid_t pid = tc->pid;
	unsigned int mnt_id = 0;
	struct stat st;
	struct fd_probe p;
	uint32_t id;
	int ret;

	ret = stat_fd(local, &st, &mnt_id);
	if (ret) {
		pr_errno(ret, "pid %d fd %d (%s): statx", pid, fd, link);
		close(local);
		return ret;
	}
	/* an O_PATH fd names an object of the filesystem, whatever its type (regular.c) */
	if (!strncmp(link, "anon_inode:", 11) ||
	    (S_ISSOCK(st.st_mode) && !(info->flags & O_PATH)) ||
	    (S_ISLNK(st.st_mode) && !(info->flags & O_PATH)) ||
	    !(S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || S_ISCHR(st.st_mode) ||
	      S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode) || S_ISLNK(st.st_mode) ||
	      S_ISSOCK(st.st_mode))) {
		close(local);
		return unsupported_kind(pid, fd, link);
	}
	p = (struct fd_probe){ .pid = pid, .fd = fd, .local = local, .link = link,
			       .st = &st, .info = info, .mnt_id = mnt_id,
			       .external_session = tc->external_session, .shell_job = tc->shell_job };
	ret = table_add(ft, &p, addr, &id);
	if (ret) {
		close(local);
		return ret;
	}
	fd_entry__init(out);
	out->fd = fd;
	out->file_id = id;
	out->cloexec = !!(info->fdflags & FD_CLOEXEC);
	return locks_dump_fd(&ft->locks, pid, fd, link, st.st_ino, id, out);
}

static int open_proc_fd_dir(pid_t pid)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return pr_perror("pid %d: open %s", pid, path);
	return fd;
}

static void free_links(char **links, size_t n)
{
	for (size_t i = 0; links && i < n; i++)
		free(links[i]);
	free(links);
}

/* What /proc/PID/fd/N names, into link (PATH_MAX bytes). */
static int read_fd_link(pid_t pid, int dir, int fd, char *link)
{
	char name[16];
	ssize_t len;

	snprintf(name, sizeof(name), "%d", fd);
	len = readlinkat(dir, name, link, PATH_MAX - 1);
	if (len < 0)
		return pr_perror("pid %d: readlink /proc/%d/fd/%d", pid, pid, fd);
	link[len] = '\0';
	return 0;
}

int dump_task_fds(struct file_table *ft, struct infect_ctl *ic, bool external_session,
		  bool shell_job, FdEntry **fds, size_t *nr)
{
	struct task_fd_ctx tc = { .ft = ft, .pid = ic->task->pid,
				  .external_session = external_session, .shell_job = shell_job };
	struct parasite_drain_fds *d = &ic->args->u.drain;
	pid_t pid = ic->task->pid;
	cleanup_free int *list = NULL;
	cleanup_close int dir = -1;
	struct task_fd_addrs addrs = { 0 };
	int locals[PARASITE_MAX_FDS];
	FdEntry *out = NULL;
	char **links = NULL;
	size_t n = 0, done = 0;
	int ret;

	/* one open of /proc/PID/fd: each link is then read without walking the path to it */
	dir = open_proc_fd_dir(pid);
	if (dir < 0)
		return dir;
	ret = list_fds(pid, dir, &list, &n);
	if (ret)
		return ret;
	/* the parasite's own socket is not the task's */
	for (size_t i = 0; i < n; i++)
		if (list[i] == ic->remote_sock) {
			memmove(list + i, list + i + 1, (n - i - 1) * sizeof(*list));
			n--;
			break;
		}
	ret = task_fd_addrs(ft, pid, n, &addrs);
	if (ret)
		return ret;
	out = calloc(n ? n : 1, sizeof(*out));
	links = calloc(n ? n : 1, sizeof(*links));
	if (!out || !links) {
		ret = -ENOMEM;
		goto fail;
	}

	/* kinds we refuse anyway are refused before the parasite is asked for them
	 * (some, like io_uring, cannot even travel over SCM_RIGHTS) */
	for (size_t i = 0; i < n; i++) {
		const struct fd_addr *fa = addrs.v ? fd_addr_find(&addrs, list[i]) : NULL;
		char buf[PATH_MAX];
		const char *link = fa ? fa->path : NULL;

		if (addrs.v && !fa) {
			ret = pr_errno(-EPROTO, "pid %d fd %d: not seen by the BPF task_file iterator",
				       pid, list[i]);
			goto fail;
		}
		if (!link) {
			ret = read_fd_link(pid, dir, list[i], buf);
			if (ret)
				goto fail;
			link = buf;
		}
		if (!strncmp(link, "anon_inode:", 11) || !strncmp(link, "socket:", 7)) {
			ret = unsupported_kind(pid, list[i], link);
			goto fail;
		}
		links[i] = strdup(link);
		if (!links[i]) {
			ret = -ENOMEM;
			goto fail;
		}
	}

	while (done < n) {
		unsigned int k = n - done > PARASITE_MAX_FDS ? PARASITE_MAX_FDS : n - done;
		unsigned int got = 0, i;

		d->nr = k;
		memcpy(d->fds, list + done, k * sizeof(int));
		ret = parasite_cmd(ic, PARASITE_CMD_DRAIN_FDS, k, -1);
		if (!ret)
			ret = parasite_reply(ic, locals, PARASITE_MAX_FDS, &got);
		if (ret >= 0 && (got != k || (unsigned int)ret != k))
			ret = pr_errno(-EPROTO, "pid %d: parasite sent %u of %u fds", pid, got, k);
		if (ret < 0) {
			for (i = 0; i < got; i++)
				close(locals[i]);
			if (!log_first_error())
				pr_errno(ret, "pid %d: take fds %d..%d", pid, list[done], list[done + k - 1]);
			goto fail;
		}
		for (i = 0; i < k; i++) {
			int fd = list[done + i];
			const struct fd_addr *fa = addrs.v ? fd_addr_find(&addrs, fd) : NULL;

			ret = d->info[i].fd == fd ? 0 :
				pr_errno(-EPROTO, "pid %d: fd %d: parasite answered for fd %d", pid,
					 fd, d->info[i].fd);
			if (ret)
				close(locals[i]);
			else
				ret = probe_fd(&tc, fd, links[done + i], locals[i], fa ? fa->addr : 0,
					       &d->info[i], &out[done + i]);
			if (ret) {
				while (++i < k)
					close(locals[i]);
				goto fail;
			}
		}
		done += k;
	}
	task_fd_addrs_free(&addrs);
	free_links(links, n);
	*fds = out;
	*nr = n;
	return 0;
fail:
	task_fd_addrs_free(&addrs);
	free_links(links, n);
	free(out);
	return ret;
}

int file_table_relink_all(struct file_table *ft)
{
	struct inode_node *node;

	RB_FOREACH(node, inode_tree, &ft->inodes) {
		struct file_rec *first = &ft->v[node->first];
		struct stat st;
		struct fd_probe p;
		int ret;

		if (!node->n)
			continue;	/* its first fd was refused */
		if (first->fe.decision != FILE_DECISION__DECIDE_RELINK || first->fe.relink_name)
			continue;
		if (fstat(first->local, &st))
			return pr_perror("pid %d: %s: fstat", first->pid, first->fe.path);
		p = (struct fd_probe){ .pid = first->pid, .fd = first->fd, .local = first->local,
				       .link = first->fe.path, .st = &st, .ft = ft };
		ret = unlinked_relink(&p, &first->fe);
		if (ret)
			return ret;
		/* the other descriptions of the inode: the same link, or the same ghost */
		for (size_t i = 0; i < node->n; i++) {
			FileEntry *fe = &ft->v[node->recs[i]].fe;

			if (node->recs[i] == node->first)
				continue;
			fe->decision = first->fe.decision;
			if (first->fe.relink_name && !(fe->relink_name = strdup(first->fe.relink_name)))
				return -ENOMEM;
			fe->has_ghost_id = first->fe.has_ghost_id;
			fe->ghost_id = first->fe.ghost_id;
			fe->has_ghost_size = first->fe.has_ghost_size;
			fe->ghost_size = first->fe.ghost_size;
		}
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

int file_table_set_tids(struct file_table *ft, const pid_t *tids, size_t n)
{
	free(ft->tids);
	ft->tids = malloc((n ? n : 1) * sizeof(*tids));
	if (!ft->tids)
		return -ENOMEM;
	memcpy(ft->tids, tids, n * sizeof(*tids));
	qsort(ft->tids, n, sizeof(*tids), cmp_pid);
	ft->nr_tids = n;
	return 0;
}

bool file_table_has_tid(const struct file_table *ft, pid_t tid)
{
	return ft->nr_tids && bsearch(&tid, ft->tids, ft->nr_tids, sizeof(tid), cmp_pid);
}

int file_table_check_proc_shared(const struct file_table *ft)
{
	for (size_t i = 0; i < ft->n; i++) {
		const struct file_rec *r = &ft->v[i];

		if (r->proc && r->nr_fds > 1) {
			pr_err("pid %d fd %d (%s): a /proc file shared by %u fds (dup, fork): "
			       "not supported yet", r->pid, r->fd, r->fe.path, r->nr_fds);
			return -EOPNOTSUPP;
		}
	}
	return 0;
}

int file_table_write(struct file_table *ft, struct imgset *set)
{
	struct img *img;
	int ret, ret2;

	ret = img_create(set, IMG_FILES, 0, &img);
	if (ret)
		return ret;
	for (size_t i = 0; !ret && i < ft->n; i++)
		ret = img_write_msg(img, &ft->v[i].fe.base);
	ret2 = img_close(img);
	return ret ? ret : ret2;
}
