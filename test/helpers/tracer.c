/*
 * tracer PID: PTRACE_SEIZE PID (no stop: it runs on, traced by us), print
 * "ready", then wait until killed. Lets test/sys/seize_errors.sh show that
 * ckpt names the tracer of a task it cannot seize.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	pid_t pid;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: tracer PID\n");
		return 2;
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL)) {
		perror("PTRACE_SEIZE");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
