#!/bin/bash
# Without BPF (a kernel without it, a sandbox that filters bpf(2)) ckpt tells
# open file descriptions apart with kcmp, also past the 256 fds where it
# would use a BPF iterator: the many_fds test dumped under
# test/helpers/nobpf must come back with every description and its sharing.
# And with BPF (first): the dump must take the iterator's way, or say why
# not (then the BPF half is skipped, said so).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-fdkcmp.XXXXXX)
fail() { echo "FAIL fd_kcmp: $*"; echo "    (files in $W)"; [ -n "${PID:-}" ] && kill -9 "$PID" 2>/dev/null; exit 1; }

BPF=""
"$ROOT/build/test/static/many_fds" --pidfile "$W/pid" --outfile "$W/out0" || fail "test did not start"
PID=$(cat "$W/pid")
"$CKPT" dump -t "$PID" -D "$W/img0" -o "$W/dump0.log" -v4 --leave-running ||
	fail "dump with BPF failed: $(tail -2 "$W/dump0.log")"
if grep -q "told apart by address" "$W/dump0.log"; then
	BPF="by address, then "
elif grep -q "told apart by kcmp: no BPF" "$W/dump0.log"; then
	BPF="(no BPF here: $(grep -o 'no BPF.*' "$W/dump0.log" | head -1)), "
else
	fail "the dump with BPF took neither way"
fi
kill -TERM "$PID"
for i in $(seq 200); do [ -d /proc/$PID ] || break; sleep 0.05; done
[ "$(cat "$W/out0" 2>/dev/null)" = PASS ] || fail "after the BPF dump the test says: $(cat "$W/out0" 2>/dev/null)"

"$ROOT/build/test/static/many_fds" --pidfile "$W/pid" --outfile "$W/out" || fail "test did not start"
PID=$(cat "$W/pid")
"$ROOT/build/test/helpers/nobpf" "$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" -v4 ||
	fail "dump failed: $(tail -2 "$W/dump.log")"
grep -q "told apart by kcmp" "$W/dump.log" || fail "the dump did not fall back to kcmp"
for i in $(seq 100); do [ -d /proc/$PID ] || break; sleep 0.05; done
"$CKPT" restore -D "$W/img" -d -o "$W/restore.log" -v4 || fail "restore failed: $(tail -2 "$W/restore.log")"
kill -TERM "$PID"
for i in $(seq 200); do [ -d /proc/$PID ] || break; sleep 0.05; done
[ "$(cat "$W/out" 2>/dev/null)" = PASS ] || fail "test says: $(cat "$W/out" 2>/dev/null)"
echo "PASS fd_kcmp (300 fds, descriptions told apart ${BPF}by kcmp)"
rm -rf "$W"
