/*
 * subreaper [--log FILE] CMD ARGS...
 *
 * Runs CMD as a child subreaper: every process that CMD leaves orphaned is
 * reparented here and reaped at once (PID 1 of the test machine may take its
 * time, and a dead test must vanish from /proc for the runner to see it go).
 * SIGTERM and SIGHUP are passed on to CMD. When CMD exits, what is left of
 * its tree is killed and reaped; the exit status is CMD's (128+N if it was
 * killed by signal N).
 *
 * --log FILE: append "pid exit N" or "pid signal N" for every process reaped
 * other than CMD, so that the runner can tell how a test died.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t cmd_pid;

static void forward(int sig)
{
	int saved = errno;

	if (cmd_pid > 0)
		kill(cmd_pid, sig);
	errno = saved;
}

static void ignore(int sig)
{
	/* SIGINT from the terminal reaches CMD through the process group */
	(void)sig;
}

/* SIGKILL our remaining children; returns how many were found. */
static int kill_leftovers(void)
{
	char path[64], buf[4096];
	FILE *f;
	int n = 0;
	long pid;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", getpid(), getpid());
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fscanf(f, "%ld", &pid) == 1) {
		FILE *c;
		char *p;

		n++;
		kill((pid_t)pid, SIGKILL);
		/* say so only for a live one: zombies merely wait for our wait */
		snprintf(buf, sizeof(buf), "/proc/%ld/stat", pid);
		c = fopen(buf, "r");
		if (!c || !fgets(buf, sizeof(buf), c)) {
			if (c)
				fclose(c);
			continue;
		}
		fclose(c);
		p = strrchr(buf, ')');
		if (p && (p[2] == 'Z' || p[2] == 'X'))
			continue;
		snprintf(buf, sizeof(buf), "/proc/%ld/comm", pid);
		c = fopen(buf, "r");
		if (!c || !fgets(buf, sizeof(buf), c))
			strcpy(buf, "?\n");
		if (c)
			fclose(c);
		fprintf(stderr, "subreaper: killed leftover pid %ld (%.*s)\n", pid,
			(int)strcspn(buf, "\n"), buf);
	}
	fclose(f);
	return n;
}

static void log_reaped(FILE *log, pid_t pid, int status)
{
	if (!log)
		return;
	if (WIFSIGNALED(status))
		fprintf(log, "%d signal %d\n", pid, WTERMSIG(status));
	else
		fprintf(log, "%d exit %d\n", pid, WEXITSTATUS(status));
	fflush(log);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = forward };
	int status = 0, cmd_status = 0;
	int cmd_done = 0;
	FILE *log = NULL;
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "--log")) {
		log = fopen(argv[2], "ae");
		if (!log) {
			fprintf(stderr, "subreaper: %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		argc -= 2;
		argv += 2;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: subreaper [--log FILE] CMD [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) {
		perror("subreaper: PR_SET_CHILD_SUBREAPER");
		return 1;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = ignore;
	sigaction(SIGINT, &sa, NULL);

	pid = fork();
	if (pid < 0) {
		perror("subreaper: fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[1], argv + 1);
		fprintf(stderr, "subreaper: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	cmd_pid = pid;

	for (;;) {
		pid_t r = waitpid(-1, &status, 0);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			perror("subreaper: waitpid");
			return 1;
		}
		if (r == pid) {
			cmd_status = status;
			cmd_done = 1;
			cmd_pid = 0;
		} else {
			log_reaped(log, r, status);
		}
		if (cmd_done)
			kill_leftovers();
	}
	if (WIFSIGNALED(cmd_status))
		return 128 + WTERMSIG(cmd_status);
	return WEXITSTATUS(cmd_status);
}
