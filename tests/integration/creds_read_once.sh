#!/bin/bash
# The downstream server reads its X.509 files once, at start
# (client/pki.h, pki_pem_load): libcoap 4.3.1's GnuTLS server sets the
# context's X.509 credentials up again for every session, a PSK one too,
# and from files it opened all three per handshake (NOTES.md, "libcoap
# 4.3.1 at scale"). With the files gone after the start, PSK and X.509
# clients still get in over DTLS and TLS; a start without them is refused,
# naming the file. A reload reads them again: that is how a certificate
# is rotated; a reload with a key that does not match is refused and the
# running certificate stays.
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

# served_serial: the serial of the certificate the TLS endpoint presents
# now (gnutls-cli, an independent TLS client, with customer2's), and
# serial_of FILE that of a certificate file, both as bare hex
served_serial() {
	timeout 10 gnutls-cli --no-ca-verification -p "$PORT" \
	    --x509certfile "$TMP/pki/customer2.pem" \
	    --x509keyfile "$TMP/pki/customer2.key" "$HOST" </dev/null \
	    >"$TMP/cli.out" 2>&1
	sed -n 's/^ - subject .*, serial 0x\([0-9a-f]*\),.*/\1/p' "$TMP/cli.out" |
	    head -n 1
}
serial_of() {
	certtool -i --infile "$1" | sed -n 's/^.*Serial Number (hex): \([0-9a-f]*\)$/\1/p'
}
gw_reload() {
	"$DOTSCTL" --socket "$GW_SOCK" reload >"$TMP/reload.out" 2>&1
	RRC=$?
}
mv "$TMP/srv.gone" "$TMP/srv"
if command -v gnutls-cli >/dev/null; then
	first=$(serial_of "$TMP/srv/gw1.pem")
	cn=$(served_serial)
	[ -n "$first" ] && [ "$cn" = "$first" ] &&
	    pass "TLS endpoint presents the certificate of the start" ||
	    fail "TLS endpoint presents the start's certificate" "'$cn' vs '$first': $(tail -n 3 "$TMP/cli.out")"
	# the same name, a new key and serial
	_cert "$TMP/pki" gw1r gw1.test >/dev/null 2>&1 ||
	    fail "rotated certificate made" "certtool failed"
	rotated=$(serial_of "$TMP/pki/gw1r.pem")
	cp "$TMP/pki/gw1r.pem" "$TMP/srv/gw1.pem"
	cp "$TMP/pki/gw1r.key" "$TMP/srv/gw1.key"
	gw_reload
	cn=$(served_serial)
	[ "$RRC" -eq 0 ] && [ "$rotated" != "$first" ] && [ "$cn" = "$rotated" ] &&
	    pass "contents replaced, reload: the new certificate is presented" ||
	    fail "rotation by reload" "rc $RRC '$(cat "$TMP/reload.out")', '$cn'"
	expect "X.509 peer after the rotation: 2.01" 2.01 pki2 "$URI_D" \
	    --timeout 8 mitigate --mid $((m += 1)) --prefix 198.51.100.$m/32
	# a key of another certificate: refused, the rotated one stays
	cp "$TMP/pki/customer2.key" "$TMP/srv/gw1.key"
	gw_reload
	cn=$(served_serial)
	[ "$RRC" -ne 0 ] && has "$TMP/reload.out" "credentials: certificate and key: " &&
	    [ "$cn" = "$rotated" ] &&
	    pass "key not matching: reload refused, running certificate kept" ||
	    fail "mismatched key refused" "rc $RRC '$(cat "$TMP/reload.out")', '$cn'"
	expect "X.509 peer after the refused reload: 2.01" 2.01 pki2 "$URI_T" \
	    --timeout 8 mitigate --mid $((m += 1)) --prefix 198.51.100.$m/32
	expect "PSK peer after the refused reload: 2.01" 2.01 psk1 "$URI_D" \
	    --timeout 8 mitigate --mid $((m += 1)) --prefix 192.0.2.$m/32
else
	skip "rotation by reload" "gnutls-cli missing (gnutls-bin)"
fi
mv "$TMP/srv" "$TMP/srv.gone"
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
