#!/usr/bin/env bash
# Decimals (RFC 9132 decimal64, fraction-digits 2; CBOR tag 4 [exponent,
# mantissa]) in a session-configuration PUT from coap-client, bodies built
# by cbor2: any exponent whose value is exactly a number of hundredths is
# taken ([-1, 25] = 2.5, [0, 2] = 2.00) and answered in the canonical
# [-2, m] form; a third fraction digit ([-3, 2051]) is a 4.00 saying it is
# not representable with two fraction digits. Before, any exponent but -2
# was a 4.00 "must have exponent -2".
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1
CFG=$URI_D/$WK/config

# cfg_body FILE ACK-TIMEOUT ACK-RANDOM-FACTOR: mitigating-config (32)
# ack-timeout (39) and ack-random-factor (40) current-value-decimal (43),
# each a Python [exponent, mantissa].
cfg_body() {
	mkcbor "$1" "{30: {32: {39: {43: cbor2.CBORTag(4, $2)},
	    40: {43: cbor2.CBORTag(4, $3)}}}}"
}

cfg_body "$TMP/c1.cbor" '[-1, 25]' '[0, 2]'
cc_expect "PUT ack-timeout [-1, 25], ack-random-factor [0, 2] -> 2.01" 2.01 \
    psk1 -m put -t 271 -f "$TMP/c1.cbor" "$CFG/sid=7"

# GET: the values as cbor2 reads them, and every decimal in the raw body
# in the [-2, m] form (c4 82 21 ...)
rm -f "$TMP/get.cbor"
cc_expect "GET config -> 2.05" 2.05 psk1 -m get -A 271 -o "$TMP/get.cbor" \
    "$CFG"
got=$($PY - "$TMP/get.cbor" <<'PY'
import cbor2, sys
raw = open(sys.argv[1], "rb").read()
m = cbor2.loads(raw)[30][32]
print(m[39][43], m[40][43], raw.count(b"\xc4\x82"), raw.count(b"\xc4\x82\x21"),
      b"\x18\x2b\xc4\x82\x21\x18\xfa" in raw, b"\x18\x2b\xc4\x82\x21\x18\xc8" in raw)
PY
)
n=$(awk '{print $3}' <<<"$got")
check_eq "GET: 2.50 and 2.00, every decimal [-2, m] ($n), 4([-2, 250]) and 4([-2, 200])" \
    "$got" "2.50 2.00 $n $n True True"

# the canonical form still goes in as it is
cfg_body "$TMP/c2.cbor" '[-2, 300]' '[-2, 150]'
cc_expect "PUT [-2, 300], [-2, 150] (a new sid) -> 2.01" 2.01 psk1 -m put -t 271 \
    -f "$TMP/c2.cbor" "$CFG/sid=8"

# not representable with two fraction digits: 4.00 saying so
cfg_body "$TMP/c3.cbor" '[-3, 2051]' '[-2, 150]'
cc_expect "PUT ack-timeout [-3, 2051] (2.051) -> 4.00" 4.00 psk1 -m put \
    -t 271 -f "$TMP/c3.cbor" "$CFG/sid=9"
has "$CC_OUT" "not representable with two fraction digits" &&
    pass "4.00 diagnostic: not representable with two fraction digits" ||
    fail "4.00 diagnostic" "$(grep -aF 'c:4.00' "$CC_OUT" | head -n 1)"
# exactly representable but outside the server's range: 4.22 as before
cfg_body "$TMP/c4.cbor" '[2, 1]' '[-2, 150]'
cc_expect "PUT ack-timeout [2, 1] (100.00, above 30.00) -> 4.22" 4.22 psk1 \
    -m put -t 271 -f "$TMP/c4.cbor" "$CFG/sid=10"
# what was refused changed nothing: the values of sid 8
rm -f "$TMP/get.cbor"
cc psk1 -m get -A 271 -o "$TMP/get.cbor" "$CFG"
got=$($PY -c '
import cbor2, sys
m = cbor2.loads(open(sys.argv[1], "rb").read())[30][32]
print(m[39][43], m[40][43])' "$TMP/get.cbor" 2>/dev/null)
check_eq "after the refusals: sid 8's 3.00 and 1.50 stand" "$got" "3.00 1.50"
gw_alive "daemon alive"
exit $((T_FAILS > 0))
