# A throwaway PostgreSQL for one test (bash; source after lib.sh), and
# what the tests on it share (a two-node cluster, outage streams).
#
# pg_start initdb's a cluster in a temp dir of its own, owned by an
# unprivileged user (initdb and postgres refuse root: "nobody" when we are
# root, else ourselves), listening on 127.0.0.1 on a port from
# topo_free_port and on a Unix socket in that dir only, trust auth for the
# one role "dotsgw". pg_down / pg_up stop and start the same cluster (a
# database outage); pg_cleanup stops it by its postmaster PID and removes
# the dir; pg_start arranges for it to run at exit.
# Usage:
#   pg_start || { skip NAME "$PG_WHY"; exit 0; }
#   ... "store: { type: postgresql, conninfo: \"$PG_CONNINFO\" }" ...
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
PG_PORT=
PG_PID=
PG_WHY=
PG_CONNINFO=
PG_RUN=()	# the command prefix that runs as the cluster's owner

# pg_as CMD...: CMD as the cluster's owner, from its dir.
pg_as() { (cd "$PG_DIR" && "${PG_RUN[@]}" "$@"); }

# pg_psql SQL: one statement through psql as dotsgw, unaligned output.
pg_psql() {
	"$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U dotsgw \
	    -d postgres -v ON_ERROR_STOP=1 -c "$1"
}

pg_start() {
	local owner
	if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
		PG_WHY="PostgreSQL 15 server not installed ($PG_BIN; Debian package postgresql)"
		return 1
	fi
	if [ "$(id -u)" = 0 ]; then
		owner=nobody
		id "$owner" >/dev/null 2>&1 && command -v runuser >/dev/null ||
		    { PG_WHY="no user nobody or no runuser to run PostgreSQL unprivileged"; return 1; }
		PG_RUN=(runuser -u "$owner" --)
	else
		owner=$(id -un)
		PG_RUN=()
	fi
	PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dotsgw-pg.XXXXXX") ||
	    { PG_WHY="mktemp failed"; return 1; }
	trap 't_cleanup; pg_cleanup' EXIT
	chmod 755 "$PG_DIR"
	[ "$(id -u)" = 0 ] && chown "$owner" "$PG_DIR"
	PG_PORT=$(topo_free_port) || { PG_WHY="no free port"; return 1; }
	# --no-sync: initdb's own files only; the server fsyncs its commits
	if ! pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U dotsgw -A trust \
	    -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1; then
		PG_WHY="initdb failed: $(tail -n 3 "$PG_DIR/initdb.log" | tr '\n' ' ')"
		return 1
	fi
	pg_as sh -c "cat >> '$PG_DIR/data/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR'
max_connections = 20
shared_buffers = 16MB
EOF
	PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=dotsgw dbname=postgres"
	pg_up || { PG_WHY="the server did not start: $(tail -n 3 "$PG_DIR/server.log" | tr '\n' ' ')"; return 1; }
}

# pg_up: start the cluster (again); PG_PID is its postmaster.
pg_up() {
	pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" \
	    -w -t 60 start >/dev/null 2>&1 || return 1
	PG_PID=$(head -n 1 "$PG_DIR/data/postmaster.pid" 2>/dev/null)
	[ -n "$PG_PID" ] && kill -0 "$PG_PID" 2>/dev/null
}

# pg_down: fast shutdown (clients disconnected, what they committed kept),
# by PID; immediate, then KILL, if it lingers.
pg_down() {
	local i
	[ -n "$PG_PID" ] || return 0
	kill -INT "$PG_PID" 2>/dev/null
	for i in $(seq 1 300); do
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -QUIT "$PG_PID" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$PG_PID" 2>/dev/null
	PG_PID=
}

pg_cleanup() {
	pg_down
	if [ -n "$PG_DIR" ] && [ -z "$KEEP_TMP" ]; then
		rm -rf "$PG_DIR"
	fi
	PG_DIR=
}

# --- what the tests on it share ----------------------------------------------

# now_us: the wall clock in microseconds (stream logs)
now_us() { local t=$EPOCHREALTIME; echo "${t/[.,]/}"; }

# listed_mids URI MIN: the mids >= MIN customer1's GET all through URI
# lists, one a line, sorted; "no answer: WHY" without a 2.05
listed_mids() {
	ctl psk1 "$1" get
	[ "$(code_of)" = 2.05 ] || { echo "no answer: $(_ctl_why)"; return; }
	jget '" ".join(str(x["mid"]) for x in j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"] if x["mid"] >= '"$2"')' |
	    tr ' ' '\n' | grep . | sort -n
}

# pg_lost MIN: the database's mids >= MIN in $TMP/indb; those of
# $TMP/acked it lacks in $TMP/lost
pg_lost() {
	pg_psql "SELECT mid FROM mitigation WHERE mid >= $1 ORDER BY mid" \
	    > "$TMP/indb"
	comm -23 "$TMP/acked" "$TMP/indb" > "$TMP/lost"
}

# pg_cluster_conf [SED-ARG...]: $CONF on this server as node n1 of
# cluster "test" (lease-time 4); $CONF2 node n2's, the same on port PORT2
# with state dir state2 (and SED-ARGs); D1 and D2 their URIs, N2_LOG the
# log n2_start writes.
pg_cluster_conf() {
	printf 'store:\n  type: postgresql\n  conninfo: "%s"\ncluster:\n  name: test\n  node-id: n1\n  lease-time: 4\n' \
	    "$PG_CONNINFO" >> "$CONF"
	PORT2=$(free_port) || { fail port "no free port"; return 1; }
	mkdir -p "$TMP/state2"
	CONF2=$TMP/dotsgw2.yaml
	sed -e "s#state-dir: $TMP/state\$#state-dir: $TMP/state2#" \
	    -e "s#port: $PORT\$#port: $PORT2#" -e "s#node-id: n1\$#node-id: n2#" \
	    "$@" "$CONF" > "$CONF2"
	chmod 600 "$CONF2"
	D1=$URI_D
	D2=coaps://$HOST:$PORT2
	N2_LOG=$TMP/n2.log
}

# n2_start: node 2 in the background, ready within READY_WAIT s; n2_stop
# stops it (the test's EXIT trap calls it)
N2_PID=
n2_start() {
	local i
	"$DOTSGWD" -f -c "$CONF2" 2>>"$N2_LOG" >/dev/null &
	N2_PID=$!
	for i in $(seq 1 $((READY_WAIT * 10))); do
		[ "$(ready_count "$N2_LOG")" -gt 0 ] && return 0
		kill -0 "$N2_PID" 2>/dev/null || break
		sleep 0.1
	done
	fail n2_start "node 2 not ready: $(tail -n 5 "$N2_LOG")"
	return 1
}
n2_stop() { [ -n "$N2_PID" ] && stop_pid "$N2_PID"; N2_PID=; }

# pg_none_owned_by NODE: no mitigation row is NODE's (taken over)
pg_none_owned_by() {
	[ "$(pg_psql "SELECT count(*) FROM mitigation WHERE owner = '$1'")" = 0 ]
}

# pg_back: pg_up after an outage; if it does not come back, a failure,
# the stream ($SPID) stopped, and the test ends
pg_back() {
	pg_up && return 0
	fail "pg_up" "PostgreSQL did not start again"
	touch "$TMP/stream.stop"
	wait "$SPID"
	exit 1
}

# outage_split CODE START DOWN UP: of the stream log $S, whose field
# CODE is a request's answer and fields START and START+1 when it began
# and ended (us), the answers neither 2.01 nor 5.03 in $TMP/other, and
# the requests that began after DOWN and ended before UP in
# $TMP/inside: n_in of them, n_in503 answered 5.03
outage_split() {
	awk -v c="$1" '$c != "2.01" && $c != "5.03"' "$S" > "$TMP/other"
	awk -v s="$2" -v a="$3" -v b="$4" '$s > a && $(s + 1) < b' "$S" \
	    > "$TMP/inside"
	n_in=$(wc -l < "$TMP/inside")
	n_in503=$(awk -v c="$1" '$c == "5.03"' "$TMP/inside" | wc -l)
}

# gw_refuses CONF LOG TEXT: dotsgwd with CONF stops by itself within 30 s
# with a failure status (rc), its stderr (in LOG) saying TEXT
gw_refuses() {
	timeout 30 "$DOTSGWD" -f -c "$1" >/dev/null 2>"$2"
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ] && has "$2" "$3"
}
