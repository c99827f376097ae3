#!/usr/bin/env bash
# What we acknowledge with 2.01/2.04 is committed before the response
# leaves. The test makes the state store's commits really fail (no test
# hook in the daemon): once dotsgwd is up, prlimit caps the size of every
# file it writes at the size of its largest state file (SIGXFSZ ignored),
# so the database cannot take a new page and the WAL, which cannot be
# checkpointed into it any more, soon cannot grow. The quota is far above
# what the test needs, so the first 5.03 must be the store's (checked by
# its diagnostic). From then on a create is answered 5.03 with Max-Age
# and "state store: ...", is not in the table, and after a restart
# without the limit exactly the mitigations that got 2.01 are back. A
# relayed create, whose answer waits for its upstream, is answered 5.03
# at once as well.
. "$(dirname "$0")/../lib.sh"
t_init
cat > "$TMP/limited.sh" <<LIM
#!/usr/bin/env bash
trap '' XFSZ
exec "$DOTSGWD" "\$@"
LIM
chmod +x "$TMP/limited.sh"
REAL=$DOTSGWD
MAXM=100000
LT=40000	# lifetimes: the test may run slowly, a refresh is told apart
MAXMID=400	# bound of the fill loops: the store fails within tens
sed -i "/psk-identity: $PSK1_ID/a\    max-mitigations: $MAXM" "$CONF"

# wal_truncate DB: checkpoint DB whole and empty its WAL; fails while the
# daemon's own checkpoint or a read keeps part of the WAL in use.
wal_truncate() {
	$PY - "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=5)
busy, _, _ = c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
sys.exit(busy)
PY
}

# cap_files PID DIR: checkpoint DIR's store into its database and empty
# the WAL (SQLite allows a second process to), then no file PID writes
# may grow past DIR's largest file. The database can take no new page
# then, so the WAL can never be checkpointed and restarted once its
# frames hold a new page, and the WAL itself cannot grow past that size:
# commits fail within a few dozen, whatever the page and WAL sizes.
cap_files() {
	local max
	wait_for 20 wal_truncate "$2"/*.db ||
	    { fail checkpoint "cannot empty the WAL in $2"; exit 1; }
	max=$(find "$2" -type f -printf '%s\n' | sort -n | tail -n 1)
	prlimit --pid "$1" --fsize="$max:$max" ||
	    { fail prlimit "cannot cap file sizes of $1"; exit 1; }
}
# pfx MID: customer1's /128 for MID (its /48 holds any number of mids)
pfx() { echo "2001:db8:6401::$1/128"; }

DOTSGWD=$TMP/limited.sh gw_start || exit 1
D=$URI_D

ok=() bad=
for mid in 1 2 3; do	# committed before the cap
	ctl psk1 "$D" mitigate --mid "$mid" --prefix "$(pfx "$mid")" --lifetime $LT
	[ "$(code_of)" = 2.01 ] && ok+=("$mid") || fail "mid $mid" "$(_ctl_why)"
done
cap_files "$GW_PID" "$TMP/state"
for mid in $(seq 4 $MAXMID); do
	ctl psk1 "$D" mitigate --mid "$mid" --prefix "$(pfx "$mid")" --lifetime $LT
	case "$(code_of)" in
	2.01) ok+=("$mid") ;;
	5.03) bad=$mid; break ;;
	*) fail "mid $mid" "$(_ctl_why)"; break ;;
	esac
done
[ -n "$bad" ] && [ "${#ok[@]}" -gt 0 ] &&
    pass "the store fills after ${#ok[@]} commits: mid $bad is answered 5.03" ||
    fail "no failing commit" "ok ${#ok[@]} bad '$bad'"
diag=$(jget 'j["diagnostic"]' 2>/dev/null)
[[ $diag == "state store: "* ]] && pass "5.03 diagnostic: $diag" ||
    fail "diagnostic" "the 5.03 is not the store's: $(cat "$OUT")"
[ "$(jget 'j.get("max-age")')" = 5 ] &&
    pass "5.03 carries Max-Age 5" || fail "Max-Age" "$(cat "$OUT")"
ctl psk1 "$D" get --mid "$bad"
[ "$(code_of)" = 4.04 ] && pass "mid $bad is not in the table" ||
    fail "uncommitted create still there" "$(code_of)"
# A refresh rewrites pages the database has: after a failure that only
# filled the WAL, a checkpoint may restart it and refreshes commit again.
# Once a committed create holds a page past the database's end, the WAL
# is stuck for good. So refresh each acknowledged mid once, with a new
# create between two refreshes, until a refresh cannot commit.
ref= i=0 next=$((bad + 1))
while [ $i -lt ${#ok[@]} ] && [ $next -le $MAXMID ]; do
	mid=${ok[$i]}
	i=$((i + 1))
	ctl psk1 "$D" mitigate --mid "$mid" --prefix "$(pfx "$mid")" --lifetime $((LT * 2))
	case "$(code_of)" in
	5.03) ref=$mid; break ;;
	2.04 | 2.01) ;;
	*) fail "refresh mid $mid" "$(_ctl_why)"; break ;;
	esac
	ctl psk1 "$D" mitigate --mid "$next" --prefix "$(pfx "$next")" --lifetime $LT
	[ "$(code_of)" = 2.01 ] && ok+=("$next")
	next=$((next + 1))
done
ctl psk1 "$D" get --mid "${ref:-0}"
if [ -z "$ref" ]; then
	fail "refresh" "every refresh committed"
elif [ "$(code_of)" != 2.05 ]; then
	fail "refresh" "GET mid $ref after its failed refresh: $(_ctl_why)"
else
	lt=$(jget 's["lifetime"]')
	# the old lifetime counts down from LT; the refresh asked for 2 LT
	[[ $lt =~ ^[0-9]+$ ]] && [ "$lt" -le "$LT" ] && [ "$lt" -gt $((LT / 2)) ] &&
	    pass "a refresh of mid $ref that cannot commit: 5.03, the old lifetime stays ($lt s)" ||
	    fail "refresh" "mid $ref lifetime '$lt' in $(cat "$OUT")"
fi
gw_alive "dotsgwd survives failing commits"

stop_pid "$GW_PID" KILL
GW_PID=
DOTSGWD=$REAL gw_start || exit 1
n=0
for mid in "${ok[@]}"; do
	ctl psk1 "$D" get --mid "$mid"
	[ "$(code_of)" = 2.05 ] && n=$((n + 1))
done
ctl psk1 "$D" get --mid "$bad"
[ "$n" = "${#ok[@]}" ] && [ "$(code_of)" = 4.04 ] &&
    pass "restart: the ${#ok[@]} acknowledged mitigations are back, mid $bad is not" ||
    fail "restart" "$n of ${#ok[@]} back, mid $bad: $(code_of)"
# --- a create held for its upstreams' answers gets 5.03 too -----------------
stop_pid "$GW_PID"
GW_PID=
for n in gw-a gw-b; do
	_cert "$TMP/pki" "$n" "$n" || { fail pki "certtool failed for $n"; exit 1; }
done
PA=$(free_port) PB=$(free_port)
while [ "$PB" = "$PA" ]; do PB=$(free_port); done
node_conf() {	# NAME PORT BPS
	cat > "$TMP/$1.yaml" <<NC
node-id: $1
state-dir: $TMP/state-$1
listen:
  - { address: $HOST, port: $2, transports: [dtls] }
credentials: { ca: $TMP/pki/ca.pem, cert: $TMP/pki/$1.pem, key: $TMP/pki/$1.key }
capacity: { bps: $3, pps: 100000000, default-attack-bps: 100000000, default-attack-pps: 1000 }
gateway: { relay-timeout: 10000 }
peers:
NC
	chmod 600 "$TMP/$1.yaml"
}
mkdir -p "$TMP/state-gw-a" "$TMP/state-gw-b"
node_conf gw-a "$PA" 1000
node_conf gw-b "$PB" 100000000000
pair_peers
# quotas far above the test's needs at both hops: a 5.03 is the store's
sed -i "/psk-identity: $PSK1_ID/a\    max-mitigations: $MAXM" "$TMP/gw-a.yaml"
sed -i "/cert-name: gw-a/a\    max-mitigations: $MAXM" "$TMP/gw-b.yaml"
node_start gw-b "$TMP/gw-b.yaml" || exit 1
DOTSGWD=$TMP/limited.sh node_start gw-a "$TMP/gw-a.yaml" || exit 1
wait_for 10 node_up gw-a gw-b || fail "upstream up" "no 'is up' line"
cap_files "${NODE_PID[gw-a]}" "$TMP/state-gw-a"
A=coaps://$HOST:$PA
bad= t=
for mid in $(seq 1 254); do	# customer1's IPv4 /24 at gw-a
	t0=$SECONDS
	ctl psk1 "$A" mitigate --mid "$mid" --prefix "192.0.2.$mid/32" --lifetime 600
	case "$(code_of)" in
	2.01) ;;
	5.03) bad=$mid t=$((SECONDS - t0)); break ;;
	*) fail "relayed mid $mid" "$(_ctl_why)"; break ;;
	esac
done
diag=$(jget 'j["diagnostic"]' 2>/dev/null)
# "at once": well inside the relay timeout (10 s), which a held answer
# would have waited for
[ -n "$bad" ] && [ "$t" -le 5 ] && [[ $diag == "state store: "* ]] &&
    pass "relayed create that cannot commit (mid $bad): 5.03 at once ($t s)" ||
    fail "relayed 5.03" "mid '$bad' in ${t:-?} s: $(cat "$OUT")"
ctl psk1 "$A" get --mid "${bad:-0}"
[ "$(code_of)" = 4.04 ] && pass "relayed mid $bad is not in the table" ||
    fail "relayed uncommitted create" "$(code_of)"
node_alive() { kill -0 "${NODE_PID[gw-a]}" 2>/dev/null; }
node_alive && pass "gw-a survives" || fail "gw-a" "died"
node_stop gw-a
node_stop gw-b
exit $((T_FAILS > 0))
