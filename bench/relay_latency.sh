#!/usr/bin/env bash
# Relay latency per hop (issue 3): chains of 1, 2 and 3 relaying gateways
# in front of a terminal one, on 127.0.0.1. For each chain, REQUESTS
# mitigation requests are sent one after another; from the daemons' own
# log timestamps (microseconds, same clock) it reports the median and p90 of
#   forward: entry gateway receives the PUT -> terminal gateway receives it
#   answer:  entry receives the PUT -> entry has the terminal's acceptance
#            (the moment it answers the customer; the first report back)
# so dotsctl's process start and handshake are not counted.
# Usage: bench/relay_latency.sh [REQUESTS]   (default 50)
. "$(dirname "$0")/../tests/lib.sh"
N=${1:-50}
t_init >/dev/null
names=(g0 g1 g2 g3)
ports=()
for n in "${names[@]}"; do
	_cert "$TMP/pki" "$n" "$n"
	p=$(free_port); while [[ " ${ports[*]} " == *" $p "* ]]; do p=$(free_port); done
	ports+=("$p")
done
conf() {	# INDEX LAST-INDEX
	local i=$1 last=$2 n=${names[$1]} cap=1000000000
	[ "$i" = "$last" ] && cap=100000000000
	cat > "$TMP/$n.yaml" <<CONF
node-id: $n
state-dir: $TMP/state
listen: [{ address: $HOST, port: ${ports[$i]}, transports: [dtls] }]
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$n.pem, key: $TMP/pki/$n.key }
capacity: { bps: $cap, pps: 100000000000 }
peers:
CONF
	if [ "$i" = 0 ]; then
		printf '  - { name: customer1, psk-identity: %s, psk-key: %s, prefixes: ["%s"], rate: { per-second: 1000, burst: 1000 }, max-mitigations: 100000 }\n' \
		    "$PSK1_ID" "$PSK1_KEY" "$PFX1" >> "$TMP/$n.yaml"
	else
		printf '  - { name: %s, cert-name: %s, trusted-gateway: true, prefixes: ["%s"], rate: { per-second: 1000, burst: 1000 }, max-mitigations: 100000 }\n' \
		    "${names[$((i - 1))]}" "${names[$((i - 1))]}" "$PFX1" >> "$TMP/$n.yaml"
	fi
	[ "$i" != "$last" ] && printf '  - { name: %s, upstream: { address: %s, port: %s } }\n' \
	    "${names[$((i + 1))]}" "$HOST" "${ports[$((i + 1))]}" >> "$TMP/$n.yaml"
	chmod 600 "$TMP/$n.yaml"
}
body='{"ietf-dots-signal-channel:mitigation-scope":{"scope":[{"target-prefix":["192.0.2.0/28"],"lifetime":600,"ietf-dots-telemetry:total-attack-traffic":[{"unit":"gigabit-ps","peak-g":"5"}]}]}}'
echo "$body" > "$TMP/big.json"
printf '%-6s %-10s %-10s %-10s %-10s\n' hops fwd_p50_ms fwd_p90_ms ans_p50_ms ans_p90_ms
for hops in 1 2 3; do
	for i in $(seq "$hops" -1 0); do conf "$i" "$hops"; rm -f "$TMP/${names[$i]}.log"; done
	for i in $(seq "$hops" -1 0); do node_start "${names[$i]}" "$TMP/${names[$i]}.yaml" >/dev/null || exit 1; done
	for i in $(seq 0 $((hops - 1))); do
		wait_for 10 grep -q "upstream ${names[$((i + 1))]} is up" "$TMP/${names[$i]}.log"
	done
	for m in $(seq 1 "$N"); do
		"$DOTSCTL" -s "coaps://$HOST:${ports[0]}" $(cred_args psk1) \
		    mitigate --mid "$m" --file "$TMP/big.json" >/dev/null 2>&1
		"$DOTSCTL" -s "coaps://$HOST:${ports[0]}" $(cred_args psk1) \
		    withdraw --mid "$m" >/dev/null 2>&1
	done
	/usr/bin/python3 - "$TMP/g0.log" "$TMP/${names[$hops]}.log" "$hops" <<'PY'
import re, sys, statistics as st
from datetime import datetime
def ts(line): return datetime.strptime(line[:26], "%Y-%m-%dT%H:%M:%S.%f").timestamp()
entry, term, hops = open(sys.argv[1]).read().splitlines(), open(sys.argv[2]).read().splitlines(), sys.argv[3]
rx = [ts(l) for l in entry if "peer customer1: PUT .well-known/dots/mitigate" in l]
acc = [ts(l) for l in entry if "accepted by upstream" in l]
arr = [ts(l) for l in term if re.search(r"peer g\d: PUT \.well-known/dots/mitigate/", l) and "hop-limit" in l]
n = min(len(rx), len(acc), len(arr))
fwd = sorted((arr[i] - rx[i]) * 1000 for i in range(n))
ans = sorted((acc[i] - rx[i]) * 1000 for i in range(n))
q = lambda v, p: v[min(len(v) - 1, int(p * len(v)))]
print(f"{hops:<6} {st.median(fwd):<10.3f} {q(fwd,.9):<10.3f} {st.median(ans):<10.3f} {q(ans,.9):<10.3f}  (n={n})")
PY
	for i in $(seq 0 "$hops"); do node_stop "${names[$i]}"; done
done
