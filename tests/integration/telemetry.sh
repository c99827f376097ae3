#!/bin/bash
# RFC 9244 telemetry on one gateway, with coap-client-gnutls (an independent
# CoAP stack): every example body of RFC 9244 §7-8 (tm-setup: Figures 4-6,
# 11, 13, 17, 19, 20; tm: Figures 36, 39), its CBOR built by python3-cbor2
# from the RFC's JSON with the RFC's key table (no dotsgw code involved)
# and compared byte for byte with the encodings of shared/spec/
# test-vectors.md; the PUT/GET/DELETE rules, tsid overrides, Uri-Query
# filters, bad input with its code (unknown unit, percentile out of order,
# tmid reuse, another peer's tsid) and the setups kept across a restart.
. "$(dirname "$0")/../lib.sh"
t_init
command -v "$COAP_CLIENT" >/dev/null ||
    { skip telemetry "$COAP_CLIENT not installed"; exit 0; }
# drop counters from a file, so that status has rates to report
printf 'mitigator: { type: log, counters: counters.txt, stats-interval: 1 }\n' >> "$CONF"
gw_start || exit 1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
C1=$(cuid_psk $PSK1_ID)
U=$URI_D/$WK

# tmcbor ID FILE: the RFC example ID (its JSON, from tests/unit/vectors.h)
# as CBOR in FILE, built from RFC 9244 §11's table; prints "same" when the
# bytes are the test vector's, else both hex strings.
cat > "$TMP/tm.py" <<'PY'
import cbor2, json, re, sys
K = {"tsid": 128, "telemetry": 129, "low-percentile": 130,
     "mid-percentile": 131, "high-percentile": 132, "unit-config": 133,
     "unit": 134, "unit-status": 135, "total-pipe-capacity": 136,
     "link-id": 137, "pre-or-ongoing-mitigation": 138,
     "total-traffic-normal": 139, "low-percentile-g": 140,
     "mid-percentile-g": 141, "high-percentile-g": 142, "peak-g": 143,
     "total-attack-traffic": 144, "total-traffic": 145, "id": 163,
     "attack-id": 164, "attack-severity": 166, "start-time": 167,
     "current-config": 175, "server-originated-telemetry": 179,
     "tmid": 181, "target": 189, "capacity": 190, "protocol": 191,
     "total-traffic-normal-per-protocol": 192,
     "total-attack-traffic-protocol": 197, "vendor-id": 202,
     "ietf-dots-telemetry:telemetry-setup": 203,
     "ietf-dots-telemetry:telemetry": 208, "target-prefix": 6,
     "target-protocol": 10, "baseline": 174, "attack-detail": 162}
UNITS = ["packet-ps", "bit-ps", "byte-ps", "kilopacket-ps", "kilobit-ps",
         "kilobyte-ps", "megapacket-ps", "megabit-ps", "megabyte-ps"]
SEV = ["none", "low", "medium", "high", "unknown"]
GAUGE = {"low-percentile-g", "mid-percentile-g", "high-percentile-g",
         "peak-g", "capacity", "start-time"}
DEC = {"low-percentile", "mid-percentile", "high-percentile"}
def conv(name, v):
    if isinstance(v, dict):
        return {K[k]: conv(k, x) for k, x in v.items()}
    if isinstance(v, list):
        return [conv(name, x) for x in v]
    if name == "unit":
        return UNITS.index(v) + 1
    if name == "attack-severity":
        return SEV.index(v) + 1
    if name in GAUGE:
        return int(v)
    if name in DEC:
        i, f = v.split(".")
        return cbor2.CBORTag(4, [-2, int(i) * 100 + int(f)])
    return v
src = open(sys.argv[1]).read()
vecs = {m.group(1): (json.loads(json.loads('"' + m.group(2) + '"')), m.group(3))
        for m in re.finditer(r'\{ "(TM-[0-9b]+)",\s*"((?:[^"\\]|\\.)*)",\s*"([0-9a-f]+)" \}', src)}
j, hexv = vecs[sys.argv[2]]
b = cbor2.dumps(conv(None, j))
open(sys.argv[3], "wb").write(b)
print("same" if b.hex() == hexv else "%s != %s" % (b.hex(), hexv))
PY
tmcbor() { $PY "$TMP/tm.py" "$ROOT/tests/unit/vectors.h" "$1" "$2"; }

# cbor_q FILE EXPR: EXPR over the first CBOR item of FILE as JSON (d),
# printed, or "<why: raw>"
cbor_q() {
	$PY -c '
import json, sys
raw = sys.stdin.readline().strip()
try:
    d = json.loads(raw)
    v = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, raw[:300] or "no CBOR item in " + sys.argv[2]))
    sys.exit(0)
print(v)' "$2" "$1" < <(cbor_json "$1" 2>/dev/null)
}
put() {	# NAME CODE CRED PATH CBOR-FILE
	cc_expect "$1" "$2" "$3" -m put -t 271 -f "$5" "$U/$4"
}

# TM-01: what the server accepts
rm -f "$TMP/caps.cbor"
cc_expect "GET tm-setup (Figure 2) -> 2.05" 2.05 psk1 -m get -A 271 \
    -o "$TMP/caps.cbor" "$U/tm-setup/cuid=$C1"
check_eq "tm-setup capabilities: max/min-config-values, unit classes, query types" \
    "$(cbor_q "$TMP/caps.cbor" 'sorted(d["203"].keys()), d["203"]["201"]')" \
    "(['176', '177', '178', '201'], [1, 3, 7])"

# every setup example of the RFC, each under its own tsid
for v in "TM-02 123" "TM-03 124" "TM-04 125" "TM-06 126" "TM-07 896" \
    "TM-08 897" "TM-09 129" "TM-10 130"; do
	set -- $v
	check_eq "$1: CBOR from the RFC's JSON is the vector's, byte for byte" \
	    "$(tmcbor "$1" "$TMP/$1.cbor")" same
	put "$1 PUT tm-setup tsid=$2 -> 2.01" 2.01 psk1 \
	    "tm-setup/cuid=$C1/tsid=$2" "$TMP/$1.cbor"
done
put "TM-04 PUT again, same tsid -> 2.04" 2.04 psk1 \
    "tm-setup/cuid=$C1/tsid=125" "$TMP/TM-04.cbor"
# a higher tsid overrides: config 123 and 124 went with 125, pipe 126
# (link1, megabit-ps) with 897, baseline 129 with 130; 896 (aggregate) stays
for gone in 123 124 126 129; do
	cc_expect "tsid $gone overridden by a higher one -> GET 4.04" 4.04 \
	    psk1 -m get -A 271 "$U/tm-setup/cuid=$C1/tsid=$gone"
done
rm -f "$TMP/one.cbor"
cc_expect "GET tm-setup tsid=896 (Figure 7) -> 2.05" 2.05 psk1 -m get \
    -A 271 -o "$TMP/one.cbor" "$U/tm-setup/cuid=$C1/tsid=896"
check_eq "GET tsid=896 answers the setup as PUT, led by its tsid" \
    "$(cbor_q "$TMP/one.cbor" 'd["203"]["129"]')" \
    "[{'128': 896, '136': [{'137': 'aggregate', '190': 700, '134': 8}]}]"
rm -f "$TMP/all.cbor"
cc_expect "GET tm-setup of the cuid -> 2.05" 2.05 psk1 -m get -A 271 \
    -o "$TMP/all.cbor" "$U/tm-setup/cuid=$C1"
check_eq "GET tm-setup lists the installed tsids" \
    "$(cbor_q "$TMP/all.cbor" 'sorted(e["128"] for e in d["203"]["129"])')" \
    "[125, 130, 896, 897]"
# a lower tsid than an overlapping one: refused
put "PUT a lower tsid than an overlapping one -> 4.09" 4.09 psk1 \
    "tm-setup/cuid=$C1/tsid=100" "$TMP/TM-02.cbor"

# bad input, each with its code
mkcbor "$TMP/badunit.cbor" "{203:{129:[{136:[{137:'l1',190:500,134:99}]}]}}"
put "unknown unit -> 4.00" 4.00 psk1 "tm-setup/cuid=$C1/tsid=900" \
    "$TMP/badunit.cbor"
has "$GW_LOG" "telemetry setup tsid 900 refused: unknown unit 99" &&
    pass "unknown unit: diagnostic names it" ||
    fail "unknown unit diagnostic" "$(grep -F 'tsid 900' "$GW_LOG")"
mkcbor "$TMP/order.cbor" "{203:{129:[{175:{130:cbor2.CBORTag(4,[-2,5000]),131:cbor2.CBORTag(4,[-2,4000])}}]}}"
put "percentile out of order -> 4.00" 4.00 psk1 \
    "tm-setup/cuid=$C1/tsid=901" "$TMP/order.cbor"
has "$GW_LOG" "tsid 901 refused: percentile out of order" &&
    pass "percentile out of order: diagnostic" ||
    fail "percentile diagnostic" "$(grep -F 'tsid 901' "$GW_LOG")"
mkcbor "$TMP/range.cbor" "{203:{129:[{175:{132:cbor2.CBORTag(4,[-2,10001])}}]}}"
put "percentile above 100 -> 4.22" 4.22 psk1 "tm-setup/cuid=$C1/tsid=902" \
    "$TMP/range.cbor"
mkcbor "$TMP/zero.cbor" "{203:{129:[{136:[{137:'l1',190:0,134:8}]}]}}"
put "every link capacity 0 -> 4.00" 4.00 psk1 "tm-setup/cuid=$C1/tsid=903" \
    "$TMP/zero.cbor"
put "tm-setup PUT without tsid -> 4.00" 4.00 psk1 "tm-setup/cuid=$C1" \
    "$TMP/TM-04.cbor"
# another peer's tsid is invisible: customer3 asking customer1's cuid
cc_expect "another peer's tsid: GET -> 4.04" 4.04 psk3 -m get -A 271 \
    "$U/tm-setup/cuid=$C1/tsid=125"
cc_expect "another peer's tsid: DELETE -> 2.02 (nothing of its own)" 2.02 \
    psk3 -m delete "$U/tm-setup/cuid=$C1/tsid=125"
cc_expect "... and the owner still has it" 2.05 psk1 -m get -A 271 \
    "$U/tm-setup/cuid=$C1/tsid=125"

# pre-or-ongoing-mitigation telemetry (Figure 36) and a filter (Figure 39)
for v in "TM-11 123" "TM-12 567"; do
	set -- $v
	check_eq "$1: CBOR from the RFC's JSON is the vector's, byte for byte" \
	    "$(tmcbor "$1" "$TMP/$1.cbor")" same
	put "$1 PUT tm tmid=$2 -> 2.04" 2.04 psk1 "tm/cuid=$C1/tmid=$2" \
	    "$TMP/$1.cbor"
done
rm -f "$TMP/tm.cbor"
cc_expect "GET tm tmid=123 -> 2.05" 2.05 psk1 -m get -A 271 \
    -o "$TMP/tm.cbor" "$U/tm/cuid=$C1/tmid=123"
check_eq "GET tm answers the report led by its tmid" \
    "$(cbor_q "$TMP/tm.cbor" '[(e["181"], e["189"], e["162"][0]["164"]) for e in d["208"]["138"]]')" \
    "[(123, {'6': ['2001:db8::1/128']}, 77)]"
rm -f "$TMP/q.cbor"
cc_expect "GET tm with Uri-Query target-prefix (Figure 41) -> 2.05" 2.05 \
    psk1 -m get -A 271 -o "$TMP/q.cbor" \
    "$U/tm/cuid=$C1?target-prefix=2001:db8::1/128"
check_eq "the query keeps both tmids whose targets overlap" \
    "$(cbor_q "$TMP/q.cbor" 'sorted(e["181"] for e in d["208"]["138"])')" \
    "[123, 567]"
cc_expect "GET tm with a target-protocol no entry has (Figure 42) -> 4.04" \
    4.04 psk1 -m get -A 271 "$U/tm/cuid=$C1?target-protocol=17"
cc_expect "unsupported Uri-Query -> 4.00" 4.00 psk1 -m get -A 271 \
    "$U/tm/cuid=$C1?c=n"
put "tmid reuse (lower than 567) -> 4.09" 4.09 psk1 "tm/cuid=$C1/tmid=200" \
    "$TMP/TM-11.cbor"
has "$GW_LOG" "telemetry tmid 200 refused: tmid reuse" &&
    pass "tmid reuse: diagnostic" ||
    fail "tmid reuse diagnostic" "$(grep -F 'tmid 200' "$GW_LOG")"
mkcbor "$TMP/notarget.cbor" "{208:{138:[{145:[{134:8,143:5}]}]}}"
put "tm entry without target -> 4.00" 4.00 psk1 "tm/cuid=$C1/tmid=600" \
    "$TMP/notarget.cbor"
mkcbor "$TMP/withtmid.cbor" "{208:{138:[{181:601,189:{6:['2001:db8::1/128']}}]}}"
put "tmid inside a request body -> 4.00" 4.00 psk1 "tm/cuid=$C1/tmid=601" \
    "$TMP/withtmid.cbor"
cc_expect "another peer's tmid: GET -> 4.04" 4.04 psk3 -m get -A 271 \
    "$U/tm/cuid=$C1/tmid=123"
cc_expect "DELETE tm tmid=123 (Figure 37) -> 2.02" 2.02 psk1 -m delete \
    "$U/tm/cuid=$C1/tmid=123"
cc_expect "... then GET it -> 4.04" 4.04 psk1 -m get -A 271 \
    "$U/tm/cuid=$C1/tmid=123"
cc_expect "DELETE all tm of the cuid (Figure 38) -> 2.02" 2.02 psk1 -m delete \
    "$U/tm/cuid=$C1"
put "after DELETE-all, tmid may start again from 1 -> 2.04" 2.04 psk1 \
    "tm/cuid=$C1/tmid=1" "$TMP/TM-11.cbor"

# the state store keeps both across a restart
gw_stop
gw_start || exit 1
cc_expect "after a restart: tsid 896 still there" 2.05 psk1 -m get -A 271 \
    "$U/tm-setup/cuid=$C1/tsid=896"
cc_expect "after a restart: tmid 1 still there" 2.05 psk1 -m get -A 271 \
    "$U/tm/cuid=$C1/tmid=1"
put "after a restart: tmid 0 is reuse still -> 4.09" 4.09 psk1 \
    "tm/cuid=$C1/tmid=0" "$TMP/TM-12.cbor"
cc_expect "DELETE all tm-setup of the cuid (Figure 21) -> 2.02" 2.02 psk1 \
    -m delete "$U/tm-setup/cuid=$C1"
cc_expect "... then none is left" 4.04 psk1 -m get -A 271 \
    "$U/tm-setup/cuid=$C1/tsid=896"

# the same examples through dotsctl (their JSON as a file)
cc_expect "DELETE all tm before dotsctl's turn -> 2.02" 2.02 psk1 -m delete \
    "$U/tm/cuid=$C1"
cat > "$TMP/tmjson.py" <<'PY'
import json, re, sys
src = open(sys.argv[1]).read()
for m in re.finditer(r'\{ "(TM-[0-9b]+)",\s*"((?:[^"\\]|\\.)*)",', src):
    if m.group(1) == sys.argv[2]:
        sys.stdout.write(json.loads('"' + m.group(2) + '"'))
PY
for v in "TM-02 123" "TM-03 124" "TM-04 125" "TM-06 126" "TM-07 896" \
    "TM-08 897" "TM-09 129" "TM-10 130"; do
	set -- $v
	$PY "$TMP/tmjson.py" "$ROOT/tests/unit/vectors.h" "$1" > "$TMP/$1.json"
	expect "dotsctl telemetry setup $1 --tsid $2 -> 2.01" 2.01 psk1 \
	    "$URI_D" telemetry setup --tsid "$2" --file "$TMP/$1.json"
done
expect "dotsctl telemetry get --tsid 896 -> 2.05" 2.05 psk1 "$URI_D" \
    telemetry get --tsid 896
check_eq "dotsctl shows the setup in the RFC's JSON" \
    "$(jget 'j["body"]["ietf-dots-telemetry:telemetry-setup"]["telemetry"]')" \
    '[{"tsid": 896, "total-pipe-capacity": [{"link-id": "aggregate", "capacity": "700", "unit": "megabit-ps"}]}]'
expect "dotsctl telemetry get --setup -> 2.05" 2.05 psk1 "$URI_D" \
    telemetry get --setup
check_eq "dotsctl: the installed tsids" \
    "$(jget 'sorted(e["tsid"] for e in j["body"]["ietf-dots-telemetry:telemetry-setup"]["telemetry"])')" \
    "[125, 130, 896, 897]"
for v in "TM-11 123" "TM-12 567"; do
	set -- $v
	$PY "$TMP/tmjson.py" "$ROOT/tests/unit/vectors.h" "$1" > "$TMP/$1.json"
	expect "dotsctl telemetry report $1 --tmid $2 -> 2.04" 2.04 psk1 \
	    "$URI_D" telemetry report --tmid "$2" --file "$TMP/$1.json"
done
expect "dotsctl telemetry report from flags -> 2.04" 2.04 psk1 "$URI_D" \
    telemetry report --tmid 600 --prefix 192.0.2.1/32 --attack-bps 7000000
expect "dotsctl telemetry get --tmid 600 -> 2.05" 2.05 psk1 "$URI_D" \
    telemetry get --tmid 600
check_eq "dotsctl: the flags' report" \
    "$(jget 'j["body"]["ietf-dots-telemetry:telemetry"]["pre-or-ongoing-mitigation"]')" \
    '[{"tmid": 600, "target": {"target-prefix": ["192.0.2.1/32"]}, "total-attack-traffic": [{"unit": "bit-ps", "peak-g": "7000000"}]}]'
expect "dotsctl: tmid reuse -> 4.09" 4.09 psk1 "$URI_D" telemetry report \
    --tmid 5 --prefix 192.0.2.1/32 --attack-bps 1
printf '%s' '{"ietf-dots-telemetry:telemetry-setup":{"telemetry":[{"current-config":{"low-percentile":"50.00","mid-percentile":"40.00"}}]}}' > "$TMP/order.json"
expect "dotsctl: percentile out of order -> 4.00" 4.00 psk1 "$URI_D" \
    telemetry setup --tsid 2000 --file "$TMP/order.json"
expect "dotsctl telemetry delete --tmid 123 -> 2.02" 2.02 psk1 "$URI_D" \
    telemetry delete --tmid 123
expect "dotsctl telemetry delete (all tm) -> 2.02" 2.02 psk1 "$URI_D" \
    telemetry delete
expect "dotsctl telemetry delete --setup -> 2.02" 2.02 psk1 "$URI_D" \
    telemetry delete --setup
expect "dotsctl: nothing left" 4.04 psk1 "$URI_D" telemetry get

# server-originated telemetry (RFC 9244 §9.2): only once the client asked
ctl psk1 "$URI_D" mitigate --mid 70 --prefix 2001:db8:6401::1/128
[ "$(code_of)" = 2.01 ] && pass "mitigation mid 70: 2.01" ||
    fail "mitigation mid 70" "$(_ctl_why)"
printf '# peer cuid mid bytes pkts bps pps\ncustomer1 %s 70 123456 789 4000000 5000\n' \
    "$C1" > "$TMP/state/counters.txt"
rates() {
	ctl psk1 "$URI_D" get --mid 70
	[ "$(jget '[s.get("bps-dropped"), s.get("pps-dropped")]')" = '["4000000", "5000"]' ]
}
wait_for 20 rates && pass "status carries the mitigator's drop rates" ||
    fail "drop rates" "$(_ctl_why)"
check_eq "no server-originated telemetry before the client asks" \
    "$(jget '"ietf-dots-telemetry:total-attack-traffic" in s')" false
expect "tm-setup server-originated-telemetry true (Figure 6) -> 2.01" 2.01 \
    psk1 "$URI_D" telemetry setup --tsid 4000 --file "$TMP/TM-04.json"
ctl psk1 "$URI_D" get --mid 70
check_eq "then status carries total-attack-traffic: the rates dropped" \
    "$(jget 's.get("ietf-dots-telemetry:total-attack-traffic")')" \
    '[{"unit": "bit-ps", "current-g": "4000000"}, {"unit": "packet-ps", "current-g": "5000"}]'
rm -f "$TMP/st.cbor"
cc_expect "coap-client GET mid 70 -> 2.05" 2.05 psk1 -m get -A 271 \
    -o "$TMP/st.cbor" "$URI_D/$(mpath "$C1" 70)"
check_eq "... key 205 with unit (134) and current-g (209)" \
    "$(cbor_q "$TMP/st.cbor" 'd["1"]["2"][0]["205"]')" \
    "[{'134': 2, '209': 4000000}, {'134': 1, '209': 5000}]"
# an efficacy update carrying telemetry (RFC 9244 §9.1, Figure 45 with
# the mitigation's prefix for its aliases)
mkcbor "$TMP/eff.cbor" "{1:{2:[{6:['2001:db8:6401::1/128'],29:1,205:[{134:8,141:900}]}]}}"
ctl psk1 "$URI_D" efficacy --mid 70 --attack-status under-attack \
    --cbor-file "$TMP/eff.cbor"
[ "$(code_of)" = 2.04 ] && pass "efficacy update with total-attack-traffic: 2.04" ||
    fail "efficacy with telemetry" "$(_ctl_why)"
wait_log 10 "$GW_LOG" "mid 70: attack information updated: 900000000 bit/s" &&
    pass "the efficacy update's telemetry is kept (900 Mbit/s)" ||
    fail "efficacy telemetry kept" "$(grep -F 'mid 70' "$GW_LOG" | tail -n 2)"
expect "telemetry setup current-config without it (tsid 4001) -> 2.01" 2.01 \
    psk1 "$URI_D" telemetry setup --tsid 4001 --file "$TMP/TM-02.json"
ctl psk1 "$URI_D" get --mid 70
check_eq "a higher config without server-originated-telemetry ends it" \
    "$(jget '"ietf-dots-telemetry:total-attack-traffic" in s')" false

# server -> client telemetry (RFC 9244 §8.3): a subscription tmid (only a
# target) observed; notified every telemetry-notify-interval
printf '%s' '{"ietf-dots-telemetry:telemetry-setup":{"telemetry":[{"current-config":{"telemetry-notify-interval":1}}]}}' > "$TMP/notify.json"
expect "current-config telemetry-notify-interval 1 (tsid 4002) -> 2.01" \
    2.01 psk1 "$URI_D" telemetry setup --tsid 4002 --file "$TMP/notify.json"
mkcbor "$TMP/sub.cbor" "{208:{138:[{189:{6:['2001:db8:6401::/48']}}]}}"
put "subscription tmid=700 (Figure 39) -> 2.04" 2.04 psk1 \
    "tm/cuid=$C1/tmid=700" "$TMP/sub.cbor"
rm -f "$TMP/obs.cbor"
cc psk1 -s 4 -m get -A 271 -o "$TMP/obs.cbor" "$U/tm/cuid=$C1/tmid=700"
n205=$(echo "$CC_CODES" | tr ' ' '\n' | grep -cxF 2.05)
[ "$n205" -ge 3 ] && pass "GET with Observe (Figure 40): answer and notifications ($n205 x 2.05 in 4 s)" ||
    fail "observe tm" "codes '$CC_CODES' stderr '$(head -c 200 "$CC_ERR")'"
check_eq "the notification: the subscribed target, what we drop toward it" \
    "$(cbor_q "$TMP/obs.cbor" '[(e["181"], e["189"], e["144"]) for e in d["208"]["138"]]')" \
    "[(700, {'6': ['2001:db8:6401::/48']}, [{'134': 2, '209': 4000000}, {'134': 1, '209': 5000}])]"
gw_alive "daemon alive after the telemetry tests"
