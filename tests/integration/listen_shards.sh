#!/bin/bash
# Listen shards (NOTES.md, "Shards"): a DTLS listen address as several
# libcoap endpoints bound with SO_REUSEPORT, TLS as one. 60 DTLS PSK
# sessions at once, each from its own source port (so spread over the
# shards), all get their mitigation created and answered, their heartbeats
# answered, and are all in /status; a second dotsgwd on the port is
# refused; a bad shards value is refused with FILE:LINE; a shards change
# on reload waits for a restart; a daemon short of descriptors starts on
# fewer shards, saying so.
. "$(dirname "$0")/../lib.sh"
t_init
N=60
SHARDS=8
# shards on the listen address; room for N clients of one peer
sed -i "s/^    transports: \[dtls, tls\]$/&\n    shards: $SHARDS/" "$CONF"
printf 'overload: { max-clients-per-peer: 1000 }\n' >> "$CONF"
grep -qF "shards: $SHARDS" "$CONF" || { fail config "no shards line"; exit 1; }
gw_start || exit 1

if has "$GW_LOG" "listening on coaps://$HOST:$PORT ($SHARDS shards)" \
    "listening on coaps+tcp://$HOST:$PORT"; then
	pass "log: dtls on $SHARDS shards, tls on one socket"
else
	fail "log: listening lines" "$(grep -F listening "$GW_LOG")"
fi
if ! grep -qF "listening on coaps+tcp://$HOST:$PORT (" "$GW_LOG"; then
	pass "tls is not sharded"
else
	fail "tls is not sharded" "$(grep -F coaps+tcp "$GW_LOG")"
fi

# the daemon's UDP and TCP sockets on the port (ss: local port, pid)
udp=$(ss -Hulnp "sport = :$PORT" 2>/dev/null | grep -cF "pid=$GW_PID,")
tcp=$(ss -Htlnp "sport = :$PORT" 2>/dev/null | grep -cF "pid=$GW_PID,")
check_eq "$SHARDS UDP sockets and 1 TCP listener on port $PORT" \
    "$udp/$tcp" "$SHARDS/1"

# a second dotsgwd on the port is refused, not let into the reuseport
# group (DTLS only: a TLS listener would fail its own bind anyway)
sed -e "s#^state-dir: .*#state-dir: $TMP/state2#" \
    -e "s/^    transports: \[dtls, tls\]$/    transports: [dtls]/" \
    "$CONF" > "$TMP/second.yaml"
timeout 20 "$DOTSGWD" -f -c "$TMP/second.yaml" >/dev/null 2>"$TMP/second.err"
rc=$?
udp=$(ss -Hulnp "sport = :$PORT" 2>/dev/null | grep -c .)
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$udp" = "$SHARDS" ] &&
    has "$TMP/second.err" "UDP port $PORT is in use by another socket"; then
	pass "a second dotsgwd on the port is refused"
else
	fail "a second dotsgwd on the port" "rc $rc, $udp UDP sockets, $(tail -n 3 "$TMP/second.err")"
fi

# N mitigations, each on its own DTLS session, all at once
pids=
for i in $(seq 1 $N); do
	"$DOTSCTL" -s "$URI_D" $(cred_args psk1) --json --timeout 20 \
	    mitigate --mid $((1000 + i)) --prefix "192.0.2.$i/32" \
	    >"$TMP/m$i.out" 2>"$TMP/m$i.err" &
	pids="$pids $!"
done
wait $pids
ok=0
for i in $(seq 1 $N); do
	[ "$(code_of "$TMP/m$i.out")" = 2.01 ] && ok=$((ok + 1))
done
check_eq "$N mitigations on $N DTLS sessions answered 2.01" "$ok" "$N"
ctl psk1 "$URI_D" get
check_eq "GET all lists the $N mitigations" \
    "$(jget 'len(j["body"]["ietf-dots-signal-channel:mitigation-scope"]["scope"])')" "$N"

# N sessions held at once with heartbeats; /status lists them meanwhile
pids=
for i in $(seq 1 $N); do
	"$DOTSCTL" -s "$URI_D" $(cred_args psk1) --json --timeout 20 \
	    hb --count 6 --interval 1 >"$TMP/h$i.out" 2>"$TMP/h$i.err" &
	pids="$pids $!"
done
dtls_sessions() {
	[ "$(ctl_req "$GW_SOCK" status "$TMP/status.json")" = 200 ] || return 1
	$PY - "$TMP/status.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
peers = s.get("peers", [])
print(sum(1 for p in peers if p.get("name") == "customer1"
          for x in p.get("sessions", []) if x.get("transport") == "dtls"))
PY
}
seen=0
for t in $(seq 1 50); do
	n=$(dtls_sessions)
	[ "${n:-0}" -gt "$seen" ] && seen=$n
	[ "$seen" -ge "$N" ] && break
	sleep 0.1
done
wait $pids
check_eq "/status lists $N DTLS sessions of customer1 at once" \
    "$([ "$seen" -ge "$N" ] && echo yes || echo "$seen")" yes
ok=0
for i in $(seq 1 $N); do
	[ "$(grep -cF '"code":"2.04"' "$TMP/h$i.out")" = 6 ] && ok=$((ok + 1))
done
check_eq "$N sessions: 6 heartbeats each answered 2.04" "$ok" "$N"
gw_alive "daemon alive after $N sharded sessions"

# reload with another shards value: kept until a restart
sed -i "s/^    shards: $SHARDS$/    shards: 2/" "$CONF"
reload_restart_only "reload: a shards change waits for a restart" listen
udp=$(ss -Hulnp "sport = :$PORT" 2>/dev/null | grep -cF "pid=$GW_PID,")
check_eq "still $SHARDS UDP sockets after the reload" "$udp" "$SHARDS"
expect "a session after the reload -> 2.04" 2.04 psk1 "$URI_D" hb

# a bad shards value: FILE:LINE and the key
sed "s/^    shards: 2$/    shards: 0/" "$CONF" > "$TMP/bad.yaml"
line=$(grep -n '^    shards: 0$' "$TMP/bad.yaml" | cut -d: -f1)
"$DOTSGWD" -n -c "$TMP/bad.yaml" >/dev/null 2>"$TMP/bad.err"
rc=$?
if [ "$rc" -ne 0 ] && has "$TMP/bad.err" \
    "bad.yaml:$line: listen[0].shards: 0 is out of range 1..4096"; then
	pass "shards: 0 refused with FILE:LINE"
else
	fail "shards: 0 refused" "rc $rc, $(head -c 300 "$TMP/bad.err")"
fi

# RLIMIT_NOFILE 256: the default 4,096 shards would stop the start with
# "Too many open files"; a quarter of the descriptors, 64, it is
P3=$(free_port)
write_config "$TMP/few.yaml" "$P3"
sed -i "s#^state-dir: .*#state-dir: $TMP/state3#" "$TMP/few.yaml"
( ulimit -n 256 && exec "$DOTSGWD" -f -c "$TMP/few.yaml" ) \
    >/dev/null 2>"$TMP/few.log" &
FEW_PID=$!
if wait_log 20 "$TMP/few.log" "dotsgwd ready" \
    "listening on coaps://$HOST:$P3 (64 shards)" \
    "listen $HOST port $P3: 4096 shards would take more than a quarter of the 256 descriptors allowed (RLIMIT_NOFILE); using 64"; then
	pass "256 descriptors: 64 shards, with a warning"
else
	fail "256 descriptors" "$(tail -n 4 "$TMP/few.log")"
fi
expect "a session on the daemon with 64 shards -> 2.04" 2.04 psk1 \
    "coaps://$HOST:$P3" hb
kill "$FEW_PID" 2>/dev/null
wait "$FEW_PID" 2>/dev/null
exit $((T_FAILS > 0))
