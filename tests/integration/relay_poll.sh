#!/usr/bin/env bash
# An upstream that never confirms Observe (issue 14 items 3 and 4): the
# relay's GET with Observe 0 is answered 2.05 without Observe (RFC 7641
# §4.1, not registered) by tests/helpers/upstream_stub.c, a DTLS X.509
# DOTS server whose reported status and counters the test changes through
# a control file. The gateway warns once per upstream, polls each
# placement (poll-interval 1 s) so that the change reaches the customer
# observing at the gateway, backs off while polls fail, stops polling a
# withdrawn placement, shrugs off notifications on unregistered tokens,
# and /status shows the upstream's heartbeats, reconnections and
# observation mode.
. "$(dirname "$0")/../lib.sh"
t_init
STUB=${STUB:-$ROOT/build/helpers/upstream_stub}
if [ ! -x "$STUB" ]; then
	skip "$(basename "$0")" "$STUB not built (make unit-bins)"
	exit 0
fi
node_certs gw-a stub
node_ports PA PS APORT
CTL_FILE=$TMP/stub.control
STUB_LOG=$TMP/stub.log
LOG=$TMP/gw-a.log
: > "$CTL_FILE"
stub_pid=

stub_start() {	# heartbeat-interval 2 s, missing-hb-allowed 4
	"$STUB" "$HOST" "$PS" "$TMP/pki/ca.pem" "$TMP/pki/stub.pem" \
	    "$TMP/pki/stub.key" "$CTL_FILE" 2 4 >> "$STUB_LOG" 2>&1 &
	stub_pid=$!
	wait_log 5 "$STUB_LOG" ready || { fail "stub starts" "$(tail -n 3 "$STUB_LOG")"; exit 1; }
}
stub_stop() {
	nodes_stop	# the gateway first: no ICMP errors in its log
	[ -n "$stub_pid" ] && stop_pid "$stub_pid"
	if [ "$T_FAILS" -gt 0 ]; then
		echo "---- stub log, last 30 lines ----"
		tail -n 30 "$STUB_LOG" | sed 's/^/  | /'
	fi
	t_cleanup
}
trap stub_stop EXIT
control() { printf '%s\n' "$@" > "$CTL_FILE.new" && mv "$CTL_FILE.new" "$CTL_FILE"; }

# everything goes upstream: no local capacity for the default volume
node_conf gw-a "$PA" 1000
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
  - name: stub
    upstream:
      address: $HOST
      port: $PS
      transport: dtls
      server-name: stub
      poll-interval: 1
admin: { address: $HOST, port: $APORT }
EOF

stub_start
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 10 node_up gw-a stub && pass "session to the stub up (DTLS, X.509)" ||
    fail "session to the stub up" "$(tail -n 5 "$LOG")"
A=coaps://$HOST:$PA
WARN="upstream stub did not confirm observation of"

# status JSON of the control socket; sj EXPR evaluates on it (j bound)
status() { "$DOTSCTL" --socket "$(node_sock gw-a)" --json status > "$TMP/st.json" 2>&1; }
sj() {
	$PY - "$TMP/st.json" "$1" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    u = [x for x in j["upstreams"] if x["name"] == "stub"][0]
    ms = j["mitigations"]
    v = eval(sys.argv[2])
except Exception as e:
    v = "<%s>" % type(e).__name__
print(json.dumps(v) if not isinstance(v, str) else v)
PY
}
# the last notification's (status, bytes-dropped) in an observe output
last_seen() {
	$PY - "$1" <<'PY'
import json, sys
last = "none"
for line in open(sys.argv[1]):
    try:
        j = json.loads(line)
        s = j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"][0]
        last = "%s %s" % (s.get("status"), s.get("bytes-dropped", 0))
    except Exception:
        pass
print(last)
PY
}
count() { count_of "$STUB_LOG" "$1"; }

# --- the placement is polled, and what the stub reports reaches the customer
ctl psk1 "$A" mitigate --mid 10 --prefix 192.0.2.0/28 --lifetime 600
check_eq "request relayed: 2.01 to the customer" "$(code_of)" 2.01
wait_log 5 "$STUB_LOG" "GET mid=1 observe=0" &&
    pass "the relay asks the stub to observe mid 1" ||
    fail "observe GET at the stub" "$(tail -n 5 "$STUB_LOG")"
wait_log 5 "$LOG" "$WARN cuid" "polling every 1 s" &&
    pass "warning: not confirmed, polling every 1 s" ||
    fail "warning logged" "$(grep -F 'stub' "$LOG" | tail -n 3)"
wait_log 5 "$STUB_LOG" "GET mid=1 observe=-1" &&
    pass "the placement is polled with GET without Observe" ||
    fail "polled" "$(tail -n 5 "$STUB_LOG")"

"$DOTSCTL" -s "$A" $(cred_args psk1) --json get --mid 10 --observe 60 \
    > "$TMP/obs.json" 2>&1 &
OBS=$!
seen() { [ "$(last_seen "$TMP/obs.json")" = "$1" ]; }
wait_for 5 seen "attack-mitigation-in-progress 0" &&
    pass "customer observes: in progress" ||
    fail "customer observes: in progress" "$(last_seen "$TMP/obs.json")"
control "status 2" "bytes-dropped 12345" "pkts-dropped 67" "stray on"
wait_for 10 seen "attack-successfully-mitigated 12345" &&
    pass "status and bytes-dropped changed upstream reach the observing customer" ||
    fail "change reaches the customer" "last seen: $(last_seen "$TMP/obs.json")"
ctl psk1 "$A" get --mid 10
check_eq "GET at the gateway: successfully mitigated" \
    "$(jget 's["status"]')" attack-successfully-mitigated
check_eq "GET at the gateway: pkts-dropped 67" "$(jget 's["pkts-dropped"]')" 67
wait_log 5 "$STUB_LOG" "NOTIFY mid=1 status=2 (unregistered)" &&
    pass "the stub sent a notification on the unregistered token" ||
    fail "stray notification sent" "$(tail -n 3 "$STUB_LOG")"

# --- a second placement at the same upstream: polled, no second warning
ctl psk1 "$A" mitigate --mid 11 --prefix 192.0.2.16/28 --lifetime 600
check_eq "second request: 2.01" "$(code_of)" 2.01
wait_log 5 "$STUB_LOG" "GET mid=2 observe=-1" &&
    pass "second placement polled" || fail "second placement polled" "$(tail -n 5 "$STUB_LOG")"
check_eq "the warning is logged once per upstream" "$(count_of "$LOG" "$WARN")" 1

# --- roughly every second (poll-interval 1), not faster
n0=$(count "GET mid=1 observe=-1"); sleep 4; n1=$(count "GET mid=1 observe=-1")
d=$((n1 - n0))
if [ "$d" -ge 2 ] && [ "$d" -le 6 ]; then
	pass "about one poll a second ($d in 4 s)"
else
	fail "poll rate" "$d polls of mid 1 in 4 s"
fi

# --- /status: the upstream's heartbeats, reconnections, observation mode
status
check_eq "status: observation polled" "$(sj 'u["observation"]')" polled
check_eq "status: no reconnection yet" "$(sj 'u["reconnects"]')" 0
check_eq "status: no heartbeat missed" "$(sj 'u["heartbeats-missed"]')" 0
check_eq "status: last heartbeat less than 5 s ago" \
    "$(sj 'u["last-heartbeat-ago"] is not None and 0 <= u["last-heartbeat-ago"] < 5')" true
check_eq "status: last heartbeat as a time" \
    "$(sj 'u["last-heartbeat"].endswith("Z") and len(u["last-heartbeat"]) == 20')" true
check_eq "status: the placement is polled" \
    "$(sj '[p["observation"] for m in ms for p in m["relay"]["placements"] if p["mid"] == 1]')" '["polled"]'
"$DOTSCTL" --socket "$(node_sock gw-a)" status > "$TMP/st.txt" 2>&1
has "$TMP/st.txt" "OBSERVATION" "polled" &&
    pass "dotsctl status prints the observation mode" ||
    fail "dotsctl status text" "$(grep -F -A2 UPSTREAMS "$TMP/st.txt")"

# --- failing polls back off (5.03), then polling goes on at 1 s
control "status 2" "bytes-dropped 12345" "pkts-dropped 67" "get 503"
wait_log 10 "$LOG" "next poll in 2 s" "next poll in 4 s" &&
    pass "failing polls back off (2 s, 4 s)" ||
    fail "backoff" "$(grep -F 'poll' "$LOG" | tail -n 4)"
n0=$(count "GET mid=1 observe=-1"); sleep 3; n1=$(count "GET mid=1 observe=-1")
[ $((n1 - n0)) -le 2 ] && pass "fewer polls while they fail ($((n1 - n0)) in 3 s)" ||
    fail "fewer polls while failing" "$((n1 - n0)) in 3 s"
control "status 3" "bytes-dropped 20000" "pkts-dropped 67"
wait_for 15 seen "attack-stopped 20000" &&
    pass "polls succeed again: attack-stopped reaches the customer" ||
    fail "after the backoff" "last seen: $(last_seen "$TMP/obs.json")"

# --- a withdrawn placement is no longer polled
ctl psk1 "$A" withdraw --mid 11
check_eq "withdraw mid 11: 2.02" "$(code_of)" 2.02
wait_log 5 "$STUB_LOG" "DELETE mid=2" && pass "withdrawal reaches the stub" ||
    fail "withdrawal reaches the stub" "$(tail -n 3 "$STUB_LOG")"
sleep 1
n0=$(count "GET mid=2 observe=-1"); sleep 3; n1=$(count "GET mid=2 observe=-1")
check_eq "no poll of the withdrawn placement" "$((n1 - n0))" 0

# --- heartbeats unanswered: counted, down, back: one reconnection
control "status 3" "bytes-dropped 20000" "pkts-dropped 67" "heartbeats ignore"
missed() { status; [ "$(sj 'u["heartbeats-missed"] >= 1')" = true ]; }
wait_for 10 missed && pass "status counts missed heartbeats" ||
    fail "missed heartbeats" "$(sj 'u')"
wait_log 15 "$LOG" "upstream stub is down: heartbeats unanswered" &&
    pass "stub declared down after missing-hb-allowed" ||
    fail "stub down" "$(grep -F stub "$LOG" | tail -n 3)"
control "status 1" "bytes-dropped 20000" "pkts-dropped 67"
ups() { [ "$(count_of "$LOG" "upstream stub is up")" -ge 2 ]; }
wait_for 15 ups && pass "session back" || fail "session back" "$(grep -F stub "$LOG" | tail -n 3)"
reconn() { status; [ "$(sj 'u["reconnects"]')" = 1 ]; }
wait_for 5 reconn && pass "status: one reconnection" || fail "reconnects" "$(sj 'u')"
check_eq "status: missed heartbeats back to 0" "$(sj 'u["heartbeats-missed"]')" 0
wait_for 15 seen "attack-mitigation-in-progress 20000" &&
    pass "after the reconnection the placement is polled again" ||
    fail "polled after reconnection" "last seen: $(last_seen "$TMP/obs.json")"
check_eq "still one warning after the reconnection" "$(count_of "$LOG" "$WARN")" 1

# --- the end: polling stops with the mitigation, nothing broke
ctl psk1 "$A" withdraw --mid 10
wait_log 5 "$STUB_LOG" "DELETE mid=1" && pass "mid 10 withdrawn upstream" ||
    fail "mid 10 withdrawn upstream" "$(tail -n 3 "$STUB_LOG")"
sleep 1
n0=$(count "GET mid=1 observe=-1"); sleep 3; n1=$(count "GET mid=1 observe=-1")
check_eq "no poll after the withdrawal" "$((n1 - n0))" 0
kill "$OBS" 2>/dev/null; wait "$OBS" 2>/dev/null
if kill -0 "${NODE_PID[gw-a]}" 2>/dev/null; then
	pass "gateway alive"
else
	fail "gateway alive" "exited"
fi
