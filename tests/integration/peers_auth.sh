#!/bin/bash
# Authentication (no session for unknown credentials) and isolation
# between peers: cuid bound to the credential, mids private to their owner.
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1


cuid1=$(cuid_psk $PSK1_ID)
for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls

	# Unknown credentials: the (D)TLS handshake fails, dotsctl exits 2.
	"$DOTSCTL" -s $uri --psk-identity nobody --psk-key $PSK1_KEY \
	    --timeout 8 get >$TMP/o 2>$TMP/e
	rc=$?
	if [ $rc -eq 2 ] && [ ! -s $TMP/o ]; then
		pass "$tr unknown PSK identity: no session"
	else
		fail "$tr unknown PSK identity" "rc $rc, out '$(head -c 200 $TMP/o)'"
	fi
	if has $TMP/e "handshake failed"; then
		pass "$tr unknown PSK identity: 'handshake failed' on stderr"
	else
		fail "$tr unknown PSK identity message" "stderr '$(head -c 200 $TMP/e)'"
	fi
	"$DOTSCTL" -s $uri --psk-identity $PSK1_ID --psk-key wrong-key \
	    --timeout 8 get >$TMP/o 2>$TMP/e
	rc=$?
	check_eq "$tr wrong PSK key: no session (exit 2)" "$rc" 2
	expect_noresp "$tr certificate from an untrusted CA: no session" \
	    rogue $uri --timeout 8 get
	expect_noresp "$tr trusted certificate, name not configured: no session" \
	    stranger $uri --timeout 8 get
	"$DOTSCTL" -s $uri $(cred_args pki2 | sed 's/gw1.test/other.test/') \
	    --timeout 8 get >$TMP/o 2>$TMP/e
	rc=$?
	if [ $rc -eq 2 ] && has $TMP/e "handshake failed"; then
		pass "$tr server name mismatch detected by dotsctl"
	else
		fail "$tr server name mismatch" "rc $rc, stderr '$(head -c 200 $TMP/e)'"
	fi
	# dotsctl verifies the server chain: a CA that did not sign gw1.
	"$DOTSCTL" -s $uri --cert $TMP/pki/customer2.pem \
	    --key $TMP/pki/customer2.key --ca $TMP/pki/ca2.pem --timeout 8 \
	    get >$TMP/o 2>$TMP/e
	check_eq "$tr server chain not trusted: exit 2" "$?" 2

	# Peer isolation: customer1 owns mid M; customer3 may not see or touch it.
	m=$([ $t = T ] && echo 1050 || echo 50)
	expect "$tr owner PUT -> 2.01" 2.01 psk1 $uri \
	    mitigate --mid $m --prefix 192.0.2.50/32
	expect "$tr other peer GET that mid (own cuid) -> 4.04" 4.04 psk3 $uri \
	    get --mid $m
	expect "$tr other peer GET with the owner's cuid -> 4.04" 4.04 psk3 \
	    $uri --cuid $cuid1 get --mid $m
	expect "$tr other peer PUT with the owner's cuid -> 4.09" 4.09 psk3 \
	    $uri --cuid $cuid1 mitigate --mid $((m + 1)) --prefix 203.0.113.1/32
	check_j "$tr 4.09 conflict-cause cuid-collision" 4.09 \
	    's["conflict-information"]["conflict-cause"]' cuid-collision
	expect "$tr other peer DELETE with the owner's cuid -> 2.02" 2.02 \
	    psk3 $uri --cuid $cuid1 withdraw --mid $m
	expect "$tr owner still sees it -> 2.05" 2.05 psk1 $uri get --mid $m
	# Observe on the owner's resources: refused once, never notified
	# (libcoap drops an observer refused at registration).
	"$DOTSCTL" -s $uri $(cred_args psk3) --cuid $cuid1 --json \
	    get --mid $m --observe 3 > $TMP/fo 2>&1 &
	fo=$!
	# its answer (the refusal) first, then the change it must not see
	wait_log 20 $TMP/fo '"code":' ||
	    fail "$tr other peer Observe: an answer" "nothing in 20 s"
	"$DOTSCTL" -s $uri $(cred_args psk1) efficacy --mid $m \
	    --attack-status under-attack --prefix 192.0.2.50/32 >/dev/null 2>&1
	wait $fo
	check_eq "$tr other peer Observe on the owner's mid: one 4.04, nothing more" \
	    "$(count_of $TMP/fo '"code":') $(count_of $TMP/fo '"code":"4.04"')" "1 1"
	ctl psk1 $uri get --mid $m
	st=$(jget 's["status"]')
	case $(code_of):$st in
	2.05:attack-mitigation-in-progress | 2.05:attack-successfully-mitigated)
		pass "$tr owner's mitigation still active ($st)" ;;
	*) fail "$tr owner's mitigation still active" "status '$st' from $(_ctl_why)" ;;
	esac
	expect "$tr certificate peer GET customer1's mid -> 4.04" 4.04 pki2 \
	    $uri --cuid $cuid1 get --mid $m
	expect_noresp "$tr other peer efficacy on that mid: silently ignored" \
	    psk3 $uri --timeout 3 efficacy --mid $m --attack-status \
	    under-attack --prefix 192.0.2.50/32
	expect "$tr other peer cannot target owner's prefix -> 4.01" 4.01 \
	    psk3 $uri mitigate --mid $((m + 2)) --prefix 192.0.2.50/32
done

# coap-client with an unknown PSK identity gets no answer.
cc psk1 -m get "$URI_D/$(mpath $cuid1)"
first=${CC_CODES%% *}
check_eq "coap-client known PSK gets an answer" "$first" 2.05
COAP_CLIENT_SAVE=$PSK1_ID PSK1_ID=nobody
cc psk1 -B 5 -m get "$URI_D/$(mpath $cuid1)"
PSK1_ID=$COAP_CLIENT_SAVE
if [ -z "$CC_CODES" ]; then
	pass "coap-client unknown PSK identity: no response"
else
	fail "coap-client unknown PSK identity" "saw '$CC_CODES'"
fi
gw_alive "daemon alive after authentication failures"
