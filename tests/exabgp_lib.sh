# exabgp (the speaker dotsgwd feeds through dotsgw-exabgp-relay) and a
# gobgpd "router" peered with it on 127.0.0.1, for the exabgp mitigator
# back-end (tests/integration/mitigator_exabgp.sh, tests/bench/mitigator.sh).
# Sourced after lib.sh and t_init; nothing starts when sourced. Every
# process is stopped by PID (exa_lib_stop, which the caller puts in its
# EXIT trap).
# the ASan+UBSan relay when built (make test builds it): a relay that
# dies is respawned by exabgp at most 5 times a minute, so its faults show
if [ -z "$RELAY" ] && [ -x "$ROOT/build/asan/dotsgw-exabgp-relay" ]; then
	RELAY=$ROOT/build/asan/dotsgw-exabgp-relay
fi
RELAY=${RELAY:-$ROOT/build/dotsgw-exabgp-relay}
RTR_PID= EXA_PID=

# exa_setup DIR: free ports RTR_BGP and RTR_API, SOCK (the relay's),
# DIR/rtr.toml (the router: AS 64513, passive, flowspec v4/v6 and IPv4
# unicast) and DIR/exabgp.conf (AS 64512, connecting to the router; the
# relay as its process; adj-rib-out true, which the back-end needs;
# EXA_STATIC: more statements for its neighbor block).
exa_setup() {
	local dir=$1 p ports=()
	while [ ${#ports[@]} -lt 2 ]; do
		p=$(free_port) || return 1
		case " ${ports[*]} $PORT " in *" $p "*) continue ;; esac
		ports+=("$p")
	done
	RTR_BGP=${ports[0]} RTR_API=${ports[1]} SOCK=$dir/exabgp.sock
	EXA_DIR=$dir
	cat > "$dir/rtr.toml" <<EOF
[global.config]
  as = 64513
  router-id = "10.255.0.2"
  port = $RTR_BGP
  local-address-list = ["$HOST"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$HOST"
    peer-as = 64512
  [neighbors.transport.config]
    local-address = "$HOST"
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-flowspec"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
	cat > "$dir/exabgp.conf" <<EOF
process dotsgw {
	run $RELAY $SOCK;
	encoder text;
}
neighbor $HOST {
	router-id 10.255.0.1;
	local-address $HOST;
	local-as 64512;
	peer-as 64513;
	connect $RTR_BGP;
	adj-rib-out true;
	family { ipv4 flow; ipv6 flow; ipv4 unicast; }
	api { processes [ dotsgw ]; }
${EXA_STATIC:-}
}
EOF
}

rtr_start() {
	gobgpd -f "$EXA_DIR/rtr.toml" --api-hosts "$HOST:$RTR_API" \
	    --pprof-disable >> "$EXA_DIR/rtr.log" 2>&1 &
	RTR_PID=$!
}

# as root without dropping privileges (the test's files are root's);
# exabgp's own named pipes (api.cli) are not used; its log and the
# relay's (its stderr) go to DIR/exabgp.log
exa_start() {
	env exabgp.daemon.user=root exabgp.daemon.drop=false \
	    exabgp.daemon.daemonize=false exabgp.api.cli=false \
	    exabgp.log.level="${EXA_LOG_LEVEL:-INFO}" \
	    exabgp.log.destination=stdout \
	    exabgp "$EXA_DIR/exabgp.conf" >> "$EXA_DIR/exabgp.log" 2>&1 &
	EXA_PID=$!
}

# exa_stop [SIGNAL]
exa_stop() {
	[ -n "$EXA_PID" ] && stop_pid "$EXA_PID" "$@"
	EXA_PID=
}

exa_lib_stop() {
	exa_stop
	[ -n "$RTR_PID" ] && stop_pid "$RTR_PID"
	RTR_PID=
}

# The router has a session up with the speaker.
established() {
	gobgp -u $HOST -p "$RTR_API" neighbor 2>/dev/null | grep -qF Establ
}

# routes FAMILY: one line per route in the router's RIB (its JSON read):
# "KEY | comm C... | mid M | rate R" where KEY is gobgp's (the prefix, or
# "[destination: P][protocol: ==udp]..."), comm the communities as A:B
# (sorted), mid the MID of large communities 64512:OWNER:MID, rate the
# flowspec traffic-rate (0: discard)
routes() {
	gobgp -u $HOST -p "$RTR_API" -j global rib -a "$1" 2>/dev/null | $PY -c '
import json, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
try:
    d = json.load(sys.stdin)
except ValueError:
    d = {}
for key, paths in sorted(d.items()):
    for p in paths:
        comm, mids, rate = [], [], "-"
        for a in p["attrs"]:
            if a["type"] == 8:
                comm = sorted("%d:%d" % (c >> 16, c & 0xffff) for c in a["communities"])
            elif a["type"] == 32:
                mids = [str(v["LocalData2"]) for v in a["value"] if v["ASN"] == 64512]
            elif a["type"] == 16:
                rate = "%g" % a["value"][0].get("rate", -1)
        print("%s | comm %s | mid %s | rate %s" % (key, " ".join(comm), " ".join(mids), rate))'
}
has_route() { routes "$1" | grep -qF -- "$2"; }
no_route() { ! has_route "$@"; }
count_routes() { routes "$1" | grep -cF -- "$2"; }
