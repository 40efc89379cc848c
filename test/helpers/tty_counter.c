/*
 * For test/sys/shell_job.sh: a job of a shell, on its terminal. Prints a
 * tick per 50 ms with its session, group and whether stdio is a terminal;
 * after tick LAST it exits with status 7, so that a shell waiting for it
 * (through `ckpt restore --shell-job`) sees the restored job end.
 * On a terminal it first puts it in a mode of its own, as an editor would
 * (no canonical input, no echo, a 33x111 window), and checks at every tick
 * that the terminal is still so: a restore onto a fresh terminal must bring
 * the mode along.
 */
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long last = argc > 1 ? atol(argv[1]) : 60;
	volatile long tick = 0, shadow = 0;
	struct termios want, now;
	struct winsize wsz = { .ws_row = 33, .ws_col = 111 }, wnow;
	int tty = isatty(1);	/* a background job of sh -c: stdin is /dev/null */

	if (tty) {
		tcgetattr(1, &want);
		want.c_lflag &= ~(ICANON | ECHO);
		want.c_cc[VMIN] = 1;
		want.c_cc[VTIME] = 0;
		if (tcsetattr(1, TCSANOW, &want) || ioctl(1, TIOCSWINSZ, &wsz)) {
			perror("tty_counter: set the terminal's mode");
			return 1;
		}
		tcgetattr(1, &want);
	}

	for (;;) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		tick++;
		shadow += 2;
		if (shadow != 2 * tick) {
			printf("BROKEN tick %ld shadow %ld\n", tick, shadow);
			return 1;
		}
		if (tty && (tcgetattr(1, &now) || ioctl(1, TIOCGWINSZ, &wnow) ||
			    now.c_lflag != want.c_lflag || now.c_iflag != want.c_iflag ||
			    now.c_oflag != want.c_oflag || memcmp(now.c_cc, want.c_cc, sizeof(now.c_cc)) ||
			    wnow.ws_row != wsz.ws_row || wnow.ws_col != wsz.ws_col)) {
			printf("BROKEN tick %ld terminal mode lflag %#x (want %#x) window %ux%u (want %ux%u)\n",
			       tick, now.c_lflag, want.c_lflag, wnow.ws_row, wnow.ws_col, wsz.ws_row,
			       wsz.ws_col);
			return 1;
		}
		printf("tick %ld tty %d%d%d\n", tick, isatty(0), isatty(1), isatty(2));
		fflush(stdout);
		if (tick >= last)
			return 7;
		nanosleep(&ts, NULL);
	}
}
