/*
 * splice_ceiling SIZE OUTFILE: the dump ceiling of this machine.
 *
 * Fills SIZE bytes of its own anonymous memory with incompressible data,
 * then times moving it into a fresh file: this thread vmsplice()s the memory
 * into a 1 MiB pipe while a second thread splice()s the pipe into OUTFILE,
 * both at once, as a dump's parasite and dumper do. Prints nanoseconds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

static int pipefd[2], out_fd;
static unsigned long long size;

static void die(const char *what)
{
	fprintf(stderr, "splice_ceiling: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *drain(void *arg)
{
	unsigned long long moved = 0;

	(void)arg;
	while (moved < size) {
		ssize_t s = splice(pipefd[0], NULL, out_fd, NULL, size - moved, SPLICE_F_MOVE);

		if (s < 0 && errno == EINTR)
			continue;
		if (s <= 0)
			die("splice");
		moved += s;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long long done = 0;
	uint64_t t0, t1;
	pthread_t t;
	char *m;

	if (argc != 3) {
		fprintf(stderr, "usage: splice_ceiling SIZE OUTFILE\n");
		return 2;
	}
	size = parse_size(argv[1]);
	m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		die("mmap");
	fill_random(m, size, 12345);
	if (pipe2(pipefd, O_CLOEXEC))
		die("pipe");
	if (fcntl(pipefd[1], F_SETPIPE_SZ, 1 << 20) < (1 << 20))
		die("F_SETPIPE_SZ 1 MiB");
	out_fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out_fd < 0)
		die(argv[2]);

	t0 = now_ns();
	if ((errno = pthread_create(&t, NULL, drain, NULL)))
		die("pthread_create");
	while (done < size) {
		struct iovec iov = { m + done, size - done };
		ssize_t s = vmsplice(pipefd[1], &iov, 1, 0);

		if (s < 0 && errno == EINTR)
			continue;
		if (s <= 0)
			die("vmsplice");
		done += s;
	}
	pthread_join(t, NULL);
	t1 = now_ns();
	printf("%llu\n", (unsigned long long)(t1 - t0));
	return 0;
}
