#!/usr/bin/env bash
# Relay core (issue 3): customer -> gateway A -> B -> C, real processes on
# 127.0.0.1 with throwaway PKI. Checked hop by hop: what arrives where
# (cuid, mid, cdid, Hop-Limit, relay path), status back to the customer,
# efficacy, refresh and withdrawal reaching C and cleaning every hop, C
# refusing and C going away, small requests staying local, a loop A -> B -> A
# stopped with 5.08, heartbeats never crossing a hop, relay rights and rate.
. "$(dirname "$0")/../lib.sh"
t_init
for n in gw-a gw-b gw-c; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port) PC=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
while [ "$PC" = "$PA" ] || [ "$PC" = "$PB" ]; do PC=$(free_port); done

downstream() {	# NAME CERT-NAME FILE: a peer gateway trusted for cdid
	printf '  - name: %s\n    cert-name: %s\n    trusted-gateway: true\n    prefixes: [%s]\n' \
	    "$1" "$2" "$PFX1" >> "$3"
}
upstream() {	# NAME PORT FILE
	printf '  - name: %s\n    upstream: { address: %s, port: %s, transport: dtls }\n' \
	    "$1" "$HOST" "$2" >> "$3"
}

node_conf gw-a "$PA" 1000000000
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
    rate: { per-second: 5, burst: 20 }
  - name: customer3
    psk-identity: $PSK3_ID
    psk-key: $PSK3_KEY
    prefixes: [$PFX3]
    actions: [local]
  - name: customer5
    psk-identity: customer5
    psk-key: secret-five-0000
    prefixes: [198.51.100.0/24]
    drop-optional: true
    max-mitigations: 2
EOF
upstream gw-b "$PB" "$TMP/gw-a.yaml"
node_conf gw-b "$PB" 1000000000
downstream gw-a gw-a "$TMP/gw-b.yaml"
upstream gw-c "$PC" "$TMP/gw-b.yaml"
node_conf gw-c "$PC" 100000000000
downstream gw-b gw-b "$TMP/gw-c.yaml"

node_start gw-c "$TMP/gw-c.yaml" && node_start gw-b "$TMP/gw-b.yaml" &&
    node_start gw-a "$TMP/gw-a.yaml" || exit 1
up() { node_up "$1" "$2"; }
wait_for 20 up gw-a gw-b && wait_for 20 up gw-b gw-c &&
    pass "upstream sessions up hop by hop" ||
    fail "upstream sessions up hop by hop" "no 'is up' lines"


A=coaps://$HOST:$PA
CUID1=$(cuid_psk "$PSK1_ID")
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
CUID_B=$(cuid_cert "$TMP/pki/gw-b.pem")
# as gw-b toward C: what C holds for B (dotsctl with B's certificate);
# like ctl: OUT, ERR, RC
at_c() {
	OUT=$TMP/c.out ERR=$TMP/c.err
	"$DOTSCTL" -s "coaps://$HOST:$PC" --cert "$TMP/pki/gw-b.pem" \
	    --key "$TMP/pki/gw-b.key" --ca "$TMP/pki/ca.pem" \
	    --server-name gw-c --cuid "$CUID_B" --json "$@" > "$OUT" 2> "$ERR"
	RC=$?
}
# C's mid 1 (B's placement): its status, "gone" on a 4.04, else the raw
# answer
c_status() {
	at_c get --mid 1
	case $(code_of) in
	2.05) jget 's["status"]' ;;
	4.04) echo gone ;;
	*) echo "no answer: $(_ctl_why)" ;;
	esac
}
# mid M's status at A (customer1), or the raw answer when it is not a 2.05
status_a() {
	ctl psk1 "$A" get --mid "$1"
	if [ "$(code_of)" = 2.05 ]; then jget 's["status"]'; else echo "not 2.05: $(_ctl_why)"; fi
}
a_is() { [ "$(status_a "$1")" = "$2" ]; }
big() {	# MID [PREFIX] -> JSON body with 5 Gbit/s of attack traffic
	cat > "$TMP/big$1.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["${2:-192.0.2.0/28}"], "target-protocol": [17],
  "lifetime": 600,
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "gigabit-ps", "peak-g": "5"}]
}]}}
EOF
	echo "$TMP/big$1.json"
}

# --- 1. a big request travels A -> B -> C ------------------------------------
ctl psk1 "$A" mitigate --mid 10 --file "$(big 10)"
[ "$(code_of)" = 2.01 ] && pass "big request: 2.01 to the customer" ||
    fail "big request: 2.01 to the customer" "$(_ctl_why)"
wait_log 20 "$TMP/gw-c.log" "peer gw-b: PUT .well-known/dots/mitigate/cdid=$CUID1/cuid=$CUID_B/mid=1 hop-limit 15 " &&
    pass "C got it from B: cdid of the customer, B's cuid, mid 1, Hop-Limit 15" ||
    fail "C got it from B" "$(grep -F 'PUT .well-known' "$TMP/gw-c.log" | tail -n 2)"
has "$TMP/gw-b.log" "peer gw-a: PUT .well-known/dots/mitigate/cdid=$CUID1/cuid=$CUID_A/mid=1 hop-limit 16 " &&
    pass "B got it from A: A's cuid, mid 1, Hop-Limit 16" ||
    fail "B got it from A" "$(grep -F 'PUT .well-known' "$TMP/gw-b.log" | tail -n 1)"
has "$TMP/gw-c.log" '"dotsgw:relay-path":["gw-a","gw-b"]' &&
    pass "relay path gw-a gw-b at C" || fail "relay path at C" "not in C's log"
has "$TMP/gw-c.log" '"ietf-dots-telemetry:total-attack-traffic":[{"unit":"gigabit-ps","peak-g":"5"}]' &&
    pass "attack information arrives unchanged at C" ||
    fail "attack information at C" "missing"
at_c get --mid 1
check_j "C mitigates it (status in progress)" 2.05 's["status"]' \
    attack-mitigation-in-progress

# the customer observes; C's view comes back through B and A (30 s at most:
# it ends when A has forgotten the mitigation)
"$DOTSCTL" -s "$A" $(cred_args psk1) --json get --mid 10 --observe 30 \
    > "$TMP/obs.json" 2>&1 &
OBS=$!
wait_log 20 "$TMP/obs.json" '"code":"2.05"' ||
    fail "customer's observer registered" "$(head -c 300 "$TMP/obs.json")"
sed 's/"lifetime": 600,/"lifetime": 600, "attack-status": "under-attack",/' "$(big 10)" > "$TMP/eff.json"
ctl psk1 "$A" efficacy --mid 10 --attack-status under-attack --file "$TMP/eff.json"
[ "$(code_of)" = 2.04 ] && pass "efficacy update: 2.04" || fail "efficacy update" "$(_ctl_why)"
wait_log 20 "$TMP/gw-c.log" "peer gw-b cuid $CUID_B mid 1: efficacy update: under-attack" &&
    pass "efficacy update reaches C" || fail "efficacy update reaches C" "not in C's log"
c_puts() { lines_of "$TMP/gw-c.log" "PUT .well-known/dots/mitigate/cdid=" "/mid=1 " | wc -l; }
[ "$(c_puts)" -eq 2 ] &&
    pass "C saw exactly 2 PUTs (request, efficacy)" ||
    fail "C saw exactly 2 PUTs" "$(c_puts)"
wait_for 20 line_has "$TMP/gw-c.log" "peer gw-b: GET " "mitigate/cdid=$CUID1/cuid=$CUID_B/mid=1 " &&
    pass "B observes its placement at C, with the same cdid" || fail "B observes at C" "no GET"

# lifetime refresh: same mid, same body, new lifetime
sed 's/"lifetime": 600/"lifetime": 900/' "$(big 10)" > "$TMP/ref.json"
ctl psk1 "$A" mitigate --mid 10 --file "$TMP/ref.json"
[ "$(code_of)" = 2.04 ] && pass "refresh: 2.04" || fail "refresh" "$(_ctl_why)"
refreshed() {
	local lt
	at_c get --mid 1
	[ "$(code_of)" = 2.05 ] || return 1
	lt=$(jget 's["lifetime"]')
	[[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -ge 890 ] && [ "$lt" -le 900 ]
}
wait_for 20 refreshed && pass "refresh reaches C (lifetime 900)" || fail "refresh reaches C" "$(_ctl_why)"

# withdrawal cleans every hop
ctl psk1 "$A" withdraw --mid 10
[ "$(code_of)" = 2.02 ] && pass "withdraw: 2.02" || fail "withdraw" "$(_ctl_why)"
withdrawn() {
	case $(c_status) in
	dots-client-withdrawn-mitigation | attack-mitigation-terminated | gone) return 0 ;;
	esac
	return 1
}
wait_for 20 withdrawn && pass "withdrawal reaches C" || fail "withdrawal reaches C" "$(_ctl_why)"
gone_c() { [ "$(c_status)" = gone ]; }
wait_for 20 gone_c && pass "C cleaned after its active-but-terminating period" ||
    fail "C cleaned" "$(_ctl_why)"
gone_a() { ctl psk1 "$A" get --mid 10; [ "$(code_of)" = 4.04 ]; }
wait_for 20 gone_a && pass "A cleaned" || fail "A cleaned" "$(_ctl_why)"
observer_ends "$OBS"
has "$TMP/obs.json" '"status":"attack-mitigation-in-progress"' &&
    has "$TMP/obs.json" '"status":"dots-client-withdrawn-mitigation"' &&
    pass "customer notifications: in progress, then withdrawn" ||
    fail "customer notifications" "$(cut -c1-200 "$TMP/obs.json")"

# --- 2. a small request stays local at A ------------------------------------
ctl psk1 "$A" mitigate --mid 11 --prefix 192.0.2.64/28 --lifetime 600
[ "$(code_of)" = 2.01 ] && pass "small request: 2.01" || fail "small request" "$(_ctl_why)"
wait_log 10 "$TMP/gw-a.log" "mid 11: local mitigation" && pass "small request mitigated locally at A" ||
    fail "small request local" "no local line"
# observation window (negative check): 1 s for a relayed copy to show at B
sleep 1
! has "$TMP/gw-b.log" "192.0.2.64/28" && pass "small request not relayed to B" ||
    fail "small request not relayed" "B saw it"
ctl psk1 "$A" withdraw --mid 11

# --- 3. relay rights: customer3 may only be mitigated locally -----------------
ctl psk3 "$A" mitigate --mid 1 --file "$(big 31 203.0.113.0/28)"
[ "$(code_of)" = 2.01 ] && pass "local-only peer, big request: 2.01" || fail "local-only peer" "$(_ctl_why)"
ctl psk3 "$A" get --mid 1
check_j "local-only peer: attack-exceeded-capability, not relayed" 2.05 \
    's["status"]' attack-exceeded-capability
ctl psk3 "$A" withdraw --mid 1

# --- 3b. drop-optional: unknown optional attributes stay here; quota ---------
C5="--psk-identity customer5 --psk-key secret-five-0000"
"$DOTSCTL" -s "$A" $C5 --json mitigate --mid 1 --file "$(big 51 198.51.100.0/28)" > "$TMP/c5.out" 2>&1
has "$TMP/c5.out" '"code":"2.01"' && pass "drop-optional peer: 2.01" || fail "drop-optional peer" "$(cat "$TMP/c5.out")"
c5_at_b() { line_has "$TMP/gw-b.log" "peer gw-a: PUT .well-known/dots/mitigate" '"target-prefix":["198.51.100.0/28"]'; }
wait_for 20 c5_at_b && ! line_has "$TMP/gw-b.log" "peer gw-a: PUT .well-known/dots/mitigate" \
    '"target-prefix":["198.51.100.0/28"]' total-attack-traffic &&
    pass "drop-optional: B gets the request without the telemetry attribute" ||
    fail "drop-optional" "$(grep -F '198.51.100.0/28' "$TMP/gw-b.log" | head -n 1 | cut -c1-300)"
"$DOTSCTL" -s "$A" $C5 --json mitigate --mid 2 --prefix 198.51.100.64/28 > /dev/null 2>&1
"$DOTSCTL" -s "$A" $C5 --json mitigate --mid 3 --prefix 198.51.100.128/28 > "$TMP/c5.out" 2>&1
line_has "$TMP/c5.out" '"code":"5.03"' max-mitigations && pass "max-mitigations 2: the third gets 5.03" ||
    fail "max-mitigations" "$(cat "$TMP/c5.out")"
for m in 1 2; do "$DOTSCTL" -s "$A" $C5 withdraw --mid $m > /dev/null 2>&1; done

# --- 4. heartbeats never cross a hop -----------------------------------------
# A sends B its own heartbeat every second (B's heartbeat-interval 1): B
# may see one a second, and one more, while the customer's 6 go to A
hb_b() { count_of "$TMP/gw-b.log" "peer gw-a: PUT .well-known/dots/hb"; }
before=$(hb_b)
t=$(now_ms)
"$DOTSCTL" -s "$A" $(cred_args psk1) hb --count 6 --interval 0.1 > /dev/null 2>&1
after=$(hb_b)
own=$((($(now_ms) - t + 999) / 1000 + 1))	# A's own ones meanwhile, at most
[ $((after - before)) -le "$own" ] && pass "customer heartbeats stay at A (B saw $((after - before)))" ||
    fail "heartbeats cross a hop" "B saw $((after - before)) during 6 customer heartbeats (A's own: $own at most)"
! line_has "$TMP/gw-b.log" "PUT .well-known/dots/hb" "cuid=" && pass "no relayed heartbeat at B" ||
    fail "relayed heartbeat" "$(lines_of "$TMP/gw-b.log" "PUT .well-known/dots/hb" "cuid=" | head -n 1)"

# --- 5. C refuses: the customer sees it as a status ---------------------------
ctl psk1 "$A" mitigate --mid 20 --file "$(big 20 192.0.2.128/28)"
wait_for 20 a_is 20 attack-mitigation-in-progress
ctl psk1 "$A" get --mid 20
check_j "before C refuses: in progress" 2.05 's["status"]' attack-mitigation-in-progress
# B's sessions to C, counted: one more "is up" is the restarted C
c_ups() { count_of "$TMP/gw-b.log" "upstream gw-c is up"; }
c_downs() { count_of "$TMP/gw-b.log" "upstream gw-c is down"; }
nu=$(c_ups)
node_stop gw-c
sed -i "s|prefixes: \[$PFX1\]|prefixes: [198.18.0.0/15]|" "$TMP/gw-c.yaml"
node_start gw-c "$TMP/gw-c.yaml"
c_back() { [ "$(c_ups)" -gt "$nu" ]; }
wait_for 30 c_back || fail "B's session to the restarted C" "no new 'is up' line"
ctl psk1 "$A" mitigate --mid 21 --file "$(big 21 192.0.2.192/28)"
refused() { line_has "$TMP/gw-b.log" "upstream gw-c refused mid " ": 4.01 "; }
wait_for 20 refused && pass "C refuses with 4.01 (prefix not allowed)" || fail "C refuses" "not in B's log"
wait_for 20 a_is 21 attack-exceeded-capability
ctl psk1 "$A" get --mid 21
check_j "customer sees C's refusal as attack-exceeded-capability" 2.05 \
    's["status"]' attack-exceeded-capability

# --- 6. C goes away: the customer is told within missing-hb x interval ---------
# a request made while C is down finds no taker, then C comes back
node_stop gw-c
ctl psk1 "$A" mitigate --mid 22 --file "$(big 22 192.0.2.224/28)"
wait_for 20 a_is 22 attack-exceeded-capability
ctl psk1 "$A" get --mid 22
check_j "C down: a new request has no taker (exceeded)" 2.05 \
    's["status"]' attack-exceeded-capability
sed -i "s|prefixes: \[198.18.0.0/15\]|prefixes: [$PFX1]|" "$TMP/gw-c.yaml"
node_start gw-c "$TMP/gw-c.yaml"
wait_for 70 a_is 22 attack-mitigation-in-progress &&
    pass "C back: the waiting request is placed there (in progress)" ||
    fail "C back" "$(_ctl_why)"
nd=$(c_downs)
t0=$(now_ms)
node_stop gw-c KILL
# heartbeat 1 s x 3 missed, plus a tick: well within 6 s, timed in ms
# from before the kill to the end of the GET that saw it
told() { a_is 22 attack-exceeded-capability && t1=$(now_ms); }
t1=
wait_for 15 told
el=$((${t1:-$(now_ms)} - t0))
[ -n "$t1" ] && [ "$el" -le 6000 ] &&
    pass "C killed: customer sees attack-exceeded-capability after $((el / 1000)).$((el % 1000 / 100)) s" ||
    fail "C killed" "after $el ms: $(_ctl_why)"
wait_for 20 eval '[ "$(c_downs)" -gt "$nd" ]' && pass "B declares C down" || fail "B declares C down" "no line"
ctl psk1 "$A" withdraw --mid 20
ctl psk1 "$A" withdraw --mid 21
ctl psk1 "$A" withdraw --mid 22

# --- 7. a loop A -> B -> A is stopped at once with 5.08 ------------------------
# B also knows A as an upstream under another name: a misconfiguration the
# requester check cannot see; the relay path does.
node_stop gw-b
sed -i '/name: gw-c/,$d' "$TMP/gw-b.yaml"
printf '  - name: gw-a-again\n    upstream: { address: %s, port: %s, transport: dtls, server-name: gw-a }\n' \
    "$HOST" "$PA" >> "$TMP/gw-b.yaml"
node_stop gw-a
downstream gw-b-down gw-b "$TMP/gw-a.yaml"
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml"
wait_for 20 up gw-a gw-b && wait_for 20 up gw-b gw-a-again ||
    fail "loop: sessions A -> B -> A up" "no 'is up' lines"
ctl psk1 "$A" mitigate --mid 30 --file "$(big 30 192.0.2.32/28)"
[ "$(code_of)" = 5.08 ] && pass "loop: 5.08 to the customer" || fail "loop: 5.08" "$(_ctl_why)"
d=$(jget 'j.get("diagnostic", "<no diagnostic>")')
[[ $d == *"gw-a gw-b gw-a" ]] && pass "5.08 names the path gw-a gw-b gw-a" ||
    fail "5.08 path" "$(_ctl_why)"
[ "$(count_of "$TMP/gw-a.log" 'relay loop')" -eq 1 ] && pass "the loop is seen once, no storm" ||
    fail "loop storm" "$(count_of "$TMP/gw-a.log" 'relay loop') loop lines"
ctl psk1 "$A" get --mid 30
[ "$(code_of)" = 4.04 ] && pass "nothing left of the looped request at A" || fail "looped request left" "$(_ctl_why)"

# --- 8. request rate: burst 20 at 5/s, then 5.03 with Max-Age ---------------------
# back to back on one session: a process and a handshake per request can
# be slower than 5/s on a loaded machine
ctl psk1 "$A" get --count 100
limited() {
	$PY - "$OUT" <<'EOF'
import json, sys
for l in open(sys.argv[1]):
    try:
        j = json.loads(l)
    except ValueError:
        continue
    if j.get("code") == "5.03" and isinstance(j.get("max-age"), int) and j["max-age"] >= 1:
        sys.exit(0)
sys.exit(1)
EOF
}
limited && pass "rate limit: 5.03 with Max-Age after the burst" ||
    fail "rate limit" "$(count_of "$OUT" '"code":') answers, none 5.03 with Max-Age: $(_ctl_why)"

for n in gw-a gw-b; do
	kill -0 "${NODE_PID[$n]}" 2>/dev/null && pass "$n still running" || fail "$n crashed" "not running"
done
exit $((T_FAILS > 0))
