#!/usr/bin/env bash
# The state store on PostgreSQL (issue 17, step 1), against a throwaway
# server (tests/pg_lib.sh): the store's unit tests; mitigations and a
# negotiated configuration come back after SIGKILL and SIGTERM as with
# SQLite (persist_restart.sh); the database stopped for 5 s during a
# stream of CON PUTs: only 5.03s with Max-Age and the store's diagnostic
# while it is down, nothing acknowledged lost (in memory, in the
# database, after a restart), writes again by themselves once it is back;
# a schema newer than the binary: dotsgwd refuses to start, naming both
# versions.
. "$(dirname "$0")/../lib.sh"
t_init
. "$ROOT/tests/pg_lib.sh"
pg_start || { skip store_pg.sh "$PG_WHY"; exit 0; }

# --- the unit tests, in a database of their own -----------------------------
pg_psql "CREATE DATABASE unit" ||
    { fail createdb "cannot create a database"; exit 1; }
for u in "$ROOT/build/tests/test_gw_store_pg" \
    "$ROOT/build/asan/tests/test_gw_store_pg"; do
	[ -x "$u" ] || continue
	name=${u#"$ROOT"/build/}
	DOTSGW_TEST_PG="host=127.0.0.1 port=$PG_PORT user=dotsgw dbname=unit" \
	    ASAN_OPTIONS=detect_leaks=1 "$u" 2>/dev/null |
	    sed -e "s#^PASS #PASS $name: #" -e "s#^FAIL #FAIL $name: #"
	[ "${PIPESTATUS[0]}" = 0 ] || fail "$name" "exited non-zero"
done

MAXM=100000
sed -i "/psk-identity: $PSK1_ID/a\    max-mitigations: $MAXM" "$CONF"
printf 'store:\n  type: postgresql\n  conninfo: "%s password=not-shown-123"\n' \
    "$PG_CONNINFO" >> "$CONF"
gw_start || exit 1
D=$URI_D
check "log names the store, password redacted" has "$GW_LOG" \
    "state store postgresql host=127.0.0.1 port=$PG_PORT" \
    "password=<redacted>"
grep -qF "not-shown-123" "$GW_LOG" && fail "password in the log" "$GW_LOG" ||
    pass "the password is not in the log"

# --- restored after SIGKILL and SIGTERM --------------------------------------
restored() { grep -F "mitigations restored in" "$GW_LOG" | tail -n 1; }
ctl psk1 "$D" config put --sid 41 --hb-interval 90 --missing-hb 7
check_eq "config put sid 41" "$(code_of)" 2.01
ctl psk1 "$D" mitigate --mid 1 --prefix 192.0.2.1/32 --lifetime 600
check_eq "mid 1 accepted" "$(code_of)" 2.01
ctl psk1 "$D" mitigate --mid 3 --prefix 192.0.2.3/32 --lifetime 600 --no-trigger
check_eq "mid 3 (preconfigured) accepted" "$(code_of)" 2.01
ctl pki2 "$D" mitigate --mid 9 --prefix 198.51.100.9/32 --lifetime 86400
check_eq "customer2 mid 9 accepted" "$(code_of)" 2.01
ctl psk1 "$D" mitigate --mid 2 --prefix 192.0.2.2/32 --lifetime 2
check_eq "mid 2 (2 s) accepted" "$(code_of)" 2.01
{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null
GW_PID=
sleep 3	# not a synchronisation: mid 2's 2 s run out while down
gw_start || exit 1
r=$(restored)
[[ $r == *"state store: 3 mitigations restored in "*" ms, 1 expired while down"* ]] &&
    pass "SIGKILL: 3 restored, 1 expired while down (log)" ||
    fail "SIGKILL: restore summary" "$r"
ctl psk1 "$D" get --mid 1
check_j "SIGKILL: mid 1 back, in progress" 2.05 's["status"]' \
    attack-mitigation-in-progress
check_j "SIGKILL: mid 1 target" 2.05 's["target-prefix"]' '["192.0.2.1/32"]'
ctl psk1 "$D" get --mid 3
check_j "SIGKILL: mid 3 back, waiting for signal loss" 2.05 's["status"]' \
    attack-mitigation-signal-loss
ctl psk1 "$D" get --mid 2
check_eq "SIGKILL: mid 2 expired while down: 4.04" "$(code_of)" 4.04
ctl pki2 "$D" get --mid 9
check_eq "SIGKILL: customer2 mid 9 back" "$(code_of)" 2.05
ctl psk1 "$D" config get --sid 41
check_j "SIGKILL: negotiated heartbeat-interval 90 survives" 2.05 \
    'j["body"]["ietf-dots-signal-channel:signal-config"]["mitigating-config"]["heartbeat-interval"]["current-value"]' 90
ctl psk1 "$D" withdraw --mid 3
check_eq "withdraw mid 3" "$(code_of)" 2.02
stop_pid "$GW_PID"
GW_PID=
gw_start || exit 1
r=$(restored)
[[ $r == *"state store: 2 mitigations restored in "*" ms, 0 expired while down"* ]] &&
    pass "SIGTERM: 2 restored (the withdrawn mid 3 stays gone)" ||
    fail "SIGTERM: restore summary" "$r"

# --- the database down for 5 s during a stream of CON PUTs ------------------
# Each line of $S: mid code max-age diagnostic start-us end-us.
S=$TMP/stream.log
: > "$S"
stream() {
	local mid=100 c ma dg t0
	while [ ! -e "$TMP/stream.stop" ] && [ $mid -lt 2000 ]; do
		t0=$(now_us)
		ctl psk1 "$D" mitigate --mid $mid \
		    --prefix "2001:db8:6401::$mid/128" --lifetime 3600
		c=$(code_of) ma=- dg=-
		if [ "$c" = 5.03 ]; then
			ma=$(jget 'j.get("max-age")')
			dg=$(jget 'j["diagnostic"][:12]')
			dg=${dg// /_}
		fi
		echo "$mid ${c:-none} ${ma:--} $dg $t0 $(now_us)" >> "$S"
		mid=$((mid + 1))
	done
}
# n201 [AFTER-US]: creates acknowledged that began after AFTER-US
n201() { awk -v t="${1:-0}" '$2 == "2.01" && $5 > t' "$S" | wc -l; }
at_least() { [ "$(n201 "${2:-0}")" -ge "$1" ]; }
stream &
SPID=$!
wait_for 60 at_least 3 || fail "stream" "no 3 acknowledged creates within 60 s"
pg_down
down1=$(now_us)
# while it is down: a GET and heartbeats, from memory (the stream owns
# ctl's output files, so these write their own)
# shellcheck disable=SC2046
"$DOTSCTL" -s "$D" $(cred_args psk1) --json get --mid 1 \
    > "$TMP/down_get.out" 2>&1
# shellcheck disable=SC2046
"$DOTSCTL" -s "$D" $(cred_args psk1) --json hb --count 2 --interval 1 \
    > "$TMP/down_hb.out" 2>&1
down2=$(now_us)
# the rest of the 5 s outage: the outage itself, not a synchronisation
sleep "$(awk -v a="$down1" -v b="$down2" 'BEGIN { r = 5 - (b - a) / 1e6; printf "%.1f", (r > 0 ? r : 0) }')"
up0=$(now_us)
pg_back
up1=$(now_us)
wait_for 60 at_least 1 "$up1" ||
    fail "recovery" "no create acknowledged within 60 s after the database came back"
touch "$TMP/stream.stop"
wait "$SPID"
[ "$down2" -lt "$up0" ] && [ "$(code_of "$TMP/down_get.out")" = 2.05 ] &&
    pass "database down: GET of mid 1 answered 2.05 from memory" ||
    fail "database down: GET" "$(head -c 300 "$TMP/down_get.out")"
check_eq "database down: 2 heartbeats answered 2.04" \
    "$(count_of "$TMP/down_hb.out" '"code":"2.04"')" 2
outage_split 2 5 "$down1" "$up0"
[ ! -s "$TMP/other" ] &&
    pass "stream: $(wc -l < "$S") answers, each 2.01 or 5.03" ||
    fail "stream: other answers" "$(head -n 5 "$TMP/other")"
# requests that began after the server was gone and ended before it came
# back: 5.03 each
[ "$n_in" -ge 1 ] && [ "$n_in" = "$n_in503" ] &&
    pass "database down: all $n_in requests answered 5.03" ||
    fail "database down" "$n_in503 of $n_in were 5.03: $(cat "$TMP/inside")"
awk '$2 == "5.03" && ($3 !~ /^[0-9]+$/ || $4 != "state_store:")' "$S" \
    > "$TMP/bad503"
[ ! -s "$TMP/bad503" ] &&
    pass "every 5.03 has Max-Age and the store's diagnostic" ||
    fail "5.03 without Max-Age or diagnostic" "$(head -n 3 "$TMP/bad503")"
n_after=$(n201 "$up1")
[ "$n_after" -ge 1 ] &&
    pass "recovered by itself: $n_after creates acknowledged after the database restarted" ||
    fail "recovery" "none acknowledged after the restart"
check "log: connection lost, then restored" has "$GW_LOG" \
    "state store: postgresql connection lost" \
    "state store: postgresql connection restored"
awk '$2 == "2.01" {print $1}' "$S" | sort -n > "$TMP/acked"
awk '$2 == "5.03" {print $1}' "$S" | sort -n > "$TMP/refused"
listed_mids "$D" 100 > "$TMP/listed"
cmp -s "$TMP/acked" "$TMP/listed" &&
    pass "in memory: exactly the $(wc -l < "$TMP/acked") acknowledged mitigations, none of the $(wc -l < "$TMP/refused") refused" ||
    fail "in memory" "acked $(tr '\n' ' ' < "$TMP/acked") listed $(tr '\n' ' ' < "$TMP/listed")"
pg_lost 100
[ -s "$TMP/indb" ] && [ ! -s "$TMP/lost" ] &&
    pass "in the database: every acknowledged mitigation" ||
    fail "lost in the database" "$(tr '\n' ' ' < "$TMP/lost")"
{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null
GW_PID=
gw_start || exit 1
listed_mids "$D" 100 > "$TMP/listed2"
cmp -s "$TMP/acked" "$TMP/listed2" &&
    pass "after SIGKILL and restart: exactly the acknowledged mitigations" ||
    fail "after restart" "acked $(tr '\n' ' ' < "$TMP/acked") listed $(tr '\n' ' ' < "$TMP/listed2")"

# --- a newer schema is refused ----------------------------------------------
stop_pid "$GW_PID"
GW_PID=
pg_psql "UPDATE schema_version SET version = 3"
gw_refuses "$CONF" "$TMP/refused.log" \
    "the database's schema version 3 is newer than this dotsgwd's (2): refusing to start" &&
    pass "schema version 3 > 2: dotsgwd refuses to start (exit $rc) and says why" ||
    fail "newer schema" "exit $rc: $(tail -n 3 "$TMP/refused.log")"
exit $((T_FAILS > 0))
