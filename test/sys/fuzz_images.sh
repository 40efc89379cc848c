#!/bin/bash
# A short, fixed fuzz run of the image decoder and the set validation
# (fuzz/fuzz_imgset.c, libFuzzer with ASan/UBSan): 3000 inputs mutated from
# the committed seeds (fuzz/corpus, real dumps) with seed 1, so every run
# is the same. Any crash, leak or sanitizer report fails. `make fuzz` runs
# long.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
FUZZ=$ROOT/build/fuzz/fuzz_imgset
[ -x "$FUZZ" ] || { echo "FAIL fuzz_images: $FUZZ not built"; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}"/ckpt-fuzz.XXXXXX)
mkdir "$W/new"
if ! TMPDIR=$W "$FUZZ" -runs=3000 -seed=1 -max_len=65536 -artifact_prefix="$W/" "$W/new" "$ROOT/fuzz/corpus" >"$W/log" 2>&1; then
	echo "FAIL fuzz_images: the fuzz target failed"
	grep -E "ERROR|SUMMARY|runtime error|Test unit written" "$W/log" | head -20 | sed 's/^/    | /'
	echo "    (files in $W)"
	exit 1
fi
grep -q "Done 3000 runs" "$W/log" || { echo "FAIL fuzz_images: not 3000 runs: $(tail -3 "$W/log")"; exit 1; }
rm -rf "$W"
echo "PASS fuzz_images"
