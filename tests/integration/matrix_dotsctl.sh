#!/bin/bash
# Interop matrix (shared/seeds/interop-matrix.md rows 1-10) with dotsctl,
# over DTLS and TLS, with PSK (customer1) and a certificate (customer2).
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1

MSK=ietf-dots-signal-channel:mitigation-scope
# check_jv NAME EXPR WANT: jget EXPR on the last answer (whose code the
# caller checked) prints WANT; a failure shows the raw answer
check_jv() {
	local got
	got=$(jget "$2")
	if [ "$got" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$got' from $(_ctl_why)"
	fi
}
i=0
for combo in "psk1 D" "psk1 T" "pki2 D" "pki2 T"; do
	set -- $combo
	cred=$1
	uri=$URI_D tr=dtls
	[ "$2" = T ] && uri=$URI_T tr=tls
	i=$((i + 1))
	if [ "$cred" = psk1 ]; then net=192.0.2; else net=198.51.100; fi
	p=$net.$((10 + i))/32
	mid=$((100 + i))
	n="$cred/$tr"

	# 1 mitigation request
	expect "$n row1 PUT new mid -> 2.01" 2.01 $cred $uri \
	    mitigate --mid $mid --prefix $p --port 443 --proto 6 --lifetime 3600
	check_jv "$n row1 body mid" 's["mid"]' "$mid"
	lt=$(jget 's["lifetime"]')
	if [[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -gt 0 ] && [ "$lt" -le 3600 ]; then
		pass "$n row1 granted lifetime $lt"
	else
		fail "$n row1 granted lifetime" "got '$lt' (want 1..3600) from $(_ctl_why)"
	fi
	# 3 status of one
	expect "$n row3 GET one -> 2.05" 2.05 $cred $uri get --mid $mid
	check_jv "$n row3 mid" 's["mid"]' "$mid"
	check_jv "$n row3 target-prefix" 's["target-prefix"]' "[\"$p\"]"
	st=$(jget 's["status"]')
	case $st in
	attack-mitigation-in-progress | attack-successfully-mitigated)
		pass "$n row3 status active ($st)" ;;
	*) fail "$n row3 status" "got '$st' from $(_ctl_why)" ;;
	esac
	# 4 status of all
	expect "$n row4 GET all -> 2.05" 2.05 $cred $uri get
	check_jv "$n row4 lists mid" \
	    "$mid in [x.get('mid') for x in j['body']['$MSK']['scope']]" true

	# 5 Observe (background) while 6 efficacy and 2 withdraw happen: for
	# 10 s from its start (handshake included: room for a loaded machine),
	# once its registration is answered (the first line)
	obs=$TMP/obs.$i
	"$DOTSCTL" -s $uri $(cred_args $cred) --json get --mid $mid \
	    --observe 10 >"$obs" 2>"$obs.err" &
	opid=$!
	wait_for 10 has "$obs" '{"code":'
	expect "$n row6 efficacy update -> 2.04" 2.04 $cred $uri \
	    efficacy --mid $mid --attack-status under-attack --prefix $p \
	    --port 443 --proto 6 --lifetime 3600
	expect "$n row2 DELETE -> 2.02" 2.02 $cred $uri withdraw --mid $mid
	check_jv "$n row2 DELETE has no body" '"body" in j' false
	wait $opid
	orc=$?
	first=$(head -n 1 "$obs")
	if [[ $first == '{"code":"2.05","observe":'* ]]; then
		pass "$n row5 Observe registered"
	else
		fail "$n row5 Observe registered" "first line '$first' (rc $orc, $(head -c 200 "$obs.err"))"
	fi
	if has "$obs" '"status":"dots-client-withdrawn-mitigation"'; then
		pass "$n row5 notification of the withdrawal (status 5)"
	else
		fail "$n row5 notification of the withdrawal" \
		    "$(wc -l < "$obs") lines: $(tr '\n' ' ' < "$obs" | head -c 400)"
	fi

	# 7 session configuration, 9 retrieve, 8 delete
	sid=$((10 + i))
	expect "$n row7 config PUT -> 2.01" 2.01 $cred $uri \
	    config put --sid $sid --hb-interval 60 --missing-hb 5
	expect "$n row9 config GET sid -> 2.05" 2.05 $cred $uri \
	    config get --sid $sid
	check_jv "$n row9 negotiated heartbeat-interval" \
	    'j["body"]["ietf-dots-signal-channel:signal-config"]["idle-config"]["heartbeat-interval"]["current-value"]' 60
	expect "$n row8 config DELETE -> 2.02" 2.02 $cred $uri \
	    config delete --sid $sid
	expect "$n row9 config GET after DELETE -> 2.05" 2.05 $cred $uri \
	    config get
	check_jv "$n row8 default restored" \
	    'j["body"]["ietf-dots-signal-channel:signal-config"]["idle-config"]["heartbeat-interval"]["current-value"]' 30
	# 10 heartbeat
	expect "$n row10 heartbeat -> 2.04" 2.04 $cred $uri hb
	check_jv "$n row10 heartbeat answer has no body" '"body" in j' false
done

# Confirmable mitigation requests are accepted too (RFC 9132 §4.3 overlap).
expect "psk1/dtls CON PUT -> 2.01" 2.01 psk1 $URI_D \
    --con mitigate --mid 200 --prefix 192.0.2.99/32
expect "psk1/dtls CON GET -> 2.05" 2.05 psk1 $URI_D --con get --mid 200
gw_alive "daemon alive after the matrix"
