#!/usr/bin/env bash
# RFC 7959 §2.2: a client that asks for a block size gets blocks of that
# size or smaller ("A server MUST use the block size indicated or a
# smaller size"). coap-client -b 32 asks for 32-byte blocks on a GET of
# one mitigation, an Observe GET of one and of all (their notifications
# too: libcoap 4.3.1 copies the subscription's Block2 into each one before
# the handler runs) and a GET of /config. Before, every answer came whole
# (47 to 210 bytes), a notification with libcoap's Block2:0/_/32 beside a
# 47-byte payload, and the daemon log said "options are not in correct
# order". Each 2.05 in coap-client's -v 7 dump is parsed: one Block2,
# size 32, a payload of at most 32 bytes; the bodies it reassembled are
# the ones answered whole without -b. The daemon runs at -vv, where
# libcoap logs misordered and dropped (repeated) options.
. "$(dirname "$0")/../lib.sh"
t_init

GW_LOG=$TMP/dotsgwd.log
"$DOTSGWD" -f -vv -c "$CONF" 2>>"$GW_LOG" >/dev/null &
GW_PID=$!
wait_log 10 "$GW_LOG" "dotsgwd ready" || { fail start "no ready line"; exit 1; }

C=$(cuid_psk "$PSK1_ID")
U=coaps://$HOST:$PORT
mkcbor "$TMP/m5.cbor" '{1: {2: [{6: ["192.0.2.0/26"], 14: 3600}]}}'
mkcbor "$TMP/m6.cbor" '{1: {2: [{6: ["192.0.2.64/26"], 14: 3600}]}}'
cc_expect "PUT mid=5" 2.01 psk1 -m put -t 271 -f "$TMP/m5.cbor" "$U/$(mpath "$C" 5)"
cc_expect "PUT mid=6" 2.01 psk1 -m put -t 271 -f "$TMP/m6.cbor" "$U/$(mpath "$C" 6)"

# blocks DUMP: every 2.05 of a coap-client -v 7 dump carries exactly one
# Block2 option of size 32 and at most 32 bytes of payload. Prints
# "N ok" or the first offending line.
blocks() {
	$PY - "$1" <<'PY'
import sys
n = 0
for line in open(sys.argv[1], errors="replace"):
    if not line.startswith("v:1 ") or " c:2.05 " not in line:
        continue
    n += 1
    opts = line.split(" [ ", 1)[1].split(" ]", 1)[0].split(", ") \
        if " [ " in line else []
    b2 = [o for o in opts if o.startswith("Block2:")]
    size = line.rsplit("binary data length ", 1)
    size = int(size[1]) if len(size) == 2 else 0
    if len(b2) != 1 or b2[0].rsplit("/", 1)[1] != "32" or size > 32:
        print("bad: " + line.strip()[:200])
        sys.exit(0)
print("%d ok" % n)
PY
}

# same_cbor A B [KEY...]: both files hold the same CBOR items, each
# compared with the given integer keys dropped from every map (what
# changes from one second to the next: lifetime left).
same_cbor() {
	$PY - "$@" <<'PY'
import cbor2, sys
drop = {int(k) for k in sys.argv[3:]}
def strip(x):
    if isinstance(x, dict):
        return {k: strip(v) for k, v in x.items() if k not in drop}
    if isinstance(x, list):
        return [strip(v) for v in x]
    return x
def items(path):
    out = []
    with open(path, "rb") as f:
        while True:
            try:
                out.append(strip(cbor2.load(f)))
            except (EOFError, cbor2.CBORDecodeEOF):
                return out
a, b = items(sys.argv[1]), items(sys.argv[2])
print("same %d" % len(a) if a and all(x == b[0] for x in a) and b and
      all(x == b[0] for x in b) else "differ %r %r" % (a[:1], b[:1]))
PY
}

# --- GET of one, of all, of /config: whole, then in 32-byte blocks --------
# (config over TLS too; blockwise_getall.sh has large bodies over TLS)
for what in "one:$U/$(mpath "$C" 5)" "config:$U/$WK/config" \
    "all:$U/$(mpath "$C")" "config-tls:$URI_T/$WK/config"; do
	name=${what%%:*} uri=${what#*:}
	rm -f "$TMP/$name.whole" "$TMP/$name.b32"
	cc psk1 -m get -A 271 -o "$TMP/$name.whole" "$uri"
	cc psk1 -m get -b 32 -A 271 -o "$TMP/$name.b32" "$uri"
	cp "$CC_OUT" "$TMP/$name.dump"
	n=$(blocks "$TMP/$name.dump")
	[[ $n == *" ok" ]] && [ "${n%% *}" -gt 1 ] &&
	    pass "GET $name -b 32: $n responses, each Block2 size 32, <= 32 bytes" ||
	    fail "GET $name -b 32" "$n"
	check_eq "GET $name -b 32: reassembled body is the whole answer" \
	    "$(same_cbor "$TMP/$name.b32" "$TMP/$name.whole" 14)" "same 1"
done

# --- Observe with -b 32: the registration and every notification ---------
for what in "one:$(mpath "$C" 5)" "all:$(mpath "$C")"; do
	name=${what%%:*} path=${what#*:}
	rm -f "$TMP/obs-$name.cbor"
	timeout 30 "$COAP_CLIENT" -v 7 $(cc_args psk1) -m get -s 6 -b 32 -A 271 \
	    -o "$TMP/obs-$name.cbor" "$U/$path" >"$TMP/obs-$name.dump" 2>&1 &
	op=$!
	# registered (the 2.05 with Observe), then one change: a refresh
	wait_for 10 has "$TMP/obs-$name.dump" "Observe:" ||
	    fail "observe $name: registered" "no Observe answer"
	cc_expect "observe $name: refresh mid=5" 2.04 psk1 -m put -t 271 \
	    -f "$TMP/m5.cbor" "$U/$(mpath "$C" 5)"
	wait "$op"
	nobs=$(grep -aF "c:2.05" "$TMP/obs-$name.dump" | grep -cF "Observe:")
	[ "$nobs" -ge 2 ] && pass "observe $name: registration and a notification ($nobs)" ||
	    fail "observe $name: notification" "$nobs answers with Observe"
	grep -aF "t:NON c:2.05" "$TMP/obs-$name.dump" | grep -qF "Block2:0/M/32" &&
	    pass "observe $name: the notification is block 0 of 32 bytes, more to come" ||
	    fail "observe $name: notification block" \
	    "$(grep -aF 't:NON c:2.05' "$TMP/obs-$name.dump" | head -n 1)"
	n=$(blocks "$TMP/obs-$name.dump")
	[[ $n == *" ok" ]] &&
	    pass "observe $name -b 32: $n responses, each Block2 size 32, <= 32 bytes" ||
	    fail "observe $name -b 32" "$n"
	cc psk1 -m get -A 271 -o "$TMP/obs-$name.whole" "$U/$path"
	r=$(same_cbor "$TMP/obs-$name.cbor" "$TMP/obs-$name.whole" 14)
	[[ $r == "same "* ]] && [ "${r#same }" -ge 2 ] &&
	    pass "observe $name: every reassembled body is the whole answer ($r)" ||
	    fail "observe $name: bodies" "$r"
done

# libcoap at -vv logs a misordered option and a dropped repeated one
check_eq "no 'options are not in correct order' in the daemon log" \
    "$(count_of "$GW_LOG" "options are not in correct order")" 0
check_eq "no Block2 dropped as repeated in the daemon log" \
    "$(count_of "$GW_LOG" "is not defined as repeatable")" 0
gw_alive "daemon alive"
exit $((T_FAILS > 0))
