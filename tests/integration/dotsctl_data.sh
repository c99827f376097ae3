#!/usr/bin/env bash
# dotsctl data (issue 15): RFC 8783's example bodies, as files in the
# RFC's own form, sent as they are through dotsctl get the RFC's answers
# from dotsgwd's data channel: registration (§6.1), capabilities, the
# aliases example (§6.1) and one alias PUT/GET/DELETE, the filtering ACL
# examples (§7.2 Figure 24, §7.3 Figure 25) POSTed, listed, read and
# deleted, unregistration; --json lines; exit statuses 0/1/2/64;
# get --content config|nonconfig|all, put/delete --if-match and
# --if-none-match (412 on a wrong ETag), the ETag printed.
. "$(dirname "$0")/../lib.sh"
t_init
command -v curl >/dev/null || true
DCPORT=$(free_port) || { fail port "no free port"; exit 1; }
# customer2 owns the RFC examples' 2001:db8:6401::/48 too
sed -i "s|prefixes: \[$PFX2\]|prefixes: [$PFX2, \"2001:db8:6401::/48\"]|" "$CONF"
printf 'data-channel: { address: %s, port: %s }\n' "$HOST" "$DCPORT" >> "$CONF"
gw_start || exit 1
. "$(dirname "$0")/../dc_lib.sh"	# the RFC's example bodies

CUID=dz6pHjaADkaFTbjr0JGBpw
D=$TMP/rfc
mkdir -p "$D"
# dctl ARGS...: dotsctl data as customer2 (--json); OUT, RC
dctl() {
	OUT=$TMP/d.out ERR=$TMP/d.err
	"$DOTSCTL" --data-channel "https://$HOST:$DCPORT" --server-name gw1.test \
	    --cert "$TMP/pki/customer2.pem" --key "$TMP/pki/customer2.key" \
	    --ca "$TMP/pki/ca.pem" --cuid "$CUID" data "$@" --json > "$OUT" 2>"$ERR"
	RC=$?
}
# ok NAME CODE [EXPR WANT]: the answer's code (and jget EXPR), exit 0/1
ok() {
	local want_rc=0
	[ "${2:0:1}" = 2 ] || want_rc=1
	if [ "$(jget 'j["code"]')" != "$2" ] || [ "$RC" -ne $want_rc ]; then
		fail "$1" "expected $2 (exit $want_rc), got exit $RC: $(head -c 300 "$OUT") $(head -c 200 "$ERR")"
	elif [ -n "$3" ]; then
		check_eq "$1" "$(jget "$3")" "$4"
	else
		pass "$1"
	fi
}
TAG='j["body"]["ietf-restconf:errors"]["error"][0]["error-tag"]'

# --- the RFC's bodies, as files -------------------------------------------------
cat > "$D/register.json" <<'EOF'
{
  "ietf-dots-data-channel:dots-client": [
    {
      "cuid": "dz6pHjaADkaFTbjr0JGBpw"
    }
  ]
}
EOF
cat > "$D/aliases.json" <<'EOF'
{
  "ietf-dots-data-channel:aliases": {
    "alias": [
      {
        "name": "https1",
        "target-protocol": [
          6
        ],
        "target-prefix": [
          "2001:db8:6401::1/128",
          "2001:db8:6401::2/128"
        ],
        "target-port-range": [
          {
            "lower-port": 443
          }
        ]
      }
    ]
  }
}
EOF
printf '%s\n' "$RFC8783_FIG24" > "$D/fig24.json"
printf '%s\n' "$RFC8783_FIG25" > "$D/fig25.json"
printf '%s\n' '{"ietf-dots-data-channel:alias":[{"name":"web2","target-prefix":["198.51.100.7/32"],"target-protocol":[17]}]}' > "$D/web2.json"

# --- registration and capabilities --------------------------------------------------
L=/restconf/data/ietf-dots-data-channel:dots-data/dots-client=$CUID
dctl register "$D/register.json"
ok "data register (RFC §6.1 body): 201" 201 'j["location"]' "$L"
dctl register "$D/register.json"
ok "data register again: 409" 409 "$TAG" resource-denied
dctl capabilities
ok "data capabilities: 200" 200 'j["body"]["ietf-dots-data-channel:capabilities"]["address-family"]' '["ipv4", "ipv6"]'

# --- aliases --------------------------------------------------------------------------
dctl alias put "$D/aliases.json"
ok "data alias put (RFC §6.1 aliases body): 201" 201 'j["location"]' "$L/aliases/alias=https1"
dctl alias get https1
ok "data alias get https1: as sent" 200 \
    '{k: v for k, v in j["body"]["ietf-dots-data-channel:alias"][0].items() if k != "pending-lifetime"} == json.load(open("'"$D/aliases.json"'"))["ietf-dots-data-channel:aliases"]["alias"][0]' \
    true
dctl alias put "$D/web2.json"
ok "data alias put one alias: PUT, 201" 201
dctl alias put "$D/web2.json"
ok "data alias put it again: 204" 204
dctl alias get web2
ET=$(jget 'j["etag"]')
[[ $ET == '"'*'"' ]] && pass "data alias get web2: its ETag ($ET)" ||
    fail "data alias get: ETag" "$(head -c 300 "$OUT")"
dctl alias put "$D/web2.json" --if-match '"0000000000000000"'
ok "data alias put --if-match a wrong ETag: 412" 412 "$TAG" operation-failed
dctl alias put "$D/web2.json" --if-none-match "$ET"
ok "data alias put --if-none-match its ETag: 412" 412 "$TAG" operation-failed
dctl alias delete web2 --if-match '"0000000000000000"'
ok "data alias delete --if-match a wrong ETag: 412" 412 "$TAG" operation-failed
dctl alias put "$D/web2.json" --if-match "$ET"
ok "data alias put --if-match its ETag: 204" 204
dctl alias get
ok "data alias get: all" 200 '[a["name"] for a in j["body"]["ietf-dots-data-channel:aliases"]["alias"]]' '["https1", "web2"]'
dctl alias delete https1
ok "data alias delete https1: 204" 204
dctl alias get https1
ok "data alias get https1 after: 404" 404

# --- filtering ACLs ---------------------------------------------------------------------
dctl acl put "$D/fig24.json"
ok "data acl put (RFC Figure 24): 201" 201 'j["location"]' "$L/acls/acl=sample-ipv4-acl"
dctl acl put "$D/fig24.json"
ok "data acl put Figure 24 again: 409" 409 "$TAG" resource-denied
dctl acl put "$D/fig25.json"
ok "data acl put (RFC Figure 25): 201" 201
dctl acl get
ok "data acl get: both, in order" 200 '[a["name"] for a in j["body"]["ietf-dots-data-channel:acls"]["acl"]]' '["sample-ipv4-acl", "test-acl-ipv6-udp"]'
dctl acl get sample-ipv4-acl
ok "data acl get sample-ipv4-acl" 200 'j["body"]["ietf-dots-data-channel:acls"]["acl"][0]["aces"]["ace"][0]["actions"]' '{"forwarding": "drop"}'
dctl acl get sample-ipv4-acl --content config
ok "data acl get --content config: no pending-lifetime" 200 \
    '"pending-lifetime" in j["body"]["ietf-dots-data-channel:acls"]["acl"][0]' false
dctl acl get sample-ipv4-acl --content nonconfig
ok "data acl get --content nonconfig: name, pending-lifetime, ace names" 200 \
    'sorted(j["body"]["ietf-dots-data-channel:acls"]["acl"][0])' '["aces", "name", "pending-lifetime"]'
dctl acl get sample-ipv4-acl --content all
ok "data acl get --content all: both" 200 \
    '"pending-lifetime" in j["body"]["ietf-dots-data-channel:acls"]["acl"][0] and "type" in j["body"]["ietf-dots-data-channel:acls"]["acl"][0]' true
dctl acl get sample-ipv4-acl --content most
[ "$RC" -eq 64 ] && grep -qF -- "--content config, nonconfig or all" "$ERR" &&
    pass "data acl get --content most: usage error 64" ||
    fail "--content most" "exit $RC: $(head -c 200 "$ERR")"
dctl acl get sample-ipv4-acl --if-match '"0000000000000000"'
[ "$RC" -eq 64 ] && pass "data acl get --if-match: usage error 64" ||
    fail "get --if-match" "exit $RC: $(head -c 200 "$ERR")"
dctl acl delete sample-ipv4-acl --if-match '"0000000000000000"'
ok "data acl delete --if-match a wrong ETag: 412" 412 "$TAG" operation-failed
dctl acl delete sample-ipv4-acl
ok "data acl delete: 204" 204
dctl acl get sample-ipv4-acl
ok "data acl get after delete: 404" 404

# --- text output, unregistration, usage ------------------------------------------------
"$DOTSCTL" --data-channel "https://$HOST:$DCPORT" --server-name gw1.test \
    --cert "$TMP/pki/customer2.pem" --key "$TMP/pki/customer2.key" \
    --ca "$TMP/pki/ca.pem" --cuid "$CUID" data alias get web2 > "$TMP/t.out" 2>&1
[ "$(head -n 1 "$TMP/t.out")" = "200 OK" ] && has "$TMP/t.out" '"name": "web2"' &&
    pass "text output: 200 OK and the body" || fail "text output" "$(head -n 3 "$TMP/t.out")"
dctl unregister
ok "data unregister: 204" 204
dctl alias get web2
ok "the client's aliases are gone with it: 404" 404
"$DOTSCTL" --psk-identity "$PSK1_ID" --psk-key "$PSK1_KEY" data capabilities >/dev/null 2>"$TMP/u.err"
rc=$?
[ $rc -eq 64 ] && has "$TMP/u.err" "libcurl has no TLS-PSK" &&
    pass "data with PSK options: usage error 64" || fail "data with PSK" "exit $rc: $(cat "$TMP/u.err")"
"$DOTSCTL" --cert "$TMP/pki/customer2.pem" --key "$TMP/pki/customer2.key" \
    --ca "$TMP/pki/ca.pem" data alias frobnicate >/dev/null 2>&1
[ $? -eq 64 ] && pass "data alias frobnicate: 64" || fail "bad subcommand" "not 64"
np=$(free_port)
"$DOTSCTL" --data-channel "https://$HOST:$np" --cert "$TMP/pki/customer2.pem" \
    --key "$TMP/pki/customer2.key" --ca "$TMP/pki/ca.pem" --timeout 5 data capabilities >/dev/null 2>&1
[ $? -eq 2 ] && pass "nobody listening: exit 2" || fail "no server" "not 2"
"$DOTSCTL" --data-channel "https://$HOST:$DCPORT" --server-name gw1.test \
    --cert "$TMP/pki/stranger.pem" --key "$TMP/pki/stranger.key" --ca "$TMP/pki/ca.pem" \
    --timeout 5 data capabilities >/dev/null 2>&1
[ $? -eq 2 ] && pass "a certificate of no peer: no handshake, exit 2" || fail "stranger" "not 2"
[ "$T_FAILS" -eq 0 ]
