#!/usr/bin/env bash
# topologies/cascade-5 as shipped (issue 4): the runner's own checks
# (every hop holds it, isp-5 mitigates, in-progress back at the customer,
# withdrawal clears every hop), then a request nobody in the chain can
# absorb: relayed to the end, attack-exceeded-capability reported back
# through all five; and the end of the chain going down: the loss reaches
# the customer through four hops as a status, and the chain heals when it
# is back.
. "$(dirname "$0")/../lib.sh"
t_init
trap 'topo_stop; t_cleanup' EXIT

"$ROOT/topologies/run" cascade-5 --check > "$TMP/run.out" 2>&1
rc=$?
for c in "customer's answer: 2.01" "nodes holding it: isp-1 isp-2 isp-3 isp-4 isp-5" \
    "nodes mitigating it: isp-5" \
    "status back at the customer: attack-mitigation-in-progress" \
    "nodes holding anything after withdrawal: $"; do
	grep -q "^check: $c" "$TMP/run.out" && pass "run cascade-5: ${c%: \$}" ||
	    fail "run cascade-5: $c" "$(grep -E 'CHECK FAILED|topology:' "$TMP/run.out" | head -n 3)"
done
[ $rc -eq 0 ] && pass "topologies/run cascade-5 --check exits 0" ||
    fail "topologies/run cascade-5 --check" "exit $rc"

topo_load cascade-5 && topo_setup "$TMP/c5" && topo_start ||
    { fail "cascade-5 starts" "see above"; exit 1; }
pass "cascade-5: five nodes up, every upstream session up"

code() { sed -n 's/^{"code":"\([0-9.]*\)".*/\1/p' | tail -n 1; }
cust_status() {
	topo_ctl get --mid "$1" | sed -n 's/.*"status":"\([a-z-]*\)".*/\1/p' |
	    tail -n 1
}
# the status each node reports for what it holds, "isp-1=4 isp-2=4 ..."
statuses() {
	local n out=
	for n in $NODES; do
		out="$out${out:+ }$n=$(topo_q "$n" '",".join(str(m["status"]) for m in act)')"
	done
	echo "$out"
}

# --- nobody can absorb 500 G: the end of the chain says so, all the way back
[ "$(topo_request 2 192.0.2.20/32 500 | code)" = 2.01 ] &&
    pass "500 G: 2.01" || fail "500 G: 2.01" "no"
all_exc() { [ "$(statuses)" = "isp-1=4 isp-2=4 isp-3=4 isp-4=4 isp-5=4" ]; }
topo_wait 10 all_exc && pass "500 G: relayed to isp-5; every hop reports attack-exceeded-capability" ||
    fail "500 G: exceeded at every hop" "$(statuses)"
[ "$(cust_status 2)" = attack-exceeded-capability ] &&
    pass "500 G: the customer sees attack-exceeded-capability" ||
    fail "500 G: customer status" "$(cust_status 2)"
topo_withdraw 2 > /dev/null
cleared() { [ -z "$(topo_holders)" ]; }
topo_wait 6 cleared && pass "500 G: withdrawal clears all five" ||
    fail "500 G: withdrawal" "holders '$(topo_holders)'"

# --- the end of the chain goes down and comes back --------------------------
topo_request 3 > /dev/null
five() { [ "$(topo_holders)" = "isp-1 isp-2 isp-3 isp-4 isp-5" ]; }
topo_wait 10 five && pass "mid 3: all five hold it" || fail "mid 3: all five" "'$(topo_holders)'"
topo_node_stop isp-5 KILL
lost() { [ "$(cust_status 3)" != attack-mitigation-in-progress ]; }
topo_wait 8 lost && pass "isp-5 down: the customer, four hops away, sees it ($(cust_status 3))" ||
    fail "isp-5 down: customer status" "still $(cust_status 3)"
topo_node_start isp-5 2 || fail "isp-5 restarts" "see above"
healed() { [ "$(cust_status 3)" = attack-mitigation-in-progress ] && five; }
topo_wait 20 healed && pass "isp-5 back: placed again, in-progress at the customer" ||
    fail "isp-5 back" "status $(cust_status 3), holders '$(topo_holders)'"
topo_withdraw 3 > /dev/null
topo_wait 6 cleared && pass "mid 3: withdrawal clears all five" ||
    fail "mid 3: withdrawal" "holders '$(topo_holders)'"

for n in $NODES; do
	kill -0 "${TOPO_PID[$n]}" 2>/dev/null && pass "$n still running" ||
	    fail "$n still running" "exited: $(tail -n 3 "$TMP/c5/$n.log")"
done
if [ "$T_FAILS" -gt 0 ]; then
	for n in $NODES; do
		echo "---- $n log, last 30 lines ----"
		tail -n 30 "$TMP/c5/$n.log" | sed 's/^/  | /'
	done
fi
exit 0
