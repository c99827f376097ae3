#!/usr/bin/env bash
# Overload (RFC 9132 §10): the gateway-wide request rate ("overload.rate")
# answers 5.03 with Max-Age and is shared fairly, so a peer flooding within
# its own (generous) rate does not starve another peer; and a peer cannot
# hold more DOTS clients (cuids) than overload.max-clients-per-peer (5.03
# with Max-Age naming the limit) until its old ones are gone.
. "$(dirname "$0")/../lib.sh"
t_init
cat >> "$CONF" <<EOF2
  - name: flooder
    psk-identity: flooder
    psk-key: flood-key-0000
    prefixes: [10.0.0.0/8]
    rate: { per-second: 100000, burst: 100000 }
overload:
  rate: { per-second: 20, burst: 40 }
  max-clients-per-peer: 3
EOF2
gw_start || exit 1
FL="--psk-identity flooder --psk-key flood-key-0000"

# --- the flood: 4 sessions of back-to-back GETs, bounded -------------------
# each answer is counted by awk (codes, one 5.03 kept, written at once),
# not stored; codes are matched as fixed strings (index), never a regex
pids=() apids=()
for i in 1 2 3 4; do
	mkfifo "$TMP/fifo$i"
	awk -v f="$TMP/one503.$i" 'index($0, "\"code\":\"5.03\"") == 2 { n++
		if (!k) { print > f; fflush(f); k = 1 } }
	    index($0, "\"code\":\"2.05\"") == 2 || index($0, "\"code\":\"4.04\"") == 2 { s++ }
	    END { print n + 0, s + 0 }' < "$TMP/fifo$i" > "$TMP/flood$i.out" &
	apids+=($!)
	"$DOTSCTL" -s "$URI_D" $FL --json --timeout 5 get --count 100000 \
	    > "$TMP/fifo$i" 2>/dev/null &
	pids+=($!)
done
# the flood is on once the global bucket refuses it
flooding() { cat "$TMP"/one503.* 2>/dev/null | grep -qF '"code":"5.03"'; }
wait_for 20 flooding || fail "flood" "no 5.03 within 20 s"
# meanwhile customer1 asks, one new session per request, as a client would
# (0.5 s apart: spread over the flood, not a wait for anything)
ok=0 codes=
for mid in 1 2 3 4 5; do
	ctl psk1 "$URI_D" mitigate --mid $mid --prefix 192.0.2.$mid/32
	codes="$codes $(code_of)"
	[ "$(code_of)" = 2.01 ] && ok=$((ok + 1))
	sleep 0.5
done
running=0
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
[ "$running" -gt 0 ] && pass "flood still running after the other peer's requests ($running sessions)" ||
    fail "flood still running" "the flood ended too early to prove anything"
check_eq "other peer during the flood: 5 of 5 requests 2.01" "$ok" 5
[ "$ok" -eq 5 ] || echo "  codes:$codes"
for p in "${pids[@]}"; do stop_pid "$p"; done
for p in "${apids[@]}"; do wait "$p"; done
read -r n503 n205 < <(cat "$TMP"/flood*.out | awk '{ a += $1; b += $2 } END { print a + 0, b + 0 }')
[ "$n503" -gt 0 ] && pass "flooder refused by the global rate ($n503 x 5.03, $n205 served)" ||
    fail "flooder refused" "no 5.03 ($n205 served)"
cat "$TMP"/one503.* 2>/dev/null | head -n 1 > "$TMP/one503"
# the first 5.03 seen: parse it only once its code is known
if [ "$(code_of "$TMP/one503")" = 5.03 ]; then
	[ "$(jget 'isinstance(j.get("max-age"), int) and j["max-age"] >= 1' "$TMP/one503")" = true ] &&
	    pass "global 5.03 carries Max-Age" ||
	    fail "global 5.03 Max-Age" "$(cat "$TMP/one503")"
	[ "$(jget 'j.get("diagnostic")' "$TMP/one503")" = 'gateway overloaded: all peers together exceed 20 requests/s (burst 40); peer flooder is over its share' ] &&
	    pass "global 5.03 diagnostic names the limit and the peer" ||
	    fail "global 5.03 diagnostic" "$(cat "$TMP/one503")"
else
	fail "global 5.03 Max-Age" "no 5.03 kept: '$(cat "$TMP/one503")'"
	fail "global 5.03 diagnostic" "no 5.03 kept"
fi
# The global bucket (20/s, burst 40) refills by the clock, not by our
# speed: after 3 s it is full whatever the machine's load, and "at once"
# is what is checked (one request, no retry), so no poll here.
sleep 3
expect "after the flood: served at once again" 2.01 psk1 "$URI_D" \
    mitigate --mid 6 --prefix 192.0.2.6/32
for mid in 1 2 3 4 5 6; do ctl psk1 "$URI_D" withdraw --mid $mid; done

# --- ever-new cuids: at most 3 DOTS clients per peer -------------------------
for c in c1 c2 c3; do
	expect "cuid $c of customer3: 2.01" 2.01 psk3 "$URI_D" --cuid $c \
	    mitigate --mid 1 --prefix 203.0.113.1/32
done
# (the cuids are counted when each 2.01 is sent: nothing to wait for)
expect "a fourth cuid: 5.03" 5.03 psk3 "$URI_D" --cuid c4 \
    mitigate --mid 1 --prefix 203.0.113.4/32
[ "$(code_of)" = 5.03 ] && [ "$(jget 'j.get("max-age")')" = 60 ] &&
    [[ $(jget 'j.get("diagnostic")') == *"peer customer3 already has 3 DOTS clients (cuids), the gateway's max-clients-per-peer"* ]] &&
    pass "the fourth cuid's 5.03: Max-Age 60 and the limit named" ||
    fail "fourth cuid's 5.03" "$(_ctl_why)"
expect "another peer is not affected by customer3's cuids" 2.01 psk1 "$URI_D" \
    --cuid other1 mitigate --mid 1 --prefix 192.0.2.77/32
ctl psk3 "$URI_D" --cuid c1 withdraw --mid 1
# active-but-terminating (2 s) and the status-6 grace: then c1 is gone
freed() { ctl psk3 "$URI_D" --cuid c4 mitigate --mid 1 --prefix 203.0.113.4/32; [ "$(code_of)" = 2.01 ]; }
wait_for 10 freed && pass "once c1 is gone a new cuid is accepted" ||
    fail "new cuid after c1 gone" "$(_ctl_why)"
gw_alive "daemon alive after the overload tests"
