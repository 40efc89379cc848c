#!/bin/bash
# Ghost data: an unlinked 1 GiB sparse file with 2 MiB of data costs a few
# MiB of images (holes stay holes), comes back with the same data, size and
# holes; and --ghost-limit below its data ends the dump with one line that
# names the file, its size and the option, the process running on.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-ghost.XXXXXX)
fail() { echo "FAIL ghost_sparse: $*"; echo "    (files in $W)"; [ -n "${PID:-}" ] && kill -9 "$PID" 2>/dev/null; exit 1; }

cat >"$W/holder.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
/* holder FILE: 1 MiB of data at 0 and 1 MiB at 1 GiB - 1 MiB, unlinked, kept open */
int main(int argc, char **argv)
{
	static char buf[1 << 20];
	int fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0640);

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)(i * 13 + 1);
	if (fd < 0 || pwrite(fd, buf, sizeof(buf), 0) != sizeof(buf) ||
	    pwrite(fd, buf, sizeof(buf), (1L << 30) - sizeof(buf)) != sizeof(buf) || unlink(argv[1]))
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		char c[1];
		if (read(0, c, 1) <= 0)
			break;
		/* verify: same size, data at both ends, a hole between */
		static char got[1 << 20];

		off_t size = lseek(fd, 0, SEEK_END);
		int ok = size == (1L << 30) && pread(fd, got, sizeof(got), 0) == sizeof(got) &&
			 !memcmp(got, buf, sizeof(buf)) &&
			 pread(fd, got, sizeof(got), (1L << 30) - sizeof(got)) == sizeof(got) &&
			 !memcmp(got, buf, sizeof(buf)) && lseek(fd, 1 << 20, SEEK_HOLE) == (1 << 20);
		printf("%s\n", ok ? "intact" : "BROKEN");
		fflush(stdout);
	}
	return 0;
}
C
cc -O2 -D_GNU_SOURCE -o "$W/holder" "$W/holder.c" || fail "build the holder"
mkfifo "$W/in"
"$W/holder" "$W/data" <"$W/in" >"$W/out" 2>&1 &
PID=$!
disown
exec 3<>"$W/in"
for i in $(seq 100); do grep -q ready "$W/out" && break; sleep 0.05; done

"$CKPT" dump -t "$PID" -D "$W/img0" --ghost-limit 1M -o "$W/d0.log" 2>"$W/d0.err"
[ $? -eq 1 ] && [ "$(wc -l <"$W/d0.err")" -eq 1 ] && grep -q -- "--ghost-limit" "$W/d0.err" &&
	grep -q "$W/data" "$W/d0.err" || fail "over the limit: $(cat "$W/d0.err")"
[ -d /proc/$PID ] || fail "holder died after the refused dump"
[ -e "$W/img0/inventory.img" ] && fail "refused dump left an inventory"

"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" -v4 2>"$W/dump.err" || fail "dump: $(cat "$W/dump.err")"
exec 3>&-
for i in $(seq 100); do [ -d /proc/$PID ] || break; sleep 0.05; done
KB=$(du -k "$W"/img/ghost-*.img | awk '{ s += $1 } END { print s }')
[ "$KB" -le 4096 ] || fail "ghost images take $KB KiB for 2 MiB of data"
"$CKPT" show "$W/img" | jq -e '[.files[] | select(.decision == "DECIDE_GHOST")] | length == 1' >/dev/null ||
	fail "show: no ghost decision"

exec 3<>"$W/in"
"$CKPT" restore -D "$W/img" -d -o "$W/restore.log" -v4 || fail "restore: $(tail -2 "$W/restore.log")"
echo >&3
for i in $(seq 100); do grep -q -E "intact|BROKEN" "$W/out" && break; sleep 0.05; done
grep -q intact "$W/out" || fail "after restore: $(tail -1 "$W/out")"
[ "$(stat -c %h "/proc/$PID/fd/3" -L)" = 0 ] || fail "the restored file has a name"
kill -9 "$PID"
echo "PASS ghost_sparse (1 GiB sparse, 2 MiB data: $KB KiB of images; --ghost-limit refused)"
rm -rf "$W"
