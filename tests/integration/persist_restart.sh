#!/usr/bin/env bash
# State that survives restarts (issue 5): mitigations, their lifetimes and
# negotiated signal configuration come back after SIGKILL and SIGTERM; a
# lifetime that ran out while the daemon was down is gone; a relay that is
# killed and restarted (customer -> A -> B) finds its placement at B again
# without placing a duplicate, keeps relaying and observing, and its
# withdrawal still clears B.
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1
D=$URI_D

# lifetime of mid M (psk1) as GET reports it, "none" on a 4.04, else
# the raw answer
left() {
	ctl psk1 "$D" get --mid "$1"
	case $(code_of) in
	2.05) jget 's["lifetime"]' ;;
	4.04) echo none ;;
	*) echo "no answer: $(_ctl_why)" ;;
	esac
}
# LO <= lifetime <= HI
in_range() { [[ $1 =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }
# the last "mitigations restored" summary of the daemon's log
restored() { grep -F "mitigations restored in" "${1:-$GW_LOG}" | tail -n 1; }

# --- before: mitigations of two peers, one short-lived, and a config ---------
ctl psk1 "$D" config put --sid 41 --hb-interval 90 --missing-hb 7
check_eq "config put sid 41" "$(code_of)" 2.01
t1=$SECONDS	# mid 1 is created after this
ctl psk1 "$D" mitigate --mid 1 --prefix 192.0.2.1/32 --lifetime 600
check_eq "mid 1 (600 s) accepted" "$(code_of)" 2.01
ctl psk1 "$D" mitigate --mid 3 --prefix 192.0.2.3/32 --lifetime 600 --no-trigger
check_eq "mid 3 (preconfigured) accepted" "$(code_of)" 2.01
ctl pki2 "$D" mitigate --mid 9 --prefix 198.51.100.9/32 --lifetime 86400
check_eq "customer2 mid 9 accepted" "$(code_of)" 2.01
# the 2 s one last, right before the kill: it must expire while down, not
# before (a loaded machine takes seconds for the requests above)
ctl psk1 "$D" mitigate --mid 2 --prefix 192.0.2.2/32 --lifetime 2
check_eq "mid 2 (2 s) accepted" "$(code_of)" 2.01

# --- SIGKILL, down for 3 s, restart -----------------------------------------
{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null	# no "Killed" notice
GW_PID=
# not a wait for an event: the daemon stays down while mid 2's 2 s of
# lifetime run out (wall clock), and mid 1 and 9 lose 3 s at least
sleep 3
gw_start || exit 1
r=$(restored)
[[ $r == *"state store: 3 mitigations restored in "*" ms, 1 expired while down"* ]] &&
    pass "SIGKILL: 3 restored, 1 expired while down (log)" ||
    fail "SIGKILL: restore summary" "$r"
l=$(left 1)
el=$((SECONDS - t1))	# at least the age of mid 1 when it was read
in_range "$l" $((600 - el - 2)) $((600 - 3)) &&
    pass "SIGKILL: mid 1 back with its remaining lifetime ($l s after ${el} s)" ||
    fail "SIGKILL: mid 1 lifetime" "got $l after ${el} s"
check_j "SIGKILL: mid 1 status in progress" 2.05 's["status"]' \
    attack-mitigation-in-progress
check_j "SIGKILL: mid 1 target" 2.05 's["target-prefix"]' '["192.0.2.1/32"]'
check_eq "SIGKILL: mid 2 expired while down: 4.04" "$(left 2)" none
l=$(left 3)
check_j "SIGKILL: mid 3 back, still waiting for signal loss" 2.05 \
    's["status"]' attack-mitigation-signal-loss
ctl pki2 "$D" get --mid 9
el=$((SECONDS - t1))
[ "$(code_of)" = 2.05 ] &&
    in_range "$(jget 's["lifetime"]')" $((86400 - el - 2)) 86397 && pass "SIGKILL: customer2 mid 9 back (certificate peer)" || fail "SIGKILL: customer2 mid 9" "$(_ctl_why)"
ctl psk1 "$D" get
check_j "SIGKILL: GET all lists mids 1 and 3" 2.05 \
    '[x["mid"] for x in j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]' "[1, 3]"
ctl psk1 "$D" config get --sid 41
check_j "SIGKILL: negotiated heartbeat-interval 90 survives" 2.05 \
    'j["body"]["ietf-dots-signal-channel:signal-config"]["mitigating-config"]["heartbeat-interval"]["current-value"]' 90
check_j "SIGKILL: negotiated missing-hb-allowed 7 survives" 2.05 \
    'j["body"]["ietf-dots-signal-channel:signal-config"]["idle-config"]["missing-hb-allowed"]["current-value"]' 7
ctl psk1 "$D" mitigate --mid 4 --prefix 192.0.2.1/32 --lifetime 600
check_ans "SIGKILL: a new overlapping mid 4 replaces the restored mid 1" \
    "$(code_of)" 2.01
check_eq "SIGKILL: mid 1 replaced" "$(left 1)" none

# an observer sees a restored mitigation change (it runs 20 s at most:
# stopped once the notification is in)
"$DOTSCTL" -s "$D" $(cred_args psk1) --json get --mid 3 --observe 20 \
    > "$TMP/obs.json" 2>&1 &
OBS=$!
wait_log 20 "$TMP/obs.json" '"code":"2.05"' ||
    fail "observer of mid 3 registered" "$(head -c 300 "$TMP/obs.json")"
ctl psk1 "$D" withdraw --mid 3
notified() { line_has "$TMP/obs.json" '"observe":' '"status":"attack-mitigation-terminated"'; }
wait_for 20 notified &&
    pass "Observe on a restored mitigation: notified of its withdrawal" ||
    fail "Observe on a restored mitigation" "$(tail -n 3 "$TMP/obs.json")"
stop_pid "$OBS"

# --- SIGTERM: the same state comes back, a withdrawal stays withdrawn ---------
gw_stop
gw_start || exit 1
r=$(restored)
[[ $r == *"state store: 2 mitigations restored in "* ]] &&
    pass "SIGTERM: 2 restored (mid 4, customer2 mid 9)" ||
    fail "SIGTERM: restore summary" "$r"
l=$(left 4)
in_range "$l" 550 600 && pass "SIGTERM: mid 4 back (lifetime $l)" ||
    fail "SIGTERM: mid 4" "lifetime $l"
check_eq "SIGTERM: withdrawn mid 3 not restored" "$(left 3)" none
ctl psk1 "$D" withdraw --mid 4
check_ans "withdraw after restart: 2.02" "$(code_of)" 2.02
gone4() { [ "$(left 4)" = none ]; }
wait_for 20 gone4 && pass "withdrawn after restart: gone after active-but-terminating" ||
    fail "withdrawn after restart" "lifetime $(left 4)"
gw_stop
gw_start || exit 1
check_eq "restart after the withdrawal: mid 4 stays gone" "$(left 4)" none
ctl pki2 "$D" get --mid 9
check_ans "restart: customer2 mid 9 still there" "$(code_of)" 2.05
ctl psk1 "$D" config get
check_j "restart: heartbeat-interval 90 still negotiated" 2.05 \
    'j["body"]["ietf-dots-signal-channel:signal-config"]["mitigating-config"]["heartbeat-interval"]["current-value"]' 90
# a configuration whose ranges no longer admit it: the defaults apply
gw_stop
write_config "$TMP/narrow.yaml" "$PORT" 2 15 60 30
gw_start "$TMP/narrow.yaml" || exit 1
ctl psk1 "$D" config get
check_j "ranges narrowed to 15..60: heartbeat-interval back to the default 30" 2.05 \
    'j["body"]["ietf-dots-signal-channel:signal-config"]["mitigating-config"]["heartbeat-interval"]["current-value"]' 30
wait_log 10 "$GW_LOG" "sid 41 is outside the configured ranges now" &&
    pass "ranges narrowed: logged" || fail "ranges narrowed: log" "no line"
gw_stop

# --- relay: customer -> A -> B; A killed with -9 and restarted -------------------
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
node_conf gw-a "$PA" 1000
node_conf gw-b "$PB" 100000000000
pair_peers
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_log 20 "$TMP/gw-a.log" "upstream gw-b is up" || fail "relay: A's upstream B up" "no line"
A=coaps://$HOST:$PA
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
at_b() {	# what B holds for A (dotsctl with A's certificate)
	OUT=$TMP/b.out ERR=$TMP/b.err
	"$DOTSCTL" -s "coaps://$HOST:$PB" --cert "$TMP/pki/gw-a.pem" \
	    --key "$TMP/pki/gw-a.key" --ca "$TMP/pki/ca.pem" \
	    --server-name gw-b --cuid "$CUID_A" --json "$@" > "$OUT" 2> "$ERR"
	RC=$?
}
# B's mids under A's cuid: "[...]" (2.05), "[]" on a 4.04 (none at all),
# else the raw answer
b_mids() {
	at_b get
	case $(code_of) in
	2.05) jget '[x["mid"] for x in j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]' ;;
	4.04) echo "[]" ;;
	*) echo "no answer: $(_ctl_why)" ;;
	esac
}
b_is() { [ "$(b_mids)" = "$1" ]; }
# mid M's status at A (psk1), or the raw answer when it is not a 2.05
status_a() {
	ctl psk1 "$A" get --mid "$1"
	if [ "$(code_of)" = 2.05 ]; then jget 's["status"]'; else echo "not 2.05: $(_ctl_why)"; fi
}
a_is() { [ "$(status_a "$1")" = "$2" ]; }
resyncs() { count_of "$TMP/gw-a.log" "upstream gw-b resynchronised"; }
downs() { count_of "$TMP/gw-a.log" "upstream gw-b is down"; }

ctl psk1 "$A" mitigate --mid 7 --prefix 192.0.2.64/28 --lifetime 600
check_eq "relay: customer mid 7 accepted by A" "$(code_of)" 2.01
# the status is B's, folded in when B reports: poll, then check
wait_for 20 a_is 7 attack-mitigation-in-progress
check_eq "relay: relayed to B (status from B)" "$(status_a 7)" \
    attack-mitigation-in-progress
wait_for 20 b_is "[1]"
check_eq "relay: B holds one placement of A" "$(b_mids)" "[1]"

node_stop gw-a KILL
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_log 20 "$TMP/gw-a.log" "upstream gw-b resynchronised: 1 placements kept, 0 withdrawn" &&
    pass "relay: A resynchronised with B after kill -9 (1 kept)" ||
    fail "relay: resync" "$(grep -F -e resynchron -e 'state store' "$TMP/gw-a.log" | tail -n 3)"
# right after the resync, no poll: a duplicate must not show even briefly
check_eq "relay: B still has exactly one placement (no duplicate)" "$(b_mids)" "[1]"
wait_for 20 a_is 7 attack-mitigation-in-progress
check_eq "relay: customer's mitigation back at A, relayed" "$(status_a 7)" \
    attack-mitigation-in-progress
# A's GETs (plain and Observe) of its placement B-mid 1
gets_b() { lines_of "$TMP/gw-b.log" "peer gw-a: GET " "/cuid=$CUID_A/mid=1 " | wc -l; }
reobs() { [ "$(gets_b)" -ge 2 ]; }
wait_for 20 reobs && pass "relay: A observes its placement at B again" ||
    fail "relay: re-observe" "$(gets_b) GETs at B"
"$DOTSCTL" -s "$A" $(cred_args psk1) --json get --mid 7 --observe 3 \
    > "$TMP/obs7.json" 2>&1
line_has "$TMP/obs7.json" '"code":"2.05"' '"status":"attack-mitigation-in-progress"' &&
    pass "relay: the customer observes mid 7 after A's restart" ||
    fail "relay: customer observe" "$(tail -n 2 "$TMP/obs7.json")"

# a new request after the restart gets a fresh mid at B (never reused):
# the store keeps a mark 1,024 mids ahead (upstream_next_mid), so it is
# 1 + 1,024
ctl psk1 "$A" mitigate --mid 8 --prefix 192.0.2.96/28 --lifetime 600
wait_for 20 b_is "[1, 1025]"
check_eq "relay: new request after restart placed with B-mid 1025 (the stored mark)" "$(b_mids)" "[1, 1025]"

# what B holds under A's cuid that A does not know (placed just before a
# crash, or ours no more) is withdrawn by A's resync; a mitigation whose
# lifetime ran out while A was down is gone at A. Its lifetime (10 s) is
# long enough for the checks before the kill on a loaded machine.
t9=$SECONDS	# mid 9 is created after this
ctl psk1 "$A" mitigate --mid 9 --prefix 192.0.2.128/28 --lifetime 10
wait_for 20 b_is "[1, 1025, 1026]"
check_eq "relay: short-lived mid 9 placed at B" "$(b_mids)" "[1, 1025, 1026]"
# above the mark A stored (1025 + 1,024): only the resync can know it
at_b mitigate --mid 5000 --prefix 192.0.2.200/32 --lifetime 600
check_eq "relay: B-mid 5000 under A's cuid that A never placed" "$(b_mids)" "[1, 1025, 1026, 5000]"
node_stop gw-a KILL
# not a wait for an event: A stays down until mid 9's lifetime has run
# out (wall clock)
while [ $((SECONDS - t9)) -le 11 ]; do sleep 0.2; done
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 b_is "[1, 1025]" && pass "relay: after A's restart B holds exactly A's live placements" ||
    fail "relay: orphans at B" "B has $(b_mids)"
# 2 kept; withdrawn: B-mid 5000, and B-mid 1026 unless B expired it itself
last_resync() { grep -F "upstream gw-b resynchronised" "$TMP/gw-a.log" | tail -n 1; }
r=$(last_resync)
[[ $r == *"upstream gw-b resynchronised: 2 placements kept, 1 withdrawn"* ||
    $r == *"upstream gw-b resynchronised: 2 placements kept, 2 withdrawn"* ]] &&
    pass "relay: resync kept 2 and withdrew the unknown" ||
    fail "relay: second resync" "$r"
ctl psk1 "$A" get --mid 9
check_ans "relay: mid 9 expired while A was down: gone at A" "$(code_of)" 4.04
ctl psk1 "$A" mitigate --mid 10 --prefix 192.0.2.160/28 --lifetime 600
wait_for 20 b_is "[1, 1025, 5001]"
check_eq "relay: the next placement gets B-mid 5001 (above all seen)" "$(b_mids)" "[1, 1025, 5001]"
ctl psk1 "$A" withdraw --mid 10

ctl psk1 "$A" withdraw --mid 7
ctl psk1 "$A" withdraw --mid 8
check_ans "relay: withdraw after restart: 2.02" "$(code_of)" 2.02
wait_for 20 b_is "[]" && pass "relay: withdrawal after restart clears B" ||
    fail "relay: withdrawal clears B" "B has $(b_mids)"

# --- relay: B away while A withdraws; when B is back A compares ----------------
# B keeps its state across its restart, so it comes back holding what A
# withdrew meanwhile (the DELETE had nowhere to go): A's resynchronisation
# withdraws it there. Then B comes back without any state: A places again.
ctl psk1 "$A" mitigate --mid 20 --prefix 192.0.2.96/28 --lifetime 600
check_eq "relay: mid 20 accepted" "$(code_of)" 2.01
ctl psk1 "$A" mitigate --mid 21 --prefix 192.0.2.112/28 --lifetime 600
check_eq "relay: mid 21 accepted" "$(code_of)" 2.01
two() { [[ $(b_mids) =~ ^\[[0-9]+,\ [0-9]+\]$ ]]; }
wait_for 20 two || fail "relay: both at B" "B has $(b_mids)"
mids=$(b_mids)
nd=$(downs)
node_stop gw-b KILL
down() { [ "$(downs)" -gt "$nd" ]; }
wait_for 20 down || fail "relay: A sees B down" "no line"
ctl psk1 "$A" withdraw --mid 20
check_eq "relay: mid 20 withdrawn while B is away: 2.02" "$(code_of)" 2.02
n0=$(resyncs)
node_start gw-b "$TMP/gw-b.yaml" || exit 1
check_eq "relay: B is back holding both (its own store)" "$(b_mids)" "$mids"
again() { [ "$(resyncs)" -gt "$n0" ]; }
wait_for 20 again && [[ $(last_resync) == *"upstream gw-b resynchronised: 1 placements kept, 1 withdrawn"* ]] &&
    pass "relay: B back: A's resync kept mid 21's placement and withdrew mid 20's" ||
    fail "relay: resync on return" "$(last_resync)"
one() { [[ $(b_mids) =~ ^\[[0-9]+\]$ ]]; }
wait_for 20 one && pass "relay: B holds only mid 21's placement now ($(b_mids))" ||
    fail "relay: stale placement at B" "B has $(b_mids)"
kept=$(b_mids)
nd=$(downs)
node_stop gw-b KILL
rm -f "$TMP/state/dotsgw-gw-b.db" "$TMP/state/dotsgw-gw-b.db-wal" \
    "$TMP/state/dotsgw-gw-b.db-shm"
wait_for 20 down || fail "relay: A sees B down again" "no line"
n0=$(resyncs)
node_start gw-b "$TMP/gw-b.yaml" || exit 1
wait_for 20 again || fail "relay: resync after B lost its state" "no line"
wait_for 20 b_is "$kept" && pass "relay: B back without state: A placed mid 21 again ($(b_mids))" ||
    fail "relay: re-placed" "B has $(b_mids), wanted $kept"
wait_for 20 a_is 21 attack-mitigation-in-progress
check_eq "relay: the customer's mid 21 is relayed again" "$(status_a 21)" \
    attack-mitigation-in-progress
ctl psk1 "$A" withdraw --mid 21
wait_for 20 b_is "[]" || fail "relay: last withdrawal" "B has $(b_mids)"
exit $((T_FAILS > 0))
