/*
 * CRC-32C (Castagnoli), the checksum of every image file (recorded in the
 * inventory). Streaming: crc = crc32c(crc, buf, len) over the pieces, from
 * CRC32C_INIT; crc32c_final() gives the value to store. Uses the SSE4.2
 * crc32 instruction where the CPU has it, a table otherwise: same results.
 */
#ifndef CKPT_IMAGES_CRC32C_H
#define CKPT_IMAGES_CRC32C_H

#include <stddef.h>
#include <stdint.h>

#define CRC32C_INIT 0xffffffffu

uint32_t crc32c(uint32_t crc, const void *buf, size_t len);
static inline uint32_t crc32c_final(uint32_t crc)
{
	return crc ^ 0xffffffffu;
}
/* The table version alone (tests compare the two). */
uint32_t crc32c_sw(uint32_t crc, const void *buf, size_t len);
/*
 * Feed size bytes of fd from offset 0 into *crc, through mapped windows of a
 * few MiB (no copy, and little of the file resident at once: ckpt's RSS
 * stays small however large the pages image). 0 or -errno.
 */
int crc32c_fd(int fd, uint64_t size, uint32_t *crc);

#endif
