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
	unsigned int freeze_timeout;	/* seconds the tree may take to stop */
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
	struct page_dump *pages;		/* from dump_pages_start() */
	uint64_t nr_pages;
	int *kinds;				/* vma_kind of each VMA */
	uint32_t exe_file_id;
	char *exe_path;
	uint32_t *vma_file_ids;			/* per VMA, file mappings only */
	struct PosixTimerEntry *timers;	/* dump/timers.c */
	size_t nr_timers;
};

/*
 * One task's dump in steps. The caller runs the tasks of a batch side by
 * side: prepare each (/proc; infect_init), start their parasites
 * (infect_start_many) and send each PARASITE_CMD_MISC, then the parasite step
 * of each, then the pages of each, then cures them all (infect_cure_many)
 * and writes the images.
 */
int dump_task_prepare(struct task_dump *td);
/* Needs the parasite: threads, fds, the first batch of pages sent, fs, the files of the mm. */
int dump_task_parasite(struct task_dump *td);
/* The rest of the pages. */
int dump_task_pages(struct task_dump *td);
/* core and mm images, once the task is cured and stopped again. */
int dump_task_images(struct task_dump *td);
/* core-PID.img from what was collected (dump/core.c). */
int dump_core(struct task_dump *td);
/* The exe and the files of file mappings into the file table (dump/mm.c). */
int dump_mm_files(struct task_dump *td);
/* mm-PID.img (dump/mm.c). */
int dump_mm(struct task_dump *td);
/* Refuses (-EOPNOTSUPP, logged) a task in a namespace not ckpt's own (dump/ns.c). */
int dump_check_namespaces(pid_t pid);

#endif
