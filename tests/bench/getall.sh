#!/usr/bin/env bash
# GET of all mitigations of one cuid (no mid; Block2) with N mitigations
# held: one dotsgwd, N mitigations created over one DTLS session by
# tests/bench/put_many, then `dotsctl get` for the cuid, timed; the answer must
# list every mid exactly once. Sizes: tests/bench/getall.sh [N...] (default
# 3000 10000); TIMEOUT (default 120 s) bounds each GET.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/bulk_conf.inc"
SIZES=${*:-3000 10000}
TIMEOUT=${TIMEOUT:-120}
PUT_MANY=$ROOT/build/bench/put_many
[ -x "$PUT_MANY" ] || make -C "$ROOT" --no-print-directory build/bench/put_many >/dev/null
t_init >/dev/null
fail_exit() { echo "tests/bench/getall.sh: $*" >&2; exit 1; }
max=0
for n in $SIZES; do [ "$n" -gt "$max" ] && max=$n; done
bulk_conf $((max + 10))
gw_start || fail_exit "daemon did not start"
held=0
for n in $SIZES; do
	if [ "$n" -gt "$held" ]; then
		"$PUT_MANY" "$URI_D" "$PSK1_ID" "$PSK1_KEY" $((held + 1)) \
		    $((n - held)) "10.$((held >> 16 & 255)).$((held >> 8 & 255)).$((held & 255))" \
		    3600 >/dev/null ||
		    fail_exit "not every PUT was accepted"
		held=$n
	fi
	[ -n "$PERF" ] && { perf record -g -o "$PERF.$n" -p "$GW_PID" \
	    2>/dev/null >&2 & perf_pid=$!; sleep 0.5; }
	t0=$(date +%s.%N)
	ctl psk1 "$URI_D" $CTL_OPTS --timeout "$TIMEOUT" get
	t1=$(date +%s.%N)
	[ -n "$PERF" ] && { kill -INT "$perf_pid"; wait "$perf_pid"; }
	mids=$($PY -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("code") != "2.05": continue
    for s in o["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"]:
        print(s["mid"])
' "$OUT" | sort -n)
	total=$(grep -c . <<<"$mids")
	mids=$(uniq <<<"$mids" | grep -c .)
	bytes=$(wc -c <"$OUT")
	printf 'get-all n=%d: rc %d, %s s, %d mids listed, %d distinct, %d bytes of JSON\n' \
	    "$n" "$RC" "$(echo "$t1 - $t0" | bc)" "$total" "$mids" "$bytes"
	[ "$total" = "$n" ] && [ "$mids" = "$n" ] || bad=1
done
[ -z "$bad" ] || fail_exit "a GET-all did not list every mid exactly once"
