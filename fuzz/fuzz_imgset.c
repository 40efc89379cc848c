/*
 * libFuzzer target: a whole image set from one input, through the image
 * decoder and the validation that `ckpt show` and `ckpt restore` share.
 *
 * Input: records of
 *   u8 name length, name ([a-z0-9.-], no other byte), u32 LE data length,
 *   data, u32 LE size to extend the file to (sparse; pages images are
 *   stored as their header page and their size: scripts/fuzz-seeds.sh)
 * written into a scratch directory, which is then shown twice: without
 * checksums (so that mutations reach the decoder and the cross-checks) and
 * as a restore opens it (checksums, owner, creds).
 *
 * Built with clang -fsanitize=fuzzer,address,undefined (make fuzz); a short
 * run with a fixed seed is part of make check (test/sys/fuzz_images.sh).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "images/image.h"
#include "images/image-show.h"
#include "images/validate.h"

#define MAX_FILES	64
#define MAX_EXTEND	(1u << 20)

static char dir[4096];
static FILE *devnull;

static uint32_t get32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void clean_dir(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		abort();
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
}

static bool name_ok(const uint8_t *n, size_t len)
{
	if (!len || n[0] == '.')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((n[i] >= 'a' && n[i] <= 'z') || (n[i] >= '0' && n[i] <= '9') || n[i] == '.' ||
		      n[i] == '-'))
			return false;
	return true;
}

/* The files of the input, written; false if the input does not parse. */
static bool unpack(const uint8_t *d, size_t n)
{
	size_t off = 0;

	for (int files = 0; off < n && files < MAX_FILES; files++) {
		char name[256], path[4400];
		uint32_t len, ext;
		size_t nl;
		int fd;

		nl = d[off++];
		if (n - off < nl + 4 || !name_ok(d + off, nl))
			return false;
		memcpy(name, d + off, nl);
		name[nl] = '\0';
		off += nl;
		len = get32(d + off);
		off += 4;
		if (n - off < (size_t)len + 4)
			return false;
		ext = get32(d + off + len);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0)
			return false;
		if (write(fd, d + off, len) != (ssize_t)len ||
		    (ext > len && ext <= MAX_EXTEND && ftruncate(fd, ext))) {
			close(fd);
			return false;
		}
		close(fd);
		off += len + 4;
	}
	return true;
}

static void remove_dir(void)
{
	clean_dir();
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");

	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/ckpt-fuzz-XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	atexit(remove_dir);
	devnull = fopen("/dev/null", "w");
	log_init(NULL, LOG_NONE);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgset *set;

	clean_dir();
	if (unpack(data, size)) {
		log_clear_error();
		show_image_set_flags(dir, IMGSET_NO_CHECKSUMS, devnull);
		log_clear_error();
		if (!imgset_open_flags(dir, IMGSET_CHECK_OWNER, &set)) {
			imgset_validate(set, VALIDATE_CREDS);
			imgset_close(set);
		}
	}
	return 0;
}
