#!/bin/bash
# A lock that cannot be taken again fails the restore: the file_locks test is
# dumped, another process takes an flock on its file A, and the restore must
# exit 1 with one line naming the pid, the fd, the path and the lock, and
# leave no task of the tree. Once that process is gone, the same images
# restore and the test passes (its locks held as before).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-lockconflict.XXXXXX)
HOLDER=
fail() {
	echo "FAIL lock_conflict: $*"; echo "    (files in $W)"
	[ -n "${PID:-}" ] && kill -9 "$PID" 2>/dev/null
	[ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null
	exit 1
}
gone() { for _ in $(seq 200); do [ -d "/proc/$1" ] || return 0; sleep 0.05; done; return 1; }

mkdir "$W/d"
"$ROOT/build/test/static/file_locks" --pidfile "$W/pid" --outfile "$W/out" --dir "$W/d" ||
	fail "test did not start"
PID=$(cat "$W/pid")
"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" -v4 || fail "dump failed: $(tail -2 "$W/dump.log")"
PIDS=$("$CKPT" show "$W/img" | jq -r '.tasks[].pid')
[ -n "$PIDS" ] || fail "no tasks in the images"
all_gone() { for p in $PIDS; do gone "$p" || return 1; done; }
all_gone || fail "a task of $PID still there after the dump"

# another process holds an flock on A; "locked" once it has it
rm -f "$W/locked"
(exec 9>>"$W/d/a"; flock -x 9 && touch "$W/locked" && exec sleep 600) &
HOLDER=$!
for _ in $(seq 200); do [ -e "$W/locked" ] && break; sleep 0.05; done
[ -e "$W/locked" ] || fail "flock(1) did not take the lock"

"$CKPT" restore -D "$W/img" -d 2>"$W/err1" && fail "restore succeeded with A locked by another process"
[ "$(wc -l <"$W/err1")" = 1 ] || fail "restore said not one line: $(cat "$W/err1")"
grep -Eq "^ckpt: restore failed: pid $PID fd [0-9]+ \($W/d/a\): flock write lock: another process holds a conflicting lock" "$W/err1" ||
	fail "restore's line does not name pid, fd, path and lock: $(cat "$W/err1")"
all_gone || fail "a task of the tree left behind by the failed restore"

kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; HOLDER=
"$CKPT" restore -D "$W/img" -d -o "$W/restore.log" -v4 || fail "restore failed: $(tail -2 "$W/restore.log")"
kill -TERM "$PID"
gone "$PID" || fail "the restored test did not end"
[ "$(cat "$W/out" 2>/dev/null)" = PASS ] || fail "test says: $(cat "$W/out" 2>/dev/null)"
rm -rf "$W"
echo "PASS lock_conflict (a lock taken by another process fails the restore with one line)"
