#!/usr/bin/env bash
# Admin endpoint (issue 7): /metrics in Prometheus text format with exact
# counter values after known requests, the status JSON and dotsctl status
# (over the control socket since issue 13), 404 and 405, and a
# non-loopback admin address refused by the config check.
. "$(dirname "$0")/../lib.sh"
t_init
# active-but-terminating 60 s: the withdrawn mitigation stays in view
write_config "$CONF" "$PORT" 60
APORT=$(free_port)
while [ "$APORT" = "$PORT" ]; do APORT=$(free_port); done
printf 'admin: { address: %s, port: %s }\n' "$HOST" "$APORT" >> "$CONF"
gw_start || exit 1
ADMIN=http://$HOST:$APORT

get() { http "$1" "$ADMIN$2" "$TMP/http.body"; }
# status: the status JSON from the control socket into $TMP/http.body;
# prints the answer's code (200)
status() { ctl_req "$GW_SOCK" status "$TMP/http.body"; }
# scrape: /metrics into $TMP/metrics; anything but a 200 fails, named
scrape() {
	local c
	c=$(get GET /metrics)
	cp "$TMP/http.body" "$TMP/metrics"
	[ "$c" = 200 ] || fail "scrape /metrics" "HTTP $c: $(head -c 200 "$TMP/http.body")"
}
m() { metric "$1" "$TMP/metrics"; }

check_eq "GET /metrics -> 200" "$(get GET /metrics)" 200
has "$TMP/http.body.type" 'version=0.0.4' &&
    pass "/metrics Content-Type is Prometheus text 0.0.4" ||
    fail "/metrics Content-Type" "$(cat "$TMP/http.body.type")"
# every sample line is NAME{LABELS} VALUE; every family has HELP and TYPE
$PY - "$TMP/http.body" <<'PY' && pass "/metrics is valid exposition format" || fail "/metrics format" "see above"
import re, sys
ok = True; typed = set()
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.match(r'# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$', line)
    if m: typed.add(m.group(1)); continue
    if line.startswith("# HELP "): continue
    m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"\\]*",?)*\})? (-?[0-9.e+]+|\+Inf)$', line)
    base = m and re.sub(r'_(bucket|sum|count)$', '', m.group(1))
    if not m or (m.group(1) not in typed and base not in typed):
        print("bad line: %r" % line); ok = False
sys.exit(0 if ok else 1)
PY
scrape
check_eq "no requests counted before any" \
    "$(m 'dotsgw_requests_total{peer="customer1",method="PUT",code="2.01"}')" absent
check_eq "capacity configured (bps)" "$(m 'dotsgw_capacity_configured{unit="bps"}')" 10000000000
check_eq "capacity in use before any mitigation" "$(m 'dotsgw_capacity_in_use{unit="bps"}')" 0

expect "PUT mid 1 -> 2.01" 2.01 psk1 "$URI_D" mitigate --mid 1 --prefix 192.0.2.1/32 --lifetime 600
expect "PUT mid 2 -> 2.01" 2.01 psk1 "$URI_D" mitigate --mid 2 --prefix 192.0.2.2/32 --lifetime 600
expect "PUT outside its prefixes -> 4.01" 4.01 psk1 "$URI_D" mitigate --mid 3 --prefix 10.0.0.1/32 --lifetime 600
expect "GET mid 1 -> 2.05" 2.05 psk1 "$URI_D" get --mid 1
expect "customer3 PUT over TLS -> 2.01" 2.01 psk3 "$URI_T" mitigate --mid 7 --prefix 203.0.113.7/32 --lifetime 600
scrape
check_eq "requests customer1 PUT 2.01 = 2" "$(m 'dotsgw_requests_total{peer="customer1",method="PUT",code="2.01"}')" 2
check_eq "requests customer1 PUT 4.01 = 1" "$(m 'dotsgw_requests_total{peer="customer1",method="PUT",code="4.01"}')" 1
check_eq "requests customer1 GET 2.05 = 1" "$(m 'dotsgw_requests_total{peer="customer1",method="GET",code="2.05"}')" 1
check_eq "requests customer3 PUT 2.01 = 1" "$(m 'dotsgw_requests_total{peer="customer3",method="PUT",code="2.01"}')" 1
check_eq "decisions local = 3" "$(m 'dotsgw_decisions_total{result="local"}')" 3
check_eq "active mitigations customer1 = 2" "$(m 'dotsgw_mitigations_active{peer="customer1"}')" 2
check_eq "mitigations customer1 in progress = 2" \
    "$(m 'dotsgw_mitigations{peer="customer1",status="attack-mitigation-in-progress"}')" 2
check_eq "capacity in use: 3 x the default attack volume" \
    "$(m 'dotsgw_capacity_in_use{unit="bps"}')" 3000000000
check_eq "peer customer1 up" "$(m 'dotsgw_peer_up{peer="customer1"}')" 1
check_eq "peer customer2 not heard from" "$(m 'dotsgw_peer_up{peer="customer2"}')" 0
check_eq "no relay latency without upstreams" "$(m 'dotsgw_relay_latency_seconds_count')" 0
# group commit: the 3 accepted PUTs committed, each answer waited for a
# sync (dotsctl sends NON: held until it), none is waiting now
commits=$(m 'dotsgw_store_commits_total') syncs=$(m 'dotsgw_store_syncs_total')
[ "${commits%.*}" -ge 3 ] 2>/dev/null && pass "store commits counted ($commits)" ||
    fail "store commits" "$commits"
[ "${syncs%.*}" -ge 1 ] 2>/dev/null && [ "${syncs%.*}" -le "${commits%.*}" ] &&
    pass "store syncs counted, at most one per commit ($syncs)" || fail "store syncs" "$syncs of $commits"
check_eq "no answer waiting for a sync" "$(m 'dotsgw_answers_waiting_sync')" 0
check_eq "no store errors" "$(m 'dotsgw_store_errors_total')" 0

expect "DELETE mid 2 -> 2.02" 2.02 psk1 "$URI_D" withdraw --mid 2
scrape
check_eq "requests customer1 DELETE 2.02 = 1" "$(m 'dotsgw_requests_total{peer="customer1",method="DELETE",code="2.02"}')" 1
check_eq "withdrawn mitigation shows status 5" \
    "$(m 'dotsgw_mitigations{peer="customer1",status="dots-client-withdrawn-mitigation"}')" 1
check_eq "capacity in use after the withdrawal" "$(m 'dotsgw_capacity_in_use{unit="bps"}')" 2000000000

# status (control socket)
check_eq "status -> 200" "$(status)" 200
$PY - "$TMP/http.body" "$PFX1" <<'PY' && pass "status JSON: peers, mitigations, targets, decision, capacity" || fail "status JSON" "see above"
import json, sys
j = json.load(open(sys.argv[1]))
def want(c, what):
    if not c: print("missing:", what); sys.exit(1)
want(j["node-id"] == "gw1.test", "node-id")
p = {x["name"]: x for x in j["peers"]}
want(p["customer1"]["up"] is True and p["customer1"]["auth"] == "psk", "customer1 up, psk")
want(p["customer2"]["auth"] == "x509" and p["customer2"]["up"] is False, "customer2")
want(p["customer1"]["idle-config"]["heartbeat-interval"] == 30, "negotiated config")
want(p["customer1"]["idle-config"]["ack-timeout"] == 2.0, "decimal config")
m = {(x["peer"], x["mid"]): x for x in j["mitigations"]}
want(set(m) == {("customer1", 1), ("customer1", 2), ("customer3", 7)}, "mitigation set %s" % set(m))
m1 = m[("customer1", 1)]
want(m1["targets"]["target-prefix"] == ["192.0.2.1/32"], "targets")
want(m1["status-name"] == "attack-mitigation-in-progress", "status")
want(m1["relay"]["local"] is True and "local" in m1["relay"]["reason"], "decision %s" % m1["relay"])
want(m1["relay"]["relay-path"] == ["gw1.test"], "relay path")
want(m[("customer1", 2)]["status"] == 5, "withdrawn status")
want(j["capacity"]["in-use"]["bps"] == 2000000000, "capacity in use")
want(j["capacity"]["configured"]["bps"] == 10000000000, "capacity configured")
want(j["upstreams"] == [], "no upstreams")
PY

# dotsctl status: the same as a table and as JSON, while customer3 keeps
# a TLS session open: it observes its mitigation, for 60 s at most (a
# loaded machine reads the status while the session is there); stopped
# by PID once the session was seen
"$DOTSCTL" -s "$URI_T" $(cred_args psk3) --json get --mid 7 --observe 60 > "$TMP/obs.json" 2>&1 &
OBS=$!
# c3_session: status (200) shows customer3's session
c3_session() {
	[ "$(status)" = 200 ] &&
	    $PY -c 'import json,sys; p={x["name"]: x for x in json.load(open(sys.argv[1]))["peers"]}; sys.exit(not p["customer3"]["sessions"])' \
	    "$TMP/http.body" 2>/dev/null
}
# registered: its first notification (the Observe answer) is printed
wait_for 20 has "$TMP/obs.json" '{"code":"2.05","observe":' && wait_for 10 c3_session ||
    fail "customer3's observing session" "$(head -c 300 "$TMP/obs.json")"
scrape
check_eq "observations held: customer3's" "$(m dotsgw_observations)" 1
"$DOTSCTL" --socket "$GW_SOCK" status > "$TMP/st.txt" 2>&1
check_eq "dotsctl status exits 0" "$?" 0
grep -qE '^  session tls +127\.0\.0\.1:[0-9]+ +last heartbeat ' "$TMP/st.txt" &&
    pass "dotsctl status: customer3's open TLS session" ||
    fail "dotsctl status session line" "$(cat "$TMP/st.txt")"
[ "$(status)" = 200 ] &&
    $PY -c 'import json,sys; p={x["name"]: x for x in json.load(open(sys.argv[1]))["peers"]}; s=p["customer3"]["sessions"]; sys.exit(not (len(s) >= 1 and s[0]["transport"] == "tls" and s[0]["remote"].startswith("127.0.0.1:") and "last-heartbeat-ago" in s[0]))' "$TMP/http.body" &&
    pass "status: the session's transport, address and last heartbeat" ||
    fail "status sessions" "$(head -c 600 "$TMP/http.body")"
stop_pid "$OBS"
# its session's end ends its observation (TCP: at once)
no_observations() { scrape; [ "$(m dotsgw_observations)" = 0 ]; }
wait_for 10 no_observations && pass "observations end with their session" ||
    fail "observations end with their session" "$(m dotsgw_observations) left"
grep -qE '^customer1 +psk +down +up +1 ' "$TMP/st.txt" &&
    pass "dotsctl status: customer1 up with 1 active (the other withdrawn)" ||
    fail "dotsctl status peer line" "$(cat "$TMP/st.txt")"
grep -qE '^customer1 .* 1 +attack-mitigation-in-progress +[0-9]+ +192\.0\.2\.1/32 ' "$TMP/st.txt" &&
    has "$TMP/st.txt" '  path gw1.test (local); ' &&
    pass "dotsctl status: mitigation, targets, path and decision" ||
    fail "dotsctl status mitigation lines" "$(cat "$TMP/st.txt")"
grep -qE '^  bps +2000000000 / 10000000000' "$TMP/st.txt" &&
    pass "dotsctl status: capacity in use / configured" ||
    fail "dotsctl status capacity" "$(cat "$TMP/st.txt")"
"$DOTSCTL" --socket "$GW_SOCK" --json status > "$TMP/st.json" 2>&1
$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(len(j["mitigations"]) != 3)' "$TMP/st.json" &&
    pass "dotsctl --json status: the status JSON" || fail "dotsctl --json status" "$(head -c 300 "$TMP/st.json")"
"$DOTSCTL" --socket "$TMP/no-such.sock" status > /dev/null 2>&1
check_eq "dotsctl status without a control socket exits 2" "$?" 2

check_eq "POST /metrics -> 405" "$(get POST /metrics)" 405
check_eq "GET /nothing -> 404" "$(get GET /nothing)" 404

# a non-loopback admin address is refused unless allow-remote
sed "s/^admin: .*/admin: { address: 192.0.2.1, port: $APORT }/" "$CONF" > "$TMP/remote.yaml"
if "$DOTSGWD" -n -c "$TMP/remote.yaml" 2> "$TMP/remote.err"; then
	fail "non-loopback admin address refused" "dotsgwd -n accepted it"
elif grep -qE "remote\.yaml:[0-9]+: admin\.address: is not a loopback address" "$TMP/remote.err"; then
	pass "non-loopback admin address refused ($(cut -d: -f2 "$TMP/remote.err" | head -n 1 | tr -d ' ')th line)"
else
	fail "non-loopback admin address refused" "$(cat "$TMP/remote.err")"
fi
sed "s/^admin: .*/admin: { address: 192.0.2.1, port: $APORT, allow-remote: true }/" "$CONF" > "$TMP/remote2.yaml"
"$DOTSGWD" -n -c "$TMP/remote2.yaml" 2>/dev/null &&
    pass "allow-remote: true accepts a non-loopback address" ||
    fail "allow-remote: true" "refused"
gw_alive "dotsgwd still running"
exit $((T_FAILS > 0))
