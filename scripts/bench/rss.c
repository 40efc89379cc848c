/*
 * rss -o OUT [-t SECS] CMD ARGS...: run CMD, append "wall_ns maxrss_kib
 * status" to OUT.
 *
 * wall_ns is fork to reap on CLOCK_MONOTONIC; maxrss_kib is ru_maxrss from
 * wait4() of that one child (its own peak, or that of a descendant it
 * waited for, whichever is larger). -t: SIGTERM after SECS, SIGKILL 5 s
 * later (no timeout(1) in between, it would be timed too). Exits with
 * CMD's status, 128+N if it died of signal N.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

static volatile pid_t child;
static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	kill(child, alarms++ ? SIGKILL : SIGTERM);
	alarm(5);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	unsigned int limit = 0;
	const char *outpath;
	struct rusage ru;
	uint64_t t0, t1;
	int status;
	FILE *out;
	pid_t pid;

	if (argc < 4 || strcmp(argv[1], "-o")) {
usage:
		fprintf(stderr, "usage: rss -o OUT [-t SECS] CMD [ARGS...]\n");
		return 2;
	}
	outpath = argv[2];
	argv += 2;
	argc -= 2;
	if (!strcmp(argv[1], "-t")) {
		if (argc < 4)
			goto usage;
		limit = (unsigned int)atoi(argv[2]);
		argv += 2;
		argc -= 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: wait4 sees EINTR */
	t0 = now_ns();
	pid = fork();
	if (pid < 0) {
		perror("rss: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "rss: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	child = pid;
	if (limit)
		alarm(limit);
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("rss: wait4");
			return 1;
		}
	}
	t1 = now_ns();
	alarm(0);
	status = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
	out = fopen(outpath, "a");
	if (!out) {
		perror(outpath);
		return 1;
	}
	fprintf(out, "%llu %ld %d\n", (unsigned long long)(t1 - t0), ru.ru_maxrss, status);
	fclose(out);
	return status;
}
