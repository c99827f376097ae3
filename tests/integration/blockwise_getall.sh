#!/usr/bin/env bash
# A GET of all mitigations of a cuid that takes many Block2 blocks (RFC
# 7959): 2,000 mitigations (~90 KB of CBOR, 88 blocks) come back in one
# answer, every mid exactly once, within a bounded wait. Before, every
# block was encoded anew and carried another ETag (lifetimes left change
# from one millisecond to the next), and the client started over forever;
# over TLS, unblocked, a body larger than 16 KiB arrived corrupted.
# Then a relay's resynchronisation after kill -9 (customer -> A -> B), an
# upstream GET-all of a multi-block answer: every placement kept.
. "$(dirname "$0")/../lib.sh"
PUT_MANY=${PUT_MANY:-$ROOT/build/bench/put_many}	# PUT_MANY=FILE: built elsewhere
[ -x "$PUT_MANY" ] || make -C "$ROOT" --no-print-directory build/bench/put_many \
    >/dev/null 2>&1
t_init
if [ ! -x "$PUT_MANY" ]; then
	skip blockwise_getall "build/bench/put_many not built"
	exit 0
fi
N=2000
cat >> "$CONF" <<EOF
  - name: bulk
    psk-identity: bulk
    psk-key: bulk-secret-1234
    prefixes: [10.0.0.0/8]
    max-mitigations: $((N + 10))
    rate: { per-second: 1000000, burst: 1000000 }
EOF
sed -i 's/^node-id: gw1.test/node-id: gw1.test\noverload: { rate: { per-second: 1000000, burst: 1000000 } }/' "$CONF"
gw_start || exit 1
"$PUT_MANY" "$URI_D" bulk bulk-secret-1234 1 "$N" 10.0.0.0 3600 >"$TMP/put.out" 2>&1 &&
    pass "$N mitigations accepted" || fail "$N PUTs" "$(tail -n 2 "$TMP/put.out")"

# getall_summary FILE: of dotsctl's --json answer in FILE, its code and,
# for a 2.05, the number of mids, of distinct mids, the least and the
# greatest; "unparsable" when it is not one JSON answer.
getall_summary() {
	$PY -c '
import json, sys
try:
    o = json.loads(open(sys.argv[1]).readline())
    if o.get("code") != "2.05":
        print(o.get("code"))
        sys.exit(0)
    mids = [s["mid"] for s in o["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]
    print(o["code"], len(mids), len(set(mids)), min(mids), max(mids))
except Exception as e:
    print("unparsable (%s)" % type(e).__name__)
' "$1"
}
# check_getall NAME FILE WANT: the code first, then the mids (as many
# fields of the summary as WANT has); a failure shows the raw answer
check_getall() {
	local got w
	got=$(getall_summary "$2")
	if [ "${got%% *}" != 2.05 ]; then
		fail "$1" "expected 2.05, got ${got:-nothing}: '$(head -c 300 "$2")'" \
		    "stderr '$(head -c 200 "$TMP/all.err")'"
		return
	fi
	w=$(wc -w <<<"$3")
	check_eq "$1" "$(cut -d' ' -f1-"$w" <<<"$got")" "$3"
}

# GET-all, bounded: dotsctl gives up after 60 s
t0=$SECONDS
"$DOTSCTL" -s "$URI_D" --psk-identity bulk --psk-key bulk-secret-1234 \
    --timeout 60 --json get >"$TMP/all.json" 2>"$TMP/all.err"
rc=$?
el=$((SECONDS - t0))
check_getall "GET-all of $N (rc $rc, ${el} s): 2.05, $N mids, each once, 1..$N" \
    "$TMP/all.json" "2.05 $N $N 1 $N"
[ "$el" -lt 60 ] && pass "GET-all done within the 60 s bound (${el} s)" ||
    fail "GET-all bound" "${el} s"
# over TLS: in blocks too (one PDU of 22 KB came corrupted past 16 KiB)
"$DOTSCTL" -s "$URI_T" --psk-identity bulk --psk-key bulk-secret-1234 \
    --timeout 60 --json get >"$TMP/all.json" 2>"$TMP/all.err"
check_getall "GET-all of $N over TLS: 2.05, $N mids, each once" "$TMP/all.json" \
    "2.05 $N $N"

# the blocks of one answer: one ETag (not two), the same in every block.
# A 2.05 in coap-client's PDU dump: "v:1 t:ACK c:2.05 i:... [ options ]".
timeout 60 "$COAP_CLIENT" -u bulk -k bulk-secret-1234 -m get -v 7 -o "$TMP/raw.cbor" \
    "coaps://$HOST:$PORT/.well-known/dots/mitigate/cuid=$(cuid_psk bulk)" \
    >"$TMP/cc.log" 2>&1
B205='^v:[^ ]+ (t:[A-Z]+ )?c:2\.05 .*Block2:[0-9]+'
tags=$(grep -aoE "$B205" "$TMP/cc.log" |
    sed 's/.*\[ \(.*\)/\1/' | grep -oE 'ETag:0x[0-9a-f]+' | sort | uniq -c)
blocks=$(grep -acE "$B205" "$TMP/cc.log")
etags=$(grep -aE "$B205" "$TMP/cc.log" | grep -oF 'ETag:' | wc -l)
[ "$blocks" -gt 50 ] && [ "$etags" = "$blocks" ] &&
    [ "$(grep -c . <<<"$tags")" = 1 ] &&
    pass "coap-client: $blocks blocks, one ETag each, the same in all" ||
    fail "ETag per block" "$blocks blocks, $etags ETags: $(head -c 200 <<<"$tags")"
n_raw=$($PY -c '
import cbor2, sys
try:
    d = open(sys.argv[1], "rb").read()
except OSError as e:
    print("no body (%s)" % e); sys.exit(0)
try:
    print(len(cbor2.loads(d)[1][2]))
except Exception as e:
    print("unparsable (%s), %d bytes: %s" % (type(e).__name__, len(d), d[:40].hex()))
' "$TMP/raw.cbor")
check_eq "coap-client reassembled all $N" "$n_raw" "$N"
gw_stop

# --- relay: A resynchronises with B from a multi-block GET-all ------------
M=60
node_certs gw-a gw-b
node_ports PA PB
node_conf gw-a "$PA" 1000
node_conf gw-b "$PB" 100000000000
pair_peers
# M requests back to back: above the default rate (10/s, burst 20)
sed -i '/^  - name: gw-b/i\    rate: { per-second: 1000, burst: 1000 }' "$TMP/gw-a.yaml"
echo '    rate: { per-second: 1000, burst: 1000 }' >> "$TMP/gw-b.yaml"
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b || fail "relay: A's upstream B up" "no line"
"$PUT_MANY" "coaps://$HOST:$PA" "$PSK1_ID" "$PSK1_KEY" 1 "$M" 192.0.2.0 600 \
    >"$TMP/put.out" 2>&1 && pass "relay: $M mitigations relayed through A" ||
    fail "relay: $M PUTs" "$(tail -n 2 "$TMP/put.out")"
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
# b_count: how many mitigations B holds for A's cuid (a GET-all as A);
# anything but a 2.05 is printed as the raw answer
b_count() {
	"$DOTSCTL" -s "coaps://$HOST:$PB" --cert "$TMP/pki/gw-a.pem" \
	    --key "$TMP/pki/gw-a.key" --ca "$TMP/pki/ca.pem" \
	    --server-name gw-b --cuid "$CUID_A" --json get >"$TMP/b.json" 2>"$TMP/all.err"
	case $(getall_summary "$TMP/b.json") in
	"2.05 "*) getall_summary "$TMP/b.json" | cut -d' ' -f2 ;;
	*) echo "raw answer '$(head -c 300 "$TMP/b.json")'" ;;
	esac
}
b_is() { [ "$(b_count)" = "$1" ]; }
# A answers its customer once B answered or after its relay timeout
wait_for 20 b_is "$M"
check_eq "relay: B holds $M placements of A" "$(b_count)" "$M"
blk=$(grep -c "peer gw-a: GET .*cuid=$CUID_A *\$" "$TMP/gw-b.log")
node_stop gw-a KILL
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_log 20 "$TMP/gw-a.log" "upstream gw-b resynchronised: $M placements kept, 0 withdrawn" &&
    pass "relay: A resynchronised from a multi-block GET-all ($M kept)" ||
    fail "relay: resync" "$(grep -F 'resynchron' "$TMP/gw-a.log" | tail -n 2)"
n_get=$(($(grep -c "peer gw-a: GET .*cuid=$CUID_A *\$" "$TMP/gw-b.log") - blk))
[ "$n_get" -gt 1 ] && pass "relay: that GET-all took $n_get blocks at B" ||
    fail "relay: multi-block" "$n_get GET-all requests at B"
check_eq "relay: B still holds exactly $M (no duplicates)" "$(b_count)" "$M"
exit $((T_FAILS > 0))
