#!/bin/bash
# make bench: time ckpt dump and restore against this machine's own limits
# (issue 5) and print one markdown table.
#
# Every figure is the median of several runs. Each ratio is taken within one
# turn — the ceiling measured right beside the ckpt run it is compared with —
# and the median of the per-turn ratios is printed: absolute times drift on a
# shared VM, ratios hold.
#
# The helper programs (scripts/bench/*.c) are built here into build/bench/.
# All data goes to a tmpfs mounted for the run under /tmp and unmounted at the
# end. Raw numbers and the table stay in build/bench/last/.
#
# Knobs (environment): BENCH_RUNS (5), BENCH_RUNS_4G (3), BENCH_TINY_RUNS (15),
# BENCH_SIZES ("1G 4G"), BENCH_FD_TIMEOUT (30 s for one dump of 10,000 fds),
# BENCH_NICE (-10), BENCH_PARTS ("mem tiny per": which sections run; a quick
# look at one figure while working, e.g. BENCH_PARTS=mem BENCH_SIZES=1G).
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=$ROOT/build
CKPT=$B/ckpt
BB=$B/bench

# Under a subreaper: every dumped or killed task is reaped at once, so its
# pid is free for the restore that follows.
if [ "${CKPT_BENCH_REAPER:-}" != 1 ]; then
	export CKPT_BENCH_REAPER=1
	exec "$B/test/helpers/subreaper" bash "$0" "$@"
fi
set -uo pipefail
if [ "$(id -u)" != 0 ]; then
	echo "make bench needs root (ptrace, clone3 with set_tid, mount)" >&2
	exit 1
fi

# Other tenants of a shared VM take CPU time; a higher priority for the run
# keeps their noise out of the figures (no effect on an idle machine).
NICE=${BENCH_NICE:--10}
renice -n "$NICE" -p $$ >/dev/null 2>&1 || NICE=0

RUNS=${BENCH_RUNS:-5}
RUNS_4G=${BENCH_RUNS_4G:-3}
TINY_RUNS=${BENCH_TINY_RUNS:-15}
SIZES=${BENCH_SIZES:-1G 4G}
FD_TIMEOUT=${BENCH_FD_TIMEOUT:-30}
PARTS=" ${BENCH_PARTS:-mem tiny per} "
part() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }
CMD_TIMEOUT=300		# no ckpt command may hang the benchmark

say() { printf '%s\n' "$*" >&2; }

# ---- helpers ----------------------------------------------------------------
mkdir -p "$BB"
STATIC=static
build_helper() {	# name: static if this libc allows, else dynamic
	local src=$ROOT/scripts/bench/$1.c out=$BB/$1
	if [ "$STATIC" = static ]; then
		cc -O2 -Wall -Wextra -static -pthread -o "$out" "$src" 2>"$BB/cc.err" && return 0
		STATIC="dynamic (cc -static failed: no static glibc)"
	fi
	cc -O2 -Wall -Wextra -pthread -o "$out" "$src" || { cat "$BB/cc.err" >&2; exit 1; }
}
for h in target rss splice_ceiling read_ceiling; do
	build_helper $h
done

# ---- scratch tmpfs -----------------------------------------------------------
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-bench.XXXXXX)
M=$W/mnt
mkdir "$M"
mount -t tmpfs -o size=10G,mode=0700 ckpt-bench "$M" || { rmdir "$M" "$W"; exit 1; }
OUT=$BB/last
rm -rf "$OUT"
mkdir -p "$OUT"
LIVE=""		# session ids of trees still to kill
cleanup() {
	for s in $LIVE; do kill -9 -- "-$s" 2>/dev/null; done
	sleep 0.2
	umount "$M" 2>/dev/null || { sleep 1; umount -l "$M"; }
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The tree of the fd test holds 10,000 fds and ckpt a copy of each: ask for
# room (needs CAP_SYS_RESOURCE past the hard limit); the table says what we got.
h=$(ulimit -Hn)
[ "$h" != unlimited ] && [ "$h" -lt 65536 ] && ulimit -Hn 65536 2>/dev/null
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null
NOFILE=$(ulimit -n)

# ---- small tools ---------------------------------------------------------------
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# median of the numbers on stdin (empty when none)
median() {
	sort -g | awk '{ v[NR] = $1 } END { if (NR) printf "%.6g\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

forget() {	# drop session $1 from LIVE
	local s l=""
	for s in $LIVE; do [ "$s" = "$1" ] || l="$l $s"; done
	LIVE=$l
}

# wait until no process of session $1 is left (the subreaper reaps them)
wait_gone() {
	local i
	for i in $(seq 1 3000); do
		kill -0 -- "-$1" 2>/dev/null || { forget "$1"; return 0; }
		sleep 0.01
	done
	say "bench: session $1 would not die"
	return 1
}

kill_tree() {
	kill -9 -- "-$1" 2>/dev/null
	wait_gone "$1"
}

# start_target ARGS...: run the target (double fork: the subreaper adopts it)
# and wait until it is set up; its pid (= session id) in TP.
start_target() {
	local ready=$M/ready i
	rm -f "$ready"
	( "$BB/target" "$@" "$ready" </dev/null >/dev/null 2>"$W/target.err" & )
	for i in $(seq 1 12000); do
		[ -s "$ready" ] && break
		sleep 0.01
	done
	if [ ! -s "$ready" ]; then
		say "bench: target $* did not start: $(cat "$W/target.err")"
		return 1
	fi
	TP=$(cat "$ready")
	LIVE="$LIVE $TP"
	rm -f "$ready"
}

# timed FILE [-t SECS] CMD...: run CMD under rss; appends "ns maxrss_kib
# status" to FILE; returns the status. ckpt's stderr goes to $W/err.
timed() {
	local f=$1 lim=$CMD_TIMEOUT
	shift
	if [ "$1" = -t ]; then lim=$2; shift 2; fi
	"$BB/rss" -o "$f" -t "$lim" "$@" 2>"$W/err"
}
last_ns() { tail -1 "$1" | awk '{ print $1 }'; }
last_rss() { tail -1 "$1" | awk '{ print $2 }'; }
errline() { head -c 300 "$W/err" | head -1; }

# dump the target TP into $M/img; kills it (ckpt's default). 0 on success.
do_dump() {	# FILE [-t SECS]
	local f=$1
	shift
	rm -rf "$M/img"
	if ! timed "$f" "$@" "$CKPT" dump -t "$TP" -D "$M/img"; then
		FAILMSG="dump: $(errline)"
		[ -z "$(errline)" ] && FAILMSG="dump: exit $(tail -1 "$f" | awk '{ print $3 }') after $(( $(last_ns "$f") / 1000000 )) ms"
		kill_tree "$TP"
		rm -rf "$M/img"
		return 1
	fi
	wait_gone "$TP"
}

# restore $M/img detached, then kill what came back. 0 on success.
do_restore() {	# FILE
	local f=$1 rp
	rm -f "$M/pid"
	if ! timed "$f" "$CKPT" restore -D "$M/img" -d --pidfile "$M/pid"; then
		FAILMSG="restore: $(errline)"
		kill_tree "$TP"
		return 1
	fi
	rp=$(cat "$M/pid" 2>/dev/null)
	if [ "$rp" != "$TP" ]; then
		FAILMSG="restore: pid $rp instead of $TP"
		[ -n "$rp" ] && kill_tree "$rp"
		kill_tree "$TP"
		return 1
	fi
	LIVE="$LIVE $TP"
	kill_tree "$TP"
}

# ---- the machine -----------------------------------------------------------------
DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
KERNEL=$(uname -r)
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
NCPU=$(nproc)
MEMG=$(awk '/^MemTotal/ { printf "%.1f", $2 / 1048576 }' /proc/meminfo)
THP=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
PERF_OUT=$(perf stat -e instructions true 2>&1)
if [ $? -ne 0 ] && ! command -v perf >/dev/null; then
	PERF="not installed"
elif printf '%s' "$PERF_OUT" | grep -q '<not supported>'; then
	if perf stat -e cpu-clock true >/dev/null 2>&1; then
		PERF="partly: \`perf stat -e instructions true\` says <not supported> (no hardware PMU in this VM); software events (cpu-clock, for perf record) work"
	else
		PERF="no: instructions <not supported>, software events fail too"
	fi
elif printf '%s' "$PERF_OUT" | grep -qE '^ *[0-9][0-9,.]* +instructions'; then
	PERF="yes (hardware counters)"
else
	PERF="no: $(printf '%s' "$PERF_OUT" | head -1)"
fi
say "== ckpt bench: $CPU, $NCPU cpus, kernel $KERNEL, load $LOAD0"
say "   perf: $PERF"
say "   helpers: $STATIC; scratch tmpfs $M; raw data in $OUT"
T_START=$(now_ms)

# ---- memory: dump and restore of 1 and 4 GiB ---------------------------------------
# One turn: splice ceiling then dump (each with S of memory and S of file:
# the ceiling's file is gone before the target starts), then read ceiling and
# restore in alternating order from turn to turn (each with the images and S
# of fresh memory; what runs second finds memory just freed by the first).
# The images are deleted at the end of the turn: at most 2 × S exist at once.
#
# First, 3 × S of memory is touched once: a VM's host may back guest memory
# only on first touch (here a 14 GiB first fill ran at 0.5 GiB/s, and a 4 GiB
# splice ceiling took 7-10 s before and 3-4 s after it).
declare -A FAIL
splice_ceiling() {	# -> c
	c=$("$BB/splice_ceiling" "$S" "$M/ceil") || { say "bench: splice ceiling failed"; exit 1; }
	rm -f "$M/ceil"
	echo "$c" >>"$OUT/ceil_splice_$S"
}
read_ceiling() {	# -> r
	local pages
	pages=$(ls "$M/img"/pages-*.img)
	r=$("$BB/read_ceiling" "$pages" 4096 "$S") || { say "bench: read ceiling failed"; exit 1; }
	echo "$r" >>"$OUT/ceil_read_$S"
	if [ "${S%G}" -lt 4 ]; then
		"$BB/read_ceiling" -p "$pages" 4096 "$S" >>"$OUT/ceil_readpop_$S"
	fi
}
part mem || SIZES=""
for S in $SIZES; do
	n=$RUNS
	[ "${S%G}" -ge 4 ] && n=$RUNS_4G
	warm=$(( 3 * ${S%G} ))
	avail=$(awk '/^MemAvailable/ { print int($2 / 1048576) - 4 }' /proc/meminfo)
	[ "$warm" -gt "$avail" ] && warm=$avail
	if [ "$warm" -gt 0 ]; then
		say "-- $S memory: warm-up, touching $warm GiB once"
		start_target -m "${warm}G" || exit 1
		kill_tree "$TP"
	fi
	for i in $(seq 1 "$n"); do
		say "-- $S memory, turn $i/$n"
		splice_ceiling
		start_target -m "$S" || exit 1
		if ! do_dump "$OUT/dump_$S"; then
			FAIL[dump_$S]=$FAILMSG
			FAIL[restore_$S]="no image: $FAILMSG"
			say "   $FAILMSG"
			break
		fi
		d=$(last_ns "$OUT/dump_$S")
		echo "$c $d" | awk '{ print $1 / $2 }' >>"$OUT/ratio_dump_$S"
		# the check restore makes before anything (ckpt show makes the same):
		# every image read and validated, CRC-32C of every page
		timed "$OUT/check_$S" "$CKPT" show "$M/img" >/dev/null ||
			say "   ckpt show failed: $(errline)"
		[ $((i % 2)) = 1 ] && read_ceiling
		if ! do_restore "$OUT/restore_$S"; then
			FAIL[restore_$S]=$FAILMSG
			say "   $FAILMSG"
			rm -rf "$M/img"
			break
		fi
		[ $((i % 2)) = 0 ] && read_ceiling
		rt=$(last_ns "$OUT/restore_$S")
		echo "$r $rt" | awk '{ print $1 / $2 }' >>"$OUT/ratio_restore_$S"
		echo "$(last_ns "$OUT/check_$S") $rt" | awk '{ print $1 / $2 }' >>"$OUT/share_check_$S"
		rm -rf "$M/img"
		say "   dump $(( d / 1000000 )) ms (ceiling $(( c / 1000000 ))), restore $(( rt / 1000000 )) ms (ceiling $(( r / 1000000 )))"
	done
done

# ---- tiny round trip vs fork+exec of a static binary --------------------------------
part tiny || TINY_RUNS=0
say "-- tiny round trip x$TINY_RUNS"
for i in $(seq 1 "$TINY_RUNS"); do
	start_target || exit 1
	do_dump "$OUT/tiny_dump" || { FAIL[tiny]=$FAILMSG; break; }
	do_restore "$OUT/tiny_restore" || { FAIL[tiny]=$FAILMSG; break; }
	"$BB/rss" -o "$OUT/forkexec" "$BB/target" -x
	rt=$(( $(last_ns "$OUT/tiny_dump") + $(last_ns "$OUT/tiny_restore") ))
	echo "$rt" >>"$OUT/tiny_rt"
	echo "$rt $(last_ns "$OUT/forkexec")" | awk '{ print $1 / $2 }' >>"$OUT/ratio_tiny"
done

# ---- cost per extra process, thread, fd ------------------------------------------
# In turns: the one-task baseline, then the big tree; per turn
# (big - base) / extra; the median of those.
per_extra() {	# NAME EXTRA RUNS [-t SECS] -- TARGET ARGS...
	local name=$1 extra=$2 n=$3 lim=$CMD_TIMEOUT i b bd br
	shift 3
	if [ "$1" = -t ]; then lim=$2; shift 2; fi
	shift	# --
	say "-- $name ($*) x$n"
	for i in $(seq 1 "$n"); do
		start_target || exit 1
		do_dump "$OUT/${name}_base_dump" || { FAIL[$name]="baseline $FAILMSG"; return; }
		do_restore "$OUT/${name}_base_restore" || { FAIL[$name]="baseline $FAILMSG"; return; }
		start_target "$@" || exit 1
		if ! do_dump "$OUT/${name}_dump" -t "$lim"; then
			b=$(last_ns "$OUT/${name}_dump")
			if [ "$b" -ge $(( lim * 1000000000 )) ]; then
				# a lower bound: the dump did not finish in time
				echo "$b $extra" | awk '{ printf "%.6g\n", $1 / $2 }' >"$OUT/${name}_timeout"
				FAIL[$name]="dump timed out after ${lim} s"
			else
				FAIL[$name]=$FAILMSG
			fi
			return
		fi
		bd=$(( $(last_ns "$OUT/${name}_dump") - $(last_ns "$OUT/${name}_base_dump") ))
		echo "$bd $extra" | awk '{ print $1 / $2 }' >>"$OUT/${name}_per_dump"
		# a failed restore kills what it made; the dumps go on being timed
		if ! do_restore "$OUT/${name}_restore"; then
			FAIL[${name}_restore]=$FAILMSG
			continue
		fi
		br=$(( $(last_ns "$OUT/${name}_restore") - $(last_ns "$OUT/${name}_base_restore") ))
		echo "$br $extra" | awk '{ print $1 / $2 }' >>"$OUT/${name}_per_restore"
	done
}
if part per; then
	per_extra procs 99 "$RUNS" -- -p 100
	per_extra threads 63 "$RUNS" -- -t 64
	per_extra fds1k 1000 "$RUNS" -- -f 1000
	per_extra fds 10000 "$RUNS" -t "$FD_TIMEOUT" -- -f 10000
	# ghost file data: an unlinked 256 MiB file of incompressible data held open
	per_extra ghost 256 "$RUNS" -- -g 256M
fi

T_END=$(now_ms)
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# ---- the table -------------------------------------------------------------------
med() { [ -s "$OUT/$1" ] && median <"$OUT/$1"; }
medcol() { [ -s "$OUT/$1" ] && awk -v c="$2" '{ print $c }' "$OUT/$1" | median; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
gibs() { awk -v ns="$1" -v b="$2" 'BEGIN { printf "%.2f GiB/s", b / 1073741824 / (ns / 1e9) }'; }
yesno() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == ">=") ? v >= t : v <= t; print ok ? "yes" : "no" }'; }
row() { printf '| %s | %s | %s | %s | %s | %s |\n' "$@"; }

# One row of dump or restore speed against its ceiling (ratios from the turns).
mem_row() {	# dump|restore SIZE CEILING-FILE LABEL CEILING-TEXT TARGET-RATIO
	local what=$1 S=$2 label=$4 ctext=$5 t=$6 bytes c v r note=""
	bytes=$(( ${S%G} << 30 ))
	c=$(med "$3")
	if [ -n "${FAIL[${what}_$S]:-}" ] && [ ! -s "$OUT/ratio_${what}_$S" ]; then
		row "$label" "FAILED (${FAIL[${what}_$S]})" "${c:+$(gibs "$c" "$bytes") ($ctext)}" — "≥ $t × ceiling" no
		return
	fi
	v=$(medcol "${what}_$S" 1)
	r=$(med "ratio_${what}_$S")
	[ -n "${FAIL[${what}_$S]:-}" ] && note=" (a later turn FAILED: ${FAIL[${what}_$S]})"
	row "$label" "$(gibs "$v" "$bytes")$note" "$(gibs "$c" "$bytes") ($ctext)" \
		"$(fmt "$r" %.2f)" "≥ $t × ceiling" "$(yesno "$r" ">=" "$t")"
}

table() {
	local S bytes c v
	echo "## ckpt benchmark — $DATE"
	echo
	echo "Machine: $CPU, $NCPU CPUs, $MEMG GiB RAM, kernel $KERNEL, THP $THP."
	echo "Load average at start $LOAD0, at end $LOAD1 (other work on the VM shares the CPUs)."
	echo "perf: $PERF."
	echo "Helpers built $STATIC. Run at nice $NICE. Took $(( (T_END - T_START) / 1000 )) s."
	echo
	row metric median ceiling ratio target "met?"
	row --- --- --- --- --- ---
	for S in $SIZES; do
		mem_row dump "$S" "ceil_splice_$S" "dump, ${S%G} GiB anon → tmpfs" "vmsplice+splice" 0.9
	done
	for S in $SIZES; do
		bytes=$(( ${S%G} << 30 ))
		c=$(med "ceil_read_$S")
		mem_row restore "$S" "ceil_read_$S" "restore, ${S%G} GiB" "read into fresh anon" 1.3
		if [ -s "$OUT/check_$S" ]; then
			row "(info) check of the set before restore: validation + CRC-32C of all data (ckpt show), ${S%G} GiB" \
				"$(gibs "$(medcol "check_$S" 1)" "$bytes")" "—" \
				"$(fmt "$(med "share_check_$S")" %.2f) of a restore" — —
		fi
		if [ -s "$OUT/ceil_readpop_$S" ]; then
			row "(info) read into MADV_POPULATE_WRITE'd anon, ${S%G} GiB" \
				"$(gibs "$(med "ceil_readpop_$S")" "$bytes")" "$(gibs "$c" "$bytes") (read into fresh anon)" \
				"$(paste -d' ' "$OUT/ceil_read_$S" "$OUT/ceil_readpop_$S" | awk '{ print $1 / $2 }' | median | xargs printf %.2f)" — —
		fi
	done
	if ! part tiny; then
		:
	elif [ -s "$OUT/ratio_tiny" ]; then
		v=$(med tiny_rt)
		row "tiny round trip (dump $(fmt_dur "$(medcol tiny_dump 1)") + restore $(fmt_dur "$(medcol tiny_restore 1)"))" \
			"$(fmt_dur "$v")" "$(fmt_dur "$(medcol forkexec 1)") (fork+exec+exit+wait, $STATIC)" \
			"$(fmt "$(med ratio_tiny)" %.1f)×" "≤ 5 ms" "$(yesno "$v" "<=" 5000000)"
	else
		row "tiny round trip" "FAILED (${FAIL[tiny]:-?})" — — "≤ 5 ms" no
	fi
	if part per; then
		per_rows procs "extra process (100 vs 1)" 1000000 "≤ 1 ms"
		per_rows threads "extra thread (64 vs 1)" 200000 "≤ 0.2 ms"
		per_rows fds "open fd (10,000 /dev/null vs 3)" 10000 "≤ 10 µs"
		per_rows fds1k "open fd (1,000 /dev/null vs 3; info: shows the growth)" 10000 "≤ 10 µs"
		ghost_rows
	fi
	for S in $SIZES; do
		for what in dump restore; do
			if [ -s "$OUT/${what}_$S" ]; then
				v=$(medcol "${what}_$S" 2)
				note=""
				[ -n "${FAIL[${what}_$S]:-}" ] && note=" (of the failed attempt)"
				row "peak RSS of ckpt $what, ${S%G} GiB" "$(awk -v k="$v" 'BEGIN { printf "%.1f MiB", k / 1024 }')$note" — — "≤ 8 MiB" "$(yesno "$v" "<=" 8192)"
			else
				row "peak RSS of ckpt $what, ${S%G} GiB" "FAILED (${FAIL[${what}_$S]:-?})" — — "≤ 8 MiB" no
			fi
		done
	done
	echo
	[ "$PARTS" = " mem tiny per " ] || echo "Only these parts ran: $PARTS(BENCH_PARTS)."
	echo "Medians of $RUNS turns ($RUNS_4G at 4 GiB, $TINY_RUNS for the tiny round trip). Ratios are medians of per-turn ratios"
	echo "(dump: ceiling time / dump time; restore: ceiling time / restore time; tiny: round trip / fork+exec);"
	echo "within a turn each ceiling runs right beside its ckpt command (the splice ceiling just before the dump; the read ceiling"
	echo "before or after the restore, alternating). Each size starts by touching 3 × its memory once (guest memory backed on first touch)."
	echo "Times are whole commands (ckpt started to ckpt reaped). RSS: ru_maxrss of the ckpt process."
	echo "Per-item costs: per turn (big tree − one-task baseline) / extra items, dump and restore separately."
	echo "RLIMIT_NOFILE for the run: $NOFILE (65536 asked for; a hard limit is raised only with CAP_SYS_RESOURCE)."
}

# ms with the unit scaled from ns
fmt_dur() { awk -v ns="$1" 'BEGIN { if (ns < 0) s = "-"; else s = ""; a = ns < 0 ? -ns : ns;
	if (a >= 1e6) printf "%s%.2f ms", s, a / 1e6; else printf "%s%.1f µs", s, a / 1e3 }'; }

# ns per MiB -> GiB/s
mib_rate() { awk -v ns="$1" 'BEGIN { if (ns <= 0) print "inf"; else printf "%.2f", 1e9 / 1024 / ns }'; }

ghost_rows() {
	local what v r
	for what in dump restore; do
		if [ -s "$OUT/ghost_per_$what" ]; then
			v=$(med "ghost_per_$what")
			r=$(mib_rate "$v")
			row "$what: ghost file data (256 MiB unlinked file vs none)" "$r GiB/s ($(fmt_dur "$v")/MiB)" — — \
				"≥ 1.5 GiB/s" "$(yesno "$r" ">=" 1.5)"
		elif [ "$what" = dump ]; then
			row "ghost file data" "n/a (ghost files not implemented: ${FAIL[ghost]:-?})" — — "≥ 1.5 GiB/s" n/a
			return
		else
			row "$what: ghost file data" "FAILED (${FAIL[ghost_restore]:-${FAIL[ghost]:-?}})" — — "≥ 1.5 GiB/s" no
		fi
	done
}

per_rows() {	# NAME LABEL TARGET_NS TARGET_TEXT
	local name=$1 label=$2 tns=$3 ttxt=$4 what v
	for what in dump restore; do
		if [ -s "$OUT/${name}_per_$what" ]; then
			v=$(med "${name}_per_$what")
			row "$what: per $label" "$(fmt_dur "$v")" — — "$ttxt" "$(yesno "$v" "<=" "$tns")"
		elif [ -s "$OUT/${name}_timeout" ] && [ "$what" = dump ]; then
			row "$what: per $label" "> $(fmt_dur "$(cat "$OUT/${name}_timeout")") (${FAIL[$name]})" — — "$ttxt" no
		else
			row "$what: per $label" "FAILED (${FAIL[${name}_$what]:-${FAIL[$name]:-?}})" — — "$ttxt" no
		fi
	done
}

table >"$OUT/table.md"
echo
cat "$OUT/table.md"
