#!/bin/sh
# `make run`: one dotsgw gateway on 127.0.0.1:4646 (DTLS and TLS), its data
# channel on https://127.0.0.1:4648, with the
# quickstart configuration. Certificates are generated on first run into
# .state/quickstart/pki (never committed).
set -e
top=$(cd "$(dirname "$0")/../.." && pwd)
conf=$top/topologies/quickstart/dotsgw.yaml
pki=$top/.state/quickstart/pki
if [ ! -f "$pki/gw1.pem" ]; then
	echo "quickstart: generating throwaway certificates in $pki"
	sh "$top/topologies/pki.sh" "$pki" ca
	sh "$top/topologies/pki.sh" "$pki" cert gw1
	sh "$top/topologies/pki.sh" "$pki" cert customer2.example
fi
chmod 600 "$conf" 2>/dev/null || true
ctl="$top/build/dotsctl"
cat <<MSG

dotsgw quickstart: gateway gw1 on coaps://127.0.0.1:4646 and coaps+tcp://127.0.0.1:4646
In another terminal, as customer1 (PSK):

  $ctl --psk-identity customer1 --psk-key quickstart-secret-1 \\
      mitigate --mid 1 --prefix 192.0.2.10/32 --port 443 --proto 6 --lifetime 3600
  $ctl --psk-identity customer1 --psk-key quickstart-secret-1 get --observe 30
  $ctl --psk-identity customer1 --psk-key quickstart-secret-1 withdraw --mid 1

As customer2 (X.509), over TLS:

  $ctl -s coaps+tcp://127.0.0.1:4646 --ca $pki/ca.pem \\
      --cert $pki/customer2.example.pem --key $pki/customer2.example.key \\
      mitigate --mid 1 --prefix 198.51.100.7/32 --port 80 --proto 6

Or with libcoap's own client (payload built with python3-cbor2):

  /usr/bin/python3 -c 'import cbor2,sys; sys.stdout.buffer.write(cbor2.dumps({1:{2:[{6:["192.0.2.20/32"],14:3600}]}}))' > /tmp/req.cbor
  coap-client-gnutls -u customer1 -k quickstart-secret-1 -m put -t 271 -f /tmp/req.cbor \\
      coaps://127.0.0.1:4646/.well-known/dots/mitigate/cuid=quickstart-cuid/mid=7

The data channel (RFC 8783, RESTCONF over HTTPS, mutual X.509), as customer2:
its capabilities, then its registration (201; 409 when it exists):

  curl -sS --cacert $pki/ca.pem --cert $pki/customer2.example.pem \\
      --key $pki/customer2.example.key --resolve gw1:4648:127.0.0.1 \\
      https://gw1:4648/restconf/data/ietf-dots-data-channel:dots-data/capabilities
  curl -sS --cacert $pki/ca.pem --cert $pki/customer2.example.pem \\
      --key $pki/customer2.example.key --resolve gw1:4648:127.0.0.1 \\
      -i -H 'Content-Type: application/yang-data+json' \\
      --data-binary '{"ietf-dots-data-channel:dots-client":[{"cuid":"quickstart-cuid-2"}]}' \\
      https://gw1:4648/restconf/data/ietf-dots-data-channel:dots-data

The same with dotsctl (JSON files in RFC 8783's own form, sent as they are):

  $ctl --data-channel https://127.0.0.1:4648 --server-name gw1 \\
      --ca $pki/ca.pem --cert $pki/customer2.example.pem \\
      --key $pki/customer2.example.key data capabilities

The gateway's state and a reload (control socket in state-dir), and its
metrics (admin endpoint 127.0.0.1:4647):

  $ctl --socket $top/.state/quickstart/dotsgwd.sock status
  $ctl --socket $top/.state/quickstart/dotsgwd.sock reload        # or kill -HUP
  /usr/bin/python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:4647/metrics").read().decode())'

Every decision is a JSON line in $top/.state/quickstart/audit.log.

Stop the gateway with Ctrl-C.
MSG
exec "$top/build/dotsgwd" -f -c "$conf"
