#!/bin/bash
# test/run compares the kernel-visible state of every task before and after
# (test/helpers/procstate): it must catch a loss by itself. The threads test
# is run in leave-running and roundtrip, first as is (it must pass: the
# failures below come from the injected change, not from something else),
# then with ZDTM_STATE_INJECT, which makes test/run change one thing of the
# tree just before it compares - as a dump or restore that lost it would:
# oom_score_adj (per process), the nice value of one thread (per thread),
# the soft RLIMIT_NOFILE. Each run must fail, in both flavours, with a line
# that names the task, the field and both values. And procstate itself must
# see a lock the tree holds (and none it does not).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-statecmp.XXXXXX)
fail() { echo "FAIL state_compare: $*"; echo "    (files in $W)"; exit 1; }

run() {	# $1: what to inject ("" none); output in $W/run-$1.log
	# (in $W: the work dirs that the failing runs keep go with it)
	ZDTM_STATE_INJECT=$1 TMPDIR=$W "$ROOT/test/run" -f leave-running,roundtrip threads \
		>"$W/run-${1:-none}.log" 2>&1
}

run "" || fail "threads fails without any change: $(grep -m1 '^FAIL' "$W/run-none.log")"

# $1 inject, $2 ERE of "ID KEY" as the runner prints them; the values are
# captured and must differ by one
expect() {
	local inject=$1 re=$2 fl line
	if run "$inject"; then
		fail "$inject changed, yet test/run passed"
	fi
	for fl in leave-running roundtrip; do
		line=$(grep -E "^FAIL threads \($fl\): " "$W/run-$inject.log") ||
			fail "$inject: no FAIL line for $fl: $(head -c 300 "$W/run-$inject.log")"
		if ! [[ $line =~ $re:\ before\ \'([^\']*)\',\ after\ \'([^\']*)\' ]]; then
			fail "$inject ($fl): the failure does not name '$re' with both values: $line"
		fi
		local b=${BASH_REMATCH[-2]} a=${BASH_REMATCH[-1]}
		# the first number of each value: the injected one
		b=${b%% *}
		a=${a%% *}
		[ $((a - b)) = 1 ] || [ $((b - a)) = 1 ] ||
			fail "$inject ($fl): values '$b' and '$a' are not the injected change: $line"
	done
}

# the tree's lines of /proc/locks: this shell has a file flock(1) locked
# (the pid /proc/locks shows is flock's, gone: "other"), procstate must
# show it as the tree's, in /proc/locks and in the fd's fdinfo, and no more
# once it is released
exec 9>"$W/lockfile"
flock -x 9 || fail "flock"
"$ROOT/build/test/helpers/procstate" $$ >"$W/lock.state"
flock -u 9
exec 9>&-
"$ROOT/build/test/helpers/procstate" $$ >"$W/nolock.state"
LOCK='FLOCK\.ADVISORY\.WRITE\.other\.[0-9a-f]+:[0-9a-f]+:[0-9]+\.0\.EOF'
grep -Eq "^tree lock\.$LOCK=held\$" "$W/lock.state" ||
	fail "procstate does not show the flock in the tree's locks: $(grep '^tree' "$W/lock.state")"
grep -Eq "^$$ fd\.9\.lock\.0=$LOCK\$" "$W/lock.state" ||
	fail "procstate does not show the flock in fd 9's fdinfo: $(grep 'fd\.9\.' "$W/lock.state")"
grep -q "^tree lock\." "$W/nolock.state" && fail "procstate shows a lock after its release: $(grep '^tree lock' "$W/nolock.state")"

expect oom_score_adj '[0-9]+ oom_score_adj'
expect nice '[0-9]+/[0-9]+ sched\.nice'
expect nofile '[0-9]+ limit\.Max_open_files'

echo "PASS state_compare (oom_score_adj, a thread's nice, RLIMIT_NOFILE: each named in leave-running and roundtrip; a flock seen)"
rm -rf "$W"
