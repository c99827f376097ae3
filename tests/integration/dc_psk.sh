#!/usr/bin/env bash
# TLS-PSK on the data channel (issue 15): gnutls-cli, an independent TLS
# client (curl here is built on OpenSSL and has no TLS-PSK option), with
# a peer's psk-identity and key gets that peer's answer, over TLS 1.3 and
# TLS 1.2; an unknown identity or a wrong key fails the handshake and
# the daemon lives on (a record that does not decrypt once crashed it:
# libcoap's process-wide GnuTLS audit log read MHD's session as its own).
. "$(dirname "$0")/../lib.sh"
t_init
command -v gnutls-cli >/dev/null || { skip dc_psk.sh "gnutls-cli missing (gnutls-bin)"; exit 0; }
DCPORT=$(free_port) || { fail port "no free port"; exit 1; }
printf 'data-channel: { address: %s, port: %s }\n' "$HOST" "$DCPORT" >> "$CONF"
gw_start || exit 1

hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
TLS13='NORMAL:-KX-ALL:+ECDHE-PSK:+DHE-PSK:+PSK'
TLS12='NORMAL:-VERS-ALL:+VERS-TLS1.2:-KX-ALL:+PSK'
CUID=psk-client-1
# psk ID KEY PRIORITY METHOD PATH [BODY]: OUT = gnutls-cli's output
psk() {
	local body=${6:-}
	OUT=$TMP/psk.out
	printf '%s %s HTTP/1.1\r\nHost: gw1.test\r\nContent-Type: application/yang-data+json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
	    "$4" "$5" "${#body}" "$body" |
	    timeout 15 gnutls-cli --pskusername "$1" --pskkey "$(hex "$2")" \
	    --priority "$3" -p "$DCPORT" "$HOST" > "$OUT" 2>&1
}
DATA=/restconf/data/ietf-dots-data-channel:dots-data

psk "$PSK1_ID" "$PSK1_KEY" "$TLS13" POST "$DATA" \
    '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}'
has "$OUT" "- PSK authentication. Connected as '$PSK1_ID'" "HTTP/1.1 201 Created" &&
    pass "TLS 1.3 PSK as $PSK1_ID: POST dots-client 201" ||
    fail "TLS 1.3 PSK" "$(grep -v '^\s' "$OUT" | head -n 12)"
has "$GW_LOG" "data channel: peer customer1: POST $DATA: 201" &&
    pass "the PSK identity is peer customer1" || fail "peer of the PSK" "$(grep -F 'data channel' "$GW_LOG" | tail -n 3)"
psk "$PSK1_ID" "$PSK1_KEY" "$TLS12" GET "$DATA/dots-client=$CUID"
has "$OUT" "HTTP/1.1 200 OK" "\"cuid\": \"$CUID\"" &&
    pass "TLS 1.2 PSK: GET the client 200" ||
    fail "TLS 1.2 PSK" "$(grep -v '^\s' "$OUT" | head -n 12)"
# customer3 is another PSK peer: customer1's client is not its
psk "$PSK3_ID" "$PSK3_KEY" "$TLS13" GET "$DATA/dots-client=$CUID"
has "$OUT" "HTTP/1.1 404 Not Found" &&
    pass "another PSK peer does not see it: 404" ||
    fail "other PSK peer" "$(grep -v '^\s' "$OUT" | head -n 12)"

# refused handshakes; the daemon lives on
psk nobody "$PSK1_KEY" "$TLS13" GET "$DATA/capabilities"
! has "$OUT" "HTTP/1.1" && has "$GW_LOG" "data channel: refused PSK identity 'nobody': no peer has it" &&
    pass "an unknown PSK identity: no handshake" ||
    fail "unknown identity" "$(grep -v '^\s' "$OUT" | head -n 8)"
psk "$PSK1_ID" wrong-key-wrong "$TLS13" GET "$DATA/capabilities"
! has "$OUT" "HTTP/1.1" && pass "a wrong PSK key: no handshake" ||
    fail "wrong key" "$(grep -v '^\s' "$OUT" | head -n 8)"
psk "$PSK1_ID" wrong-key-wrong "$TLS12" GET "$DATA/capabilities"
! has "$OUT" "HTTP/1.1" && pass "a wrong PSK key, TLS 1.2: no handshake" ||
    fail "wrong key 1.2" "$(grep -v '^\s' "$OUT" | head -n 8)"
gw_alive "the daemon survives records that do not decrypt"
psk "$PSK1_ID" "$PSK1_KEY" "$TLS13" GET "$DATA/capabilities"
has "$OUT" "HTTP/1.1 200 OK" && pass "and answers the right key again" ||
    fail "after" "$(grep -v '^\s' "$OUT" | head -n 8)"
# certificates still work beside PSK
CODE=$(curl -s -o /dev/null -w '%{http_code}' --cert "$TMP/pki/customer2.pem" \
    --key "$TMP/pki/customer2.key" --cacert "$TMP/pki/ca.pem" --max-time 10 \
    --resolve "gw1.test:$DCPORT:$HOST" "https://gw1.test:$DCPORT$DATA/capabilities")
check_eq "X.509 (curl) beside PSK: 200" "$CODE" 200
[ "$T_FAILS" -eq 0 ]
