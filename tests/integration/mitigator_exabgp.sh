#!/usr/bin/env bash
# exabgp mitigator back-end (issue 14 item 5): dotsgwd feeds an exabgp
# (the speaker) through dotsgw-exabgp-relay, which exabgp runs from its
# `process` stanza, over a Unix socket; a gobgpd (the "router") is peered
# with exabgp over 127.0.0.1 and its RIB is what we check. Flowspec rules
# from the scope, withdrawal, RTBH and rate-limit by severity, one route
# shared by two mitigations (withdrawn with the last), exabgp restarted
# (TERM and KILL: everything announced again), dotsgwd kill -9 without
# state (orphans withdrawn, the operator's own route left alone) and with
# it (nothing withdrawn), exabgp down while a request comes, and the
# relay dropping the answers a former dotsgwd left unread. exabgp,
# gobgpd and dotsgwd are stopped by PID.
. "$(dirname "$0")/../lib.sh"
for p in exabgp gobgpd gobgp; do
	command -v "$p" > /dev/null ||
	    { skip mitigator_exabgp "$p not installed"; exit 0; }
done
t_init
. "$(dirname "$0")/../exabgp_lib.sh"
[ -x "$RELAY" ] || { fail relay "$RELAY not built"; exit 1; }
trap 'exa_lib_stop; t_cleanup' EXIT
# the operator's own flow route, without our marker
EXA_STATIC='	flow {
		route operator { match { destination 203.0.113.99/32; }
		    then { discard; community [ 64512:1 ]; } }
	}'
exa_setup "$TMP" || { fail setup "no free ports"; exit 1; }
rtr_start
exa_start
wait_for 30 established && pass "exabgp and the router gobgpd established on 127.0.0.1" ||
    { fail "BGP session" "$(tail -n 5 "$TMP/exabgp.log")"; exit 1; }

wait_for 15 has_route ipv4-flowspec "[destination: 203.0.113.99/32] | comm 64512:1 | mid  | rate 0" &&
    pass "the operator's own flowspec route (no marker) reaches the router" ||
    fail "operator route" "$(routes ipv4-flowspec)"

# --- dotsgwd ---------------------------------------------------------------------
cat >> "$CONF" <<EOF
mitigator:
  type: exabgp
  socket: $SOCK
  community: "64512:4646"
  rate-limit: 125000
  severity-actions: { default: discard, low: rate-limit, high: rtbh }
  timeout: 3000
  reconcile-interval: 2
EOF
$PY - "$CONF" <<'PYEOF'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
i = next(n for n, l in enumerate(lines) if l.strip().startswith("psk-key:"))
lines[i + 1:i + 1] = """    mitigation-actions: [rate-limit, discard, rtbh]
    acls:
      - name: block-dns
        type: ipv4
        aces:
          - name: dns-amp
            matches:
              destination-prefix: 192.0.2.200/32
              source-prefix: 198.51.100.0/24
              protocol: 17
              source-port-range: 53
            action: drop""".split("\n")
open(p, "w").write("\n".join(lines))
PYEOF
gw_start || exit 1
URI=$URI_D
wait_log 10 "$GW_LOG" "mitigator exabgp: connected to the relay at $SOCK" &&
    pass "dotsgwd connects to the relay exabgp runs" ||
    fail "connection to the relay" "$(grep -F 'mitigator exabgp' "$GW_LOG" | tail -n 2)"

req() {	# FILE PREFIX LIFETIME EXTRA-JSON
	cat > "$1" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$2"], "target-protocol": [17],
  "target-port-range": [{"lower-port": 53}], "lifetime": $3 $4
}]}}
EOF
}

# --- 1. a request becomes a flowspec rule at the router ---------------------------
req "$TMP/r1.json" 192.0.2.0/28 600 ', "ietf-dots-call-home:source-prefix": ["198.51.100.0/24"],
  "ietf-dots-call-home:source-port-range": [{"lower-port": 1024, "upper-port": 65535}]'
ctl psk1 "$URI" mitigate --mid 1 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "mitigation request: 2.01" || fail "mitigation request" "$(_ctl_why)"
R1="[destination: 192.0.2.0/28][source: 198.51.100.0/24][protocol: ==udp][destination-port: ==53][source-port: >=1024&<=65535] | comm 64512:4646 | mid 1 | rate 0"
wait_for 10 has_route ipv4-flowspec "$R1" &&
    pass "router RIB: flowspec dst 192.0.2.0/28 src 198.51.100.0/24 udp port 53 sport 1024-65535, discard, marker, mid 1" ||
    fail "flowspec rule at the router" "$(routes ipv4-flowspec)"
has "$GW_LOG" "mid 1: exabgp rule 1/1: match destination 192.0.2.0/28 source 198.51.100.0/24 protocol ==17 destination-port ==53 source-port >=1024&<=65535 then discard" &&
    pass "the rule is logged as announced" || fail "rule log" "$(grep -F 'exabgp rule' "$GW_LOG" | head -n 2)"

# --- 2. withdrawal removes it ------------------------------------------------------
ctl psk1 "$URI" withdraw --mid 1
[ "$(code_of)" = 2.02 ] && pass "withdraw: 2.02" || fail "withdraw" "$(_ctl_why)"
wait_for 10 no_route ipv4-flowspec "[destination: 192.0.2.0/28]" &&
    pass "withdrawal removes the rule from the router RIB" ||
    fail "withdrawal removes the rule" "$(routes ipv4-flowspec)"

# --- 3. severity high -> RTBH; severity low -> rate-limit -------------------------
req "$TMP/r3.json" 192.0.2.64/28 600 ', "ietf-dots-telemetry:attack-detail": [
  {"vendor-id": 32473, "attack-id": 7, "attack-severity": "high"}]'
ctl psk1 "$URI" mitigate --mid 3 --file "$TMP/r3.json"
wait_for 10 has_route ipv4 "192.0.2.64/28 | comm 64512:4646 65535:666 | mid 3 | rate -" &&
    pass "severity high: RTBH 192.0.2.64/28 with BLACKHOLE 65535:666, marker, mid 3" ||
    fail "RTBH route" "$(routes ipv4)"
ctl psk1 "$URI" withdraw --mid 3
wait_for 10 no_route ipv4 "192.0.2.64/28" && pass "RTBH withdrawn with the mitigation" ||
    fail "RTBH withdrawn" "$(routes ipv4)"
req "$TMP/r4.json" 192.0.2.32/28 600 ', "ietf-dots-telemetry:attack-detail": [
  {"vendor-id": 32473, "attack-id": 8, "attack-severity": "low"}]'
ctl psk1 "$URI" mitigate --mid 4 --file "$TMP/r4.json"
wait_for 10 has_route ipv4-flowspec "[destination: 192.0.2.32/28][protocol: ==udp][destination-port: ==53] | comm 64512:4646 | mid 4 | rate 125000" &&
    pass "severity low: flowspec rate-limit 125000 bytes/s" ||
    fail "rate-limit rule" "$(routes ipv4-flowspec)"

# --- 4. one ACL in two mitigations: one route, withdrawn with the last ---------
# exabgp knows a flowspec route by its NLRI: both mitigations' rule for
# ace dns-amp is one route, carrying the tag of the last announcer
cat > "$TMP/r8.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.224/28"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": [{"acl-name": "block-dns"}]}]}}
EOF
sed 's|192.0.2.224/28|192.0.2.240/28|' "$TMP/r8.json" > "$TMP/r9.json"
ctl psk1 "$URI" mitigate --mid 8 --file "$TMP/r8.json"
ctl psk1 "$URI" mitigate --mid 9 --file "$TMP/r9.json"
[ "$(code_of)" = 2.01 ] || fail "mid 9 with the same ACL" "$(_ctl_why)"
DNS="[destination: 192.0.2.200/32][source: 198.51.100.0/24][protocol: ==udp][source-port: ==53] | comm 64512:4646"
wait_for 10 has_route ipv4-flowspec "[destination: 192.0.2.240/28] | comm 64512:4646 | mid 9 " &&
    [ "$(count_routes ipv4-flowspec "$DNS")" = 1 ] &&
    has_route ipv4-flowspec "$DNS | mid 9 |" &&
    pass "two mitigations, one ACL: one route at the router, tagged mid 9 (the last)" ||
    fail "shared route" "$(routes ipv4-flowspec)"
ctl psk1 "$URI" withdraw --mid 9
wait_for 10 no_route ipv4-flowspec "[destination: 192.0.2.240/28]" &&
    wait_for 5 has_route ipv4-flowspec "$DNS | mid 8 |" &&
    pass "withdraw mid 9: the shared route stays, announced again for mid 8" ||
    fail "shared route after mid 9" "$(routes ipv4-flowspec)"
has "$GW_LOG" "mid 9: 1 rule(s) stay, shared with another mitigation" &&
    pass "log: mid 9's ACL rule stays, shared" || fail "shared log" "$(grep -F 'mid 9' "$GW_LOG" | tail -n 2)"
sleep 3	# a reconcile (every 2 s) agrees: no orphan, nothing announced again
has_route ipv4-flowspec "$DNS | mid 8 |" && ! has "$GW_LOG" "orphan" &&
    ! has "$GW_LOG" "announcing again" &&
    pass "after reconciles: the shared route is still there, nothing withdrawn or re-sent" ||
    fail "reconcile of the shared route" "$(grep -E 'orphan|again' "$GW_LOG" | tail -n 3)"

# --- 5. exabgp restarted (TERM, then KILL): everything announced again ---------
# held now: mid 4 (rate-limit), mid 8 (its prefix and the shared DNS rule)
held() {
	has_route ipv4-flowspec "[destination: 192.0.2.32/28][protocol: ==udp][destination-port: ==53] | comm 64512:4646 | mid 4 | rate 125000" &&
	    has_route ipv4-flowspec "[destination: 192.0.2.224/28] | comm 64512:4646 | mid 8 " &&
	    has_route ipv4-flowspec "$DNS | mid 8 |"
}
for sig in TERM KILL; do
	n=$(count_of "$GW_LOG" "mitigator exabgp: connected to the relay")
	exa_stop "$sig"
	wait_for 10 no_route ipv4-flowspec "[destination: 192.0.2.224/28]" ||
	    fail "exabgp $sig" "the router kept the routes"
	exa_start
	wait_for 30 held &&
	    pass "exabgp stopped ($sig) and started again: the router has mids 4 and 8 again" ||
	    fail "re-announce after exabgp $sig" "$(routes ipv4-flowspec)"
	[ "$(count_of "$GW_LOG" "mitigator exabgp: connected to the relay")" -gt "$n" ] &&
	    has "$GW_LOG" "mid 4: 0 of 1 rule(s) at exabgp; announcing again" &&
	    pass "dotsgwd reconnected to the new relay and announced what exabgp lacked" ||
	    fail "reconnection after $sig" "$(grep -F 'mitigator exabgp' "$GW_LOG" | tail -n 4)"
done
! has "$TMP/exabgp.log" "Too many death" && pass "exabgp never gave up on the relay" ||
    fail "relay respawns" "$(grep -F 'Too many' "$TMP/exabgp.log")"

# --- 6. dotsgwd kill -9 without state: orphans withdrawn, the operator's route stays
stop_pid "$GW_PID" KILL
GW_PID=
sleep 0.5
held && pass "after kill -9: exabgp still announces the rules" || fail "leftover rules" "gone before restart"
rm -f "$TMP"/state/*.db*	# no state store: the table comes back empty
gw_start || exit 1
wait_for 15 no_route ipv4-flowspec "| mid 4 |" && wait_for 5 no_route ipv4-flowspec "| mid 8 |" &&
    pass "restart without state: the orphan rules are withdrawn (the table holds none)" ||
    fail "orphans after restart" "$(routes ipv4-flowspec)"
has "$GW_LOG" "mitigator exabgp: orphan ipv4 flow flow destination-ipv4 192.0.2.32/28 protocol =udp destination-port =53 (owner " &&
    pass "orphans are logged" || fail "orphan log" "$(grep -F orphan "$GW_LOG" | head -n 3)"
has_route ipv4-flowspec "[destination: 203.0.113.99/32] | comm 64512:1 |" &&
    pass "the operator's own route (no marker) is left alone" || fail "operator route" "withdrawn"

# with its state store a restarted daemon restores its mitigations: their
# rules are no orphans and stay
req "$TMP/r10.json" 192.0.2.96/28 600 ''
ctl psk1 "$URI" mitigate --mid 10 --file "$TMP/r10.json"
wait_for 10 has_route ipv4-flowspec "[destination: 192.0.2.96/28][protocol: ==udp][destination-port: ==53] | comm 64512:4646 | mid 10 " ||
    fail "mid 10 rule" "not at the router"
stop_pid "$GW_PID" KILL
GW_PID=
n=$(count_of "$GW_LOG" "orphan")
gw_start || exit 1
sleep 3
has_route ipv4-flowspec "| mid 10 |" && [ "$(count_of "$GW_LOG" "orphan")" = "$n" ] &&
    pass "restart with state: the restored mitigation's rule stays" ||
    fail "restored rule" "$(grep -F '192.0.2.96' "$GW_LOG" | tail -n 2)"

# --- 7. exabgp down: no hang; back: the reconcile announces what failed -----
exa_stop
wait_log 10 "$GW_LOG" "mitigator exabgp: lost the relay" ||
    fail "relay loss" "$(grep -F 'mitigator exabgp' "$GW_LOG" | tail -n 2)"
t0=$SECONDS
req "$TMP/r11.json" 192.0.2.112/28 600 ''
ctl psk1 "$URI" mitigate --mid 11 --file "$TMP/r11.json"
[ "$(code_of)" = 2.01 ] && [ $((SECONDS - t0)) -le 3 ] &&
    pass "exabgp down: the request is answered at once ($((SECONDS - t0)) s)" ||
    fail "exabgp down" "$(_ctl_why)"
wait_log 5 "$GW_LOG" "mid 11: exabgp install failed; retried at the next reconcile" &&
    pass "exabgp down: the failed install is logged" || fail "install failure" "no log"
gw_alive "dotsgwd survives a missing exabgp"
exa_start
wait_for 30 has_route ipv4-flowspec "[destination: 192.0.2.112/28][protocol: ==udp][destination-port: ==53] | comm 64512:4646 | mid 11 " &&
    has_route ipv4-flowspec "| mid 10 |" &&
    pass "exabgp back: mids 10 and 11 announced" || fail "after exabgp back" "$(routes ipv4-flowspec)"

# --- 8. the relay drops the answers a dotsgwd that went away left unread ----
# a client sends 2,000 commands and goes at once; the next one asks for
# the listing: the first line it gets must be a route of its listing, not
# a "done" owed to the first client, and it gets exactly one "done"
stop_pid "$GW_PID"
GW_PID=
wait_log 10 "$TMP/exabgp.log" "dotsgw-exabgp-relay: dotsgwd went away" ||
    fail "relay: dotsgwd gone" "$(tail -n 3 "$TMP/exabgp.log")"
$PY - "$SOCK" > "$TMP/relay.out" <<'PYEOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall("".join("withdraw flow route { match { destination 10.9.%d.%d/32; } }\n"
                  % (i >> 8, i & 255) for i in range(2000)).encode())
s.close()
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"show adj-rib out\n")
s.settimeout(0.2)
out, end, stop = b"", time.time() + 30, None
while time.time() < (stop or end):
    try:
        d = s.recv(65536)
    except socket.timeout:
        continue
    if not d:
        break
    out += d
    if stop is None and b"\ndone\n" in out:
        stop = time.time() + 1	# extra answers would come before ours
lines = out.decode().split("\n")
print("first %s dones %d" % (lines[0].split(" ")[0], lines.count("done")))
PYEOF
[ "$(cat "$TMP/relay.out")" = "first neighbor dones 1" ] &&
    pass "relay: the next client gets its own answer only, none of the 2,000 left unread" ||
    fail "relay answers after a client left" "$(cat "$TMP/relay.out")"
has "$TMP/exabgp.log" "answer(s) owed to it will be dropped" &&
    pass "relay: the dropped answers are logged" || fail "relay log" "$(grep -F relay "$TMP/exabgp.log" | tail -n 3)"
exit $((T_FAILS > 0))
