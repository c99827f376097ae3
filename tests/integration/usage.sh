#!/usr/bin/env bash
# Usage accounting (issue 18): customer1 -> A -> B, B mitigating locally
# (log mitigator, its counter file scripted here). Two mitigations with
# RFC 9244 attack attributes; mid 11 is withdrawn after a known time; B's
# drop counters reach A. Checked: A's usage for customer1 (downstream)
# and for B (upstream), B's for A (downstream): executions, peaks and
# dropped bytes/packets exactly, mitigation-seconds within bounds taken
# from the test's own clock; dotsctl's --peer, --since/--until, table and
# JSON, the read-only socket; a restart of A keeps the numbers and does
# not count B's cumulative counters twice.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs gw-a gw-b
node_ports PA PB
node_gw_conf gw-a "$PA" 0
node_gw_conf gw-b "$PB" 100000000000 \
    "mitigator: { type: log, counters: usage-counters.txt, stats-interval: 1 }"
pair_peers
SA=$(node_sock gw-a) SB=$(node_sock gw-b) RO=$TMP/gw-a-ro.sock
# A's read-only socket too
sed -i "s|^control: { socket: $SA }|control: { socket: $SA, read-only: { socket: $RO } }|" \
    "$TMP/gw-a.yaml"
COUNTERS=$TMP/state/usage-counters.txt
: > "$COUNTERS"
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b && pass "A -> B up" || fail "A -> B up" "no 'is up' line"
A=coaps://$HOST:$PA

# RFC 9244 attributes: total-attack-traffic 5 Gbit/s (unit 11, peak) and
# 300 kpps (unit 4), total-traffic 800 Mbit/s (unit 8) for mid 10;
# 2 Gbit/s for mid 11.
cat > "$TMP/req.py" <<'EOF'
import cbor2, sys
pfx, tat = sys.argv[1], eval(sys.argv[2])
s = {6: [pfx], 10: [17], 14: 600, 205: tat}
if len(sys.argv) > 3:
    s[204] = eval(sys.argv[3])
sys.stdout.buffer.write(cbor2.dumps({1: {2: [s]}}))
EOF
$PY "$TMP/req.py" 192.0.2.0/28 '[{134: 11, 143: 5}, {134: 4, 143: 300}]' \
    '[{134: 8, 143: 800}]' > "$TMP/m10.cbor"
$PY "$TMP/req.py" 192.0.2.16/28 '[{134: 11, 143: 2}]' > "$TMP/m11.cbor"

T0=$(date +%s)
t10a=$(date +%s)
ctl psk1 "$A" mitigate --mid 10 --cbor-file "$TMP/m10.cbor"
t10b=$(date +%s)
[ "$(code_of)" = 2.01 ] && pass "mid 10 accepted" || fail "mid 10" "$(_ctl_why)"
t11a=$(date +%s)
ctl psk1 "$A" mitigate --mid 11 --cbor-file "$TMP/m11.cbor"
t11b=$(date +%s)
[ "$(code_of)" = 2.01 ] && pass "mid 11 accepted" || fail "mid 11" "$(_ctl_why)"

# B's cuid and mid for each (A logs "... mid 10: accepted by upstream gw-b
# as cuid C mid N")
umid_of() {
	grep -F "cuid" "$TMP/gw-a.log" | grep -F " mid $1: accepted by upstream gw-b as cuid " |
	    tail -n 1 | sed -n 's/.* as cuid \([^ ]*\) mid \([0-9]*\).*/\1 \2/p'
}
placed() { [ -n "$(umid_of 10)" ] && [ -n "$(umid_of 11)" ]; }
wait_for 20 placed && pass "both placed at B" || fail "placed at B" "$(grep -F accepted "$TMP/gw-a.log")"
tP=$(date +%s)	# both started at B and upstream of A by now
read -r BCUID U10 <<< "$(umid_of 10)"
read -r _ U11 <<< "$(umid_of 11)"
wait_log 20 "$TMP/gw-b.log" "accepted: peer gw-a cuid $BCUID mid $U10:" \
    "accepted: peer gw-a cuid $BCUID mid $U11:" ||
    fail "B accepted both" "$(grep -F accepted "$TMP/gw-b.log")"

# B's counter source: cumulative, as a mitigator reports them
counters() {	# BYTES10 PKTS10 BYTES11 PKTS11
	printf '# peer cuid mid bytes pkts bps pps\ngw-a %s %s %s %s 4000000 5000\ngw-a %s %s %s %s 0 0\n' \
	    "$BCUID" "$U10" "$1" "$2" "$BCUID" "$U11" "$3" "$4" > "$COUNTERS.tmp"
	mv "$COUNTERS.tmp" "$COUNTERS"
}
seen_at_a() {	# MID BYTES: the customer sees BYTES dropped for MID
	ctl psk1 "$A" get --mid "$1"
	[ "$(code_of)" = 2.05 ] && [ "$(jget 's.get("bytes-dropped")')" = "$2" ]
}
counters 1000000 1000 2000 20
wait_for 20 seen_at_a 10 1000000 && wait_for 20 seen_at_a 11 2000 &&
    pass "B's first counters reach the customer" || fail "first counters" "$(_ctl_why)"
counters 1500000 1500 2000 20		# mid 11's again: nothing new
wait_for 20 seen_at_a 10 1500000 && pass "B's counters grow (cumulative)" ||
    fail "counters grow" "$(_ctl_why)"

# mid 11 withdrawn: it ran from its acceptance to here
tWa=$(date +%s)
ctl psk1 "$A" withdraw --mid 11
tWb=$(date +%s)
[ "$(code_of)" = 2.02 ] && pass "mid 11 withdrawn" || fail "withdraw 11" "$(_ctl_why)"
wait_log 20 "$TMP/gw-b.log" "withdrawn by client: peer gw-a cuid $BCUID mid $U11:" ||
    fail "B withdrew mid $U11" "no line in B's log"
tWbB=$(date +%s)

# usage SOCKET [dotsctl usage options]: the JSON into $TMP/usage.json
usage() {
	local s=$1
	shift
	"$DOTSCTL" --socket "$s" usage --json "$@" > "$TMP/usage.json" 2> "$TMP/usage.err"
	URC=$?
}
# u PEER DIRECTION FIELD: one number of the last usage answer ("none"
# when there is no such row)
u() {
	$PY - "$TMP/usage.json" "$@" <<'EOF'
import json, sys
j = json.load(open(sys.argv[1]))
rows = [r for r in j["usage"] if r["peer"] == sys.argv[2] and r["direction"] == sys.argv[3]]
print(rows[0][sys.argv[4]] if rows else "none")
EOF
}
# within NAME VALUE LO HI
within() {
	if [ "$2" -ge "$3" ] 2>/dev/null && [ "$2" -le "$4" ]; then
		pass "$1 ($2 in [$3, $4])"
	else
		fail "$1" "$2 not in [$3, $4]"
	fi
}
# the exact sums of one row: executions, bytes, packets, attack and drop
# peaks (normal peak: only customer1's and B's mid 10 carries it)
exact() {	# NAME PEER DIR WANT-BYTES WANT-PKTS
	local got
	got="$(u "$2" "$3" executions) $(u "$2" "$3" bytes-dropped) $(u "$2" "$3" packets-dropped) $(u "$2" "$3" attack-bps-peak) $(u "$2" "$3" attack-pps-peak) $(u "$2" "$3" normal-bps-peak)"
	check_eq "$1: executions, bytes, packets, attack bps/pps, normal bps" \
	    "$got" "2 $4 $5 5000000000 300000 800000000"
}
# mitigation-seconds bounds at query time q (from the test's clock):
# mid 10 from its acceptance to q, mid 11 from its acceptance to its
# withdrawal (the daemon counts whole seconds of its wall clock)
bounds() {	# QA QB [START-LATEST END-LATEST]: the query's clock before
		# and after; when they started at the latest (default: when
		# the customer's answer came) and when mid 11 ended at the latest
	local s10=${3:-$t10b} s11=${3:-$t11b} e11=${4:-$tWb}
	LO=$(( ($1 - s10) + (tWa - s11) ))
	HI=$(( ($2 - t10a) + (e11 - t11a) ))
}

qa=$(date +%s)
usage "$SA"
qb=$(date +%s)
bounds "$qa" "$qb"
[ "$URC" = 0 ] && pass "dotsctl usage at A: exit 0" || fail "usage at A" "$(cat "$TMP/usage.err")"
exact "A, customer1 downstream" customer1 downstream 1502000 1520
check_eq "A, customer1: dropped bps peak (folded from B)" "$(u customer1 downstream dropped-bps-peak)" 4000000
within "A, customer1: mitigation-seconds" "$(u customer1 downstream mitigation-seconds)" "$LO" "$HI"
exact "A, gw-b upstream" gw-b upstream 1502000 1520
bounds "$qa" "$qb" "$tP"
check_eq "A, gw-b: dropped bps/pps peak (as B reports)" \
    "$(u gw-b upstream dropped-bps-peak) $(u gw-b upstream dropped-pps-peak)" "4000000 5000"
within "A, gw-b: mitigation-seconds" "$(u gw-b upstream mitigation-seconds)" "$LO" "$HI"
check_eq "A: nothing upstream of customer1, nothing downstream of gw-b" \
    "$(u customer1 upstream executions) $(u gw-b downstream executions)" "none none"

qa=$(date +%s)
usage "$SB"
qb=$(date +%s)
bounds "$qa" "$qb" "$tP" "$tWbB"
exact "B, gw-a downstream" gw-a downstream 1502000 1520
within "B, gw-a: mitigation-seconds" "$(u gw-a downstream mitigation-seconds)" "$LO" "$HI"

# dotsctl: --peer, a range, the table, bad times, the read-only socket
usage "$SA" --peer gw-b
check_eq "--peer gw-b: only its row" \
    "$($PY -c 'import json,sys; print(" ".join(r["peer"] + "/" + r["direction"] for r in json.load(open(sys.argv[1]))["usage"]))' "$TMP/usage.json")" \
    "gw-b/upstream"
usage "$SA" --since $((qb + 7200))
check_eq "--since two hours ahead: nothing" "$(u customer1 downstream executions)" none
usage "$SA" --since "$(date -u -d "@$((T0 - 7200))" +%Y-%m-%dT%H:%M:%SZ)" --until $((T0 - 3600 - T0 % 3600))
check_eq "--until before the first hour (RFC 3339 --since): nothing" "$(u customer1 downstream executions)" none
usage "$SA" --since "$(date -u -d "@$T0" +%Y-%m-%dT%H:%M:%S+00:00)"
check_eq "--since T0 (RFC 3339 with offset): both executions" "$(u customer1 downstream executions)" 2
"$DOTSCTL" --socket "$SA" usage --since yesterday > /dev/null 2> "$TMP/usage.err"
check_eq "a bad --since: usage error (64)" "$?" 64
"$DOTSCTL" --socket "$SA" usage > "$TMP/usage.txt" 2> "$TMP/usage.err"
grep -F "customer1" "$TMP/usage.txt" | grep -qF "downstream" &&
    grep -F "gw-b" "$TMP/usage.txt" | grep -qF " 1502000 " &&
    pass "the table: customer1 downstream, gw-b with its dropped bytes" ||
    fail "table" "$(cat "$TMP/usage.txt" "$TMP/usage.err")"
usage "$RO"
check_eq "the read-only socket serves usage" "$URC $(u customer1 downstream executions)" "0 2"
check_eq "the control socket: 'usage 5 1', 'usage x', an overflow, 'usage 1 2 3' are refused (400)" \
    "$(ctl_req "$SA" "usage 5 1" "$TMP/ctl.body") $(ctl_req "$SA" "usage x" "$TMP/ctl.body") $(ctl_req "$SA" "usage 1 99999999999999999999999" "$TMP/ctl.body") $(ctl_req "$SA" "usage 1 2 3" "$TMP/ctl.body")" \
    "400 400 400 400"
check_eq "the control socket: 'usage 0 0' answers (200)" "$(ctl_req "$SA" "usage 0 0" "$TMP/ctl.body")" 200

# A restarts: the sums stay; B's counters, reported again as they were,
# count nothing; a new reading counts its delta only
before=$(u customer1 downstream mitigation-seconds)
node_stop gw-a
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b || fail "A back up" "no 'is up' line"
wait_for 30 seen_at_a 10 1500000 && pass "after the restart, B's counters are followed again" ||
    fail "followed again" "$(_ctl_why)"
qa=$(date +%s)
usage "$SA"
qb=$(date +%s)
bounds "$qa" "$qb"
exact "A after a restart, customer1" customer1 downstream 1502000 1520
exact "A after a restart, gw-b" gw-b upstream 1502000 1520
after=$(u customer1 downstream mitigation-seconds)
within "A after a restart: mitigation-seconds (mid 10 went on meanwhile)" "$after" "$before" "$HI"
counters 1700000 1700 2000 20
wait_for 20 seen_at_a 10 1700000 || fail "new counters" "$(_ctl_why)"
usage "$SA"
check_eq "a reading after the restart counts its delta only" \
    "$(u customer1 downstream bytes-dropped) $(u gw-b upstream bytes-dropped) $(u gw-b upstream executions)" \
    "1702000 1702000 2"

# A is killed (SIGKILL) just after accepting mid 12: whether or not its
# accounting was written by then, it counts once, from its start
$PY "$TMP/req.py" 192.0.2.32/28 '[{134: 11, 143: 1}]' > "$TMP/m12.cbor"
ctl psk1 "$A" mitigate --mid 12 --cbor-file "$TMP/m12.cbor"
[ "$(code_of)" = 2.01 ] && pass "mid 12 accepted" || fail "mid 12" "$(_ctl_why)"
node_stop gw-a KILL
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b || fail "A back up after SIGKILL" "no 'is up' line"
up3() { usage "$SA"; [ "$(u gw-b upstream executions)" = 3 ]; }
wait_for 30 up3
check_eq "after a SIGKILL: three executions each way, the bytes as they were" \
    "$(u customer1 downstream executions) $(u gw-b upstream executions) $(u customer1 downstream bytes-dropped)" \
    "3 3 1702000"
ctl psk1 "$A" withdraw --mid 10
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 10" "$(_ctl_why)"
ctl psk1 "$A" withdraw --mid 12
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 12" "$(_ctl_why)"
exit $((T_FAILS > 0))
