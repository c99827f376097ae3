#!/usr/bin/env bash
# RFC 9244 telemetry across three gateways (issue 18): customer -> A -> B
# -> C. The customer reports an attack (tm, 5 Gbit/s toward its targets,
# attack-detail with a top talker) at A; A's decision for those targets
# goes upstream (1 Gbit/s local capacity), so A PUTs the telemetry to B
# under its own cuid, B likewise to C: C holds it, volume and attack
# detail intact. A mitigation request that carries no attack volume is
# decided from the reported telemetry: before the report it stays local
# (the configured default volume, 1 Mbit/s), after it goes upstream.
. "$(dirname "$0")/../lib.sh"
t_init
command -v "$COAP_CLIENT" >/dev/null ||
    { skip telemetry_chain "$COAP_CLIENT not installed"; exit 0; }
node_certs gw-a gw-b gw-c
node_ports PA PB PC
down() { printf '  - name: %s\n    cert-name: %s\n    trusted-gateway: true\n    prefixes: [%s]\n' "$1" "$1" "$PFX1" >> "$2"; }
upto() { printf '  - name: %s\n    upstream: { address: %s, port: %s, transport: dtls }\n' "$1" "$HOST" "$2" >> "$3"; }
node_ports AP
node_gw_conf gw-a "$PA" 1000000000 "admin: { address: $HOST, port: $AP }"
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
    rate: { per-second: 1000, burst: 1000 }
EOF
upto gw-b "$PB" "$TMP/gw-a.yaml"
node_gw_conf gw-b "$PB" 1000000000 ""
down gw-a "$TMP/gw-b.yaml"
upto gw-c "$PC" "$TMP/gw-b.yaml"
node_gw_conf gw-c "$PC" 100000000000 ""
down gw-b "$TMP/gw-c.yaml"
node_start gw-c "$TMP/gw-c.yaml" && node_start gw-b "$TMP/gw-b.yaml" &&
    node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b && wait_for 20 node_up gw-b gw-c &&
    pass "chain A -> B -> C up" || fail "chain up" "no 'is up' lines"
A=coaps://$HOST:$PA
C1=$(cuid_psk $PSK1_ID)

# before any telemetry: a request without attack volume stays local
mkcbor "$TMP/m1.cbor" "{1:{2:[{6:['192.0.2.32/28'],14:600}]}}"
ctl psk1 "$A" mitigate --mid 1 --cbor-file "$TMP/m1.cbor"
[ "$(code_of)" = 2.01 ] && pass "request without attack volume: 2.01" ||
    fail "request mid 1" "$(_ctl_why)"
wait_log 10 "$TMP/gw-a.log" "mid 1: local mitigation" &&
    pass "without telemetry it is decided local (default volume)" ||
    fail "mid 1 local" "$(grep -F 'mid 1' "$TMP/gw-a.log" | tail -n 3)"
ctl psk1 "$A" withdraw --mid 1
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 1" "$(_ctl_why)"

# the customer's telemetry: 5 Gbit/s toward 192.0.2.0/26, a top talker
mkcbor "$TMP/tm.cbor" "{208:{138:[{189:{6:['192.0.2.0/26']},144:[{134:11,143:5}],162:[{202:32473,164:77,165:'DNS amplification',166:4,170:{184:[{185:'198.51.100.7/32',144:[{134:8,143:900}]}]}}]}]}}"
cc_expect "customer PUT tm at A -> 2.04" 2.04 psk1 -m put -t 271 \
    -f "$TMP/tm.cbor" "$A/$WK/tm/cuid=$C1/tmid=10"
at_b() { has "$TMP/gw-b.log" "peer gw-a: telemetry tmid" "accepted: 1 targets, attack 5000000000 bit/s"; }
wait_for 20 at_b && pass "A relays the telemetry to B (5 Gbit/s)" ||
    fail "telemetry at B" "$(grep -F telemetry "$TMP/gw-a.log" "$TMP/gw-b.log" | tail -n 4)"
at_c() { has "$TMP/gw-c.log" "peer gw-b: telemetry tmid" "accepted: 1 targets, attack 5000000000 bit/s"; }
wait_for 20 at_c && pass "B relays it to C: telemetry reported at A reaches C" ||
    fail "telemetry at C" "$(grep -F telemetry "$TMP/gw-b.log" "$TMP/gw-c.log" | tail -n 4)"
has "$TMP/gw-c.log" "accepted: 1 targets, attack 5000000000 bit/s 0 pkt/s, attack-detail 32473:77 DNS amplification" &&
    pass "C holds the attack detail (vendor 32473, attack 77, its description)" ||
    fail "attack detail at C" "$(grep -F 'peer gw-b: telemetry' "$TMP/gw-c.log")"
has "$TMP/gw-a.log" "telemetry: upstream gw-b took tmid (1 targets)" &&
    pass "A logs B's 2.04" || fail "A's relay answer" "$(grep -F 'telemetry:' "$TMP/gw-a.log")"

# the same kind of request now: volume from telemetry, goes upstream
ctl psk1 "$A" mitigate --mid 2 --cbor-file "$TMP/m1.cbor"
[ "$(code_of)" = 2.01 ] && pass "request without attack volume, after the report: 2.01" ||
    fail "request mid 2" "$(_ctl_why)"
has "$TMP/gw-a.log" "mid 2: attack volume from telemetry: 5000000000 bit/s" &&
    pass "its attack volume comes from the reported telemetry" ||
    fail "volume from telemetry" "$(grep -F 'mid 2' "$TMP/gw-a.log")"
wait_log 10 "$TMP/gw-a.log" "mid 2: upstream: 5 Gbit/s exceeds local free" &&
    pass "with the telemetry it is decided upstream (local vs upstream changed)" ||
    fail "mid 2 upstream" "$(grep -F 'mid 2' "$TMP/gw-a.log" | tail -n 3)"

# the customer withdraws its telemetry: A DELETEs its own upstream
cc_expect "customer DELETE tm at A -> 2.02" 2.02 psk1 -m delete \
    "$A/$WK/tm/cuid=$C1"
gone_b() { has "$TMP/gw-a.log" "telemetry: upstream gw-b took the DELETE of our telemetry"; }
wait_for 20 gone_b && pass "A withdraws its telemetry at B" ||
    fail "DELETE at B" "$(grep -F 'telemetry' "$TMP/gw-a.log" | tail -n 3)"
# /metrics at A: the customer's report received, relayed to B
c=$(http GET "http://$HOST:$AP/metrics" "$TMP/metrics")
check_eq "A's /metrics answers" "$c" 200
check_eq "A counts the telemetry received" \
    "$(metric dotsgw_telemetry_received_total "$TMP/metrics")" 1
r=$(metric 'dotsgw_telemetry_relayed_total{result="ok"}' "$TMP/metrics")
[ "$r" != absent ] && [ "$r" -ge 1 ] &&
    pass "A counts the telemetry relayed ($r)" ||
    fail "relayed counter" "$r"
for n in gw-a gw-b gw-c; do
	kill -0 "${NODE_PID[$n]}" 2>/dev/null && pass "$n alive" ||
	    fail "$n alive" "exited"
done
