#!/usr/bin/env bash
# What confused a newcomer (issue 14, item 4), each with the check that
# failed before:
#  - dotsgwd -h/--help and -V/--version, dotsctl -V/--version: usage or
#    version on stdout, exit 0 ("invalid option -- '-'", exit 64, before);
#  - dotsctl global options after the command ("dotsctl get --json" was
#    "unknown or incomplete option '--json'");
#  - a missing state-dir is created (0700, parents too) and logged ("unable
#    to open database file" before); one that cannot be created is an error
#    naming it; an existing one keeps its mode;
#  - the quickstart's upstream example says where the X.509 keys go and what
#    server-name defaults to;
#  - an upstream whose certificate does not carry the expected server name:
#    the log names that name and every name the certificate carries, over
#    DTLS and TLS (over TLS it said only "cannot start a session").
. "$(dirname "$0")/../lib.sh"
t_init

# --- -h/--help, -V/--version -------------------------------------------------
# opt_ok NAME PREFIX CMD...: exit 0, stdout starts with PREFIX, stderr empty.
opt_ok() {
	local name=$1 want=$2 rc
	shift 2
	"$@" >"$TMP/o.out" 2>"$TMP/o.err"
	rc=$?
	if [ "$rc" -eq 0 ] && [ "$(head -c ${#want} "$TMP/o.out")" = "$want" ] &&
	    [ ! -s "$TMP/o.err" ]; then
		pass "$name"
	else
		fail "$name" "exit $rc, stdout '$(head -c 80 "$TMP/o.out")'," \
		    "stderr '$(head -c 120 "$TMP/o.err" | tr '\n' ' ')'"
	fi
}
opt_ok "dotsgwd --help: usage on stdout, exit 0" "usage: dotsgwd" "$DOTSGWD" --help
opt_ok "dotsgwd -h: usage on stdout, exit 0" "usage: dotsgwd" "$DOTSGWD" -h
opt_ok "dotsgwd --version: exit 0" "dotsgwd " "$DOTSGWD" --version
opt_ok "dotsgwd -V: exit 0" "dotsgwd " "$DOTSGWD" -V
opt_ok "dotsctl --help: usage on stdout, exit 0" "usage: dotsctl" "$DOTSCTL" --help
opt_ok "dotsctl -h: usage on stdout, exit 0" "usage: dotsctl" "$DOTSCTL" -h
opt_ok "dotsctl --version: exit 0" "dotsctl " "$DOTSCTL" --version
opt_ok "dotsctl -V: exit 0" "dotsctl " "$DOTSCTL" -V
has "$TMP/o.out" "libcoap 4.3" && pass "dotsctl -V names the libcoap in use" ||
    fail "dotsctl -V libcoap" "$(cat "$TMP/o.out")"
"$DOTSGWD" --no-such-option >"$TMP/o.out" 2>"$TMP/o.err"
rc=$?
[ "$rc" -eq 64 ] && [ ! -s "$TMP/o.out" ] && has "$TMP/o.err" "usage: dotsgwd" &&
    pass "dotsgwd with a bad option: usage on stderr, exit 64" ||
    fail "dotsgwd bad option" "exit $rc, stdout '$(head -c 80 "$TMP/o.out")'"
grep -qF -- '\-\-help' "$ROOT/man/dotsgwd.8" &&
    grep -qF -- '\-\-version' "$ROOT/man/dotsgwd.8" &&
    grep -qF -- '\-\-version' "$ROOT/man/dotsctl.8" &&
    pass "dotsgwd(8) and dotsctl(8) document --help and --version" ||
    fail "man pages" "--help/--version missing"

# --- a state-dir that does not exist ---------------------------------------
APORT=$(free_port)
while [ "$APORT" = "$PORT" ]; do APORT=$(free_port); done
mode_before=$(stat -c %a "$TMP/state")
NEW=$TMP/fresh/nested/state
sed -i "s|^state-dir: .*|state-dir: $NEW|" "$CONF"
echo "admin: { address: $HOST, port: $APORT }" >> "$CONF"
if gw_start; then
	[ -d "$NEW" ] && [ "$(stat -c %a "$TMP/fresh")" = 700 ] &&
	    [ "$(stat -c %a "$TMP/fresh/nested")" = 700 ] &&
	    [ "$(stat -c %a "$NEW")" = 700 ] &&
	    pass "missing state-dir and its parents created, mode 0700" ||
	    fail "state-dir created" "$(stat -c '%a %n' "$TMP/fresh" "$NEW" 2>&1 | tr '\n' ' ')"
	has "$GW_LOG" "state-dir $NEW: created $TMP/fresh (mode 0700)" \
	    "state-dir $NEW: created $NEW (mode 0700)" &&
	    pass "each directory created is logged" ||
	    fail "state-dir logged" "$(grep -F 'state-dir' "$GW_LOG" | head -n 3)"
	[ -n "$(find "$NEW" -maxdepth 1 -name 'dotsgw-*.db')" ] &&
	    pass "the state store is in the new state-dir" ||
	    fail "state store" "no dotsgw-*.db in $NEW"
fi

# --- dotsctl: global options after the command -----------------------------
C1=$(cuid_psk "$PSK1_ID")
"$DOTSCTL" -s "$URI_D" $(cred_args psk1) mitigate --mid 3 --prefix 192.0.2.3/32 \
    >/dev/null 2>&1
"$DOTSCTL" get --json -s "$URI_D" $(cred_args psk1) --mid 3 >"$TMP/g.out" 2>"$TMP/g.err"
rc=$?
[ "$rc" -eq 0 ] && [ "$(jget 'j["code"]' "$TMP/g.out")" = 2.05 ] &&
    [ "$(jget 's["mid"]' "$TMP/g.out")" = 3 ] &&
    pass "dotsctl get --json -s ... --psk-identity ...: options after the command" ||
    fail "get --json after the command" "exit $rc, '$(head -c 200 "$TMP/g.out")'" \
    "'$(head -c 200 "$TMP/g.err")'"
"$DOTSCTL" status --json --admin "$NEW/dotsgwd.sock" >"$TMP/s.out" 2>"$TMP/s.err"
rc=$?
got=$($PY -c '
import json, sys
print("node_id" in json.load(open(sys.argv[1])) or "peers" in json.load(open(sys.argv[1])))' \
    "$TMP/s.out" 2>/dev/null)
[ "$rc" -eq 0 ] && [ "$got" = True ] &&
    pass "dotsctl status --json --admin PATH: JSON" ||
    fail "status --json after the command" "exit $rc, '$(head -c 200 "$TMP/s.out")' '$(head -c 200 "$TMP/s.err")'"
"$DOTSCTL" status --mid 3 >"$TMP/s.out" 2>"$TMP/s.err"
rc=$?
[ "$rc" -eq 64 ] && has "$TMP/s.err" "status: option --mid does not apply" &&
    pass "dotsctl status with a command option: usage error" ||
    fail "status --mid" "exit $rc '$(head -c 200 "$TMP/s.err")'"

# --- dotsctl: a server certificate without the expected name ---------------
"$DOTSCTL" get -s "$URI_T" --cert "$TMP/pki/customer2.pem" --key "$TMP/pki/customer2.key" \
    --ca "$TMP/pki/ca.pem" --server-name wrong.example --timeout 5 >"$TMP/w.out" 2>"$TMP/w.err"
rc=$?
[ "$rc" -eq 2 ] && has "$TMP/w.err" \
    "server certificate does not match server name wrong.example: it names CN gw1.test, DNS gw1.test" &&
    pass "dotsctl --server-name mismatch names both sides" ||
    fail "dotsctl server-name" "exit $rc '$(head -c 300 "$TMP/w.err")'"
gw_stop

# a state-dir under a regular file cannot be created: an error naming it
touch "$TMP/plain"
sed -i "s|^state-dir: .*|state-dir: $TMP/plain/state|" "$CONF"
"$DOTSGWD" -f -c "$CONF" >"$TMP/o.out" 2>"$TMP/o.err" &
pid=$!
wait_for 10 has "$TMP/o.err" "state-dir $TMP/plain/state" || true
if kill -0 "$pid" 2>/dev/null; then
	stop_pid "$pid"
	fail "uncreatable state-dir" "dotsgwd is running"
else
	wait "$pid"
	rc=$?
	[ "$rc" -eq 1 ] && has "$TMP/o.err" \
	    "state-dir $TMP/plain/state: $TMP/plain exists and is not a directory" &&
	    pass "uncreatable state-dir: exit 1, the error names it" ||
	    fail "uncreatable state-dir" "exit $rc '$(head -c 300 "$TMP/o.err")'"
fi
[ "$(stat -c %a "$TMP/state")" = "$mode_before" ] &&
    pass "an existing directory keeps its mode" || fail "existing mode" "changed"

# --- the quickstart's upstream example --------------------------------------
Q=$ROOT/topologies/quickstart/dotsgw.yaml
has "$Q" "the keys ca, cert and key go HERE," "inside upstream: (not beside name:)" \
    "Default: the PEER" &&
    pass "quickstart: X.509 keys go inside upstream:, server-name defaults to the peer name" ||
    fail "quickstart comment" "not said"
"$DOTSGWD" -n -c "$Q" >/dev/null 2>&1 && pass "quickstart still valid (-n)" ||
    fail "quickstart -n" "invalid"

# --- an upstream certificate that does not carry the peer's name ------------
# A's upstream is called isp-b (its role); B's certificate says gw-b.
node_certs gw-a gw-b
node_ports PA PB
for tr in dtls tls; do
	node_conf gw-a "$PA" 1000
	node_conf gw-b "$PB" 100000000000
	cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
  - name: isp-b
    upstream: { address: $HOST, port: $PB, transport: $tr }
EOF
	printf '  - name: gw-a\n    cert-name: gw-a\n    prefixes: [%s]\n' "$PFX1" \
	    >> "$TMP/gw-b.yaml"
	rm -f "$TMP/gw-a.log" "$TMP/gw-b.log"
	node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" ||
	    continue
	want="upstream isp-b: handshake failed: server certificate does not match server name isp-b: it names CN gw-b, DNS gw-b (the expected name is upstream.server-name, by default the peer name)"
	wait_log 10 "$TMP/gw-a.log" "$want" &&
	    pass "$tr: the handshake failure names isp-b (the peer name) and CN gw-b, DNS gw-b" ||
	    fail "$tr: handshake log" "$(grep -F 'upstream isp-b' "$TMP/gw-a.log" | tail -n 2)"
	node_stop gw-a
	node_stop gw-b
done
exit $((T_FAILS > 0))
