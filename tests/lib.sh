# Helpers for tests/integration/*.sh (bash). Source it, then call t_init.
#
# Each script gets its own temp dir (removed at exit), throwaway PKI,
# free 127.0.0.1 ports, a config, a daemon started in the background and
# killed by PID at exit; its log is dumped when anything failed.
# Assertions print "PASS name" / "FAIL name: why" / "SKIP name: why".
# Only 127.0.0.1 is ever used.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# the topology runner's helpers: ports, waits, stopping by PID, topo_*
. "$ROOT/topologies/topo.sh"
DOTSGWD=${DOTSGWD:-$ROOT/build/dotsgwd}
DOTSCTL=${DOTSCTL:-$ROOT/build/dotsctl}
COAP_CLIENT=${COAP_CLIENT:-coap-client-gnutls}
PY=/usr/bin/python3
HOST=127.0.0.1
T_FAILS=0
GW_PID=
GW_LOG=
TMP=

# Secrets and names shared by all scripts (the config below uses them).
PSK1_ID=customer1
PSK1_KEY=secret-one-1234
PSK3_ID=customer3
PSK3_KEY=secret-three-5678
PFX1=192.0.2.0/24	# customer1 (PSK)
PFX2=198.51.100.0/24	# customer2 (certificate customer2.example)
PFX3=203.0.113.0/24	# customer3 (PSK)

pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; T_FAILS=$((T_FAILS + 1)); }
skip() { echo "SKIP $1: $2"; }

t_cleanup() {
	nodes_stop
	gw_stop
	if [ "$T_FAILS" -gt 0 ] && [ -n "$GW_LOG" ] && [ -f "$GW_LOG" ]; then
		echo "---- daemon log ($GW_LOG), last 200 lines ----"
		tail -n 200 "$GW_LOG" | sed 's/^/  | /'
		echo "---- end of daemon log ----"
	fi
	[ -n "$TMP" ] && [ -z "$KEEP_TMP" ] && rm -rf "$TMP"
}

# t_init: temp dir, trap, PKI, port, config. Exits 0 with a SKIP line
# when the binaries are missing.
t_init() {
	local b
	for b in "$DOTSGWD" "$DOTSCTL"; do
		if [ ! -x "$b" ]; then
			skip "$(basename "$0")" "$b not built"
			exit 0
		fi
	done
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/dotsgw-it.XXXXXX")
	trap t_cleanup EXIT
	trap 'exit 130' INT TERM
	mkdir -p "$TMP/state"
	gen_pki "$TMP/pki" || { fail pki "certtool failed"; exit 1; }
	PORT=$(free_port) || { fail port "no free port"; exit 1; }
	URI_D=coaps://$HOST:$PORT
	URI_T=coaps+tcp://$HOST:$PORT
	CONF=$TMP/dotsgw.yaml
	# gw_start's daemon: the default control socket, state-dir/dotsgwd.sock
	GW_SOCK=$TMP/state/dotsgwd.sock
	write_config "$CONF" "$PORT"
}

# ---- PKI ----------------------------------------------------------------

# _cert DIR FILE CN [CA], _ca DIR NAME CN: topologies/pki.sh does the work.
PKI_SH=$ROOT/topologies/pki.sh
_cert() { sh "$PKI_SH" "$1" cert "$2" "$3" "${4:-ca}"; }
_ca() { sh "$PKI_SH" "$1" ca "$2" "$3"; }

# gen_pki DIR: ca, gw1 (server gw1.test), customer2 (customer2.example),
# stranger (trusted CA, name not configured), rogue (customer2.example
# signed by an untrusted second CA "ca2").
gen_pki() {
	local d=$1
	mkdir -p "$d"
	_ca "$d" ca "dotsgw test CA" &&
	_ca "$d" ca2 "untrusted test CA" &&
	_cert "$d" gw1 gw1.test &&
	_cert "$d" customer2 customer2.example &&
	_cert "$d" stranger stranger.example &&
	_cert "$d" rogue customer2.example ca2
}

# ---- ports, config, daemon ----------------------------------------------

# A random high port free on 127.0.0.1 for both UDP and TCP.
free_port() { topo_free_port; }

# write_config FILE PORT [ABT] [HB_MIN HB_MAX HB_DEFAULT]: schema of
# topologies/quickstart/dotsgw.yaml, absolute paths, short
# active-but-terminating (default 2 s) to keep tests fast, and a request
# rate no test of this config is about (a fast machine sends dotsctl
# requests quicker than the default 10/s; relay_chain.sh tests the rate).
write_config() {
	local f=$1 port=$2 abt=${3:-2} hbmin=${4:-15} hbmax=${5:-240}
	local hbdef=${6:-30}
	cat > "$f" <<EOF
node-id: gw1.test
state-dir: $TMP/state
listen:
  - address: $HOST
    port: $port
    transports: [dtls, tls]
credentials:
  ca: $TMP/pki/ca.pem
  cert: $TMP/pki/gw1.pem
  key: $TMP/pki/gw1.key
  psk-hint: dotsgw
signal-config:
  heartbeat-interval: { min: $hbmin, max: $hbmax, default: $hbdef }
  missing-hb-allowed: { min: 3, max: 20, default: 15 }
  max-retransmit:     { min: 2, max: 15, default: 3 }
  ack-timeout:        { min: "1.00", max: "30.00", default: "2.00" }
  ack-random-factor:  { min: "1.10", max: "4.00", default: "1.50" }
  probing-rate:       { min: 5, max: 20, default: 5 }
  max-age: 3600
mitigation:
  active-but-terminating: $abt
peers:
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1, "2001:db8:6401::/48"]
    max-lifetime: 86400
    rate: { per-second: 1000, burst: 1000 }
  - name: customer2
    cert-name: customer2.example
    prefixes: [$PFX2]
    max-lifetime: 86400
    rate: { per-second: 1000, burst: 1000 }
  - name: customer3
    psk-identity: $PSK3_ID
    psk-key: $PSK3_KEY
    prefixes: [$PFX3]
    max-lifetime: 86400
    rate: { per-second: 1000, burst: 1000 }
EOF
	chmod 600 "$f"
}

# ---- logs: fixed strings only ---------------------------------------------
# Log lines hold timestamps, addresses and CoAP codes whose dots a regular
# expression would read as "any character" ("4.04" matches "54.04"): every
# match on a log or on command output is a fixed string.

# has FILE STRING...: FILE holds every STRING (fixed strings).
has() {
	local f=$1 s
	shift
	for s in "$@"; do
		grep -qF -- "$s" "$f" 2>/dev/null || return 1
	done
}

# count_of FILE STRING: the number of lines of FILE holding STRING (0
# when FILE does not exist yet).
count_of() {
	local n
	n=$(grep -cF -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

# wait_log SECONDS FILE STRING...: poll until FILE holds every STRING.
wait_log() {
	local s=$1
	shift
	topo_wait "$s" has "$@"
}

# ready_count LOG: "dotsgwd ready" lines so far (a restart appends to the
# log).
ready_count() { count_of "$1" "dotsgwd ready"; }

# READY_WAIT: seconds a start waits for "dotsgwd ready" (a daemon under
# valgrind needs far more than 20).
READY_WAIT=${READY_WAIT:-20}

# gw_start [CONF]: start the daemon, wait (READY_WAIT s) for its "ready".
gw_start() {
	local conf=${1:-$CONF} i n
	GW_LOG=$TMP/dotsgwd.log
	n=$(ready_count "$GW_LOG")
	"$DOTSGWD" -f -c "$conf" 2>>"$GW_LOG" >/dev/null &
	GW_PID=$!
	for i in $(seq 1 $((READY_WAIT * 10))); do
		if [ "$(ready_count "$GW_LOG")" -gt "${n:-0}" ]; then
			return 0
		fi
		if ! kill -0 "$GW_PID" 2>/dev/null; then
			wait "$GW_PID"
			fail gw_start "dotsgwd exited with status $? before ready"
			GW_PID=
			return 1
		fi
		sleep 0.1
	done
	fail gw_start "no 'ready' line within $READY_WAIT s"
	return 1
}

# stop_pid PID [SIGNAL]: signal it (TERM), give it 3 s, then KILL; reap it.
stop_pid() { topo_stop_pid "$@"; }

gw_stop() {
	if [ -n "$GW_PID" ]; then
		stop_pid "$GW_PID"
		GW_PID=
	fi
}

# ---- several daemons (relay tests) ----------------------------------------

# NETNS=NAME runs node_start daemons and ctl inside that network namespace
# (the test creates and deletes it); ns_exec prints the command prefix.
NETNS=
ns_exec() { if [ -n "$NETNS" ]; then echo "ip netns exec $NETNS"; fi; }

declare -A NODE_PID

# node_sock NAME: the control socket of node NAME (status, reload).
node_sock() { echo "$TMP/$1.sock"; }

# node_start NAME CONF: start a dotsgwd (-v) logging to $TMP/NAME.log and
# wait (READY_WAIT s) for its "ready" line. Nodes of a test share a
# state-dir, where the default control socket is: a CONF without a
# control: section gets its own, $(node_sock NAME).
node_start() {
	local name=$1 conf=$2 log=$TMP/$1.log i n
	grep -q '^control:' "$conf" ||
	    printf '\ncontrol: { socket: %s }\n' "$(node_sock "$name")" >> "$conf"
	n=$(ready_count "$log")
	# shellcheck disable=SC2046
	$(ns_exec) "$DOTSGWD" -f -v -c "$conf" 2>>"$log" >/dev/null &
	NODE_PID[$name]=$!
	for i in $(seq 1 $((READY_WAIT * 10))); do
		[ "$(ready_count "$log")" -gt "${n:-0}" ] && return 0
		if ! kill -0 "${NODE_PID[$name]}" 2>/dev/null; then
			fail "start $name" "exited before ready: $(tail -n 3 "$log")"
			return 1
		fi
		sleep 0.1
	done
	fail "start $name" "no 'ready' line within $READY_WAIT s"
	return 1
}

# node_up NAME UPSTREAM: NAME's session to UPSTREAM came up since NAME's
# last start (its log goes on across restarts).
node_up() {
	tac "$TMP/$1.log" 2>/dev/null | sed '/dotsgwd ready/q' |
	    grep -qF "upstream $2 is up"
}

# node_stop NAME [SIGNAL]
node_stop() {
	[ -n "${NODE_PID[$1]}" ] || return 0
	stop_pid "${NODE_PID[$1]}" "$2"
	unset "NODE_PID[$1]"
}

nodes_stop() {
	local n
	for n in "${!NODE_PID[@]}"; do
		if [ "$T_FAILS" -gt 0 ]; then
			echo "---- $n log, last 60 lines ----"
			tail -n 60 "$TMP/$n.log" | sed 's/^/  | /'
		fi
		node_stop "$n"
	done
}

# node_certs NAME...: a certificate per node (CN = NAME); exits on failure.
node_certs() {
	local n
	for n in "$@"; do
		_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
	done
}

# node_ports VAR...: a distinct free port into each variable.
node_ports() {
	local v p used=" $PORT "
	for v in "$@"; do
		p=$(free_port)
		while [[ $used == *" $p "* ]]; do p=$(free_port); done
		used="$used$p "
		printf -v "$v" %s "$p"
	done
}

# node_gw_conf NAME PORT CAPACITY-BPS [EXTRA-YAML]: a relay node's config
# up to "peers:" (DTLS, 1 s active-but-terminating, 3 s relay timeout);
# the caller appends the peers.
node_gw_conf() {
	cat > "$TMP/$1.yaml" <<EOF
node-id: $1
state-dir: $TMP/state
listen:
  - { address: $HOST, port: $2, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$1.pem, key: $TMP/pki/$1.key }
mitigation: { active-but-terminating: 1 }
capacity: { bps: $3, pps: 100000000, default-attack-bps: 1000000, default-attack-pps: 1000 }
gateway: { relay-timeout: 3000 }
control: { socket: $(node_sock "$1") }
${4:-}
peers:
EOF
	chmod 600 "$TMP/$1.yaml"
}

# wait_for SECONDS COMMAND...: poll (every 0.2 s) until it succeeds.
wait_for() { topo_wait "$@"; }

# The daemon must still be running (no crash); name the check.
gw_alive() {
	if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
		pass "$1"
	else
		fail "$1" "dotsgwd is not running any more"
	fi
}

# node_conf NAME PORT CAPACITY_BPS: the common part of a relay test node's
# config ($TMP/NAME.yaml, its own certificate NAME.pem), peers appended by
# the caller. Heartbeats every second, 3 missed; active-but-terminating 2 s.
node_conf() {
	cat > "$TMP/$1.yaml" <<EOF
node-id: $1
state-dir: $TMP/state
listen:
  - { address: $HOST, port: $2, transports: [dtls, tls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$1.pem, key: $TMP/pki/$1.key }
signal-config:
  heartbeat-interval: { min: 1, max: 240, default: 1 }
  missing-hb-allowed: { min: 1, max: 20, default: 3 }
mitigation: { active-but-terminating: 2 }
capacity: { bps: $3, pps: 100000000, default-attack-bps: 100000000, default-attack-pps: 1000 }
gateway: { relay-timeout: 3000 }
control: { socket: $(node_sock "$1") }
peers:
EOF
	chmod 600 "$TMP/$1.yaml"
}

# pair_peers: the customer1 -> gw-a -> gw-b pair of relay tests, once
# $TMP/gw-a.yaml and $TMP/gw-b.yaml are written up to "peers:" (node_conf,
# node_gw_conf): customer1 and upstream gw-b (port $PB) at A, gw-a as a
# trusted gateway at B.
pair_peers() {
	cat >> "$TMP/gw-a.yaml" <<EOF
  - name: customer1
    psk-identity: $PSK1_ID
    psk-key: $PSK1_KEY
    prefixes: [$PFX1]
  - name: gw-b
    upstream: { address: $HOST, port: $PB, transport: dtls }
EOF
	printf '  - name: gw-a\n    cert-name: gw-a\n    trusted-gateway: true\n    prefixes: [%s]\n' \
	    "$PFX1" >> "$TMP/gw-b.yaml"
}

# ---- dotsctl --------------------------------------------------------------

# Credential sets: cred_args KIND prints the dotsctl global options.
#   psk1 psk3 pki2 (customer2) stranger rogue
cred_args() {
	case $1 in
	psk1) echo "--psk-identity $PSK1_ID --psk-key $PSK1_KEY" ;;
	psk3) echo "--psk-identity $PSK3_ID --psk-key $PSK3_KEY" ;;
	pki2 | stranger | rogue)
		local n=$1
		[ "$n" = pki2 ] && n=customer2
		echo "--cert $TMP/pki/$n.pem --key $TMP/pki/$n.key" \
		    "--ca $TMP/pki/ca.pem --server-name gw1.test" ;;
	esac
}

# ctl CRED URI ARGS...: run dotsctl --json; sets RC, OUT (stdout file),
# ERR (stderr file) and LINE (the last stdout line).
ctl() {
	local cred=$1 uri=$2
	shift 2
	OUT=$TMP/ctl.out ERR=$TMP/ctl.err
	# shellcheck disable=SC2046
	$(ns_exec) "$DOTSCTL" -s "$uri" $(cred_args "$cred") --json "$@" \
	    >"$OUT" 2>"$ERR"
	RC=$?
	LINE=$(tail -n 1 "$OUT")
}

# code_of [FILE]: the "code" of the last response printed (or of FILE;
# - for standard input).
code_of() {
	sed -n 's/^{"code":"\([0-9]\.[0-9][0-9]\)".*/\1/p' "${1:-$OUT}" |
	    tail -n 1
}

# cust_get MID (with topo.sh): the topology customer's GET; RAW = its
# answer, ST = the status it sees when the answer is a 2.05 (parsed only
# then), else empty. cust_is MID STATUS: that status is STATUS.
cust_get() {
	topo_ctl get --mid "$1" > "$TMP/get.out" 2> "$TMP/get.err"
	RAW="$(head -c 300 "$TMP/get.out" | tr '\n' ' ') $(head -c 200 "$TMP/get.err" | tr '\n' ' ')"
	ST=
	[ "$(code_of "$TMP/get.out")" = 2.05 ] &&
	    ST=$(jget 's["status"]' "$TMP/get.out")
}
cust_is() { cust_get "$1"; [ "$ST" = "$2" ]; }

_ctl_why() {
	echo "rc $RC, got '$(head -c 300 "$OUT" | tr '\n' ' ')'" \
	    "stderr '$(head -c 200 "$ERR" | tr '\n' ' ')'"
}

# expect NAME CODE CRED URI ARGS...: the response code and exit status.
expect() {
	local name=$1 want=$2 got rcwant=1
	shift 2
	ctl "$@"
	got=$(code_of)
	[[ $want == 2.* ]] && rcwant=0
	if [ "$got" = "$want" ] && [ "$RC" -eq "$rcwant" ]; then
		pass "$name"
	else
		fail "$name" "expected $want (exit $rcwant), $(_ctl_why)"
	fi
}

# expect_noresp NAME CRED URI ARGS...: exit 2, nothing on stdout.
expect_noresp() {
	local name=$1
	shift
	ctl "$@"
	if [ "$RC" -eq 2 ] && [ ! -s "$OUT" ]; then
		pass "$name"
	else
		fail "$name" "expected no response (exit 2), $(_ctl_why)"
	fi
}

# jget EXPR [FILE|-]: evaluate a Python expression on the last JSON line
# (bound to j; b = its body, ms = the mitigation-scope, s = the first
# scope, or {} / None). Prints it;
# when the line is no JSON or EXPR fails on it, "<why: raw line>", so that
# a check comparing the value names the answer it could not read.
jget() {
	local f=${2:-$OUT}
	tail -n 1 "$f" | $PY -c '
import json, sys
raw = sys.stdin.read()
def bad(why):
    print("<%s: %s>" % (why, raw.strip()[:300])); sys.exit(0)
try:
    j = json.loads(raw)
except Exception:
    bad("no json")
if not isinstance(j, dict):
    bad("not an object")
b = j.get("body") if isinstance(j.get("body"), dict) else {}
ms = b.get("ietf-dots-signal-channel:mitigation-scope")
ms = ms if isinstance(ms, dict) else {}
try:
    s = ms["scope"][0]
except Exception:
    s = None
try:
    v = eval(sys.argv[1])
except Exception as e:
    bad(type(e).__name__)
print(json.dumps(v) if not isinstance(v, str) else v)
' "$1"
}

# check_eq NAME GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2'"
	fi
}

# check NAME CMD...: PASS when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@" >/dev/null 2>&1; then
		pass "$name"
	else
		fail "$name" "command failed: $*"
	fi
}

# ---- checks on answers and logs -------------------------------------------

# lines_of FILE STRING...: the lines of FILE holding every STRING (fixed
# strings); line_has: there is one.
lines_of() {
	local f=$1 s=$2
	shift 2
	if [ $# -eq 0 ]; then
		grep -F -- "$s" "$f" 2>/dev/null
	else
		grep -F -- "$s" "$f" 2>/dev/null | lines_of /dev/stdin "$@"
	fi
}
line_has() { lines_of "$@" | grep -q '^'; }

# count_seq FILE STRING...: the lines of FILE holding the STRINGs in this
# order (fixed strings: what "A.*B" meant, without a regular expression);
# has_seq: there is one.
count_seq() {
	awk 'BEGIN { n = ARGC - 2; for (i = 1; i <= n; i++) s[i] = ARGV[i + 1]; ARGC = 2 }
	{ r = $0; for (i = 1; i <= n; i++) { k = index(r, s[i]); if (!k) next
		r = substr(r, k + length(s[i])) } c++ }
	END { print c + 0 }' "$@" 2>/dev/null || echo 0
}
has_seq() { [ "$(count_seq "$@")" -gt 0 ]; }

# check_ans NAME GOT WANT: check_eq naming the last answer on failure
check_ans() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "expected '$3', got '$2' from $(_ctl_why)"
	fi
}

# check_j NAME CODE EXPR WANT: the last answer is CODE and jget EXPR on it
# is WANT
check_j() {
	if [ "$(code_of)" = "$2" ]; then
		check_ans "$1" "$(jget "$3")" "$4"
	else
		fail "$1" "expected $2, $(_ctl_why)"
	fi
}

# observer_ends PID: the observer ended by itself (its resource went away)
# within 20 s, or it is stopped
observer_ends() {
	wait_for 20 eval "! kill -0 $1 2>/dev/null"
	stop_pid "$1"
}

# now in ms (wall clock, finer than $SECONDS)
now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }

# ---- the admin endpoint (HTTP) --------------------------------------------

# http METHOD URL FILE: the body into FILE (its Content-Type into
# FILE.type); prints the status code (0 when there was no answer).
http() {
	$PY - "$@" <<'PY'
import sys, urllib.request, urllib.error
m, url, out = sys.argv[1:4]
req = urllib.request.Request(url, method=m, data=b"" if m == "POST" else None)
try:
    r = urllib.request.urlopen(req, timeout=5)
    code, body, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
except urllib.error.HTTPError as e:
    code, body, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
except Exception as e:
    code, body, ctype = 0, str(e).encode(), ""
open(out, "wb").write(body)
open(out + ".type", "w").write(ctype)
print(code)
PY
}

# ---- the control socket ----------------------------------------------------

# ctl_req SOCKET REQUEST FILE: one raw request on a control socket
# (gateway/control/ctl_sock.h); the answer's body into FILE; prints the
# answer's code (0 when there was no answer, with the reason in FILE).
ctl_req() {
	$PY - "$@" <<'PY'
import socket, sys
path, req, out = sys.argv[1:4]
try:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    s.sendall(req.encode() + b"\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    head, _, body = data.partition(b"\n")
    code = int(head.split(b" ")[0])
except Exception as e:
    code, body = 0, str(e).encode()
open(out, "wb").write(body)
print(code)
PY
}

# reload_restart_only NAME KEY: a reload over the control socket is taken
# (200) and logs KEY as changed, kept until the next restart.
reload_restart_only() {
	local code
	code=$(ctl_req "$GW_SOCK" reload "$TMP/reload.out")
	if [ "$code" = 200 ] && wait_log 10 "$GW_LOG" \
	    "reload: $2 changed; takes effect at the next restart"; then
		pass "$1"
	else
		fail "$1" "code $code, $(grep -F reload: "$GW_LOG" | tail -n 3)"
	fi
}

# metric NAME{LABELS} FILE: a sample's value in a /metrics body, or
# "absent".
metric() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print "absent" }' "$2"
}

# ---- coap-client-gnutls and CBOR -------------------------------------------

# cc_args KIND: coap-client credential options.
cc_args() {
	case $1 in
	psk1) echo "-u $PSK1_ID -k $PSK1_KEY" ;;
	psk3) echo "-u $PSK3_ID -k $PSK3_KEY" ;;
	pki2) echo "-c $TMP/pki/customer2.pem -j $TMP/pki/customer2.key" \
	    "-C $TMP/pki/ca.pem" ;;
	esac
}

# cc CRED ARGS... URL: coap-client-gnutls -v 7; it exits 0 even on errors,
# so codes are read from its PDU dump. Sets CC_OUT, CC_ERR, CC_CODES
# (response codes seen, space separated).
cc() {
	local cred=$1
	shift
	CC_OUT=$TMP/cc.out CC_ERR=$TMP/cc.err
	# shellcheck disable=SC2046
	timeout 30 "$COAP_CLIENT" -v 7 $(cc_args "$cred") "$@" \
	    >"$CC_OUT" 2>"$CC_ERR"
	CC_RC=$?
	CC_CODES=$(grep -aoE '^v:[^ ]+ (t:[A-Z]+ )?c:[0-9]\.[0-9]{2}' \
	    "$CC_OUT" | sed 's/.*c://' | tr '\n' ' ' | sed 's/ $//')
}

# cc_expect NAME CODE CRED ARGS... URL: the first response code is CODE.
cc_expect() {
	local name=$1 want=$2 first
	shift 2
	cc "$@"
	first=${CC_CODES%% *}
	if [ "$first" = "$want" ]; then
		pass "$name"
	else
		fail "$name" "expected $want, coap-client saw '${CC_CODES:-none}' stderr '$(head -c 200 "$CC_ERR" | tr '\n' ' ')'"
	fi
}

# mkcbor FILE PYEXPR: CBOR of a Python expression (cbor2).
mkcbor() {
	$PY -c 'import cbor2, sys
sys.stdout.buffer.write(cbor2.dumps(eval(sys.argv[1])))' "$2" > "$1"
}

# cbor_json FILE: every CBOR item in FILE (coap-client -o appends them),
# one JSON line each, integer keys as strings.
cbor_json() {
	$PY -c '
import cbor2, decimal, json, sys
def conv(x):
    if isinstance(x, dict):
        return {str(k): conv(v) for k, v in x.items()}
    if isinstance(x, list):
        return [conv(v) for v in x]
    if isinstance(x, cbor2.CBORTag):
        return {"tag": x.tag, "value": conv(x.value)}
    if isinstance(x, bytes):
        return x.hex()
    if isinstance(x, decimal.Decimal):
        return str(x)
    return x
with open(sys.argv[1], "rb") as f:
    while True:
        try:
            print(json.dumps(conv(cbor2.load(f))))
        except (EOFError, cbor2.CBORDecodeEOF):
            break
' "$1"
}

# Paths.
WK=.well-known/dots
mpath() { echo "$WK/mitigate/cuid=$1${2:+/mid=$2}"; }

# RFC 9132 §4.4.1.1 cuids, computed independently of common/cuid.c.
cuid_of_bytes() {
	$PY -c 'import base64, hashlib, sys
d = hashlib.sha256(sys.stdin.buffer.read()).digest()[:16]
print(base64.urlsafe_b64encode(d).decode().rstrip("="))'
}
cuid_psk() { printf %s "$1" | cuid_of_bytes; }
cuid_cert() { certtool --pubkey-info --load-certificate "$1" --outder 2>/dev/null | cuid_of_bytes; }
