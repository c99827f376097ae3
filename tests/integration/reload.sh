#!/usr/bin/env bash
# Reload (issue 7): SIGHUP and `dotsctl reload`. A peer's prefixes change
# and authorization follows, while its session (an Observe kept open
# across the reload), its mitigations and its negotiated signal config
# stay; an invalid file is refused with FILE:LINE and the old one stays in
# force; a peer and an upstream are added, then removed (mitigations
# withdrawn, upstream placements withdrawn there); listen changes wait for
# a restart.
. "$(dirname "$0")/../lib.sh"
t_init
_cert "$TMP/pki" gw-a gw-a && _cert "$TMP/pki" gw-b gw-b ||
    { fail pki "certtool failed"; exit 1; }
PA=$(free_port) PB=$(free_port) PM=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
while [ "$PM" = "$PA" ] || [ "$PM" = "$PB" ]; do PM=$(free_port); done
AUDIT=$TMP/audit.log
A=coaps://$HOST:$PA
ADMIN=$HOST:$PM		# /metrics
SOCK=$TMP/gw-a.sock	# status, reload

# conf_a PREFIXES1 [with-c3] [with-c5] [with-b] [LISTEN-PORT]
conf_a() {
	cat > "$TMP/a.yaml.new" <<EOF
node-id: gw-a
state-dir: $TMP/state
audit-log: $AUDIT
admin: { address: $HOST, port: $PM }
control: { socket: $SOCK }
listen:
  - { address: $HOST, port: ${5:-$PA}, transports: [dtls, tls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/gw-a.pem, key: $TMP/pki/gw-a.key }
mitigation: { active-but-terminating: 1 }
capacity: { bps: 1000000000, pps: 100000000, default-attack-bps: 100000000, default-attack-pps: 1000 }
peers:
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$1]
EOF
	[ "$2" = with-c3 ] && cat >> "$TMP/a.yaml.new" <<EOF
  - name: customer3
    psk-identity: $PSK3_ID
    psk-key: $PSK3_KEY
    prefixes: [$PFX3]
EOF
	[ "$3" = with-c5 ] && cat >> "$TMP/a.yaml.new" <<EOF
  - name: customer5
    psk-identity: customer5
    psk-key: secret-five-0000
    prefixes: [198.51.100.0/24]
EOF
	[ "$4" = with-b ] && cat >> "$TMP/a.yaml.new" <<EOF
  - name: gw-b
    upstream: { address: $HOST, port: ${BPORT:-$PB}, transport: dtls }
EOF
	chmod 600 "$TMP/a.yaml.new"
	mv "$TMP/a.yaml.new" "$TMP/a.yaml"
}
cat > "$TMP/b.yaml" <<EOF
node-id: gw-b
state-dir: $TMP/state
listen:
  - { address: $HOST, port: $PB, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/gw-b.pem, key: $TMP/pki/gw-b.key }
mitigation: { active-but-terminating: 1 }
capacity: { bps: 100000000000, pps: 100000000 }
peers:
  - name: gw-a
    cert-name: gw-a
    trusted-gateway: true
    prefixes: [$PFX1, 198.51.100.0/24]
EOF
chmod 600 "$TMP/b.yaml"
psk5() { "$DOTSCTL" -s "$A" --psk-identity customer5 --psk-key secret-five-0000 --json "$@" >"$TMP/c5.out" 2>&1; }
reload() {	# -> $TMP/reload.out, exit status in RRC
	"$DOTSCTL" --socket "$SOCK" reload >"$TMP/reload.out" 2>&1
	RRC=$?
}
status() { "$DOTSCTL" --socket "$SOCK" --json status > "$TMP/status.json"; }
sj() {	# EXPR on the last status as j
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(json.dumps(eval(sys.argv[2])))' \
	    "$TMP/status.json" "$1" 2>/dev/null ||
	    echo "<no answer: $(head -c 300 "$TMP/status.json")>"
}
# starts_with FILE PREFIX: a line of FILE begins with PREFIX (fixed string)
starts_with() {
	grep -F -- "$2" "$1" 2>/dev/null | {
		while IFS= read -r l; do
			[[ $l == "$2"* ]] && exit 0
		done
		exit 1
	}
}

conf_a "$PFX1" with-c3
node_start gw-b "$TMP/b.yaml" && node_start gw-a "$TMP/a.yaml" || exit 1

# --- state before: a mitigation, a negotiated config, an open session ----
expect "customer1 mid 1 -> 2.01" 2.01 psk1 "$A" mitigate --mid 1 --prefix 192.0.2.1/32 --lifetime 600
expect "customer1 outside its prefixes -> 4.01" 4.01 psk1 "$A" mitigate --mid 2 --prefix 198.18.0.1/32 --lifetime 600
expect "customer1 config put sid 5 hb 60 -> 2.01" 2.01 psk1 "$A" config put --sid 5 --hb-interval 60
expect "customer3 mid 7 -> 2.01" 2.01 psk3 "$A" mitigate --mid 7 --prefix 203.0.113.7/32 --lifetime 600
psk5 mitigate --mid 1 --prefix 198.51.100.1/32 --lifetime 600
[ $? -eq 2 ] && pass "customer5 unknown before it is added (no handshake)" ||
    fail "customer5 before" "$(cat "$TMP/c5.out")"
# one session kept open across the reloads: it observes mid 1 (30 s at
# most; it ends with the mitigation)
"$DOTSCTL" -s "$A" $(cred_args psk1) --json get --mid 1 --observe 30 > "$TMP/obs.json" 2>&1 &
OBS=$!
wait_log 20 "$TMP/obs.json" '"code":"2.05"' ||
    fail "observer of mid 1 registered" "$(head -c 300 "$TMP/obs.json")"

# --- 1. prefixes change: authz follows, nothing dropped -------------------
conf_a "$PFX1, 198.18.0.0/15" with-c3
reload
[ $RRC -eq 0 ] && has "$TMP/reload.out" "reloaded $TMP/a.yaml: 2 peers (0 added, 0 removed)" &&
    pass "dotsctl reload: reloaded, what changed" || fail "dotsctl reload" "rc $RRC: $(cat "$TMP/reload.out")"
expect "after reload: the new prefix is authorized -> 2.01" 2.01 psk1 "$A" mitigate --mid 2 --prefix 198.18.0.1/32 --lifetime 600
expect "after reload: mid 1 kept -> 2.05" 2.05 psk1 "$A" get --mid 1
expect "after reload: outside the new prefixes still 4.01" 4.01 psk1 "$A" mitigate --mid 3 --prefix 10.1.1.1/32 --lifetime 600
ctl psk1 "$A" config get --sid 5
check_j "after reload: negotiated signal config kept (hb 60)" 2.05 \
    '[j["body"]["ietf-dots-signal-channel:signal-config"][k]["heartbeat-interval"]["current-value"] for k in ("idle-config", "mitigating-config")]' \
    "[60, 60]"
expect "withdraw mid 1 -> 2.02" 2.02 psk1 "$A" withdraw --mid 1
withdrawn_seen() { grep -F '"observe":' "$TMP/obs.json" | grep -qF '"status":"dots-client-withdrawn-mitigation"'; }
wait_for 20 withdrawn_seen
observer_ends $OBS
if withdrawn_seen; then
	pass "the session observing since before the reload saw the withdrawal"
else
	fail "session kept across the reload" "$(tr '\n' ' ' < "$TMP/obs.json" | head -c 400)"
fi
! has "$TMP/gw-a.log" "peer customer1 is down" &&
    [ "$(count_of "$TMP/gw-a.log" 'peer customer1 is up')" -eq 1 ] &&
    pass "customer1 never went down" || fail "customer1 up once" "$(grep -F 'customer1 is' "$TMP/gw-a.log")"

# --- 2. an invalid file is refused with FILE:LINE; v2 stays ------------
cp "$TMP/a.yaml" "$TMP/a.good"
conf_a "$PFX1, 198.18.0.0/15" with-c3
sed -i 's/^    psk-key: '"$PSK3_KEY"'$/    psk-key: '"$PSK3_KEY"'\n    prefixs: [1.2.3.4]/' "$TMP/a.yaml"
line=$(grep -nF prefixs "$TMP/a.yaml" | cut -d: -f1)
reload
[ $RRC -eq 1 ] && starts_with "$TMP/reload.out" "dotsctl: reload: 422: $TMP/a.yaml:$line: peers[1].prefixs: unknown key" &&
    pass "invalid file: dotsctl reload exits 1 with FILE:LINE" || fail "invalid file refused" "rc $RRC: $(cat "$TMP/reload.out")"
wait_log 10 "$TMP/gw-a.log" "reload refused, old configuration kept: $TMP/a.yaml:$line: peers[1].prefixs: unknown key" &&
    pass "invalid file: logged with FILE:LINE" || fail "invalid file logged" "$(grep -F reload "$TMP/gw-a.log" | tail -n 2)"
expect "old config in force: 198.18/15 still authorized" 2.01 psk1 "$A" mitigate --mid 4 --prefix 198.18.0.4/32 --lifetime 600
expect "old config in force: customer3 still there" 2.05 psk3 "$A" get --mid 7
kill -HUP "${NODE_PID[gw-a]}"
wait_for 20 eval '[ "$(count_of "$TMP/gw-a.log" "reload refused")" -ge 2 ]' &&
    pass "SIGHUP with an invalid file: refused too" || fail "SIGHUP invalid" "no second 'reload refused'"
reloads() {
	MCODE=$(http GET "http://$ADMIN/metrics" "$TMP/metrics")
	[ "$MCODE" = 200 ] &&
	    [ "$(metric 'dotsgw_reloads_total{result="failed"}' "$TMP/metrics")" = 2 ] &&
	    [ "$(metric 'dotsgw_reloads_total{result="ok"}' "$TMP/metrics")" = 1 ]
}
wait_for 20 reloads &&
    pass "metrics: reloads ok 1, failed 2" ||
    fail "reload metrics" "HTTP $MCODE: $(grep -F reloads "$TMP/metrics" | tr '\n' ' ' | head -c 300)"

# --- 3. add a peer and an upstream (SIGHUP) --------------------------------
conf_a "$PFX1, 198.18.0.0/15" with-c3 with-c5 with-b
kill -HUP "${NODE_PID[gw-a]}"
wait_log 20 "$TMP/gw-a.log" "reload: peer customer5 added" &&
    pass "SIGHUP: peer customer5 added" || fail "peer added" "$(grep -F reload "$TMP/gw-a.log" | tail -n 3)"
psk5 mitigate --mid 1 --prefix 198.51.100.1/32 --lifetime 600
has "$TMP/c5.out" '"code":"2.01"' && pass "added peer customer5: handshake and 2.01" ||
    fail "added peer customer5" "$(cat "$TMP/c5.out")"
wait_log 20 "$TMP/gw-a.log" "upstream gw-b is up" &&
    pass "added upstream gw-b: session up" || fail "upstream added" "no 'is up'"
cat > "$TMP/big.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.64/26"], "lifetime": 600,
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "gigabit-ps", "peak-g": "5"}]
}]}}
EOF
expect "big request relayed to the added upstream -> 2.01" 2.01 psk1 "$A" mitigate --mid 5 --file "$TMP/big.json"
at_b() {	# as gw-a toward gw-b; like ctl: OUT, ERR, RC
	OUT=$TMP/b.out ERR=$TMP/b.err
	"$DOTSCTL" -s "coaps://$HOST:$PB" --cert "$TMP/pki/gw-a.pem" --key "$TMP/pki/gw-a.key" \
	    --ca "$TMP/pki/ca.pem" --server-name gw-b --json "$@" > "$OUT" 2> "$ERR"
	RC=$?
}
placed_b() { at_b get; [ "$(code_of)" = 2.05 ] && [ "$(jget '1 in [x["mid"] for x in j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]]')" = true ]; }
wait_for 20 placed_b && pass "gw-b holds the placement" || fail "placement at gw-b" "$(_ctl_why)"
status
check_eq "status: customer3's mitigation and customer5 present" \
    "$(sj '[sorted(p["name"] for p in j["peers"]), sorted((m["peer"], m["mid"]) for m in j["mitigations"] if m["status"] < 5)]')" \
    '[["customer1", "customer3", "customer5", "gw-b"], [["customer1", 2], ["customer1", 4], ["customer1", 5], ["customer3", 7], ["customer5", 1]]]'

# --- 3b. how we reach gw-b changes: a new session, the placement follows ---
BPORT=$(free_port) conf_a "$PFX1, 198.18.0.0/15" with-c3 with-c5 with-b
reload
wait_log 10 "$TMP/gw-a.log" "upstream gw-b: how we reach it changed: new session" &&
    pass "upstream address changed: new session" || fail "upstream changed" "$(grep -F 'gw-b' "$TMP/gw-a.log" | tail -n 3)"
lost() { sj '[[u["up"] for u in j["upstreams"]], [p["state"] for m in j["mitigations"] if m["mid"] == 5 for p in m["relay"]["placements"]]]'; }
lost_now() { status; [ "$(lost)" = '[[false], ["lost"]]' ]; }
wait_for 20 lost_now
check_eq "status: gw-b down, the placement lost" "$(lost)" '[[false], ["lost"]]'
conf_a "$PFX1, 198.18.0.0/15" with-c3 with-c5 with-b
reload
back() { [ "$(count_of "$TMP/gw-a.log" 'upstream gw-b is up')" -ge 2 ]; }
wait_for 20 back && pass "address changed back: gw-b up again" || fail "gw-b back" "$(grep -F 'gw-b' "$TMP/gw-a.log" | tail -n 3)"
replaced() { status; [ "$(sj '[p["state"] for m in j["mitigations"] if m["mid"] == 5 for p in m["relay"]["placements"]]')" = '["active"]' ]; }
wait_for 20 replaced && pass "the placement is active at gw-b again" || fail "placement again" "$(sj 'j["mitigations"]')"

# --- 4. remove a peer and the upstream --------------------------------------
# customer3 observes its mitigation over TLS and DTLS, customer1 over DTLS,
# across the reload that removes customer3 (its sessions are closed). The
# removed peer's observers end on their 4.04; customer1's runs its 12 s,
# the observation window of "no 4.04" for a kept peer.
"$DOTSCTL" -s "coaps+tcp://$HOST:$PA" $(cred_args psk3) --json get --mid 7 --observe 12 > "$TMP/obs3.json" 2>&1 &
OBS3=$!
"$DOTSCTL" -s "$A" $(cred_args psk3) --json get --mid 7 --observe 12 > "$TMP/obs3d.json" 2>&1 &
OBS3D=$!
"$DOTSCTL" -s "$A" $(cred_args psk1) --json get --mid 2 --observe 12 > "$TMP/obs1.json" 2>&1 &
OBS1=$!
for f in obs3 obs3d obs1; do
	wait_log 20 "$TMP/$f.json" '"code":"2.05"' ||
	    fail "observer $f registered" "$(head -c 300 "$TMP/$f.json")"
done
conf_a "$PFX1, 198.18.0.0/15" "" with-c5
reload
[ $RRC -eq 0 ] && has "$TMP/reload.out" "2 peers (0 added, 2 removed), 0 upstreams (0 added, 1 removed), 1 mitigations of removed peers withdrawn" &&
    pass "remove customer3 and gw-b: reloaded" || fail "remove reload" "rc $RRC: $(cat "$TMP/reload.out")"
$PY - "$AUDIT" <<'PY' && pass "audit: customer3's mitigation removed, with the reason" || fail "audit removed" "$(tail -n 3 "$AUDIT")"
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
r = [l for l in ls if l["event"] == "removed"]
sys.exit(not (len(r) == 1 and r[0]["peer"] == "customer3" and r[0]["mid"] == 7
              and "removed from the configuration" in r[0]["reason"]))
PY
ctl psk3 "$A" get --mid 7
[ "$RC" -ne 0 ] && pass "removed peer customer3: no longer served (exit $RC)" || fail "removed peer" "$(_ctl_why)"
expect "customer1 still served after the removals (DTLS)" 2.01 psk1 "$A" mitigate --mid 6 --prefix 192.0.2.6/32 --lifetime 600
wait $OBS3 $OBS3D $OBS1
has "$TMP/obs3.json" '"code":"4.04"' && has "$TMP/obs3d.json" '"code":"4.04"' &&
    pass "removed peer's observers (TLS, DTLS): the mitigation is gone (4.04)" ||
    fail "removed peer's observer" "$(tr '\n' ' ' < "$TMP/obs3.json" | head -c 300)"
has "$TMP/obs1.json" '"code":"2.05"' && ! has "$TMP/obs1.json" '"code":"4.04"' &&
    pass "kept peer's observer across the removal: no 4.04" ||
    fail "kept peer's observer" "$(tr '\n' ' ' < "$TMP/obs1.json" | head -c 300)"
status
check_eq "status: customer3 and gw-b gone, no placements" \
    "$(sj '[sorted(p["name"] for p in j["peers"]), j["upstreams"], [m["relay"]["placements"] for m in j["mitigations"] if m["mid"] == 5 and m["peer"] == "customer1"]]')" \
    '[["customer1", "customer5"], [], [[]]]'
gone_at_b() {
	at_b get --mid 1
	case $(code_of) in
	4.04) return 0 ;;
	2.05) case $(jget 's["status"]') in
		*withdrawn* | *terminated*) return 0 ;;
		esac ;;
	esac
	return 1
}
wait_for 20 gone_at_b && pass "removed upstream: the placement was withdrawn there" ||
    fail "withdrawn at gw-b" "$(_ctl_why)"
expect "customer1 still served after the removals" 2.05 psk1 "$A" get --mid 2

# --- 5. listen changes wait for a restart ----------------------------------
conf_a "$PFX1, 198.18.0.0/15" "" with-c5 "" "$PB"
reload
[ $RRC -eq 0 ] && wait_log 10 "$TMP/gw-a.log" "reload: listen changed; takes effect at the next restart" &&
    pass "listen change: logged as needing a restart" || fail "listen change" "$(grep -F 'reload' "$TMP/gw-a.log" | tail -n 3)"
expect "still listening on the old port" 2.05 psk1 "$A" get --mid 2
kill -0 "${NODE_PID[gw-a]}" && pass "gw-a still running" || fail "gw-a" "died"
exit $((T_FAILS > 0))
