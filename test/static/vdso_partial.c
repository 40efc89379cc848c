/*
 * vdso_partial: a child of the tree unmaps its [vdso] but keeps [vvar*].
 * A vDSO comes back whole or not at all: the dump must be refused with one
 * line naming the pid (.desc), and the child be left as it was: after
 * SIGTERM /proc/self/maps still has [vvar*] and no [vdso], its memory is as
 * it was, raw syscalls work.
 *
 * Once the vDSO is gone glibc's time functions would jump into nothing:
 * the child uses neither test_msg() nor test_waitsig() (they read the
 * clock through the vDSO), only fail() and its verdict pipe.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "zdtmtst.h"

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
	(void)sig;
	got_term = 1;
}

/* Unmap (or, with unmap false, count) the mappings named like name. */
static int vdso_parts(const char *name, bool unmap)
{
	unsigned long start[8], end[8];
	char line[512];
	int n = 0;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (n < 8 && strstr(line, name) &&
		    sscanf(line, "%lx-%lx", &start[n], &end[n]) == 2)
			n++;
	fclose(f);
	for (int i = 0; unmap && i < n; i++)
		if (munmap((void *)start[i], end[i] - start[i]))
			return -1;
	return n;
}

static void child(void)
{
	static unsigned long counter;
	unsigned char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct sigaction sa = { .sa_handler = on_term };
	struct timespec k;
	sigset_t none;

	if (page == MAP_FAILED)
		setup_fail("mmap: %m");
	for (int i = 0; i < 4096; i++)
		page[i] = (unsigned char)(i * 7 + 3);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	if (vdso_parts("[vdso]", false) != 1 || vdso_parts("[vvar", false) < 1)
		setup_fail("no [vdso] and [vvar] to start with");
	if (vdso_parts("[vdso]", true) < 0 || vdso_parts("[vdso]", false) != 0)
		setup_fail("unmap the vDSO: %m");
	counter = 4242;
	test_child_ready();
	sigemptyset(&none);
	while (!got_term)
		sigsuspend(&none);

	if (vdso_parts("[vdso]", false) != 0 || vdso_parts("[vvar", false) < 1)
		fail("[vdso] %d, [vvar] %d mappings: expected 0 and at least 1",
		     vdso_parts("[vdso]", false), vdso_parts("[vvar", false));
	if (counter != 4242)
		fail("counter %lu, was 4242", counter);
	for (int i = 0; i < 4096; i++)
		if (page[i] != (unsigned char)(i * 7 + 3)) {
			fail("page byte %d is %u", i, page[i]);
			break;
		}
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &k) || k.tv_sec <= 0)
		fail("SYS_clock_gettime");
	test_child_exit();
}

int main(int argc, char **argv)
{
	struct test_child c;

	test_init(argc, argv);
	if (test_child_fork(&c) == 0)
		child();
	test_child_wait_ready(&c);
	test_daemon();
	test_waitsig();
	if (kill(c.pid, SIGTERM))
		fail("kill child %d: %m", c.pid);
	test_child_collect(&c);
	pass();
	return 0;
}
