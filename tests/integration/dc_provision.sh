#!/usr/bin/env bash
# The inter-domain draft's provisioning stage on the data channel (issue
# 15): an ISP registers with the orchestrator by a dots-client with the
# "dotsgw-provisioning:provisioning" augmentation (curl, mutual X.509).
# Checked: the registry is the signal channel's (/register reads the
# record the data channel wrote and the other way round); the
# orchestrator reaches the ISP's DOTS server where the registration
# says; the answer carries thresholds, duration and attack types; bad
# input gets the exact status and error-tag and changes nothing; deleting
# (or replacing without the augmentation) the dots-client cancels; the
# record and the cuid carrying it survive a restart.
. "$(dirname "$0")/../lib.sh"
t_init
command -v curl >/dev/null || { skip dc_provision.sh "curl missing"; exit 0; }
node_certs orch isp-b
node_ports P_ORCH P_ISP DCPORT

cat > "$TMP/orch.yaml" <<EOF
role: orchestrator
node-id: orch
state-dir: $TMP/state-orch
listen:
  - { address: $HOST, port: $P_ORCH, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/orch.pem, key: $TMP/pki/orch.key }
signal-config:
  heartbeat-interval: { min: 1, max: 240, default: 2 }
data-channel: { address: $HOST, port: $DCPORT }
peers:
  - name: isp-b
    cert-name: isp-b
    trusted-gateway: true
    prefixes: [203.0.113.0/24]
    upstream: { server-name: isp-b }
  - name: customer2
    cert-name: customer2.example
    prefixes: [$PFX2]
EOF
mkdir -p "$TMP/state-orch"
chmod 600 "$TMP/orch.yaml"
# isp-b's DOTS server, where the orchestrator connects as a client
node_gw_conf isp-b "$P_ISP" 100000000000
cat >> "$TMP/isp-b.yaml" <<EOF
  - name: orch
    cert-name: orch
    trusted-gateway: true
    prefixes: [203.0.113.0/24]
    actions: [local]
EOF
node_start orch "$TMP/orch.yaml" || exit 1
node_start isp-b "$TMP/isp-b.yaml" || exit 1
trap 'nodes_stop; t_cleanup' EXIT

CUID=isp-b-provisioning
DATA=/restconf/data/ietf-dots-data-channel:dots-data
BODY=$TMP/http.body
# http WHO METHOD PATH [BODY-FILE]: CODE, BODY
http() {
	local who=$1 m=$2 p=$3 data=$4
	: > "$BODY"
	CODE=$(curl -s -o "$BODY" -w '%{http_code}' -X "$m" \
	    --cert "$TMP/pki/$who.pem" --key "$TMP/pki/$who.key" \
	    --cacert "$TMP/pki/ca.pem" --max-time 10 \
	    --resolve "orch:$DCPORT:127.0.0.1" \
	    -H 'Content-Type: application/yang-data+json' \
	    ${data:+--data-binary "@$data"} "https://orch:$DCPORT$p")
}
# reg [PYTHON-ASSIGNMENTS]: a registration body with the augmentation; the
# assignments change p (the provisioning object) or c (the client entry)
reg() {
	$PY - "$1" > "$TMP/req.json" <<PY
import json, sys
p = {"server-port": $P_ISP, "server-transport": "dtls",
     "capacity-bps": "100000000000", "capacity-pps": "50000000",
     "attack-type": ["udp-flood", "syn-flood"], "countermeasure": ["scrubbing"],
     "threshold-bps": "80000000000", "threshold-duration": 3600,
     "served-prefix": ["203.0.113.0/25"],
     "tunnel-information": "gre:198.51.100.1", "next-hop": "198.51.100.1"}
c = {"cuid": "$CUID", "dotsgw-provisioning:provisioning": p}
exec(sys.argv[1])
print(json.dumps({"ietf-dots-data-channel:dots-client": [c]}))
PY
	echo "$TMP/req.json"
}
# bj EXPR: a Python expression on the answer (j); pv: on its provisioning (p)
bj() {
	$PY -c 'import json,sys
try:
    j = json.load(open(sys.argv[2]))
    p = j.get("ietf-dots-data-channel:dots-client", [{}])[0].get("dotsgw-provisioning:provisioning")
    v = eval(sys.argv[1])
except Exception as e:
    print("<%s: %s>" % (type(e).__name__, open(sys.argv[2]).read()[:300])); sys.exit(0)
print(json.dumps(v, sort_keys=True) if not isinstance(v, str) else v)' "$1" "$BODY"
}
TAGX='j["ietf-restconf:errors"]["error"][0]["error-tag"]'
error() {
	check_eq "$1: HTTP $2" "$CODE" "$2"
	check_eq "$1: error-tag $3" "$(bj "$TAGX")" "$3"
}
# signal channel, as isp-b: dotsctl on the orchestrator's /register
sig() {
	OUT=$TMP/sig.out ERR=$TMP/sig.err
	"$DOTSCTL" -s "coaps://$HOST:$P_ORCH" --cert "$TMP/pki/isp-b.pem" \
	    --key "$TMP/pki/isp-b.key" --ca "$TMP/pki/ca.pem" --server-name orch \
	    --json "$@" > "$OUT" 2>"$ERR"
	RC=$?
}
SIGREG='j["body"]["dotsgw:registration"]'
logged() { has "$TMP/orch.log" "$1"; }

# --- registration -------------------------------------------------------------
http isp-b POST "$DATA" "$(reg)"
check_eq "POST dots-client with provisioning: 201" "$CODE" 201
check_eq "the answer: thresholds, duration, attack types, returning path" \
    "$(bj '[p[k] for k in ("threshold-bps", "threshold-duration", "attack-type", "served-prefix", "tunnel-information", "next-hop", "server-address")]')" \
    '["80000000000", 3600, ["udp-flood", "syn-flood"], ["203.0.113.0/25"], "gre:198.51.100.1", "198.51.100.1", "127.0.0.1"]'
check_eq "the answer: a registration-time" "$(bj 'p["registration-time"].isdigit()')" true
RTIME=$(bj 'p["registration-time"]')
wait_for 10 logged "upstream isp-b: reachable at 127.0.0.1 port $P_ISP (dtls), from its registration" &&
    pass "the orchestrator takes isp-b's DOTS server from the data-channel registration" ||
    fail "endpoint" "$(grep -F isp-b "$TMP/orch.log" | tail -n 4)"
wait_for 20 node_up orch isp-b &&
    pass "the orchestrator reaches isp-b as its DOTS client" ||
    fail "orch -> isp-b" "$(grep -F 'upstream isp-b' "$TMP/orch.log" | tail -n 4)"
"$DOTSCTL" --socket "$(node_sock orch)" --json status > "$TMP/st.json" 2>/dev/null
check_eq "dotsctl status: isp-b an upstream that is up" \
    "$($PY -c 'import json,sys; j = json.load(open(sys.argv[1])); print([(u["name"], u["up"]) for u in j.get("upstreams", [])])' "$TMP/st.json" 2>&1)" \
    "[('isp-b', True)]"

# the signal channel's /register reads the same record
sig register get
check_eq "signal-channel GET /register: 2.05" "$(code_of)" 2.05
check_eq "/register: the data channel's record" \
    "$(jget "[$SIGREG.get(k) for k in ('server-port', 'threshold-bps', 'threshold-duration', 'tunnel-information', 'next-hop', 'data-channel-cuid', 'registration-time')]")" \
    "[$P_ISP, \"80000000000\", 3600, \"gre:198.51.100.1\", \"198.51.100.1\", \"$CUID\", \"$RTIME\"]"
http isp-b GET "$DATA/dots-client=$CUID"
check_eq "GET dots-client: 200" "$CODE" 200
check_eq "GET dots-client: the augmentation as registered" \
    "$(bj '[j["ietf-dots-data-channel:dots-client"][0]["cuid"], p["capacity-bps"], p["registration-time"]]')" \
    "[\"$CUID\", \"100000000000\", \"$RTIME\"]"

# --- bad input: exact codes, nothing changed ------------------------------------
http customer2 POST "$DATA" "$(reg 'c["cuid"] = "cust2"; p["served-prefix"] = ["198.51.100.0/24"]')"
error "a peer that is no ISP member" 403 access-denied
http customer2 GET "$DATA/dots-client=cust2"
check_eq "... and its dots-client was not created" "$CODE" 404
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["served-prefix"] = ["198.51.100.0/24"]')"
error "served-prefix outside isp-b's prefixes" 403 access-denied
http isp-b GET "$DATA/dots-client=other"
check_eq "... no dots-client other" "$CODE" 404
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["capacity-bps"] = True')"
error "capacity-bps: true" 400 invalid-value
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["server-transport"] = "quic"')"
error "server-transport: quic" 400 invalid-value
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["next-hop"] = "gw.example"')"
error "next-hop not numeric" 400 invalid-value
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["attack-type"] = ["syn-flood", "syn-flood"]')"
error "attack-type twice" 400 invalid-value
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["registration-time"] = "1"')"
error "registration-time from the client" 400 invalid-value
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; p["colour"] = "blue"')"
error "unknown member" 400 unknown-element
http isp-b POST "$DATA" "$(reg 'c["cuid"] = "other"; c["dotsgw-provisioning:provisioning"] = []')"
error "provisioning not an object" 400 invalid-value
http isp-b GET "$DATA/dots-client=other"
check_eq "no refused body created a dots-client" "$CODE" 404
sig register get
check_eq "the registration is unchanged by the refused ones" \
    "$(jget "$SIGREG.get('registration-time')")" "$RTIME"

# --- /register is an alias of the same store ------------------------------------
printf '{"dotsgw:registration": {"server-port": %s, "capacity-bps": "7"}}' "$P_ISP" > "$TMP/sig.json"
sig register put --file "$TMP/sig.json"
check_eq "signal-channel PUT /register replaces it: 2.04" "$(code_of)" 2.04
http isp-b GET "$DATA/dots-client=$CUID"
check_eq "the data channel's client no longer carries it" "$(bj 'p')" null
http isp-b PUT "$DATA/dots-client=$CUID" "$(reg)"
check_eq "PUT the dots-client with provisioning again: 204" "$CODE" 204
sig register get
check_eq "/register: the data channel's again" \
    "$(jget "[$SIGREG.get(k) for k in ('capacity-bps', 'data-channel-cuid')]")" \
    "[\"100000000000\", \"$CUID\"]"

# --- restart: the record and its cuid survive ---------------------------------------
node_stop orch
node_start orch "$TMP/orch.yaml" || exit 1
http isp-b GET "$DATA/dots-client=$CUID"
check_eq "after a restart: the dots-client still carries the registration" \
    "$(bj '[p["capacity-bps"], p["next-hop"]]')" '["100000000000", "198.51.100.1"]'

# --- cancelling ------------------------------------------------------------------------
http isp-b PUT "$DATA/dots-client=$CUID" "$(reg 'del c["dotsgw-provisioning:provisioning"]')"
check_eq "PUT the dots-client without it: 204" "$CODE" 204
sig register get
check_eq "... cancels: /register 4.04" "$(code_of)" 4.04
http isp-b PUT "$DATA/dots-client=$CUID" "$(reg)"
check_eq "registered again: 204" "$CODE" 204
http isp-b DELETE "$DATA/dots-client=$CUID"
check_eq "DELETE dots-client: 204" "$CODE" 204
sig register get
check_eq "DELETE deregisters: /register 4.04" "$(code_of)" 4.04
# the orchestrator's upstream session to isp-b: its state in /status
isp_b_up() {
	"$DOTSCTL" --socket "$(node_sock orch)" --json status > "$TMP/st.json" 2>/dev/null
	$PY -c 'import json,sys; j = json.load(open(sys.argv[1])); print([(u["name"], u["up"]) for u in j.get("upstreams", [])])' "$TMP/st.json" 2>&1
}
isp_b_dropped() { [ "$(isp_b_up)" = "[('isp-b', False)]" ]; }
# the session is closed after the answer: poll for it
wait_for 20 isp_b_dropped
check_eq "... and the orchestrator no longer uses isp-b" "$(isp_b_up)" \
    "[('isp-b', False)]"
http isp-b POST "$DATA" "$(reg 'del c["dotsgw-provisioning:provisioning"]')"
check_eq "a plain RFC 8783 registration still works: 201" "$CODE" 201
sig register get
check_eq "... and registers nothing" "$(code_of)" 4.04

# --- the same through dotsctl data ------------------------------------------------------
"$DOTSCTL" --data-channel "https://$HOST:$DCPORT" --server-name orch \
    --cert "$TMP/pki/isp-b.pem" --key "$TMP/pki/isp-b.key" --ca "$TMP/pki/ca.pem" \
    --json data register "$(reg 'c["cuid"] = "by-dotsctl"')" > "$TMP/d.out" 2>&1
check_eq "dotsctl data register FILE with provisioning: 201 and the registration" \
    "$(jget '[j["code"], j["body"]["ietf-dots-data-channel:dots-client"][0]["dotsgw-provisioning:provisioning"]["threshold-duration"]]' "$TMP/d.out")" \
    '["201", 3600]'
sig register get
check_eq "... the registry's record, carried by that client" \
    "$(jget "$SIGREG.get('data-channel-cuid')")" by-dotsctl

[ "$T_FAILS" -eq 0 ]
