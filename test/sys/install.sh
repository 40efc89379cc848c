#!/bin/bash
# make install puts one self-contained binary under DESTDIR/PREFIX/sbin; the
# installed ckpt reports the version the tree was built as and works alone
# (its blobs are inside it): `check` runs from the installed copy.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-install.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL install: $*"; exit 1; }

make -C "$ROOT" --no-print-directory install DESTDIR="$W/root" PREFIX=/usr >"$W/make.log" 2>&1 ||
	fail "make install: $(tail -3 "$W/make.log")"
BIN=$W/root/usr/sbin/ckpt
[ -x "$BIN" ] || fail "no $BIN"
want=$(sed -n 's/^VERSION[[:space:]]*:=[[:space:]]*//p' "$ROOT/Makefile")
got=$("$BIN" --version) || fail "--version exited $?"
[ "$got" = "ckpt $want (image version $(sed -n 's/^#define IMG_VERSION //p' "$ROOT/images/image.h"))" ] ||
	fail "--version printed '$got', Makefile says $want"
cp "$BIN" "$W/alone"
"$W/alone" check >"$W/check.out" 2>&1 || fail "installed ckpt check: $(tail -3 "$W/check.out")"
make -C "$ROOT" --no-print-directory uninstall DESTDIR="$W/root" PREFIX=/usr >/dev/null 2>&1
[ -e "$BIN" ] && fail "uninstall left $BIN"
echo "PASS install"
