/*
 * mem_aio: a task with an AIO context (io_setup), whose ring is a "[aio]"
 * mapping ckpt cannot make again. The dump must fail with one line naming
 * the pid and the ring (the .desc) and leave the task as it was: after
 * SIGTERM the context still works (an io_submit of a pread on /dev/zero
 * completes through io_getevents) and the ring is still mapped.
 */
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

int main(int argc, char **argv)
{
	aio_context_t ctx = 0;
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	unsigned long s, e;
	char buf[64];
	int fd;

	test_init(argc, argv);
	if (syscall(SYS_io_setup, 4, &ctx))
		setup_fail("io_setup: %m");
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		setup_fail("/dev/zero: %m");

	test_daemon();
	test_waitsig();

	if (mem_vma((unsigned long)ctx, &s, &e) || s != ctx)
		fail("the AIO ring at %llx is gone", (unsigned long long)ctx);
	memset(&cb, 0, sizeof(cb));
	memset(buf, 0x5a, sizeof(buf));
	cb.aio_fildes = fd;
	cb.aio_lio_opcode = IOCB_CMD_PREAD;
	cb.aio_buf = (uintptr_t)buf;
	cb.aio_nbytes = sizeof(buf);
	cb.aio_data = 0xfeed;
	if (syscall(SYS_io_submit, ctx, 1, cbs) != 1)
		fail("io_submit: %m");
	else if (syscall(SYS_io_getevents, ctx, 1, 1, &ev, NULL) != 1)
		fail("io_getevents: %m");
	else if (ev.data != 0xfeed || ev.res != sizeof(buf) || mem_nonzero(buf, sizeof(buf)) >= 0)
		fail("AIO event: data %llx res %lld", (unsigned long long)ev.data, (long long)ev.res);
	pass();
	return 0;
}
