#!/usr/bin/env bash
# The DOTS data channel (RFC 8783, issue 15, first slice): curl, an
# independent HTTPS client with mutual X.509, sends the RFC's example
# requests for registration, capabilities and aliases and gets the exact
# status and bodies; bad input gets the exact status and error-tag;
# a client without a certificate or with an unknown one fails the
# handshake; another peer's objects are not found; aliases survive a
# restart; a signal-channel mitigation by alias-name is accepted with the
# alias's targets (an unknown alias is 4.04).
. "$(dirname "$0")/../lib.sh"
t_init
command -v curl >/dev/null || { skip datachannel.sh "curl missing"; exit 0; }
. "$(dirname "$0")/../dc_lib.sh"
dc_gw_start "max-aliases-per-peer: 3" || exit 1

CUID=dz6pHjaADkaFTbjr0JGBpw

# --- discovery -------------------------------------------------------------
http customer2 GET /.well-known/host-meta
status "host-meta" 200
grep -qF "<Link rel='restconf' href='/restconf'/>" "$BODY" &&
    pass "host-meta: XRD link to /restconf" || fail "host-meta link" "$(cat "$BODY")"
http customer2 GET /restconf/yang-library-version
check_eq "yang-library-version" "$(bj 'j["ietf-restconf:yang-library-version"]')" 2016-06-21

# --- registration (RFC 8783 §6.1) -------------------------------------------
REG=$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}')
http customer2 POST "$DATA" "$REG"
status "register (POST)" 201
http customer2 POST "$DATA" "$REG"
error "register again (POST)" 409 resource-denied
http customer2 PUT "$DATA/dots-client=$CUID" "$REG"
status "register (PUT, exists)" 204
http customer2 GET "$DATA/dots-client=$CUID"
check_eq "GET dots-client" "$(bj 'j["ietf-dots-data-channel:dots-client"]')" "[{\"cuid\": \"$CUID\"}]"
http customer4 PUT "$DATA/dots-client=$CUID" "$REG"
error "another peer registers the same cuid" 409 resource-denied
http customer2 PUT "$DATA/dots-client=$CUID" \
    "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'","cdid":"x"}]}')"
status "cdid from a peer that is no trusted gateway" 204
http customer2 GET "$DATA/dots-client=$CUID"
check_eq "its cdid is not kept" "$(bj 'j["ietf-dots-data-channel:dots-client"][0].get("cdid")')" null

# --- capabilities -------------------------------------------------------------
http customer2 GET "$DATA/capabilities"
status "capabilities" 200
check_eq "capabilities: address families" \
    "$(bj 'j["ietf-dots-data-channel:capabilities"]["address-family"]')" '["ipv4", "ipv6"]'
check_eq "capabilities: transport protocols" \
    "$(bj 'j["ietf-dots-data-channel:capabilities"]["transport-protocols"]')" '[1, 6, 17, 58]'

# --- aliases (RFC 8783 §6.1: the RFC's example body, as is) -------------------
ALIAS=$(body '{
  "ietf-dots-data-channel:aliases": {
    "alias": [
      {
        "name": "https1",
        "target-protocol": [6],
        "target-prefix": ["2001:db8:6401::1/128", "2001:db8:6401::2/128"],
        "target-port-range": [{"lower-port": 443}]
      }
    ]
  }
}')
http customer2 POST "$DATA/dots-client=$CUID" "$ALIAS"
status "alias https1 created (RFC example)" 201
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=https1?content=all"
status "GET alias https1" 200
check_eq "GET alias https1: config as sent" \
    "$(bj '{k: v for k, v in j["ietf-dots-data-channel:alias"][0].items() if k != "pending-lifetime"}')" \
    '{"name": "https1", "target-port-range": [{"lower-port": 443}], "target-prefix": ["2001:db8:6401::1/128", "2001:db8:6401::2/128"], "target-protocol": [6]}'
pl=$(bj 'j["ietf-dots-data-channel:alias"][0]["pending-lifetime"]')
[[ $pl =~ ^[0-9]+$ ]] && [ "$pl" -ge 10079 ] && [ "$pl" -le 10080 ] &&
    pass "pending-lifetime $pl minutes (a week)" || fail "pending-lifetime" "$pl"
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=https1?content=config"
check_eq "content=config: no pending-lifetime" \
    "$(bj '"pending-lifetime" in j["ietf-dots-data-channel:alias"][0]')" false
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=https1?content=nonconfig"
check_eq "content=nonconfig: name and pending-lifetime" \
    "$(bj 'sorted(j["ietf-dots-data-channel:alias"][0])')" '["name", "pending-lifetime"]'
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=https1?content=bogus"
error "content=bogus" 400 invalid-value
http customer2 POST "$DATA/dots-client=$CUID" "$ALIAS"
error "alias https1 again (POST)" 409 resource-denied
ONE='{"ietf-dots-data-channel:alias":[{"name":"web2","target-prefix":["198.51.100.7/32"],"target-protocol":[17]}]}'
http customer2 PUT "$DATA/dots-client=$CUID/aliases/alias=web2" "$(body "$ONE")"
status "PUT alias web2 (created)" 201
http customer2 PUT "$DATA/dots-client=$CUID/aliases/alias=web2" "$(body "$ONE")"
status "PUT alias web2 (replaced)" 204
http customer2 GET "$DATA/dots-client=$CUID/aliases"
check_eq "GET all aliases" "$(bj '[a["name"] for a in j["ietf-dots-data-channel:aliases"]["alias"]]')" '["https1", "web2"]'

# --- bad input -----------------------------------------------------------------
A="$DATA/dots-client=$CUID/aliases/alias=bad"
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:alias":[{"name":"bad",')"
error "malformed JSON" 400 malformed-message
check_eq "malformed JSON: error-type rpc (RFC 6241 Appendix A)" \
    "$(bj 'j["ietf-restconf:errors"]["error"][0]["error-type"]')" rpc
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:alias":[{"name":"bad","target-prefix":["198.51.100.1/32"],"colour":"red"}]}')"
error "unknown node" 400 unknown-element
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:alias":[{"name":"bad","target-prefix":["198.51.100.1/32"],"target-protocol":["six"]}]}')"
error "wrong type (target-protocol)" 400 invalid-value
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:alias":[{"name":"bad","target-protocol":[6]}]}')"
error "no target" 400 missing-attribute
http customer2 PUT "$A" "$(body '{"ietf-dots-data-channel:alias":[{"name":"bad","target-prefix":["203.0.113.1/32"]}]}')"
error "prefix not owned" 403 access-denied
check_eq "prefix not owned: error-type application, a message" \
    "$(bj '[j["ietf-restconf:errors"]["error"][0]["error-type"], "outside" in j["ietf-restconf:errors"]["error"][0]["error-message"]]')" \
    '["application", true]'
$PY -c 'import sys; sys.stdout.write("{\"x\":\"" + "a" * 70000 + "\"}")' > "$TMP/big.json"
http customer2 PUT "$A" "$TMP/big.json"
check_eq "oversized body: HTTP 413" "$CODE" 413
http customer2 PUT "$DATA/dots-client=$CUID/aliases/alias=q3" "$(body '{"ietf-dots-data-channel:alias":[{"name":"q3","target-prefix":["198.51.100.3/32"]}]}')"
status "third alias (quota 3)" 201
http customer2 PUT "$DATA/dots-client=$CUID/aliases/alias=q4" "$(body '{"ietf-dots-data-channel:alias":[{"name":"q4","target-prefix":["198.51.100.4/32"]}]}')"
error "fourth alias: over the peer's quota" 409 resource-denied

# --- authentication, other peers -------------------------------------------------
http none GET "$DATA/capabilities"
[ "$CODE" = 000 ] && [ "$CURL_RC" -ne 0 ] &&
    pass "no client certificate: the handshake fails (curl exit $CURL_RC)" ||
    fail "no client certificate" "HTTP $CODE, curl exit $CURL_RC"
http stranger GET "$DATA/capabilities"
[ "$CODE" = 000 ] && [ "$CURL_RC" -ne 0 ] &&
    pass "unknown certificate: the handshake fails (curl exit $CURL_RC)" ||
    fail "unknown certificate" "HTTP $CODE, curl exit $CURL_RC"
wait_log 5 "$GW_LOG" "data channel: refused certificate" &&
    pass "the refusal is logged" || fail "refusal log" "none"
http customer4 GET "$DATA/dots-client=$CUID/aliases/alias=https1"
error "another peer's alias" 404 invalid-value
http customer4 DELETE "$DATA/dots-client=$CUID"
error "another peer's client cannot be deleted" 404 invalid-value

# --- signal channel: alias-name --------------------------------------------------
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 1 --alias https1 --lifetime 600
check_eq "mitigation by alias-name https1" "$(code_of)" 2.01
ctl pki2 "$URI_D" --cuid "$CUID" get --mid 1
check_j "its targets are the alias's" 2.05 \
    '[s["target-prefix"], s["target-protocol"], s["target-port-range"], "alias-name" in s]' \
    '[["2001:db8:6401::1/128", "2001:db8:6401::2/128"], [6], [{"lower-port": 443}], false]'
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 2 --alias nosuch --lifetime 600
check_eq "unknown alias-name: 4.04" "$(code_of)" 4.04
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 3 --alias web2 --prefix 198.51.100.9/32 --lifetime 600
check_eq "alias-name with a target-prefix: accepted" "$(code_of)" 2.01

# --- restart -----------------------------------------------------------------------
gw_stop
gw_start || exit 1
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=https1?content=config"
check_eq "after a restart: alias https1 kept" \
    "$(bj 'j["ietf-dots-data-channel:alias"][0]["target-prefix"]')" '["2001:db8:6401::1/128", "2001:db8:6401::2/128"]'
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 4 --alias web2 --lifetime 600
check_eq "after a restart: mitigation by alias-name web2" "$(code_of)" 2.01

# --- deletion ----------------------------------------------------------------------
http customer2 DELETE "$DATA/dots-client=$CUID/aliases/alias=web2"
status "DELETE alias web2" 204
http customer2 GET "$DATA/dots-client=$CUID/aliases/alias=web2"
error "deleted alias" 404 invalid-value
http customer2 DELETE "$DATA/dots-client=$CUID"
status "DELETE dots-client" 204
http customer2 GET "$DATA/dots-client=$CUID/aliases"
error "a deregistered client's aliases" 404 invalid-value
ctl pki2 "$URI_D" --cuid "$CUID" mitigate --mid 5 --alias https1 --lifetime 600
check_eq "deregistered: its alias is unknown: 4.04" "$(code_of)" 4.04

# --- relayed: an upstream gets plain targets ------------------------------------
# customer2 -> gw-a (data channel, no local capacity) -> gw-b: B sees the
# alias's targets, no alias-name (it does not know A's aliases).
gw_stop
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" >/dev/null 2>&1 || { fail pki "$n"; exit 1; }
done
PA=$(free_port) PB=$(free_port) DCPORT=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
node_conf gw-a "$PA" 0
cat >> "$TMP/gw-a.yaml" <<EOF2
  - name: customer2
    cert-name: customer2.example
    prefixes: [$PFX2]
  - name: gw-b
    upstream: { address: $HOST, port: $PB, transport: dtls }
data-channel: { address: 127.0.0.1, port: $DCPORT }
EOF2
node_conf gw-b "$PB" 100000000000
printf '  - name: gw-a\n    cert-name: gw-a\n    trusted-gateway: true\n    prefixes: [%s]\n' \
    "$PFX2" >> "$TMP/gw-b.yaml"
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 20 node_up gw-a gw-b && pass "relay: gw-a's session to gw-b is up" ||
    fail "relay: session up" "no 'is up' line"
DCHOST=gw-a
http customer2 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}')"
status "relay: register at gw-a" 201
http customer2 POST "$DATA/dots-client=$CUID" "$(body '{"ietf-dots-data-channel:aliases":{"alias":[{"name":"www","target-prefix":["198.51.100.80/32"],"target-port-range":[{"lower-port":80},{"lower-port":8000,"upper-port":8080}],"target-protocol":[6]}]}}')"
status "relay: alias www at gw-a" 201
ctl pki2 "coaps://$HOST:$PA" --server-name gw-a --cuid "$CUID" mitigate --mid 7 --alias www --lifetime 600
check_eq "relay: mitigation by alias-name at gw-a" "$(code_of)" 2.01
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
at_b() {
	OUT=$TMP/b.out ERR=$TMP/b.err
	"$DOTSCTL" -s "coaps://$HOST:$PB" --cert "$TMP/pki/gw-a.pem" \
	    --key "$TMP/pki/gw-a.key" --ca "$TMP/pki/ca.pem" \
	    --server-name gw-b --cuid "$CUID_A" --json "$@" > "$OUT" 2> "$ERR"
	RC=$?
}
b_has() { at_b get --mid 1; [ "$(code_of)" = 2.05 ]; }
wait_for 20 b_has && pass "relay: gw-b holds the placement" ||
    fail "relay: gw-b placement" "$(_ctl_why)"
check_j "relay: gw-b got plain targets, no alias-name" 2.05 \
    '[s["target-prefix"], s["target-port-range"], s["target-protocol"], "alias-name" in s]' \
    '[["198.51.100.80/32"], [{"lower-port": 80}, {"lower-port": 8000, "upper-port": 8080}], [6], false]'
exit $((T_FAILS > 0))
