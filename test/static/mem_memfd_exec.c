/*
 * mem_memfd_exec: a memfd holding a program (a copy of /bin/true) can be
 * run with execveat(fd, "", AT_EMPTY_PATH) before and after restore. The
 * fd memfd_create() gives is writable yet does not count as a writer of the
 * inode (ETXTBSY); a restored memfd that came back as a reopened writable
 * description would.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "zdtmtst.h"

static int fd;

/* The exit status of the program in the memfd, or -errno of execveat. */
static int run(void)
{
	char *argv[] = { "true", NULL }, *envp[] = { NULL };
	int status, p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = test_fork();
	if (pid == 0) {
		int err;

		syscall(SYS_execveat, fd, "", argv, envp, AT_EMPTY_PATH);
		err = errno;
		if (write(p[1], &err, sizeof(err)) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		close(p[0]);
		return -ECHILD;
	}
	if (read(p[0], &status, sizeof(status)) == sizeof(status)) {
		close(p[0]);
		return -status;
	}
	close(p[0]);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	int src, ret;
	struct stat st;

	test_init(argc, argv);
	fd = memfd_create("ckpt-exec", 0);
	src = open("/bin/true", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || src < 0 || fstat(src, &st))
		setup_fail("memfd or /bin/true: %m");
	for (off_t o = 0; o < st.st_size; ) {
		char buf[65536];
		ssize_t n = pread(src, buf, sizeof(buf), o);

		if (n <= 0 || write(fd, buf, n) != n)
			setup_fail("copy /bin/true: %m");
		o += n;
	}
	close(src);
	ret = run();
	if (ret)
		setup_fail("execveat of the memfd before the dump: %d", ret);

	test_daemon();
	test_waitsig();

	ret = run();
	if (ret < 0)
		fail("execveat of the memfd: %s", strerror(-ret));
	else if (ret)
		fail("the program in the memfd exited %d", ret);
	pass();
	return 0;
}
