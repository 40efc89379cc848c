/* What a task restoring itself works with (src/restore/task.c, area.c, tree.c). */
#ifndef CKPT_RESTORE_TASK_H
#define CKPT_RESTORE_TASK_H

#include <stdint.h>

#include "core.pb-c.h"
#include "fdinfo.pb-c.h"
#include "fs.pb-c.h"
#include "mm.pb-c.h"
#include "pagemap.pb-c.h"
#include "restore/restore.h"

struct task_images {
	TaskCoreEntry *core;
	MmEntry *mm;
	FsEntry *fs;
	ProtobufCMessage **pagemap;	/* [0] PagemapHead, then PagemapEntry */
	size_t nr_pagemap;
	FdEntry **fds;
	size_t nr_fds;
};

/* The built restorer area: where to jump. */
struct rst_area {
	uint64_t entry, stack_top, args;
};

int restore_session(struct rtask *t);
int restore_create_children(struct restore_ctx *ctx, struct rtask *t);
int restore_shmem_fd(struct restore_ctx *ctx, uint64_t shmid);
/* Move fd above every fd the task will have (closing the old one): new fd or -errno. */
int restore_fd_above(struct restore_ctx *ctx, int fd);
/* area.c: map and fill the restorer area of the task. */
int restore_area_build(struct restore_ctx *ctx, struct rtask *t, struct task_images *ti,
		       struct rst_area *out);

/* arch: switch to the area's stack and call the blob; never returns. */
void arch_jump_to_restorer(uint64_t entry, uint64_t stack_top, uint64_t args)
	__attribute__((noreturn));

#endif
