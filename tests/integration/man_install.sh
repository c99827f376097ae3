#!/usr/bin/env bash
# Man pages render without warnings (groff -ww, man -l), document every
# top-level configuration key, every dotsctl command and every dotsgwd
# option; `make install` (PREFIX, DESTDIR) puts binaries, man pages and
# the systemd unit in place; the unit passes systemd-analyze verify.
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
T_FAILS=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAILS=$((T_FAILS + 1)); }
skip() { echo "SKIP $1: $2"; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dotsgw-man.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
MAN=$ROOT/man

if ! command -v groff >/dev/null; then
	skip "man pages" "groff not installed (tests/deps.sh installs groff-base)"
	exit 0
fi
for f in "$MAN"/dotsgwd.8 "$MAN"/dotsctl.8 "$MAN"/dotsgw.yaml.5; do
	n=$(basename "$f")
	groff -man -Tutf8 -ww -z "$f" 2> "$TMP/w" && [ ! -s "$TMP/w" ] &&
	    pass "$n: groff -man -ww without warnings" || fail "$n groff" "$(cat "$TMP/w")"
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l --warnings "$f" > "$TMP/out" 2> "$TMP/w"
		[ -s "$TMP/out" ] && [ ! -s "$TMP/w" ] &&
		    pass "$n: man -l renders it cleanly" || fail "$n man -l" "$(cat "$TMP/w")"
	fi
done

# every top-level key of the reference configuration has its entry
for k in $(grep -oE '^[a-z-]+:' "$ROOT/topologies/quickstart/dotsgw.yaml" | tr -d :); do
	grep -qxF ".B $k" "$MAN/dotsgw.yaml.5" || missing="$missing $k"
done
[ -z "$missing" ] && pass "dotsgw.yaml(5) documents every top-level key" ||
    fail "dotsgw.yaml(5) keys" "missing:$missing (add a '.B key' entry under TOP-LEVEL KEYS in man/dotsgw.yaml.5)"
missing=
for c in mitigate get withdraw efficacy config hb status reload register; do
	"$ROOT/build/dotsctl" --help | grep -qE "^  $c( |$)" || missing="$missing $c(not in --help)"
	grep -qE "^\.BR? \"?$c[ \"]|^\.BI? \"?$c( |$)|^\.B $c\$" "$MAN/dotsctl.8" || missing="$missing $c"
done
[ -z "$missing" ] && pass "dotsctl(8) documents every command" || fail "dotsctl(8) commands" "missing:$missing"
missing=
for o in c f n v; do
	"$ROOT/build/dotsgwd" -h 2>&1 | grep -qF -- "-$o" || missing="$missing -$o(not in usage)"
	grep -qE "^\.BI? \\\\-$o( |$)" "$MAN/dotsgwd.8" || missing="$missing -$o"
done
[ -z "$missing" ] && pass "dotsgwd(8) documents every option" || fail "dotsgwd(8) options" "missing:$missing"

# make install into a staging root
D=$TMP/root
if make -s -C "$ROOT" install DESTDIR="$D" PREFIX=/usr > "$TMP/make.log" 2>&1; then
	pass "make install DESTDIR PREFIX=/usr"
else
	fail "make install" "$(tail -n 5 "$TMP/make.log")"
fi
for f in usr/sbin/dotsgwd:755 usr/bin/dotsctl:755 usr/share/man/man8/dotsgwd.8:644 \
    usr/share/man/man8/dotsctl.8:644 usr/share/man/man5/dotsgw.yaml.5:644 \
    usr/lib/systemd/system/dotsgwd.service:644 \
    usr/libexec/dotsgw/dotsgw-exabgp-relay:755; do
	p=${f%:*} m=${f#*:}
	[ -f "$D/$p" ] && [ "$(stat -c %a "$D/$p")" = "$m" ] || bad="$bad $p"
done
[ -z "$bad" ] && pass "installed files and modes" || fail "installed files" "bad:$bad"
U=$D/usr/lib/systemd/system/dotsgwd.service
grep -qxF 'ExecStart=/usr/sbin/dotsgwd -f -c /etc/dotsgw/dotsgw.yaml' "$U" &&
    grep -qxF 'ExecReload=/bin/kill -HUP $MAINPID' "$U" && grep -qxF 'Type=simple' "$U" &&
    pass "unit: Type=simple, -f, ExecReload sends SIGHUP, installed path" ||
    fail "unit content" "$(grep -F Exec "$U")"
"$D/usr/bin/dotsctl" --help > /dev/null && "$D/usr/sbin/dotsgwd" -n \
    -c "$ROOT/topologies/quickstart/dotsgw.yaml" 2>/dev/null &&
    pass "installed binaries run" || fail "installed binaries" "dotsctl --help or dotsgwd -n failed"
MANPATH=$D/usr/share/man man -w dotsgw.yaml 2>/dev/null | grep -qF "$D/usr/share/man/man5/dotsgw.yaml.5" &&
    pass "man finds the installed dotsgw.yaml(5)" || fail "man -w" "not found under $D"

if command -v systemd-analyze >/dev/null; then
	sed "s|@SBINDIR@|$ROOT/build|g" "$ROOT/contrib/dotsgwd.service" > "$TMP/dotsgwd.service"
	MANPATH=$D/usr/share/man systemd-analyze verify "$TMP/dotsgwd.service" > "$TMP/v" 2>&1 &&
	    [ ! -s "$TMP/v" ] && pass "systemd-analyze verify: no findings" ||
	    fail "systemd-analyze verify" "$(cat "$TMP/v")"
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
fi
exit $((T_FAILS > 0))
