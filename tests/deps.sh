#!/bin/sh
# Install the Debian bookworm packages dotsgw needs, only those missing.
# Runs as root (CI, fresh machines); elsewhere it says what to install.
set -e
PKGS="build-essential pkg-config libcoap3-dev libcoap3-bin libgnutls28-dev
gnutls-bin libcbor-dev libyaml-dev libevent-dev libsqlite3-dev libjansson-dev
python3 python3-cbor2 python3-yaml clang libclang-rt-14-dev iproute2 procps
valgrind gobgpd exabgp nftables groff-base libmicrohttpd-dev
libcurl4-gnutls-dev postgresql libpq-dev"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run 'make deps' as root)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
