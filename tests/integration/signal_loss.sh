#!/usr/bin/env bash
# Downstream signal loss (RFC 9132 §4.4.1, §4.7, §13), customer -> A -> B.
# A preconfigured request (trigger-mitigation false) is held at A (status
# 8, nothing sent to B) while the customer keeps answering heartbeats, even
# on another session; once nothing is heard for missing-hb-allowed x
# heartbeat-interval it is activated: status in progress, relayed to B as
# an immediate request, and the customer's overlapping immediate request is
# withdrawn by A (status 7). The channel coming back stops nothing; a
# DELETE does.
. "$(dirname "$0")/../lib.sh"
t_init
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done

node_conf gw-a "$PA" 1000000000
node_conf gw-b "$PB" 100000000000
pair_peers
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_log 20 "$TMP/gw-a.log" "upstream gw-b is up" || { fail "A -> B up" "no 'is up' line"; exit 1; }


A=coaps://$HOST:$PA
CUID1=$(cuid_psk "$PSK1_ID")
cat > "$TMP/pre.json" <<EOF2
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.0/28"], "lifetime": 600, "trigger-mitigation": false,
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "gigabit-ps", "peak-g": "5"}]
}]}}
EOF2
# status of mid M at A, or the raw answer when it is not a 2.05
status_a() {
	ctl psk1 "$A" get --mid "$1"
	if [ "$(code_of)" = 2.05 ]; then jget 's["status"]'; else echo "not 2.05: $(_ctl_why)"; fi
}
b_puts() { count_of "$TMP/gw-b.log" 'peer gw-a: PUT .well-known/dots/mitigate'; }

# an immediate request (small: local at A) and an overlapping preconfigured one
ctl psk1 "$A" mitigate --mid 19 --prefix 192.0.2.1/32 --lifetime 600
check_eq "immediate request mid 19: 2.01" "$(code_of)" 2.01
# the customer keeps a heartbeat session of its own from now on
"$DOTSCTL" -s "$A" $(cred_args psk1) --json hb --count 120 --interval 1 \
    > "$TMP/hb.out" 2>&1 &
HB=$!
# and one more that dies at once without closing: a silent session
"$DOTSCTL" -s "$A" $(cred_args psk1) --json hb --count 120 --interval 1 \
    > "$TMP/hb2.out" 2>&1 &
HB2=$!
ctl psk1 "$A" mitigate --mid 20 --file "$TMP/pre.json"
check_eq "preconfigured request mid 20: 2.01" "$(code_of)" 2.01
check_eq "preconfigured: status signal-loss" "$(status_a 20)" \
    attack-mitigation-signal-loss
check_eq "preconfigured: nothing sent to B" "$(b_puts)" 0

# the request sessions are closed (dotsctl exited), the hb session answers:
# well past missing-hb-allowed x heartbeat-interval (3 s), nothing moves
wait_log 20 "$TMP/hb.out" '"code":"2.04"' &&
    wait_log 20 "$TMP/hb2.out" '"code":"2.04"' ||
    fail "heartbeat sessions up" "hb: '$(head -c 200 "$TMP/hb.out")' hb2: '$(head -c 200 "$TMP/hb2.out")'"
{ kill -KILL "$HB2"; wait "$HB2"; } 2>/dev/null	# no "Killed" notice
t_kill=$SECONDS
wait_log 20 "$TMP/gw-a.log" "peer customer1: a session answers no heartbeats; the peer is heard on another" &&
    pass "a silent session is noticed" ||
    fail "a silent session is noticed" "no line in A's log"
# observation window (negative check): 6 s at least since the kill, twice
# missing-hb-allowed x heartbeat-interval, and still nothing activated
while [ $((SECONDS - t_kill)) -le 6 ]; do sleep 0.2; done
dead_session() { has "$TMP/gw-a.log" "peer customer1 is down"; }
! dead_session && ! has "$TMP/gw-a.log" "activated on signal loss" &&
    pass "customer answers heartbeats on another session: not activated" ||
    fail "not activated while answering" "$(grep -F -e 'is down' -e 'activated' "$TMP/gw-a.log")"
check_eq "while answering: still signal-loss" "$(status_a 20)" \
    attack-mitigation-signal-loss
check_eq "while answering: still nothing at B" "$(b_puts)" 0

# now the customer is silent: killed, its DTLS session is never closed
{ kill -KILL "$HB"; wait "$HB"; } 2>/dev/null	# no "Killed" notice
t0=$SECONDS
activated() { has "$TMP/gw-a.log" "activated on signal loss: peer customer1 cuid $CUID1 mid 20:"; }
wait_for 20 activated && pass "silent customer: mid 20 activated after $((SECONDS - t0)) s" ||
    fail "silent customer: activated" "$(grep -F -e 'is down' -e 'signal' "$TMP/gw-a.log" | tail -n 3)"
at_b() { line_has "$TMP/gw-b.log" 'peer gw-a: PUT .well-known/dots/mitigate' '"target-prefix":["192.0.2.0/28"]'; }
wait_for 20 at_b && pass "activated request relayed to B" || fail "relayed to B" "no PUT at B"
! line_has "$TMP/gw-b.log" 'peer gw-a: PUT .well-known/dots/mitigate' '"trigger-mitigation":false' &&
    pass "relayed as an immediate request (no trigger-mitigation false)" ||
    fail "relayed as immediate" "$(grep -F 'PUT .well-known/dots/mitigate' "$TMP/gw-b.log" | tail -n 1)"
has "$TMP/gw-a.log" "withdrawn by the server: peer customer1 cuid $CUID1 mid 19:" &&
    pass "overlapping immediate mid 19 withdrawn by the server (status 7)" ||
    fail "mid 19 withdrawn" "$(grep -F 'mid 19' "$TMP/gw-a.log" | tail -n 2)"
# A's status follows B's report: poll until it is in
in_progress() { [ "$(status_a 20)" = attack-mitigation-in-progress ]; }
wait_for 20 in_progress
check_eq "activated: status in progress (as B reports)" "$(status_a 20)" \
    attack-mitigation-in-progress
lt=$(jget 's["lifetime"]')
[[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -le 600 ] && [ "$lt" -ge 560 ] &&
    pass "lifetime keeps running as granted ($lt s left of 600)" ||
    fail "lifetime after activation" "got '$lt' from $(_ctl_why)"

# the channel comes back: nothing is stopped by that (the 2 s of these
# heartbeats are the observation window of the negative check below)
"$DOTSCTL" -s "$A" $(cred_args psk1) hb --count 3 --interval 1 > /dev/null 2>&1
check_eq "channel back: still in progress" "$(status_a 20)" \
    attack-mitigation-in-progress
! has "$TMP/gw-b.log" 'peer gw-a: DELETE' &&
    pass "channel back: nothing withdrawn at B" || fail "channel back" "B saw a DELETE"

# a DELETE does
ctl psk1 "$A" withdraw --mid 20
check_eq "withdraw mid 20: 2.02" "$(code_of)" 2.02
wait_log 20 "$TMP/gw-b.log" 'peer gw-a: DELETE .well-known/dots/mitigate' &&
    pass "withdrawal reaches B" || fail "withdrawal reaches B" "no DELETE"
