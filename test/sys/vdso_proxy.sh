#!/bin/bash
# A vDSO unlike the dumped one (another kernel): the restore puts the old
# image back at its address with each function jumping into this kernel's
# vDSO. CKPT_VDSO_PROXY=1 forces that path here; the vdso test program must
# keep getting right times through its old vDSO pointers.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-vdso.XXXXXX)
fail() { echo "FAIL vdso_proxy: $*"; echo "    (files in $W)"; [ -n "${PID:-}" ] && kill -9 "$PID" 2>/dev/null; exit 1; }

"$ROOT/build/test/static/vdso" --pidfile "$W/pid" --outfile "$W/out" || fail "test did not start"
PID=$(cat "$W/pid")
OLD=$(awk '/\[vdso\]/ { print $1 }' /proc/$PID/maps)
"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" -v4 || fail "dump failed"
for i in $(seq 100); do [ -d /proc/$PID ] || break; sleep 0.05; done
CKPT_VDSO_PROXY=1 "$CKPT" restore -D "$W/img" -d -o "$W/restore.log" -v4 || fail "restore failed: $(tail -2 "$W/restore.log")"
grep -q "proxy vDSO" "$W/restore.log" || fail "the proxy path was not taken"
NEW=$(awk '/\[vdso\]/ { print $1 }' /proc/$PID/maps)
[ "$NEW" != "$OLD" ] || fail "[vdso] is still at $OLD: not a proxy"
grep -q "^$OLD r-xp 00000000 00:00 0" /proc/$PID/maps || fail "no old image at $OLD: $(grep -c . /proc/$PID/maps)"
sleep 0.3
kill -TERM "$PID"
for i in $(seq 100); do [ -d /proc/$PID ] || break; sleep 0.05; done
[ "$(cat "$W/out" 2>/dev/null)" = PASS ] || fail "test says: $(cat "$W/out" 2>/dev/null)"
echo "PASS vdso_proxy (old vDSO at $OLD, this kernel's at $NEW)"
rm -rf "$W"
