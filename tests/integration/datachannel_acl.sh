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
_cert "$TMP/pki" customer4 customer4.example >/dev/null 2>&1 ||
    { fail pki "customer4"; exit 1; }
DCPORT=$(free_port) || { fail port "no free port"; exit 1; }
# customer2 owns the RFC examples' 2001:db8:6401::/48 too
sed -i "s|prefixes: \[$PFX2\]|prefixes: [$PFX2, \"2001:db8:6401::/48\"]|" "$CONF"
cat >> "$CONF" <<EOF2
  - name: customer4
    cert-name: customer4.example
    prefixes: ["203.0.113.128/25"]
    max-lifetime: 86400
data-channel:
  address: 127.0.0.1
  port: $DCPORT
  max-acls-per-peer: 4
EOF2
gw_start || exit 1

CUID=dz6pHjaADkaFTbjr0JGBpw
DCHOST=gw1.test
DATA=/restconf/data/ietf-dots-data-channel:dots-data
C=$DATA/dots-client=$CUID
BODY=$TMP/http.body
HDRS=$TMP/http.hdrs

# http WHO METHOD PATH [BODY-FILE] [HEADER...]: curl as WHO; CODE = the
# HTTP status ("000": no answer), BODY the answer, HDRS its headers.
http() {
	local who=$1 m=$2 p=$3 data=$4 auth=() extra=()
	shift 4 2>/dev/null || shift $#
	for h in "$@"; do extra+=(-H "$h"); done
	[ "$who" != none ] && auth=(--cert "$TMP/pki/$who.pem" --key "$TMP/pki/$who.key")
	: > "$BODY"
	CODE=$(curl -s -o "$BODY" -D "$HDRS" -w '%{http_code}' -X "$m" "${auth[@]}" \
	    --cacert "$TMP/pki/ca.pem" --max-time 10 \
	    --resolve "$DCHOST:$DCPORT:127.0.0.1" \
	    -H 'Content-Type: application/yang-data+json' \
	    -H 'Accept: application/yang-data+json' "${extra[@]}" \
	    ${data:+--data-binary "@$data"} "https://$DCHOST:$DCPORT$p")
	CURL_RC=$?
}
body() { printf '%s' "$1" > "$TMP/req.json"; echo "$TMP/req.json"; }
bj() {
	$PY -c 'import json,sys
try:
    j = json.load(open(sys.argv[2]))
    v = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, open(sys.argv[2]).read()[:300])); sys.exit(0)
print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)' "$1" "$BODY"
}
# etag: the ETag header of the last answer ("" none)
etag() { tr -d '\r' < "$HDRS" | sed -n 's/^[Ee][Tt][Aa][Gg]: //p'; }
status() { check_eq "$1: HTTP $2" "$CODE" "$2"; }
TAGX='j["ietf-restconf:errors"]["error"][0]["error-tag"]'
error() {
	check_eq "$1: HTTP $2" "$CODE" "$2"
	check_eq "$1: error-tag $3" "$(bj "$TAGX")" "$3"
}
# rule_logged TEXT: the log mitigator logged a rule holding TEXT since the
# log had $1 lines... (fixed strings)
rules_now() { grep -cF ": log rule " "$GW_LOG"; }

# --- registration -------------------------------------------------------------
http customer2 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}')"
status "register $CUID" 201
http customer4 POST "$DATA" "$(body '{"ietf-dots-data-channel:dots-client":[{"cuid":"other4"}]}')"
status "customer4 registers other4" 201

# --- RFC 8783 §7.2 Figure 24, as is -----------------------------------------------
FIG24=$(body '{
  "ietf-dots-data-channel:acls": {
    "acl": [
      {
        "name": "sample-ipv4-acl",
        "type": "ipv4-acl-type",
        "activation-type": "activate-when-mitigating",
        "aces": {
          "ace": [
            {
              "name": "rule1",
              "matches": {
                "ipv4": {
                  "destination-ipv4-network": "198.51.100.0/24",
                  "source-ipv4-network": "192.0.2.0/24"
                }
              },
              "actions": {
                "forwarding": "drop"
              }
            }
          ]
        }
      }
    ]
  }
}')
cp "$FIG24" "$TMP/fig24.json"
http customer2 POST "$C" "$TMP/fig24.json"
status "Figure 24: activate-when-mitigating drop ACL" 201
check_eq "Figure 24: Location" \
    "$(tr -d '\r' < "$HDRS" | sed -n 's/^[Ll]ocation: //p')" \
    "$C/acls/acl=sample-ipv4-acl"
http customer2 POST "$C" "$TMP/fig24.json"
error "Figure 24 again (POST): duplicate name" 409 resource-denied

# --- RFC 8783 §7.3 Figure 25, as is ------------------------------------------------
FIG25='{
  "ietf-dots-data-channel:acls": {
    "acl": [
      {
        "name": "test-acl-ipv6-udp",
        "type": "ipv6-acl-type",
        "activation-type": "immediate",
        "aces": {
          "ace": [
            {
              "name": "my-test-ace",
              "matches": {
                "ipv6": {
                  "destination-ipv6-network": "2001:db8:6401::2/127",
                  "source-ipv6-network": "2001:db8:1234::/96",
                  "protocol": 17,
                  "flow-label": 10000
                },
                "udp": {
                  "source-port-range-or-operator": {
                    "operator": "lte",
                    "port": 80
                  },
                  "destination-port-range-or-operator": {
                    "operator": "neq",
                    "port": 1010
                  }
                }
              },
              "actions": {
                "forwarding": "accept"
              }
            }
          ]
        }
      }
    ]
  }
}'
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
