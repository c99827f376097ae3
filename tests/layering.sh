#!/bin/sh
# The layering rule, checked on the objects: an archive of LAYER (lowest
# first on the command line) may resolve a symbol only in its own archive,
# in a lower layer's, or outside the tree (libc, libcoap, ...). A call to a
# higher layer is a violation, printed as "LOW -> HIGH: symbol (file.o)".
# usage: tests/layering.sh BUILD_DIR LAYER...
#        tests/layering.sh --self-test   (the check catches what it must)
set -u
if [ "${1:-}" = --self-test ]; then
	# low.c calls up() of high.c: flagged with low below high, not with
	# the order reversed (then it is a downward call)
	d=$(mktemp -d) || exit 1
	trap 'rm -rf "$d"' EXIT
	mkdir -p "$d/lib" "$d/o"
	printf 'int up(void);\nint down(void) { return up(); }\n' > "$d/low.c"
	printf 'int up(void) { return 1; }\n' > "$d/high.c"
	for f in low high; do
		cc -c "$d/$f.c" -o "$d/o/$f.o" && ar rcs "$d/lib/$f.a" "$d/o/$f.o" ||
		    exit 1
	done
	out=$(sh "$0" "$d" low high)
	case $out in
	*"low -> high: up (low.o)"*) ;;
	*) echo "FAIL layering self-test: low -> high not caught: $out"; exit 1;;
	esac
	if ! sh "$0" "$d" high low | grep -qF "PASS layering"; then
		echo "FAIL layering self-test: high -> low (allowed) flagged"
		exit 1
	fi
	echo "PASS layering self-test: an upward call is caught, a downward one is not"
	exit 0
fi
b=$1; shift
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
rank=0
for l in "$@"; do
	a="$b/lib/$(echo "$l" | tr / _).a"
	[ -f "$a" ] || { echo "layering: $a missing (make $a)"; exit 1; }
	nm --defined-only -g "$a" 2>/dev/null |
	    awk -v r=$rank -v l="$l" 'NF == 3 { print $3, r, l }' >> "$tmp/defs"
	rank=$((rank + 1))
done
rank=0
bad=0
for l in "$@"; do
	a="$b/lib/$(echo "$l" | tr / _).a"
	# "file.o:" headers, then "U sym" lines
	nm -u "$a" 2>/dev/null | awk -v r=$rank -v l="$l" '
	    FNR == NR { rk[$1] = $2; ly[$1] = $3; next }
	    /:$/ { obj = $1; sub(":$", "", obj); next }
	    $1 == "U" && ($2 in rk) && rk[$2] > r {
		printf "%s -> %s: %s (%s)\n", l, ly[$2], $2, obj
	    }' "$tmp/defs" - >> "$tmp/bad"
	rank=$((rank + 1))
done
if [ -s "$tmp/bad" ]; then
	sort -u "$tmp/bad"
	echo "FAIL layering: $(sort -u "$tmp/bad" | wc -l) upward references (above)"
	exit 1
fi
echo "PASS layering: $# layers, no upward reference"
