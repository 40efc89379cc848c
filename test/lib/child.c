/* Forking inside a test tree and the child -> parent verdict pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"
#include "lib-priv.h"

#define MAX_LIB_FDS 128

static int lib_fds[MAX_LIB_FDS];
static int nr_lib_fds;
/* write end towards our parent when we are a test_child */
static int parent_fd = -1;

void lib_fd_add(int fd)
{
	if (nr_lib_fds == MAX_LIB_FDS)
		setup_fail("too many library fds");
	lib_fds[nr_lib_fds++] = fd;
}

void lib_fd_del(int fd)
{
	int i;

	for (i = 0; i < nr_lib_fds; i++) {
		if (lib_fds[i] == fd) {
			lib_fds[i] = lib_fds[--nr_lib_fds];
			return;
		}
	}
}

void lib_fds_close_all(void)
{
	while (nr_lib_fds)
		close(lib_fds[--nr_lib_fds]);
	if (parent_fd >= 0)
		close(parent_fd);
	parent_fd = -1;
}

void lib_set_parent_fd(int fd)
{
	parent_fd = fd;
}

pid_t test_fork(void)
{
	pid_t pid = fork();

	if (pid == 0)
		lib_fds_close_all();
	return pid;
}

pid_t test_child_fork(struct test_child *c)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		setup_fail("pipe: %m");
	pid = fork();
	if (pid < 0)
		setup_fail("fork: %m");
	if (pid == 0) {
		close(p[0]);
		lib_fds_close_all();
		lib_set_parent_fd(p[1]);
		c->pid = getpid();
		c->fd = -1;
		return 0;
	}
	close(p[1]);
	c->pid = pid;
	c->fd = p[0];
	lib_fd_add(p[0]);
	return pid;
}

static int write_byte(char b)
{
	ssize_t r;

	if (parent_fd < 0) {
		errno = EBADF;
		return -1;
	}
	do
		r = write(parent_fd, &b, 1);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

void test_child_ready(void)
{
	if (write_byte('R'))
		setup_fail("child: report ready: %m");
}

void test_child_exit(void)
{
	bool bad = test_failed();

	if (write_byte(bad ? 'F' : 'P'))
		test_msg("child: can't report verdict: %m");
	_exit(bad ? 1 : 0);
}

static int read_byte(int fd, char *b)
{
	ssize_t r;

	do
		r = read(fd, b, 1);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

void test_child_wait_ready(struct test_child *c)
{
	char b = 0;

	if (read_byte(c->fd, &b) || b != 'R')
		setup_fail("child %d died before it got ready", c->pid);
}

int test_child_collect(struct test_child *c)
{
	int ret = 0, status;
	char b = 0;
	pid_t r;

	if (read_byte(c->fd, &b)) {
		fail("child %d: died without a verdict", c->pid);
		ret = -1;
	} else if (b != 'P') {
		fail("child %d: reported FAIL", c->pid);
		ret = -1;
	}
	lib_fd_del(c->fd);
	close(c->fd);
	c->fd = -1;

	do
		r = waitpid(c->pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != c->pid) {
		fail("child %d: waitpid: %m", c->pid);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		if (WIFSIGNALED(status))
			fail("child %d: killed by signal %d", c->pid, WTERMSIG(status));
		else
			fail("child %d: exit status 0x%x", c->pid, status);
		return -1;
	}
	return ret;
}

int test_thread_create(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;
	int err;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	err = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
