#!/bin/bash
#
# scripts/fsmatrix.sh — the filesystem matrix of the file tests: real
# filesystems on loop devices (sparse image files), mounted under one
# directory, one test directory on each.
#
#   scripts/fsmatrix.sh up DIR [NAME...]   make and mount; print "NAME PATH" lines
#   scripts/fsmatrix.sh down DIR           unmount, detach, remove DIR
#   scripts/fsmatrix.sh list DIR           print the "NAME PATH" lines again
#   scripts/fsmatrix.sh clean DIR NAME     empty NAME's test dir for the next test
#   scripts/fsmatrix.sh names              every NAME this script knows
#
# NAME (test directories; a filter NAME that is no exact name selects every
# name that starts with NAME-, so "btrfs" means all three btrfs ones):
#
#   ext4           DIR/ext4/t            ext4, 4 KiB blocks, 64 MiB
#   xfs            DIR/xfs/t             xfs, 300 MiB (its minimum)
#   btrfs-sub1     DIR/btrfs/sub1        subvolume sub1 of a btrfs (256 MiB)
#   btrfs-sub2     DIR/btrfs/sub2        subvolume sub2 of the same btrfs, both
#                                        seen through the mount of the top level
#                                        (same inode numbers, other st_dev)
#   btrfs-sub2mnt  DIR/btrfs-sub2        the same sub2, mounted once more by
#                                        itself (-o subvol=sub2): same files,
#                                        another mount
#   tmpfs          DIR/tmpfs/t           tmpfs, 64 MiB
#   overlay        DIR/overlay/t         a new directory in an overlayfs: files
#                                        made there live in the upper layer
#   overlay-lower  DIR/overlay-lower/d   a directory of the lower layer in
#                                        another overlayfs mount: it holds
#                                        files that come from the lower layer:
#                                          lower-a   4096 bytes of 'a'
#                                          lower-b   8192 bytes of 'b'
#                                          lower-h1, lower-h2  one inode (two
#                                                    hard links), 4096 bytes of 'h'
#                                          lower-empty  an empty file
#                                          lower-dir/f  "f\n"
#                                        clean puts them back (unmount, empty
#                                        the upper layer, mount again)
#
# Both overlays share one lower directory; their upper and work directories
# live on a tmpfs of their own (DIR/ovl), never on a test filesystem.
#
# up makes what it can: a filesystem that cannot be made (module or mkfs
# missing) is skipped with a warning on stderr, and nothing of it stays
# mounted. Nothing but the NAME PATH lines goes to stdout. Needs root.
# Loop devices are detached right after their filesystem is mounted: the
# kernel then frees them at the last unmount (autoclear), so an unmount
# is all it takes even without down.
#
# down works after a partial up and when called twice: it unmounts every
# mount under DIR (deepest first), detaches every loop device backed by an
# image of DIR/img, and removes DIR (never crossing into a mount: if one
# cannot be unmounted, DIR stays and down exits 1).

set -u

ALL_NAMES="ext4 xfs btrfs-sub1 btrfs-sub2 btrfs-sub2mnt tmpfs overlay overlay-lower"

warn() { echo "fsmatrix: $*" >&2; }
die() { warn "$*"; exit 1; }

usage() {
	sed -n '3,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# Expand filter names (exact name, or prefix "NAME-") into known names.
select_names() {
	local want n out=
	[ $# -eq 0 ] && { echo "$ALL_NAMES"; return 0; }
	for want in "$@"; do
		local hit=
		for n in $ALL_NAMES; do
			if [ "$n" = "$want" ]; then
				hit=$n
				break
			fi
		done
		if [ -z "$hit" ]; then
			for n in $ALL_NAMES; do
				case $n in "$want"-*) hit="$hit $n" ;; esac
			done
		fi
		[ -n "$hit" ] || die "unknown filesystem name '$want' (known: $ALL_NAMES)"
		out="$out $hit"
	done
	# known order, no duplicates
	for n in $ALL_NAMES; do
		case " $out " in *" $n "*) printf '%s ' "$n" ;; esac
	done
	echo
}

# Mount points under DIR, deepest first.
mounts_under() {
	findmnt -rn -o TARGET | awk -v d="$1" 'index($0, d "/") == 1 || $0 == d' |
		awk '{ print length($0), $0 }' | sort -rn | cut -d' ' -f2-
}

do_umount() {
	umount "$1" 2>/dev/null && return 0
	# a process of a failed test may still hold a file: detach it anyway
	umount -l "$1" 2>/dev/null
}

detach_images() {
	local img loop
	for img in "$1"/img/*.img; do
		[ -f "$img" ] || continue
		for loop in $(losetup -n -O NAME -j "$img" 2>/dev/null); do
			losetup -d "$loop" 2>/dev/null
		done
	done
}

cmd_down() {
	local dir=$1 m left
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd -P)
	while read -r m; do
		[ -n "$m" ] && do_umount "$m"
	done < <(mounts_under "$dir")
	detach_images "$dir"
	left=$(mounts_under "$dir")
	if [ -n "$left" ]; then
		warn "still mounted, $dir kept: $(echo $left)"
		return 1
	fi
	rm -rf --one-file-system "$dir"
}

# ---- up ---------------------------------------------------------------------

LOG=
run() {
	echo "+ $*" >>"$LOG"
	"$@" >>"$LOG" 2>&1
}

# A sparse image of SIZE on a new loop device: prints the device.
new_loop() {
	local name=$1 size=$2 img=$DIR/img/$1.img
	rm -f "$img"
	truncate -s "$size" "$img" || return 1
	losetup -f --show "$img" 2>>"$LOG"
}

# Undo whatever of one filesystem got made: its mounts and its loop device.
undo_fs() {
	local m
	for m in "$@"; do
		mountpoint -q "$m" && do_umount "$m"
	done
	return 0
}

failed_fs() {
	local what=$1
	shift
	undo_fs "$@"
	warn "$what: cannot be made, skipped ($(tail -n 2 "$LOG" | tr '\n' ' '))"
}

# A loop-device filesystem of one mkfs, mounted at $DIR/NAME, tests in t/.
up_loopfs() {	# NAME SIZE MKFS-COMMAND...
	local name=$1 size=$2 loop
	shift 2
	mkdir -p "$DIR/$name"
	loop=$(new_loop "$name" "$size") || { failed_fs "$name"; return 1; }
	if run "$@" "$loop" &&
		run mount -t "$name" "$loop" "$DIR/$name" && run mkdir -p "$DIR/$name/t"; then
		losetup -d "$loop" 2>/dev/null
		emit "$name" "$DIR/$name/t"
		return 0
	fi
	failed_fs "$name" "$DIR/$name"
	losetup -d "$loop" 2>/dev/null
	return 1
}

up_ext4() { up_loopfs ext4 64M mkfs.ext4 -q -F -b 4096 -L ckpt-ext4; }
up_xfs() { up_loopfs xfs 300M mkfs.xfs -q -f -L ckpt-xfs; }

up_btrfs() {
	local loop
	mkdir -p "$DIR/btrfs" "$DIR/btrfs-sub2"
	loop=$(new_loop btrfs 256M) || { failed_fs btrfs; return 1; }
	if run mkfs.btrfs -q -f -L ckpt-btrfs "$loop" &&
		run mount -t btrfs "$loop" "$DIR/btrfs" &&
		run btrfs -q subvolume create "$DIR/btrfs/sub1" &&
		run btrfs -q subvolume create "$DIR/btrfs/sub2"; then
		want btrfs-sub1 && emit btrfs-sub1 "$DIR/btrfs/sub1"
		want btrfs-sub2 && emit btrfs-sub2 "$DIR/btrfs/sub2"
		if want btrfs-sub2mnt; then
			if run mount -t btrfs -o subvol=sub2 "$loop" "$DIR/btrfs-sub2"; then
				emit btrfs-sub2mnt "$DIR/btrfs-sub2"
			else
				warn "btrfs-sub2mnt: mount -o subvol=sub2 failed, skipped"
			fi
		fi
		losetup -d "$loop" 2>/dev/null
		return 0
	fi
	failed_fs btrfs "$DIR/btrfs-sub2" "$DIR/btrfs"
	losetup -d "$loop" 2>/dev/null
	return 1
}

up_tmpfs() {
	mkdir -p "$DIR/tmpfs"
	if run mount -t tmpfs -o size=64m,mode=0755 ckpt-tmpfs "$DIR/tmpfs" &&
		run mkdir -p "$DIR/tmpfs/t"; then
		emit tmpfs "$DIR/tmpfs/t"
		return 0
	fi
	failed_fs tmpfs "$DIR/tmpfs"
	return 1
}

# The lower layer's files (see the header): the same for every build.
fill_lower() {
	local l=$1/d
	mkdir -p "$l/lower-dir" &&
		head -c 4096 /dev/zero | tr '\0' a >"$l/lower-a" &&
		head -c 8192 /dev/zero | tr '\0' b >"$l/lower-b" &&
		head -c 4096 /dev/zero | tr '\0' h >"$l/lower-h1" &&
		ln "$l/lower-h1" "$l/lower-h2" &&
		: >"$l/lower-empty" &&
		echo f >"$l/lower-dir/f"
}

# overlay NAME's mount: upper and work on the ovl tmpfs, lower shared.
ovl_mount() {
	local o=$DIR/ovl mnt=$DIR/$1
	mkdir -p "$o/$1.upper" "$o/$1.work" "$mnt" &&
		run mount -t overlay -o "lowerdir=$o/lower,upperdir=$o/$1.upper,workdir=$o/$1.work" \
			"ckpt-$1" "$mnt"
}

up_overlay() {
	local o=$DIR/ovl n ok=0
	mkdir -p "$o"
	if ! run mount -t tmpfs -o size=64m,mode=0755 ckpt-ovl "$o" ||
		! run mkdir -p "$o/lower" || ! fill_lower "$o/lower" 2>>"$LOG"; then
		failed_fs overlay "$o"
		return 1
	fi
	for n in overlay overlay-lower; do
		want $n || continue
		if ! ovl_mount $n; then
			failed_fs $n "$DIR/$n"
			continue
		fi
		if [ $n = overlay ]; then
			run mkdir -p "$DIR/overlay/t" || { failed_fs $n "$DIR/$n"; continue; }
			emit overlay "$DIR/overlay/t"
		else
			emit overlay-lower "$DIR/overlay-lower/d"
		fi
		ok=1
	done
	[ $ok = 1 ] && return 0
	undo_fs "$o"
	return 1
}

WANT=
want() { case " $WANT " in *" $1 "*) return 0 ;; esac; return 1; }
emit() {
	echo "$1 $2" >>"$DIR/fsmatrix.list"
	echo "$1 $2"
}

cmd_up() {
	local n
	WANT=$(select_names "$@") || exit 2
	[ "$(id -u)" = 0 ] || die "needs root (loop devices, mount)"
	mkdir -p "$DIR/img" || exit 1
	DIR=$(cd "$DIR" && pwd -P) || exit 1
	[ -n "$(mounts_under "$DIR")" ] && die "$DIR: something is mounted there already (down first)"
	# interrupted half way: leave nothing mounted
	trap 'cmd_down "$DIR" >/dev/null 2>&1; exit 130' INT TERM HUP
	LOG=$DIR/fsmatrix.log
	: >"$DIR/fsmatrix.list"
	: >"$LOG"
	want ext4 && up_ext4
	want xfs && up_xfs
	for n in btrfs-sub1 btrfs-sub2 btrfs-sub2mnt; do
		if want $n; then
			up_btrfs
			break
		fi
	done
	want tmpfs && up_tmpfs
	if want overlay || want overlay-lower; then
		up_overlay
	fi
	[ -s "$DIR/fsmatrix.list" ] || die "no filesystem could be made (log: $LOG)"
	return 0
}

# Make NAME's test dir empty (and remove any .ckpt-* name left anywhere on
# its filesystem); overlay-lower is mounted anew on an empty upper layer.
cmd_clean() {
	local name=$1 path root
	DIR=$(cd "$DIR" 2>/dev/null && pwd -P) || die "no $1"
	path=$(awk -v n="$name" '$1 == n { print $2 }' "$DIR/fsmatrix.list" 2>/dev/null)
	[ -n "$path" ] || die "$name: not in $DIR/fsmatrix.list"
	LOG=$DIR/fsmatrix.log
	if [ "$name" = overlay-lower ]; then
		do_umount "$DIR/overlay-lower" || die "cannot unmount $DIR/overlay-lower"
		rm -rf "$DIR/ovl/overlay-lower.upper" "$DIR/ovl/overlay-lower.work"
		ovl_mount overlay-lower || die "overlay-lower: cannot mount again"
		return 0
	fi
	root=$(findmnt -n -o TARGET --target "$path") || die "$path: no mount"
	find "$root" -name '.ckpt-*' -prune -exec rm -rf {} + 2>/dev/null
	mkdir -p "$path" || exit 1
	find "$path" -mindepth 1 -maxdepth 1 -exec rm -rf {} + || exit 1
}

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
names)
	echo "$ALL_NAMES"
	;;
up | down | list | clean)
	[ $# -ge 1 ] || usage
	DIR=$1
	shift
	case $DIR in /*) ;; *) DIR=$PWD/$DIR ;; esac
	case $cmd in
	up) cmd_up "$@" ;;
	down) cmd_down "$DIR" ;;
	list) cat "$DIR/fsmatrix.list" ;;
	clean) [ $# -eq 1 ] || usage; cmd_clean "$1" ;;
	esac
	;;
*) usage ;;
esac
