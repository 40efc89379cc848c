/*
 * Parsers of /proc/PID files: pure functions from text to structs, so that
 * they can be unit-tested on captured samples (test/unit/samples/).
 * Each returns 0 or -errno (-EINVAL for text that does not parse); none
 * logs, the caller names the pid and file.
 */
#ifndef CKPT_PROC_PROC_H
#define CKPT_PROC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* /proc/PID/stat. comm may hold spaces and ')': it ends at the last ')'. */
struct proc_stat {
	pid_t pid;
	char comm[64];
	char state;			/* R S D T t Z X I ... */
	pid_t ppid, pgid, sid;
	int tty_nr;
	unsigned int flags;
	long nice;
	long num_threads;
	unsigned long long start_time;
	unsigned long vsize;
	unsigned int rt_priority, policy;
	int exit_signal;
	unsigned long start_code, end_code, start_stack;
	unsigned long start_data, end_data, start_brk;
	unsigned long arg_start, arg_end, env_start, env_end;
	int exit_code;
};
int proc_parse_stat(const char *buf, struct proc_stat *st);

/* /proc/PID/status (the fields ckpt needs). */
struct proc_status {
	char state;
	unsigned int umask;
	pid_t tgid, pid, ppid, tracer_pid;
	uint32_t uid[4], gid[4];	/* real, effective, saved, fs */
	uint32_t *groups;		/* malloc'ed, ngroups entries; free with proc_status_free */
	size_t ngroups;
	uint64_t sig_pnd, shd_pnd, sig_blk, sig_ign, sig_cgt;
	uint64_t cap_inh, cap_prm, cap_eff, cap_bnd, cap_amb;
	int no_new_privs;
	int seccomp;
	long threads;
	pid_t nspid_last;		/* last field of NSpid: pid in the innermost ns */
	int nspid_levels;		/* number of NSpid fields */
};
int proc_parse_status(const char *buf, struct proc_status *st);
void proc_status_free(struct proc_status *st);

/* VmFlags of smaps, as bits; unknown two-letter flags are kept in the text. */
enum {
	VMF_RD = 1u << 0, VMF_WR = 1u << 1, VMF_EX = 1u << 2, VMF_SH = 1u << 3,
	VMF_MR = 1u << 4, VMF_MW = 1u << 5, VMF_ME = 1u << 6, VMF_MS = 1u << 7,
	VMF_GD = 1u << 8, VMF_PF = 1u << 9, VMF_LO = 1u << 10, VMF_IO = 1u << 11,
	VMF_SR = 1u << 12, VMF_RR = 1u << 13, VMF_DC = 1u << 14, VMF_DE = 1u << 15,
	VMF_AC = 1u << 16, VMF_NR = 1u << 17, VMF_HT = 1u << 18, VMF_SF = 1u << 19,
	VMF_NL = 1u << 20, VMF_AR = 1u << 21, VMF_WF = 1u << 22, VMF_DD = 1u << 23,
	VMF_SD = 1u << 24, VMF_MM = 1u << 25, VMF_HG = 1u << 26, VMF_NH = 1u << 27,
	VMF_MG = 1u << 28, VMF_UM = 1u << 29, VMF_UW = 1u << 30, VMF_SS = 1u << 31,
};
/* Parse "rd wr mr mw me ac" into VMF_* bits. */
uint32_t proc_parse_vmflags(const char *text);

struct proc_vma {
	unsigned long start, end;
	int prot;			/* PROT_READ | PROT_WRITE | PROT_EXEC */
	bool shared;			/* 's' in the perms column */
	unsigned long pgoff;
	unsigned int dev_major, dev_minor;
	unsigned long ino;
	char *path;			/* malloc'ed; "" for anonymous; " (deleted)" stripped */
	bool deleted;			/* the path had " (deleted)" */
	uint32_t vmflags;		/* VMF_* from smaps (0 from plain maps) */
	char vmflags_text[96];		/* the VmFlags line as printed, from smaps */
};
/*
 * /proc/PID/maps or /proc/PID/smaps (detected from the text). With smaps,
 * VmFlags fill vmflags and vmflags_text. *out is a malloc'ed array of *n
 * entries; free with proc_vmas_free.
 */
int proc_parse_maps(const char *buf, struct proc_vma **out, size_t *n);
void proc_vmas_free(struct proc_vma *v, size_t n);

/* One line of /proc/PID/mountinfo; octal escapes (\040 ...) decoded. */
struct mountinfo {
	unsigned int mnt_id, parent_id;
	unsigned int major, minor;
	char *root, *mountpoint, *options, *fstype, *source, *super_options;
	char *optional;			/* "shared:1 master:2" or "" */
};
int proc_parse_mountinfo(const char *buf, struct mountinfo **out, size_t *n);
void proc_mountinfo_free(struct mountinfo *m, size_t n);
/* The entry with mnt_id, or NULL. */
const struct mountinfo *mountinfo_find(const struct mountinfo *m, size_t n, unsigned int mnt_id);

/* /proc/PID/fdinfo/N (the common head: pos, flags in octal, mnt_id, ino). */
struct proc_fdinfo {
	long long pos;
	unsigned int flags;
	unsigned int mnt_id;
	unsigned long ino;		/* 0 when the kernel did not print it */
};
int proc_parse_fdinfo(const char *buf, struct proc_fdinfo *fi);

/* One file lock: a line of /proc/locks or a "lock:" line of fdinfo (src/proc/locks.c). */
enum proc_lock_kind {
	PROC_LOCK_POSIX = 1, PROC_LOCK_FLOCK, PROC_LOCK_OFD, PROC_LOCK_LEASE, PROC_LOCK_OTHER,
};
struct proc_lock {
	unsigned long long id;
	enum proc_lock_kind kind;
	bool blocked;			/* "->": a waiter, not a holder */
	bool breaking;			/* a lease being broken */
	bool write, unlck;		/* WRITE; UNLCK (else READ) */
	pid_t pid;			/* -1 for OFD locks */
	unsigned int dev_major, dev_minor;
	unsigned long long ino;
	unsigned long long start, end;	/* end inclusive, unless to_eof */
	bool to_eof;
};
int proc_parse_lock_line(const char *line, struct proc_lock *l);
/* Every line of /proc/locks; *out malloc'ed (NULL when none). */
int proc_parse_locks(const char *buf, struct proc_lock **out, size_t *n);
/* The "lock:" lines of /proc/PID/fdinfo/N; *out malloc'ed (NULL when none). */
int proc_parse_fdinfo_locks(const char *buf, struct proc_lock **out, size_t *n);

/* Strip " (deleted)" from the end of a link target in place; true if it was there. */
bool proc_strip_deleted(char *path);

/*
 * Scanning helpers shared by the parsers above (src/proc/scan.c); they work
 * on NUL-terminated text and never read past the terminator.
 */
/* An unsigned number in base 8, 10 or 16 at *p: no blanks, sign or prefix.
 * Advances *p past the digits. 0, or -EINVAL (no digit, overflow). */
int proc_scan_ull(const char **p, int base, unsigned long long *out);
/* The same in base 10 with an optional leading '-'. */
int proc_scan_ll(const char **p, long long *out);
/* The '\n' or the NUL that ends the line starting at p. */
const char *proc_line_end(const char *p);
/* p past spaces and tabs. */
const char *proc_skip_blanks(const char *p);
/* Only blanks are left before the end of the line at p. */
bool proc_at_eol(const char *p);

#endif
