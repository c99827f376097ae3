#!/usr/bin/env bash
# What one DTLS PSK session costs the downstream server (issue 16): one
# dotsgwd, fresh each run, N loadgen PSK sessions brought up and nothing
# else; the daemon's CPU over the handshake phase and its VmRSS before and
# after, per session up (loadgen -P). tests/bench/README.md, "Per-session
# cost of the DTLS server", has the numbers and what they mean.
#   SESSIONS="2000 10000"  sizes, one daemon each (10,000 at most here)
#   MODES="pki psk"        pki: the context also serves X.509 (credentials
#                          ca, cert, key, as run.sh); psk: PSK only
#   J=32                   handshakes at a time
#   STRACE=1               also count the files the daemon opens while the
#                          sessions come up (strace -f -e trace=openat)
#   PERF=DIR               perf record ($PERF_ARGS) the daemon while the sessions come
#                          up, DIR/perf-MODE-N.data
#   HEAPTRACK=DIR          run the daemon under heaptrack, its data in DIR
#                          (heaptrack_print DIR/MODE-N.*.zst --print-peaks)
# Only 127.0.0.1; every process is started here and stopped by PID.
. "$(dirname "$0")/../lib.sh"
LOADGEN=${LOADGEN:-$ROOT/build/bench/loadgen}
SESSIONS=${SESSIONS:-2000 10000}
MODES=${MODES:-pki psk}
J=${J:-32}
[ -x "$LOADGEN" ] || { echo "$LOADGEN not built (make bench-bins)"; exit 1; }
[ -x "$DOTSGWD" ] || { echo "$DOTSGWD not built"; exit 1; }
t_init >/dev/null
_cert "$TMP/pki" g0 g0 >/dev/null 2>&1 || { echo "certtool failed"; exit 1; }

# sconf MODE PORT APORT: one gateway mitigating locally, customer1's PSK
sconf() {
	local creds=
	rm -rf "$TMP/state-g0"; mkdir -p "$TMP/state-g0"
	[ "$1" = pki ] && creds="credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/g0.pem, key: $TMP/pki/g0.key }"
	cat > "$TMP/g0.yaml" <<CONF
node-id: g0
state-dir: $TMP/state-g0
listen: [{ address: $HOST, port: $2, transports: [dtls] }]
$creds
capacity: { bps: 1000000000000000000, pps: 1000000000000000000, default-attack-bps: 1000, default-attack-pps: 1 }
overload: { rate: { per-second: 10000000, burst: 10000000 }, max-clients-per-peer: 1000000 }
mitigator: { type: log, max-rules: 1000000 }
admin: { address: $HOST, port: $3 }
peers:
  - { name: customer1, psk-identity: $PSK1_ID, psk-key: $PSK1_KEY, prefixes: ["10.0.0.0/8"] }
CONF
	chmod 600 "$TMP/g0.yaml"
}

echo "session cost: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $DOTSGWD"
for n in $SESSIONS; do
	for m in $MODES; do
		port=$(free_port); aport=$(free_port)
		while [ "$aport" = "$port" ]; do aport=$(free_port); done
		sconf "$m" "$port" "$aport"
		log=$TMP/g0-$m-$n.log
		hpid=
		if [ -n "$HEAPTRACK" ]; then
			heaptrack -o "$HEAPTRACK/$m-$n" "$DOTSGWD" -f -c "$TMP/g0.yaml" 2>"$log" >/dev/null &
			hpid=$!
			wait_for 30 grep -q ready "$log" || { echo "g0 did not start: $(tail -n 3 "$log")"; stop_pid "$hpid"; exit 1; }
			pid=$(pgrep -P "$hpid" -f -- "-c $TMP/g0.yaml" | head -n 1)
		else
			"$DOTSGWD" -f -c "$TMP/g0.yaml" 2>"$log" >/dev/null &
			pid=$!
			wait_for 10 grep -q ready "$log" || { echo "g0 did not start: $(tail -n 3 "$log")"; stop_pid "$pid"; exit 1; }
		fi
		spid=
		if [ -n "$STRACE" ]; then
			strace -f -qq -e trace=openat -o "$TMP/strace" -p "$pid" &
			spid=$!
			sleep 1	# attached before the first ClientHello
		fi
		ppid=
		if [ -n "$PERF" ]; then
			perf record -q $PERF_ARGS -o "$PERF/perf-$m-$n.data" -p "$pid" 2>/dev/null &
			ppid=$!
			sleep 1
		fi
		out=$("$LOADGEN" -q -i "$PSK1_ID" -k "$PSK1_KEY" -s "$HOST:$port" \
		    -c "$n" -j "$J" -n 0 -P "$pid")
		[ -n "$spid" ] && stop_pid "$spid"
		[ -n "$ppid" ] && STOP_GRACE=20 stop_pid "$ppid" INT
		if [ -n "$hpid" ]; then
			STOP_GRACE=60 stop_pid "$pid"	# heaptrack is slow
			wait "$hpid"
		else
			stop_pid "$pid"
		fi
		kv() { sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$out"; }
		printf '%s %s sessions: up %s, %s handshakes/s (first / last tenth %s / %s), daemon %s us CPU per session, VmRSS %s -> %s KiB, %s KiB per session' \
		    "$m" "$n" "$(kv up)" "$(kv handshakes_per_s)" "$(kv hs_first_per_s)" \
		    "$(kv hs_last_per_s)" "$(kv hs_cpu_us_per_session)" "$(kv hs_rss0_kb)" \
		    "$(kv hs_rss1_kb)" "$(kv hs_kb_per_session)"
		if [ -n "$spid" ]; then
			printf ', files opened: %s (%s of them the credentials)' \
			    "$(grep -c 'openat(' "$TMP/strace")" \
			    "$(grep -cF -e "$TMP/pki/" "$TMP/strace")"
		fi
		printf ', load %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
	done
done
