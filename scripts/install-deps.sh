#!/bin/sh
# Install every Debian package that ckpt's build, tests and benchmarks need.
# Idempotent and quiet when everything is there.
set -e

PKGS="gcc make binutils pkg-config protobuf-c-compiler libprotobuf-c-dev
libnl-3-dev libcap-dev libbsd-dev libcmocka-dev jq btrfs-progs xfsprogs
e2fsprogs util-linux procps clang libclang-rt-14-dev sqlite3"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "install-deps: need root to install:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
