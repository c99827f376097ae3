#!/bin/sh
# Throwaway X.509 PKI for dotsgw demos and tests (GnuTLS certtool).
#   pki.sh DIR ca                 DIR/ca.pem, DIR/ca.key
#   pki.sh DIR cert NAME [DAYS]   DIR/NAME.pem, DIR/NAME.key signed by DIR/ca,
#                                 CN=NAME and DNS SAN NAME; DAYS<0 = expired
# ECDSA P-256 keeps leaf certificates far below libcoap's 2048-byte limit.
set -e
dir=$1 what=$2
[ -n "$dir" ] && [ -n "$what" ] || { echo "usage: pki.sh DIR ca|cert NAME" >&2; exit 64; }
mkdir -p "$dir"
umask 077
tmpl=$(mktemp)
trap 'rm -f "$tmpl"' EXIT
case $what in
ca)
	printf 'cn = "dotsgw throwaway CA %s"\nca\ncert_signing_key\nexpiration_days = 3650\n' \
	    "$(basename "$dir")" > "$tmpl"
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$dir/ca.key" 2>/dev/null
	certtool --generate-self-signed --load-privkey "$dir/ca.key" \
	    --template "$tmpl" --outfile "$dir/ca.pem" 2>/dev/null
	;;
cert)
	name=$3 days=${4:-365}
	[ -n "$name" ] || { echo "pki.sh: cert needs a NAME" >&2; exit 64; }
	{
		printf 'cn = "%s"\ndns_name = "%s"\n' "$name" "$name"
		printf 'tls_www_server\ntls_www_client\nsigning_key\n'
		if [ "$days" -lt 0 ]; then
			# valid for a day, ended before now
			printf 'activation_date = "%s"\nexpiration_date = "%s"\n' \
			    "$(date -u -d '-10 days' '+%Y-%m-%d %H:%M:%S')" \
			    "$(date -u -d '-9 days' '+%Y-%m-%d %H:%M:%S')"
		else
			printf 'expiration_days = %s\n' "$days"
		fi
	} > "$tmpl"
	certtool --generate-privkey --key-type=ecdsa --curve=secp256r1 \
	    --outfile "$dir/$name.key" 2>/dev/null
	certtool --generate-certificate --load-privkey "$dir/$name.key" \
	    --load-ca-certificate "$dir/ca.pem" \
	    --load-ca-privkey "$dir/ca.key" --template "$tmpl" \
	    --outfile "$dir/$name.pem" 2>/dev/null
	;;
*)
	echo "pki.sh: unknown command $what" >&2; exit 64 ;;
esac
