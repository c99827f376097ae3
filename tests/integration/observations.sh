#!/usr/bin/env bash
# The gateway's own observations of its mitigations (gateway/downstream/
# observe.c, issue 16): relay A observes each mitigation it places at B,
# and B counts them (/metrics dotsgw_observations). A's withdrawal
# deregisters its observation (RFC 7641 §3.6, Observe 1) while B still
# holds the withdrawn mitigation through its active-but-terminating
# period (60 s here): the count falls at once, not when the period ends.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs gw-a gw-b
node_ports PA PB APORT
# nothing fits at A (1 bit/s): everything is placed at B
node_gw_conf gw-a "$PA" 1 ""
node_gw_conf gw-b "$PB" 100000000000 "admin: { address: $HOST, port: $APORT }"
sed -i 's/active-but-terminating: 1 }/active-but-terminating: 60 }/' "$TMP/gw-b.yaml"
pair_peers
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 15 node_up gw-a gw-b && pass "A's upstream session to B is up" ||
    fail "A to B" "not up"
A=coaps://$HOST:$PA

# at_b NAME: B's metric NAME now; is NAME VALUE: it equals VALUE
at_b() {
	http GET "http://$HOST:$APORT/metrics" "$TMP/metrics" > /dev/null
	metric "$1" "$TMP/metrics"
}
is() { [ "$(at_b "$1")" = "$2" ]; }
WITHDRAWN='dotsgw_mitigations{peer="gw-a",status="dots-client-withdrawn-mitigation"}'

check_eq "no observation before any" "$(at_b dotsgw_observations)" 0
for mid in 1 2; do
	ctl psk1 "$A" mitigate --mid $mid --prefix "192.0.2.$mid/32" --lifetime 600
	check_eq "mid $mid relayed: 2.01" "$(code_of)" 2.01
	wait_for 10 is dotsgw_observations $mid &&
	    pass "B: A observes each placement ($mid)" ||
	    fail "B: A observes each placement ($mid)" "$(at_b dotsgw_observations)"
done
ctl psk1 "$A" withdraw --mid 1
check_eq "withdraw mid 1: 2.02" "$(code_of)" 2.02
wait_for 10 is "$WITHDRAWN" 1 &&
    pass "B keeps the withdrawn one (active-but-terminating)" ||
    fail "B keeps the withdrawn one" "$(at_b "$WITHDRAWN")"
wait_for 10 is dotsgw_observations 1 &&
    pass "A's deregistration ends its observation at B at once" ||
    fail "deregistration at B" "$(at_b dotsgw_observations) observations"
is "$WITHDRAWN" 1 && pass "... while B still holds the withdrawn mitigation" ||
    fail "B still holds it" "$(at_b "$WITHDRAWN")"
