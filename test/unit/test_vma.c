/*
 * VMA classification and the VmFlags check of a dump (src/mem/vma.c) on
 * made-up smaps entries: every VmFlags entry restore can make passes, the
 * others and unknown ones are refused; AIO rings, SysV segments and named
 * anonymous memory are refused; droppable and noreserve memory get their
 * mmap flags.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "mem/mem.h"
#include "mm.pb-c.h"

#ifndef MAP_DROPPABLE
#define MAP_DROPPABLE 0x08
#endif

static struct proc_vma vma(const char *path, bool shared, bool deleted, const char *flags)
{
	struct proc_vma v = { .start = 0x10000, .end = 0x20000, .prot = PROT_READ | PROT_WRITE,
			      .shared = shared, .path = (char *)path, .deleted = deleted,
			      .ino = 32769 };

	snprintf(v.vmflags_text, sizeof(v.vmflags_text), "%s", flags);
	v.vmflags = proc_parse_vmflags(flags);
	return v;
}

static int check(const struct proc_vma *v)
{
	uint32_t f;

	return vma_check(1234, v, vma_kind(v, &f));
}

static void test_has_flag(void **state)
{
	assert_true(vma_has_flag("rd wr mr mw me lo ac", "lo"));
	assert_true(vma_has_flag("rd wr", "wr"));
	assert_true(vma_has_flag("rd", "rd"));
	assert_false(vma_has_flag("rd wr mr mw me ac", "lo"));
	assert_false(vma_has_flag("rdlo wr", "lo"));
	assert_false(vma_has_flag("", "rd"));
}

static void test_restorable(void **state)
{
	const char *ok[] = {
		"rd wr mr mw me ac", "rd wr mr mw me lo ac", "rd wr mr mw me lo lf ac",
		"rd wr mr mw me nr wf dd dp", "rd wr mr mw me ac sl", "rd wr mr mw me gu ac",
		"rd wr mr mw me dc dd wf hg", "rd wr mr mw me nh mg sr", "rd wr mr mw me gd ac rr",
		"rd wr mr mw me ac sd",
	};

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct proc_vma v = vma("", false, false, ok[i]);

		assert_int_equal(check(&v), 0);
	}
}

static void test_refused(void **state)
{
	const char *bad[] = {
		"rd wr mr mw me ht", "rd wr mr mw me ac um", "rd wr mr mw me ac uw",
		"rd wr mr mw me ac ui", "rd wr mr mw me ss", "rd wr sh mr mw me sf",
		"rd wr mr mw me de", "rd wr mr mw me ac zz", "rd wr mr mw me ac x",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proc_vma v = vma("", false, false, bad[i]);

		assert_int_equal(check(&v), -EOPNOTSUPP);
	}
}

static void test_kinds_refused(void **state)
{
	struct proc_vma aio = vma("/[aio]", true, true, "rd wr sh mr mw ms de");
	struct proc_vma sysv = vma("/SYSV00000000", true, true, "rd wr sh mr mw me ms");
	struct proc_vma named = vma("[anon:cache]", false, false, "rd wr mr mw me ac");
	struct proc_vma named_sh = vma("[anon_shmem:x]", true, false, "rd wr sh mr mw me ms");
	struct proc_vma devzero = vma("/dev/zero", true, true, "rd wr sh mr mw me ms");
	struct proc_vma vdso = vma("[vdso]", false, false, "rd ex mr mw me de");

	assert_int_equal(check(&aio), -EOPNOTSUPP);
	assert_int_equal(check(&sysv), -EOPNOTSUPP);
	assert_int_equal(check(&named), -EOPNOTSUPP);
	assert_int_equal(check(&named_sh), -EOPNOTSUPP);
	assert_int_equal(check(&devzero), 0);
	assert_int_equal(check(&vdso), 0);
}

static void test_map_flags(void **state)
{
	struct proc_vma dp = vma("", false, false, "rd wr mr mw me nr wf dd dp");
	struct proc_vma nr = vma("", false, false, "rd wr mr mw me nr");
	struct proc_vma sh = vma("/dev/zero", true, true, "rd wr sh mr mw me ms nr");
	uint32_t f;

	assert_int_equal(vma_kind(&dp, &f), VMA_KIND__VMA_ANON_PRIVATE);
	assert_int_equal(f, MAP_DROPPABLE | MAP_NORESERVE | MAP_ANONYMOUS);
	assert_int_equal(vma_kind(&nr, &f), VMA_KIND__VMA_ANON_PRIVATE);
	assert_int_equal(f, MAP_PRIVATE | MAP_NORESERVE | MAP_ANONYMOUS);
	assert_int_equal(vma_kind(&sh, &f), VMA_KIND__VMA_ANON_SHARED);
	assert_int_equal(f, MAP_SHARED | MAP_ANONYMOUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_has_flag),	cmocka_unit_test(test_restorable),
		cmocka_unit_test(test_refused),		cmocka_unit_test(test_kinds_refused),
		cmocka_unit_test(test_map_flags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
