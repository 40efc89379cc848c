/*
 * pidholder PID
 *
 * Makes PID busy: a child is created with exactly that pid (clone3 with
 * set_tid = [PID]) and sleeps until it is killed. Once the child exists,
 * pidholder prints PID on stdout and exits 0; the child, orphaned, goes to
 * the nearest subreaper (test/run's), which reaps it when it is killed.
 * The child has no open fds (stdin/stdout/stderr on /dev/null) so that it
 * holds no pipe of whoever started pidholder, and its comm is "pidholder".
 *
 * Exit status: 0 held, 1 PID could not be taken (EEXIST: it is in use), 2
 * usage or any other error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static __attribute__((noreturn)) void hold(void)
{
	int fd;

	prctl(PR_SET_NAME, "pidholder");
	/* out of the caller's group: its terminal's ^C is not for us */
	setsid();
	for (fd = 0; fd < 1024; fd++)
		close(fd);
	fd = open("/dev/null", O_RDWR);
	if (fd == 0) {
		dup2(0, 1);
		dup2(0, 2);
	}
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	struct clone_args ca;
	pid_t want, got;
	char *end;
	long v;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PID\n", argv[0]);
		return 2;
	}
	errno = 0;
	v = strtol(argv[1], &end, 10);
	if (errno || *end || v < 2 || v > INT32_MAX) {
		fprintf(stderr, "%s: bad pid '%s'\n", argv[0], argv[1]);
		return 2;
	}
	want = (pid_t)v;

	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	ca.set_tid = (uintptr_t)&want;
	ca.set_tid_size = 1;
	fflush(NULL);
	got = syscall(SYS_clone3, &ca, sizeof(ca));
	if (got == 0)
		hold();
	if (got < 0) {
		int err = errno;

		fprintf(stderr, "%s: clone3 with set_tid %d: %s\n", argv[0], want, strerror(err));
		return err == EEXIST ? 1 : 2;
	}
	if (got != want) {
		kill(got, SIGKILL);
		fprintf(stderr, "%s: got pid %d, wanted %d\n", argv[0], got, want);
		return 2;
	}
	printf("%d\n", got);
	return 0;
}
