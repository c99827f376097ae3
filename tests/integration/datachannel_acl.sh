#!/usr/bin/env bash
# The DOTS data channel's filtering ACLs (RFC 8783 §7, issue 15): curl,
# an independent HTTPS client with mutual X.509, sends the RFC's ACL
# example bodies as they are and gets the RFC's answers (201, GET with
# content=all/config/nonconfig, 204); every bad input gets its exact
# status and error-tag; ETags and If-Match/If-None-Match (412); insert/
# point ordering; another peer's ACLs are not found; a restart keeps them.
# Then the wiring: an immediate ACL is a mitigator rule at once, an
# activate-when-mitigating one only while a signal-channel mitigation
# naming it in its acl-list (RFC 9133) is active.
. "$(dirname "$0")/../lib.sh"
t_init
command -v curl >/dev/null || { skip datachannel_acl.sh "curl missing"; exit 0; }
. "$(dirname "$0")/../dc_lib.sh"
dc_gw_start "max-acls-per-peer: 4" || exit 1

CUID=dz6pHjaADkaFTbjr0JGBpw
C=$DATA/dots-client=$CUID

# --- registration -------------------------------------------------------------
http customer2 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}')"
status "register $CUID" 201
http customer4 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"other4"}]}')"
status "customer4 registers other4" 201

# --- RFC 8783 §7.2 Figure 24, as is -----------------------------------------------
FIG24=$(body "$RFC8783_FIG24")
cp "$FIG24" "$TMP/fig24.json"
http customer2 POST "$C" "$TMP/fig24.json"
status "Figure 24: activate-when-mitigating drop ACL" 201
check_eq "Figure 24: Location" \
    "$(tr -d '\r' < "$HDRS" | sed -n 's/^[Ll]ocation: //p')" \
    "$C/acls/acl=sample-ipv4-acl"
http customer2 POST "$C" "$TMP/fig24.json"
error "Figure 24 again (POST): duplicate name" 409 resource-denied

# --- RFC 8783 §7.3 Figure 25, as is ------------------------------------------------
FIG25=$RFC8783_FIG25
http customer2 PUT "$C/acls/acl=test-acl-ipv6-udp" "$(body "$FIG25")"
status "Figure 25: PUT immediate accept ACL (created)" 201
http customer2 GET "$C/acls?content=all"
status "Figure 26: GET acls?content=all" 200
check_eq "Figure 27: both ACLs, in order" \
    "$(bj '[a["name"] for a in j["ietf-dots-data-channel:acls"]["acl"]]')" \
    '["sample-ipv4-acl", "test-acl-ipv6-udp"]'
check_eq "Figure 27: the config as PUT, plus pending-lifetime" \
    "$(bj '{k: v for k, v in j["ietf-dots-data-channel:acls"]["acl"][1].items() if k != "pending-lifetime"} == '"$(printf '%s' "$FIG25" | tr -d '\n')"'["ietf-dots-data-channel:acls"]["acl"][0]')" true
pl=$(bj 'j["ietf-dots-data-channel:acls"]["acl"][1]["pending-lifetime"]')
[[ $pl =~ ^[0-9]+$ ]] && [ "$pl" -ge 10079 ] && [ "$pl" -le 10080 ] &&
    pass "pending-lifetime $pl minutes (RFC 8783: at least a week)" ||
    fail "pending-lifetime" "$pl"
ET_ALL=$(etag)
[ -n "$ET_ALL" ] && pass "GET acls: ETag $ET_ALL" || fail "GET acls ETag" "none"
http customer2 GET "$C/acls?content=config"
check_eq "Figure 29: content=config: no pending-lifetime" \
    "$(bj '["pending-lifetime" in a for a in j["ietf-dots-data-channel:acls"]["acl"]]')" '[false, false]'
check_eq "content=config and all share the ETag" "$(etag)" "$ET_ALL"
http customer2 GET "$C/acls/acl=test-acl-ipv6-udp?content=nonconfig"
status "Figure 30: GET one ACL, content=nonconfig (erratum 6496)" 200
check_eq "Figure 31: name, pending-lifetime, the ace names" \
    "$(bj '[sorted(j["ietf-dots-data-channel:acls"]["acl"][0]), j["ietf-dots-data-channel:acls"]["acl"][0]["aces"]]')" \
    '[["aces", "name", "pending-lifetime"], {"ace": [{"name": "my-test-ace"}]}]'
http customer2 GET "$C/acls/acl=test-acl-ipv6-udp?content=bogus"
error "content=bogus" 400 invalid-value

# --- ETags, If-Match, If-None-Match ------------------------------------------------
http customer2 GET "$C/acls/acl=test-acl-ipv6-udp"
ET=$(etag)
[ -n "$ET" ] && pass "GET one ACL: ETag $ET" || fail "one ACL ETag" none
http customer2 GET "$C/acls/acl=test-acl-ipv6-udp" "" "If-None-Match: $ET"
status "GET with If-None-Match of the current tag" 304
http customer2 PUT "$C/acls/acl=test-acl-ipv6-udp" "$(body "$FIG25")" 'If-Match: "0000000000000000"'
error "PUT with a stale If-Match" 412 operation-failed
http customer2 DELETE "$C/acls/acl=test-acl-ipv6-udp" "" 'If-Match: "0000000000000000"'
error "DELETE with a stale If-Match" 412 operation-failed
http customer2 PUT "$C/acls/acl=test-acl-ipv6-udp" "$(body "$FIG25")" "If-None-Match: *"
error "PUT If-None-Match * on an existing ACL" 412 operation-failed
http customer2 PUT "$C/acls/acl=test-acl-ipv6-udp" "$(body "$FIG25")" "If-Match: $ET"
status "PUT with the current If-Match: refreshed" 204
check_eq "the refresh keeps the ETag (same config)" "$(etag)" "$ET"

# --- ETags on aliases too -----------------------------------------------------------
AL='{"ietf-dots-data-channel:alias":[{"name":"www","target-prefix":["198.51.100.80/32"]}]}'
http customer2 PUT "$C/aliases/alias=www" "$(body "$AL")"
status "alias www" 201
http customer2 GET "$C/aliases/alias=www"
AET=$(etag)
[ -n "$AET" ] && pass "GET alias: ETag $AET" || fail "alias ETag" none
http customer2 GET "$C/aliases" "" "If-None-Match: $AET"
status "If-None-Match of one alias's tag on the list: not that tag" 200
http customer2 GET "$C/aliases/alias=www" "" "If-None-Match: $AET"
status "GET alias with If-None-Match of its tag" 304
http customer2 PUT "$C/aliases/alias=www" "$(body "$AL")" 'If-Match: "0000000000000000"'
error "PUT alias with a stale If-Match" 412 operation-failed
http customer2 DELETE "$C/aliases/alias=www" "" 'If-Match: "0000000000000000"'
error "DELETE alias with a stale If-Match" 412 operation-failed
http customer2 DELETE "$C/aliases/alias=www" "" "If-Match: $AET"
status "DELETE alias with its If-Match" 204

# --- bad input: exact status and error-tag ------------------------------------------
A="$C/acls/acl=bad"
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad",')"
error "malformed JSON" 400 malformed-message
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","colour":"red"}]}}')"
error "unknown node" 400 unknown-element
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","type":"ipv4-acl-type","aces":{"ace":[{"name":"a","matches":{"ipv4":{"protocol":"udp"}},"actions":{"forwarding":"drop"}}]}}]}}')"
error "wrong type (protocol as a string)" 400 invalid-value
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","aces":{"ace":[{"name":"a"}]}}]}}')"
error "an ace without actions" 400 missing-attribute
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","pending-lifetime":5}]}}')"
error "pending-lifetime is config false" 400 invalid-value
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"other"}]}}')"
error "the body names another ACL than the URI" 400 invalid-value
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","type":"ipv4-acl-type","aces":{"ace":[{"name":"a","matches":{"ipv4":{"destination-ipv4-network":"203.0.113.0/24"}},"actions":{"forwarding":"drop"}}]}}]}}')"
error "prefix not owned" 403 access-denied
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","type":"ipv4-acl-type","aces":{"ace":[{"name":"a","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.0/24","ttl":3}},"actions":{"forwarding":"drop"}}]}}]}}')"
error "a match flowspec cannot carry (ttl)" 501 operation-not-supported
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","type":"ipv4-acl-type","activation-type":"immediate","aces":{"ace":[{"name":"a","matches":{"udp":{"destination-port-range-or-operator":{"port":53}}},"actions":{"forwarding":"drop"}}]}}]}}')"
error "immediate without a destination network" 400 missing-attribute
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"bad","type":"ipv4-acl-type","aces":{"ace":[{"name":"ok","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.0/24","source-ipv4-network":"192.0.2.7/32"}},"actions":{"forwarding":"accept"}}]}}]}}')"
error "accept-list conflict with sample-ipv4-acl's drop" 409 resource-denied
$PY -c 'import sys; sys.stdout.write("{\"x\":\"" + "a" * 70000 + "\"}")' > "$TMP/big.json"
http customer2 PUT "$A" "$TMP/big.json"
error "oversized body" 413 too-big
http customer2 GET "$A"
error "nothing was kept of the refused bodies" 404 invalid-value
http customer2 POST "$C/acls" "$TMP/fig24.json"
error "POST to .../acls (POST to the dots-client)" 405 operation-not-supported

# --- insert/point ordering (RFC 8040 §4.8.5-6) ---------------------------------------
mk() { body '{"ietf-dots-data-channel:acls":{"acl":[{"name":"'$1'","type":"ipv4-acl-type","activation-type":"deactivate","aces":{"ace":[{"name":"a","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.'$2'/32"}},"actions":{"forwarding":"drop"}}]}}]}}'; }
http customer2 POST "$C?insert=first" "$(mk first 1)"
status "insert=first" 201
http customer2 PUT "$C/acls/acl=mid?insert=after&point=$C/acls/acl=first" "$(mk mid 2)"
status "insert=after&point=first" 201
http customer2 GET "$C/acls?content=config"
check_eq "the client's order" \
    "$(bj '[a["name"] for a in j["ietf-dots-data-channel:acls"]["acl"]]')" \
    '["first", "mid", "sample-ipv4-acl", "test-acl-ipv6-udp"]'
http customer2 PUT "$C/acls/acl=first?insert=last" "$(mk first 1)"
status "PUT first?insert=last (replaced, moved)" 204
http customer2 GET "$C/acls?content=config"
check_eq "first moved to the end" \
    "$(bj '[a["name"] for a in j["ietf-dots-data-channel:acls"]["acl"]]')" \
    '["mid", "sample-ipv4-acl", "test-acl-ipv6-udp", "first"]'
http customer2 PUT "$C/acls/acl=x?insert=before&point=nosuch" "$(mk x 3)"
error "point names no ACL" 400 invalid-value
http customer2 PUT "$C/acls/acl=x?insert=sideways" "$(mk x 3)"
error "insert=sideways" 400 invalid-value
http customer2 PUT "$C/acls/acl=x" "$(mk x 3)"
error "a fifth ACL: over the peer's quota (4)" 409 resource-denied

# --- other peers -----------------------------------------------------------------------
http customer4 GET "$C/acls/acl=sample-ipv4-acl"
error "another peer's ACL" 404 invalid-value
http customer4 DELETE "$C/acls/acl=sample-ipv4-acl"
error "another peer's ACL cannot be deleted" 404 invalid-value
http customer4 GET "$DATA/dots-client=other4/acls"
check_eq "customer4 sees none of customer2's ACLs" \
    "$(bj 'j["ietf-dots-data-channel:acls"]["acl"]')" '[]'

# --- the mitigator: immediate at once, activate-when-mitigating with a mitigation -----
DROP='{"ietf-dots-data-channel:acls":{"acl":[{"name":"block-ntp","type":"ipv4-acl-type","activation-type":"immediate","aces":{"ace":[{"name":"ntp","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.16/28"},"udp":{"source-port-range-or-operator":{"port":123}}},"actions":{"forwarding":"drop"}}]}}]}}'
http customer2 DELETE "$C/acls/acl=first"
status "DELETE first (room under the quota)" 204
NTP_RULE="match destination 198.51.100.16/28 protocol ==17 source-port ==123 then discard"
AWM_RULE="match destination 198.51.100.0/24 source 192.0.2.0/24 then discard"
http customer2 PUT "$C/acls/acl=block-ntp" "$(body "$DROP")"
status "PUT immediate drop ACL block-ntp" 201
wait_log 10 "$GW_LOG" "$NTP_RULE" &&
    pass "immediate: a mitigator rule at once ($NTP_RULE)" ||
    fail "immediate ACL rule" "$(grep -F 'log rule' "$GW_LOG" | tail -n 3)"
has "$GW_LOG" "$AWM_RULE" &&
    fail "activate-when-mitigating" "installed without a mitigation" ||
    pass "activate-when-mitigating: no rule without a mitigation"
req() {	# FILE PREFIX ACL-LIST-JSON
	cat > "$1" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$2"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": $3
}]}}
EOF
}
req "$TMP/r1.json" 198.51.100.64/28 '[{"acl-name": "nosuch"}]'
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 1 --file "$TMP/r1.json"
check_eq "acl-list naming no ACL: 4.04" "$(code_of)" 4.04
req "$TMP/r2.json" 198.51.100.64/28 '[{"acl-name": "sample-ipv4-acl"}]'
ctl pki2 "$URI_D" --cuid "other" mitigate --mid 2 --file "$TMP/r2.json"
check_eq "acl-list naming another cuid's ACL: 4.04" "$(code_of)" 4.04
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 3 --file "$TMP/r2.json"
check_eq "acl-list naming the data-channel ACL sample-ipv4-acl: 2.01" "$(code_of)" 2.01
wait_log 10 "$GW_LOG" "$AWM_RULE" &&
    pass "activate-when-mitigating: a rule while mitigating ($AWM_RULE)" ||
    fail "activate-when-mitigating rule" "$(grep -F 'log rule' "$GW_LOG" | tail -n 3)"
ctl pki2 "$URI_D" --cuid "$CUID" withdraw --mid 3
check_eq "withdraw mid 3" "$(code_of)" 2.02
wait_log 10 "$GW_LOG" "ACL sample-ipv4-acl inactive" &&
    pass "the mitigation ended: its activate-when-mitigating rule is withdrawn" ||
    fail "withdrawal of the ACL's rule" "$(grep -F 'sample-ipv4-acl' "$GW_LOG" | tail -n 3)"

# log_count STRING: lines of the daemon log holding STRING (it goes on
# across restarts); more STRING N: more than N now
log_count() { grep -cF -- "$1" "$GW_LOG"; }
more() { [ "$(log_count "$1")" -gt "$2" ]; }

# --- RFC 9133: the acl-list's activation-type updates the ACL ---------------------------
n_awm=$(log_count "$AWM_RULE")
req "$TMP/r4.json" 198.51.100.64/28 '[{"acl-name": "sample-ipv4-acl", "activation-type": "immediate"}]'
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 4 --file "$TMP/r4.json"
check_eq "acl-list sample-ipv4-acl activation-type immediate: 2.01" "$(code_of)" 2.01
wait_for 10 more "$AWM_RULE" "$n_awm" &&
    pass "the ACL's rule again" || fail "immediate via acl-list" "no rule"
http customer2 GET "$C/acls/acl=sample-ipv4-acl?content=config"
check_eq "the data channel shows activation-type immediate" \
    "$(bj 'j["ietf-dots-data-channel:acls"]["acl"][0]["activation-type"]')" immediate
n_off=$(log_count "ACL sample-ipv4-acl inactive")
ctl pki2 "$URI_D" --cuid "$CUID" withdraw --mid 4
check_eq "withdraw mid 4" "$(code_of)" 2.02
wait_log 10 "$GW_LOG" "cuid $CUID mid 4: withdrawing" ||
    fail "mid 4's rules withdrawn" none
[ "$(log_count "ACL sample-ipv4-acl inactive")" = "$n_off" ] &&
    pass "immediate: the ACL's rule outlives mid 4" ||
    fail "immediate outlives the mitigation" "withdrawn with mid 4"
req "$TMP/r5.json" 198.51.100.80/28 '[{"acl-name": "sample-ipv4-acl", "activation-type": "deactivate"}]'
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 5 --file "$TMP/r5.json"
check_eq "acl-list sample-ipv4-acl activation-type deactivate: 2.01" "$(code_of)" 2.01
wait_for 10 more "ACL sample-ipv4-acl inactive" "$n_off" &&
    pass "deactivate: the rule is withdrawn while mid 5 mitigates" ||
    fail "deactivate via acl-list" "$(grep -F 'sample-ipv4-acl' "$GW_LOG" | tail -n 3)"
http customer2 GET "$C/acls/acl=sample-ipv4-acl?content=config"
check_eq "the data channel shows activation-type deactivate" \
    "$(bj 'j["ietf-dots-data-channel:acls"]["acl"][0]["activation-type"]')" deactivate

# --- restart ------------------------------------------------------------------------------
# an immediate ACL of a client without mitigations: only the ACLs'
# own restore can install it again (a restored mitigation of CUID
# applies CUID's ACLs too)
http customer2 DELETE "$C/acls/acl=mid"
status "DELETE mid (room under the quota)" 204
http customer2 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"c2b"}]}')"
status "register c2b" 201
SSDP='{"ietf-dots-data-channel:acls":{"acl":[{"name":"block-ssdp","type":"ipv4-acl-type","activation-type":"immediate","aces":{"ace":[{"name":"ssdp","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.32/28"},"udp":{"source-port-range-or-operator":{"port":1900}}},"actions":{"forwarding":"drop"}}]}}]}}'
http customer2 POST "$DATA/dots-client=c2b" "$(body "$SSDP")"
status "c2b: immediate ACL block-ssdp" 201
SSDP_RULE="match destination 198.51.100.32/28 protocol ==17 source-port ==1900 then discard"
wait_log 10 "$GW_LOG" "$SSDP_RULE" && pass "c2b: its rule" ||
    fail "c2b rule" "$(grep -F 'log rule' "$GW_LOG" | tail -n 3)"
n_ntp=$(log_count "$NTP_RULE")
n_ssdp=$(log_count "$SSDP_RULE")
gw_stop
gw_start || exit 1
http customer2 GET "$C/acls?content=config"
check_eq "after a restart: the ACLs, in the client's order" \
    "$(bj '[a["name"] for a in j["ietf-dots-data-channel:acls"]["acl"]]')" \
    '["sample-ipv4-acl", "test-acl-ipv6-udp", "block-ntp"]'
wait_for 10 more "$SSDP_RULE" "$n_ssdp" &&
    pass "after a restart: the immediate ACL of a client without mitigations has its rule again" ||
    fail "immediate rule after restart (no mitigation)" "$(grep -F 'log rule' "$GW_LOG" | tail -n 3)"
check_eq "after a restart: the ETag of test-acl-ipv6-udp is the same" \
    "$(http customer2 GET "$C/acls/acl=test-acl-ipv6-udp"; etag)" "$ET"
wait_for 10 more "$NTP_RULE" "$n_ntp" &&
    pass "after a restart: the immediate ACL's rule again" ||
    fail "immediate rule after restart" "$(grep -F 'log rule' "$GW_LOG" | tail -n 3)"

# --- deletion -------------------------------------------------------------------------------
http customer2 DELETE "$C/acls/acl=block-ntp"
status "DELETE block-ntp" 204
wait_log 10 "$GW_LOG" "ACL block-ntp inactive" &&
    pass "deleted: its rule is withdrawn" || fail "rule withdrawal on delete" none
http customer2 DELETE "$C"
status "DELETE dots-client" 204
http customer2 GET "$C/acls"
error "a deregistered client's ACLs" 404 invalid-value
gw_alive "dotsgwd still runs"
exit $((T_FAILS > 0))
