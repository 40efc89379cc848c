/*
 * loginuid: the audit login uid (/proc/self/loginuid), set once by a
 * login; the test sets it to 4242 (it is root). After restore it reads
 * 4242 again: a restored task starts with ckpt's, which it must not keep.
 * (Where the kernel refuses to set it, audit loginuid immutable and set
 * already, the test cannot set up.)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zdtmtst.h"

#define LOGINUID 4242

static long read_loginuid(void)
{
	char buf[32] = "";
	int fd = open("/proc/self/loginuid", O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	char buf[16];
	int fd, len;

	test_init(argc, argv);
	fd = open("/proc/self/loginuid", O_WRONLY);
	len = snprintf(buf, sizeof(buf), "%d", LOGINUID);
	if (fd < 0 || write(fd, buf, len) != len)
		setup_fail("set loginuid: %m");
	close(fd);
	if (read_loginuid() != LOGINUID)
		setup_fail("loginuid reads %ld", read_loginuid());

	test_daemon();
	test_waitsig();

	if (read_loginuid() != LOGINUID)
		fail("loginuid %ld, was %d", read_loginuid(), LOGINUID);
	pass();
	return 0;
}
