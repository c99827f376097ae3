#!/usr/bin/env bash
# topologies/mesh-3 as shipped (issue 4): the runner's own checks, then
# each selection strategy of isp-a's customer1 policy against each node's
# table: failover on an upstream going down (within missing-hb-allowed x
# heartbeat-interval, re-placed on the next, no duplicate when it comes
# back), near-source, capacity, prefix, and a request nobody can take
# whose failover chain ends and reports back.
. "$(dirname "$0")/../lib.sh"
t_init
trap 'topo_stop; t_cleanup' EXIT

# --- 0. the runner, non-interactive, with its expectations and failover ----
"$ROOT/topologies/run" mesh-3 --check --failover > "$TMP/run.out" 2>&1
rc=$?
has "$TMP/run.out" "every check passed" && [ $rc -eq 0 ] &&
    pass "topologies/run mesh-3 --check --failover" ||
    fail "topologies/run mesh-3 --check --failover" "rc $rc: $(grep -F -e FAILED -e 'topology:' "$TMP/run.out" | head -n 5)"

topo_load mesh-3 && topo_setup "$TMP/mesh" && topo_start ||
    { fail "mesh-3 starts" "see above"; exit 1; }
pass "mesh-3: three nodes up, every upstream session up"
A_LOG=$TMP/mesh/isp-a.log

holders_are() { [ "$(topo_holders)" = "$1" ]; }
# holders of one customer mid: isp-a holds customer1:MID, the others
# hold isp-a's placement of it (mid there = placement mid at isp-a)
pl_at() {	# MID UPSTREAM: isp-a's placement state for MID at UPSTREAM
	topo_q isp-a "\" \".join(p[\"state\"] for m in act if m[\"mid\"] == $1 for p in m[\"relay\"][\"placements\"] if p[\"upstream\"] == \"$2\")"
}
umid_at() {	# MID UPSTREAM: the mid isp-a placed MID under at UPSTREAM
	topo_q isp-a "\" \".join(str(p[\"mid\"]) for m in act if m[\"mid\"] == $1 for p in m[\"relay\"][\"placements\"] if p[\"upstream\"] == \"$2\" and p[\"state\"] in (\"active\", \"sending\"))"
}
holds_mid() {	# NODE UMID: NODE has isp-a's UMID active
	[ -n "$2" ] && [[ " $(topo_holds "$1") " == *" isp-a:$2 "* ]]
}
where() {	# MID: the upstreams isp-a's MID is active at
	topo_q isp-a "\" \".join(sorted(p[\"upstream\"] for m in act if m[\"mid\"] == $1 for p in m[\"relay\"][\"placements\"] if p[\"state\"] == \"active\"))"
}

# --- 1. failover: isp-b goes down, isp-c takes over --------------------------
ans=$(topo_request 1 2>&1)
[ "$(echo "$ans" | code_of -)" = 2.01 ] && pass "failover: request 2.01" ||
    fail "failover: request" "not 2.01: '$ans'"
topo_wait 15 holders_are "isp-a isp-b" && pass "failover: first isp-b only (isp-a, isp-b hold it)" ||
    fail "failover: first isp-b only" "holders '$(topo_holders)'"
hbi=$(topo_q isp-a '[u["heartbeat-interval"] for u in j["upstreams"] if u["name"] == "isp-b"][0]' 2>&1)
hbm=$(topo_q isp-a '[u["missing-hb-allowed"] for u in j["upstreams"] if u["name"] == "isp-b"][0]' 2>&1)
# the bound below is computed from them: integers, or the test is void
[[ $hbi =~ ^[0-9]+$ && $hbm =~ ^[0-9]+$ ]] ||
    fail "failover: isp-a's session to isp-b in /status" "heartbeat-interval '$hbi', missing-hb-allowed '$hbm': $(topo_status isp-a | head -c 300)"
t0=$(date +%s%3N)
topo_node_stop isp-b KILL
moved() { [ "$(where 1)" = isp-c ]; }
topo_wait 20 moved
# when isp-a placed it at isp-c, from its log (no polling noise)
t1=$($PY -c '
import datetime, re, sys
for l in open(sys.argv[1]):
    if "decided again: upstream:" in l and "isp-c" in l:
        t = datetime.datetime.strptime(l.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
        print(int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000))
        break
' "$A_LOG")
took=$((${t1:-99999999999999} - t0))
# the bound: missing-hb-allowed unanswered heartbeats, one per interval;
# the first of them goes out up to one interval after the failure
limit=$(((${hbm:-0} + 1) * ${hbi:-0} * 1000))
if moved && [ "$took" -le "$limit" ]; then
	pass "failover: re-placed on isp-c $took ms after isp-b died (missing-hb-allowed $hbm x heartbeat-interval ${hbi} s, + 1 interval)"
else
	fail "failover: re-placed on isp-c" "after $took ms (bound $limit ms): where '$(where 1)'"
fi
has_seq "$A_LOG" "decided again: upstream: " "failover: " "isp-c" &&
    pass "failover: decision logged with its reason" ||
    fail "failover: decision logged" "$(grep -F 'decided again' "$A_LOG" | tail -n 1)"
# mid_at NODE MID: NODE holds isp-a's placement of MID (its mid there)
mid_at() { holds_mid "$1" "$(umid_at "$2" "$1")"; }
topo_wait 10 mid_at isp-c 1 && pass "failover: isp-c's table holds it" ||
    fail "failover: isp-c's table" "'$(topo_holds isp-c)'"
topo_wait 15 cust_is 1 attack-mitigation-in-progress &&
    pass "failover: the customer sees in-progress (from isp-c)" ||
    fail "failover: customer status" "'$ST': answer '$RAW'"

# isp-b comes back (it may still hold the old placement): no duplicate
topo_node_start isp-b 2 || fail "isp-b restarts" "see above"
b_up() { [ "$(topo_q isp-a 'str(ups["isp-b"])')" = True ]; }
topo_wait 20 b_up && pass "isp-b back: isp-a's session to it is up" ||
    fail "isp-b back" "session not up"
# isp-b may restore its old copy from its store until isp-a tells it to
# drop it: wait for that, then watch 2 s in which no duplicate may
# appear (a negative check: the window is what we watch)
single() { [ "$(where 1)" = isp-c ] && [ -z "$(topo_holds isp-b)" ]; }
topo_wait 15 single
sleep 2
b_old=$(topo_q isp-a '" ".join(p["state"] for m in act if m["mid"] == 1 for p in m["relay"]["placements"] if p["upstream"] == "isp-b")')
single &&
    pass "isp-b back: still only at isp-c, isp-b holds nothing (old placement $b_old)" ||
    fail "isp-b back: no duplicate" "where '$(where 1)', isp-b holds '$(topo_holds isp-b)'"

ans=$(topo_withdraw 1 2>&1)
[ "$(echo "$ans" | code_of -)" = 2.02 ] && pass "failover: withdraw 2.02" ||
    fail "failover: withdraw" "not 2.02: '$ans'"
cleared() { [ -z "$(topo_holders)" ]; }
topo_wait 20 cleared && pass "failover: withdrawal clears every hop" ||
    fail "failover: withdrawal clears" "holders '$(topo_holders)'"

# --- 2. near-source (RFC 9066 source-prefix) -----------------------------------
topo_request 2 192.0.2.130/32 5 203.0.113.0/25 > /dev/null
near_c() { [ "$(where 2)" = isp-c ] && mid_at isp-c 2; }
topo_wait 15 near_c && [ -z "$(topo_holds isp-b)" ] &&
    pass "near-source: sources in 203.0.113/24 go to isp-c only" ||
    fail "near-source: to isp-c" "where '$(where 2)', b '$(topo_holds isp-b)'"
topo_request 3 192.0.2.131/32 5 198.51.100.7/32 > /dev/null
near_b() { [ "$(where 3)" = isp-b ] && mid_at isp-b 3; }
topo_wait 15 near_b &&
    pass "near-source: a source in 198.51.100/24 goes to isp-b only" ||
    fail "near-source: to isp-b" "where '$(where 3)'"
topo_request 4 192.0.2.132/32 5 "" > /dev/null
fb() { [ "$(where 4)" = isp-b ]; }
topo_wait 15 fb && has "$A_LOG" "near-source: no source-prefix in the request; fallback failover: isp-b" &&
    pass "near-source: no source-prefix: fallback failover (isp-b), reason logged" ||
    fail "near-source: fallback" "where '$(where 4)'"
for m in 2 3 4; do topo_withdraw $m > /dev/null; done

# --- 3. capacity: most declared headroom, minus what was placed --------------
topo_request 5 192.0.2.200/32 30 > /dev/null
c5() { [ "$(where 5)" = isp-c ]; }
topo_wait 15 c5 && pass "capacity: 30 G to isp-c (40 G declared vs 20 G)" ||
    fail "capacity: first to isp-c" "where '$(where 5)'"
topo_request 6 192.0.2.201/32 30 > /dev/null
c6() { [ "$(where 6)" = isp-b ]; }
topo_wait 15 c6 && pass "capacity: the next 30 G to isp-b (isp-c has 10 G left)" ||
    fail "capacity: second to isp-b" "where '$(where 6)'"
for m in 5 6; do topo_withdraw $m > /dev/null; done

# --- 4. prefix: only who serves the targets -----------------------------------
topo_request 7 192.0.2.70/32 5 "" > /dev/null
p7() { [ "$(where 7)" = isp-c ]; }
topo_wait 15 p7 && [ -z "$(topo_holds isp-b)" ] &&
    pass "prefix: 192.0.2.70 to isp-c only (serves 192.0.2.64/27)" ||
    fail "prefix: to isp-c" "where '$(where 7)'"
topo_request 8 192.0.2.100/32 5 "" > /dev/null
topo_wait 15 cust_is 8 attack-exceeded-capability && [ -z "$(where 8)" ] &&
    pass "prefix: 192.0.2.100 served by nobody, fallback none: attack-exceeded-capability" ||
    fail "prefix: fallback none" "status '$ST' (answer '$RAW'), where '$(where 8)'"
for m in 7 8; do topo_withdraw $m > /dev/null; done

# --- 5. nobody can take it: the failover chain ends and reports back ----------
start=$SECONDS
ans=$(topo_request 9 192.0.2.20/32 500 2>&1)
c=$(echo "$ans" | code_of -)
ended() {
	[ "$c" = 5.08 ] || cust_is 9 attack-exceeded-capability
}
topo_wait 20 ended && pass "500 G: answered ($c) and reported back within $((SECONDS - start)) s" ||
    fail "500 G: reported back" "answer '$ans', status '$ST' (answer '$RAW')"
# logged as the chain runs: wait for each line
wait_log 15 "$A_LOG" "upstream isp-b reports attack-exceeded-capability for mid" &&
    pass "500 G: isp-b takes it only to say attack-exceeded-capability: withdrawn there" ||
    fail "500 G: exceeded at isp-b" "$(grep -F 'mid 9' "$A_LOG" | tail -n 3)"
wait_log 15 "$A_LOG" "every candidate refused or was lost" &&
    pass "500 G: isp-a tried isp-b, then isp-c, then stopped (reason logged)" ||
    fail "500 G: chain at isp-a" "$(grep -F 'mid 9' "$A_LOG" | tail -n 3)"
# (whether isp-c's relay of it then comes round depends on a race at
# isp-b: isp-a's withdrawal against isp-c's request, which overlaps it
# while it is still active there and is then refused; section 6 makes the
# round trip certain)
topo_withdraw 9 > /dev/null
quiet() { [ -z "$(topo_holds isp-b)" ] && [ -z "$(topo_holds isp-c)" ]; }
topo_wait 20 quiet && pass "500 G: nothing left at isp-b and isp-c" ||
    fail "500 G: cleared" "b '$(topo_holds isp-b)' c '$(topo_holds isp-c)'"

# --- 6. a request that comes round is stopped by the relay path --------------
# Sources in 203.0.113/24: isp-a asks isp-c only (near-source); isp-c
# cannot take 500 G and asks isp-b (never back to the requester), which
# cannot either and asks isp-a: isp-a finds itself on the relay path.
# isp-b holds nothing of isp-a's for this target, so nothing else can
# refuse it on the way.
round_trips() { count_of "$A_LOG" "relay loop: isp-a isp-c isp-b isp-a"; }
l0=$(round_trips)
topo_request 10 192.0.2.140/32 500 203.0.113.0/25 > /dev/null
looped() { [ "$(round_trips)" -gt "$l0" ]; }
topo_wait 15 looped &&
    pass "500 G via isp-c: the relay path stopped the request coming round at isp-a (5.08)" ||
    fail "loop stop" "no new 'relay loop: isp-a isp-c isp-b isp-a' at isp-a: $(grep -F -e 'relay loop' -e 'overlaps' "$TMP"/mesh/isp-*.log | tail -n 3)"
topo_withdraw 10 > /dev/null
topo_wait 20 quiet && pass "loop: nothing left at isp-b and isp-c" ||
    fail "loop: cleared" "b '$(topo_holds isp-b)' c '$(topo_holds isp-c)'"

for n in isp-a isp-b isp-c; do
	kill -0 "${TOPO_PID[$n]}" 2>/dev/null && pass "$n still running" ||
	    fail "$n still running" "exited: $(tail -n 3 "$TMP/mesh/$n.log")"
done
if [ "$T_FAILS" -gt 0 ]; then
	for n in isp-a isp-b isp-c; do
		echo "---- $n log, last 40 lines ----"
		tail -n 40 "$TMP/mesh/$n.log" | sed 's/^/  | /'
	done
fi
exit 0
