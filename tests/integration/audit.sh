#!/usr/bin/env bash
# Audit log (issue 7): one JSON line per decision, parsed with python:
# accepted local and upstream (with the rule and where it was sent),
# refused with code and rule, refresh, withdrawal, end of
# active-but-terminating, expiry; SIGHUP reopens the file (rotation).
. "$(dirname "$0")/../lib.sh"
t_init
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port) PM=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
while [ "$PM" = "$PA" ] || [ "$PM" = "$PB" ]; do PM=$(free_port); done
AUDIT=$TMP/a-audit.log
node_gw_conf gw-a "$PA" 1000000000 "audit-log: $AUDIT
admin: { port: $PM }"
node_gw_conf gw-b "$PB" 100000000000
pair_peers
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b || fail "upstream up" "no 'is up' line"
A=coaps://$HOST:$PA

# aline N EXPR: evaluate EXPR on audit line N (1-based; -1 = last) as j
aline() {
	$PY - "$AUDIT" "$1" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1]).read().splitlines()
n = int(sys.argv[2])
try:
    j = json.loads(lines[n - 1 if n > 0 else n])
    v = eval(sys.argv[3])
except Exception as e:
    v = "<%s: %s>" % (type(e).__name__, e)
print(json.dumps(v) if not isinstance(v, str) else v)
PY
}
nlines() { if [ -f "$1" ]; then wc -l < "$1"; else echo 0; fi; }

expect "small request -> 2.01 (local)" 2.01 psk1 "$A" mitigate --mid 1 \
    --prefix 192.0.2.1/32 --proto 17 --lifetime 600
check_eq "audit: one line per decision" "$(nlines "$AUDIT")" 1
check_eq "audit: accepted local, who and what" \
    "$(aline 1 '[j["event"], j["peer"], j["mid"], j["result"], j["code"], j["decision"], j["targets"]["prefixes"], j["targets"]["protocols"], j["sent-to"], j["node"]]')" \
    '["request", "customer1", 1, "accepted", "2.01", "local", ["192.0.2.1/32"], [17], [], "gw-a"]'
check_eq "audit: the rule that decided (policies/decide)" \
    "$(aline 1 'j["rule"].startswith("local: ")')" true
check_eq "audit: cuid and timestamp" \
    "$(aline 1 '[j["cuid"] == "'"$(cuid_psk "$PSK1_ID")"'", j["ts"].endswith("Z")]')" '[true, true]'

cat > "$TMP/big.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.64/26"], "lifetime": 600,
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "gigabit-ps", "peak-g": "5"}]
}]}}
EOF
expect "big request -> 2.01 (upstream)" 2.01 psk1 "$A" mitigate --mid 2 --file "$TMP/big.json"
check_eq "audit: accepted upstream, sent to gw-b" \
    "$(aline 2 '[j["mid"], j["result"], j["decision"], j["sent-to"]]')" \
    '[2, "accepted", "upstream", [{"mid": 1, "upstream": "gw-b"}]]'
check_eq "audit: upstream rule" "$(aline 2 '"upstream" in j["rule"]')" true

# the same request in the metrics: relay latency and the placement. A
# holds its answer for B's (3 s at most): on a loaded machine B may
# answer later, so the sample and the placement are waited for.
scrape() {
	local c
	c=$(http GET "http://$HOST:$PM/metrics" "$TMP/metrics")
	[ "$c" = 200 ] || { echo "HTTP $c: $(head -c 200 "$TMP/metrics")" > "$TMP/metrics"; return 1; }
}
m() { metric "$1" "$TMP/metrics"; }
relayed() {
	scrape && [ "$(m dotsgw_relay_latency_seconds_count)" != 0 ] &&
	    [ "$(m 'dotsgw_placements{upstream="gw-b",state="active"}')" != absent ]
}
wait_for 10 relayed || fail "metrics scrape" "$(head -c 300 "$TMP/metrics")"
check_eq "metrics: one relay latency sample" "$(m dotsgw_relay_latency_seconds_count)" 1
check_eq "metrics: relay latency under 2 s" "$(m 'dotsgw_relay_latency_seconds_bucket{le="2.5"}')" 1
check_eq "metrics: one active placement at gw-b" "$(m 'dotsgw_placements{upstream="gw-b",state="active"}')" 1
check_eq "metrics: upstream gw-b up" "$(m 'dotsgw_upstream_up{upstream="gw-b"}')" 1
check_eq "metrics: decisions upstream" "$(m 'dotsgw_decisions_total{result="upstream"}')" 1

expect "outside its prefixes -> 4.01" 4.01 psk1 "$A" mitigate --mid 3 \
    --prefix 10.0.0.1/32 --lifetime 600
check_eq "audit: refused with code and the authz rule" \
    "$(aline 3 '[j["result"], j["code"], j["targets"]["prefixes"], "outside the prefixes of peer customer1" in j["rule"]]')" \
    '["refused", "4.01", ["10.0.0.1/32"], true]'
expect "lifetime 0 -> 4.00" 4.00 psk1 "$A" mitigate --mid 4 \
    --prefix 192.0.2.9/32 --lifetime 0
check_eq "audit: 4.00 with its reason" \
    "$(aline 4 '[j["result"], j["code"], j["rule"]]')" '["refused", "4.00", "lifetime 0 is not allowed"]'

expect "refresh mid 1 -> 2.04" 2.04 psk1 "$A" mitigate --mid 1 \
    --prefix 192.0.2.1/32 --proto 17 --lifetime 900
check_eq "audit: refresh" "$(aline 5 '[j["event"], j["code"], j["lifetime"]]')" '["refresh", "2.04", 900]'

expect "withdraw mid 1 -> 2.02" 2.02 psk1 "$A" withdraw --mid 1
check_eq "audit: withdrawal" "$(aline 6 '[j["event"], j["mid"], j["targets"]["prefixes"]]')" \
    '["withdrawn", 1, ["192.0.2.1/32"]]'
ended() { [ "$(nlines "$AUDIT")" -ge 7 ]; }
wait_for 15 ended
check_eq "audit: end of active-but-terminating" "$(aline 7 '[j["event"], j["mid"]]')" '["terminated", 1]'

expect "short lifetime -> 2.01" 2.01 psk1 "$A" mitigate --mid 5 \
    --prefix 192.0.2.5/32 --lifetime 1
wait_log 15 "$AUDIT" '"event":"expired"'
check_eq "audit: expiry" "$(aline -1 '[j["event"], j["mid"], j["reason"]]')" \
    '["expired", 5, "lifetime ran out"]'
expect "withdraw mid 2 (relayed) -> 2.02" 2.02 psk1 "$A" withdraw --mid 2
w2=$(grep -nF '"event":"withdrawn"' "$AUDIT" | grep -F '"mid":2,' | cut -d: -f1)
check_eq "audit: withdrawal of a relayed request names the upstream" \
    "$(aline "${w2:-0}" '[j["event"], j["mid"], j["sent-to"]]')" '["withdrawn", 2, [{"mid": 1, "upstream": "gw-b"}]]'
# its end (after active-but-terminating) before the file is rotated:
# mid 2 ends active-but-terminating on a timer; waiting for that line
# first, it cannot be the first line of the new file.
ended2() { grep -F '"event":"terminated"' "$AUDIT" | grep -qF '"mid":2,'; }
wait_for 15 ended2 || fail "audit: mid 2 terminated" "no line"
$PY -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$AUDIT" &&
    pass "audit: every line is one JSON object" || fail "audit JSON" "$(cat "$AUDIT")"
# rotation: move the file away, SIGHUP, the next line goes to a new file
before=$(nlines "$AUDIT")
mv "$AUDIT" "$AUDIT.1"
kill -HUP "${NODE_PID[gw-a]}"
# the reload done (the audit file reopened with it): "reloaded FILE: ..."
wait_log 15 "$TMP/gw-a.log" "SIGHUP: reloading" "reloaded $TMP/gw-a.yaml: " ||
    fail "SIGHUP" "no reload line: $(tail -n 3 "$TMP/gw-a.log")"
expect "request after rotation -> 4.01" 4.01 psk1 "$A" mitigate --mid 9 \
    --prefix 10.9.9.9/32 --lifetime 600
check_eq "audit: rotated file keeps its lines" "$(nlines "$AUDIT.1")" "$before"
check_eq "audit: reopened on SIGHUP" "$(aline 1 '[j["mid"], j["code"]]')" '[9, "4.01"]'
[ "$(stat -c %a "$AUDIT")" = 640 ] && pass "audit: file mode 0640" ||
    fail "audit file mode" "$(stat -c %a "$AUDIT")"
kill -0 "${NODE_PID[gw-a]}" && pass "gw-a still running" || fail "gw-a" "died"
exit $((T_FAILS > 0))
