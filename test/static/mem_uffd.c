/*
 * mem_uffd: a mapping registered with a userfaultfd (VmFlags um). ckpt
 * cannot register it again: the dump must fail with one line naming the
 * pid, the mapping and the flag (the .desc), and leave the task as it was:
 * after SIGTERM the mapping is still registered (VmFlags um) and a
 * UFFDIO_ZEROPAGE through the fd fills its first page.
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define SZ (4 * 4096UL)

int main(int argc, char **argv)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	struct uffdio_zeropage zp;
	unsigned char *p;
	char flags[256];
	int uffd;

	test_init(argc, argv);
	p = mmap(NULL, SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (p == MAP_FAILED || uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		setup_fail("userfaultfd: %m");
	reg.range.start = (unsigned long)p;
	reg.range.len = SZ;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		setup_fail("UFFDIO_REGISTER: %m");

	test_daemon();
	test_waitsig();

	if (mem_vmflags((unsigned long)p, flags, sizeof(flags)) || !strstr(flags, "um"))
		fail("the mapping is not registered any more: VmFlags '%s'", flags);
	zp.range.start = (unsigned long)p;
	zp.range.len = 4096;
	zp.mode = 0;
	if (ioctl(uffd, UFFDIO_ZEROPAGE, &zp) || zp.zeropage != 4096)
		fail("UFFDIO_ZEROPAGE: %m (%lld)", (long long)zp.zeropage);
	else if (p[100] != 0)
		fail("zero page reads %#x", p[100]);
	pass();
	return 0;
}
