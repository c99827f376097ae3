#!/usr/bin/env bash
# The orchestrator's capability filter fed by telemetry (issue 18): ISPs
# isp-x (registered attack-type udp-flood) and isp-y (syn-flood) register
# at orch; customer1 at isp-a reports telemetry (5 Gbit/s, attack-detail
# udp-flood toward 192.0.2.0/26, syn-flood toward 192.0.2.64/26), which
# isp-a relays to orch. A mitigation request without attack detail (and
# without volume: telemetry's makes isp-a go upstream) toward the first
# target reaches isp-x and not isp-y; toward the second, the reverse.
. "$(dirname "$0")/../lib.sh"
t_init
node_certs orch isp-a isp-x isp-y
node_ports P_O P_A P_X P_Y
declare -A P=([orch]=$P_O [isp-a]=$P_A [isp-x]=$P_X [isp-y]=$P_Y)
ALL="192.0.2.0/24, 198.51.100.0/24"

# conf NAME ROLE [CAPACITY]: up to "peers:"
conf() {
	cat > "$TMP/$1.yaml" <<EOF
role: $2
node-id: $1
state-dir: $TMP/state-$1
listen:
  - { address: $HOST, port: ${P[$1]}, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$1.pem, key: $TMP/pki/$1.key }
mitigation: { active-but-terminating: 1 }
gateway: { relay-timeout: 3000 }
EOF
	[ -n "$3" ] && echo "capacity: { bps: $3, pps: 100000000, default-attack-bps: 1000000, default-attack-pps: 1000 }" >> "$TMP/$1.yaml"
	echo "peers:" >> "$TMP/$1.yaml"
	mkdir -p "$TMP/state-$1"
	chmod 600 "$TMP/$1.yaml"
}
conf orch orchestrator
for i in isp-a isp-x isp-y; do
	cat >> "$TMP/orch.yaml" <<EOF
  - name: $i
    cert-name: $i
    trusted-gateway: true
    prefixes: [$ALL]
    upstream: { server-name: $i }
EOF
done
# isp NAME CAPACITY ATTACK-TYPE: registers at orch
isp() {
	conf "$1" gateway "$2"
	cat >> "$TMP/$1.yaml" <<EOF
  - name: orch
    cert-name: orch
    trusted-gateway: true
    prefixes: [$ALL]
    actions: [local]
    upstream:
      address: $HOST
      port: $P_O
      orchestrator: true
      register:
        capacity: { bps: 100000000000, pps: 10000000 }
        attack-types: [$3]
        countermeasures: [scrubbing]
        thresholds: { bps: 100000000000, duration: 86400 }
        prefixes: [198.51.100.0/24]
EOF
}
isp isp-a 1000000000 dns-amplification
cat >> "$TMP/isp-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
    rate: { per-second: 1000, burst: 1000 }
EOF
isp isp-x 100000000000 udp-flood
isp isp-y 100000000000 syn-flood
for n in orch isp-a isp-x isp-y; do
	node_start "$n" "$TMP/$n.yaml" || exit 1
done
logged() { has "$TMP/$1.log" "$2"; }
allreg() {
	for i in isp-a isp-x isp-y; do
		logged orch "peer $i registered" &&
		    logged orch "upstream $i is up" || return 1
	done
	logged isp-a "orchestrator orch is active"
}
wait_for 30 allreg && pass "isp-a, isp-x, isp-y registered at orch, sessions up" ||
    fail "registrations" "$(grep -hF -e registered -e 'is up' -e active "$TMP"/*.log | tail -n 8)"

A=coaps://$HOST:$P_A
CUID_O=$(cuid_cert "$TMP/pki/orch.pem")
# the customer's telemetry: one entry per target, each naming its attack
printf '%s' '{"ietf-dots-telemetry:telemetry":{"pre-or-ongoing-mitigation":[
 {"target":{"target-prefix":["192.0.2.0/26"]},"total-attack-traffic":[{"unit":"gigabit-ps","peak-g":"5"}],
  "attack-detail":[{"vendor-id":32473,"attack-id":1,"attack-description":"udp-flood"}]},
 {"target":{"target-prefix":["192.0.2.64/26"]},"total-attack-traffic":[{"unit":"gigabit-ps","peak-g":"5"}],
  "attack-detail":[{"vendor-id":32473,"attack-id":2,"attack-description":"syn-flood"}]}]}}' > "$TMP/tm.json"
expect "customer telemetry at isp-a (tmid 1) -> 2.04" 2.04 psk1 "$A" \
    telemetry report --tmid 1 --file "$TMP/tm.json"
at_orch() { has "$TMP/orch.log" "peer isp-a: telemetry tmid" "accepted: 2 targets"; }
wait_for 20 at_orch && pass "isp-a relays the telemetry to orch" ||
    fail "telemetry at orch" "$(grep -hF telemetry "$TMP/isp-a.log" "$TMP/orch.log" | tail -n 4)"

# placed NODE: how many of orch's requests NODE mitigates
placed() { count_of "$TMP/$1.log" "peer orch cuid $CUID_O mid "; }
local_at() { count_seq "$TMP/$1.log" "peer orch cuid $CUID_O mid " ": local mitigation"; }
# ask MID PREFIX TO LEFT-OUT ATTACK: no attack detail, no volume
ask() {
	local mid=$1 pfx=$2 to=$3 out=$4 attack=$5 to0 out0
	to0=$(local_at "$to") out0=$(local_at "$out")
	mkcbor "$TMP/m$mid.cbor" "{1:{2:[{6:['$pfx'],14:600}]}}"
	ctl psk1 "$A" mitigate --mid "$mid" --cbor-file "$TMP/m$mid.cbor"
	[ "$(code_of)" = 2.01 ] &&
	    pass "mid $mid ($pfx, no attack detail): 2.01" ||
	    fail "request mid $mid" "$(_ctl_why)"
	more() { [ "$(local_at "$to")" -gt "$to0" ]; }
	wait_for 20 more &&
	    pass "mid $mid ($attack by telemetry) reaches $to" ||
	    fail "mid $mid at $to" "$(grep -hF -e 'left out' -e 'peer orch' "$TMP/orch.log" "$TMP/$to.log" | tail -n 4)"
	# orch decides once for both ISPs: the left-out line is written
	# before it sends to any, so with the request at $to it is there
	logged orch "ISP $out left out: not capable of $attack" &&
	    pass "mid $mid: orch leaves $out out (telemetry names $attack)" ||
	    fail "mid $mid left out" "$(grep -hF 'left out' "$TMP/orch.log" | tail -n 3)"
	check_eq "mid $mid does not reach $out" "$(local_at "$out")" "$out0"
}
ask 1 192.0.2.1/32 isp-x isp-y udp-flood
ask 2 192.0.2.65/32 isp-y isp-x syn-flood
nodes_stop
