# The data-channel tests' common part (sourced after lib.sh and t_init):
# a single gateway whose data channel curl, an independent HTTPS client
# with mutual X.509, talks to as customer2, customer4 or a stranger.
#
# dc_gw_start LINE: a fourth peer customer4 (its own certificate), the
# RFC examples' 2001:db8:6401::/48 owned by customer2 too, the data
# channel on a free port $DCPORT with LINE (e.g. "max-acls-per-peer: 4")
# under it, then the gateway started. 1 when any of that failed.
dc_gw_start() {
	_cert "$TMP/pki" customer4 customer4.example >/dev/null 2>&1 ||
	    { fail pki "customer4"; return 1; }
	DCPORT=$(free_port) || { fail port "no free port"; return 1; }
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
  $1
EOF2
	gw_start
}

DCHOST=gw1.test	# the server name of the data channel http() talks to
DATA=/restconf/data/ietf-dots-data-channel:dots-data
BODY=$TMP/http.body
HDRS=$TMP/http.hdrs

# http WHO METHOD PATH [BODY-FILE] [HEADER...]: curl as WHO (customer2,
# customer4, stranger, none); CODE = the HTTP status ("000": no answer),
# BODY the answer, HDRS its headers.
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
# body JSON: a request body file
body() { printf '%s' "$1" > "$TMP/req.json"; echo "$TMP/req.json"; }
# bj EXPR: a Python expression on the answer's JSON (j)
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
# status NAME WANT: the HTTP status
status() { check_eq "$1: HTTP $2" "$CODE" "$2"; }
# error NAME STATUS TAG: an RFC 8040 error body with this error-tag
TAGX='j["ietf-restconf:errors"]["error"][0]["error-tag"]'
error() {
	check_eq "$1: HTTP $2" "$CODE" "$2"
	check_eq "$1: error-tag $3" "$(bj "$TAGX")" "$3"
}

# RFC 8783's filtering ACL examples as the RFC prints them: Figure 24
# (§7.2, an activate-when-mitigating IPv4 drop) and Figure 25 (§7.3, an
# immediate IPv6 UDP accept).
RFC8783_FIG24='{
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
}'
RFC8783_FIG25='{
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
