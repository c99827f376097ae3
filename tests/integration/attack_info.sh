#!/usr/bin/env bash
# Attack information (issue 6, RFC 9244 subset, RFC 9066 source
# attributes, draft-chen-dots-attack-information): customer -> A -> B -> C.
# The request's total-attack-traffic, attack-detail (attack id,
# description, severity, source count, top talkers) and call-home source
# prefix/port/ICMP type arrive at C byte for byte (C logs the body's CBOR
# at -vv); an efficacy update's new attack information replaces the old
# one at every hop and reaches C the same way; C's drop counters (its
# configured counter source) reach the customer at A through B.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs gw-a gw-b gw-c
node_ports PA PB PC
conf() { node_gw_conf "$@"; }
down() { printf '  - name: %s\n    cert-name: %s\n    trusted-gateway: true\n    prefixes: [%s]\n' "$1" "$1" "$PFX1" >> "$2"; }
upto() { printf '  - name: %s\n    upstream: { address: %s, port: %s, transport: dtls }\n' "$1" "$HOST" "$2" >> "$3"; }
conf gw-a "$PA" 1000000000 ""
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
EOF
upto gw-b "$PB" "$TMP/gw-a.yaml"
conf gw-b "$PB" 1000000000 ""
down gw-a "$TMP/gw-b.yaml"
upto gw-c "$PC" "$TMP/gw-b.yaml"
conf gw-c "$PC" 100000000000 "mitigator: { type: log, counters: counters.txt, stats-interval: 1 }"
down gw-b "$TMP/gw-c.yaml"

# C at -vv: its request log carries each body's CBOR as hex
"$DOTSGWD" -f -v -v -c "$TMP/gw-c.yaml" 2>>"$TMP/gw-c.log" >/dev/null &
NODE_PID[gw-c]=$!
c_ready() { has "$TMP/gw-c.log" "dotsgwd ready" || ! kill -0 "${NODE_PID[gw-c]}"; }
wait_for 20 c_ready && has "$TMP/gw-c.log" "dotsgwd ready" ||
    { fail "start gw-c" "$(tail -n 3 "$TMP/gw-c.log")"; exit 1; }
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b && wait_for 20 node_up gw-b gw-c &&
    pass "chain A -> B -> C up" || fail "chain up" "no 'is up' lines"
A=coaps://$HOST:$PA

# The attributes, each as the CBOR value the customer sends: what C must
# see unchanged. 5 Gbit/s peak (the draft's attack bandwidth), attack-detail
# with id, description (the draft's attack type name), severity high,
# source count (the draft's attack-source count) and a top talker.
cat > "$TMP/attrs.py" <<'EOF'
import cbor2, sys
tat = [{134: 11, 143: 5, 209: 4}]
detail = [{202: 32473, 164: 77, 165: "DNS amplification (DNS-AMP)",
           166: 4, 167: 1700000000, 169: {143: 1200, 209: 900},
           170: {184: [{185: "198.51.100.7/32", 171: False,
                        144: [{134: 8, 143: 900}]}]}}]
src = ["198.51.100.0/24"]
sport = [{8: 53}]
icmp = [{32771: 3, 32772: 3}]
def body(tat, status=None):
    s = {6: ["192.0.2.0/28"], 10: [17], 14: 600, 205: tat, 207: detail,
         32768: src, 32769: sport, 32770: icmp}
    if status:
        s[29] = status
    return {1: {2: [s]}}
which = sys.argv[1]
if which == "req":
    sys.stdout.buffer.write(cbor2.dumps(body(tat)))
elif which == "eff":
    sys.stdout.buffer.write(cbor2.dumps(body([{134: 11, 143: 7, 209: 6}], 1)))
else:	# the hex of each value, one per line
    for v in (tat, detail, src, sport, icmp) if which == "vals" else \
            ([{134: 11, 143: 7, 209: 6}],):
        print(cbor2.dumps(v).hex())
EOF
$PY "$TMP/attrs.py" req > "$TMP/req.cbor"
$PY "$TMP/attrs.py" eff > "$TMP/eff.cbor"
ctl psk1 "$A" mitigate --mid 5 --cbor-file "$TMP/req.cbor"
[ "$(code_of)" = 2.01 ] && pass "request with attack information: 2.01" || fail "request" "$(_ctl_why)"
wait_log 10 "$TMP/gw-a.log" "mid 5: upstream: 5 Gbit/s exceeds local free" &&
    pass "A decides on the request's volume (5 Gbit/s from total-attack-traffic)" ||
    fail "volume decision" "$(grep -F 'mid 5' "$TMP/gw-a.log" | tail -n 2)"

# bodies C received from B, as hex
c_bodies() { sed -n 's/.*peer gw-b: body cbor \([0-9a-f]*\).*/\1/p' "$TMP/gw-c.log"; }
at_c() { [ -n "$(c_bodies)" ]; }
wait_for 20 at_c || fail "C got the request" "no body logged at C"
all_in() {	# HEXLIST-FILE BODY: every value appears in the body
	local v
	while read -r v; do
		case $2 in *"$v"*) ;; *) return 1 ;; esac
	done < "$1"
}
$PY "$TMP/attrs.py" vals > "$TMP/vals.hex"
first=$(c_bodies | head -n 1)
all_in "$TMP/vals.hex" "$first" &&
    pass "three hops up, C gets total-attack-traffic, attack-detail, source-prefix, source-port-range, source-icmp-type-range byte for byte" ||
    fail "attributes at C" "$first"
# some line "peer gw-b: PUT ..." with the description, then the severity
# (fixed strings in this order)
c_detail() {
	grep -F "peer gw-b: PUT " "$TMP/gw-c.log" |
	    awk -v d='"attack-description":"DNS amplification (DNS-AMP)"' \
	    -v h='"attack-severity":"high"' '
	    (i = index($0, d)) && index(substr($0, i + length(d)), h) { f = 1 }
	    END { exit !f }'
}
wait_for 10 c_detail &&
    pass "C reads attack-detail (description, severity high)" || fail "attack-detail at C" "not in C's log"

# efficacy update with new attack information: 7 Gbit/s
ctl psk1 "$A" efficacy --mid 5 --attack-status under-attack --cbor-file "$TMP/eff.cbor"
[ "$(code_of)" = 2.04 ] && pass "efficacy update with new attack information: 2.04" ||
    fail "efficacy" "$(_ctl_why)"
wait_log 10 "$TMP/gw-a.log" "mid 5: attack information updated: 7000000000 bit/s" &&
    pass "A keeps the new attack information (7 Gbit/s)" ||
    fail "A keeps it" "$(grep -F 'attack information' "$TMP/gw-a.log")"
$PY "$TMP/attrs.py" new > "$TMP/new.hex"
eff_at_c() { [ "$(c_bodies | wc -l)" -ge 2 ] && all_in "$TMP/new.hex" "$(c_bodies | tail -n 1)"; }
wait_for 20 eff_at_c && pass "the efficacy update's total-attack-traffic reaches C byte for byte" ||
    fail "efficacy at C" "$(c_bodies | tail -n 1)"
# C logs its update after the body: wait for it
c_updated() {
	grep -qE "info: peer gw-b cuid [A-Za-z0-9_-]+ mid [0-9]+: attack information updated: 7000000000 bit/s" \
	    "$TMP/gw-c.log"
}
wait_for 10 c_updated && pass "C holds the new attack information too" ||
    fail "C holds it" "no line: $(grep -F 'attack information' "$TMP/gw-c.log")"

# drop counters: C's counter source -> B -> A -> customer
wait_log 10 "$TMP/gw-c.log" "accepted: peer gw-b cuid" ||
    fail "C accepted the request" "no 'accepted' line"
line=$(grep -F "accepted: peer gw-b cuid" "$TMP/gw-c.log" | head -n 1)
ccuid=$(echo "$line" | sed -n 's/.*cuid \([^ ]*\) mid \([0-9]*\):.*/\1/p')
cmid=$(echo "$line" | sed -n 's/.*cuid \([^ ]*\) mid \([0-9]*\):.*/\2/p')
printf '# peer cuid mid bytes pkts bps pps\ngw-b %s %s 123456789 98765 4000000 5000\n' \
    "$ccuid" "$cmid" > "$TMP/state/counters.txt"
# the scope's counters, from a 2.05 answer
counters() {
	ctl psk1 "$A" get --mid 5
	[ "$(code_of)" = 2.05 ] &&
	    [ "$(jget '[s.get(k) for k in ("bytes-dropped", "pkts-dropped", "bps-dropped", "pps-dropped")]')" = \
	    '["123456789", "98765", "4000000", "5000"]' ]
}
wait_for 20 counters && pass "C's drop counters reach the customer at A (bytes, pkts, bps, pps)" ||
    fail "drop counters" "$(_ctl_why)"
ctl psk1 "$A" withdraw --mid 5
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 5" "$(_ctl_why)"
exit $((T_FAILS > 0))
