#!/usr/bin/env bash
# RFC 9133 acl-list on the way upstream (issue 6): its keys are
# comprehension-required, so gateway A sends it only to an upstream
# configured "rfc9133: true" (C, which has the ACL staged for A and
# activates it in its log mitigator) and strips it, logged, toward B.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs gw-a gw-b gw-c
node_ports PA PB PC

ACL='    acls:
      - name: block-dns
        type: ipv4
        aces:
          - name: dns-amp
            matches: { destination-prefix: 192.0.2.0/28, protocol: 17, source-port-range: 53 }
            action: drop'
node_gw_conf gw-a "$PA" 0
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
    actions: [upstream]
$ACL
  - name: gw-b
    upstream: { address: $HOST, port: $PB, transport: dtls }
  - name: gw-c
    upstream: { address: $HOST, port: $PC, transport: dtls, rfc9133: true }
EOF
for n in gw-b gw-c; do
	node_gw_conf "$n" "$([ $n = gw-b ] && echo "$PB" || echo "$PC")" \
	    100000000000 "mitigator: { type: log }"
	printf '  - name: gw-a\n    cert-name: gw-a\n    prefixes: [%s]\n' \
	    "$PFX1" >> "$TMP/$n.yaml"
done
echo "$ACL" >> "$TMP/gw-c.yaml"

node_start gw-b "$TMP/gw-b.yaml" && node_start gw-c "$TMP/gw-c.yaml" &&
    node_start gw-a "$TMP/gw-a.yaml" || exit 1
trap 'nodes_stop; t_cleanup' EXIT
up() { node_up gw-a "$1"; }
wait_for 20 up gw-b && wait_for 20 up gw-c &&
    pass "A's sessions to B and C up" || fail "sessions" "no 'is up' lines"
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")

cat > "$TMP/r1.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.0/28"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": [{"acl-name": "block-dns"}]
}]}}
EOF
ctl psk1 "coaps://$HOST:$PA" mitigate --mid 1 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "request with acl-list relayed by A: 2.01" ||
    fail "relayed acl-list request" "$(_ctl_why)"
wait_log 20 "$TMP/gw-a.log" "mid 1: acl-list not sent to upstream gw-b (no rfc9133: true)" &&
    pass "toward B (no rfc9133): acl-list stripped, logged" ||
    fail "strip log" "$(grep -iF acl "$TMP/gw-a.log" | head -n 3)"
# B's answer as A logs it: "accepted by upstream gw-b" or "upstream gw-b
# refused mid N: 4.04 ..." (B itself does not log a 4.04)
b_answered() {
	has "$TMP/gw-a.log" "accepted by upstream gw-b as cuid" ||
	    has "$TMP/gw-a.log" "upstream gw-b refused mid"
}
at_b() { has "$TMP/gw-b.log" "peer gw-a cuid $CUID_A mid 1: log rule 1/1: match destination 192.0.2.0/28 then"; }
wait_for 20 b_answered && wait_for 20 at_b &&
    has "$TMP/gw-a.log" "mid 1: accepted by upstream gw-b as cuid $CUID_A mid 1" &&
    ! has "$TMP/gw-a.log" "upstream gw-b refused mid" &&
    ! has "$TMP/gw-b.log" "no such ACL" &&
    ! grep -F "peer gw-a: PUT .well-known/dots/mitigate/" "$TMP/gw-b.log" |
    grep -qF "acl-list" &&
    pass "B accepted the request without the acl-list (scope rule only)" ||
    fail "B" "A: $(grep -F "upstream gw-b" "$TMP/gw-a.log" | tail -n 2); B: $(tail -n 5 "$TMP/gw-b.log")"
at_c() { has "$TMP/gw-c.log" "log rule 2/2: match destination 192.0.2.0/28 protocol ==17 source-port ==53 then discard"; }
wait_for 20 at_c && ! has "$TMP/gw-a.log" "acl-list not sent to upstream gw-c" &&
    pass "C (rfc9133: true) got the acl-list and activated its staged ACL" ||
    fail "C" "$(grep -F 'log rule' "$TMP/gw-c.log" | tail -n 3)"
exit $((T_FAILS > 0))
