#!/bin/bash
# Malformed and invalid mitigation requests: each must get the exact code
# of RFC 9132 (§4.4.1, §6, §9) and leave the daemon running.
. "$(dirname "$0")/../lib.sh"
t_init
gw_start || exit 1

MSK=ietf-dots-signal-channel:mitigation-scope
# body FILE SCOPE-JSON...: an RFC-style JSON body with these scopes.
body() {
	local f=$TMP/$1.json
	shift
	local scopes
	scopes=$(IFS=,; echo "$*")
	echo "{\"$MSK\":{\"scope\":[$scopes]}}" > "$f"
	echo "$f"
}
# check_code_json NAME CODE EXPR WANT: the last answer has CODE and
# jget EXPR prints WANT; a failure shows the raw answer
check_code_json() {
	local got
	if [ "$(code_of)" != "$2" ]; then
		fail "$1" "expected $2, $(_ctl_why)"
		return
	fi
	got=$(jget "$3")
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1" "expected '$4', got '$got' from $(_ctl_why)"
	fi
}
for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls
	[ $t = T ] && b=500 || b=0

	printf '\xa1\x01\xa1\x02\x81\xa2\x06' > $TMP/trunc.cbor
	expect "$tr malformed CBOR (truncated) -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 1)) --cbor-file $TMP/trunc.cbor
	printf '\xa1\x01\xa1\x02\x81\xa2\x06\x81\x6c192.0.2.1/32\x0e\x19\x0e\x10\xff' > $TMP/trail.cbor
	expect "$tr malformed CBOR (trailing byte) -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 2)) --cbor-file $TMP/trail.cbor
	printf 'not cbor at all' > $TMP/text.cbor
	expect "$tr garbage body -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 3)) --cbor-file $TMP/text.cbor

	f=$(body k100 '{"target-prefix":["192.0.2.1/32"],"lifetime":3600,"100":1}')
	expect "$tr unknown comprehension-required key 100 -> 4.00" 4.00 \
	    psk1 $uri mitigate --mid $((b + 4)) --file $f
	# "100" as a number of its own (not in "1000" or "2100")
	check_code_json "$tr diagnostic names key 100" 4.00 \
	    'bool(__import__("re").search(r"(^|[^0-9])100([^0-9]|$)", j.get("diagnostic", "")))' true
	f=$(body k200 '{"target-prefix":["192.0.2.2/32"],"lifetime":3600,"200":"x"}')
	expect "$tr unknown comprehension-optional key 200 -> 2.01" 2.01 \
	    psk1 $uri mitigate --mid $((b + 5)) --file $f

	expect "$tr Content-Format 60 -> 4.15" 4.15 psk1 $uri \
	    mitigate --mid $((b + 6)) --prefix 192.0.2.3/32 --content-format 60
	expect "$tr no Content-Format -> 4.15" 4.15 psk1 $uri \
	    mitigate --mid $((b + 7)) --prefix 192.0.2.3/32 --content-format none
	expect "$tr prefix the peer does not own -> 4.01" 4.01 psk1 $uri \
	    mitigate --mid $((b + 8)) --prefix 198.51.100.1/32
	expect "$tr prefix partly outside the peer's -> 4.01" 4.01 psk1 $uri \
	    mitigate --mid $((b + 9)) --prefix 192.0.0.0/16

	f=$(body nolt '{"target-prefix":["192.0.2.4/32"]}')
	expect "$tr missing lifetime -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 10)) --file $f
	f=$(body notarget '{"target-port-range":[{"lower-port":80}],"lifetime":3600}')
	expect "$tr no target (ports only) -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 11)) --file $f
	f=$(body two '{"target-prefix":["192.0.2.5/32"],"lifetime":3600}' \
	    '{"target-prefix":["192.0.2.6/32"],"lifetime":3600}')
	expect "$tr several scopes -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 12)) --file $f
	expect "$tr lifetime 0 -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 13)) --prefix 192.0.2.7/32 --lifetime 0
	f=$(body null '{"target-prefix":["192.0.2.8/32"],"target-fqdn":null,"alias-name":null,"lifetime":3600}')
	expect "$tr null entries accepted -> 2.01" 2.01 psk1 $uri \
	    mitigate --mid $((b + 14)) --file $f
	ctl psk1 $uri get --mid $((b + 14))
	check_code_json "$tr null entries not echoed" 2.05 \
	    's is None or "target-fqdn" in s or "alias-name" in s' false
	expect "$tr invalid prefix text -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 15)) --prefix 192.0.2.300/32
	f=$(body cuidbody '{"target-prefix":["192.0.2.9/32"],"lifetime":3600,"cuid":"abc"}')
	expect "$tr cuid in the body -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 16)) --file $f
	mkcbor $TMP/wrongtype.cbor "{1:{2:[{6:'192.0.2.10/32',14:3600}]}}"
	expect "$tr target-prefix not an array -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 17)) --cbor-file $TMP/wrongtype.cbor
	printf '\xa1\x01\xa1\x02\x81\xa2\x0e\x19\x0e\x10\x0e\x19\x0e\x10' > $TMP/dupkey.cbor
	expect "$tr duplicate map key -> 4.00" 4.00 psk1 $uri \
	    mitigate --mid $((b + 19)) --cbor-file $TMP/dupkey.cbor
	ctl psk1 $uri mitigate --mid $((b + 18)) --prefix 127.0.0.1/32
	case $(code_of) in
	4.00 | 4.01) pass "$tr loopback target refused ($(code_of))" ;;
	*) fail "$tr loopback target refused" "want 4.00/4.01, $(_ctl_why)" ;;
	esac

	# GET with an empty, non-CBOR body: handled as usual.
	expect "$tr GET unknown mid with empty text/plain body -> 4.04" 4.04 \
	    psk1 $uri get --mid $((b + 99)) --content-format 0
	expect "$tr GET all with empty text/plain body -> 2.05" 2.05 \
	    psk1 $uri get --content-format 0

	# Efficacy update on an unknown mid: silently ignored (§4.4.3). The
	# 3 s timeout is the observation window of this negative check.
	expect_noresp "$tr efficacy update on unknown mid: no response" \
	    psk1 $uri --timeout 3 efficacy --mid $((b + 98)) \
	    --attack-status under-attack --prefix 192.0.2.11/32
	expect "$tr ... and no mitigation created -> 4.04" 4.04 psk1 $uri \
	    get --mid $((b + 98))

	# cdid from a client that is not a trusted gateway: ignored/stripped
	# (§4.4.1.1) or refused, never taken as an identity.
	ctl psk1 $uri --cdid client-made-cdid mitigate --mid $((b + 20)) \
	    --prefix 192.0.2.12/32
	c=$(code_of)
	if [ "$c" = 2.01 ]; then
		expect "$tr cdid ignored: GET without cdid finds it" 2.05 \
		    psk1 $uri get --mid $((b + 20))
	elif [ "$c" = 4.00 ]; then
		pass "$tr cdid from a client refused (4.00)"
	else
		fail "$tr cdid from a client" "expected 2.01 or 4.00, $(_ctl_why)"
	fi
done

# Empty Uri-Path values and wrong order make the request invalid (§4.2).
cuid1=$(cuid_psk $PSK1_ID)
mkcbor $TMP/ok.cbor "{1:{2:[{6:['192.0.2.13/32'],14:3600}]}}"
cc_expect "empty mid= -> 4.00" 4.00 psk1 -m put -t 271 -f $TMP/ok.cbor \
    "$URI_D/$WK/mitigate/cuid=$cuid1/mid="
cc_expect "mid before cuid -> 4.00" 4.00 psk1 -m put -t 271 \
    -f $TMP/ok.cbor "$URI_D/$WK/mitigate/mid=700/cuid=$cuid1"
cc_expect "PUT without mid -> 4.00" 4.00 psk1 -m put -t 271 \
    -f $TMP/ok.cbor "$URI_D/$WK/mitigate/cuid=$cuid1"
cc_expect "DELETE without mid -> 4.00" 4.00 psk1 -m delete \
    "$URI_D/$WK/mitigate/cuid=$cuid1"
cc_expect "POST on mitigate -> 4.05" 4.05 psk1 -m post -t 271 \
    -f $TMP/ok.cbor "$URI_D/$(mpath $cuid1 701)"
gw_alive "daemon alive after bad input"
