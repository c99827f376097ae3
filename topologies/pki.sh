#!/bin/sh
# Throwaway X.509 PKI for dotsgw demos and tests (GnuTLS certtool), the one
# place that knows how to make certificates.
#   pki.sh DIR ca [NAME [CN]]               DIR/NAME.pem, DIR/NAME.key (NAME ca)
#   pki.sh DIR cert FILE [CN [CA [DAYS]]]   DIR/FILE.pem, DIR/FILE.key signed
#       by DIR/CA (default ca), CN and DNS SAN = CN (default FILE), usable
#       as TLS server and client; DAYS < 0 makes it expired.
# ECDSA P-256 keeps certificates far below libcoap's 2048-byte leaf limit.
set -e
dir=$1 what=$2
[ -n "$dir" ] && [ -n "$what" ] || { echo "usage: pki.sh DIR ca|cert ..." >&2; exit 64; }
mkdir -p "$dir"
umask 077
tmpl=$(mktemp)
trap 'rm -f "$tmpl" "$tmpl.err"' EXIT
# 48 random bits: certtool reads serial as a signed 64-bit number
serial() { echo $(( $(od -An -N4 -tu4 /dev/urandom) * 65536 + \
    $(od -An -N2 -tu2 /dev/urandom) )); }
# certtool, quiet unless it fails
ct() { certtool "$@" 2>"$tmpl.err" || { cat "$tmpl.err" >&2; exit 1; }; }
key() { ct --generate-privkey --key-type=ecdsa --curve=secp256r1 \
    --outfile "$1"; }
case $what in
ca)
	name=${3:-ca} cn=${4:-"dotsgw throwaway CA $(basename "$dir")"}
	printf 'cn = "%s"\nca\ncert_signing_key\ncrl_signing_key\nserial = %s\nexpiration_days = 3650\n' \
	    "$cn" "$(serial)" > "$tmpl"
	key "$dir/$name.key"
	ct --generate-self-signed --load-privkey "$dir/$name.key" \
	    --template "$tmpl" --outfile "$dir/$name.pem"
	;;
cert)
	file=$3 cn=${4:-$3} ca=${5:-ca} days=${6:-365}
	[ -n "$file" ] || { echo "pki.sh: cert needs a FILE name" >&2; exit 64; }
	{
		printf 'cn = "%s"\ndns_name = "%s"\nserial = %s\n' "$cn" "$cn" "$(serial)"
		printf 'tls_www_server\ntls_www_client\nsigning_key\n'
		if [ "$days" -lt 0 ]; then
			# valid for a day that ended before now
			printf 'activation_date = "%s"\nexpiration_date = "%s"\n' \
			    "$(date -u -d '-10 days' '+%Y-%m-%d %H:%M:%S')" \
			    "$(date -u -d '-9 days' '+%Y-%m-%d %H:%M:%S')"
		else
			printf 'expiration_days = %s\n' "$days"
		fi
	} > "$tmpl"
	key "$dir/$file.key"
	ct --generate-certificate --load-privkey "$dir/$file.key" \
	    --load-ca-certificate "$dir/$ca.pem" --load-ca-privkey "$dir/$ca.key" \
	    --template "$tmpl" --outfile "$dir/$file.pem"
	;;
*)
	echo "pki.sh: unknown command $what" >&2; exit 64 ;;
esac
