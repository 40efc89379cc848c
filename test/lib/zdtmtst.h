/*
 * The library of ZDTM-style test programs (the programs in test/static/).
 *
 * Protocol between a test and test/run:
 *
 *   build/test/static/NAME --pidfile P --outfile O [--dir D] [args]
 *
 *   test_init()    parses the options, daemonizes: the process the runner
 *                  started waits until the daemon is ready and exits 0 (1 if
 *                  the daemon died before it got ready). The daemon is a
 *                  session leader with stdin on /dev/null and stdout/stderr
 *                  appended to O.log.
 *   ... set up the state under test ...
 *   test_daemon()  "ready": writes the daemon's pid to P (atomically).
 *   test_waitsig() blocks until SIGTERM (or poll test_go() while busy).
 *   ... check that the state survived ...
 *   pass()         "PASS\n" into O, unless fail() was called before.
 *
 * fail() appends "FAIL: file:line: msg\n" to O and may be called any number
 * of times, from any process of the test tree; the runner takes O's content
 * as the verdict: exactly "PASS\n" or it failed.
 *
 * Output files are opened, written with one write() and closed for every
 * message, so they never show up in the fd table that is being dumped.
 *
 * Functions return 0 or -1 (errno set) unless said otherwise.
 */
#ifndef ZDTMTST_H
#define ZDTMTST_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* ---- protocol ------------------------------------------------------------ */

void test_init(int argc, char **argv);
/* Arguments after the options test_init() consumed. */
int test_argc(void);
char **test_argv(void);
const char *test_outfile(void);
/*
 * The directory the test makes its files in: D of --dir (the runner passes
 * the test directory of a filesystem of the matrix to tests whose .desc says
 * fs=matrix; test_init() checks that it is a directory), or else, made at
 * the first call, a new empty /tmp/zdtm-NAME.XXXXXX, which is rmdir()ed
 * when the process that made it exits (so only if the test removed what it
 * made there). The test removes its own files in either case. Call it before
 * test_daemon().
 */
const char *test_dir(void);

void test_daemon(void);
void test_waitsig(void);
/* true until SIGTERM arrived */
bool test_go(void);

/* ---- verdict and log ----------------------------------------------------- */

void pass(void);
void test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define fail(fmt, ...) test_fail(__FILE__, __LINE__, fmt, ##__VA_ARGS__)
/* Setup went wrong (before test_daemon): record why and exit(1). */
#define setup_fail(fmt, ...)                                                  \
	do {                                                                  \
		test_fail(__FILE__, __LINE__, "setup: " fmt, ##__VA_ARGS__);  \
		_exit(1);                                                     \
	} while (0)
/* fail() was called in this process */
bool test_failed(void);

/* A line with time and pid into O.log. */
void test_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Record fd's number, lseek(fd, 0, SEEK_CUR) (-1 if it can't seek),
 * fcntl(F_GETFL) and FD_CLOEXEC into O.expect as "pid fd pos flags cloexec":
 * the runner compares them with 'ckpt show'. Call it when the fd is in its
 * final state, before test_daemon().
 */
void test_expect_fd(int fd);

/* ---- processes ----------------------------------------------------------- */

/*
 * fork() for tests: the child drops the library's private fds (the ready pipe
 * of test_init, verdict pipes of other children) so that they neither leak
 * into the dumped state nor keep the runner's or a parent's pipe open.
 */
pid_t test_fork(void);

/*
 * A child that reports to its parent over a pipe: 'R' once its state is set
 * up, then its verdict. Used by processes at every level of a tree: a child
 * may fork test_children of its own.
 */
struct test_child {
	pid_t pid;
	int fd;		/* read end in the parent, -1 once collected */
};

/* Returns the pid in the parent, 0 in the child; setup_fail()s on error. */
pid_t test_child_fork(struct test_child *c);
/* In the child: my state is set up. */
void test_child_ready(void);
/* In the child: report PASS (no fail() here) or FAIL to the parent, _exit. */
__attribute__((noreturn)) void test_child_exit(void);
/* In the parent: wait for the child's 'R'. setup_fail()s if it died. */
void test_child_wait_ready(struct test_child *c);
/*
 * In the parent: read the child's verdict and reap it. Returns 0 when it
 * passed and exited 0, else fail()s with the reason and returns -1.
 */
int test_child_collect(struct test_child *c);

/* pthread_create() with SIGTERM blocked in the new thread. */
int test_thread_create(pthread_t *t, void *(*fn)(void *), void *arg);

/* ---- kernel helpers ------------------------------------------------------ */

pid_t test_gettid(void);
long test_futex_wait(int *uaddr, int val, const struct timespec *rel);
long test_futex_wake(int *uaddr, int n);

/*
 * Wait until thread tid is blocked in syscall nr (/proc/tid/syscall), for at
 * most timeout_ms. Lets a test make sure a task sleeps where it should before
 * it reports ready.
 */
int test_wait_in_syscall(pid_t tid, long nr, int timeout_ms);
/* State letter of a task from /proc/pid/stat ('R', 'S', 'T', 'Z', ...), or 0. */
char test_task_state(pid_t pid);

#endif
