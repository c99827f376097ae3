#!/usr/bin/env bash
# Mitigator throughput (issue 14 item 5): rules per second from the first
# mitigation request until a router's RIB shows every rule, for each BGP
# back-end: "bgp" (a gobgpd speaker driven by one gobgp CLI run per
# rule) and "exabgp" (exabgp fed through dotsgw-exabgp-relay). Each run:
# a fresh gobgpd "router" on 127.0.0.1, the speaker peered with it, one
# dotsgwd; loadgen sends N mitigation PUTs (16 DTLS sessions, 128
# outstanding), each for its own /32, so each is one flowspec rule; a
# `gobgp monitor` of the router's ipv4-flowspec table timestamps the
# moment it holds N routes (checked against `global rib summary`).
# Sizes: MIT_SIZES (default "1000 10000"); MIT_BACKENDS (default
# "exabgp bgp"). Target: >= 1,000 rules/s installed and in the RIB.
# Usage: tests/bench/mitigator.sh   (make bench runs it)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bulk_conf.inc"
LOADGEN=${LOADGEN:-$ROOT/build/bench/loadgen}
SIZES=${MIT_SIZES:-1000 10000}
BACKENDS=${MIT_BACKENDS:-exabgp bgp}
TARGET=1000
fail_exit() { echo "tests/bench/mitigator.sh: $*" >&2; exit 1; }
for p in exabgp gobgpd gobgp; do
	command -v "$p" > /dev/null || fail_exit "$p not installed (make deps)"
done
[ -x "$LOADGEN" ] || fail_exit "$LOADGEN not built (make bench-bins)"
t_init >/dev/null
RELAY=${RELAY:-$ROOT/build/dotsgw-exabgp-relay}	# not the ASan one
. "$(dirname "$0")/../exabgp_lib.sh"
[ -x "$RELAY" ] || fail_exit "$RELAY not built"
SPK_PID= MON_PID=
stop_run() {
	gw_stop
	[ -n "$MON_PID" ] && stop_pid "$MON_PID"
	[ -n "$SPK_PID" ] && stop_pid "$SPK_PID"
	MON_PID= SPK_PID=
	exa_lib_stop
}
trap 'stop_run; t_cleanup' EXIT
EXA_LOG_LEVEL=WARNING	# exabgp logs every route at INFO

# spk_conf DIR: the gobgpd speaker of the bgp back-end (AS 64512), active
# toward the router; SPK_API its gRPC port
spk_conf() {
	local p ports=()
	while [ ${#ports[@]} -lt 2 ]; do
		p=$(free_port)
		case " ${ports[*]} $PORT $RTR_BGP $RTR_API " in *" $p "*) continue ;; esac
		ports+=("$p")
	done
	SPK_BGP=${ports[0]} SPK_API=${ports[1]}
	cat > "$1/spk.toml" <<EOF
[global.config]
  as = 64512
  router-id = "10.255.0.1"
  port = $SPK_BGP
  local-address-list = ["$HOST"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$HOST"
    peer-as = 64513
  [neighbors.transport.config]
    remote-port = $RTR_BGP
    local-address = "$HOST"
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"
EOF
}

# monitor N OUT: when the router's ipv4-flowspec table first holds N
# routes, the wall-clock time goes to OUT ("timeout" after LIMIT s)
monitor() {
	$PY - "$RTR_API" "$1" "$2" "$3" <<'PY' &
import re, subprocess, sys, time
port, n, out, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
p = subprocess.Popen(["gobgp", "-u", "127.0.0.1", "-p", port, "monitor",
                      "global", "rib", "-a", "ipv4-flowspec", "-j"],
                     stdout=subprocess.PIPE)
# each path's destination prefix (the runs announce one rule per /32 and
# withdraw nothing): a regular expression over the JSON line instead of
# decoding it, so that the monitor takes little of the CPU it measures
dst = re.compile(rb'"nlri":\{"value":\[\{"type":1,"value":\{"prefix":"([^"]+)"')
seen, end, res = set(), time.time() + limit, "timeout"
for line in p.stdout:
    seen.update(dst.findall(line))
    if len(seen) >= n:
        res = "%.6f" % time.time()
        break
    if time.time() > end:
        break
p.kill()
open(out, "w").write(res + "\n")
PY
	MON_PID=$!
}

flowspec_count() {
	gobgp -u $HOST -p "$RTR_API" global rib summary -a ipv4-flowspec \
	    2>/dev/null | sed -n 's/^Destination: \([0-9]*\),.*/\1/p'
}

# cpu PID: its CPU seconds so far and its reaped children's ("U C")
cpu() {
	awk -v t="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f %.2f", ($12 + $13) / t, ($14 + $15) / t }' \
	    "/proc/$1/stat" 2>/dev/null || echo "0 0"
}
# cpu_used BEFORE AFTER: "U" or "U+C" seconds between two cpu readings
cpu_used() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " ");
	    u = y[1] - x[1]; c = y[2] - x[2];
	    if (c > 0.005) printf "%.2f+%.2f", u, c; else printf "%.2f", u }'
}

ROWS=()
# run BACKEND N
run() {
	local be=$1 n=$2 dir=$TMP/$1-$2 t0 t1 trib limit lgout
	mkdir -p "$dir"
	exa_setup "$dir" || fail_exit "no free ports"
	rtr_start
	if [ "$be" = exabgp ]; then
		exa_start
		MIT="{ type: exabgp, socket: $SOCK, max-rules: 1000000 }"
	else
		spk_conf "$dir"
		gobgpd -f "$dir/spk.toml" --api-hosts "$HOST:$SPK_API" \
		    --pprof-disable >> "$dir/spk.log" 2>&1 &
		SPK_PID=$!
		MIT="{ type: bgp, api-port: $SPK_API, max-rules: 1000000 }"
	fi
	topo_wait 60 established || fail_exit "$be: no BGP session"
	bulk_conf $((n + 10))
	sed -i "s|^state-dir: .*|state-dir: $dir/state|" "$CONF"
	mkdir -p "$dir/state"
	echo "mitigator: $MIT" >> "$CONF"
	sed -i "/^    max-mitigations:/a\\    max-rules: 1000000" "$CONF"
	[ -f "$TMP/dotsgwd.log" ] && mv "$TMP/dotsgwd.log" "$TMP/dotsgwd-$(date +%s%N).log"
	gw_start || fail_exit "$be: dotsgwd did not start"
	[ "$be" = exabgp ] && { wait_log 10 "$GW_LOG" "mitigator exabgp: connected" ||
	    fail_exit "exabgp: dotsgwd did not connect to the relay"; }
	# the gobgp CLI back-end takes ~19 ms a rule: allow 50 ms
	limit=$((n / 20 + 60))
	monitor "$n" "$dir/rib.t" "$limit"
	sleep 1	# the monitor has subscribed
	local spk=$SPK_PID relay=
	if [ "$be" = exabgp ]; then
		spk=$EXA_PID
		relay=$(ps -o pid= --ppid "$EXA_PID" | head -n 1 | tr -d ' ')
	fi
	local c_gw c_spk c_relay c_rtr
	c_gw=$(cpu "$GW_PID") c_spk=$(cpu "$spk") c_rtr=$(cpu "$RTR_PID")
	c_relay=$(cpu "${relay:-0}")
	t0=$(date +%s.%N)
	lgout=$("$LOADGEN" -q -i "$PSK1_ID" -k "$PSK1_KEY" -s "$HOST:$PORT" \
	    -c 16 -p 8 -w 128 -n "$n" -l 3600)
	t1=$(date +%s.%N)
	topo_wait "$limit" test -s "$dir/rib.t"
	trib=$(cat "$dir/rib.t" 2>/dev/null)
	# CPU seconds over the run: dotsgwd (+ its gobgp CLI children), the
	# speaker, the relay, the router
	local used="dotsgwd $(cpu_used "$c_gw" "$(cpu "$GW_PID")"), $be $(cpu_used "$c_spk" "$(cpu "$spk")")"
	[ -n "$relay" ] && used="$used, relay $(cpu_used "$c_relay" "$(cpu "$relay")")"
	used="$used, router $(cpu_used "$c_rtr" "$(cpu "$RTR_PID")") s CPU"
	local ok=${lgout#*ok=}
	ok=${ok%% *}
	local have
	have=$(flowspec_count)
	if [ "$trib" = timeout ] || [ -z "$trib" ]; then
		ROWS+=("mitigator $be: $n rules (PUTs: $ok ok), router RIB|$have of $n after $limit s|>= $TARGET rules/s|MISS")
	else
		local rate put rib
		rate=$(awk -v n="$n" -v a="$t0" -v b="$trib" 'BEGIN { printf "%.0f", n / (b - a) }')
		put=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
		rib=$(awk -v a="$t0" -v b="$trib" 'BEGIN { printf "%.2f", b - a }')
		ROWS+=("mitigator $be: $n rules (one per PUT; $ok PUTs ok in $put s)|$rate rules/s: router RIB has all $have after $rib s ($used)|>= $TARGET rules/s|$(awk -v r="$rate" -v t=$TARGET 'BEGIN { print (r >= t) ? "PASS" : "MISS" }')")
	fi
	echo "${ROWS[-1]}" | tr '|' ' ' >&2
	stop_run
	rm -rf "$dir/state"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
for be in $BACKENDS; do
	for n in $SIZES; do
		run "$be" "$n"
	done
done
echo
echo "mitigator throughput, $(nproc) cores, load average $LOAD0 -> $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "| metric | result | target | mark |"
echo "|---|---|---|---|"
for r in "${ROWS[@]}"; do
	IFS='|' read -r m res tgt mk <<<"$r"
	echo "| $m | $res | $tgt | $mk |"
done
