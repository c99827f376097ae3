#!/usr/bin/env bash
# Offload by utilization (issue 6, draft-hayashi-dots-dms-offload): gateway
# A (1 Gbit/s, offload on at 80 %, off below 50 %) relays to B. Requests
# that fit stay at A until utilization reaches 80 %; then new ones go to B
# with their blocked-traffic information (call-home source attributes);
# dropping back to 60 % (between the thresholds) takes nothing back; below
# 50 % the offloaded one comes back to A and is withdrawn at B. Then,
# with running: true, a running mitigation above high is moved to B.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs gw-a gw-b
node_ports PA PB
conf() { node_gw_conf "$@"; }
conf gw-a "$PA" 1000000000 "offload: { high: 80, low: 50 }"
conf gw-b "$PB" 100000000000 ""
pair_peers
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
up() { has "$TMP/gw-a.log" "upstream gw-b is up"; }
wait_for 15 up && pass "A's upstream session to B is up" || fail "A to B" "not up"
A=coaps://$HOST:$PA

req() {	# MID PREFIX MBIT
	cat > "$TMP/r$1.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$2"], "target-protocol": [17], "lifetime": 600,
  "ietf-dots-call-home:source-prefix": ["198.51.100.0/24"],
  "ietf-dots-call-home:source-port-range": [{"lower-port": 123}],
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "megabit-ps", "peak-g": "$3"}]
}]}}
EOF
	ctl psk1 "$A" mitigate --mid "$1" --file "$TMP/r$1.json"
	REQ=$(_ctl_why)
}
# lines FILE STRING: FILE's lines holding STRING (for failure messages)
lines() { grep -F -- "$2" "$1" | cut -c1-300; }
at_b() { has_seq "$TMP/gw-b.log" "PUT " "\"target-prefix\":[\"$1\"]"; }
# in_progress MID: the customer's GET is 2.05, status in progress
in_progress() {
	ctl psk1 "$A" get --mid "$1"
	[ "$(code_of)" = 2.05 ] && [ "$(jget 's["status"]')" = attack-mitigation-in-progress ]
}

# a decision is logged before the answer; waiting costs nothing
req 1 192.0.2.0/28 600
wait_log 10 "$TMP/gw-a.log" "mid 1: local mitigation" && pass "600 Mbit/s: local at A (60 %)" ||
    fail "first local" "$(lines "$TMP/gw-a.log" 'mid 1' | tail -n 2); request: $REQ"
req 2 192.0.2.16/28 300
wait_log 10 "$TMP/gw-a.log" "mid 2: local mitigation" && pass "300 Mbit/s more: still local (90 %, it fits)" ||
    fail "second local" "$(lines "$TMP/gw-a.log" 'mid 2' | tail -n 2); request: $REQ"
wait_log 10 "$TMP/gw-a.log" "offload on: utilization 90%" && pass "offload on at 90 % (high 80 %)" ||
    fail "offload on" "$(lines "$TMP/gw-a.log" offload)"
req 3 192.0.2.32/28 50
wait_for 15 at_b 192.0.2.32/28 && pass "50 Mbit/s while offloading: relayed to B, though it fits" ||
    fail "offloaded to B" "$(lines "$TMP/gw-a.log" 'mid 3' | tail -n 3); request: $REQ"
has_seq "$TMP/gw-b.log" "PUT " '"target-prefix":["192.0.2.32/28"]' \
    '"ietf-dots-call-home:source-prefix":["198.51.100.0/24"],"ietf-dots-call-home:source-port-range":[{"lower-port":123}]' &&
    pass "B gets the blocked-traffic information (call-home source prefix and port)" ||
    fail "blocked-traffic information" "$(lines "$TMP/gw-b.log" '192.0.2.32/28' | head -n 1)"
wait_for 10 in_progress 3 && pass "customer: offloaded one in progress" ||
    fail "offloaded status" "$(_ctl_why)"

# 90 % -> 60 %: between the thresholds, nothing comes back
ctl psk1 "$A" withdraw --mid 2
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 2" "$(_ctl_why)"
# the check runs when the withdrawal is answered; 1 s more in which
# nothing may be taken back (a negative check: the window is what we watch)
sleep 1
! has "$TMP/gw-a.log" "mid 3: taken back" && ! has "$TMP/gw-a.log" "offload off" &&
    pass "down to 60 % (above low 50 %): still offloading, nothing taken back" ||
    fail "hysteresis" "$(grep -F -e offload -e 'taken back' "$TMP/gw-a.log")"
req 4 192.0.2.48/28 10
wait_for 15 at_b 192.0.2.48/28 && pass "a new one at 60 % still goes to B" ||
    fail "still offloading" "$(lines "$TMP/gw-a.log" 'mid 4' | tail -n 2); request: $REQ"

# 60 % -> 0 %: below low, the offloaded ones come back
ctl psk1 "$A" withdraw --mid 1
back() { has "$TMP/gw-a.log" "mid 3: taken back from offload" "mid 4: taken back from offload"; }
wait_for 15 back && pass "below 50 %: offload off, both offloaded ones taken back to A" ||
    fail "take back" "$(grep -F -e offload -e 'taken back' "$TMP/gw-a.log")"
has "$TMP/gw-a.log" "offload off: utilization 0%" && pass "offload off logged at 0 %" ||
    fail "offload off" "$(lines "$TMP/gw-a.log" offload)"
gone_b() { has_seq "$TMP/gw-b.log" "withdrawn by client: peer gw-a " " first 192.0.2.32/28,"; }
wait_for 15 gone_b && pass "the taken-back one is withdrawn at B" ||
    fail "withdrawn at B" "$(lines "$TMP/gw-b.log" withdrawn | tail -n 2)"
wait_for 10 in_progress 3 && pass "customer: still in progress (now local)" ||
    fail "status after take back" "$(_ctl_why)"
ctl psk1 "$A" withdraw --mid 3
ctl psk1 "$A" withdraw --mid 4

# --- running: true: the newest local one moves up when above high ---------
node_stop gw-a
sed -i 's/^offload: { high: 80, low: 50 }/offload: { high: 80, low: 50, running: true }/' "$TMP/gw-a.yaml"
: > "$TMP/gw-a.log"
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 15 up || fail "A to B again" "not up"
req 11 192.0.2.64/28 500
req 12 192.0.2.80/28 400
wait_for 15 at_b 192.0.2.80/28 &&
    wait_log 10 "$TMP/gw-a.log" "mid 12: offloading a running mitigation upstream" &&
    pass "running: 90 % -> the newest local one (mid 12) moves to B" ||
    fail "running overflow" "$(grep -F -e offload -e 'mid 12' "$TMP/gw-a.log" | tail -n 4); request: $REQ"
! has "$TMP/gw-a.log" "mid 11: offloading" && pass "running: mid 11 stays local (50 % < 80 %)" ||
    fail "running overflow took too much" "mid 11 moved"
ctl psk1 "$A" withdraw --mid 11
ctl psk1 "$A" withdraw --mid 12
exit $((T_FAILS > 0))
