/*
 * tty_pty: a pty pair inside the tree (posix_openpt: /dev/ptmx and its
 * /dev/pts/N), in raw mode, with "ping" written to the master and unread.
 * ckpt does not dump terminals of the tree (reopening /dev/ptmx would make
 * another pair): the dump must be refused with one line naming pid, fd and
 * device (.desc), and the pair must be unharmed: after SIGTERM the slave
 * still reads "ping", and a reply through the slave reaches the master.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "zdtmtst.h"

static void expect_read(int fd, const char *want, const char *what)
{
	char buf[32] = "";
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, n))
		fail("%s: read %zd '%s', expected '%s'", what, n, n > 0 ? buf : "", want);
}

int main(int argc, char **argv)
{
	struct termios t;
	int master, slave;
	char *name;

	test_init(argc, argv);
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) || !(name = ptsname(master)))
		setup_fail("posix_openpt: %m");
	slave = open(name, O_RDWR | O_NOCTTY);
	if (slave < 0)
		setup_fail("open %s: %m", name);
	if (tcgetattr(slave, &t))
		setup_fail("tcgetattr: %m");
	cfmakeraw(&t);
	if (tcsetattr(slave, TCSANOW, &t))
		setup_fail("tcsetattr: %m");
	if (write(master, "ping", 4) != 4)
		setup_fail("write master: %m");
	test_msg("pty master fd %d, slave fd %d (%s)", master, slave, name);

	test_daemon();
	test_waitsig();

	if (!isatty(slave))
		fail("slave fd %d is no longer a terminal", slave);
	expect_read(slave, "ping", "slave");
	if (write(slave, "pong", 4) != 4)
		fail("write slave: %m");
	expect_read(master, "pong", "master");
	pass();
	return 0;
}
