#!/bin/bash
# make demo: a real process is checkpointed and restored, and counts on.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
CKPT=$B/ckpt

# A subreaper adopts the counter, so its old pid is free as soon as it dies.
if [ "${CKPT_DEMO_REAPER:-}" != 1 ]; then
	export CKPT_DEMO_REAPER=1
	exec "$B/test/helpers/subreaper" bash "$0" "$@"
fi
if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root (ptrace and clone3 with set_tid)" >&2
	exit 1
fi

W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-demo.XXXXXX)
trap '[ -n "${RP:-}" ] && kill -9 $RP 2>/dev/null; rm -rf "$W"' EXIT

echo "== starting a counter (16 MiB of heap, a register loop, a log file)"
setsid "$B/test/helpers/demo_counter" >"$W/counter.log" 2>&1 </dev/null &
PID=$!
sleep 1.5
sed 's/^/   | /' "$W/counter.log"

echo "== ckpt dump -t $PID -D $W/img   (the counter is frozen, dumped, killed)"
"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log"
{ wait "$PID"; } 2>/dev/null || true
LAST=$(tail -1 "$W/counter.log")
echo "   last line before the dump: $LAST"
kill -0 "$PID" 2>/dev/null && { echo "the counter is still running?"; exit 1; }
echo "   pid $PID is gone"

echo "== the image set"
du -sh "$W/img" | sed 's/^/   /'
"$CKPT" show "$W/img" | jq -r '.tasks[] |
	"   pid \(.pid) \(.comm): \(.threads | length) thread(s), \(.mm.vmas | length) mappings, \(.pagemap.nr_pages) pages dumped",
	(.fds[] | "     fd \(.fd) -> \(.path) pos \(.pos)")'

echo "== ckpt restore -D $W/img -d --pidfile $W/pid"
"$CKPT" restore -D "$W/img" -d --pidfile "$W/pid" -o "$W/restore.log"
RP=$(cat "$W/pid")
echo "   restored as pid $RP (same pid: $([ "$RP" = "$PID" ] && echo yes || echo NO))"
sleep 1.5
echo "== it counts on from where it was:"
grep -A3 -F "$LAST" "$W/counter.log" | sed 's/^/   | /'
kill -9 "$RP"
{ wait "$RP"; } 2>/dev/null || true
RP=
echo "== done"
