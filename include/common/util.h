/* Small helpers shared by the tracer side (never by the blobs). */
#ifndef CKPT_COMMON_UTIL_H
#define CKPT_COMMON_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#ifndef PAGE_SIZE
#define PAGE_SIZE 4096UL
#endif
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(x, d) (((x) + (d) - 1) / (d))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))

static inline void freep(void *p) { free(*(void **)p); }
static inline void closep(int *fd) { if (*fd >= 0) close(*fd); }

#define cleanup_free __attribute__((cleanup(freep)))
#define cleanup_close __attribute__((cleanup(closep)))

/* Hand an owned pointer or fd over: the cleanup variable is left empty. */
#define steal_ptr(p) ({ __typeof__(p) __p = (p); (p) = NULL; __p; })
static inline int steal_fd(int *fd) { int f = *fd; *fd = -1; return f; }

/*
 * Read a whole (small, /proc-like) file into a NUL-terminated heap buffer.
 * dirfd may be AT_FDCWD. Returns the length or -errno; *out owned by caller.
 */
ssize_t read_file_at(int dirfd, const char *path, char **out);

/* Read a whole file into buf (at most size-1 bytes) and NUL-terminate it. */
ssize_t read_small_file(const char *path, char *buf, size_t size);

/* write() or pwrite() that retries on short writes and EINTR: 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
int pwrite_all(int fd, const void *buf, size_t len, off_t off);
/* read exactly len bytes: 0, -errno, or -ENODATA on early EOF */
int read_all(int fd, void *buf, size_t len);
int pread_all(int fd, void *buf, size_t len, off_t off);

/*
 * /proc/PID/NAME (NAME may be "task/TID/status"): read whole into *out
 * (NUL-terminated, caller frees), or its link target into buf. Length or
 * -errno; a failure is logged, naming the pid and the file.
 */
ssize_t proc_read(pid_t pid, const char *name, char **out);
ssize_t proc_readlink(pid_t pid, const char *name, char *buf, size_t size);

/* Parse "123", "4K", "1G" (powers of 1024): 0 or -EINVAL. */
int parse_size(const char *s, uint64_t *out);

#endif
