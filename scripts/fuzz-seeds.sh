#!/bin/bash
# Make the seed corpus of the image fuzz target (fuzz/corpus/) from real
# dumps: a sleep holding a FIFO with data, a pipe and a file whose name is
# gone; a two-process tree with threads (test/static/threads and tree).
# Needs root and a built tree (make). Run by hand when the image format
# changes; the corpus is committed.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-seeds.XXXXXX)
trap 'rm -rf "$W"' EXIT
export ASAN_OPTIONS=detect_leaks=0
mkdir -p "$ROOT/fuzz/corpus"

# dump PID NAME: the set of PID packed as fuzz/corpus/NAME (the tree is killed)
dump() {
	"$B/ckpt" dump -t "$1" -D "$W/$2" -o "$W/$2.log"
	"$B/test/tools/imgtool" pack "$W/$2" "$ROOT/fuzz/corpus/$2"
}

mkfifo "$W/fifo"
echo data >"$W/gone"
setsid bash -c 'exec 3<>"$1/fifo" 4<"$1/gone" 5< <(sleep 1000); printf hello >&3; rm "$1/gone"; exec sleep 1000' \
	sh "$W" </dev/null >/dev/null 2>&1 &
pid=$!
sleep 0.5
dump $pid sleep-fifo-ghost

"$B/test/static/threads" --pidfile "$W/threads.pid" --outfile "$W/threads.out" </dev/null >/dev/null 2>&1 &
for i in $(seq 100); do [ -s "$W/threads.pid" ] && break; sleep 0.05; done
sleep 0.3
dump "$(cat "$W/threads.pid")" threads
ls -l "$ROOT/fuzz/corpus"
