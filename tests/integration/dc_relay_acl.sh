#!/usr/bin/env bash
# The DMS-offload draft's flow over two hops (issue 15): a customer
# registers on gateway A's data channel (curl, mutual X.509), creates an
# alias and a filtering ACL there, then asks A on the signal channel for a
# mitigation by alias-name with an acl-list. A, a data-channel client of
# its upstream B ("data-channel:" in B's upstream mapping), registers its
# cuid at B, creates the ACL there under its own name, then relays the
# request naming it; B's gobgpd mitigator announces the ACL as flowspec.
# Checked: B's data channel holds the ACL (GET with A's certificate), the
# router's RIB has the rule, the customer sees 2.01 and in-progress;
# withdrawal removes both. A second customer's staged "block-dns" lives
# beside the first's at B under another name. Then an ACL B refuses (a
# destination A does not own at B): the customer sees the refusal as any
# upstream refusal (attack-exceeded-capability) and nothing is left at B.
# /metrics counts; the lifetime's end removes the ACL from B too, and so
# does a withdrawal after A restarted (the names follow from the placement).
. "$(dirname "$0")/../lib.sh"
command -v gobgpd > /dev/null && command -v gobgp > /dev/null ||
    { skip dc_relay_acl "gobgpd not installed"; exit 0; }
command -v curl >/dev/null || { skip dc_relay_acl "curl missing"; exit 0; }
t_init
. "$(dirname "$0")/../bgp_lib.sh"
node_certs gw-a gw-b
_cert "$TMP/pki" cust cust.example >/dev/null 2>&1 || { fail pki "cust"; exit 1; }
node_ports PA PB DCA DCB ADMA

node_gw_conf gw-a "$PA" 0 "data-channel: { address: $HOST, port: $DCA }
admin: { address: $HOST, port: $ADMA }"
cat >> "$TMP/gw-a.yaml" <<EOF
  - name: cust
    cert-name: cust.example
    prefixes: [192.0.2.0/24, 198.51.100.0/24]
    actions: [upstream]
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [192.0.2.64/26]
    actions: [upstream]
    acls:
      - name: block-dns
        type: ipv4
        aces:
          - name: web
            matches: { destination-prefix: 192.0.2.64/28, protocol: 6, destination-port-range: 80 }
            action: drop
  - name: gw-b
    upstream: { address: $HOST, port: $PB, transport: dtls,
                data-channel: { port: $DCB, timeout: 20000 } }
EOF
node_gw_conf gw-b "$PB" 100000000000 "data-channel: { address: $HOST, port: $DCB }
mitigator:
  type: bgp
  api-port: $SPK_API
  community: \"64512:4646\"
  timeout: 10000"
cat >> "$TMP/gw-b.yaml" <<EOF
  - name: gw-a
    cert-name: gw-a
    prefixes: [192.0.2.0/24]
EOF
node_start gw-b "$TMP/gw-b.yaml" && node_start gw-a "$TMP/gw-a.yaml" || exit 1
trap 'nodes_stop; bgp_stop; t_cleanup' EXIT
wait_for 30 node_up gw-a gw-b && pass "A's signal session to B up" ||
    { fail "session" "no 'upstream gw-b is up' at A"; exit 1; }

DATA=/restconf/data/ietf-dots-data-channel:dots-data
CUID=$(cuid_cert "$TMP/pki/cust.pem")
CUID_A=$(cuid_cert "$TMP/pki/gw-a.pem")
BODY=$TMP/http.body
. "$(dirname "$0")/../dc_lib.sh"	# bj; http is this test's own:
# http WHO NODE PORT METHOD PATH [BODY]: curl as WHO to NODE's data
# channel; CODE = the HTTP status, BODY the answer
http() {
	local who=$1 node=$2 port=$3 m=$4 p=$5 data=${6:-}
	: > "$BODY"
	CODE=$(curl -s -o "$BODY" -w '%{http_code}' -X "$m" \
	    --cert "$TMP/pki/$who.pem" --key "$TMP/pki/$who.key" \
	    --cacert "$TMP/pki/ca.pem" --max-time 10 \
	    --resolve "$node:$port:$HOST" \
	    -H 'Content-Type: application/yang-data+json' \
	    -H 'Accept: application/yang-data+json' \
	    ${data:+--data-binary "$data"} "https://$node:$port$p")
}
# b_acls: the ACL names B's data channel holds for A's cuid ("" none)
b_acls() {
	http gw-a gw-b "$DCB" GET "$DATA/dots-client=$CUID_A/acls"
	if [ "$CODE" = 200 ]; then
		bj '" ".join(a["name"] for a in j["ietf-dots-data-channel:acls"]["acl"])'
	elif [ "$CODE" = 404 ]; then	# A not registered (yet): none
		echo ""
	else
		echo "<HTTP $CODE>"
	fi
}
cust() {
	OUT=$TMP/ctl.out ERR=$TMP/ctl.err
	"$DOTSCTL" -s "coaps://$HOST:$PA" --cert "$TMP/pki/cust.pem" \
	    --key "$TMP/pki/cust.key" --ca "$TMP/pki/ca.pem" --server-name gw-a \
	    --cuid "$CUID" --json "$@" > "$OUT" 2> "$ERR"
	RC=$?
}
metric() {
	curl -s --max-time 5 "http://$HOST:$ADMA/metrics" |
	    sed -n "s/^$1 \([0-9]*\)$/\1/p"
}

# --- the customer on A's data channel ------------------------------------
http cust gw-a "$DCA" PUT "$DATA/dots-client=$CUID" \
    '{"ietf-dots-data-channel:dots-client":[{"cuid":"'"$CUID"'"}]}'
check_eq "customer registered on A's data channel" "$CODE" 201
http cust gw-a "$DCA" POST "$DATA/dots-client=$CUID" \
    '{"ietf-dots-data-channel:aliases":{"alias":[{"name":"dns-servers","target-prefix":["192.0.2.0/28"]}]}}'
check_eq "alias dns-servers created on A" "$CODE" 201
ACL='{"ietf-dots-data-channel:acls":{"acl":[{"name":"block-dns","type":"ipv4-acl-type",
 "aces":{"ace":[{"name":"dns-amp","matches":{"ipv4":{"destination-ipv4-network":"192.0.2.0/28","protocol":17},
 "udp":{"source-port-range-or-operator":{"operator":"eq","port":53}}},"actions":{"forwarding":"drop"}}]}}]}}'
http cust gw-a "$DCA" PUT "$DATA/dots-client=$CUID/acls/acl=block-dns" "$ACL"
check_eq "ACL block-dns created on A" "$CODE" 201

# --- the mitigation by alias-name with acl-list --------------------------
cat > "$TMP/r1.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "alias-name": ["dns-servers"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": [{"acl-name": "block-dns"}]
}]}}
EOF
cust mitigate --mid 1 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "customer's request (alias-name, acl-list): 2.01" ||
    fail "customer's request" "$(_ctl_why)"
# A names it <client tag>-<its mid at B>-block-dns there
at_b() { case " $(b_acls) " in *-1-block-dns" "*) return 0 ;; esac; return 1; }
wait_for 30 at_b && pass "B's data channel holds the ACL for A's cuid ($(b_acls))" ||
    fail "ACL at B" "B has '$(b_acls)'; A: $(grep -F 'data channel' "$TMP/gw-a.log" | tail -n 2)"
UPNAME=$(b_acls)
http gw-a gw-b "$DCB" GET "$DATA/dots-client=$CUID_A/acls/acl=$UPNAME?content=config"
check_eq "B's copy: the customer's ACE, activate-when-mitigating" \
    "$(bj 'sorted((a["name"], a.get("activation-type", "activate-when-mitigating"), a["aces"]["ace"][0]["matches"]["ipv4"]["destination-ipv4-network"], a["aces"]["ace"][0]["actions"]["forwarding"]) for a in j["ietf-dots-data-channel:acls"]["acl"])')" \
    "[[\"$UPNAME\", \"activate-when-mitigating\", \"192.0.2.0/28\", \"drop\"]]"
http cust gw-b "$DCB" GET "$DATA/dots-client=$CUID_A/acls" 2>/dev/null
[ "$CODE" != 200 ] && pass "the customer cannot see A's ACLs at B (HTTP $CODE)" ||
    fail "B's ACLs visible to the customer" "$(head -c 200 "$BODY")"
ACLRULE='c.get(1) == {"prefix": "192.0.2.0/28"} and c.get(3) == [{"op": 129, "value": 17}] and c.get(6) == [{"op": 129, "value": 53}]'
wait_for 40 has_fs "$ACLRULE" && pass "B's gobgpd: the ACL's flowspec rule at the router" ||
    fail "flowspec rule" "RIB: $(rib ipv4-flowspec | cut -c1-400); B: $(tail -n 3 "$TMP/gw-b.log")"
in_progress() {
	cust get --mid 1
	case $(jget 'j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"][0]["status"]') in
	attack-mitigation-in-progress | attack-successfully-mitigated) return 0 ;;
	esac
	return 1
}
wait_for 30 in_progress && pass "customer sees attack-mitigation-in-progress" ||
    fail "customer status" "$(head -c 300 "$OUT")"
n=$(metric dotsgw_dc_upstream_requests_total)
[ "${n:-0}" -ge 2 ] && [ "$(metric dotsgw_dc_upstream_failures_total)" = 0 ] &&
    pass "A's /metrics: $n data-channel requests upstream, 0 failures" ||
    fail "metrics" "requests '$n' failures '$(metric dotsgw_dc_upstream_failures_total)'"

# --- another customer's "block-dns" (staged in A's YAML) -----------------
cat > "$TMP/r2.json" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["192.0.2.64/28"], "lifetime": 600,
  "ietf-dots-signal-control:acl-list": [{"acl-name": "block-dns"}]
}]}}
EOF
ctl psk1 "coaps://$HOST:$PA" mitigate --mid 1 --file "$TMP/r2.json"
[ "$(code_of)" = 2.01 ] && pass "customer1's request (its staged block-dns): 2.01" ||
    fail "customer1's request" "$(_ctl_why)"
two() { [ "$(b_acls | wc -w)" = 2 ]; }
wait_for 30 two && case " $(b_acls) " in *" $UPNAME "*-2-block-dns" "*) true ;; *) false ;; esac &&
    pass "B holds both customers' block-dns under distinct names ($(b_acls))" ||
    fail "two ACLs at B" "'$(b_acls)'"
WEB='c.get(1) == {"prefix": "192.0.2.64/28"} and c.get(3) == [{"op": 129, "value": 6}] and c.get(5) == [{"op": 129, "value": 80}]'
wait_for 40 has_fs "$WEB" && pass "customer1's staged ACE is a flowspec rule at the router" ||
    fail "customer1's rule" "RIB: $(rib ipv4-flowspec | cut -c1-400)"
ctl psk1 "coaps://$HOST:$PA" withdraw --mid 1
one() { [ "$(b_acls)" = "$UPNAME" ]; }
wait_for 30 one && wait_for 40 no_fs "$WEB" && has_fs "$ACLRULE" &&
    pass "customer1 withdraws: its ACL and rule go, the other customer's stay" ||
    fail "customer1's withdrawal" "B '$(b_acls)'; RIB $(rib ipv4-flowspec | cut -c1-300)"

# --- withdrawal: the ACL and the rule go ---------------------------------
cust withdraw --mid 1
[ "$(code_of)" = 2.02 ] && pass "customer withdraws: 2.02" || fail "withdraw" "$(_ctl_why)"
acl_gone() { [ -z "$(b_acls)" ]; }
wait_for 30 acl_gone && pass "withdrawn: B's data channel no longer holds it" ||
    fail "ACL still at B" "'$(b_acls)'"
wait_for 40 no_fs 'c.get(1) == {"prefix": "192.0.2.0/28"}' &&
    pass "withdrawn: the rule left the router's RIB" ||
    fail "rule still at the router" "$(rib ipv4-flowspec | cut -c1-300)"

# --- B refuses the ACL: a destination A does not own there ---------------
ACL2='{"ietf-dots-data-channel:acls":{"acl":[{"name":"block-dns","type":"ipv4-acl-type",
 "aces":{"ace":[{"name":"other-net","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.0/28","protocol":17}},
 "actions":{"forwarding":"drop"}}]}}]}}'
http cust gw-a "$DCA" PUT "$DATA/dots-client=$CUID/acls/acl=block-dns" "$ACL2"
check_eq "ACL block-dns replaced on A (198.51.100.0/28: the customer's, not A's at B)" "$CODE" 204
fails0=$(metric dotsgw_dc_upstream_failures_total)
puts_b() { count_of "$TMP/gw-b.log" "peer gw-a: PUT .well-known/dots/mitigate/"; }
puts0=$(puts_b)
cust mitigate --mid 2 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "customer's second request: 2.01 (relayed)" ||
    fail "second request" "$(_ctl_why)"
refused() {
	grep -F "peer cust cuid $CUID mid 2: upstream gw-b refused mid " "$TMP/gw-a.log" |
	    grep -qF ": data channel: HTTP 403 access-denied"
}
wait_for 30 refused && pass "A: B refused the ACL (403 access-denied); placement refused" ||
    fail "refusal at A" "$(grep -F 'mid 2' "$TMP/gw-a.log" | tail -n 3)"
exceeded() {
	cust get --mid 2
	[ "$(jget 'j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"][0]["status"]')" = attack-exceeded-capability ]
}
wait_for 30 exceeded && pass "customer sees the refusal: attack-exceeded-capability" ||
    fail "customer status after refusal" "$(head -c 300 "$OUT")"
check_eq "nothing left at B's data channel" "$(b_acls)" ""
check_eq "no mitigation request for it reached B's signal channel" "$(puts_b)" "$puts0"
n=$(metric dotsgw_dc_upstream_failures_total)
[ "${n:-0}" -gt "${fails0:-0}" ] && pass "A's /metrics counts the failure ($n)" ||
    fail "failure metric" "before '$fails0' after '$n'"

# --- expiry: the lifetime ends, the ACL goes from B ----------------------
http cust gw-a "$DCA" PUT "$DATA/dots-client=$CUID/acls/acl=block-dns" "$ACL"
check_eq "ACL block-dns back to 192.0.2.0/28 on A" "$CODE" 204
sed 's/"lifetime": 600/"lifetime": 8/' "$TMP/r1.json" > "$TMP/r3.json"
cust mitigate --mid 3 --file "$TMP/r3.json"
[ "$(code_of)" = 2.01 ] && pass "customer's request with lifetime 8 s: 2.01" ||
    fail "short request" "$(_ctl_why)"
some() { [ -n "$(b_acls)" ]; }
wait_for 20 some && pass "its ACL at B ($(b_acls))" || fail "ACL at B" "none"
wait_for 60 acl_gone && pass "lifetime over: B's data channel no longer holds it" ||
    fail "ACL still at B after expiry" "'$(b_acls)'"

# --- A restarts: the restored placement still deletes its ACL at B -------
cust mitigate --mid 4 --file "$TMP/r1.json"
[ "$(code_of)" = 2.01 ] && pass "customer's request mid 4: 2.01" ||
    fail "mid 4" "$(_ctl_why)"
wait_for 20 some && pass "its ACL at B ($(b_acls))" || fail "ACL at B" "none"
node_stop gw-a
node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 30 node_up gw-a gw-b && pass "A restarted, up to B again" ||
    fail "A's session after restart" "$(tail -n 3 "$TMP/gw-a.log")"
cust withdraw --mid 4
[ "$(code_of)" = 2.02 ] && pass "customer withdraws mid 4 after A's restart: 2.02" ||
    fail "withdraw mid 4" "$(_ctl_why)"
wait_for 30 acl_gone && pass "withdrawn after A's restart: B no longer holds the ACL" ||
    fail "ACL left at B after A's restart" "'$(b_acls)'"
exit $((T_FAILS > 0))
