#!/usr/bin/env bash
# What we acknowledge with 2.01/2.04 is committed before the response
# leaves: dotsgwd runs with a file-size limit (ulimit -f, SIGXFSZ
# ignored) so that the state store's WAL soon cannot grow and its
# commits really fail (no test hook in the daemon). From then on a
# create is answered 5.03 with Max-Age and "state store: ...", is not in
# the table, and after a restart without the limit exactly the
# mitigations that got 2.01 are back. A relayed create, whose answer
# waits for its upstream, is answered 5.03 at once as well.
. "$(dirname "$0")/../lib.sh"
t_init
cat > "$TMP/limited.sh" <<LIM
#!/usr/bin/env bash
trap '' XFSZ
ulimit -f 160
exec "$DOTSGWD" "\$@"
LIM
chmod +x "$TMP/limited.sh"
REAL=$DOTSGWD
DOTSGWD=$TMP/limited.sh gw_start || exit 1
D=$URI_D

ok=() bad=
for mid in $(seq 1 120); do
	ctl psk1 "$D" mitigate --mid "$mid" --prefix "192.0.2.$mid/32" --lifetime 600
	case "$(code_of)" in
	2.01) ok+=("$mid") ;;
	5.03) bad=$mid; break ;;
	*) fail "mid $mid" "$(_ctl_why)"; break ;;
	esac
done
[ -n "$bad" ] && [ "${#ok[@]}" -gt 0 ] &&
    pass "the store fills after ${#ok[@]} commits: mid $bad is answered 5.03" ||
    fail "no failing commit" "ok ${#ok[@]} bad '$bad'"
grep -q "state store: " "$OUT" && pass "5.03 diagnostic: $(tr -d '\n' < "$OUT" | grep -o 'state store: [^"]*')" ||
    fail "diagnostic" "$(cat "$OUT")"
[ "$(jget 'j.get("max-age")')" = 5 ] &&
    pass "5.03 carries Max-Age 5" || fail "Max-Age" "$(cat "$OUT")"
ctl psk1 "$D" get --mid "$bad"
[ "$(code_of)" = 4.04 ] && pass "mid $bad is not in the table" ||
    fail "uncommitted create still there" "$(code_of)"
# a refresh writes less than a create: refresh until one cannot commit
ref=
for mid in "${ok[@]}"; do
	ctl psk1 "$D" mitigate --mid "$mid" --prefix "192.0.2.$mid/32" --lifetime 3600
	[ "$(code_of)" = 5.03 ] && { ref=$mid; break; }
done
ctl psk1 "$D" get --mid "${ref:-0}"
lt=$(jget 's["lifetime"]' 2>/dev/null)
[ -n "$ref" ] && [ "$(code_of)" = 2.05 ] && [ "${lt:-0}" -le 600 ] && [ "${lt:-0}" -gt 500 ] &&
    pass "a refresh of mid $ref that cannot commit: 5.03, the old lifetime stays ($lt s)" ||
    fail "refresh" "mid '$ref' lifetime '$lt'"
gw_alive "dotsgwd survives failing commits"

stop_pid "$GW_PID" KILL
GW_PID=
DOTSGWD=$REAL gw_start || exit 1
n=0
for mid in "${ok[@]}"; do
	ctl psk1 "$D" get --mid "$mid"
	[ "$(code_of)" = 2.05 ] && n=$((n + 1))
done
ctl psk1 "$D" get --mid "$bad"
[ "$n" = "${#ok[@]}" ] && [ "$(code_of)" = 4.04 ] &&
    pass "restart: the ${#ok[@]} acknowledged mitigations are back, mid $bad is not" ||
    fail "restart" "$n of ${#ok[@]} back, mid $bad: $(code_of)"
# --- a create held for its upstreams' answers gets 5.03 too -----------------
stop_pid "$GW_PID"
GW_PID=
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
node_conf() {	# NAME PORT BPS
	cat > "$TMP/$1.yaml" <<NC
node-id: $1
state-dir: $TMP/state-$1
listen:
  - { address: $HOST, port: $2, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$1.pem, key: $TMP/pki/$1.key }
capacity: { bps: $3, pps: 100000000, default-attack-bps: 100000000, default-attack-pps: 1000 }
gateway: { relay-timeout: 3000 }
peers:
NC
	chmod 600 "$TMP/$1.yaml"
}
mkdir -p "$TMP/state-gw-a" "$TMP/state-gw-b"
node_conf gw-a "$PA" 1000
node_conf gw-b "$PB" 100000000000
pair_peers
node_start gw-b "$TMP/gw-b.yaml" || exit 1
DOTSGWD=$TMP/limited.sh node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 10 grep -q "upstream gw-b is up" "$TMP/gw-a.log" ||
    fail "upstream up" "no 'is up' line"
A=coaps://$HOST:$PA
bad= t=
for mid in $(seq 1 120); do
	t0=$SECONDS
	ctl psk1 "$A" mitigate --mid "$mid" --prefix "192.0.2.$mid/32" --lifetime 600
	case "$(code_of)" in
	2.01) ;;
	5.03) bad=$mid t=$((SECONDS - t0)); break ;;
	*) fail "relayed mid $mid" "$(_ctl_why)"; break ;;
	esac
done
[ -n "$bad" ] && [ "$t" -le 2 ] && grep -q "state store: " "$OUT" &&
    pass "relayed create that cannot commit (mid $bad): 5.03 at once ($t s)" ||
    fail "relayed 5.03" "mid '$bad' in ${t:-?} s: $(cat "$OUT")"
ctl psk1 "$A" get --mid "${bad:-0}"
[ "$(code_of)" = 4.04 ] && pass "relayed mid $bad is not in the table" ||
    fail "relayed uncommitted create" "$(code_of)"
node_alive() { kill -0 "${NODE_PID[gw-a]}" 2>/dev/null; }
node_alive && pass "gw-a survives" || fail "gw-a" "died"
node_stop gw-a
node_stop gw-b
exit $((T_FAILS > 0))
