#!/bin/bash
# Memory filled on two cores: a process with 40 MiB + 12 KiB of private
# anonymous memory (chunks of 2 MiB and a short tail), a heap grown by brk,
# two adjacent anonymous VMAs that differ only in protection (one run of the
# pagemap spans both: it must be cut at the boundary) and a page-sparse
# region is restored through the userfaultfd path (the restore log names the
# chunks and ckpt's share), then again with CKPT_NO_UFFD=1 (pages read in).
# Each time the process checks every word and its counter goes on from where
# it was, at the same pid.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-fill.XXXXXX)
PID=""
fail() { echo "FAIL restore_fill: $*"; echo "    (files in $W)"; [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; exit 1; }

cat >"$W/holder.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define BIG ((40UL << 20) + (12UL << 10))
#define HEAP (3UL << 20)
#define PAIR (1UL << 20)		/* each of the two adjacent VMAs */
#define SPARSE (8UL << 20)		/* every 8th page touched */

static uint64_t word(uint64_t seed, uint64_t addr)
{
	uint64_t x = (addr ^ seed) * 0x9e3779b97f4a7c15ULL;

	return x ^ (x >> 29);
}

static void fill(char *p, size_t len, uint64_t seed, size_t step)
{
	for (size_t off = 0; off < len; off += step)
		for (size_t i = 0; i < 4096; i += 8)
			*(uint64_t *)(p + off + i) = word(seed, (uint64_t)(p + off + i));
}

/* 0 if every filled word holds its value and every other page is zero */
static long check(const char *p, size_t len, uint64_t seed, size_t step)
{
	for (size_t off = 0; off < len; off += 4096)
		for (size_t i = 0; i < 4096; i += 8) {
			uint64_t want = off % step ? 0 : word(seed, (uint64_t)(p + off + i));

			if (*(const uint64_t *)(p + off + i) != want)
				return (long)(off + i) + 1;
		}
	return 0;
}

int main(void)
{
	char *big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *pair = mmap(NULL, 2 * PAIR, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *sparse = mmap(NULL, SPARSE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *heap = sbrk(HEAP);
	volatile unsigned long counter = 0;
	char c;

	if (big == MAP_FAILED || pair == MAP_FAILED || sparse == MAP_FAILED || heap == (void *)-1)
		return 1;
	fill(big, BIG, 1, 4096);
	fill(heap, HEAP, 2, 4096);
	fill(pair, 2 * PAIR, 3, 4096);
	fill(sparse, SPARSE, 4, 8 * 4096);
	if (mprotect(pair + PAIR, PAIR, PROT_READ))	/* two VMAs, touching */
		return 1;
	printf("ready\n");
	fflush(stdout);
	/* count until asked; then check and tell */
	for (;;) {
		if (read(0, &c, 1) != 1)
			return 0;
		counter++;
		long bad = check(big, BIG, 1, 4096) ?: check(heap, HEAP, 2, 4096) ?:
			   check(pair, 2 * PAIR, 3, 4096) ?: check(sparse, SPARSE, 4, 8 * 4096);
		printf("%s %lu %ld\n", bad ? "BROKEN" : "intact", counter, bad);
		fflush(stdout);
	}
}
C
cc -O2 -D_GNU_SOURCE -o "$W/holder" "$W/holder.c" || fail "build the holder"
mkfifo "$W/in"
"$W/holder" <"$W/in" >"$W/out" 2>&1 &
PID=$!
disown
exec 3<>"$W/in"
for i in $(seq 100); do grep -q ready "$W/out" && break; sleep 0.05; done
grep -q ready "$W/out" || fail "holder did not start"

ask() {	# -> the holder's answer line number $1
	echo x >&3
	for i in $(seq 200); do [ "$(grep -c -E 'intact|BROKEN' "$W/out")" -ge "$1" ] && break; sleep 0.05; done
	grep -E 'intact|BROKEN' "$W/out" | sed -n "${1}p"
}
[ "$(ask 1)" = "intact 1 0" ] || fail "before the dump: $(tail -1 "$W/out")"

n=1
for mode in uffd read; do
	n=$((n + 1))
	"$CKPT" dump -t "$PID" -D "$W/img-$mode" -o "$W/dump-$mode.log" -v4 2>"$W/dump-$mode.err" ||
		fail "$mode: dump: $(cat "$W/dump-$mode.err")"
	for i in $(seq 100); do [ -d "/proc/$PID" ] || break; sleep 0.05; done
	if [ $mode = uffd ]; then
		"$CKPT" restore -D "$W/img-$mode" -d -o "$W/restore-$mode.log" -v4 ||
			fail "$mode: restore: $(tail -2 "$W/restore-$mode.log")"
		line=$(grep -o "pid $PID: private memory in [0-9]* chunks by userfaultfd, [0-9]* copied by ckpt" \
			"$W/restore-$mode.log")
		chunks=$(echo "$line" | awk '{ print $6 }')
		mine=$(echo "$line" | awk '{ print $10 }')
		# 21 chunks of the big region at least
		[ -n "$chunks" ] && [ "$chunks" -ge 21 ] || fail "$mode: no userfaultfd fill in the log"
	else
		CKPT_NO_UFFD=1 "$CKPT" restore -D "$W/img-$mode" -d -o "$W/restore-$mode.log" -v4 ||
			fail "$mode: restore: $(tail -2 "$W/restore-$mode.log")"
		grep -q "pid $PID: no userfaultfd (.*): pages are read in" "$W/restore-$mode.log" ||
			fail "$mode: the read path was not taken"
		grep -q "chunks by userfaultfd" "$W/restore-$mode.log" && fail "$mode: userfaultfd used anyway"
	fi
	[ -d "/proc/$PID" ] || fail "$mode: not restored at pid $PID"
	got=$(ask $n)
	[ "$got" = "intact $n 0" ] || fail "$mode: after restore: $got"
done
kill -9 "$PID"
echo "PASS restore_fill (userfaultfd: $chunks chunks, $mine by ckpt; pread path; memory intact, counter went on)"
rm -rf "$W"
