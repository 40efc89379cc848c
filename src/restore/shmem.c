/*
 * Shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, shared across fork):
 * one memfd per object, made in ckpt and inherited by every task, which
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
		int fd = memfd_create("ckpt-shmem", MFD_CLOEXEC);

		if (fd < 0)
			return pr_perror("shared memory %llu: memfd_create", (unsigned long long)o->shmid);
		if (ftruncate(fd, o->size)) {
			close(fd);
			return pr_perror("shared memory %llu: size %llu", (unsigned long long)o->shmid,
					 (unsigned long long)o->size);
		}
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
