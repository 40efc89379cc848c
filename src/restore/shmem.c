/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, shared across fork):
 * one shmem object per object of the dump, made in ckpt as the kernel makes
 * them (a shared mapping of /dev/zero: "/dev/zero (deleted)" in maps) and
 * held by an fd of it (/proc/self/map_files) that every task inherits; each
 * maps it where it had the object and writes the pages it dumped of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define LOG_PREFIX "restore: "
#include "common/log.h"
#include "mm.pb-c.h"
#include "restore/restore.h"

static struct shmem_obj *find(struct restore_ctx *ctx, uint64_t shmid)
{
	for (size_t i = 0; i < ctx->nr_shmem; i++)
		if (ctx->shmem[i].shmid == shmid)
			return &ctx->shmem[i];
	return NULL;
}

static int note_task(struct restore_ctx *ctx, pid_t pid)
{
	ProtobufCMessage *m = NULL;
	struct img *img;
	int ret;

	ret = img_open(ctx->set, IMG_MM, pid, &img);
	if (ret)
		return ret;
	ret = img_read_msg(img, &m);
	img_close(img);
	if (ret <= 0)
		return ret ? ret : pr_errno(-EBADMSG, "pid %d: mm image is empty", pid);

	MmEntry *mm = (MmEntry *)m;

	for (size_t i = 0; i < mm->n_vmas; i++) {
		VmaEntry *v = mm->vmas[i];
		uint64_t end = v->pgoff + (v->end - v->start);
		struct shmem_obj *o;

		if (v->kind != VMA_KIND__VMA_ANON_SHARED || !v->has_shmid)
			continue;
		o = find(ctx, v->shmid);
		if (!o) {
			o = reallocarray(ctx->shmem, ctx->nr_shmem + 1, sizeof(*o));
			if (!o) {
				ret = -ENOMEM;
				break;
			}
			ctx->shmem = o;
			o = &ctx->shmem[ctx->nr_shmem++];
			o->shmid = v->shmid;
			o->size = 0;
			o->fd = -1;
		}
		if (end > o->size)
			o->size = end;
	}
	protobuf_c_message_free_unpacked(m, NULL);
	return ret < 0 ? ret : 0;
}

/* A new shmem object of o->size bytes, as MAP_SHARED|MAP_ANONYMOUS makes it: an fd of it. */
static int make_object(const struct shmem_obj *o)
{
	char path[96];
	void *p;
	int zero, fd;

	if (!o->size || o->size > (1ull << 47)) {
		pr_err("shared memory %llu: size %llu in the mm image", (unsigned long long)o->shmid,
		       (unsigned long long)o->size);
		return -EBADMSG;
	}
	zero = open("/dev/zero", O_RDWR | O_CLOEXEC);
	if (zero < 0)
		return pr_perror("shared memory %llu: open /dev/zero", (unsigned long long)o->shmid);
	p = mmap(NULL, o->size, PROT_NONE, MAP_SHARED | MAP_NORESERVE, zero, 0);
	close(zero);
	if (p == MAP_FAILED)
		return pr_perror("shared memory %llu: map %llu bytes of /dev/zero",
				 (unsigned long long)o->shmid, (unsigned long long)o->size);
	snprintf(path, sizeof(path), "/proc/self/map_files/%lx-%lx", (unsigned long)p,
		 (unsigned long)p + (unsigned long)o->size);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fd = pr_perror("shared memory %llu: open %s", (unsigned long long)o->shmid, path);
	munmap(p, o->size);
	return fd;
}

int restore_prepare_shmem(struct restore_ctx *ctx)
{
	int ret;

	for (size_t i = 0; i < ctx->nr_tasks; i++) {
		if (ctx->tasks[i].pe->state == TASK_STATE__TASK_ZOMBIE)
			continue;
		ret = note_task(ctx, ctx->tasks[i].pe->pid);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < ctx->nr_shmem; i++) {
		struct shmem_obj *o = &ctx->shmem[i];
		int fd = make_object(o);

		if (fd < 0)
			return fd;
		o->fd = fcntl(fd, F_DUPFD_CLOEXEC, ctx->fd_base + (int)ctx->nr_files + 1);
		close(fd);
		if (o->fd < 0)
			return pr_perror("shared memory: F_DUPFD");
	}
	return 0;
}

int restore_shmem_fd(struct restore_ctx *ctx, uint64_t shmid);
int restore_shmem_fd(struct restore_ctx *ctx, uint64_t shmid)
{
	struct shmem_obj *o = find(ctx, shmid);

	return o ? o->fd : -ENOENT;
}
