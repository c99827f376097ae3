# dotsgw topologies: functions shared by topologies/run (the demo) and
# tests/integration/topo_*.sh (the same topologies, with assertions).
# Source it from bash, then: topo_load NAME; topo_setup DIR; topo_start;
# topo_request ...; topo_view ...; topo_withdraw ...; topo_stop.
#
# A topology is a folder topologies/NAME/ holding one NAME.yaml per node,
# a README.md and topology.sh, which sets (see topologies/README.md):
#   NODES          gateways, one NODE.yaml each, started in this order
#   CUSTOMER_NODE  the gateway the customer (dotsctl) talks to
#   CUSTOMER_PSK_ID, CUSTOMER_PSK_KEY   its PSK credentials there
#   REQUEST_TARGET, REQUEST_GBPS [, REQUEST_SOURCE]   the sample attack
#   EXPECT_HOLD    nodes that hold the sample request while it is active
#   EXPECT_LOCAL   nodes that mitigate it with their own means
# The YAML files use placeholders the runner fills in: @HOST@, @PKI@,
# @STATE@, @PORT:NODE@ (its DOTS port), @ADMIN:NODE@ (its admin port:
# /metrics). Each node's control socket (status, reload) is DIR/NODE.sock:
# the runner adds a control: section to a node without one (the nodes
# share a state-dir, where the default socket would be).
# Every node gets an X.509 certificate with CN = its name from a
# throwaway CA (topologies/pki.sh). Only 127.0.0.1 is used.

TOPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TOPO_DOTSGWD=${DOTSGWD:-$TOPO_ROOT/build/dotsgwd}
TOPO_DOTSCTL=${DOTSCTL:-$TOPO_ROOT/build/dotsctl}
TOPO_PY=/usr/bin/python3
TOPO_HOST=127.0.0.1
declare -A TOPO_PORT TOPO_ADMIN TOPO_SOCK TOPO_PID

topo_err() { echo "topology: $*" >&2; }

# topo_load NAME: read topologies/NAME/topology.sh.
topo_load() {
	TOPO_NAME=$1
	TOPO_DIR=$TOPO_ROOT/topologies/$1
	REQUEST_SOURCE= EXPECT_HOLD= EXPECT_LOCAL=
	if [ ! -f "$TOPO_DIR/topology.sh" ]; then
		topo_err "no topology $1 (no $TOPO_DIR/topology.sh)"
		return 1
	fi
	# shellcheck disable=SC1091
	. "$TOPO_DIR/topology.sh"
	local n
	for n in $NODES; do
		[ -f "$TOPO_DIR/$n.yaml" ] || {
			topo_err "$1: node $n has no $n.yaml"; return 1; }
	done
	[ -n "$CUSTOMER_NODE" ] && [ -n "$CUSTOMER_PSK_ID" ] || {
		topo_err "$1: CUSTOMER_NODE and CUSTOMER_PSK_ID are required"
		return 1; }
}

# A random port free on 127.0.0.1 for UDP and TCP, not yet taken by
# this topology, and below the ephemeral range: nodes started first
# connect out from ephemeral ports and would take a later node's port.
# Each port handed out is reserved (TOPO_PORTS_DIR/PORT holds the PID of
# the script that took it, under a lock): another test running at the
# same time cannot pick it between this check and its daemon's bind. A
# reservation whose script is gone is free again.
TOPO_PORTS_DIR=${DOTSGW_PORTS_DIR:-/tmp/dotsgw-ports}
topo_free_port() {
	local i p used lo=20000 hi
	hi=$(awk '{print $1}' /proc/sys/net/ipv4/ip_local_port_range \
	    2>/dev/null)
	[ -n "$hi" ] && [ "$hi" -gt $((lo + 1000)) ] || hi=60000
	for i in $(seq 1 100); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo)))
		used=" ${TOPO_PORT[*]} ${TOPO_ADMIN[*]} "
		[[ $used == *" $p "* ]] && continue
		if topo_reserve_port "$p"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# topo_port_bound PORT: something listens on it (UDP or TCP, any address).
topo_port_bound() {
	{ ss -Hlun; ss -Hltn; } 2>/dev/null | awk '{print $4}' |
	    grep -qE "(^|[:\]])$1\$"
}

# topo_reserve_port PORT: reserve it for this script ($$: the main shell,
# also inside $(...)) unless bound or reserved by a live script (this one
# included). Without flock or a writable TOPO_PORTS_DIR only the bound
# check is made.
topo_reserve_port() {
	local p=$1
	if ! command -v flock >/dev/null ||
	    ! { mkdir -p -m 1777 "$TOPO_PORTS_DIR" &&
	    : >> "$TOPO_PORTS_DIR/.lock"; } 2>/dev/null; then
		! topo_port_bound "$p"
		return
	fi
	(
		flock -w 10 9 || exit 1
		owner=$(cat "$TOPO_PORTS_DIR/$p" 2>/dev/null)
		if [ -n "$owner" ] && [ -d "/proc/$owner" ]; then
			exit 1
		fi
		topo_port_bound "$p" && exit 1
		echo "$$" > "$TOPO_PORTS_DIR/$p" 2>/dev/null || exit 1
	) 9>>"$TOPO_PORTS_DIR/.lock"
}

# topo_setup DIR: PKI, ports and configs under DIR (made if missing).
topo_setup() {
	TOPO_WORK=$1
	mkdir -p "$TOPO_WORK/state" || return 1
	# a topology's own setup (cluster-2: its PostgreSQL, @PG@)
	if declare -F topology_setup >/dev/null; then
		topology_setup "$TOPO_WORK" || return 1
	fi
	sh "$TOPO_ROOT/topologies/pki.sh" "$TOPO_WORK/pki" ca ca \
	    "dotsgw $TOPO_NAME CA" || return 1
	local n m sedargs=()
	for n in $NODES; do
		sh "$TOPO_ROOT/topologies/pki.sh" "$TOPO_WORK/pki" cert "$n" ||
		    return 1
		TOPO_PORT[$n]=$(topo_free_port) || return 1
		TOPO_ADMIN[$n]=$(topo_free_port) || return 1
		TOPO_SOCK[$n]=$TOPO_WORK/$n.sock
	done
	sedargs+=(-e "s|@HOST@|$TOPO_HOST|g" -e "s|@PKI@|$TOPO_WORK/pki|g"
	    -e "s|@STATE@|$TOPO_WORK/state|g")
	[ -n "${TOPO_PG:-}" ] && sedargs+=(-e "s|@PG@|$TOPO_PG|g")
	for m in $NODES; do
		sedargs+=(-e "s|@PORT:$m@|${TOPO_PORT[$m]}|g"
		    -e "s|@ADMIN:$m@|${TOPO_ADMIN[$m]}|g")
	done
	for n in $NODES; do
		sed "${sedargs[@]}" "$TOPO_DIR/$n.yaml" > "$TOPO_WORK/$n.yaml"
		grep -q '^control:' "$TOPO_WORK/$n.yaml" ||
		    printf '\ncontrol: { socket: %s }\n' "${TOPO_SOCK[$n]}" \
		    >> "$TOPO_WORK/$n.yaml"
		chmod 600 "$TOPO_WORK/$n.yaml"
		m=$(grep -oE '@[A-Z]+(:[A-Za-z0-9_.-]+)?@' "$TOPO_WORK/$n.yaml" |
		    head -n 1)
		if [ -n "$m" ]; then
			topo_err "$n.yaml: unknown placeholder $m"
			return 1
		fi
		"$TOPO_DOTSGWD" -n -c "$TOPO_WORK/$n.yaml" >/dev/null \
		    2>"$TOPO_WORK/$n.check" || {
			topo_err "$n.yaml: $(tail -n 1 "$TOPO_WORK/$n.check")"
			return 1; }
	done
}

# topo_node_start NODE [N]: start it, wait 20 s at most for its ready
# line (the Nth in its log: a restart appends to it).
topo_node_start() {
	local n=$1 log=$TOPO_WORK/$1.log i c
	"$TOPO_DOTSGWD" -f -v -c "$TOPO_WORK/$n.yaml" 2>>"$log" >/dev/null &
	TOPO_PID[$n]=$!
	for i in $(seq 1 200); do
		c=$(grep -cF 'dotsgwd ready' "$log" 2>/dev/null)
		[ "${c:-0}" -ge "${2:-1}" ] && return 0
		if ! kill -0 "${TOPO_PID[$n]}" 2>/dev/null; then
			topo_err "$n exited: $(tail -n 3 "$log")"
			unset "TOPO_PID[$n]"
			return 1
		fi
		sleep 0.1
	done
	topo_err "$n: no ready line within 20 s"
	return 1
}

# topo_stop_pid PID [SIGNAL]: TERM (or SIGNAL), STOP_GRACE (3) s, then
# KILL; reap it.
topo_stop_pid() {
	kill "-${2:-TERM}" "$1" 2>/dev/null
	for _ in $(seq 1 $((${STOP_GRACE:-3} * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# topo_node_stop NODE [SIGNAL]
topo_node_stop() {
	[ -n "${TOPO_PID[$1]}" ] || return 0
	topo_stop_pid "${TOPO_PID[$1]}" "$2"
	unset "TOPO_PID[$1]"
}

topo_stop() {
	local n
	for n in "${!TOPO_PID[@]}"; do
		topo_node_stop "$n"
	done
	if declare -F topology_cleanup >/dev/null; then
		topology_cleanup
	fi
}

# topo_status NODE: its status JSON (control socket) on stdout ("{}" when
# it is down). A node that is up answers at once; 10 s allow for a loaded
# machine.
topo_status() {
	"$TOPO_DOTSCTL" --socket "${TOPO_SOCK[$1]}" --timeout 10 --json \
	    status 2>/dev/null || echo "{}"
}

# topo_q NODE EXPR: a Python expression over NODE's status (j), printed.
# Helpers: act = its active mitigations (not withdrawn, not terminated),
# ups = {name: up} of its upstream sessions.
topo_q() {
	topo_status "$1" | $TOPO_PY -c '
import json, os, sys
try:
    j = json.loads(sys.stdin.read() or "{}")
except ValueError:
    j = {}
act = [m for m in j.get("mitigations", []) if m.get("status") not in (5, 6, 7)]
if os.environ.get("TOPO_RELAYED_ONLY"):	# a cluster: what the node relays
    act = [m for m in act if "relay" in m]
ups = {u["name"]: u["up"] for u in j.get("upstreams", [])}
v = eval(sys.argv[1])
print(v if isinstance(v, str) else json.dumps(v))
' "$2"
}

# topo_sessions_up: every upstream session of every running node is up.
topo_sessions_up() {
	local n
	for n in $NODES; do
		[ -n "${TOPO_PID[$n]}" ] || continue
		[ "$(topo_q "$n" '"upstreams" in j and all(ups.values()) and "ok" or "no"')" = ok ] ||
		    return 1
	done
}

# topo_wait SECONDS CMD...: poll every 0.2 s until CMD succeeds.
topo_wait() {
	local end=$((SECONDS + $1))
	shift
	while [ $SECONDS -lt $end ]; do
		"$@" && return 0
		sleep 0.2
	done
	"$@"
}

# topo_start: every node, then every upstream session up (20 s at most).
topo_start() {
	local n
	for n in $NODES; do
		topo_node_start "$n" || return 1
	done
	topo_wait 20 topo_sessions_up || {
		topo_err "upstream sessions not all up within 20 s"; return 1; }
}

# topo_ctl ARGS...: dotsctl --json as the customer toward CUSTOMER_NODE.
topo_ctl() {
	local n srv=()
	# CUSTOMER_NODES: a cluster's nodes, tried in turn (dotsctl -s A -s B)
	for n in ${CUSTOMER_NODES:-$CUSTOMER_NODE}; do
		srv+=(-s "coaps://$TOPO_HOST:${TOPO_PORT[$n]}")
	done
	"$TOPO_DOTSCTL" "${srv[@]}" \
	    --psk-identity "$CUSTOMER_PSK_ID" --psk-key "$CUSTOMER_PSK_KEY" \
	    --json "$@"
}

# topo_request MID [TARGET [GBPS [SOURCE]]]: the sample attack (defaults
# from topology.sh) with RFC 9244 total-attack-traffic and, when SOURCE
# is given, the RFC 9066 source-prefix. The customer's answer on stdout.
topo_request() {
	local mid=$1 target=${2:-$REQUEST_TARGET} gbps=${3:-$REQUEST_GBPS}
	local src=${4-$REQUEST_SOURCE} f=$TOPO_WORK/req$1.json extra=
	[ -n "$src" ] && extra=", \"ietf-dots-call-home:source-prefix\": [\"$src\"]"
	cat > "$f" <<EOF
{"ietf-dots-signal-channel:mitigation-scope": {"scope": [{
  "target-prefix": ["$target"], "target-protocol": [17], "lifetime": 3600,
  "ietf-dots-telemetry:total-attack-traffic": [{"unit": "gigabit-ps", "peak-g": "$gbps"}]$extra
}]}}
EOF
	topo_ctl mitigate --mid "$mid" --file "$f"
}

topo_withdraw() { topo_ctl withdraw --mid "$1"; }

# topo_holds NODE: "PEER:MID" of each active mitigation at NODE, sorted.
topo_holds() {
	topo_q "$1" '" ".join(sorted("%s:%s" % (m["peer"], m["mid"]) for m in act))'
}

# topo_holders: the nodes that hold an active mitigation, in NODES order.
topo_holders() {
	local n out=
	for n in $NODES; do
		[ -n "${TOPO_PID[$n]}" ] || continue
		[ -n "$(topo_holds "$n")" ] && out="$out${out:+ }$n"
	done
	echo "$out"
}

# topo_local: the nodes that mitigate something with their own means.
topo_local() {
	local n out=
	for n in $NODES; do
		[ -n "${TOPO_PID[$n]}" ] || continue
		[ "$(topo_q "$n" 'any(m.get("relay", {}).get("local") for m in act) and "y" or ""')" = y ] &&
		    out="$out${out:+ }$n"
	done
	echo "$out"
}

# topo_view TITLE: one table of what every node holds now: per
# mitigation its peer and mid, status, local or placements upstream
# (upstream:state/status), and the decision's reason.
topo_view() {
	local n
	echo "== $1"
	for n in $NODES; do
		if [ -n "${TOPO_PID[$n]}" ]; then
			printf '%s\t' "$n"
			topo_status "$n" | tr -d '\n'
			echo
		else
			printf '%s\t{"down": true}\n' "$n"
		fi
	done | $TOPO_PY -c '
import json, sys
short = {1: "in-progress", 2: "mitigated", 3: "stopped", 4: "exceeded",
    5: "withdrawn", 6: "terminated", 7: "withdrawn-by-server", 8: "signal-loss"}
rows = [("node", "from:mid", "status", "where", "why")]
for line in sys.stdin:
    node, _, js = line.rstrip("\n").partition("\t")
    try:
        j = json.loads(js or "{}")
    except ValueError:
        j = {}
    if j.get("down"):
        rows.append((node, "-", "DOWN", "", ""))
        continue
    ms = j.get("mitigations", [])
    if not ms:
        rows.append((node, "-", "", "", ""))
    for m in ms:
        r = m.get("relay") or {}
        where = []
        if r.get("local"):
            where.append("local")
        for p in r.get("placements", []):
            where.append("%s:%s/%s" % (p["upstream"], p["state"],
                short.get(p.get("status"), "-")))
        rows.append((node, "%s:%s" % (m["peer"], m["mid"]),
            short.get(m.get("status"), str(m.get("status"))),
            " ".join(where) or "-", (r.get("reason") or "")[:70]))
w = [max(len(r[i]) for r in rows) for i in range(4)]
for r in rows:
    print("  " + "  ".join(r[i].ljust(w[i]) for i in range(4)) + "  " + r[4])
'
}
