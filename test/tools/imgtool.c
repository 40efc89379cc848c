/*
 * imgtool — edit an image set the way an attacker (or a disk) would, for the
 * tests of hostile sets (test/sys/hostile_images.sh, the fuzz seeds):
 *
 *   imgtool seal DIR                     recompute every checksum the inventory lists
 *   imgtool file DIR ID KEY=VALUE...     change file ID of files.img, then seal:
 *                                        path=, mode= (octal), relink_name=, ino=
 *   imgtool pstree DIR PID add-thread=TID   give task PID one more thread id, then seal
 *   imgtool pack DIR OUT                 the set as one fuzz input (fuzz/fuzz_imgset.c's
 *                                        format; raw images as their header page and size)
 *
 * Not part of ckpt: a test tool, built with the unit tests.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "images/crc32c.h"
#include "images/image.h"
#include "images/magic.h"

#include "files.pb-c.h"
#include "inventory.pb-c.h"
#include "pstree.pb-c.h"

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *buf;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &st))
		die(path);
	buf = malloc(st.st_size + 1);
	if (!buf || read(fd, buf, st.st_size) != st.st_size)
		die(path);
	close(fd);
	*len = st.st_size;
	return buf;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v, p[1] = v >> 8, p[2] = v >> 16, p[3] = v >> 24;
}

static uint32_t get32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A message image of these records, written whole (temp + rename). */
static void write_msgs(const char *dir, const char *name, uint32_t magic, ProtobufCMessage **m,
		       size_t n)
{
	char path[4096], tmp[4200];
	unsigned char hdr[12], len[4];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	put32(hdr, IMG_FILE_MAGIC);
	put32(hdr + 4, magic);
	put32(hdr + 8, IMG_VERSION);
	fwrite(hdr, 1, 12, f);
	for (size_t i = 0; i < n; i++) {
		size_t sz = protobuf_c_message_get_packed_size(m[i]);
		unsigned char *b = malloc(sz ? sz : 1);

		protobuf_c_message_pack(m[i], b);
		put32(len, sz);
		fwrite(len, 1, 4, f);
		fwrite(b, 1, sz, f);
		free(b);
	}
	if (fclose(f) || rename(tmp, path))
		die(path);
	chmod(path, 0600);
}

/* Every record of a message image (framing trusted: the test made it). */
static size_t read_msgs(const char *dir, const char *name, const ProtobufCMessageDescriptor *d,
			ProtobufCMessage ***out)
{
	char path[4096];
	size_t len, off = 12, n = 0;
	unsigned char *buf;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	buf = slurp(path, &len);
	*out = NULL;
	while (off + 4 <= len) {
		uint32_t l = get32(buf + off);

		*out = realloc(*out, (n + 1) * sizeof(**out));
		(*out)[n] = protobuf_c_message_unpack(d, NULL, l, buf + off + 4);
		if (!(*out)[n]) {
			fprintf(stderr, "%s: bad record at %zu\n", path, off);
			exit(1);
		}
		n++;
		off += 4 + l;
	}
	free(buf);
	return n;
}

static void seal(const char *dir)
{
	ProtobufCMessage **m;
	InventoryEntry *inv;
	size_t n = read_msgs(dir, "inventory.img", &inventory_entry__descriptor, &m);

	if (n != 1) {
		fprintf(stderr, "%s: %zu inventory records\n", dir, n);
		exit(1);
	}
	inv = (InventoryEntry *)m[0];
	for (size_t i = 0; i < inv->n_checksums; i++) {
		char path[4096];
		size_t len;
		unsigned char *buf;

		snprintf(path, sizeof(path), "%s/%s", dir, inv->checksums[i]->name);
		buf = slurp(path, &len);
		inv->checksums[i]->crc32c = crc32c_final(crc32c(CRC32C_INIT, buf, len));
		inv->checksums[i]->size = len;
		free(buf);
	}
	write_msgs(dir, "inventory.img", IMG_MAGIC_INVENTORY, m, 1);
}

static void edit_file(const char *dir, uint32_t id, int argc, char **argv)
{
	ProtobufCMessage **m;
	size_t n = read_msgs(dir, "files.img", &file_entry__descriptor, &m);
	FileEntry *fe = NULL;

	for (size_t i = 0; i < n; i++)
		if (((FileEntry *)m[i])->id == id)
			fe = (FileEntry *)m[i];
	if (!fe) {
		fprintf(stderr, "%s: no file %u\n", dir, id);
		exit(1);
	}
	for (int i = 0; i < argc; i++) {
		char *eq = strchr(argv[i], '=');

		if (!eq)
			die(argv[i]);
		*eq++ = '\0';
		/* the strings leak into the unpacked message: a short-lived tool */
		if (!strcmp(argv[i], "path"))
			fe->path = eq;
		else if (!strcmp(argv[i], "relink_name"))
			fe->relink_name = eq;
		else if (!strcmp(argv[i], "mode"))
			fe->mode = strtoul(eq, NULL, 8);
		else if (!strcmp(argv[i], "ino"))
			fe->ino = strtoull(eq, NULL, 0);
		else {
			fprintf(stderr, "unknown key %s\n", argv[i]);
			exit(2);
		}
	}
	write_msgs(dir, "files.img", IMG_MAGIC_FILES, m, n);
}

static void edit_pstree(const char *dir, uint32_t pid, const char *arg)
{
	ProtobufCMessage **m;
	size_t n = read_msgs(dir, "pstree.img", &pstree_entry__descriptor, &m);

	if (strncmp(arg, "add-thread=", 11)) {
		fprintf(stderr, "unknown edit %s\n", arg);
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		PstreeEntry *pe = (PstreeEntry *)m[i];
		uint32_t *t;

		if (pe->pid != pid)
			continue;
		t = malloc((pe->n_threads + 1) * sizeof(*t));
		memcpy(t, pe->threads, pe->n_threads * sizeof(*t));
		t[pe->n_threads++] = strtoul(arg + 11, NULL, 0);
		pe->threads = t;
	}
	write_msgs(dir, "pstree.img", IMG_MAGIC_PSTREE, m, n);
}

static void pack(const char *dir, const char *out)
{
	struct dirent **names;
	unsigned char b4[4];
	FILE *f = fopen(out, "w");
	int n = scandir(dir, &names, NULL, alphasort);

	if (!f || n < 0)
		die(out);
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		bool raw = !strncmp(name, "pages-", 6) || !strncmp(name, "ghost-", 6);
		unsigned char nl = strlen(name);
		char path[4096];
		size_t len, keep;
		unsigned char *buf;

		if (name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		buf = slurp(path, &len);
		keep = raw && len > 4096 ? 4096 : len;
		fwrite(&nl, 1, 1, f);
		fwrite(name, 1, nl, f);
		put32(b4, keep);
		fwrite(b4, 1, 4, f);
		fwrite(buf, 1, keep, f);
		put32(b4, raw ? len : 0);
		fwrite(b4, 1, 4, f);
		free(buf);
	}
	if (fclose(f))
		die(out);
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "pack")) {
		pack(argv[2], argv[3]);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "seal")) {
		seal(argv[2]);
		return 0;
	}
	if (argc >= 5 && !strcmp(argv[1], "file")) {
		edit_file(argv[2], strtoul(argv[3], NULL, 0), argc - 4, argv + 4);
		seal(argv[2]);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "pstree")) {
		edit_pstree(argv[2], strtoul(argv[3], NULL, 0), argv[4]);
		seal(argv[2]);
		return 0;
	}
	fprintf(stderr, "usage: imgtool seal DIR | pack DIR OUT | file DIR ID KEY=VALUE... | pstree DIR PID add-thread=TID\n");
	return 2;
}
