# cluster-2: two dotsgwd nodes of one cluster on a throwaway PostgreSQL,
# one upstream ISP. Read by topologies/topo.sh; topology_setup and
# topology_cleanup are its hooks (the database lives in a temp dir of
# its own, reachable by the unprivileged user it runs as, stopped by its
# postmaster's PID, then removed).
TOPO_DESC="a cluster of two gateways (gw-1, gw-2) on one PostgreSQL, upstream isp-up; gw-1 dies, gw-2 takes over its placements"
NODES="isp-up gw-1 gw-2"
# the customer knows both nodes (dotsctl -s gw-1 -s gw-2)
CUSTOMER_NODE=gw-1
CUSTOMER_NODES="gw-1 gw-2"
CUSTOMER_PSK_ID=customer1
CUSTOMER_PSK_KEY=cluster2-customer1-secret
# 5 Gbit/s: more than a gateway's 1 Gbit/s, placed at isp-up
REQUEST_TARGET=192.0.2.10/32
REQUEST_GBPS=5
# a node "holds" what it relays: the other node keeps a copy without
# relay state (gateway/state/cluster.h)
TOPO_RELAYED_ONLY=1
export TOPO_RELAYED_ONLY
EXPECT_HOLD="isp-up gw-1"
EXPECT_LOCAL="isp-up"
# topologies/run cluster-2 --failover: gw-1 killed; gw-2 takes its lease
# (4 s) and its placement at isp-up over, which holds it once
FAILOVER_NODE=gw-1
EXPECT_HOLD_FAILOVER="isp-up gw-2"

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
TOPO_PG_PID=
TOPO_PG_DIR=

# topology_setup WORK: initdb + pg_ctl start as a non-root user; @PG@ is
# the conninfo the nodes' YAML gets.
topology_setup() {
	local d port run=()
	[ -x "$PG_BIN/initdb" ] || { topo_err "PostgreSQL 15 is not installed ($PG_BIN)"; return 1; }
	# not under WORK: a test's WORK may sit in a 0700 dir of root's
	d=$(mktemp -d "${TMPDIR:-/tmp}/dotsgw-pg.XXXXXX") || return 1
	TOPO_PG_DIR=$d
	chmod 755 "$d" || return 1
	if [ "$(id -u)" = 0 ]; then
		run=(runuser -u nobody --)
		chown nobody "$d"
	fi
	port=$(topo_free_port) || return 1
	(cd "$d" && "${run[@]}" "$PG_BIN/initdb" -D "$d/data" -U dotsgw \
	    -A trust -E UTF8 --no-sync) > "$1/initdb.log" 2>&1 ||
	    { topo_err "initdb failed (see $1/initdb.log)"; return 1; }
	(cd "$d" && "${run[@]}" sh -c "cat >> '$d/data/postgresql.conf'") <<EOC
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$d'
max_connections = 20
shared_buffers = 16MB
EOC
	(cd "$d" && "${run[@]}" "$PG_BIN/pg_ctl" -D "$d/data" \
	    -l "$d/server.log" -w -t 60 start) > /dev/null 2>&1 ||
	    { topo_err "PostgreSQL did not start (see $d/server.log)"; return 1; }
	TOPO_PG_PID=$(head -n 1 "$d/data/postmaster.pid")
	TOPO_PG="host=127.0.0.1 port=$port user=dotsgw dbname=postgres"
	echo "  postgresql  127.0.0.1:$port (pid $TOPO_PG_PID, $d)"
}

# topology_cleanup: fast shutdown by PID (then immediate, then KILL), its
# dir removed
topology_cleanup() {
	local i sig
	for sig in INT QUIT KILL; do
		[ -n "$TOPO_PG_PID" ] || break
		kill -"$sig" "$TOPO_PG_PID" 2>/dev/null || break
		for i in $(seq 1 100); do
			kill -0 "$TOPO_PG_PID" 2>/dev/null || break 2
			sleep 0.1
		done
	done
	TOPO_PG_PID=
	[ -n "$TOPO_PG_DIR" ] && rm -rf "$TOPO_PG_DIR"
	TOPO_PG_DIR=
}
