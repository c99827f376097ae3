#!/usr/bin/env bash
# RFC 9133 acl-list activation (issue 6): the ACLs staged for customer1 in
# the config become flowspec rules at a gobgpd "router" (peered with the
# speaker dotsgwd drives, both on 127.0.0.1) when a mitigation request
# activates them, and go with its withdrawal or with a newer request that
# deactivates them; an unknown ACL is 4.04, an acl-list on a refresh 4.00.
. "$(dirname "$0")/../lib.sh"
command -v gobgpd > /dev/null && command -v gobgp > /dev/null ||
    { skip acl_activate "gobgpd not installed"; exit 0; }
t_init

. "$(dirname "$0")/../bgp_lib.sh"

# timeout: a loaded machine may take seconds to run the gobgp CLI; an
# install that timed out would be announced again by a reconcile, which
# section 6 counts as churn
cat >> "$CONF" <<EOF
mitigator:
  type: bgp
  gobgp: $GOBGP_WRAP
  api-port: $SPK_API
  community: "64512:4646"
  timeout: 10000
  reconcile-interval: 2
EOF
$PY - "$CONF" <<'PYEOF'
import sys
p = sys.argv[1]
lines = open(p).read().split("\n")
i = next(n for n, l in enumerate(lines) if l.strip().startswith("psk-key:"))
lines[i + 1:i + 1] = """    mitigation-actions: [rate-limit, discard]
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
            action: drop
          - name: ops
            matches: {destination-prefix: 192.0.2.201/32}
            action: accept
          - name: syn-slow
            matches: {destination-prefix: 192.0.2.202/32, protocol: 6}
            action: rate-limit
            rate-limit: 5000""".split("\n")
open(p, "w").write("\n".join(lines))
PYEOF
gw_start || exit 1
URI=$URI_D

req() {	# FILE PREFIX ACL-LIST-JSON
	cat > "$1" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$2"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": $3
}]}}
EOF
}
DNS='(c.get(1) == {"prefix": "192.0.2.200/32"} and c.get(2) == {"prefix": "198.51.100.0/24"}
and c.get(3) == [{"op": 129, "value": 17}] and c.get(6) == [{"op": 129, "value": 53}]
and a[16]["value"][0]["rate"] == 0)'
SYN='(c.get(1) == {"prefix": "192.0.2.202/32"} and c.get(3) == [{"op": 129, "value": 6}]
and a[16]["value"][0]["rate"] == 5000)'
OPS='c.get(1) == {"prefix": "192.0.2.201/32"}'
SCOPE='c.get(1) == {"prefix": "192.0.2.192/28"}'

# fs_none PYEXPR...: the router holds no route matching any of them (a
# mitigation's rules go one gobgp call after the other: wait for all)
fs_none() {
	local e
	for e in "$@"; do no_fs "$e" || return 1; done
}
# diag_has STRING: the last answer's diagnostic holds STRING (fixed)
diag_has() {
	local d
	d=$(jget 'j.get("diagnostic", "")')
	[[ $d == *"$1"* ]]
}

# --- 1. activation: the ACL's drop and rate-limit aces reach the router ----
req "$TMP/r1.json" 192.0.2.192/28 '[{"acl-name": "block-dns"}]'
ctl psk1 "$URI" mitigate --mid 1 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "request with acl-list [block-dns]: 2.01" ||
    fail "acl-list request" "$(_ctl_why)"
wait_for 10 has_fs "$DNS" &&
    pass "router RIB: ace dns-amp as flowspec dst 192.0.2.200/32 src 198.51.100.0/24 udp sport 53 discard" ||
    fail "drop ace at the router" "$(rib ipv4-flowspec | cut -c1-600)"
wait_for 10 has_fs "$SYN" && pass "router RIB: ace syn-slow as tcp rate-limit 5000 bytes/s" ||
    fail "rate-limit ace" "$(rib ipv4-flowspec | cut -c1-600)"
has_fs "$SCOPE" && pass "the scope's own rule is there too" || fail "scope rule" "missing"
no_fs "$OPS" && pass "the accept ace installs nothing" || fail "accept ace" "announced"

# --- 2. withdrawal removes the ACL's rules with the mitigation's ----------
ctl psk1 "$URI" withdraw --mid 1
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 1" "$(_ctl_why)"
wait_for 10 fs_none "$DNS" "$SYN" "$SCOPE" &&
    pass "withdrawal removes the ACL's rules from the router RIB" ||
    fail "withdrawal" "$(rib ipv4-flowspec | cut -c1-400)"

# --- 3. a newer mid with activation-type deactivate removes them ------------
req "$TMP/r3.json" 192.0.2.192/28 '[{"acl-name": "block-dns", "activation-type": "immediate"}]'
ctl psk1 "$URI" mitigate --mid 3 --file "$TMP/r3.json"
[ "$(code_of)" = 2.01 ] && wait_for 10 has_fs "$DNS" && pass "activation-type immediate: the ACL's rule is at the router" ||
    fail "immediate" "$(_ctl_why) $(rib ipv4-flowspec | cut -c1-300)"
req "$TMP/r4.json" 192.0.2.192/28 '[{"acl-name": "block-dns", "activation-type": "deactivate"}]'
ctl psk1 "$URI" mitigate --mid 4 --file "$TMP/r4.json"
[ "$(code_of)" = 2.01 ] && wait_for 10 no_fs "$DNS" && wait_for 10 has_fs "$SCOPE" &&
    pass "mid 4 deactivate: the ACL's rules go, the scope's rule stays" ||
    fail "deactivate" "$(_ctl_why) $(rib ipv4-flowspec | cut -c1-300)"

# --- 4. refused: unknown ACL, acl-list on a refresh, in idle time ----------
req "$TMP/r5.json" 192.0.2.208/28 '[{"acl-name": "nope"}]'
ctl psk1 "$URI" mitigate --mid 5 --file "$TMP/r5.json"
[ "$(code_of)" = 4.04 ] && diag_has "acl-name 'nope': no such ACL for peer customer1" &&
    pass "unknown ACL: 4.04 with diagnostic" || fail "unknown ACL" "$(_ctl_why)"
ctl psk1 "$URI" mitigate --mid 4 --file "$TMP/r4.json"
[ "$(code_of)" = 4.00 ] && diag_has "acl-list needs a new mid" &&
    pass "acl-list on a refresh of mid 4: 4.00" || fail "refresh with acl-list" "$(_ctl_why)"
sed 's/"lifetime": 600/"lifetime": 600, "trigger-mitigation": false/' "$TMP/r1.json" > "$TMP/r6.json"
ctl psk1 "$URI" mitigate --mid 6 --file "$TMP/r6.json"
[ "$(code_of)" = 4.00 ] && diag_has "not processed in idle time" &&
    pass "acl-list with trigger-mitigation false: 4.00" || fail "idle acl-list" "$(_ctl_why)"
no_fs "$DNS" && pass "no refused request installed the ACL" || fail "refused install" "rule present"
gw_alive "dotsgwd survives"

# --- 5. kill -9 and restart with the state store: the ACL's rules stay ------
req "$TMP/r7.json" 192.0.2.224/28 '[{"acl-name": "block-dns"}]'
ctl psk1 "$URI" mitigate --mid 7 --file "$TMP/r7.json"
[ "$(code_of)" = 2.01 ] || fail "mid 7 request" "$(_ctl_why)"
wait_for 10 has_fs "$DNS" && wait_for 10 has_fs "$SYN" ||
    fail "mid 7 ACL rules" "not at the router"
mark=$(log_mark "$GW_LOG")
stop_pid "$GW_PID" KILL
GW_PID=
gw_start || exit 1
# a whole reconcile after the restart: it would withdraw rules the
# restored table does not own as orphans (in the log since the restart:
# an earlier withdrawal is not this check's business)
wait_reconcile 20 || fail "reconcile after the restart" "none ran within 20 s"
log_since "$GW_LOG" "$mark" "$TMP/restart.log"
has_fs "$DNS" && has_fs "$SYN" &&
    ! has_seq "$TMP/restart.log" "orphan ipv4-flowspec " "192.0.2.200/32" &&
    [ "$(count_of "$GW_LOG" 'mid 7: bgp rule 2/3: match destination 192.0.2.200/32')" = 2 ] &&
    pass "restart with state: the restored mitigation rebuilds its ACL's rules" ||
    fail "restored ACL rules" "$(grep -F '192.0.2.20' "$GW_LOG" | tail -n 3)"
ctl psk1 "$URI" withdraw --mid 7
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 7" "$(_ctl_why)"
wait_for 10 fs_none "$DNS" "$SYN" &&
    pass "and withdrawing it after the restart removes them" ||
    fail "withdraw after restart" "$(rib ipv4-flowspec | cut -c1-300)"
# --- 6. one ACL in two mitigations: its route goes with the last of them ---
# The speaker knows a flowspec route by its NLRI: both mitigations' rule
# for ace dns-amp is one route, carrying the tag of the last announcer.
req "$TMP/r8.json" 192.0.2.224/28 '[{"acl-name": "block-dns"}]'
req "$TMP/r9.json" 192.0.2.240/28 '[{"acl-name": "block-dns"}]'
mark=$(log_mark "$GW_LOG")	# the log of this section, for its reconcile check
ctl psk1 "$URI" mitigate --mid 8 --file "$TMP/r8.json"
[ "$(code_of)" = 2.01 ] || fail "mid 8 with the ACL" "$(_ctl_why)"
ctl psk1 "$URI" mitigate --mid 9 --file "$TMP/r9.json"
[ "$(code_of)" = 2.01 ] || fail "mid 9 with the same ACL" "$(_ctl_why)"
S240='c.get(1) == {"prefix": "192.0.2.240/28"}'
S224='c.get(1) == {"prefix": "192.0.2.224/28"}'
dns_routes() {	# the mids of the router routes of ace dns-amp (their tags)
	rib_py ipv4-flowspec '
mids = []
for k, paths in d.items():
    for p in paths:
        c = {x["type"]: x["value"] for x in p["nlri"]["value"]}
        if c.get(1) == {"prefix": "192.0.2.200/32"}:
            a = {x["type"]: x for x in p["attrs"]}
            mids += [v["LocalData2"] for v in a.get(32, {}).get("value", [])]
print(" ".join(map(str, mids)))' || echo "<RIB unreadable>"
}
dns_is() { [ "$(dns_routes)" = "$1" ]; }
# mid 9's rules go out one after the other: its scope rule is no sign
# that the shared one carries its tag yet
wait_for 10 has_fs "$S240" && wait_for 10 dns_is 9 &&
    pass "two mitigations, one ACL: one route at the router, tagged mid 9 (the last)" ||
    fail "shared route" "$(dns_routes)"
ctl psk1 "$URI" withdraw --mid 9
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 9" "$(_ctl_why)"
wait_for 10 no_fs "$S240" && wait_for 10 dns_is 8 &&
    pass "withdraw mid 9: the shared route stays, announced again for mid 8" ||
    fail "shared route after mid 9" "[$(dns_routes)]"
wait_log 10 "$GW_LOG" "mid 9: 2 rule(s) stay, shared with another mitigation" &&
    pass "log: mid 9's two ACL rules stay, shared" ||
    fail "shared log" "$(grep -F 'mid 9' "$GW_LOG" | tail -n 2)"
# a whole reconcile (every 2 s) after it agrees: no orphan, no re-announce
wait_reconcile 20 || fail "reconcile after mid 9" "none ran within 20 s"
log_since "$GW_LOG" "$mark" "$TMP/shared.log"
[ "$(dns_routes)" = 8 ] && has_fs "$SYN" && has_fs "$S224" &&
    ! has_seq "$TMP/shared.log" "orphan ipv4-flowspec " "192.0.2.200/32" &&
    ! has_seq "$TMP/shared.log" "mid 8: " " announcing again" &&
    pass "after a reconcile: the shared routes are still there, nothing withdrawn or re-sent" ||
    fail "reconcile of the shared route" "[$(dns_routes)] $(grep -F -e orphan -e again "$TMP/shared.log" | tail -n 3)"
ctl psk1 "$URI" withdraw --mid 8
[ "$(code_of)" = 2.02 ] || fail "withdraw mid 8" "$(_ctl_why)"
wait_for 10 fs_none "$DNS" "$SYN" "$S224" &&
    pass "withdraw mid 8 too: the last owner takes the shared routes with it" ||
    fail "last owner" "$(rib ipv4-flowspec | cut -c1-300)"
exit $((T_FAILS > 0))
