#!/bin/bash
# A dump that cannot seize its tree says why, in its one line, naming the
# pid (and never with an errno number): no such process, a zombie root,
# pid 1, a kernel thread, a tree that contains ckpt itself, a task traced
# by another tracer (named with its comm), a caller that may not ptrace the
# task (another uid). Each exits 1 and leaves no image behind; the live
# tasks involved run on untraced by ckpt. Dumps use --leave-running: a
# refusal that did not happen must not kill anything here.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-seizeerr.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; }
trap cleanup EXIT
fail() { echo "FAIL seize_errors: $*"; echo "    (files in $W)"; exit 1; }
N=0

# expect NAME REGEX CKPT-ARGS...: exit 1, one line matching, no image left
expect() {
	local name=$1 re=$2 rc
	shift 2
	rm -rf "$W/img"
	"$@" >"$W/$name.out" 2>"$W/$name.err"
	rc=$?
	[ $rc -eq 1 ] || fail "$name: exit $rc, expected 1: $(head -c 300 "$W/$name.err")"
	[ "$(wc -l <"$W/$name.err")" -eq 1 ] || fail "$name: not one line: $(head -c 300 "$W/$name.err")"
	grep -Eq "^ckpt: dump failed: $re" "$W/$name.err" ||
		fail "$name: '$(cat "$W/$name.err")' does not match '$re'"
	if grep -Eq 'error [0-9]|errno [0-9]|: -?[0-9]+$' "$W/$name.err"; then
		fail "$name: an errno number: $(cat "$W/$name.err")"
	fi
	[ -z "$(ls -A "$W/img" 2>/dev/null)" ] || fail "$name: images left: $(ls "$W/img")"
	N=$((N + 1))
}

untraced() { [ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$1/status")" = "${2:-0}" ]; }

# no such process: a pid that was just reaped
sleep 0 & gone=$!
wait $gone
expect nosuch "pid $gone: no such process" "$CKPT" dump -t $gone -D "$W/img" -R

# a zombie root: its parent (sleep, exec'd) never reaps it
sh -c 'sleep 0 & echo $! >"$1"; exec sleep 1000' sh "$W/zpid" & PIDS+=($!)
for i in $(seq 100); do
	z=$(cat "$W/zpid" 2>/dev/null)
	[ -n "$z" ] && [ "$(awk '{ print $3 }' /proc/$z/stat 2>/dev/null)" = Z ] && break
	sleep 0.05
done
[ "$(awk '{ print $3 }' /proc/$z/stat 2>/dev/null)" = Z ] || fail "no zombie made"
expect zombie "pid $z \(sleep\): a zombie \(it exited; its parent [0-9]+ has not reaped it\)" \
	"$CKPT" dump -t "$z" -D "$W/img" -R

expect init "pid 1: init, the ancestor of every process and of ckpt: cannot be dumped" \
	"$CKPT" dump -t 1 -D "$W/img" -R
expect kthread "pid 2 \(kthreadd\): a kernel thread: cannot be dumped" \
	"$CKPT" dump -t 2 -D "$W/img" -R

# a tree that contains ckpt: the root is this shell, ckpt is its child
expect self "pid $$: the tree contains ckpt itself \(pid [0-9]+ is its child\)" \
	"$CKPT" dump -t $$ -D "$W/img" -R
untraced $$ || fail "self: this shell is still traced"

# traced by someone else: the tracer is named
sleep 1000 & victim=$!
PIDS+=($victim)
coproc TR { exec "$ROOT/build/test/helpers/tracer" "$victim"; }
PIDS+=($TR_PID)
read -r -t 10 line <&"${TR[0]}" && [ "$line" = ready ] || fail "tracer did not start"
expect traced "pid $victim tid $victim: cannot seize: EPERM: traced by pid $TR_PID \(tracer\)" \
	"$CKPT" dump -t "$victim" -D "$W/img" -R
untraced "$victim" "$TR_PID" || fail "traced: the victim's tracer changed"
{ kill -9 "$TR_PID"; wait "$TR_PID"; } 2>/dev/null

# a caller that may not ptrace the task: ckpt as nobody, the task root's
chmod 0777 "$W"
expect uid "pid $victim tid $victim: cannot seize: EPERM: it belongs to uid 0, ckpt runs as uid 65534 without CAP_SYS_PTRACE" \
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$CKPT" dump -t "$victim" -D "$W/img" -R
[ -d /proc/$victim ] && untraced "$victim" || fail "uid: the task died or is traced"

rm -rf "$W"
echo "PASS seize_errors ($N refusals, each one line naming the cause)"
