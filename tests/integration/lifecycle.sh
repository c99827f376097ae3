#!/bin/bash
# Mitigation life cycle (RFC 9132 §4.4): refresh, scope change, overlap
# and mid ordering, withdrawal with the active-but-terminating period
# (5 s here), lifetime expiry, Observe of the withdrawal.
. "$(dirname "$0")/../lib.sh"
t_init
# active-but-terminating 5 s, not the usual 2: the GET that must land
# within it is a new process and handshake, slow on a loaded machine
write_config "$CONF" "$PORT" 5
gw_start || exit 1


for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls
	b=0 net=192.0.2
	[ $t = T ] && b=1000 net=203.0.113
	cred=psk1
	[ $t = T ] && cred=psk3

	# Refresh: same mid, same body -> 2.04; changed port -> 4.00.
	expect "$tr PUT -> 2.01" 2.01 $cred $uri mitigate --mid $((b + 10)) \
	    --prefix $net.10/32 --port 80 --lifetime 600
	expect "$tr refresh same mid same body -> 2.04" 2.04 $cred $uri \
	    mitigate --mid $((b + 10)) --prefix $net.10/32 --port 80 \
	    --lifetime 600
	expect "$tr refresh with a new lifetime -> 2.04" 2.04 $cred $uri \
	    mitigate --mid $((b + 10)) --prefix $net.10/32 --port 80 \
	    --lifetime 900
	expect "$tr same mid, changed port -> 4.00" 4.00 $cred $uri \
	    mitigate --mid $((b + 10)) --prefix $net.10/32 --port 81 \
	    --lifetime 600

	# Overlap: a lower mid after a higher one -> 4.09 overlapping-targets.
	expect "$tr higher mid overlapping -> 2.01" 2.01 $cred $uri \
	    mitigate --mid $((b + 20)) --prefix $net.10/32 --lifetime 600
	expect "$tr older overlapping mid deleted automatically -> 4.04" \
	    4.04 $cred $uri get --mid $((b + 10))
	expect "$tr lower overlapping mid -> 4.09" 4.09 $cred $uri \
	    mitigate --mid $((b + 15)) --prefix $net.0/28 --lifetime 600
	check_j "$tr 4.09 conflict-cause" 4.09 \
	    's["conflict-information"]["conflict-cause"]' \
	    overlapping-targets
	expect "$tr lower non-overlapping mid -> 2.01" 2.01 $cred $uri \
	    mitigate --mid $((b + 16)) --prefix $net.200/32 --lifetime 600

	# Withdraw: 2.02, status 5 during active-but-terminating, then 4.04.
	# An observer sees the status-5 notification; it ends by itself on
	# the 4.04 that follows the period (20 s is only a bound).
	obs=$TMP/obs.$t
	"$DOTSCTL" -s $uri $(cred_args $cred) --json get --mid $((b + 20)) \
	    --observe 20 >$obs 2>$obs.err &
	opid=$!
	wait_log 20 $obs '"code":"2.05"' ||
	    fail "$tr observer registered" "got: $(head -c 300 $obs)"
	expect "$tr DELETE -> 2.02" 2.02 $cred $uri withdraw --mid $((b + 20))
	expect "$tr GET within active-but-terminating -> 2.05" 2.05 $cred \
	    $uri get --mid $((b + 20))
	check_j "$tr status during active-but-terminating" 2.05 \
	    's["status"]' dots-client-withdrawn-mitigation
	wait $opid
	if line_has $obs '"observe":' '"status":"dots-client-withdrawn-mitigation"'
	then
		pass "$tr Observe notification of the withdrawal (status 5)"
	else
		fail "$tr Observe notification of the withdrawal" \
		    "got: $(tr '\n' ' ' < $obs | head -c 400)"
	fi
	expect "$tr DELETE an unknown mid -> 2.02" 2.02 $cred $uri \
	    withdraw --mid $((b + 99))
	# After the period the mitigation is terminated: the daemon may show
	# status 6 (attack-mitigation-terminated) briefly, then 4.04.
	gone= bad= end=$((SECONDS + 20))
	while [ $SECONDS -lt $end ]; do
		ctl $cred $uri get --mid $((b + 20))
		[ "$(code_of)" = 4.04 ] && { gone=1; break; }
		case $(jget 's["status"]') in
		dots-client-withdrawn-mitigation | attack-mitigation-terminated) ;;
		*) bad="$(_ctl_why)" ;;
		esac
		sleep 0.3
	done
	if [ -n "$gone" ] && [ -z "$bad" ]; then
		pass "$tr GET after active-but-terminating -> 4.04"
	else
		fail "$tr GET after active-but-terminating -> 4.04" \
		    "${bad:-still there 20 s later: $(_ctl_why)}"
	fi

	# Lifetime expiry: granted <= asked, then the mitigation disappears.
	expect "$tr PUT lifetime 2 -> 2.01" 2.01 $cred $uri \
	    mitigate --mid $((b + 30)) --prefix $net.30/32 --lifetime 2
	lt=$(jget 's["lifetime"]')
	if [[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -ge 1 ] && [ "$lt" -le 2 ]; then
		pass "$tr granted lifetime $lt <= 2"
	else
		fail "$tr granted lifetime" "got '$lt' for 2 asked: $(_ctl_why)"
	fi
	gone=
	wait_for 20 eval 'ctl $cred $uri get --mid $((b + 30)); [ "$(code_of)" = 4.04 ]' &&
	    gone=1
	if [ -n "$gone" ]; then
		pass "$tr mitigation gone after its lifetime"
	else
		fail "$tr mitigation gone after its lifetime" "$(_ctl_why)"
	fi

	# Indefinite lifetime is capped by policy (max-lifetime 86400).
	expect "$tr PUT lifetime -1 -> 2.01" 2.01 $cred $uri \
	    mitigate --mid $((b + 40)) --prefix $net.40/32 --lifetime -1
	lt=$(jget 's["lifetime"]')
	if [[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -ge 1 ] && [ "$lt" -le 86400 ]; then
		pass "$tr lifetime -1 granted as $lt (policy max 86400)"
	else
		fail "$tr lifetime -1 granted" "got '$lt' (max-lifetime 86400): $(_ctl_why)"
	fi
	expect "$tr preconfigured request (trigger false) -> 2.01" 2.01 \
	    $cred $uri mitigate --mid $((b + 50)) --prefix $net.50/32 \
	    --no-trigger
	expect "$tr GET preconfigured -> 2.05" 2.05 $cred $uri \
	    get --mid $((b + 50))
	check_j "$tr preconfigured status" 2.05 's["status"]' \
	    attack-mitigation-signal-loss
done
gw_alive "daemon alive after the life-cycle tests"
