#!/usr/bin/env bash
# Restart with many active mitigations (issue 5): N mitigations (default
# 10000, each its own /32) are created over one DTLS session, the daemon is
# killed with SIGKILL and started again. Reports the time to restore them
# (the daemon's own measure, and process start -> "ready" from log
# timestamps), checks that every one is back (a GET of each mid answers
# 2.05 with its remaining lifetime), then measures what the
# store costs per request: M more requests, SIGTERM, and the daemon's own
# count of time spent in store statements and commits.
# Usage: tests/bench/restore.sh [N] [M]   (default 10000 1000)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bulk_conf.inc"
N=${1:-10000}
M=${2:-1000}
PUT_MANY=$ROOT/build/bench/put_many
[ -x "$PUT_MANY" ] || make -C "$ROOT" --no-print-directory build/bench/put_many >/dev/null
t_init >/dev/null
# the default per-peer max-mitigations is 64 and the default rate limits
# (peer, gateway-wide) would throttle the load: this peer may hold and
# send far more
bulk_conf $((N + M + 10))
fail_exit() { echo "tests/bench/restore.sh: $*" >&2; exit 1; }
ts() {	# log line -> seconds since the epoch (its UTC timestamp)
	date -u -d "$(sed 's/^\([0-9T:.-]*\)Z.*/\1/; s/T/ /' <<<"$1")" +%s.%N
}

gw_start || fail_exit "daemon did not start"
echo "creating $N mitigations (one CON PUT after another, one session)"
"$PUT_MANY" "$URI_D" "$PSK1_ID" "$PSK1_KEY" 1 "$N" 10.0.0.0 3600 ||
    fail_exit "not every request was accepted"

kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
echo "SIGKILL; restarting"
t_start=$(date -u +%s.%N)
gw_start || fail_exit "daemon did not restart"
restored=$(grep 'state store: .* restored' "$GW_LOG" | tail -n 1)
ready=$(grep 'ready' "$GW_LOG" | tail -n 1)
n_back=$(sed -n 's/.*state store: \([0-9]*\) mitigations restored in \([0-9]*\) ms.*/\1/p' <<<"$restored")
ms_back=$(sed -n 's/.*state store: \([0-9]*\) mitigations restored in \([0-9]*\) ms.*/\2/p' <<<"$restored")
start_ready=$(echo "($(ts "$ready") - $t_start) * 1000" | bc)

# every one back, as its customer sees it: a GET for each mid, with the
# remaining lifetime (at least 3000 of 3600 s)
found=$("$PUT_MANY" -g "$URI_D" "$PSK1_ID" "$PSK1_KEY" 1 "$N" 10.0.0.0 3000)
echo "$found"
n_found=$(sed -n 's/^found \([0-9]*\) of.*/\1/p' <<<"$found")

echo "measuring the store cost per request ($M more requests)"
"$PUT_MANY" "$URI_D" "$PSK1_ID" "$PSK1_KEY" $((N + 1)) "$M" 10.100.0.0 3600 ||
    fail_exit "not every request was accepted"
gw_stop
cost=$(grep 'state store: .* transactions' "$GW_LOG" | tail -n 1 |
    sed 's/.*state store: //')

echo
echo "mitigations created:            $N"
echo "restored after SIGKILL:         $n_back (daemon: $ms_back ms to restore)"
echo "process start -> ready:         $(printf %.0f "$start_ready") ms"
echo "GET of each mid after restart:  $n_found found (lifetime >= 3000 s)"
echo "store, restarted daemon:        $cost"
[ "$n_back" = "$N" ] && [ "$n_found" = "$N" ] ||
    fail_exit "not all $N mitigations came back"
