#!/usr/bin/env bash
# topologies/cluster-2 (issue 17): the runner's own checks, then two
# gateways of one cluster on one PostgreSQL with an upstream: a request
# relayed by gw-1; gw-1 killed: gw-2 relays it within the lease bound
# (lease-time 4 s + a renewal period, checked against 2 x lease-time),
# isp-up holds it once (one PUT ever accepted there), gw-1 back leaves it
# with gw-2 and withdraws nothing, a withdrawal through either node
# clears every hop.
. "$(dirname "$0")/../lib.sh"
t_init
[ -x /usr/lib/postgresql/15/bin/initdb ] ||
    { skip topo_cluster2.sh "PostgreSQL 15 server not installed (Debian package postgresql)"; exit 0; }
trap 'topo_stop; t_cleanup' EXIT

"$ROOT/topologies/run" cluster-2 --check --failover > "$TMP/run.out" 2>&1
rc=$?
has "$TMP/run.out" "every check passed" && [ $rc -eq 0 ] &&
    pass "topologies/run cluster-2 --check --failover" ||
    fail "topologies/run cluster-2 --check --failover" "rc $rc: $(grep -F -e FAILED -e 'topology:' "$TMP/run.out" | head -n 5)"

topo_load cluster-2 && topo_setup "$TMP/c2" && topo_start ||
    { fail "cluster-2 starts" "see above"; exit 1; }
pass "cluster-2: PostgreSQL, isp-up, gw-1, gw-2 up"
UP_LOG=$TMP/c2/isp-up.log
G2_LOG=$TMP/c2/gw-2.log

holders_are() { [ "$(topo_holders)" = "$1" ]; }
edge_at_up() { topo_q isp-up '" ".join(str(m["mid"]) for m in act if m["peer"] == "edge")'; }
ans=$(topo_request 1 2>&1)
[ "$(echo "$ans" | code_of -)" = 2.01 ] && pass "request 2.01 (through gw-1)" ||
    fail "request" "not 2.01: '$ans'"
topo_wait 20 holders_are "isp-up gw-1" && pass "gw-1 relays it to isp-up" ||
    fail "gw-1 relays it" "holders '$(topo_holders)'"
umid=$(edge_at_up)
t0=$(date +%s%3N)
topo_node_stop gw-1 KILL
g2_relays() { holders_are "isp-up gw-2" && [ "$(edge_at_up)" = "$umid" ] &&
    [ "$(topo_q gw-2 '" ".join(p["state"] for m in act for p in m.get("relay", {}).get("placements", []))')" = active ]; }
topo_wait 30 g2_relays
took=$(($(date +%s%3N) - t0))
g2_relays && [ $took -le 8000 ] &&
    pass "gw-2 relays it, its placement at isp-up active, $took ms after gw-1 died (bound 2 x lease-time = 8 s)" ||
    fail "takeover" "after $took ms: holders '$(topo_holders)', isp-up holds '$(edge_at_up)' (was $umid)"
check "gw-2 logged the adoption" has "$G2_LOG" "adopted from another cluster node (1 placements)"
check "gw-2 resynchronised with isp-up" has "$G2_LOG" "upstream isp-up resynchronised: 1 placements kept, 0 withdrawn"
[ "$(count_of "$UP_LOG" "accepted: peer edge")" = 1 ] &&
    pass "isp-up accepted one PUT from the cluster: no duplicate" ||
    fail "isp-up duplicate" "$(grep -F "accepted: peer edge" "$UP_LOG")"

topo_node_start gw-1 2 || fail "gw-1 restarts" "see above"
g1_back() { [ "$(topo_q gw-1 'str(ups["isp-up"])')" = True ]; }
topo_wait 20 g1_back && pass "gw-1 back, its session to isp-up up" ||
    fail "gw-1 back" "session not up"
sleep 2	# a negative check: the window in which no withdrawal may come
[ "$(edge_at_up)" = "$umid" ] && holders_are "isp-up gw-2" &&
    pass "gw-1 back: isp-up still holds it once, gw-2 relays it" ||
    fail "gw-1 back" "isp-up '$(edge_at_up)', holders '$(topo_holders)'"
ans=$(topo_withdraw 1 2>&1)
[ "$(echo "$ans" | code_of -)" = 2.02 ] && pass "withdraw 2.02 (through gw-1, relayed by gw-2)" ||
    fail "withdraw" "not 2.02: '$ans'"
cleared() { [ -z "$(topo_holders)" ] && [ -z "$(edge_at_up)" ]; }
topo_wait 20 cleared && pass "withdrawal clears every hop" ||
    fail "withdrawal" "holders '$(topo_holders)', isp-up '$(edge_at_up)'"
if [ "$T_FAILS" -gt 0 ]; then
	for n in isp-up gw-1 gw-2; do
		echo "---- $n log, last 30 lines ----"
		tail -n 30 "$TMP/c2/$n.log" | sed 's/^/  | /'
	done
fi
exit 0
