#!/bin/bash
# Interop matrix rows 1-10 with coap-client-gnutls (an independent CoAP
# stack), CBOR built and decoded with python3-cbor2, over DTLS and TLS,
# with PSK and certificates. coap-client exits 0 on errors: codes are read
# from its -v 7 PDU dump.
. "$(dirname "$0")/../lib.sh"
t_init
command -v "$COAP_CLIENT" >/dev/null ||
    { skip matrix_coap_client "$COAP_CLIENT not installed"; exit 0; }
gw_start || exit 1

# cbor_q FILE EXPR: EXPR over the first CBOR item of FILE as JSON (d;
# s = its first mitigation scope or None), printed; "<why: raw>" when
# FILE holds no such item or EXPR fails on it (the raw answer named)
cbor_q() {
	$PY -c '
import json, sys
raw = sys.stdin.readline().strip()
try:
    d = json.loads(raw)
    try:
        s = d["1"]["2"][0]
    except Exception:
        s = None
    v = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, raw[:300] or "no CBOR item in " + sys.argv[2]))
    sys.exit(0)
print(v)' "$2" "$1" < <(cbor_json "$1" 2>/dev/null)
}

i=0
for combo in "psk1 D" "psk1 T" "pki2 D" "pki2 T"; do
	set -- $combo
	cred=$1
	base=$URI_D tr=dtls
	[ "$2" = T ] && base=$URI_T tr=tls
	i=$((i + 1))
	if [ "$cred" = psk1 ]; then
		net=192.0.2 cuid=$(cuid_psk $PSK1_ID)
	else
		net=198.51.100 cuid=$(cuid_cert $TMP/pki/customer2.pem)
	fi
	p=$net.$((20 + i))/32
	mid=$((300 + i))
	n="coap-client $cred/$tr"
	u=$base/$(mpath $cuid $mid)

	# 1 PUT (NON, as RFC 9132 sends mitigation requests)
	mkcbor $TMP/req.cbor "{1:{2:[{6:['$p'],7:[{8:80,9:81}],10:[6],14:3600}]}}"
	cc_expect "$n row1 PUT -> 2.01" 2.01 $cred -N -m put -t 271 \
	    -f $TMP/req.cbor "$u"
	# 3 GET one, body decoded with cbor2
	rm -f $TMP/get.cbor
	cc_expect "$n row3 GET one -> 2.05" 2.05 $cred -m get -A 271 \
	    -o $TMP/get.cbor "$u"
	check_eq "$n row3 mid and status in CBOR" "$(cbor_q $TMP/get.cbor \
	    '"%s %s %s" % (s["5"], s["16"] in (1, 2), s["6"])')" "$mid True ['$p']"
	# 4 GET all
	rm -f $TMP/all.cbor
	cc_expect "$n row4 GET all -> 2.05" 2.05 $cred -m get -A 271 \
	    -o $TMP/all.cbor "$base/$(mpath $cuid)"
	check_eq "$n row4 lists mid" "$(cbor_q $TMP/all.cbor \
	    'sum(1 for x in d["1"]["2"] if x["5"] == '$mid')')" 1
	# 5 Observe in the background, 6 efficacy update, 2 DELETE. -s 6: 6 s
	# at least of observation once registered (room for a loaded
	# machine); we wait for the registration's answer (coap-client writes
	# each notification as it comes)
	rm -f $TMP/obs.cbor
	timeout 40 "$COAP_CLIENT" $(cc_args $cred) -m get -s 6 -A 271 \
	    -o $TMP/obs.cbor "$u" >$TMP/obs.out 2>$TMP/obs.err &
	opid=$!
	wait_for 20 test -s $TMP/obs.cbor
	mkcbor $TMP/eff.cbor "{1:{2:[{6:['$p'],7:[{8:80,9:81}],10:[6],14:3600,29:2}]}}"
	cc_expect "$n row6 efficacy update (If-Match) -> 2.04" 2.04 $cred \
	    -N -m put -O 1 -t 271 -f $TMP/eff.cbor "$u"
	cc_expect "$n row2 DELETE -> 2.02" 2.02 $cred -N -m delete "$u"
	wait $opid
	# each notification's status ("?" for one that is not a mitigation)
	nots=$(cbor_json $TMP/obs.cbor | $PY -c '
import json, sys
def st(l):
    try:
        return str(json.loads(l)["1"]["2"][0].get("16"))
    except Exception:
        return "?"
print(" ".join(st(l) for l in sys.stdin))')
	if [[ " $nots " == *" 5 "* ]] && [[ $nots == *" "* ]]; then
		pass "$n row5 Observe: notifications with status $nots"
	else
		fail "$n row5 Observe" "statuses seen '$nots' (want ... 5), CBOR '$(cbor_json \
		    $TMP/obs.cbor 2>&1 | head -c 300)', stderr '$(head -c 200 $TMP/obs.err)'"
	fi
	# 7 config PUT (CON), 9 GET, 8 DELETE
	sid=$((20 + i))
	mkcbor $TMP/cfg.cbor '{30:{32:{33:{36:45},37:{36:6}},44:{33:{36:45},37:{36:6}}}}'
	cc_expect "$n row7 config PUT -> 2.01" 2.01 $cred -m put -t 271 \
	    -f $TMP/cfg.cbor "$base/$WK/config/sid=$sid"
	rm -f $TMP/cfg.out
	cc_expect "$n row9 config GET -> 2.05" 2.05 $cred -m get -A 271 \
	    -o $TMP/cfg.out "$base/$WK/config/sid=$sid"
	check_eq "$n row9 current heartbeat-interval" \
	    "$(cbor_q $TMP/cfg.out 'd["30"]["44"]["33"]["36"]')" 45
	check_eq "$n row9 decimal ack-timeout (CBOR tag 4)" \
	    "$(cbor_q $TMP/cfg.out 'd["30"]["44"]["39"]["43"]')" 2.00
	cc_expect "$n row8 config DELETE -> 2.02" 2.02 $cred -m delete \
	    "$base/$WK/config/sid=$sid"
	# 10 heartbeat (NON PUT, A1 18 31 A1 18 33 F5)
	printf '\xa1\x18\x31\xa1\x18\x33\xf5' > $TMP/hb.cbor
	cc_expect "$n row10 heartbeat -> 2.04" 2.04 $cred -N -m put -t 271 \
	    -f $TMP/hb.cbor "$base/$WK/hb"
done

# Interop pitfalls (matrix notes): config and heartbeat sent right after
# the handshake, GET with an empty non-CBOR body, DELETE without mid.
cuid1=$(cuid_psk $PSK1_ID)
cc_expect "early config GET right after connect -> 2.05" 2.05 psk1 \
    -m get "$URI_D/$WK/config"
cc_expect "early heartbeat right after connect -> 2.04" 2.04 psk1 -N \
    -m put -t 271 -f $TMP/hb.cbor "$URI_D/$WK/hb"
cc_expect "early heartbeat over TLS -> 2.04" 2.04 psk1 \
    -m put -t 271 -f $TMP/hb.cbor "$URI_T/$WK/hb"
: > $TMP/empty
cc_expect "GET one with an empty text/plain body -> 4.04 (unknown mid)" \
    4.04 psk1 -m get -t 0 -f $TMP/empty "$URI_D/$(mpath $cuid1 99999)"
mkcbor $TMP/req.cbor "{1:{2:[{6:['192.0.2.77/32'],14:3600}]}}"
cc_expect "PUT for the empty-body GET -> 2.01" 2.01 psk1 -m put -t 271 \
    -f $TMP/req.cbor "$URI_D/$(mpath $cuid1 400)"
cc_expect "GET all with an empty text/plain body -> 2.05" 2.05 psk1 \
    -m get -t 0 -f $TMP/empty "$URI_D/$(mpath $cuid1)"
cc_expect "DELETE without mid -> 4.00" 4.00 psk1 -m delete \
    "$URI_D/$(mpath $cuid1)"
gw_alive "daemon alive after coap-client tests"
