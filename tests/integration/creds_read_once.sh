#!/bin/bash
# The downstream server reads its X.509 files once, at start
# (client/pki.h, pki_pem_load): libcoap 4.3.1's GnuTLS server sets the
# context's X.509 credentials up again for every session, a PSK one too,
# and from files it opened all three per handshake (NOTES.md, "libcoap
# 4.3.1 at scale"). With the files gone after the start, PSK and X.509
# clients still get in over DTLS and TLS; a start without them is refused,
# naming the file.
. "$(dirname "$0")/../lib.sh"
t_init
mkdir -p "$TMP/srv"
cp "$TMP/pki/ca.pem" "$TMP/pki/gw1.pem" "$TMP/pki/gw1.key" "$TMP/srv/"
sed -i "s|$TMP/pki/ca.pem|$TMP/srv/ca.pem|; s|$TMP/pki/gw1.pem|$TMP/srv/gw1.pem|; s|$TMP/pki/gw1.key|$TMP/srv/gw1.key|" "$CONF"
check "config names the server's own copies" grep -qF "$TMP/srv/gw1.key" "$CONF"
gw_start || exit 1

m=10
for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls
	expect "$tr PSK peer, files in place: 2.01" 2.01 psk1 "$uri" \
	    --timeout 8 mitigate --mid $((m += 1)) --prefix 192.0.2.$m/32
	expect "$tr X.509 peer, files in place: 2.01" 2.01 pki2 "$uri" \
	    --timeout 8 mitigate --mid $((m += 1)) --prefix 198.51.100.$m/32
done

mv "$TMP/srv" "$TMP/srv.gone"
for t in D T; do
	uri=$URI_D tr=dtls
	[ $t = T ] && uri=$URI_T tr=tls
	expect "$tr PSK peer, files gone since the start: 2.01" 2.01 psk1 \
	    "$uri" --timeout 8 mitigate --mid $((m += 1)) --prefix 192.0.2.$m/32
	expect "$tr X.509 peer, files gone since the start: 2.01" 2.01 pki2 \
	    "$uri" --timeout 8 mitigate --mid $((m += 1)) \
	    --prefix 198.51.100.$m/32
done
if has "$GW_LOG" "setup_pki_credentials"; then
	fail "no credential set-up failed" "$(grep -F setup_pki_credentials "$GW_LOG" | head -n 2)"
else
	pass "no credential set-up failed"
fi
gw_stop

# Without the files no start: the file that is missing is named.
timeout 20 "$DOTSGWD" -f -c "$CONF" >/dev/null 2>"$TMP/start.err"
rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] &&
    has "$TMP/start.err" "credentials: cannot read $TMP/srv/ca.pem: No such file or directory"; then
	pass "start without the CA file: refused, the file named"
else
	fail "start without the CA file" "rc $rc, stderr '$(tail -n 2 "$TMP/start.err")'"
fi
