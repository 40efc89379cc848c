#!/bin/bash
# Files ckpt writes for the user, and a restore that fails at its very end.
#
#  - restore --pidfile that cannot be written (no such directory; a symlink;
#    a file of another user; a FIFO): exit 1 with one line naming the
#    pidfile, and the new tree killed (no task with its pid left); the
#    symlink's target and the other user's file untouched.
#  - -o LOG: a symlink is refused (its target untouched); a relative LOG
#    goes into the images directory; the log is 0600.
#  - a pidfile of ours that exists is rewritten with the root's pid, and the
#    tree restored that way checks its own state (PASS).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
TEST=$ROOT/build/test/static/env00
if [ "${USER_FILES_REAPER:-}" != "$PPID" ]; then
	export USER_FILES_REAPER=$$
	exec "$ROOT/build/test/helpers/subreaper" bash "$0" "$@"
fi
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-userfiles.XXXXXX)
PID=""
fail() {
	echo "FAIL user_files: $*"
	echo "    (files in $W)"
	[ -n "$PID" ] && kill -9 "$PID" 2>/dev/null
	exit 1
}
gone() {
	local i
	for i in $(seq 400); do [ -d /proc/"$PID" ] || return 0; sleep 0.05; done
	return 1
}

"$TEST" --pidfile "$W/pid" --outfile "$W/out" || fail "test did not start"
PID=$(cat "$W/pid")
"$CKPT" dump -t "$PID" -D "$W/img" -o dump.log || fail "dump failed"
[ -f "$W/img/dump.log" ] || fail "a relative -o did not go into the images directory"
[ "$(stat -c %a "$W/img/dump.log")" = 600 ] || fail "the log is $(stat -c %a "$W/img/dump.log"), not 600"
gone || fail "the dumped task is still there"

# the restore must fail, say so in one line naming the pidfile, and leave no task
refused() {
	local what=$1 pidfile=$2 rc
	timeout 60 "$CKPT" restore -D "$W/img" -d --pidfile "$pidfile" -o "$W/r.log" 2>"$W/r.err"
	rc=$?
	[ $rc = 1 ] || fail "$what: restore exited $rc, expected 1: $(cat "$W/r.err")"
	[ "$(wc -l <"$W/r.err")" = 1 ] && grep -q "^ckpt: restore failed: .*pidfile $pidfile" "$W/r.err" ||
		fail "$what: not one line naming the pidfile: $(cat "$W/r.err")"
	gone || fail "$what: the restored task $PID was left running"
}

refused "no such directory" "$W/nodir/pid"
echo keep >"$W/victim"
ln -s "$W/victim" "$W/link"
refused "symlink" "$W/link"
[ "$(cat "$W/victim")" = keep ] || fail "the pidfile symlink's target was written"
echo other >"$W/others"
chown nobody "$W/others" || fail "chown nobody"
refused "another user's file" "$W/others"
[ "$(cat "$W/others")" = other ] || fail "another user's pidfile was written"
mkfifo "$W/fifo"
refused "FIFO" "$W/fifo"

"$CKPT" restore -D "$W/img" -d -o "$W/link" 2>"$W/l.err"
rc=$?
[ $rc = 1 ] || fail "restore with -o a symlink exited $rc: $(cat "$W/l.err")"
[ "$(cat "$W/victim")" = keep ] || fail "the log symlink's target was written"
[ -d /proc/"$PID" ] && fail "a restore refused at its log left task $PID"

echo 99999999 >"$W/good.pid"
"$CKPT" restore -D "$W/img" -d --pidfile "$W/good.pid" -o restore.log 2>"$W/g.err" ||
	fail "restore failed: $(cat "$W/g.err")"
[ "$(cat "$W/good.pid")" = "$PID" ] || fail "pidfile says '$(cat "$W/good.pid")', not $PID"
[ -f "$W/img/restore.log" ] || fail "a relative -o of restore did not go into the images directory"
kill -TERM "$PID"
gone || fail "the restored task did not end after SIGTERM"
[ "$(cat "$W/out" 2>/dev/null)" = PASS ] || fail "the restored task says: $(cat "$W/out" 2>/dev/null)"
echo "PASS user_files (pidfile refused 4 ways with the tree killed, log symlink refused, relative -o in the images directory, 0600)"
rm -rf "$W"
