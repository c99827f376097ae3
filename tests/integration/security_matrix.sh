#!/usr/bin/env bash
# Security matrix: every hostile case with its exact outcome, one PASS line
# per case, over DTLS (coaps://). The TLS variants of the authentication
# cases and more malformed bodies are in peers_auth.sh and bad_input.sh.
#
#  case                                  outcome (RFC 9132)
#  unknown certificate (trusted CA)      handshake fails, no session
#  certificate from another CA           handshake fails, no session
#  expired certificate (configured name) handshake fails, no session
#                                        (GnuTLS: "invalid usage date")
#  wrong PSK key                         handshake fails, no session
#  unknown PSK identity                  handshake fails, no session
#  plain CoAP (no DTLS) to the port      no answer at all
#  another peer's prefix                 4.01 naming the target and rule
#  another peer's cuid: GET              4.04
#  another peer's cuid: PUT              4.09, conflict-cause cuid-collision
#  another peer's cuid: DELETE           2.02 (always), owner's untouched
#  another peer's mid under own cuid     own namespace: 4.04 / 2.01
#  cdid from a non-trusted peer          ignored (§4.4.1.1: servers MUST
#                                        ignore a client's cdid), 2.01
#  loop (request back at a gateway)      5.08 naming the path
#  oversized body (Block1)               4.13
#  deeply nested CBOR                    4.00
#  declared lengths beyond the payload   4.00
#  config with secrets readable by all   warning at start
. "$(dirname "$0")/../lib.sh"
t_init
sh "$PKI_SH" "$TMP/pki" cert expired customer2.example ca -1 ||
    { fail pki "certtool failed for the expired certificate"; exit 1; }
gw_start || exit 1
U=$URI_D
cuid1=$(cuid_psk "$PSK1_ID")

# diag_has NAME STRING: the last answer's diagnostic holds STRING
diag_has() {
	local d
	d=$(jget 'j.get("diagnostic", "<no diagnostic>")')
	if [[ $d == *"$2"* ]]; then
		pass "$1"
	else
		fail "$1" "no '$2' in $(_ctl_why)"
	fi
}

# no_session NAME DOTSCTL-ARGS...: exit 2, nothing answered, "handshake failed"
no_session() {
	local name=$1
	shift
	"$DOTSCTL" -s "$U" "$@" --timeout 8 get > "$TMP/o" 2> "$TMP/e"
	local rc=$?
	if [ $rc -eq 2 ] && [ ! -s "$TMP/o" ] && has "$TMP/e" "handshake failed"; then
		pass "$name"
	else
		fail "$name" "rc $rc, out '$(head -c 200 "$TMP/o")' err '$(head -c 200 "$TMP/e")'"
	fi
}
CA="--ca $TMP/pki/ca.pem --server-name gw1.test"
no_session "unknown certificate (trusted CA, name not configured): handshake fails" \
    --cert "$TMP/pki/stranger.pem" --key "$TMP/pki/stranger.key" $CA
no_session "certificate from another CA: handshake fails" \
    --cert "$TMP/pki/rogue.pem" --key "$TMP/pki/rogue.key" $CA
no_session "expired certificate with a configured name: handshake fails" \
    --cert "$TMP/pki/expired.pem" --key "$TMP/pki/expired.key" $CA
wait_log 10 "$GW_LOG" "DTLS: The certificate has an invalid usage date: 'customer2.example'" &&
    pass "expired certificate: the log says why" || fail "expired certificate log" "no line"
no_session "wrong PSK key: handshake fails" --psk-identity "$PSK1_ID" --psk-key wrong-key
no_session "unknown PSK identity: handshake fails" --psk-identity nobody --psk-key "$PSK1_KEY"

# response codes from coap-client's PDU dump (its own log lines hold
# timestamps like 19:12:56.915 that a code pattern would match)
cc plain -B 3 -m get "coap://$HOST:$PORT/$WK/mitigate/cuid=$cuid1"
[ -z "$CC_CODES" ] &&
    pass "plain CoAP without DTLS to the port: no answer" ||
    fail "plain CoAP" "got '$CC_CODES': $(grep -a '^v:' "$CC_OUT" | head -c 200)"

expect "another peer's prefix: 4.01" 4.01 psk3 "$U" mitigate --mid 1 --prefix 192.0.2.10/32
diag_has "another peer's prefix: the diagnostic names the target" 192.0.2.10/32

expect "owner's request (customer1 mid 7): 2.01" 2.01 psk1 "$U" mitigate --mid 7 --prefix 192.0.2.7/32
expect "another peer's cuid, GET: 4.04" 4.04 psk3 "$U" --cuid "$cuid1" get --mid 7
expect "another peer's cuid, PUT: 4.09" 4.09 psk3 "$U" --cuid "$cuid1" mitigate --mid 8 --prefix 203.0.113.8/32
check_j "another peer's cuid, PUT: conflict-cause cuid-collision" 4.09 \
    's["conflict-information"]["conflict-cause"]' cuid-collision
expect "another peer's cuid, DELETE: 2.02 (RFC 9132 §4.4.4: always)" 2.02 psk3 "$U" --cuid "$cuid1" withdraw --mid 7
ctl psk1 "$U" get --mid 7
check_ans "another peer's cuid, DELETE: the owner's mitigation untouched" \
    "$(code_of) $(jget 's["status"]')" "2.05 attack-mitigation-in-progress"
expect "another peer's mid under its own cuid, GET: 4.04" 4.04 psk3 "$U" get --mid 7
expect "another peer's mid under its own cuid, PUT: 2.01 (mids are per client)" 2.01 psk3 "$U" \
    mitigate --mid 7 --prefix 203.0.113.7/32

expect "cdid from a non-trusted peer: 2.01" 2.01 psk1 "$U" --cdid made-up-cdid \
    mitigate --mid 9 --prefix 192.0.2.9/32
wait_log 10 "$GW_LOG" "peer customer1 is not a trusted gateway: cdid 'made-up-cdid' ignored" &&
    expect "cdid from a non-trusted peer: ignored (found without cdid)" 2.05 psk1 "$U" get --mid 9 ||
    fail "cdid ignored" "no 'ignored' line in the log"

# oversized: coap-client sends a body beyond one datagram with Block1
$PY -c 'import cbor2,sys; sys.stdout.buffer.write(cbor2.dumps({1:{2:[{6:["192.0.2.%d/32" % (i % 256) for i in range(600)],14:3600}]}}))' > "$TMP/big.cbor"
cc_expect "oversized body (Block1, $(stat -c %s "$TMP/big.cbor") bytes): 4.13" 4.13 psk1 \
    -m put -t 271 -b 64 -f "$TMP/big.cbor" "$U/$(mpath "$cuid1" 20)"
printf '\xa1\x01' > "$TMP/deep.cbor"
for _ in $(seq 1 40); do printf '\x81'; done >> "$TMP/deep.cbor"
printf '\x00' >> "$TMP/deep.cbor"
expect "deeply nested CBOR (40 levels): 4.00" 4.00 psk1 "$U" mitigate --mid 21 --cbor-file "$TMP/deep.cbor"
# a text string declaring 2^28 bytes, then a map declaring 2^20 pairs
printf '\xa1\x01\xa1\x02\x81\xa1\x06\x81\x7a\x10\x00\x00\x00abc' > "$TMP/len1.cbor"
printf '\xa1\x01\xba\x00\x10\x00\x00\x02' > "$TMP/len2.cbor"
expect "declared string length beyond the payload: 4.00" 4.00 psk1 "$U" mitigate --mid 22 --cbor-file "$TMP/len1.cbor"
expect "declared map size beyond the payload: 4.00" 4.00 psk1 "$U" mitigate --mid 23 --cbor-file "$TMP/len2.cbor"

# the config file: readable by others while it holds PSK keys
cp "$CONF" "$TMP/open.yaml"
chmod 644 "$TMP/open.yaml"
"$DOTSGWD" -n -c "$TMP/open.yaml" > /dev/null 2> "$TMP/open.err"
has "$TMP/open.err" "holds PSK secrets but is readable by group/others (mode 0644); chmod 600" &&
    pass "config with secrets readable by others: warned at start" ||
    fail "config readable by others" "$(cat "$TMP/open.err")"

# loop: a gateway configured as its own upstream (and trusting itself as a
# downstream gateway) gets the request back with its own node id on the path
P2=$(free_port)
while [ "$P2" = "$PORT" ]; do P2=$(free_port); done
write_config "$TMP/loop.yaml" "$P2"
cat >> "$TMP/loop.yaml" <<EOF2
  - name: myself-down
    cert-name: gw1.test
    trusted-gateway: true
    prefixes: [$PFX1]
  - name: myself-up
    upstream: { address: $HOST, port: $P2, transport: dtls, server-name: gw1.test }
capacity: { bps: 0, pps: 0 }
EOF2
node_start loop "$TMP/loop.yaml" || exit 1
wait_log 20 "$TMP/loop.log" "upstream myself-up is up" ||
    fail "loop: upstream session to itself" "no 'is up' line"
expect "loop (the request comes back to the same gateway): 5.08" 5.08 psk1 "coaps://$HOST:$P2" \
    mitigate --mid 30 --prefix 192.0.2.30/32
diag_has "loop: 5.08 names the path" "gw1.test gw1.test"
gw_alive "daemon alive after the security matrix"
