#!/bin/bash
# Session configuration (RFC 9132 §4.5) and heartbeats (§4.7), including
# requests sent right after the handshake and server-initiated heartbeats.
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1

SCK='j["body"]["ietf-dots-signal-channel:signal-config"]'
cuid1=$(cuid_psk $PSK1_ID)

for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls
	cred=psk1
	[ $t = T ] && cred=pki2

	expect "$tr config GET -> 2.05" 2.05 $cred $uri config get
	check_j "$tr idle heartbeat-interval min/max/current" 2.05 \
	    "[$SCK[c]['heartbeat-interval'][k] for c in ('idle-config','mitigating-config') for k in ('min-value','max-value','current-value')]" \
	    "[15, 240, 30, 15, 240, 30]"
	check_j "$tr ack-timeout decimals" 2.05 \
	    "[$SCK['idle-config']['ack-timeout'][k] for k in ('min-value-decimal','max-value-decimal','current-value-decimal')]" \
	    '["1.00", "30.00", "2.00"]'
	check_j "$tr config GET carries Max-Age" 2.05 '"max-age" in j' true

	expect "$tr heartbeat-interval below min -> 4.22" 4.22 $cred $uri \
	    config put --sid 1 --hb-interval 5
	expect "$tr heartbeat-interval above max -> 4.22" 4.22 $cred $uri \
	    config put --sid 1 --hb-interval 300
	expect "$tr missing-hb-allowed above max -> 4.22" 4.22 $cred $uri \
	    config put --sid 1 --missing-hb 50
	expect "$tr ack-timeout below min -> 4.22" 4.22 $cred $uri \
	    config put --sid 1 --ack-timeout 0.5
	expect "$tr new sid -> 2.01" 2.01 $cred $uri \
	    config put --sid 5 --hb-interval 60
	expect "$tr same sid updated -> 2.04" 2.04 $cred $uri \
	    config put --sid 5 --hb-interval 90 --ack-timeout 3
	expect "$tr config GET sid -> 2.05" 2.05 $cred $uri config get --sid 5
	check_j "$tr negotiated values" 2.05 \
	    "[$SCK['idle-config']['heartbeat-interval']['current-value'], $SCK['idle-config']['ack-timeout']['current-value-decimal']]" \
	    '[90, "3.00"]'
	expect "$tr idle-config only -> 2.01" 2.01 $cred $uri \
	    config put --sid 6 --idle --hb-interval 120
	expect "$tr config GET after idle-only PUT" 2.05 $cred $uri config get
	check_j "$tr idle-config current 120" 2.05 \
	    "$SCK['idle-config']['heartbeat-interval']['current-value']" 120
	expect "$tr config GET unknown sid -> 4.04" 4.04 $cred $uri \
	    config get --sid 4
	expect "$tr config DELETE -> 2.02" 2.02 $cred $uri config delete
	expect "$tr config GET after DELETE" 2.05 $cred $uri config get
	check_j "$tr defaults restored" 2.05 \
	    "$SCK['idle-config']['heartbeat-interval']['current-value']" 30
	echo '{"ietf-dots-signal-channel:signal-config":{"idle-config":{"heartbeat-interval":{"current-value":60}},"100":1}}' > $TMP/cfg100.json
	expect "$tr config PUT with unknown required key -> 4.00" 4.00 \
	    $cred $uri config put --sid 7 --file $TMP/cfg100.json
	expect "$tr config PUT with a non-CBOR Content-Format -> 4.15" 4.15 \
	    $cred $uri config put --sid 9 --hb-interval 60 --content-format 50

	# Heartbeats.
	expect "$tr heartbeat -> 2.04" 2.04 $cred $uri hb
	expect "$tr heartbeat peer-hb-status false -> 2.04" 2.04 $cred $uri \
	    hb --peer-hb-status false
	ctl $cred $uri hb --count 2 --interval 1
	check_ans "$tr two heartbeats, two answers" \
	    "$(count_of $OUT '"code":"2.04"')" 2
	printf '\xa1\x18\x31\xa0' > $TMP/hbempty.cbor
	expect "$tr heartbeat without peer-hb-status -> 4.00" 4.00 $cred \
	    $uri hb --cbor-file $TMP/hbempty.cbor
	printf '\xa1\x18\x31' > $TMP/hbtrunc.cbor
	expect "$tr heartbeat with malformed CBOR -> 4.00" 4.00 $cred \
	    $uri hb --cbor-file $TMP/hbtrunc.cbor
done

# Path rules: config PUT needs a sid; /hb takes no cuid.
mkcbor $TMP/cfg.cbor '{30:{44:{33:{36:60}}}}'
cc_expect "config PUT without sid -> 4.00" 4.00 psk1 -m put -t 271 \
    -f $TMP/cfg.cbor "$URI_D/$WK/config"
printf '\xa1\x18\x31\xa1\x18\x33\xf5' > $TMP/hb.cbor
cc_expect "heartbeat with a cuid Uri-Path -> 4.00" 4.00 psk1 -N -m put \
    -t 271 -f $TMP/hb.cbor "$URI_D/$WK/hb/cuid=$cuid1"
# Early requests: first thing on a fresh session, over both transports.
cc_expect "config PUT first on a new DTLS session -> 2.01" 2.01 psk1 \
    -m put -t 271 -f $TMP/cfg.cbor "$URI_D/$WK/config/sid=30"
cc_expect "config PUT first on a new TLS session -> 2.04" 2.04 psk1 \
    -m put -t 271 -f $TMP/cfg.cbor "$URI_T/$WK/config/sid=30"
pids=
for k in 1 2 3; do
	timeout 10 "$COAP_CLIENT" $(cc_args psk1) -N -m put -t 271 \
	    -f $TMP/hb.cbor "$URI_D/$WK/hb" >/dev/null 2>&1 &
	pids="$pids $!"
	timeout 10 "$COAP_CLIENT" $(cc_args pki2) -m get \
	    "$URI_T/$WK/config" >/dev/null 2>&1 &
	pids="$pids $!"
done
wait $pids
gw_alive "daemon alive after early config/heartbeat bursts"

# Server-initiated heartbeats: a daemon whose default interval is 2 s.
gw_stop
PORT=$(free_port) URI_D=coaps://$HOST:$PORT
write_config $TMP/hb.yaml $PORT 2 1 240 2
rm -f "$TMP"/state/*.db*	# a new daemon: no configuration negotiated before
gw_start $TMP/hb.yaml || exit 1
ctl psk1 $URI_D hb --count 3 --interval 2
check_ans "heartbeats answered while the server sends its own" \
    "$(count_of $OUT '"code":"2.04"')" 3
n=$(sed -n 's/^dotsctl: answered \([0-9][0-9]*\) heartbeat(s) from the server$/\1/p' $ERR)
if [ "${n:-0}" -ge 1 ]; then
	pass "server-initiated heartbeats received and answered ($n)"
else
	fail "server-initiated heartbeats" "dotsctl answered '${n:-none}' in 4 s" \
	    "with heartbeat-interval 2"
fi
gw_alive "daemon alive after heartbeat exchange"
