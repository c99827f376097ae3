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
PUT_MANY=$ROOT/build/bench/put_many
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

# GET-all, bounded: dotsctl gives up after 60 s
t0=$SECONDS
"$DOTSCTL" -s "$URI_D" --psk-identity bulk --psk-key bulk-secret-1234 \
    --timeout 60 --json get >"$TMP/all.json" 2>"$TMP/all.err"
rc=$?
el=$((SECONDS - t0))
got=$($PY -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
mids = [s["mid"] for s in o["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]
print(o["code"], len(mids), len(set(mids)), min(mids), max(mids))
' "$TMP/all.json" 2>/dev/null)
check_eq "GET-all of $N (rc $rc, ${el} s): 2.05, $N mids, each once, 1..$N" \
    "$got" "2.05 $N $N 1 $N"
[ "$el" -lt 60 ] && pass "GET-all done within the 60 s bound (${el} s)" ||
    fail "GET-all bound" "${el} s"
# over TLS: in blocks too (one PDU of 22 KB came corrupted past 16 KiB)
"$DOTSCTL" -s "$URI_T" --psk-identity bulk --psk-key bulk-secret-1234 \
    --timeout 60 --json get >"$TMP/all.json" 2>"$TMP/all.err"
got=$($PY -c '
import json, sys
o = json.loads(open(sys.argv[1]).readline())
mids = [s["mid"] for s in o["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]
print(o["code"], len(mids), len(set(mids)))
' "$TMP/all.json" 2>/dev/null)
check_eq "GET-all of $N over TLS: 2.05, $N mids, each once" "$got" "2.05 $N $N"

# the blocks of one answer: one ETag (not two), the same in every block
coap-client-gnutls -u bulk -k bulk-secret-1234 -m get -v 7 -o "$TMP/raw.cbor" \
    "coaps://$HOST:$PORT/.well-known/dots/mitigate/cuid=$(cuid_psk bulk)" \
    >"$TMP/cc.log" 2>&1
tags=$(grep -o 'c:2.05 .*Block2:[0-9]*' "$TMP/cc.log" |
    sed 's/.*\[ \(.*\)/\1/' | grep -o 'ETag:0x[0-9a-f]*' | sort | uniq -c)
blocks=$(grep -c 'c:2.05 .*Block2:' "$TMP/cc.log")
etags=$(grep 'c:2.05 .*Block2:' "$TMP/cc.log" | grep -o 'ETag:' | wc -l)
[ "$blocks" -gt 50 ] && [ "$etags" = "$blocks" ] &&
    [ "$(grep -c . <<<"$tags")" = 1 ] &&
    pass "coap-client: $blocks blocks, one ETag each, the same in all" ||
    fail "ETag per block" "$blocks blocks, $etags ETags: $(head -c 200 <<<"$tags")"
n_raw=$($PY -c '
import cbor2, sys
b = cbor2.loads(open(sys.argv[1], "rb").read())
print(len(b[1][2]))' "$TMP/raw.cbor" 2>/dev/null)
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
up() { grep -q "upstream gw-b is up" "$TMP/gw-a.log"; }
wait_for 10 up || fail "relay: A's upstream B up" "no line"
"$PUT_MANY" "coaps://$HOST:$PA" "$PSK1_ID" "$PSK1_KEY" 1 "$M" 192.0.2.0 600 \
    >"$TMP/put.out" 2>&1 && pass "relay: $M mitigations relayed through A" ||
    fail "relay: $M PUTs" "$(tail -n 2 "$TMP/put.out")"
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
b_count() {
	"$DOTSCTL" -s "coaps://$HOST:$PB" --cert "$TMP/pki/gw-a.pem" \
	    --key "$TMP/pki/gw-a.key" --ca "$TMP/pki/ca.pem" \
	    --server-name gw-b --cuid "$CUID_A" --json get 2>/dev/null |
	    $PY -c '
import json, sys
o = json.loads(sys.stdin.readline())
print(len(o["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]))' 2>/dev/null
}
check_eq "relay: B holds $M placements of A" "$(b_count)" "$M"
blk=$(grep -c "peer gw-a: GET .*cuid=$CUID_A *\$" "$TMP/gw-b.log")
node_stop gw-a KILL
node_start gw-a "$TMP/gw-a.yaml" || exit 1
resynced() { grep -q "upstream gw-b resynchronised: $M placements kept, 0 withdrawn" "$TMP/gw-a.log"; }
wait_for 20 resynced && pass "relay: A resynchronised from a multi-block GET-all ($M kept)" ||
    fail "relay: resync" "$(grep -E 'resynchron' "$TMP/gw-a.log" | tail -n 2)"
n_get=$(($(grep -c "peer gw-a: GET .*cuid=$CUID_A *\$" "$TMP/gw-b.log") - blk))
[ "$n_get" -gt 1 ] && pass "relay: that GET-all took $n_get blocks at B" ||
    fail "relay: multi-block" "$n_get GET-all requests at B"
check_eq "relay: B still holds exactly $M (no duplicates)" "$(b_count)" "$M"
exit $((T_FAILS > 0))
