/*
 * The file decision with injected facts: every branch, NFS silly-renames
 * (this machine has no NFS client: this is where NFS is covered), O_TMPFILE
 * names, memfds, and names that only look like them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "files/decide.h"

#define EXT4 0xEF53
#define BTRFS 0x9123683E

static struct file_facts reg(const char *path, bool deleted, bool same, uint32_t nlink)
{
	return (struct file_facts){ .type = FT_REG, .path = path, .deleted = deleted,
				    .path_same_inode = same, .nlink = nlink, .ino = 4242,
				    .fs_magic = EXT4 };
}

static void test_plain(void **state)
{
	struct file_facts f = reg("/srv/log", false, true, 1);

	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
	f.fs_magic = BTRFS;
	f.nlink = 3;
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
}

static void test_renamed_over(void **state)
{
	/* open("a"); link("a","b"); unlink("a"); creat("a"): the path names another inode */
	struct file_facts f = reg("/d/a", true, false, 1);

	assert_int_equal(file_decide(&f), DECIDE_RELINK);
	/* a path that exists but is another inode, not even marked deleted */
	f = reg("/d/a", false, false, 2);
	assert_int_equal(file_decide(&f), DECIDE_RELINK);
}

static void test_ghost(void **state)
{
	struct file_facts f = reg("/d/gone", true, false, 0);

	assert_int_equal(file_decide(&f), DECIDE_GHOST);
	/* "#4242" is a tmpfile only for inode 4242 */
	f = reg("/d/#4242", true, false, 0);
	assert_int_equal(file_decide(&f), DECIDE_TMPFILE);
	f = reg("/d/#4243", true, false, 0);
	assert_int_equal(file_decide(&f), DECIDE_GHOST);
	f = reg("/d/#4242x", true, false, 0);
	assert_int_equal(file_decide(&f), DECIDE_GHOST);
}

static void test_memfd(void **state)
{
	struct file_facts f = reg("/memfd:buf", true, false, 0);

	assert_int_equal(file_decide(&f), DECIDE_MEMFD);
	/* a real file named like a memfd that still exists is plain */
	f = reg("/memfd:buf", false, true, 1);
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
}

static void test_nfs(void **state)
{
	/* NFS: the silly-renamed file still has its .nfsXXXX name: it is unlinked */
	struct file_facts f = reg("/mnt/nfs/dir/.nfs000000000123abcd00000001", false, true, 1);

	f.fs_magic = NFS_SUPER_MAGIC_;
	assert_int_equal(file_decide(&f), DECIDE_RELINK);
	/* the same name elsewhere is just a file */
	f.fs_magic = EXT4;
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
	/* on NFS, a name that is not a silly rename is plain */
	f = reg("/mnt/nfs/dir/.nfsdata", false, true, 1);
	f.fs_magic = NFS_SUPER_MAGIC_;
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
	f = reg("/mnt/nfs/dir/.nfs", false, true, 1);
	f.fs_magic = NFS_SUPER_MAGIC_;
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
	assert_true(nfs_silly_name("/x/.nfs0123456789ABCDEF"));
	assert_false(nfs_silly_name("/x/.nfs01g"));
	assert_false(nfs_silly_name("/x/.nfs01/y"));
}

static void test_other_types(void **state)
{
	struct file_facts f = { .type = FT_DIR, .path = "/d/sub", .deleted = true };

	assert_int_equal(file_decide(&f), DECIDE_GHOST_DIR);
	f.deleted = false;
	f.path_same_inode = true;
	assert_int_equal(file_decide(&f), DECIDE_PLAIN);
	f = (struct file_facts){ .type = FT_FIFO, .path = "/d/fifo", .deleted = true };
	assert_int_equal(file_decide(&f), DECIDE_GHOST_NODE);
	f.type = FT_CHR;
	assert_int_equal(file_decide(&f), DECIDE_GHOST_NODE);
	assert_string_equal(file_decision_name(DECIDE_RELINK), "relink");
	assert_string_equal(file_decision_name(99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),	 cmocka_unit_test(test_renamed_over),
		cmocka_unit_test(test_ghost),	 cmocka_unit_test(test_memfd),
		cmocka_unit_test(test_nfs),	 cmocka_unit_test(test_other_types),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
