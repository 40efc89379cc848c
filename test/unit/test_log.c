/*
 * The error contract's bookkeeping: the first error belongs to the running
 * operation, a tolerated error outside any operation poisons nothing, and
 * errno values are named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/log.h"

static void test_no_operation(void **state)
{
	log_set_op(NULL);
	pr_err("tolerated by its caller, outside any operation");
	assert_null(log_first_error());
}

static void test_first_error_kept(void **state)
{
	struct op_error a = { 0 };

	assert_null(log_set_op(&a));
	assert_null(log_first_error());
	pr_err("pid %d: first", 7);
	pr_err("pid %d: second", 7);
	assert_string_equal(log_first_error(), "pid 7: first");
	assert_true(a.set);
	log_set_op(NULL);
	assert_null(log_first_error());
	assert_string_equal(a.msg, "pid 7: first");
}

static void test_operations_apart(void **state)
{
	struct op_error a = { 0 }, b = { 0 };

	log_set_op(&a);
	pr_err("of a");
	assert_ptr_equal(log_set_op(&b), &a);
	assert_null(log_first_error());	/* b is not poisoned by a */
	pr_err("of b");
	assert_string_equal(b.msg, "of b");
	assert_string_equal(a.msg, "of a");
	log_clear_error();
	assert_false(b.set);
	assert_true(a.set);
	log_set_op(NULL);
}

static void test_warning_is_not_an_error(void **state)
{
	struct op_error a = { 0 };

	log_set_op(&a);
	pr_warn("only a warning");
	assert_null(log_first_error());
	log_set_op(NULL);
}

static void test_errno_names(void **state)
{
	struct op_error a = { 0 };

	assert_string_equal(errno_name(-ENOENT), "ENOENT");
	assert_string_equal(errno_name(EXDEV), "EXDEV");
	assert_string_equal(errno_name(-4000), "E4000");
	log_set_op(&a);
	assert_int_equal(pr_errno(-EXDEV, "pid %d fd %d: relink", 812, 5), -EXDEV);
	assert_string_equal(a.msg, "pid 812 fd 5: relink: Invalid cross-device link (EXDEV)");
	log_set_op(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_operation),
		cmocka_unit_test(test_first_error_kept),
		cmocka_unit_test(test_operations_apart),
		cmocka_unit_test(test_warning_is_not_an_error),
		cmocka_unit_test(test_errno_names),
	};

	log_init(NULL, LOG_NONE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
