#!/bin/bash
# A job of a shell, on the shell's terminal (a pty from script(1)), not a
# session leader: ckpt dump refuses it without --shell-job, dumps it with;
# ckpt restore --shell-job from another terminal puts it there, in that
# session, and waits for it: the job counts on and its exit status comes out.
# The job set its terminal's mode (no echo, not canonical, 33x111) and checks
# it at every tick: the new terminal gets the mode the job left.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
PROG=$ROOT/build/test/helpers/tty_counter
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-shelljob.XXXXXX)
fail() { echo "FAIL shell_job: $*"; echo "    (files in $W)"; exit 1; }
command -v script >/dev/null || { echo "SKIP shell_job: no script(1)"; exit 77; }

# the first shell: its job prints ticks to the pty; script copies them out
script -qfec "sh -c '$PROG 300 & echo \$! > $W/pid; wait'" /dev/null >"$W/before.txt" 2>&1 &
SCRIPT=$!
for i in $(seq 100); do [ -s "$W/pid" ] && grep -q 'tick 5 ' "$W/before.txt" && break; sleep 0.05; done
PID=$(cat "$W/pid" 2>/dev/null)
[ -n "$PID" ] && [ -d /proc/$PID ] || fail "job did not start"
SID=$(awk '{ print $6 }' /proc/$PID/stat)
[ "$SID" != "$PID" ] || fail "job is a session leader"

"$CKPT" dump -t "$PID" -D "$W/img0" -o "$W/dump0.log" 2>"$W/dump0.err"
rc=$?
[ $rc -eq 1 ] || fail "dump without --shell-job exited $rc, expected 1"
[ "$(wc -l <"$W/dump0.err")" -eq 1 ] && grep -q -- '--shell-job' "$W/dump0.err" ||
	fail "refusal does not name --shell-job: $(cat "$W/dump0.err")"
[ -d /proc/$PID ] || fail "job died after the refused dump"

"$CKPT" dump -t "$PID" -D "$W/img" --shell-job -o "$W/dump.log" -v4 2>"$W/dump.err" ||
	fail "dump --shell-job failed: $(cat "$W/dump.err")"
for i in $(seq 100); do [ -d /proc/$PID ] || break; sleep 0.05; done
[ -d /proc/$PID ] && fail "job still alive after the dump"
kill $SCRIPT 2>/dev/null; wait $SCRIPT 2>/dev/null
LAST=$(grep -o 'tick [0-9]*' "$W/before.txt" | tail -1 | cut -d' ' -f2)

"$CKPT" restore -D "$W/img" -o "$W/r0.log" </dev/null >/dev/null 2>"$W/r0.err"
[ $? -eq 1 ] && grep -q -- '--shell-job' "$W/r0.err" ||
	fail "restore without --shell-job: $(cat "$W/r0.err")"
[ -d /proc/$PID ] && fail "refused restore left pid $PID"

# the second shell waits for the restored job, through ckpt restore
timeout 60 script -qfec "$CKPT restore --shell-job -D $W/img -o $W/restore.log -v4" /dev/null \
	>"$W/after.txt" 2>&1
rc=$?
[ $rc -eq 7 ] || fail "restore --shell-job exited $rc, expected the job's 7: $(tail -3 "$W/after.txt")"
FIRST=$(grep -o 'tick [0-9]*' "$W/after.txt" | head -1 | cut -d' ' -f2)
[ -n "$FIRST" ] && [ "$FIRST" -eq $((LAST + 1)) ] ||
	fail "restored job started at tick '$FIRST', it was at $LAST"
grep -q 'tick 300 tty [01]11' "$W/after.txt" || fail "restored job did not count to the end on a terminal"
grep -q BROKEN "$W/after.txt" && fail "job state broken: $(grep BROKEN "$W/after.txt")"
echo "PASS shell_job (dumped at tick $LAST, restored at tick $FIRST, exit 7)"
rm -rf "$W"
exit 0
