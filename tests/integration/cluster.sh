#!/usr/bin/env bash
# Two dotsgwd nodes of one cluster on one throwaway PostgreSQL (issue 17,
# step 2: gateway/state/cluster.c): a mitigation created through node 1
# is read and observed through node 2, and a withdrawal through node 1
# reaches node 2's observer; overlap (4.09), cuid collision (4.09) and
# max-mitigations are decided across the nodes, also for creates racing
# on both nodes at once; a second node with the same node-id and a node
# of another cluster are refused.
. "$(dirname "$0")/../lib.sh"
t_init
. "$ROOT/tests/pg_lib.sh"
pg_start || { skip cluster.sh "$PG_WHY"; exit 0; }

trap 'n2_stop; t_cleanup; pg_cleanup' EXIT

sed -i "/psk-identity: $PSK3_ID/a\    max-mitigations: 2" "$CONF"
sed -i "/psk-identity: $PSK1_ID/a\    max-mitigations: 100000" "$CONF"
sed -i "/cert-name: customer2.example/a\    max-mitigations: 2" "$CONF"
pg_cluster_conf || exit 1

gw_start || exit 1
n2_start || exit 1
check "both nodes joined the cluster" eval \
    "has '$GW_LOG' 'cluster test: node n1 joined' && has '$N2_LOG' 'cluster test: node n2 joined'"

# --- created on node 1, read and observed on node 2 --------------------------
ctl psk1 "$D1" mitigate --mid 1 --prefix 192.0.2.1/32 --lifetime 600
check_eq "node 1: mid 1 accepted" "$(code_of)" 2.01
on_n2() { ctl psk1 "$D2" get --mid 1; [ "$(code_of)" = 2.05 ]; }
wait_for 20 on_n2 || fail "node 2: GET mid 1" "$(code_of) $(_ctl_why)"
check_j "node 2: mid 1 in progress" 2.05 's["status"]' \
    attack-mitigation-in-progress
check_j "node 2: mid 1 target" 2.05 's["target-prefix"]' '["192.0.2.1/32"]'
obs=$TMP/obs
# shellcheck disable=SC2046
"$DOTSCTL" -s "$D2" $(cred_args psk1) --json get --mid 1 --observe 30 \
    >"$obs" 2>"$obs.err" &
opid=$!
wait_log 20 "$obs" '"code":"2.05"' ||
    fail "node 2: observer registered" "$(head -c 300 "$obs") $(head -c 300 "$obs.err")"
ctl psk1 "$D1" withdraw --mid 1
check_eq "node 1: withdraw mid 1" "$(code_of)" 2.02
wait_for 20 line_has "$obs" '"observe":' \
    '"status":"dots-client-withdrawn-mitigation"' &&
    pass "node 2's observer notified of the withdrawal made through node 1" ||
    fail "node 2's observer" "$(cat "$obs")"
stop_pid "$opid"

# --- global checks ------------------------------------------------------------
ctl psk1 "$D1" mitigate --mid 20 --prefix 192.0.2.20/32 --lifetime 600
check_eq "node 1: mid 20 accepted" "$(code_of)" 2.01
ctl psk1 "$D2" mitigate --mid 15 --prefix 192.0.2.16/28 --lifetime 600
check_j "node 2: a lower overlapping mid -> 4.09 overlapping-targets" 4.09 \
    's["conflict-information"]["conflict-cause"]' overlapping-targets
cuid1=$(cuid_psk $PSK1_ID)
ctl psk3 "$D2" --cuid "$cuid1" mitigate --mid 30 --prefix 203.0.113.1/32
check_j "node 2: customer3 with customer1's cuid -> 4.09 cuid-collision" \
    4.09 's["conflict-information"]["conflict-cause"]' cuid-collision
ctl psk3 "$D1" mitigate --mid 1 --prefix 203.0.113.1/32 --lifetime 600
check_eq "customer3 mid 1 on node 1" "$(code_of)" 2.01
ctl psk3 "$D2" mitigate --mid 2 --prefix 203.0.113.2/32 --lifetime 600
check_eq "customer3 mid 2 on node 2" "$(code_of)" 2.01
ctl psk3 "$D1" mitigate --mid 3 --prefix 203.0.113.3/32 --lifetime 600
check_eq "customer3 mid 3 on node 1: max-mitigations 2 across nodes -> 5.03" \
    "$(code_of)" 5.03
[[ $(jget 'j.get("diagnostic")') == *"peer customer3 has 2 active mitigations"* ]] &&
    pass "5.03 says the peer's quota" || fail "quota diagnostic" "$LINE"

# customer2 (max 2): four creates at once, two on each node; exactly two
# win, whatever the interleaving
race() {
	# shellcheck disable=SC2046
	"$DOTSCTL" -s "$1" $(cred_args pki2) --json mitigate --mid "$2" \
	    --prefix "198.51.100.$2/32" --lifetime 600 > "$TMP/race.$2" 2>&1
}
race "$D1" 11 & p1=$!
race "$D2" 12 & p2=$!
race "$D1" 13 & p3=$!
race "$D2" 14 & p4=$!
wait $p1 $p2 $p3 $p4
won=0 lost=0
for m in 11 12 13 14; do
	case $(code_of "$TMP/race.$m") in
	2.01) won=$((won + 1)) ;;
	5.03) lost=$((lost + 1)) ;;
	esac
done
[ $won = 2 ] && [ $lost = 2 ] &&
    pass "racing creates on both nodes: exactly max-mitigations (2) accepted, 2 refused" ||
    fail "racing creates" "won $won lost $lost: $(cat "$TMP"/race.1?)"
n=$(pg_psql "SELECT count(*) FROM mitigation WHERE peer = 'customer2'")
check_eq "the database holds 2 of customer2's" "$n" 2

# --- refused nodes --------------------------------------------------------------
PORT3=$(free_port)
mkdir -p "$TMP/state3"
sed -e "s#state-dir: $TMP/state\$#state-dir: $TMP/state3#" \
    -e "s#port: $PORT\$#port: $PORT3#" "$CONF" > "$TMP/dup.yaml"
chmod 600 "$TMP/dup.yaml"
gw_refuses "$TMP/dup.yaml" "$TMP/dup.log" \
    "cluster test: node-id n1 is already running on this database" &&
    pass "a second node n1: refused (exit $rc), says why" ||
    fail "duplicate node-id" "rc $rc: $(tail -n 3 "$TMP/dup.log")"
sed -e "s#name: test\$#name: other#" -e "s#node-id: n1\$#node-id: n3#" \
    "$TMP/dup.yaml" > "$TMP/other.yaml"
chmod 600 "$TMP/other.yaml"
gw_refuses "$TMP/other.yaml" "$TMP/other.log" \
    "the database belongs to cluster test, not other" &&
    pass "a node of cluster other: refused (exit $rc), says why" ||
    fail "other cluster" "rc $rc: $(tail -n 3 "$TMP/other.log")"

# --- a node restarted keeps relaying only its own -------------------------------
n2_stop
n2_start || exit 1
get20() { ctl psk1 "$D2" get --mid 20; [ "$(code_of)" = 2.05 ]; }
wait_for 20 get20
check_j "node 2 restarted: mid 20 (node 1's) restored" 2.05 \
    's["target-prefix"]' '["192.0.2.20/32"]'
n=$(pg_psql "SELECT count(*) FROM mitigation WHERE owner IS NULL")
check_eq "every row has its owner node" "$n" 0
o=$(pg_psql "SELECT owner FROM mitigation WHERE mid = 20")
check_eq "mid 20's owner: n1, the node that accepted it" "$o" n1

# --- SIGKILL node 1 during a stream of CON PUTs through both nodes -----------
# Each line of $S: mid node code start-us end-us. Node 1's mitigations are
# local (log mitigator rules): node 2 must take them over within the
# lease time (4 s; bound checked: 2 x lease-time from the kill).
S=$TMP/stream.log
: > "$S"
# stream FROM TO: mids FROM to TO-1, odd ones through node 2 (all of
# them once $TMP/n1.dead is there)
stream() {
	local mid=$1 n d c t0
	while [ ! -e "$TMP/stream.stop" ] && [ $mid -lt $2 ]; do
		n=$((mid % 2 + 1))
		[ -e "$TMP/n1.dead" ] && n=2
		d=$D1; [ $n = 2 ] && d=$D2
		t0=$(now_us)
		# shellcheck disable=SC2046
		"$DOTSCTL" -s "$d" $(cred_args psk1) --json mitigate \
		    --mid $mid --prefix "2001:db8:6401::$mid/128" \
		    --lifetime 3600 > "$TMP/s.out" 2>&1
		c=$(code_of "$TMP/s.out")
		echo "$mid $n ${c:-none} $t0 $(now_us)" >> "$S"
		mid=$((mid + 1))
	done
}
acked_on() { awk -v n="$1" '$2 == n && $3 == "2.01"' "$S" | wc -l; }
at_least_on() { [ "$(acked_on "$2")" -ge "$1" ]; }
stream 100 2000 &
SPID=$!
wait_for 60 at_least_on 4 1 ||
    fail "stream" "no 4 creates acknowledged by node 1 within 60 s"
touch "$TMP/n1.dead"
{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null
GW_PID=
k0=$(now_us)
wait_for 60 pg_none_owned_by n1
k1=$(now_us)
took=$(( (k1 - k0) / 1000 ))
pg_none_owned_by n1 && [ $took -le 8000 ] &&
    pass "node 2 owns node 1's mitigations $took ms after the SIGKILL (lease-time 4 s, bound 8 s)" ||
    fail "takeover" "after $took ms, n1 still owns $(pg_psql "SELECT count(*) FROM mitigation WHERE owner = 'n1'")"
# dotsctl given both nodes: node 1 is dead, node 2 answers
# shellcheck disable=SC2046
"$DOTSCTL" -s "$D1" -s "$D2" $(cred_args psk1) --json --timeout 5 \
    get --mid 20 > "$TMP/fo.out" 2> "$TMP/fo.err"
check_eq "dotsctl -s node1 -s node2, node 1 dead: answered by node 2" \
    "$(code_of "$TMP/fo.out")" 2.05
check "dotsctl said it tried node 2" has "$TMP/fo.err" "dotsctl: trying $D2"
# shellcheck disable=SC2046
"$DOTSCTL" -s "$D1,$D2" $(cred_args psk1) --json --timeout 5 \
    get --mid 20 > "$TMP/fo.out" 2> "$TMP/fo.err"
check_eq "dotsctl -s node1,node2 (a list): answered by node 2" \
    "$(code_of "$TMP/fo.out")" 2.05
check "node 2 logged the takeover" has "$N2_LOG" \
    "cluster test: node n1's lease expired: taking over its"
a1=$(acked_on 2)
wait_for 60 eval "[ \$(acked_on 2) -ge $((a1 + 3)) ]" ||
    fail "stream" "node 2 acknowledged no 3 more creates after the takeover"
touch "$TMP/stream.stop"
wait "$SPID"
awk '$3 == "2.01" {print $1}' "$S" | sort -n > "$TMP/acked"
listed_mids "$D2" 100 > "$TMP/listed"
comm -23 "$TMP/acked" "$TMP/listed" > "$TMP/lost"
[ -s "$TMP/acked" ] && [ ! -s "$TMP/lost" ] &&
    pass "node 2 holds every one of the $(wc -l < "$TMP/acked") creates acknowledged by either node ($(acked_on 1) by node 1)" ||
    fail "lost after the SIGKILL" "$(tr '\n' ' ' < "$TMP/lost")"
pg_lost 100
[ ! -s "$TMP/lost" ] && pass "the database holds every acknowledged create" ||
    fail "lost in the database" "$(tr '\n' ' ' < "$TMP/lost")"
# node 1's acknowledged creates: node 2 installed their local rules
n1acked=$(awk '$2 == 1 && $3 == "2.01" {print $1}' "$S")
miss=
for m in $n1acked; do
	line_has "$N2_LOG" "mid $m: adopted from another cluster node" || miss="$miss $m"
done
[ -n "$n1acked" ] && [ -z "$miss" ] &&
    pass "node 2 adopted each of node 1's acknowledged mitigations (its local rules)" ||
    fail "not adopted by node 2" "$miss"

# --- the database stopped for 5 s during a stream through both nodes -------
gw_start || exit 1
rm -f "$TMP/n1.dead" "$TMP/stream.stop"
: > "$S"
n201() { awk -v t="${1:-0}" '$3 == "2.01" && $4 > t' "$S" | wc -l; }
at_least() { [ "$(n201 "${2:-0}")" -ge "$1" ]; }
takeovers() { count_of "$N2_LOG" "lease expired: taking over"; }
t_before=$(takeovers)
stream 3000 6000 &
SPID=$!
wait_for 60 at_least 4 || fail "stream" "no 4 acknowledged creates within 60 s"
pg_down
down1=$(now_us)
sleep 5	# the outage itself, not a synchronisation
up0=$(now_us)
pg_back
up1=$(now_us)
wait_for 60 at_least 4 "$up1" ||
    fail "recovery" "no 4 creates acknowledged within 60 s after the database came back"
touch "$TMP/stream.stop"
wait "$SPID"
outage_split 3 4 "$down1" "$up0"
[ ! -s "$TMP/other" ] &&
    pass "outage stream: $(wc -l < "$S") answers, each 2.01 or 5.03" ||
    fail "outage stream: other answers" "$(head -n 5 "$TMP/other")"
[ "$n_in" -ge 1 ] && [ "$n_in" = "$n_in503" ] &&
    pass "database down: all $n_in requests through both nodes answered 5.03" ||
    fail "database down" "$n_in503 of $n_in were 5.03"
pass_after=$(n201 "$up1")
[ "$pass_after" -ge 4 ] &&
    pass "both nodes recovered by themselves: $pass_after creates acknowledged after the restart" ||
    fail "recovery" "$pass_after after the restart"
awk '$3 == "2.01" {print $1}' "$S" | sort -n > "$TMP/acked"
pg_lost 3000
[ -s "$TMP/acked" ] && [ ! -s "$TMP/lost" ] &&
    pass "the database holds every one of the $(wc -l < "$TMP/acked") acknowledged creates" ||
    fail "lost in the database" "$(tr '\n' ' ' < "$TMP/lost")"
for n in 1 2; do
	d=$D1; [ $n = 2 ] && d=$D2
	complete() { listed_mids "$d" 3000 > "$TMP/listed.$n"; [ -z "$(comm -23 "$TMP/acked" "$TMP/listed.$n")" ]; }
	wait_for 30 complete &&
	    pass "node $n holds every acknowledged create" ||
	    fail "node $n misses" "$(comm -23 "$TMP/acked" "$TMP/listed.$n" | tr '\n' ' ')"
done
check_eq "no node took over a live one after the outage" "$(takeovers)" "$t_before"

[ "$T_FAILS" -eq 0 ]
