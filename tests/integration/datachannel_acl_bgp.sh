#!/usr/bin/env bash
# A data-channel ACL (RFC 8783, issue 15) as BGP flowspec: an immediate
# drop ACL PUT over HTTPS reaches a gobgpd "router" (peered with the
# speaker dotsgwd drives) as a flowspec route, is kept by the periodic
# reconcile (a rule set of no mitigation is no orphan), is there again
# after a restart, and goes with the ACL's deletion.
. "$(dirname "$0")/../lib.sh"
command -v gobgpd > /dev/null && command -v gobgp > /dev/null ||
    { skip datachannel_acl_bgp "gobgpd not installed"; exit 0; }
command -v curl >/dev/null || { skip datachannel_acl_bgp "curl missing"; exit 0; }
t_init

. "$(dirname "$0")/../bgp_lib.sh"

DCPORT=$(free_port) || { fail port "no free port"; exit 1; }
while [ "$DCPORT" = "$PORT" ] || [[ " ${ports[*]} " == *" $DCPORT "* ]]; do
	DCPORT=$(free_port)
done
cat >> "$CONF" <<EOF
mitigator:
  type: bgp
  gobgp: $GOBGP_WRAP
  api-port: $SPK_API
  community: "64512:4646"
  timeout: 10000
  reconcile-interval: 2
data-channel:
  address: 127.0.0.1
  port: $DCPORT
EOF
gw_start || exit 1

CUID=dz6pHjaADkaFTbjr0JGBpw
DATA=/restconf/data/ietf-dots-data-channel:dots-data
C=$DATA/dots-client=$CUID
http() {	# METHOD PATH [BODY]
	CODE=$(curl -s -o "$TMP/http.body" -w '%{http_code}' -X "$1" \
	    --cert "$TMP/pki/customer2.pem" --key "$TMP/pki/customer2.key" \
	    --cacert "$TMP/pki/ca.pem" --max-time 10 \
	    --resolve "gw1.test:$DCPORT:127.0.0.1" \
	    -H 'Content-Type: application/yang-data+json' \
	    ${3:+--data-binary "$3"} "https://gw1.test:$DCPORT$2")
}
http POST "$DATA" '{"ietf-dots-data-channel:dots-client":[{"cuid":"'$CUID'"}]}'
check_eq "register: HTTP 201" "$CODE" 201
http PUT "$C/acls/acl=block-ntp" '{"ietf-dots-data-channel:acls":{"acl":[{"name":"block-ntp","type":"ipv4-acl-type","activation-type":"immediate","aces":{"ace":[{"name":"ntp","matches":{"ipv4":{"destination-ipv4-network":"198.51.100.16/28"},"udp":{"source-port-range-or-operator":{"port":123}}},"actions":{"forwarding":"drop"}}]}}]}}'
check_eq "PUT immediate ACL block-ntp: HTTP 201" "$CODE" 201
NTP='(c.get(1) == {"prefix": "198.51.100.16/28"} and c.get(3) == [{"op": 129, "value": 17}]
and c.get(6) == [{"op": 129, "value": 123}] and a[16]["value"][0]["rate"] == 0)'
wait_for 20 has_fs "$NTP" &&
    pass "router RIB: flowspec dst 198.51.100.16/28 udp sport 123 discard" ||
    fail "immediate ACL at the router" "$(rib ipv4-flowspec | cut -c1-600)"
wait_reconcile 60 || fail "reconcile" "none ran"
has_fs "$NTP" && pass "a reconcile keeps it (no orphan: the ACL's rule set)" ||
    fail "reconcile withdrew the ACL's route" "$(tail -n 5 "$GOBGP_CALLS")"
gw_stop
gw_start || exit 1
wait_reconcile 60 || fail "reconcile after restart" "none ran"
has_fs "$NTP" && pass "after a restart and a reconcile: still there" ||
    fail "after restart" "$(rib ipv4-flowspec | cut -c1-600)"
http DELETE "$C/acls/acl=block-ntp"
check_eq "DELETE block-ntp: HTTP 204" "$CODE" 204
wait_for 20 no_fs "$NTP" && pass "deleted: the route is withdrawn" ||
    fail "route after delete" "$(rib ipv4-flowspec | cut -c1-600)"
exit $((T_FAILS > 0))
