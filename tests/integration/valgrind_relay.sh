#!/usr/bin/env bash
# The whole relay scenario (relay_chain.sh: three gateways, relaying,
# refusals, restarts, SIGKILL, a loop) with every dotsgwd under valgrind:
# no invalid access, no definite leak in any of them. relay_chain.sh's own
# checks are timing-sensitive under valgrind and are not counted here.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v valgrind >/dev/null; then
	echo "SKIP valgrind relay: valgrind not installed"
	exit 0
fi
dir=$(mktemp -d "${TMPDIR:-/tmp}/dotsgw-vg.XXXXXX")
trap '[ -n "$KEEP_TMP" ] || rm -rf "$dir"' EXIT
cat > "$dir/dotsgwd" <<WRAP
#!/bin/sh
exec valgrind --error-exitcode=9 --leak-check=full \\
    --errors-for-leak-kinds=definite --log-file=$dir/vg.%p.log \\
    $ROOT/build/dotsgwd "\$@"
WRAP
chmod +x "$dir/dotsgwd"
DOTSGWD=$dir/dotsgwd timeout 600 bash "$ROOT/tests/integration/relay_chain.sh" \
    > "$dir/out" 2>&1
# A run ends with a summary; one the scenario SIGKILLs has none, and only
# must show no invalid access up to its death.
runs=0 bad=
for f in "$dir"/vg.*.log; do
	[ -f "$f" ] || continue
	if grep -q "ERROR SUMMARY" "$f"; then
		runs=$((runs + 1))
		grep -q "ERROR SUMMARY: 0 errors" "$f" || bad="$bad $f"
	elif grep -q "Invalid \|uninitialised" "$f"; then
		bad="$bad $f"
	fi
done
if [ "$runs" -ge 3 ] && [ -z "$bad" ]; then
	echo "PASS valgrind relay: $runs dotsgwd runs to the end, 0 errors, no definite leaks"
else
	echo "FAIL valgrind relay: $runs runs; errors in: $bad"
	for f in $bad; do grep -A12 "Invalid\|definitely lost in" "$f" | head -30; done
fi
