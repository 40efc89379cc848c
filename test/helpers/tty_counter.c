/*
 * For test/sys/shell_job.sh: a job of a shell, on its terminal. Prints a
 * tick per 50 ms with its session, group and whether stdio is a terminal;
 * after tick LAST it exits with status 7, so that a shell waiting for it
 * (through `ckpt restore --shell-job`) sees the restored job end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long last = argc > 1 ? atol(argv[1]) : 60;
	volatile long tick = 0, shadow = 0;

	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		tick++;
		shadow += 2;
		if (shadow != 2 * tick) {
			printf("BROKEN tick %ld shadow %ld\n", tick, shadow);
			return 1;
		}
		printf("tick %ld tty %d%d%d\n", tick, isatty(0), isatty(1), isatty(2));
		fflush(stdout);
		if (tick >= last)
			return 7;
		nanosleep(&ts, NULL);
	}
}
