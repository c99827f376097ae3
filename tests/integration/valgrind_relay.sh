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
# Under valgrind a dotsgwd takes many times longer to start (20 s and
# more on a busy machine) and to exit (its leak check) than lib.sh allows
# by default.
# the scenario ends (its daemons stopped) before tests/run's limit
limit=$((${TEST_TIMEOUT:-300} - 60))
READY_WAIT=120 STOP_GRACE=30 DOTSGWD=$dir/dotsgwd timeout -k 30 "$limit" \
    bash "$ROOT/tests/integration/relay_chain.sh" > "$dir/out" 2>&1
# A run ends with a summary; one the scenario SIGKILLs has none, and only
# must show no invalid access up to its death. Fixed strings only.
runs=0 bad=
for f in "$dir"/vg.*.log; do
	[ -f "$f" ] || continue
	if grep -qF "ERROR SUMMARY: " "$f"; then
		runs=$((runs + 1))
		grep -qF "ERROR SUMMARY: 0 errors from 0 contexts" "$f" || bad="$bad $f"
	elif grep -qF -e "Invalid " -e uninitialised "$f"; then
		bad="$bad $f"
	fi
done
if [ "$runs" -ge 3 ] && [ -z "$bad" ]; then
	echo "PASS valgrind relay: $runs dotsgwd runs to the end, 0 errors, no definite leaks"
else
	echo "FAIL valgrind relay: $runs runs; errors in: $bad"
	# fewer runs than 3: what the scenario said (its failures, its end),
	# indented: its own FAIL lines are not counted
	{ grep -F -e FAIL -e SKIP "$dir/out" | head -n 10; tail -n 5 "$dir/out"; } |
	    sed 's/^/  | /'
	# each error record whole (to the blank "==PID== " line), callers too
	for f in $bad; do
		awk 'index($0, "Invalid ") || index($0, "uninitialised") ||
		    index($0, "definitely lost in") { p = 1 }
		    p { print; if (++n > 120) exit }
		    p && $0 ~ /^==[0-9]+== $/ { p = 0 }' "$f"
	done
fi
