/*
 * mem_sysv_shm: a SysV shared memory segment attached in the task. ckpt
 * does not bring segments back yet: the dump must fail with one line
 * naming the pid and the shmid (the .desc) and leave the task as it was:
 * after SIGTERM the segment is still attached at the same address with its
 * data, and shmctl(IPC_STAT) still knows it.
 */
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <unistd.h>

#include "memtst.h"
#include "zdtmtst.h"

#define SZ (64 * 1024)

int main(int argc, char **argv)
{
	struct shmid_ds ds;
	unsigned char *p;
	int id;

	test_init(argc, argv);
	id = shmget(IPC_PRIVATE, SZ, IPC_CREAT | 0600);
	if (id < 0)
		setup_fail("shmget: %m");
	p = shmat(id, NULL, 0);
	if (p == (void *)-1)
		setup_fail("shmat: %m");
	/* gone with its last attach: nothing left behind whatever happens */
	if (shmctl(id, IPC_RMID, NULL))
		setup_fail("shmctl IPC_RMID: %m");
	mem_fill(p, SZ, 7);
	test_msg("shmid %d at %p", id, (void *)p);

	test_daemon();
	test_waitsig();

	if (mem_differs(p, SZ, 7) >= 0)
		fail("segment data differs at %ld", mem_differs(p, SZ, 7));
	if (shmctl(id, IPC_STAT, &ds))
		fail("shmctl IPC_STAT %d: %m", id);
	else if (ds.shm_nattch != 1 || ds.shm_segsz != SZ)
		fail("segment %d: %lu attaches, %zu bytes", id, (unsigned long)ds.shm_nattch,
		     (size_t)ds.shm_segsz);
	if (shmdt(p))
		fail("shmdt: %m");
	pass();
	return 0;
}
