#!/usr/bin/env bash
# BGP mitigator back-end (issue 6): dotsgwd drives a local gobgpd (the
# speaker) through the gobgp CLI; a second gobgpd (the "router") is peered
# with it over 127.0.0.1 and its RIB is what we check. Flowspec rules from
# the mitigation scope (target prefix/protocol/port, call-home source
# prefix and ports), withdrawal, lifetime expiry, RTBH and rate-limit by
# severity, rule limits, and a kill -9 restart leaving no orphan while
# the operator's own routes stay. Both gobgpd are stopped by PID.
. "$(dirname "$0")/../lib.sh"
command -v gobgpd > /dev/null && command -v gobgp > /dev/null ||
    { skip mitigator_bgp "gobgpd not installed"; exit 0; }
t_init

. "$(dirname "$0")/../bgp_lib.sh"

# the operator's own flowspec route on the speaker: never ours to touch
# (added again if the CLI failed; it must be at the router before we start)
op_route() {
	gobgp -u $HOST -p "$SPK_API" global rib -a ipv4-flowspec add match \
	    destination 203.0.113.99/32 then discard community 64512:1 > /dev/null 2>&1
}
wait_for 10 op_route && wait_for 10 has_fs 'c.get(1) == {"prefix": "203.0.113.99/32"}' ||
    fail "the operator's route" "not at the router: $(rib ipv4-flowspec | cut -c1-300)"

# timeout: a loaded machine may take seconds to run the gobgp CLI; an
# install that timed out would be announced again by a reconcile, which
# section 8 counts as churn
cat >> "$CONF" <<EOF
mitigator:
  type: bgp
  gobgp: $GOBGP_WRAP
  api-port: $SPK_API
  community: "64512:4646"
  rate-limit: 125000
  severity-actions: { default: discard, low: rate-limit, high: rtbh }
  timeout: 10000
  reconcile-interval: 2
EOF
sed -i "/psk-identity: $PSK1_ID/a\\    mitigation-actions: [rate-limit, discard, rtbh]\\n    max-rules: 3" "$CONF"
gw_start || exit 1
URI=$URI_D

MARK=$(( (64512 << 16) | 4646 ))

req() {	# FILE MID PREFIX LIFETIME EXTRA-JSON
	cat > "$1" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$3"], "target-protocol": [17],
  "target-port-range": [{"lower-port": 53}], "lifetime": $4 $5
}]}}
EOF
}

# --- 1. a request becomes a flowspec rule at the router ----------------------
req "$TMP/r1.json" 1 192.0.2.0/28 600 ', "ietf-dots-call-home:source-prefix": ["198.51.100.0/24"],
  "ietf-dots-call-home:source-port-range": [{"lower-port": 1024, "upper-port": 65535}]'
ctl psk1 "$URI" mitigate --mid 1 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "mitigation request: 2.01" || fail "mitigation request" "$(_ctl_why)"
R1='(c.get(1) == {"prefix": "192.0.2.0/28"} and c.get(2) == {"prefix": "198.51.100.0/24"}
and c.get(3) == [{"op": 129, "value": 17}] and c.get(5) == [{"op": 129, "value": 53}]
and [x["value"] for x in c.get(6)] == [1024, 65535]
and a[16]["value"][0]["rate"] == 0 and '$MARK' in a[8]["communities"])'
wait_for 10 has_fs "$R1" &&
    pass "router RIB: flowspec dst 192.0.2.0/28 src 198.51.100.0/24 udp port 53 sport 1024-65535, discard, marker" ||
    fail "flowspec rule at the router" "$(rib ipv4-flowspec | cut -c1-600)"
wait_log 10 "$GW_LOG" "mid 1: bgp rule 1/1: match destination 192.0.2.0/28 source 198.51.100.0/24 protocol ==17 destination-port ==53 source-port >=1024&<=65535 then discard" &&
    pass "the rule is logged as announced" || fail "rule log" "$(grep -F 'bgp rule' "$GW_LOG" | head -n 2)"

# --- 2. withdrawal removes it ----------------------------------------------------
ctl psk1 "$URI" withdraw --mid 1
[ "$(code_of)" = 2.02 ] && pass "withdraw: 2.02" || fail "withdraw" "$(_ctl_why)"
wait_for 10 no_fs 'c.get(1) == {"prefix": "192.0.2.0/28"}' &&
    pass "withdrawal removes the rule from the router RIB" ||
    fail "withdrawal removes the rule" "$(rib ipv4-flowspec | cut -c1-300)"

# --- 3. lifetime expiry removes it --------------------------------------------
req "$TMP/r2.json" 2 192.0.2.16/28 3 ''
ctl psk1 "$URI" mitigate --mid 2 --file "$TMP/r2.json"
[ "$(code_of)" = 2.01 ] && wait_for 10 has_fs 'c.get(1) == {"prefix": "192.0.2.16/28"}' &&
    pass "short-lived mitigation: rule at the router" || fail "short-lived rule" "$(_ctl_why)"
wait_for 20 no_fs 'c.get(1) == {"prefix": "192.0.2.16/28"}' &&
    pass "lifetime expiry (3 s) removes the rule" || fail "lifetime expiry" "rule still there"

# --- 4. severity high -> RTBH; severity low -> rate-limit ---------------------
req "$TMP/r3.json" 3 192.0.2.64/28 600 ', "ietf-dots-telemetry:attack-detail": [
  {"vendor-id": 32473, "attack-id": 7, "attack-severity": "high"}]'
ctl psk1 "$URI" mitigate --mid 3 --file "$TMP/r3.json"
[ "$(code_of)" = 2.01 ] || fail "mid 3 request" "$(_ctl_why)"
# rtbh: 0 the route is there, 1 it is not, 2 the RIB could not be read
rtbh() {
	rib_py ipv4 '
p = d.get("192.0.2.64/28", [])
sys.exit(0 if any((65535 << 16 | 666) in a.get("communities", []) and
    '$MARK' in a.get("communities", []) for x in p for a in x["attrs"]) else 1)'
}
wait_for 10 rtbh && pass "severity high: RTBH 192.0.2.64/28 with BLACKHOLE 65535:666 at the router" ||
    fail "RTBH route" "$(rib ipv4 | cut -c1-300)"
no_rtbh() {
	rtbh
	[ $? -eq 1 ]
}
ctl psk1 "$URI" withdraw --mid 3
wait_for 10 no_rtbh && pass "RTBH withdrawn with the mitigation" || fail "RTBH withdrawn" "still there"

req "$TMP/r4.json" 4 192.0.2.32/28 600 ', "ietf-dots-telemetry:attack-detail": [
  {"vendor-id": 32473, "attack-id": 8, "attack-severity": "low"}]'
ctl psk1 "$URI" mitigate --mid 4 --file "$TMP/r4.json"
[ "$(code_of)" = 2.01 ] || fail "mid 4 request" "$(_ctl_why)"
wait_for 10 has_fs 'c.get(1) == {"prefix": "192.0.2.32/28"} and a[16]["value"][0]["rate"] == 125000' &&
    pass "severity low: flowspec rate-limit 125000 bytes/s" ||
    fail "rate-limit rule" "$(rib ipv4-flowspec | cut -c1-400)"
# an efficacy update raising the severity to high: RTBH instead
sed 's/"low"}]/"high"}]/; s/"lifetime": 600/"lifetime": 600, "attack-status": "under-attack"/' \
    "$TMP/r4.json" > "$TMP/e4.json"
ctl psk1 "$URI" efficacy --mid 4 --attack-status under-attack --file "$TMP/e4.json"
[ "$(code_of)" = 2.04 ] && pass "efficacy update, severity now high: 2.04" || fail "efficacy 4" "$(_ctl_why)"
rtbh32() {	# as rtbh
	rib_py ipv4 '
sys.exit(0 if any((65535 << 16 | 666) in a.get("communities", [])
    for x in d.get("192.0.2.32/28", []) for a in x["attrs"]) else 1)'
}
wait_for 10 rtbh32 && wait_for 10 no_fs 'c.get(1) == {"prefix": "192.0.2.32/28"}' &&
    pass "severity escalated: the rate-limit rule is replaced by an RTBH route" ||
    fail "escalation" "$(grep -F 'instead of' "$GW_LOG")"

# --- 5. rule limit per peer: 3 ------------------------------------------------
cat > "$TMP/r5.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.128/28", "192.0.2.144/28", "192.0.2.160/28"], "lifetime": 600
}]}}
EOF
ctl psk1 "$URI" mitigate --mid 5 --file "$TMP/r5.json"
[ "$(code_of)" = 2.01 ] &&
    wait_log 10 "$GW_LOG" "not local: 3 rules exceed the limits (peer customer1: 1 of 3" &&
    pass "max-rules 3: a request needing 3 more rules is not mitigated locally" ||
    fail "max-rules" "$(_ctl_why) $(grep -F 'not local' "$GW_LOG" | tail -n 1)"
sleep 0.5	# observation window (negative check): nothing may be announced
no_fs 'c.get(1) == {"prefix": "192.0.2.128/28"}' && pass "and nothing of it reaches the router" ||
    fail "rule limit" "rule announced"
ctl psk1 "$URI" withdraw --mid 5
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 5" "$(_ctl_why)"

# --- 6. kill -9 and restart: no orphans, the operator's route stays ----------
req "$TMP/r6.json" 6 192.0.2.48/28 600 ''
ctl psk1 "$URI" mitigate --mid 6 --file "$TMP/r6.json"
[ "$(code_of)" = 2.01 ] && wait_for 10 has_fs 'c.get(1) == {"prefix": "192.0.2.48/28"}' &&
    pass "before the crash: rules for mid 4 (RTBH) and 6 at the router" || fail "before the crash" "no rule"
stop_pid "$GW_PID" KILL
GW_PID=
sleep 0.5	# observation window: nothing withdraws the dead daemon's rules
has_fs 'c.get(1) == {"prefix": "192.0.2.48/28"}' &&
    pass "after kill -9: the speaker still announces the leftover rule" ||
    fail "leftover rule" "gone before restart"
t0=$SECONDS
rm -f "$TMP"/state/*.db*	# no state store: the table comes back empty
gw_start || exit 1
wait_for 20 no_fs 'c.get(1) in ({"prefix": "192.0.2.48/28"}, {"prefix": "192.0.2.32/28"})' &&
    pass "restart: orphan rules withdrawn within $((SECONDS - t0)) s (the table holds none)" ||
    fail "orphans after restart" "$(rib ipv4-flowspec | cut -c1-400)"
has_seq "$GW_LOG" "orphan ipv4-flowspec " "192.0.2.48/28" && pass "orphans are logged" ||
    fail "orphan log" "no line"
no_rtbh32() {
	rtbh32
	[ $? -eq 1 ]
}
wait_for 20 no_rtbh32 && wait_log 10 "$GW_LOG" "orphan ipv4 192.0.2.32/28" &&
    pass "restart: the orphan RTBH route is withdrawn too" || fail "orphan RTBH" "still at the router"
has_fs 'c.get(1) == {"prefix": "203.0.113.99/32"}' &&
    pass "the operator's own route (no marker) is left alone" || fail "operator route" "withdrawn"

# with its state store a restarted daemon restores its mitigations: their
# rules are no orphans and stay (installed again, nothing withdrawn)
req "$TMP/r8.json" 8 192.0.2.96/28 600 ''
ctl psk1 "$URI" mitigate --mid 8 --file "$TMP/r8.json"
[ "$(code_of)" = 2.01 ] && wait_for 10 has_fs 'c.get(1) == {"prefix": "192.0.2.96/28"}' ||
    fail "mid 8 rule" "not at the router: $(_ctl_why)"
mark=$(log_mark "$GW_LOG")
stop_pid "$GW_PID" KILL
GW_PID=
gw_start || exit 1
# a whole reconcile after the restart: it would withdraw a rule the
# restored table does not own as an orphan (the log since the restart)
wait_reconcile 20 || fail "reconcile after the restart" "none ran within 20 s"
log_since "$GW_LOG" "$mark" "$TMP/restart.log"
has_fs 'c.get(1) == {"prefix": "192.0.2.96/28"}' &&
    ! has_seq "$TMP/restart.log" "orphan ipv4-flowspec " "192.0.2.96/28" &&
    pass "restart with state: the restored mitigation's rule stays" ||
    fail "restored rule" "$(grep -F '192.0.2.96' "$GW_LOG" | tail -n 2)"

# --- 7. the speaker is down: no hang, the request is still answered ------------
bgp_stop
req "$TMP/r7.json" 7 192.0.2.80/28 600 ''
t0=${EPOCHREALTIME/./}
ctl psk1 "$URI" mitigate --mid 7 --file "$TMP/r7.json"
ms=$(( (${EPOCHREALTIME/./} - t0) / 1000 ))
# "at once": 3 s at most, to the ms (whole seconds of SECONDS passed
# 3.99 s or not depending on where the seconds fell); seen up to 0.6 s
# on a loaded machine
[ "$(code_of)" = 2.01 ] && [ "$ms" -le 3000 ] &&
    pass "speaker down: the request is answered at once ($ms ms)" ||
    fail "speaker down" "$ms ms, $(_ctl_why)"
wait_for 20 has "$GW_LOG" "bgp install failed" && pass "speaker down: the failed install is logged" || fail "install failure" "no log"
gw_alive "dotsgwd survives a missing speaker"

# --- 8. the speakers come back: the next reconcile announces mid 7 --------
start_bgp
wait_for 30 established || fail "gobgpd again" "$(tail -n 3 "$TMP/spk.log")"
wait_for 20 has_fs 'c.get(1) == {"prefix": "192.0.2.80/28"}' &&
    pass "speaker back: the periodic reconcile announces the rule that failed" ||
    fail "reconcile after speaker restart" "$(rib ipv4-flowspec | cut -c1-300)"
! grep -qE "mitigator bgp: owner [0-9a-f]+ mid [1-6]: .*announcing again" "$GW_LOG" &&
    grep -qE "mitigator bgp: owner [0-9a-f]+ mid 7: 0 of 1 rule\(s\) at the speaker; announcing again" "$GW_LOG" &&
    pass "reconcile (every 2 s) announced again only what the speaker lacked" ||
    fail "reconcile churn" "$(grep -F 'announcing again' "$GW_LOG" | head -n 3)"
exit $((T_FAILS > 0))
