#!/bin/bash
# Hostile image sets: a real dump (a sleep holding a FIFO with unread data
# and a file whose name is gone but that has another link), then copies of
# its set edited as an attacker would, re-sealed with test/tools/imgtool
# where the edit must get past the checksums. Each restore must be refused
# with one line naming the culprit, nothing of the tree left, and nothing
# outside the set written or removed:
#   a FIFO in place of an image        show and restore refuse at once (no hang)
#   a FIFO entry naming a regular file the file is not written
#   a relink name naming another file  the file is not removed
#   a thread id twice in pstree.img    refused before any task (was a 60 s stall)
#   a bit flipped in page data / mm    refused as a checksum mismatch, named
#   a set owned by uid 1000, or group-writable   refused, unless --trust-images
#   an escape sequence in a path       printed escaped
# Then the set owned by uid 1000 restores with --trust-images and the FIFO
# still holds its data.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CKPT=$ROOT/build/ckpt
IMGTOOL=$ROOT/build/test/tools/imgtool
export ASAN_OPTIONS=detect_leaks=0	# imgtool is a short-lived ASan build
[ "$(id -u)" = 0 ] || exit 77
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-hostile.XXXXXX)
chmod 0755 "$W"
PID=
fail() { echo "FAIL hostile_images: $*"; echo "    (files in $W)"; [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; exit 1; }

mkfifo "$W/fifo"
echo data >"$W/rel"
ln "$W/rel" "$W/rel-other"
setsid bash -c 'exec 3<>"$1/fifo" 4<"$1/rel"; printf 0123456789abcdef >&3; rm "$1/rel"; exec sleep 1000' \
	sh "$W" </dev/null >/dev/null 2>&1 &
PID=$!
disown
for i in $(seq 100); do
	[ "$(readlink /proc/$PID/exe 2>/dev/null)" = "$(readlink -f "$(command -v sleep)")" ] &&
		[ ! -e "$W/rel" ] && break
	sleep 0.05
done
"$CKPT" dump -t "$PID" -D "$W/img" -o "$W/dump.log" 2>"$W/dump.err" || fail "dump: $(cat "$W/dump.err")"
for i in $(seq 200); do [ -e /proc/$PID ] || break; sleep 0.05; done
[ -e /proc/$PID ] && fail "the dumped tree is still there"

# id of the file entry whose path ends so, from `ckpt show`
file_id() { "$CKPT" show "$W/img" | jq -r --arg p "$1" '.files[] | select(.path | endswith($p)) | .id' | head -1; }
FIFO_ID=$(file_id /fifo)
REL_ID=$(file_id /rel)
RELINK=$("$CKPT" show "$W/img" | jq -r --argjson id "${REL_ID:-0}" '.files[] | select(.id == $id) | .relink_name')
[ -n "$FIFO_ID" ] && [ -n "$REL_ID" ] && [[ $RELINK == "$W/.ckpt-link-"* ]] ||
	fail "the dump lacks the FIFO or the relinked file: fifo '$FIFO_ID' rel '$REL_ID' link '$RELINK'"

copy() { rm -rf "$W/bad"; cp -a "$W/img" "$W/bad"; }

# refused CMD... : exit 1 within the timeout, one line matching $RE, no task left
refused() {
	local tag=$1 re=$2 rc
	shift 2
	timeout 30 "$@" >"$W/$tag.out" 2>"$W/$tag.err"
	rc=$?
	[ $rc -eq 1 ] || fail "$tag: exit $rc, expected 1 ($(head -c 300 "$W/$tag.err"))"
	[ "$(wc -l <"$W/$tag.err")" -eq 1 ] && grep -Eq -- "$re" "$W/$tag.err" ||
		fail "$tag: stderr is not one line matching '$re': $(head -c 300 "$W/$tag.err")"
	[ -e /proc/$PID ] && fail "$tag: pid $PID exists after a refused restore"
	return 0
}
R=("$CKPT" restore -D "$W/bad" -d)

# a FIFO in place of an image
copy
rm "$W/bad/core-$PID.img"
mkfifo "$W/bad/core-$PID.img"
refused fifo-show "core-$PID\.img: not a regular file" "$CKPT" show "$W/bad"
refused fifo-restore "core-$PID\.img: not a regular file" "${R[@]}"

# a FIFO entry edited to name a regular file (and to say it is one): never written
printf 'VICTIM' >"$W/victim"
copy
"$IMGTOOL" file "$W/bad" "$FIFO_ID" path="$W/victim" mode=100600 ino="$(stat -c %i "$W/victim")" || fail "imgtool"
refused fifo-path "$W/victim: not a FIFO" "${R[@]}"
[ "$(cat "$W/victim")" = VICTIM ] || fail "fifo-path: the victim file was written: $(head -c 64 "$W/victim" | od -c | head -2)"

# a relink name edited to name another file (with its inode number): never removed
printf 'KEEP' >"$W/keep"
copy
"$IMGTOOL" file "$W/bad" "$REL_ID" relink_name="$W/keep" ino="$(stat -c %i "$W/keep")" || fail "imgtool"
refused relink-name "relink name $W/keep is not ckpt's" "${R[@]}"
[ "$(cat "$W/keep" 2>/dev/null)" = KEEP ] || fail "relink-name: $W/keep was removed or changed"
[ -e "$RELINK" ] || fail "relink-name: ckpt's own link $RELINK is gone"

# a thread id twice in the tree
copy
"$IMGTOOL" pstree "$W/bad" "$PID" add-thread="$PID" || fail "imgtool"
refused dup-tid "pstree\.img: id $PID is twice in the tree" "${R[@]}"

# bits flipped: in page data (read by the restorer, not by ckpt) and in a record
flip() { # FILE OFFSET
	local b
	b=$(od -An -tu1 -j"$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((b ^ 4)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
copy
flip "$W/bad/pages-$PID.img" $((4096 + 5000))
refused pages-flip "pages-$PID\.img: checksum mismatch" "${R[@]}"
copy
flip "$W/bad/mm-$PID.img" 40
refused mm-flip "mm-$PID\.img: checksum mismatch" "${R[@]}"

# an escape sequence in a path from the images is printed escaped
copy
"$IMGTOOL" file "$W/bad" "$FIFO_ID" path="$W/x$(printf '\033')[31my" || fail "imgtool"
refused escape 'x\\x1b\[31my' "${R[@]}"
grep -q "$(printf '\033')" "$W/escape.err" && fail "escape: a raw ESC on stderr"

# owned by someone else, or writable by others: refused unless trusted
copy
chmod g+w "$W/bad/files.img"
refused group-writable "files\.img: writable by others" "${R[@]}"
copy
chown -R 1000:1000 "$W/bad"
refused other-owner "owned by uid 1000, not by the restoring uid 0" "${R[@]}"
# trusted: restored, and the FIFO still holds what was unread
"${R[@]}" --trust-images --pidfile "$W/pid" -o "$W/trusted.log" 2>"$W/trusted.err" ||
	fail "--trust-images: $(cat "$W/trusted.err")"
[ "$(cat "$W/pid")" = "$PID" ] || fail "--trust-images: restored as $(cat "$W/pid")"
got=$(timeout 10 dd if="/proc/$PID/fd/3" bs=16 count=1 iflag=nonblock status=none 2>/dev/null)
kill -9 "$PID"
for i in $(seq 200); do [ -e /proc/$PID ] || break; sleep 0.05; done
[ "$got" = 0123456789abcdef ] || fail "--trust-images: the FIFO holds '$got'"
[ -n "${KEEP:-}" ] || rm -rf "$W"
echo "PASS hostile_images"
