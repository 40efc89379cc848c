/* test_init(), daemonizing, the ready handshake and SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

static const char *prog;
static const char *pidfile;
static const char *outfile;
static const char *dir_arg;
static char tmp_dir[64];
static pid_t tmp_dir_owner;
static int extra_argc;
static char **extra_argv;
static int ready_fd = -1;

/* The futex word test_waitsig() sleeps on; the SIGTERM handler sets it. */
static volatile int sigterm_seen;

static void sigterm_handler(int sig)
{
	int saved = errno;

	(void)sig;
	sigterm_seen = 1;
	/* the signal may land on any thread: wake the one in test_waitsig() */
	syscall(SYS_futex, &sigterm_seen, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
	errno = saved;
}

static __attribute__((noreturn)) void usage(const char *argv0)
{
	fprintf(stderr, "usage: %s --pidfile FILE --outfile FILE [--dir DIR] [args]\n", argv0);
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	int i;

	prog = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **dst = NULL;
		size_t n = 0;

		if (!strncmp(a, "--pidfile", 9)) {
			dst = &pidfile;
			n = 9;
		} else if (!strncmp(a, "--outfile", 9)) {
			dst = &outfile;
			n = 9;
		} else if (!strncmp(a, "--dir", 5) && (a[5] == '=' || a[5] == '\0')) {
			dst = &dir_arg;
			n = 5;
		} else if (!strcmp(a, "--")) {
			i++;
			break;
		} else {
			break;
		}
		if (a[n] == '=')
			*dst = a + n + 1;
		else if (a[n] == '\0' && i + 1 < argc)
			*dst = argv[++i];
		else
			usage(argv[0]);
	}
	if (!pidfile || !outfile)
		usage(argv[0]);
	extra_argc = argc - i;
	extra_argv = argv + i;
}

/* The process the runner started: exit 0 once the daemon is ready. */
static __attribute__((noreturn)) void wait_ready(int fd, pid_t child)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int status;
		char c;
		ssize_t r;

		if (poll(&p, 1, 1000) == 0) {
			/* the pipe may be held open by a stray grandchild */
			if (waitpid(child, &status, WNOHANG) == child)
				break;
			continue;
		}
		r = read(fd, &c, 1);
		if (r == 1 && c == 'R')
			_exit(0);
		if (r < 0 && errno == EINTR)
			continue;
		break;
	}
	fprintf(stderr, "%s: the test died before it got ready (see %s)\n",
		prog, outfile);
	_exit(1);
}

static void redirect_stdio(void)
{
	char log[4096];
	int fd;

	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0)
		setup_fail("stdin: /dev/null: %m");
	if (fd != 0)
		close(fd);
	snprintf(log, sizeof(log), "%s.log", outfile);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		setup_fail("stdout: %s: %m", log);
	if (fd > 2)
		close(fd);
}

void test_init(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = sigterm_handler, .sa_flags = SA_RESTART };
	int p[2];
	pid_t pid;

	parse_args(argc, argv);
	/* fds inherited from the runner (make's jobserver...) are not ours to dump */
	closefrom(3);

	if (pipe2(p, O_CLOEXEC)) {
		perror("pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		exit(1);
	}
	if (pid > 0) {
		close(p[1]);
		wait_ready(p[0], pid);
	}

	close(p[0]);
	ready_fd = p[1];
	lib_fd_add(ready_fd);
	if (setsid() < 0)
		setup_fail("setsid: %m");
	redirect_stdio();

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL))
		setup_fail("sigaction: %m");
	if (dir_arg) {
		struct stat st;

		if (stat(dir_arg, &st) || !S_ISDIR(st.st_mode))
			setup_fail("--dir %s: not a directory", dir_arg);
	}
	test_msg("started");
}

/* at exit of the process that made it: rmdir, so only when the test emptied it */
static void tmp_dir_remove(void)
{
	if (tmp_dir[0] && getpid() == tmp_dir_owner)
		rmdir(tmp_dir);
}

const char *test_dir(void)
{
	const char *base;

	if (dir_arg)
		return dir_arg;
	if (!tmp_dir[0]) {
		base = prog ? strrchr(prog, '/') : NULL;
		base = base ? base + 1 : prog ? prog : "test";
		snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/zdtm-%.32s.XXXXXX", base);
		if (!mkdtemp(tmp_dir)) {
			tmp_dir[0] = '\0';
			setup_fail("mkdtemp /tmp/zdtm-%s.XXXXXX: %m", base);
		}
		tmp_dir_owner = getpid();
		atexit(tmp_dir_remove);
		test_msg("test_dir: %s (no --dir)", tmp_dir);
	}
	return tmp_dir;
}

int test_argc(void)
{
	return extra_argc;
}

char **test_argv(void)
{
	return extra_argv;
}

const char *test_outfile(void)
{
	return outfile;
}

const char *lib_outfile(void)
{
	return outfile;
}

static void write_pidfile(void)
{
	char tmp[4096], buf[32];
	int fd, len;

	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", pidfile, getpid());
	len = snprintf(buf, sizeof(buf), "%d\n", getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		setup_fail("%s: %m", tmp);
	if (write(fd, buf, len) != len)
		setup_fail("%s: write: %m", tmp);
	close(fd);
	/* atomic: the runner never reads half a pid */
	if (rename(tmp, pidfile))
		setup_fail("rename %s: %m", pidfile);
}

void test_daemon(void)
{
	if (ready_fd < 0)
		setup_fail("test_daemon() called twice or outside the test's root");
	write_pidfile();
	if (write(ready_fd, "R", 1) != 1)
		setup_fail("ready pipe: %m");
	lib_fd_del(ready_fd);
	close(ready_fd);
	ready_fd = -1;
	test_msg("ready");
}

bool test_go(void)
{
	return !sigterm_seen;
}

void test_waitsig(void)
{
	while (!sigterm_seen)
		syscall(SYS_futex, &sigterm_seen, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	test_msg("got SIGTERM");
}
