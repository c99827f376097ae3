#!/bin/sh
# Golden config tests: each tests/config/*.yaml is a bad configuration whose
# first line is "# expect: TEXT". `dotsgwd -n -c FILE` must exit non-zero
# and print TEXT (a fixed string) on stderr.
# Usage: check.sh DOTSGWD [FILE...]   (default: every *.yaml beside this)
if [ $# -lt 1 ]; then
	echo "usage: $0 DOTSGWD [FILE...]" >&2
	exit 2
fi
DOTSGWD=$1
shift
if [ ! -x "$DOTSGWD" ]; then
	echo "FAIL config: $DOTSGWD is not an executable" >&2
	exit 2
fi
if [ $# -eq 0 ]; then
	set -- "$(dirname "$0")"/*.yaml
fi
# a bound for a hang only: a check takes milliseconds, even loaded
TIMEOUT=
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout 30"

failed=0
errf=$(mktemp) || exit 2
trap 'rm -f "$errf"' EXIT
for f in "$@"; do
	name=$(basename "$f" .yaml)
	want=$(sed -n '1s/^# expect: //p' "$f")
	if [ -z "$want" ]; then
		echo "FAIL config $name: no \"# expect:\" on the first line"
		failed=1
		continue
	fi
	$TIMEOUT "$DOTSGWD" -n -c "$f" >/dev/null 2>"$errf"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "FAIL config $name: exit status 0, wanted an error"
		failed=1
	elif [ $rc -ge 124 ]; then
		echo "FAIL config $name: exit status $rc (timeout or crash)"
		failed=1
	elif ! grep -qF -- "$want" "$errf"; then
		echo "FAIL config $name: stderr lacks \"$want\"; got:"
		sed 's/^/    /' "$errf"
		failed=1
	else
		echo "PASS config $name"
	fi
done
exit $failed
