/*
 * A BPF task_file iterator (include/files/bpf-fds.h): for every fd of a
 * process, the address of its struct file and its path as d_path() makes
 * it, the very string readlink of /proc/PID/fd/N returns. Thirty
 * instructions loaded with bpf(2) directly; what they need from the
 * kernel's BTF (/sys/kernel/btf/vmlinux) is the id of the iterator's target
 * function and three field offsets.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/util.h"
#include "files/bpf-fds.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"
#define ITER_TARGET "bpf_iter_task_file"

/* What the program writes per fd of a thread group leader: this, then len bytes of path. */
struct iter_head {
	uint64_t addr;			/* the struct file */
	uint32_t fd;
	int32_t len;			/* of the path and its NUL, or -errno */
};

/* the path goes right after the head, both in the program's 512-byte stack */
#define PATH_BUF 464
#define REC_OFF (-(int)(sizeof(struct iter_head) + PATH_BUF))

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* ---- BTF -------------------------------------------------------------------- */

struct btf_index {
	const struct btf_header *h;
	const char *str;
	const struct btf_type **types;	/* by id; [0] is void */
	size_t n;
};

/* Bytes that follow a struct btf_type of this kind, or -1 for a kind we do not know. */
static long btf_extra(const struct btf_type *t)
{
	unsigned long vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	default:
		return -1;
	}
}

static int btf_index(const char *blob, size_t size, struct btf_index *bi)
{
	const struct btf_header *h = (const void *)blob;
	const char *t, *end;
	size_t cap = 0;

	if (size < sizeof(*h) || h->magic != BTF_MAGIC || h->hdr_len > size ||
	    (uint64_t)h->hdr_len + h->type_off + h->type_len > size ||
	    (uint64_t)h->hdr_len + h->str_off + h->str_len > size)
		return -EINVAL;
	bi->h = h;
	bi->str = blob + h->hdr_len + h->str_off;
	bi->types = NULL;
	bi->n = 1;
	t = blob + h->hdr_len + h->type_off;
	end = t + h->type_len;
	while (t + sizeof(struct btf_type) <= end) {
		const struct btf_type *bt = (const void *)t;
		long extra = btf_extra(bt);

		if (extra < 0 || t + sizeof(*bt) + extra > end)
			return -EINVAL;
		if (bi->n >= cap) {
			const struct btf_type **nv;

			cap = cap ? cap * 2 : 65536;
			nv = reallocarray(bi->types, cap, sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			bi->types = nv;
		}
		bi->types[bi->n++] = bt;
		t += sizeof(*bt) + extra;
	}
	return 0;
}

static bool btf_name_is(const struct btf_index *bi, uint32_t off, const char *name)
{
	size_t len = strlen(name) + 1;

	return off + len <= bi->h->str_len && !memcmp(bi->str + off, name, len);
}

/* The first type of this kind called name: its id, or -ENOENT. */
static int btf_find(const struct btf_index *bi, unsigned int kind, const char *name)
{
	for (size_t id = 1; id < bi->n; id++) {
		const struct btf_type *t = bi->types[id];

		if (BTF_INFO_KIND(t->info) == kind && btf_name_is(bi, t->name_off, name))
			return id;
	}
	return -ENOENT;
}

/* Byte offset of a member of a struct or union (also inside anonymous ones), or -ENOENT. */
static long btf_member_off(const struct btf_index *bi, const struct btf_type *t, const char *name)
{
	const struct btf_member *m = (const void *)(t + 1);

	for (unsigned int i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		uint32_t bits = BTF_INFO_KFLAG(t->info) ? BTF_MEMBER_BIT_OFFSET(m[i].offset) :
							  m[i].offset;
		const struct btf_type *mt;
		long off;

		if (bits % 8)
			continue;
		if (m[i].name_off) {
			if (btf_name_is(bi, m[i].name_off, name))
				return bits / 8;
			continue;
		}
		if (m[i].type >= bi->n)
			continue;
		mt = bi->types[m[i].type];
		if (BTF_INFO_KIND(mt->info) != BTF_KIND_STRUCT &&
		    BTF_INFO_KIND(mt->info) != BTF_KIND_UNION)
			continue;
		off = btf_member_off(bi, mt, name);
		if (off >= 0)
			return bits / 8 + off;
	}
	return -ENOENT;
}

/* What the program needs to know of this kernel. */
struct btf_facts {
	int target_id;			/* the FUNC bpf_iter_task_file */
	long pid_off, tgid_off;		/* in struct task_struct */
	long f_path_off;		/* in struct file */
};

static int btf_facts_of(const char *blob, size_t size, struct btf_facts *f)
{
	struct btf_index bi = { 0 };
	int task, file, ret;

	ret = btf_index(blob, size, &bi);
	if (!ret) {
		f->target_id = btf_find(&bi, BTF_KIND_FUNC, ITER_TARGET);
		task = btf_find(&bi, BTF_KIND_STRUCT, "task_struct");
		file = btf_find(&bi, BTF_KIND_STRUCT, "file");
		ret = -ENOENT;
		if (f->target_id > 0 && task > 0 && file > 0) {
			f->pid_off = btf_member_off(&bi, bi.types[task], "pid");
			f->tgid_off = btf_member_off(&bi, bi.types[task], "tgid");
			f->f_path_off = btf_member_off(&bi, bi.types[file], "f_path");
			if (f->pid_off >= 0 && f->tgid_off >= 0 && f->f_path_off >= 0)
				ret = 0;
		}
	}
	free(bi.types);
	return ret;
}

static int btf_facts(struct btf_facts *f)
{
	cleanup_close int fd = open(VMLINUX_BTF, O_RDONLY | O_CLOEXEC);
	cleanup_free char *copy = NULL;
	struct stat st;
	void *map;
	ssize_t n;
	int ret;

	if (fd < 0 || fstat(fd, &st))
		return -errno;
	/* mapped (kernels since 6.16), else read */
	map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map != MAP_FAILED) {
		ret = btf_facts_of(map, st.st_size, f);
		munmap(map, st.st_size);
		return ret;
	}
	n = read_file_at(AT_FDCWD, VMLINUX_BTF, &copy);
	if (n < 0)
		return n;
	return btf_facts_of(copy, n, f);
}

/* ---- the program ------------------------------------------------------------ */

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX(size, dst, src, off)	INSN(BPF_LDX | BPF_MEM | (size), dst, src, off, 0)
#define STX(size, dst, off, src)	INSN(BPF_STX | BPF_MEM | (size), dst, src, off, 0)
#define MOV(dst, src)			INSN(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOVI(dst, imm)			INSN(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
#define ADDI(dst, imm)			INSN(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm)
#define JMPI(op, dst, imm, to)		INSN(BPF_JMP | (op) | BPF_K, dst, 0, to, imm)
#define JMP(op, dst, src, to)		INSN(BPF_JMP | (op) | BPF_X, dst, src, to, 0)
#define CALL(fn)			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define EXIT()				INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

int bpf_fds_load(void)
{
	struct btf_facts f;
	union bpf_attr attr;
	int ret, fd;

	ret = btf_facts(&f);
	if (ret)
		return ret;
	/*
	 * ctx: struct bpf_iter__task_file { meta; task; u32 fd; file; }, 8 bytes
	 * each. Only the fds of the thread group leader (what /proc/PID/fd
	 * lists): a thread with an fd table of its own (unshare(CLONE_FILES))
	 * is visited too, and skipped. Jumps count the instructions they skip:
	 * "out" is the second last.
	 */
	const struct bpf_insn prog[] = {
		/*  0 */ MOV(BPF_REG_6, BPF_REG_1),
		/*  1 */ LDX(BPF_DW, BPF_REG_8, BPF_REG_6, 24),			/* file */
		/*  2 */ JMPI(BPF_JEQ, BPF_REG_8, 0, 25),
		/*  3 */ LDX(BPF_DW, BPF_REG_4, BPF_REG_6, 8),			/* task */
		/*  4 */ JMPI(BPF_JEQ, BPF_REG_4, 0, 23),
		/*  5 */ LDX(BPF_W, BPF_REG_5, BPF_REG_4, f.pid_off),
		/*  6 */ LDX(BPF_W, BPF_REG_4, BPF_REG_4, f.tgid_off),
		/*  7 */ JMP(BPF_JNE, BPF_REG_4, BPF_REG_5, 20),			/* not the leader */
		/*  8 */ STX(BPF_DW, BPF_REG_10, REC_OFF, BPF_REG_8),		/* head.addr */
		/*  9 */ LDX(BPF_W, BPF_REG_3, BPF_REG_6, 16),
		/* 10 */ STX(BPF_W, BPF_REG_10, REC_OFF + 8, BPF_REG_3),		/* head.fd */
		/* 11 */ MOV(BPF_REG_1, BPF_REG_8),
		/* 12 */ ADDI(BPF_REG_1, f.f_path_off),				/* &file->f_path */
		/* 13 */ MOV(BPF_REG_2, BPF_REG_10),
		/* 14 */ ADDI(BPF_REG_2, -PATH_BUF),
		/* 15 */ MOVI(BPF_REG_3, PATH_BUF),
		/* 16 */ CALL(BPF_FUNC_d_path),
		/* 17 */ STX(BPF_W, BPF_REG_10, REC_OFF + 12, BPF_REG_0),	/* head.len */
		/* 18 */ MOVI(BPF_REG_3, sizeof(struct iter_head)),
		/* 19 */ JMPI(BPF_JSLE, BPF_REG_0, 0, 3),			/* no path: the head */
		/* 20 */ JMPI(BPF_JSGT, BPF_REG_0, PATH_BUF, 2),
		/* 21 */ MOV(BPF_REG_3, BPF_REG_0),
		/* 22 */ ADDI(BPF_REG_3, sizeof(struct iter_head)),
		/* 23 */ LDX(BPF_DW, BPF_REG_7, BPF_REG_6, 0),			/* meta */
		/* 24 */ LDX(BPF_DW, BPF_REG_1, BPF_REG_7, 0),			/* meta->seq */
		/* 25 */ MOV(BPF_REG_2, BPF_REG_10),
		/* 26 */ ADDI(BPF_REG_2, REC_OFF),
		/* 27 */ CALL(BPF_FUNC_seq_write),
		/* 28 */ MOVI(BPF_REG_0, 0),					/* out */
		/* 29 */ EXIT(),
	};

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_TRACING;
	attr.expected_attach_type = BPF_TRACE_ITER;
	attr.attach_btf_id = f.target_id;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = ARRAY_SIZE(prog);
	attr.license = (uintptr_t)"GPL";	/* bpf_seq_write and bpf_d_path are GPL-only */
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* ---- reading it ------------------------------------------------------------- */

static int cmp_fd_addr(const void *a, const void *b)
{
	const struct fd_addr *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The records in buf (len bytes) into a->v: 0 or -EPROTO. */
static int parse_records(char *buf, size_t len, struct task_fd_addrs *a)
{
	size_t off, n = 0;

	for (int pass = 0; pass < 2; pass++) {
		for (off = 0, n = 0; off + sizeof(struct iter_head) <= len; n++) {
			struct iter_head h;
			char *path = buf + off + sizeof(h);

			memcpy(&h, buf + off, sizeof(h));
			if (h.len > PATH_BUF || (h.len > 0 && (off + sizeof(h) + h.len > len ||
							       path[h.len - 1])))
				return -EPROTO;
			if (pass) {
				a->v[n].fd = h.fd;
				a->v[n].addr = h.addr;
				a->v[n].path = h.len > 0 ? path : NULL;
			}
			off += sizeof(h) + (h.len > 0 ? h.len : 0);
		}
		if (off != len)
			return -EPROTO;
		if (!pass && !(a->v = calloc(n ? n : 1, sizeof(*a->v))))
			return -ENOMEM;
	}
	a->n = n;
	return 0;
}

int bpf_fds_read(int prog, pid_t pid, struct task_fd_addrs *out)
{
	union bpf_iter_link_info info;
	union bpf_attr attr;
	cleanup_close int link = -1, iter = -1;
	struct task_fd_addrs a = { 0 };
	size_t cap = 16384, len = 0;
	ssize_t got;
	int ret;

	memset(&info, 0, sizeof(info));
	info.task.pid = pid;	/* its threads (pid in our namespace); a table shared only once */
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog;
	attr.link_create.attach_type = BPF_TRACE_ITER;
	attr.link_create.iter_info = (uintptr_t)&info;
	attr.link_create.iter_info_len = sizeof(info);
	link = sys_bpf(BPF_LINK_CREATE, &attr);
	if (link < 0)
		return -errno;
	memset(&attr, 0, sizeof(attr));
	attr.iter_create.link_fd = link;
	iter = sys_bpf(BPF_ITER_CREATE, &attr);
	if (iter < 0)
		return -errno;
	for (;;) {
		if (!a.buf || len == cap) {
			char *nb;

			cap = a.buf ? cap * 2 : cap;
			nb = realloc(a.buf, cap);
			ret = -ENOMEM;
			if (!nb)
				goto fail;
			a.buf = nb;
		}
		got = read(iter, a.buf + len, cap - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto fail;
		}
		if (got == 0)
			break;
		len += got;
	}
	ret = parse_records(a.buf, len, &a);
	if (ret)
		goto fail;
	qsort(a.v, a.n, sizeof(*a.v), cmp_fd_addr);
	/* one fd twice: more than one process, a kernel (before 6.1) that ignores pid */
	ret = -EOPNOTSUPP;
	for (size_t i = 1; i < a.n; i++)
		if (a.v[i].fd == a.v[i - 1].fd)
			goto fail;
	*out = a;
	return 0;
fail:
	task_fd_addrs_free(&a);
	return ret;
}

void task_fd_addrs_free(struct task_fd_addrs *a)
{
	free(a->v);
	free(a->buf);
	*a = (struct task_fd_addrs){ 0 };
}

const struct fd_addr *fd_addr_find(const struct task_fd_addrs *a, int fd)
{
	struct fd_addr key = { .fd = fd };

	return a->n ? bsearch(&key, a->v, a->n, sizeof(*a->v), cmp_fd_addr) : NULL;
}
