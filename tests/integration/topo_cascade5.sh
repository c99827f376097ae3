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
    "nodes holding anything after withdrawal: "; do
	# the runner's whole line, as a fixed string ("2.01" is no pattern)
	grep -qxF "check: $c" "$TMP/run.out" && pass "run cascade-5: ${c%: }" ||
	    fail "run cascade-5: $c" "$(grep -F -e "CHECK FAILED: ${c%%: *}:" -e 'topology:' "$TMP/run.out" | head -n 3)"
done
[ $rc -eq 0 ] && pass "topologies/run cascade-5 --check exits 0" ||
    fail "topologies/run cascade-5 --check" "exit $rc"

topo_load cascade-5 && topo_setup "$TMP/c5" && topo_start ||
    { fail "cascade-5 starts" "see above"; exit 1; }
pass "cascade-5: five nodes up, every upstream session up"

# the status each node reports for what it holds, "isp-1=4 isp-2=4 ..."
statuses() {
	local n out=
	for n in $NODES; do
		out="$out${out:+ }$n=$(topo_q "$n" '",".join(str(m["status"]) for m in act)')"
	done
	echo "$out"
}

# --- nobody can absorb 500 G: the end of the chain says so, all the way back
ans=$(topo_request 2 192.0.2.20/32 500 2>&1)
[ "$(echo "$ans" | code_of -)" = 2.01 ] &&
    pass "500 G: 2.01" || fail "500 G: 2.01" "answer '$ans'"
all_exc() { [ "$(statuses)" = "isp-1=4 isp-2=4 isp-3=4 isp-4=4 isp-5=4" ]; }
topo_wait 20 all_exc && pass "500 G: relayed to isp-5; every hop reports attack-exceeded-capability" ||
    fail "500 G: exceeded at every hop" "$(statuses)"
topo_wait 10 cust_is 2 attack-exceeded-capability &&
    pass "500 G: the customer sees attack-exceeded-capability" ||
    fail "500 G: customer status" "answer '$RAW'"
topo_withdraw 2 > /dev/null
cleared() { [ -z "$(topo_holders)" ]; }
topo_wait 20 cleared && pass "500 G: withdrawal clears all five" ||
    fail "500 G: withdrawal" "holders '$(topo_holders)'"

# --- the end of the chain goes down and comes back --------------------------
topo_request 3 > /dev/null
five() { [ "$(topo_holders)" = "isp-1 isp-2 isp-3 isp-4 isp-5" ]; }
topo_wait 20 five && pass "mid 3: all five hold it" || fail "mid 3: all five" "'$(topo_holders)'"
# in progress at the customer before isp-5 goes, so that a change is one
topo_wait 10 cust_is 3 attack-mitigation-in-progress ||
    fail "mid 3: in progress before isp-5 goes" "answer '$RAW'"
topo_node_stop isp-5 KILL
# a 2.05 whose status is no longer in progress (not a failed GET)
lost() { cust_get 3; [ -n "$ST" ] && [ "$ST" != attack-mitigation-in-progress ]; }
# isp-4 notices within 3 heartbeats (1 s), then four hops of notifications
topo_wait 20 lost && pass "isp-5 down: the customer, four hops away, sees it ($ST)" ||
    fail "isp-5 down: customer status" "still '$ST': answer '$RAW'"
topo_node_start isp-5 2 || fail "isp-5 restarts" "see above"
# isp-4 reconnects with backoff (1 s, doubling): a generous bound
healed() { cust_is 3 attack-mitigation-in-progress && five; }
topo_wait 40 healed && pass "isp-5 back: placed again, in-progress at the customer" ||
    fail "isp-5 back" "status '$ST' (answer '$RAW'), holders '$(topo_holders)'"
topo_withdraw 3 > /dev/null
topo_wait 20 cleared && pass "mid 3: withdrawal clears all five" ||
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
