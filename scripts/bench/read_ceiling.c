/*
 * read_ceiling [-p] FILE OFFSET SIZE: the restore ceiling of this machine.
 *
 * Times mapping SIZE bytes of fresh anonymous memory and read()ing SIZE
 * bytes of FILE from OFFSET into it, page faults and all, as a restore
 * fills a task's memory. -p populates the memory first with
 * MADV_POPULATE_WRITE (inside the timing): what bulk population gains.
 * Prints nanoseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static void die(const char *what)
{
	fprintf(stderr, "read_ceiling: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned long long off, size, done = 0;
	int populate = 0, fd;
	uint64_t t0, t1;
	char *m;

	if (argc > 1 && !strcmp(argv[1], "-p")) {
		populate = 1;
		argv++;
		argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: read_ceiling [-p] FILE OFFSET SIZE\n");
		return 2;
	}
	off = parse_size(argv[2]);
	size = parse_size(argv[3]);
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(argv[1]);

	t0 = now_ns();
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	if (populate && madvise(m, size, MADV_POPULATE_WRITE))
		die("MADV_POPULATE_WRITE");
	while (done < size) {
		ssize_t r = pread(fd, m + done, size - done, off + done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die(r ? "read" : "read: short file");
		done += r;
	}
	t1 = now_ns();
	printf("%llu\n", (unsigned long long)(t1 - t0));
	return 0;
}
