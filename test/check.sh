#!/bin/sh
#
# test/check.sh — what 'make check' runs once everything is built: every unit
# test binary in build/test/unit/ (cmocka; one binary counts as one test),
# then the ZDTM tests through test/run (arguments are passed on to it), then
# the scenario scripts of test/sys/.
#
# The last line is the summary of both together: "N passed, M failed".
# Exit status 1 if anything failed.

cd "$(dirname "$0")/.." || exit 2

upass=0
ufail=0
for t in build/test/unit/*; do
	case $t in *.d | *.o) continue ;; esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	echo "== unit ${t##*/}"
	if timeout 600 "$t" 2>&1; then
		upass=$((upass + 1))
		echo "PASS unit ${t##*/}"
	else
		ufail=$((ufail + 1))
		echo "FAIL unit ${t##*/} (exit $?)"
	fi
done
echo "unit: $upass passed, $ufail failed"

out=$(mktemp "${TMPDIR:-/tmp}"/ckpt-check.XXXXXX) || exit 2
echo "== zdtm"
{ test/run "$@" 2>&1; echo "rc=$?" >>"$out.rc"; } | tee "$out"
rc=$(sed -n 's/^rc=//p' "$out.rc" 2>/dev/null)
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1)
rm -f "$out" "$out.rc"

if [ -n "$summary" ]; then
	zpass=${summary%% passed*}
	zfail=${summary#*passed, }
	zfail=${zfail%% failed}
else
	echo "FAIL test/run ended without a summary (exit ${rc:-?})"
	zpass=0
	zfail=1
fi
if [ "${rc:-1}" != 0 ] && [ "$zfail" -eq 0 ]; then
	echo "FAIL test/run exited ${rc:-?} with no failed test"
	zfail=1
fi

# system tests: whole scenarios as scripts (exit 0 pass, 77 skip, else fail)
spass=0
sfail=0
for t in test/sys/*.sh; do
	[ -f "$t" ] || continue
	build/test/helpers/subreaper bash "$t"
	case $? in
	0) spass=$((spass + 1)) ;;
	77) ;;
	*) sfail=$((sfail + 1)) ;;
	esac
done
echo "sys: $spass passed, $sfail failed"

echo "$((upass + zpass + spass)) passed, $((ufail + zfail + sfail)) failed"
[ $((ufail + zfail + sfail)) -eq 0 ]
