/* Orchestration of a dump: tree -> per task -> files -> memory -> images. */
#ifndef CKPT_DUMP_DUMP_H
#define CKPT_DUMP_DUMP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "files/files.h"
#include "images/image.h"
#include "seize/infect.h"
#include "seize/seize.h"

struct dump_opts {
	pid_t pid;
	const char *dir;
	bool leave_running;
	bool shell_job;			/* the tree's terminal is the caller's: record it as external */
	uint64_t ghost_limit;		/* most data of unlinked files copied into the images */
};

/* 0 or -errno. On failure the tree runs on as before and DIR holds no image set. */
int dump_tree(const struct dump_opts *o);

/* What dumping one task needs, and what it collected. */
struct task_dump {
	struct seized_task *task;
	struct imgset *set;
	struct file_table *files;
	struct proc_stat stat;
	struct proc_status status;
	struct proc_vma *vmas;
	size_t nr_vmas;
	struct infect_ctl ic;
	bool external_session;			/* its session leader is outside the tree */
	bool shell_job;
	struct parasite_misc misc;
	struct parasite_stack *altstacks;	/* per thread */
	uint64_t *tid_addrs;			/* per thread */
	uint64_t nr_pages;
	int *kinds;				/* vma_kind of each VMA */
};

/* The part that needs the parasite; the caller cures the task after it. */
int dump_one_task(struct task_dump *td);
/* fs, core and mm images, once the task is cured and stopped again. */
int dump_task_images(struct task_dump *td);
/* core-PID.img from what was collected (dump/core.c). */
int dump_core(struct task_dump *td);
/* mm-PID.img (dump/mm.c). */
int dump_mm(struct task_dump *td, const int *kinds);

#endif
