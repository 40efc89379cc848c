/*
 * CRC-32C. The hardware path runs three independent crc32 streams over
 * three thirds of each block (the instruction has a latency of 3 and a
 * throughput of 1 per cycle) and folds them together with the carry-less
 * "shift by n bytes" multiplication done by table (crc32c_shift), so a
 * page costs about a third of a serial loop.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>

#include "images/crc32c.h"

#define POLY 0x82f63b78u	/* Castagnoli, reflected */

static uint32_t table[8][256];
static bool have_sse42;
/* zeros[k][b]: the CRC register after feeding BLOCK3 zero bytes, for byte b at position k */
#define BLOCK3 2048		/* bytes per stream of one block */
static uint32_t shift_tab[4][256];

static uint32_t crc_zeros_slow(uint32_t crc, size_t n)
{
	while (n--) {
		crc ^= 0;
		crc = table[0][crc & 0xff] ^ (crc >> 8);
	}
	return crc;
}

__attribute__((constructor)) static void crc32c_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ POLY : c >> 1;
		table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int t = 1; t < 8; t++)
			table[t][i] = (table[t - 1][i] >> 8) ^ table[0][table[t - 1][i] & 0xff];
	/* advancing a register by BLOCK3 zero bytes is linear: tabulate it per byte */
	for (int k = 0; k < 4; k++)
		for (uint32_t b = 0; b < 256; b++)
			shift_tab[k][b] = crc_zeros_slow(b << (8 * k), BLOCK3);
#if defined(__x86_64__)
	__builtin_cpu_init();
	have_sse42 = __builtin_cpu_supports("sse4.2");
#endif
}

static uint32_t shift(uint32_t crc)
{
	return shift_tab[0][crc & 0xff] ^ shift_tab[1][(crc >> 8) & 0xff] ^
	       shift_tab[2][(crc >> 16) & 0xff] ^ shift_tab[3][crc >> 24];
}

uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		v ^= crc;
		crc = table[7][v & 0xff] ^ table[6][(v >> 8) & 0xff] ^ table[5][(v >> 16) & 0xff] ^
		      table[4][(v >> 24) & 0xff] ^ table[3][(v >> 32) & 0xff] ^
		      table[2][(v >> 40) & 0xff] ^ table[1][(v >> 48) & 0xff] ^ table[0][v >> 56];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = table[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_hw(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	uint64_t c0 = crc;

	while (len >= 3 * BLOCK3) {
		uint64_t c1 = 0, c2 = 0, v0, v1, v2;

		/* c1 and c2 start at 0: their part of the init value is folded in by the shifts */
		for (size_t i = 0; i < BLOCK3; i += 8) {
			memcpy(&v0, p + i, 8);
			memcpy(&v1, p + BLOCK3 + i, 8);
			memcpy(&v2, p + 2 * BLOCK3 + i, 8);
			c0 = __builtin_ia32_crc32di(c0, v0);
			c1 = __builtin_ia32_crc32di(c1, v1);
			c2 = __builtin_ia32_crc32di(c2, v2);
		}
		c0 = shift(shift((uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
		p += 3 * BLOCK3;
		len -= 3 * BLOCK3;
	}
	while (len >= 8) {
		uint64_t v;

		memcpy(&v, p, 8);
		c0 = __builtin_ia32_crc32di(c0, v);
		p += 8;
		len -= 8;
	}
	while (len--)
		c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
	return (uint32_t)c0;
}
#endif

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
#if defined(__x86_64__)
	if (have_sse42)
		return crc32c_hw(crc, buf, len);
#endif
	return crc32c_sw(crc, buf, len);
}

#define WINDOW (4u << 20)

int crc32c_fd(int fd, uint64_t size, uint32_t *crc)
{
	for (uint64_t off = 0; off < size; off += WINDOW) {
		size_t n = size - off < WINDOW ? size - off : WINDOW;
		void *map = mmap(NULL, n, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, off);

		if (map == MAP_FAILED)
			return -errno;
		madvise(map, n, MADV_SEQUENTIAL);
		*crc = crc32c(*crc, map, n);
		munmap(map, n);
	}
	return 0;
}
