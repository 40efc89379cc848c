/*
 * target [-m SIZE] [-t THREADS] [-p PROCS] [-f FDS] [-g SIZE] READYFILE
 * target -x
 *
 * The process the benchmark dumps. It makes its own session, opens FDS extra
 * descriptions of /dev/null (each its own open()), keeps open a file of SIZE
 * bytes of xorshift data that it has unlinked (-g: a ghost file, made beside
 * READYFILE), forks PROCS-1 children,
 * starts THREADS-1 extra threads, maps SIZE bytes of anonymous memory and
 * fills every page with xorshift output, then writes its pid to READYFILE
 * (by rename, so the file appears complete) and sleeps in pause() for good.
 * Children and threads sleep too. -x exits at once: the fork+exec baseline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"

static atomic_int threads_up;

static void *sleeper(void *arg)
{
	(void)arg;
	atomic_fetch_add(&threads_up, 1);
	for (;;)
		pause();
	return NULL;
}

static void die(const char *what)
{
	fprintf(stderr, "target: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	unsigned long long mem = 0, ghost = 0;
	long threads = 1, procs = 1, fds = 0;
	char tmp[4096];
	int opt, fd;

	while ((opt = getopt(argc, argv, "xm:t:p:f:g:")) != -1) {
		switch (opt) {
		case 'x': return 0;
		case 'm': mem = parse_size(optarg); break;
		case 't': threads = atol(optarg); break;
		case 'p': procs = atol(optarg); break;
		case 'f': fds = atol(optarg); break;
		case 'g': ghost = parse_size(optarg); break;
		default: return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: target [-m SIZE] [-t THREADS] [-p PROCS] [-f FDS] [-g SIZE] READYFILE\n");
		return 2;
	}
	setsid();
	/* nothing inherited beyond stdio: what it holds is what we made */
	close_range(3, ~0u, 0);

	if (fds) {
		struct rlimit rl = { fds + 64, fds + 64 };

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)fds + 64) {
			rl.rlim_cur = fds + 64;
			if (rl.rlim_max < rl.rlim_cur)
				rl.rlim_max = rl.rlim_cur;
			if (setrlimit(RLIMIT_NOFILE, &rl))
				die("setrlimit NOFILE");
		}
		for (long i = 0; i < fds; i++)
			if (open("/dev/null", O_RDWR) < 0)
				die("open /dev/null");
	}

	if (ghost) {
		size_t chunk = 1 << 20;
		char *buf = malloc(chunk);

		snprintf(tmp, sizeof(tmp), "%s.ghost", argv[optind]);
		fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || !buf)
			die(tmp);
		for (unsigned long long done = 0; done < ghost; done += chunk) {
			size_t n = ghost - done < chunk ? ghost - done : chunk;

			fill_random(buf, chunk, done + 1);
			if (write(fd, buf, n) != (ssize_t)n)
				die("write ghost");
		}
		free(buf);
		if (unlink(tmp))
			die("unlink ghost");
	}

	if (procs > 1) {
		int p[2];
		char c;

		if (pipe(p))
			die("pipe");
		for (long i = 1; i < procs; i++) {
			pid_t pid = fork();

			if (pid < 0)
				die("fork");
			if (pid == 0) {
				close(p[0]);
				if (write(p[1], "x", 1) != 1)
					_exit(1);
				close(p[1]);
				for (;;)
					pause();
			}
		}
		close(p[1]);
		for (long i = 1; i < procs; i++)
			if (read(p[0], &c, 1) != 1)
				die("child start");
		close(p[0]);
	}

	for (long i = 1; i < threads; i++) {
		pthread_t t;
		pthread_attr_t a;

		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 << 10);
		if ((errno = pthread_create(&t, &a, sleeper, NULL)))
			die("pthread_create");
		pthread_attr_destroy(&a);
	}
	while (atomic_load(&threads_up) < threads - 1)
		usleep(1000);

	if (mem) {
		void *m = mmap(NULL, mem, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (m == MAP_FAILED)
			die("mmap");
		fill_random(m, mem, (uint64_t)getpid());
	}

	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[optind]);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die(tmp);
	dprintf(fd, "%d\n", getpid());
	close(fd);
	if (rename(tmp, argv[optind]))
		die("rename");
	for (;;)
		pause();
}
