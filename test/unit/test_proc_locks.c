/*
 * Unit tests of the file lock parser (src/proc/locks.c): lines of
 * /proc/locks and fdinfo "lock:" lines as a 6.18 kernel prints them, and
 * broken ones. Run from the repo root: build/test/unit/test_proc_locks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "proc/proc.h"

/* captured with a task holding each kind, and a blocked waiter */
static const char proc_locks[] =
	"1: LEASE  ACTIVE    WRITE 9660 fe:00:5310776 0 EOF\n"
	"2: OFDLCK ADVISORY  WRITE -1 fe:00:5310757 100 EOF\n"
	"3: POSIX  ADVISORY  WRITE 9660 fe:00:5310742 0 9\n"
	"3: -> POSIX  ADVISORY  WRITE 9700 fe:00:5310742 0 9\n"
	"4: FLOCK  ADVISORY  READ 9660 fe:00:5310726 0 EOF\n"
	"5: LEASE  BREAKING  UNLCK 9661 103:0a:12 0 EOF\n";

static void test_locks_real(void **state)
{
	struct proc_lock *v = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(proc_parse_locks(proc_locks, &v, &n), 0);
	assert_int_equal(n, 6);
	assert_int_equal(v[0].kind, PROC_LOCK_LEASE);
	assert_true(v[0].write);
	assert_false(v[0].breaking);
	assert_int_equal(v[1].kind, PROC_LOCK_OFD);
	assert_int_equal(v[1].pid, -1);
	assert_int_equal(v[1].start, 100);
	assert_true(v[1].to_eof);
	assert_int_equal(v[2].kind, PROC_LOCK_POSIX);
	assert_int_equal(v[2].pid, 9660);
	assert_int_equal(v[2].dev_major, 0xfe);
	assert_int_equal(v[2].dev_minor, 0);
	assert_int_equal(v[2].ino, 5310742);
	assert_int_equal(v[2].start, 0);
	assert_int_equal(v[2].end, 9);
	assert_false(v[2].to_eof);
	assert_false(v[2].blocked);
	assert_true(v[3].blocked);
	assert_int_equal(v[3].pid, 9700);
	assert_int_equal(v[4].kind, PROC_LOCK_FLOCK);
	assert_false(v[4].write);
	assert_true(v[5].breaking);
	assert_true(v[5].unlck);
	assert_int_equal(v[5].dev_major, 0x103);
	assert_int_equal(v[5].dev_minor, 0xa);
	free(v);
}

static void test_fdinfo_locks(void **state)
{
	static const char fdinfo[] =
		"pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t5310742\n"
		"lock:\t1: POSIX  ADVISORY  READ 77 fe:00:5310742 0 99\n"
		"lock:\t2: POSIX  ADVISORY  WRITE 77 fe:00:5310742 200 299\n";
	static const char none[] = "pos:\t0\nflags:\t02\nmnt_id:\t26\nino:\t1\n";
	struct proc_lock *v = NULL;
	size_t n = 7;

	(void)state;
	assert_int_equal(proc_parse_fdinfo_locks(fdinfo, &v, &n), 0);
	assert_int_equal(n, 2);
	assert_false(v[0].write);
	assert_int_equal(v[0].end, 99);
	assert_true(v[1].write);
	assert_int_equal(v[1].start, 200);
	assert_int_equal(v[1].end, 299);
	free(v);
	assert_int_equal(proc_parse_fdinfo_locks(none, &v, &n), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void test_lock_bad(void **state)
{
	static const char *bad[] = {
		"",
		"1 POSIX ADVISORY WRITE 1 08:01:2 0 EOF",		/* no colon after id */
		"1: POSIX ADVISORY WRITE 1 08:01:2 0",			/* no end */
		"1: SPLOSH ADVISORY WRITE 1 08:01:2 0 EOF",		/* kind */
		"1: POSIX ADVISORY WRIT 1 08:01:2 0 EOF",		/* type */
		"1: POSIX ADVISORY WRITE x 08:01:2 0 EOF",		/* pid */
		"1: POSIX ADVISORY WRITE 1 08:01 0 EOF",		/* dev:ino */
		"1: POSIX ADVISORY WRITE 1 zz:01:2 0 EOF",		/* major */
		"1: POSIX ADVISORY WRITE 1 08:01:2 9 3",		/* end before start */
		"1: POSIX ADVISORY WRITE 1 08:01:2 0 EOF junk",		/* trailing */
		"1: POSIX ADVISORY WRITE 1 08:01:2 99999999999999999999 EOF", /* overflow */
	};
	struct proc_lock l, *v = NULL;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (proc_parse_lock_line(bad[i], &l) != -EINVAL)
			fail_msg("accepted: '%s'", bad[i]);
	}
	assert_int_equal(proc_parse_fdinfo_locks("lock:\t1: FLOCK\n", &v, &n), -EINVAL);
	assert_null(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locks_real),
		cmocka_unit_test(test_fdinfo_locks),
		cmocka_unit_test(test_lock_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
