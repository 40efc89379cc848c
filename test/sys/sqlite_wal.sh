#!/bin/bash
# A real program's locks: sqlite3 with a database in WAL mode holds POSIX
# locks on the db-shm file (and maps it shared). It is dumped between two
# statements, restored, and must hold the very same locks (/proc/locks:
# kind, type, inode, range), go on with its transaction log and see its
# data. Its commands come through a FIFO the script keeps open.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
command -v sqlite3 >/dev/null || { echo "SKIP sqlite_wal: no sqlite3"; exit 77; }
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-sqlite.XXXXXX)
PID=
fail() { echo "FAIL sqlite_wal: $*"; echo "    (files in $W)"; [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; exit 1; }
gone() { for _ in $(seq 200); do [ -d "/proc/$1" ] || return 0; sleep 0.05; done; return 1; }
wait_out() { for _ in $(seq 200); do grep -q "$1" "$W/out" 2>/dev/null && return 0; sleep 0.05; done; return 1; }
# the locks of pid: "KIND TYPE INODE START END", sorted
locks_of() { awk -v p="$1" '$2 != "->" && $5 == p { split($6, d, ":"); print $2, $4, d[3], $7, $8 }' /proc/locks | sort; }

mkfifo "$W/in"
setsid sqlite3 -batch "$W/db" <"$W/in" >"$W/out" 2>&1 &
PID=$!
disown "$PID"  # the dump kills it: no "Killed" from bash
exec 3>"$W/in"
echo "PRAGMA journal_mode=WAL; CREATE TABLE t(x); INSERT INTO t VALUES(1); SELECT 'ready', count(*) FROM t;" >&3
wait_out "ready|1" || fail "sqlite3 did not start: $(cat "$W/out")"
BEFORE=$(locks_of "$PID")
SHM_INO=$(stat -c %i "$W/db-shm")
echo "$BEFORE" | grep -q "^POSIX .* $SHM_INO " || fail "sqlite3 holds no lock on db-shm: $BEFORE"

"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" -v4 || fail "dump failed: $(tail -2 "$W/dump.log")"
gone "$PID" || fail "sqlite3 still there after the dump"
[ -z "$(locks_of "$PID")" ] || fail "locks of $PID left after the dump"
"$CKPT" restore -D "$W/img" -d -o "$W/restore.log" -v4 || fail "restore failed: $(tail -2 "$W/restore.log")"
AFTER=$(locks_of "$PID")
[ "$BEFORE" = "$AFTER" ] || fail "locks differ: before
$BEFORE
after
$AFTER"
echo "INSERT INTO t VALUES(2); SELECT 'after', count(*), sum(x) FROM t;" >&3
wait_out "after|2|3" || fail "sqlite3 did not go on: $(cat "$W/out")"
exec 3>&-
gone "$PID" || fail "sqlite3 did not end at EOF"
[ "$(sqlite3 "$W/db" 'SELECT group_concat(x) FROM t;')" = "1,2" ] || fail "database content after restore"
N=$(echo "$BEFORE" | wc -l)
rm -rf "$W"
echo "PASS sqlite_wal ($N POSIX locks of sqlite3 in WAL mode held again after restore)"
