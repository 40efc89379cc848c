/* Helpers of the memory tests (memtst.h). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memtst.h"

void mem_fill(void *p, size_t len, unsigned seed)
{
	unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		c[i] = mem_pat(seed, i);
}

long mem_differs(const void *p, size_t len, unsigned seed)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		if (c[i] != mem_pat(seed, i))
			return (long)i;
	return -1;
}

long mem_nonzero(const void *p, size_t len)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < len; i++)
		if (c[i])
			return (long)i;
	return -1;
}

static char smaps[4 << 20];

/* The smaps block of the mapping at addr (NUL-terminated in smaps[]), or NULL. */
static char *smaps_block(unsigned long addr)
{
	int fd = open("/proc/self/smaps", O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;
	char *p;

	if (fd < 0)
		return NULL;
	while (n < sizeof(smaps) - 1 && (r = read(fd, smaps + n, sizeof(smaps) - 1 - n)) > 0)
		n += r;
	close(fd);
	smaps[n] = '\0';
	for (p = smaps; *p; ) {
		unsigned long s, e;
		char *next;

		if (sscanf(p, "%lx-%lx ", &s, &e) == 2 && s <= addr && addr < e) {
			/* up to the next header line: one that starts with a hex range */
			for (next = strchr(p, '\n'); next; next = strchr(next + 1, '\n')) {
				unsigned long a, b;

				if (sscanf(next + 1, "%lx-%lx ", &a, &b) == 2 && strchr(next + 1, '-') &&
				    strchr(next + 1, '-') < strchr(next + 1, ' '))
					break;
			}
			if (next)
				*next = '\0';
			return p;
		}
		next = strstr(p, "\nVmFlags:");
		if (!next)
			break;
		p = strchr(next + 1, '\n');
		if (!p)
			break;
		p++;
	}
	return NULL;
}

int mem_vma(unsigned long addr, unsigned long *start, unsigned long *end)
{
	char *b = smaps_block(addr);

	if (!b || sscanf(b, "%lx-%lx", start, end) != 2)
		return -1;
	return 0;
}

int mem_vma_name(unsigned long addr, char *buf, size_t size)
{
	char *b = smaps_block(addr), *nl;
	int field = 0;

	if (!b)
		return -1;
	nl = strchr(b, '\n');
	if (nl)
		*nl = '\0';
	/* start-end perms offset dev inode path: the path is past the 5th field */
	for (; *b && field < 5; field++) {
		while (*b && *b != ' ')
			b++;
		while (*b == ' ')
			b++;
	}
	snprintf(buf, size, "%s", b);
	return 0;
}

long mem_smaps_kb(unsigned long addr, const char *field)
{
	char *b = smaps_block(addr), key[64];
	long kb;

	if (!b)
		return -1;
	snprintf(key, sizeof(key), "\n%s:", field);
	b = strstr(b, key);
	if (!b || sscanf(b + strlen(key), " %ld", &kb) != 1)
		return -1;
	return kb;
}

static int cmp2(const void *a, const void *b)
{
	return memcmp(a, b, 2);
}

int mem_vmflags(unsigned long addr, char *buf, size_t size)
{
	char *b = smaps_block(addr), flags[64][2];
	size_t n = 0, o = 0;

	if (!b || !(b = strstr(b, "\nVmFlags:")))
		return -1;
	for (b += 9; *b && *b != '\n' && n < 64; b++) {
		if (*b == ' ' || !b[1] || b[1] == ' ' || b[1] == '\n')
			continue;
		flags[n][0] = b[0];
		flags[n][1] = b[1];
		n++;
		b++;
	}
	qsort(flags, n, 2, cmp2);
	for (size_t i = 0; i < n && o + 4 < size; i++) {
		buf[o++] = flags[i][0];
		buf[o++] = flags[i][1];
		buf[o++] = ' ';
	}
	buf[o ? o - 1 : 0] = '\0';
	return 0;
}
