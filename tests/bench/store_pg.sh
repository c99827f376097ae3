#!/usr/bin/env bash
# Local throughput of one dotsgwd with each state-store back-end (issue
# 17): SQLite (the default, <state-dir>) and PostgreSQL (a throwaway
# server from tests/pg_lib.sh, its data dir on the same file system).
# Per back-end, a fresh store: (1) loadgen, 16 sessions x 8 outstanding
# NON PUTs, STORE_N in all (as run.sh's "one dotsgwd" row); (2) STORE_SEQ
# CON PUTs one after another over one session (put_many): each answer
# waits for its own commit. Prints a table; SKIPs the PostgreSQL rows
# when no server can be started.
# Usage: tests/bench/store_pg.sh   (STORE_N=5000 STORE_SEQ=1000)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bulk_conf.inc"
LOADGEN=${LOADGEN:-$ROOT/build/bench/loadgen}
PUT_MANY=${PUT_MANY:-$ROOT/build/bench/put_many}
STORE_N=${STORE_N:-5000}
STORE_SEQ=${STORE_SEQ:-1000}
for b in "$LOADGEN" "$PUT_MANY"; do
	[ -x "$b" ] || { echo "$b not built (make bench-bins)"; exit 1; }
done
t_init >/dev/null
. "$ROOT/tests/pg_lib.sh"
kv() { sed -n "s/.*\<$2=\([^ ]*\).*/\1/p" <<<"$1"; }
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
ROWS=()

# one BACKEND: both runs against a fresh store
one() {
	local be=$1 L t0 t1 seq
	bulk_conf $((STORE_N + STORE_SEQ + 10))
	rm -rf "$TMP/state"
	mkdir -p "$TMP/state"
	if [ "$be" = postgresql ]; then
		pg_psql "DROP TABLE IF EXISTS placement, mitigation, upstream, sigconfig, registration, schema_version" >/dev/null 2>&1
		printf 'store: { type: postgresql, conninfo: "%s" }\n' \
		    "$PG_CONNINFO" >> "$CONF"
	fi
	gw_start >/dev/null || { echo "dotsgwd ($be) did not start"; return 1; }
	echo "bench: $be: loadgen, $STORE_N NON PUTs" >&2
	L=$("$LOADGEN" -q -i "$PSK1_ID" -k "$PSK1_KEY" -s "$HOST:$PORT" \
	    -c 16 -p 8 -w 128 -n "$STORE_N" -P "$GW_PID")
	echo "  $L" >&2
	ROWS+=("$be: one dotsgwd, $STORE_N NON PUTs (16 sessions x 8)|$(kv "$L" rps) req/s, p50 $(kv "$L" p50_ms) ms, p99 $(kv "$L" p99_ms) ms, $(kv "$L" cpu_us_per_req) us CPU/req, ok $(kv "$L" ok)")
	echo "bench: $be: $STORE_SEQ CON PUTs one after another" >&2
	t0=${EPOCHREALTIME/[.,]/}
	"$PUT_MANY" "$URI_D" "$PSK1_ID" "$PSK1_KEY" $((STORE_N + 1)) \
	    "$STORE_SEQ" 10.100.0.0 3600 >/dev/null || echo "  not every CON PUT was accepted" >&2
	t1=${EPOCHREALTIME/[.,]/}
	seq=$(awk -v n="$STORE_SEQ" -v us=$((t1 - t0)) 'BEGIN { printf "%.0f req/s, %.3f ms each", n * 1e6 / us, us / n / 1000 }')
	ROWS+=("$be: $STORE_SEQ CON PUTs in sequence, one session|$seq")
	gw_stop
	ROWS+=("$be: the store's own count|$(grep -F 'state store: ' "$GW_LOG" | grep -F transactions | tail -n 1 | sed 's/.*state store: //')")
	: > "$GW_LOG"
}

one sqlite || exit 1
if pg_start; then
	one postgresql || exit 1
	pg_cleanup
else
	ROWS+=("postgresql|SKIP: $PG_WHY")
fi
echo
echo "store back-ends: $(nproc) cores, load $LOAD0 at start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
echo "| run | result |"
echo "|---|---|"
for r in "${ROWS[@]}"; do echo "| ${r%%|*} | ${r#*|} |"; done
