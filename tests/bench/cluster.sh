#!/usr/bin/env bash
# A cluster of two dotsgwd nodes on one PostgreSQL (issue 17, step 2),
# next to SQLite and to PostgreSQL without a cluster. Local throughput:
# loadgen, 16 sessions x 8 outstanding NON PUTs, CLUSTER_N in all, against
# (1) one node on SQLite, (2) one node on PostgreSQL, no cluster, (3) node
# 1 of the cluster (node 2 up, idle), (4) both nodes at once (two loadgens,
# CLUSTER_N each, other cuids and targets): their sum. Failover:
# topologies/cluster-2 with CLUSTER_PL mitigations placed at the upstream
# through gw-1, gw-1 killed: the time until gw-2's log says it
# resynchronised them all with isp-up (lease-time 4 s). SKIPs the
# PostgreSQL rows when no server can be started.
# Usage: tests/bench/cluster.sh   (CLUSTER_N=3000 CLUSTER_PL=20)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bulk_conf.inc"
LOADGEN=${LOADGEN:-$ROOT/build/bench/loadgen}
CLUSTER_N=${CLUSTER_N:-3000}
CLUSTER_PL=${CLUSTER_PL:-20}
[ -x "$LOADGEN" ] || { echo "$LOADGEN not built (make bench-bins)"; exit 1; }
t_init >/dev/null
. "$ROOT/tests/pg_lib.sh"
kv() { sed -n "s/.*\<$2=\([^ ]*\).*/\1/p" <<<"$1"; }
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()
N2_PID=
trap '[ -n "$N2_PID" ] && stop_pid "$N2_PID"; t_cleanup; pg_cleanup; topo_stop' EXIT

lg() {	# PORT CUID-PREFIX FIRST-MID FIRST-ADDRESS PID
	"$LOADGEN" -q -i "$PSK1_ID" -k "$PSK1_KEY" -s "$HOST:$1" -c 16 -p 8 \
	    -w 128 -n "$CLUSTER_N" -u "$2" -m "$3" -a "$4" -P "$5"
}
row() {	# LABEL LOADGEN-LINE
	ROWS+=("$1|$(kv "$2" rps) req/s, p50 $(kv "$2" p50_ms) ms, p99 $(kv "$2" p99_ms) ms, ok $(kv "$2" ok)")
}
pg_reset() {
	pg_psql "DROP TABLE IF EXISTS placement, mitigation, upstream, sigconfig, registration, schema_version, cluster, node_lease, mit_change CASCADE" >/dev/null 2>&1
}

# (1) SQLite
bulk_conf $((CLUSTER_N * 3))
gw_start >/dev/null || { echo "dotsgwd (sqlite) did not start"; exit 1; }
echo "bench: sqlite, one node" >&2
row "sqlite, one node, $CLUSTER_N NON PUTs" "$(lg "$PORT" sa 1 10.1.0.1 "$GW_PID")"
gw_stop

if pg_start; then
	# (2) PostgreSQL, no cluster
	pg_reset
	rm -rf "$TMP/state"; mkdir -p "$TMP/state"
	bulk_conf $((CLUSTER_N * 3))
	printf 'store: { type: postgresql, conninfo: "%s" }\n' "$PG_CONNINFO" >> "$CONF"
	gw_start >/dev/null || { echo "dotsgwd (postgresql) did not start"; exit 1; }
	echo "bench: postgresql, one node, no cluster" >&2
	row "postgresql, one node, no cluster" "$(lg "$PORT" pa 1 10.1.0.1 "$GW_PID")"
	gw_stop
	# (3), (4) the cluster
	pg_reset
	rm -rf "$TMP/state"; mkdir -p "$TMP/state" "$TMP/state2"
	bulk_conf $((CLUSTER_N * 5))
	printf 'store: { type: postgresql, conninfo: "%s" }\ncluster: { name: bench, node-id: n1, lease-time: 4 }\n' \
	    "$PG_CONNINFO" >> "$CONF"
	P2=$(free_port)
	sed -e "s#state-dir: $TMP/state\$#state-dir: $TMP/state2#" \
	    -e "s#port: $PORT,#port: $P2,#" -e "s#node-id: n1,#node-id: n2,#" \
	    "$CONF" > "$TMP/n2.yaml"
	chmod 600 "$TMP/n2.yaml"
	gw_start >/dev/null || { echo "cluster node 1 did not start"; exit 1; }
	"$DOTSGWD" -f -c "$TMP/n2.yaml" 2>"$TMP/n2.log" >/dev/null &
	N2_PID=$!
	wait_for 30 has "$TMP/n2.log" "dotsgwd ready" ||
	    { echo "cluster node 2 did not start: $(tail -n 3 "$TMP/n2.log")"; exit 1; }
	echo "bench: cluster, node 1 alone" >&2
	row "cluster of 2 on postgresql: node 1 alone (node 2 idle)" \
	    "$(lg "$PORT" c1 1 10.2.0.1 "$GW_PID")"
	echo "bench: cluster, both nodes at once" >&2
	lg "$PORT" d1 100000 10.3.0.1 "$GW_PID" > "$TMP/lg1" &
	a=$!
	lg "$P2" d2 200000 10.4.0.1 "$N2_PID" > "$TMP/lg2" &
	b=$!
	wait $a $b
	L1=$(cat "$TMP/lg1") L2=$(cat "$TMP/lg2")
	row "cluster of 2: node 1, both loaded" "$L1"
	row "cluster of 2: node 2, both loaded" "$L2"
	ROWS+=("cluster of 2: both nodes together|$(awk -v a="$(kv "$L1" rps)" -v b="$(kv "$L2" rps)" 'BEGIN { printf "%.0f req/s", a + b }')")
	stop_pid "$N2_PID"; N2_PID=
	gw_stop
	pg_cleanup
else
	ROWS+=("postgresql|SKIP: $PG_WHY")
fi

# failover time: topologies/cluster-2
. "$ROOT/topologies/topo.sh"
if topo_load cluster-2 && topo_setup "$TMP/c2" >/dev/null && topo_start; then
	# 2 G each, 4 a second: more than gw-1's own 1 G, and isp-up takes 40
	# G in all from edge, at most 10 requests a second (a placement is a
	# PUT and an Observe)
	for m in $(seq 1 "$CLUSTER_PL"); do
		topo_request "$m" "192.0.2.$m/32" 2 > /dev/null
		sleep 0.25
	done
	placed() { [ "$(topo_q isp-up 'len([m for m in act if m["peer"] == "edge"])')" = "$CLUSTER_PL" ]; }
	if topo_wait 60 placed; then
		t0=${EPOCHREALTIME/[.,]/}
		topo_node_stop gw-1 KILL
		synced() { has "$TMP/c2/gw-2.log" "upstream isp-up resynchronised: $CLUSTER_PL placements kept"; }
		topo_wait 60 synced
		t1=${EPOCHREALTIME/[.,]/}
		if synced; then
			ROWS+=("failover: gw-1 killed -> its $CLUSTER_PL placements owned and resynchronised by gw-2 (lease-time 4 s)|$(( (t1 - t0) / 1000 )) ms; isp-up holds $(topo_q isp-up 'len([m for m in act if m["peer"] == "edge"])')")
		else
			ROWS+=("failover|not resynchronised within 60 s")
		fi
	else
		ROWS+=("failover|the $CLUSTER_PL placements were not all at isp-up")
	fi
	topo_stop
else
	ROWS+=("failover|SKIP: topologies/cluster-2 did not start")
fi

echo
echo "cluster: $(nproc) cores, load $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| run | result |"
echo "|---|---|"
for r in "${ROWS[@]}"; do echo "| ${r%%|*} | ${r#*|} |"; done
