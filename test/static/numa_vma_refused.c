/*
 * numa_vma_refused: a memory range with a NUMA policy of its own (mbind
 * MPOL_BIND to node 0), which ckpt does not restore yet. The dump must fail
 * with one line naming the pid and the VMA, and leave the task as it was:
 * after SIGTERM get_mempolicy(MPOL_F_ADDR) still reads MPOL_BIND there and
 * the data written before is intact.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "zdtmtst.h"

#define MPOL_BIND_	2
#define MPOL_F_ADDR_	2
#define LEN		(64u << 10)

int main(int argc, char **argv)
{
	unsigned long node0 = 1;
	int mode = -1;
	char *p;

	test_init(argc, argv);
	p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || syscall(SYS_mbind, p, LEN, MPOL_BIND_, &node0, 64, 0))
		setup_fail("mmap/mbind: %m");
	memset(p, 0x5a, LEN);

	test_daemon();
	test_waitsig();

	if (syscall(SYS_get_mempolicy, &mode, NULL, 0, p, MPOL_F_ADDR_) || mode != MPOL_BIND_)
		fail("policy at %p: %d (%m)", (void *)p, mode);
	for (unsigned int i = 0; i < LEN; i++)
		if (p[i] != 0x5a) {
			fail("data changed at %u", i);
			break;
		}
	pass();
	return 0;
}
