#!/bin/sh
# Run every build/fuzz/fuzz_* target for SECONDS (default 60) on a scratch
# copy of its seed corpus tests/fuzz/corpus/<name>/, so the repository is
# never written. Prints one summary line per target; exits non-zero when
# any target crashed.
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
status=0
found=0
for bin in "$root"/build/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	found=1
	name=$(basename "$bin")
	short=${name#fuzz_}
	work=$(mktemp -d "${TMPDIR:-/tmp}/dotsfuzz.XXXXXX")
	mkdir -p "$work/corpus" "$work/art"
	if [ -d "$root/tests/fuzz/corpus/$short" ]; then
		cp -R "$root/tests/fuzz/corpus/$short/." "$work/corpus/" \
		    2>/dev/null
	fi
	"$bin" -max_total_time="$secs" -max_len=4096 \
	    -artifact_prefix="$work/art/" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" |
	    tail -n 1)
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$work/log" |
	    tail -n 1 | tr -d '#')
	crashes=$(ls "$work/art" | wc -l | tr -d ' ')
	if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
		crashes=1
	fi
	echo "fuzz $short: ${execs:-0} execs, $crashes crashes"
	if [ "$crashes" -ne 0 ]; then
		status=1
		mkdir -p "$root/build/fuzz/artifacts"
		cp "$work/art/"* "$root/build/fuzz/artifacts/" 2>/dev/null
		tail -n 30 "$work/log" >&2
		echo "fuzz $short: artifacts in build/fuzz/artifacts/" >&2
	fi
	rm -rf "$work"
done
[ "$found" -eq 1 ] || echo "fuzz: no targets in build/fuzz/" >&2
exit $status
