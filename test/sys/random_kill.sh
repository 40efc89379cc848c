#!/bin/bash
# A ckpt SIGKILLed at any moment leaves nothing behind.
#
# Dump: the tree test (5 processes, 2 threads each) is dumped with
# --leave-running while ckpt is SIGKILLed after a delay chosen at random
# from 0 to 1.2 times the measured length of a whole dump (the shortest of three) (a dump that
# finished first counts as done). Every time, once ckpt is dead: each
# task's /proc/PID/maps and fd table (targets, positions, flags) are exactly
# as before (within a generous deadline: the tasks undo the parasite by
# themselves), nothing traces the tree, a killed dump left no inventory.img
# (no image set that looks complete) and no .ckpt-* name.
#
# Restore: a dump of the tree is restored with -d while ckpt is SIGKILLed
# at a random point of a measured restore likewise. Every time: no task
# with a pid of the tree is left (the restored tasks notice ckpt is gone
# and exit), and a retry restores the tree at once. At the end the tree,
# restored once more, checks its own state (PASS).
#
# KILLS (default 40) kills of each. Exit 0 pass, 1 fail.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
TEST=$ROOT/build/test/static/tree
KILLS=${KILLS:-40}
# orphans (a killed restore's tasks) must be reaped at once: run under our own subreaper
if [ "${RANDOM_KILL_REAPER:-}" != "$PPID" ]; then
	export RANDOM_KILL_REAPER=$$
	exec "$ROOT/build/test/helpers/subreaper" bash "$0" "$@"
fi
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-randkill.XXXXXX)
PIDS=""
fail() {
	echo "FAIL random_kill: $*"
	echo "    (files in $W)"
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	exit 1
}

# every pid of the tree rooted at $1
tree_pids() {
	local p c
	for p in "$@"; do
		echo "$p"
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_pids "$c"; done
	done
}

# maps and fds of every task of $PIDS, and who traces its threads
snapshot() {
	local p
	for p in $PIDS; do
		echo "== task $p"
		cat "/proc/$p/maps" 2>&1
		find "/proc/$p/fd" -mindepth 1 -printf 'fd %f -> %l\n' 2>&1 | sort
		grep -E '^(pos|flags):' "/proc/$p"/fdinfo/* 2>&1 | sort
		grep -H TracerPid "/proc/$p"/task/*/status 2>&1
	done
}

# until $1 holds (a command), at most 20 s (a loaded machine): 0, or 1
wait_for() {
	local i
	for i in $(seq 400); do
		"$@" && return 0
		sleep 0.05
	done
	return 1
}

same_as_before() { snapshot >"$W/snap.now"; cmp -s "$W/snap.before" "$W/snap.now"; }
none_left() { local p; for p in $PIDS; do [ -d /proc/"$p" ] && return 1; done; return 0; }
all_there() { local p; for p in $PIDS; do [ -d /proc/"$p" ] || return 1; done; return 0; }

# a random delay in microseconds, 1 .. $1
rand_us() { echo $(( (RANDOM * 32768 + RANDOM) % $1 + 1 )); }
secs() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }

# the shortest of three runs of "$@", in microseconds (others' load only adds)
measure() {
	local i t0 t1 min=0
	for i in 1 2 3; do
		t0=$(date +%s%6N)
		"$@" || return 1
		t1=$(date +%s%6N)
		[ $min = 0 ] || [ $((t1 - t0)) -lt $min ] && min=$((t1 - t0))
	done
	echo "$min"
}

"$TEST" --pidfile "$W/pid" --outfile "$W/out" || fail "test did not start"
ROOTPID=$(cat "$W/pid")
PIDS=$(tree_pids "$ROOTPID" | sort -n | tr '\n' ' ')
[ "$(echo $PIDS | wc -w)" -ge 5 ] || fail "the tree has not all its processes: $PIDS"
snapshot >"$W/snap.before"

n=0
dump_once() { n=$((n + 1)); rm -rf "$W/m$n"; "$CKPT" dump -t "$ROOTPID" -D "$W/m$n" -R -o "$W/m$n.log"; }
DUMP_US=$(measure dump_once) || fail "dump --leave-running failed: $(tail -2 "$W/m$n.log")"
wait_for same_as_before || fail "a whole dump --leave-running changed the tree: $(diff "$W/snap.before" "$W/snap.now" | head -5)"

echo "random_kill: dumps of ${DUMP_US} us (${SECONDS}s)"
killed=0
for i in $(seq "$KILLS"); do
	d=$(rand_us $((DUMP_US * 12 / 10)))
	img=$W/d$i
	timeout --foreground --preserve-status -s KILL "$(secs "$d")" "$CKPT" dump -t "$ROOTPID" -D "$img" -R -o "$W/d$i.log" -v4 \
		2>"$W/d$i.err"
	rc=$?
	case $rc in
	0) ;;
	137) killed=$((killed + 1))
	     # killed after its last step: the set must then be whole
	     [ -e "$img/inventory.img" ] && ! "$CKPT" show "$img" >/dev/null 2>&1 &&
		fail "dump killed after ${d} us left an image set that looks complete and is not" ;;
	*) fail "dump (to be killed after ${d} us) exited $rc: $(cat "$W/d$i.err")" ;;
	esac
	wait_for same_as_before ||
		fail "dump killed after ${d} us (exit $rc) left the tree changed: $(diff "$W/snap.before" "$W/snap.now" | head -8)"
	left=$(find "$W" "$ROOT" -maxdepth 1 -name '.ckpt-*' 2>/dev/null)
	[ -z "$left" ] && left=$(find "$img" -name '.ckpt-*' 2>/dev/null)
	[ -n "$left" ] && fail "dump killed after ${d} us left $left"
	rm -rf "$img"
done
[ "$killed" -ge $((KILLS / 4)) ] || fail "only $killed of $KILLS dumps were killed before they ended"

# the tree goes into a dump of its own, and is gone
"$CKPT" dump -t "$ROOTPID" -D "$W/img" -o "$W/dump.log" || fail "dump failed: $(tail -2 "$W/dump.log")"
wait_for none_left || fail "the dumped tree is still there"

m=0
restore_once() {
	m=$((m + 1))
	"$CKPT" restore -D "$W/img" -d -o "$W/mr$m.log" || return 1
	wait_for all_there || return 1
	kill -9 $PIDS
	wait_for none_left
}
RESTORE_US=$(measure restore_once) || fail "restore failed: $(tail -2 "$W/mr$m.log")"

echo "random_kill: restores of ${RESTORE_US} us (${SECONDS}s)"
rkilled=0
for i in $(seq "$KILLS"); do
	d=$(rand_us $((RESTORE_US * 12 / 10)))
	timeout --foreground --preserve-status -s KILL "$(secs "$d")" "$CKPT" restore -D "$W/img" -d -o "$W/r$i.log" -v4 2>"$W/r$i.err"
	rc=$?
	case $rc in
	0) kill -9 $PIDS ;;	# it finished first: the whole tree runs
	137) rkilled=$((rkilled + 1)) ;;
	*) fail "restore (to be killed after ${d} us) exited $rc: $(cat "$W/r$i.err")" ;;
	esac
	wait_for none_left || fail "restore killed after ${d} us (exit $rc) left tasks: $(for p in $PIDS; do [ -d /proc/$p ] && echo "$p: $(grep -E '^(State|SigBlk)' /proc/$p/status | tr '\n' ' ')"; done)"
	# a retry works at once
	"$CKPT" restore -D "$W/img" -d -o "$W/rr$i.log" 2>"$W/rr$i.err" ||
		fail "a retry after a restore killed after ${d} us failed: $(cat "$W/rr$i.err")"
	wait_for all_there || fail "retried restore: the tree is not all there"
	kill -9 $PIDS
	wait_for none_left || fail "the retried tree did not die"
done
[ "$rkilled" -ge $((KILLS / 4)) ] || fail "only $rkilled of $KILLS restores were killed before they ended"

"$CKPT" restore -D "$W/img" -d -o "$W/restore.log" || fail "last restore failed: $(tail -2 "$W/restore.log")"
kill -TERM "$ROOTPID"
wait_for none_left || fail "the restored tree did not end after SIGTERM"
[ "$(cat "$W/out" 2>/dev/null)" = PASS ] || fail "the restored tree says: $(cat "$W/out" 2>/dev/null)"
echo "PASS random_kill (dump killed $killed of $KILLS times in ${DUMP_US} us runs, restore $rkilled of $KILLS in ${RESTORE_US} us; ${SECONDS}s)"
rm -rf "$W"
