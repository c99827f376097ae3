#!/usr/bin/env bash
# The control sockets (issue 13): dotsctl status and reload over UNIX
# stream sockets whose file mode and group decide who may connect, with
# the peer's credentials (SO_PEERCRED, SO_PEERGROUPS) checked as well.
# The daemon runs as root with a full socket (0660, group G) and a
# read-only one (0666 on purpose, group G):
#  - nobody (not in G) cannot connect to the full socket (EACCES): dotsctl
#    says so and exits 2, for status and reload alike;
#  - nobody can connect to the read-only socket (its mode is wrong), but
#    the credential check refuses it: 403, dotsctl exits 1;
#  - a member of G (primary group, or supplementary) gets status and
#    reload on the full socket, status only on the read-only one (reload
#    there: 403, exit 1);
#  - a bad or overlong request: 400, 413; a 33rd connection at once is
#    closed;
#  - the HTTP admin endpoint answers /metrics 200, /status and /reload 404
#    naming the control socket;
#  - a second daemon with the same socket does not start; a dead daemon's
#    socket is replaced; the sockets go at exit; a group that does not
#    exist stops the start, named; a reload changing control: says that
#    it needs a restart.
. "$(dirname "$0")/../lib.sh"
t_init
if [ "$(id -u)" != 0 ] || ! command -v runuser >/dev/null ||
    ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1; then
	skip control_socket "needs root, runuser, setpriv and a user nobody"
	exit 0
fi
# G: an existing group nobody is not in (no system change to undo)
G=
for g in daemon bin sys adm; do
	getent group "$g" >/dev/null || continue
	[[ " $(id -nG nobody) " == *" $g "* ]] && continue
	[ "$(getent group "$g" | cut -d: -f3)" = "$(id -g nobody)" ] && continue
	G=$g
	break
done
[ -n "$G" ] || { skip control_socket "no group without nobody in it"; exit 0; }

# nobody must reach the sockets and dotsctl: $TMP is 0700
chmod 711 "$TMP"
RUN=$TMP/run
mkdir -m 755 "$RUN"
install -m 755 "$DOTSCTL" "$RUN/dotsctl"
FULL=$RUN/full.sock RO=$RUN/ro.sock
APORT=$(free_port)
while [ "$APORT" = "$PORT" ]; do APORT=$(free_port); done
cat >> "$CONF" <<EOF
admin: { address: $HOST, port: $APORT }
control:
  socket: $FULL
  mode: 0660
  group: $G
  read-only: { socket: $RO, mode: 0666, group: $G }
EOF
gw_start || exit 1

# as_nobody CMD...: as nobody (its own groups); as_member: nobody with G
# as primary group; as_supp: nobody with G as a supplementary group
as_nobody() { runuser -u nobody -- "$@"; }
as_member() { runuser -u nobody -g "$G" -- "$@"; }
as_supp() { setpriv --reuid=nobody --regid="$(id -g nobody)" --groups="$(getent group "$G" | cut -d: -f3)" -- "$@"; }
# run WHO SOCKET CMD: dotsctl as WHO; sets RC, OUT, ERR
run() {
	OUT=$TMP/c.out ERR=$TMP/c.err
	"$1" "$RUN/dotsctl" --socket "$2" --timeout 5 "$3" >"$OUT" 2>"$ERR"
	RC=$?
}
why() { echo "exit $RC, stdout '$(head -c 200 "$OUT" | tr '\n' ' ')' stderr '$(head -c 300 "$ERR" | tr '\n' ' ')'"; }

check_eq "full socket: mode 0660, group $G" "$(stat -c '%a %G' "$FULL")" "660 $G"
check_eq "read-only socket: mode 0666, group $G" "$(stat -c '%a %G' "$RO")" "666 $G"
has "$GW_LOG" "control: listening on $FULL (status, reload, mode 0660, group $G)" \
    "control: listening on $RO (read-only: status, mode 0666, group $G)" &&
    pass "both sockets logged" || fail "sockets logged" "$(grep -F control: "$GW_LOG")"

# --- root: the daemon's own user -------------------------------------------
"$DOTSCTL" --socket "$FULL" status > "$TMP/root.out" 2>&1
[ $? -eq 0 ] && has "$TMP/root.out" "PEERS" "customer1" &&
    pass "root: status on the full socket" || fail "root status" "$(head -c 300 "$TMP/root.out")"

# --- nobody: the file mode keeps it out --------------------------------------
run as_nobody "$FULL" status
[ $RC -eq 2 ] && [ ! -s "$OUT" ] && has "$ERR" "dotsctl: control socket $FULL: Permission denied" &&
    pass "nobody: status on the full socket: connect EACCES, exit 2 ($(cat "$ERR"))" ||
    fail "nobody status refused" "$(why)"
run as_nobody "$FULL" reload
[ $RC -eq 2 ] && has "$ERR" "dotsctl: control socket $FULL: Permission denied" &&
    pass "nobody: reload on the full socket: connect EACCES, exit 2" ||
    fail "nobody reload refused" "$(why)"
as_nobody $PY -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])' "$FULL" \
    > "$TMP/py.err" 2>&1
has "$TMP/py.err" "PermissionError: [Errno 13] Permission denied" &&
    pass "nobody: connect(2) itself fails with EACCES" || fail "nobody connect" "$(tail -n 1 "$TMP/py.err")"
has "$GW_LOG" "control: reload requested" &&
    fail "no reload from nobody" "the daemon logged a reload" || pass "no reload reached the daemon from nobody"

# --- nobody on the read-only socket, whose mode lets it connect ----------------
run as_nobody "$RO" status
[ $RC -eq 1 ] && [ ! -s "$OUT" ] &&
    has "$ERR" "dotsctl: status: 403: permission denied: uid $(id -u nobody) is not root, the daemon's user or a member of group $G" &&
    pass "nobody: status on the read-only socket (mode 0666): refused by SO_PEERCRED, exit 1 ($(cat "$ERR"))" ||
    fail "peer credentials checked" "$(why)"
wait_log 5 "$GW_LOG" "control: $RO: refused uid $(id -u nobody) gid $(id -g nobody)" &&
    pass "the refusal is logged" || fail "refusal logged" "$(grep -F refused "$GW_LOG" | tail -n 2)"

# --- a member of the group ---------------------------------------------------
run as_member "$FULL" status
[ $RC -eq 0 ] && has "$OUT" "PEERS" "MITIGATIONS" "CAPACITY" &&
    pass "member of $G (primary group): status on the full socket" || fail "member status" "$(why)"
OUT=$TMP/j.out
as_member "$RUN/dotsctl" --socket "$FULL" --json status > "$OUT" 2>&1
check_eq "member: --json status: the status JSON" "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["node-id"])' "$OUT" 2>&1)" gw1.test
run as_member "$FULL" reload
[ $RC -eq 0 ] && has "$OUT" "reloaded $CONF: 3 peers (0 added, 0 removed)" &&
    pass "member: reload on the full socket" || fail "member reload" "$(why)"
wait_log 5 "$GW_LOG" "control: reload requested on $FULL" &&
    pass "the reload is logged with its socket" || fail "reload logged" "$(grep -F reload "$GW_LOG" | tail -n 2)"
run as_supp "$FULL" status
[ $RC -eq 0 ] && has "$OUT" "PEERS" &&
    pass "member of $G (supplementary group): status on the full socket" || fail "supplementary member status" "$(why)"

# --- the read-only socket ----------------------------------------------------
run as_member "$RO" status
[ $RC -eq 0 ] && has "$OUT" "PEERS" &&
    pass "member: status on the read-only socket" || fail "read-only status" "$(why)"
run as_member "$RO" reload
[ $RC -eq 1 ] && [ ! -s "$OUT" ] &&
    has "$ERR" "dotsctl: reload: 403: reload refused: this is the read-only control socket (status only)" &&
    pass "member: reload on the read-only socket refused, exit 1 ($(head -n 1 "$ERR"))" ||
    fail "read-only reload refused" "$(why)"
"$DOTSCTL" --socket "$RO" reload > "$TMP/rr.out" 2>&1
[ $? -eq 1 ] && has "$TMP/rr.out" "dotsctl: reload: 403: reload refused" &&
    pass "root: reload on the read-only socket refused too" || fail "root read-only reload" "$(cat "$TMP/rr.out")"
check_eq "one reload done in all" "$(count_of "$GW_LOG" "control: reload requested")" 1

# --- the protocol's bounds ---------------------------------------------------
check_eq "unknown request -> 400" "$(ctl_req "$FULL" bogus "$TMP/b.out")" 400
has "$TMP/b.out" "unknown command 'bogus' (status, reload)" &&
    pass "400 names the commands" || fail "400 body" "$(cat "$TMP/b.out")"
check_eq "a request over 64 bytes -> 413" "$(ctl_req "$FULL" "$(printf 'x%.0s' $(seq 1 100))" "$TMP/b.out")" 413

# 32 idle connections at most: the 33rd is closed unanswered; once they go,
# status answers again
$PY - "$FULL" > "$TMP/cap.out" 2>&1 <<'PY'
import socket, sys, time
idle = []
for _ in range(32):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); idle.append(s)
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
try:
    print("33rd:", repr(s.recv(100)))
except Exception as e:
    print("33rd:", type(e).__name__)
PY
has "$TMP/cap.out" "33rd: b''" && wait_log 5 "$GW_LOG" "control: $FULL: 32 connections open already; closing a new one" &&
    pass "the 33rd connection at once is closed unanswered, logged" || fail "connection cap" "$(cat "$TMP/cap.out")"
status_ok() { [ "$(ctl_req "$FULL" status "$TMP/b.out")" = 200 ]; }
wait_for 5 status_ok && pass "status answers once they are closed" ||
    fail "status after the cap" "$(head -c 200 "$TMP/b.out")"

# --- HTTP: /metrics only -----------------------------------------------------
check_eq "HTTP GET /metrics -> 200" "$(http GET "http://$HOST:$APORT/metrics" "$TMP/h.out")" 200
check_eq "HTTP GET /status -> 404" "$(http GET "http://$HOST:$APORT/status" "$TMP/h.out")" 404
has "$TMP/h.out" "status and reload are on the control socket now" &&
    pass "/status's 404 names the control socket" || fail "/status body" "$(cat "$TMP/h.out")"
check_eq "HTTP POST /reload -> 404" "$(http POST "http://$HOST:$APORT/reload" "$TMP/h.out")" 404
check_eq "still one reload done" "$(count_of "$GW_LOG" "reloaded $CONF")" 1

# --- a reload that changes control: ------------------------------------------
cp "$CONF" "$TMP/conf.orig"
sed -i "s|^  mode: 0660|  mode: 0600|" "$CONF"
run as_member "$FULL" reload
[ $RC -eq 0 ] && wait_log 5 "$GW_LOG" "reload: control changed; takes effect at the next restart" &&
    [ "$(stat -c %a "$FULL")" = 660 ] &&
    pass "reload changing control: logged as needing a restart, socket unchanged" ||
    fail "control change on reload" "$(why) $(stat -c %a "$FULL")"
cp "$TMP/conf.orig" "$CONF"

# --- a second daemon with the same socket ------------------------------------
P2=$(free_port)
while [ "$P2" = "$PORT" ] || [ "$P2" = "$APORT" ]; do P2=$(free_port); done
mkdir -p "$TMP/state2"
sed -e "s|port: $PORT|port: $P2|" -e "s|^state-dir: .*|state-dir: $TMP/state2|" \
    -e "/^admin:/d" "$CONF" > "$TMP/second.yaml"
chmod 600 "$TMP/second.yaml"
timeout 20 "$DOTSGWD" -f -c "$TMP/second.yaml" > /dev/null 2> "$TMP/second.err"
rc=$?
[ $rc -eq 1 ] && has "$TMP/second.err" "control socket $FULL: in use by a running daemon (connect succeeded)" &&
    pass "a second daemon on a live socket does not start (exit 1)" ||
    fail "second daemon" "exit $rc: $(tail -n 2 "$TMP/second.err")"
run as_member "$FULL" status
[ $RC -eq 0 ] && pass "the first daemon's socket is still there and answers" || fail "first still answers" "$(why)"

# --- a dead daemon's sockets are replaced; a clean exit removes them ---------
stop_pid "$GW_PID" KILL
GW_PID=
[ -S "$FULL" ] && [ -S "$RO" ] && pass "kill -9 leaves the socket files" ||
    fail "stale files" "$(ls -l "$RUN")"
gw_start || exit 1
has "$GW_LOG" "control: removed the stale socket $FULL (no daemon behind it)" \
    "control: removed the stale socket $RO (no daemon behind it)" &&
    pass "restart: stale sockets replaced" || fail "stale replaced" "$(grep -F control: "$GW_LOG" | tail -n 4)"
run as_member "$FULL" status
[ $RC -eq 0 ] && pass "the new socket answers" || fail "new socket" "$(why)"
gw_stop
[ ! -e "$FULL" ] && [ ! -e "$RO" ] && pass "SIGTERM: both socket files removed" ||
    fail "sockets removed at exit" "$(ls -l "$RUN")"

# --- a group that does not exist stops the start -------------------------------
sed "s|^  group: $G|  group: dotsgw-no-such-group|" "$TMP/second.yaml" > "$TMP/nogroup.yaml"
chmod 600 "$TMP/nogroup.yaml"
timeout 20 "$DOTSGWD" -f -c "$TMP/nogroup.yaml" > /dev/null 2> "$TMP/nogroup.err"
rc=$?
[ $rc -eq 1 ] && has "$TMP/nogroup.err" "control socket $FULL: group dotsgw-no-such-group does not exist" &&
    pass "unknown group: start error naming it (exit 1)" ||
    fail "unknown group" "exit $rc: $(tail -n 2 "$TMP/nogroup.err")"
[ ! -e "$FULL" ] && pass "no socket left behind" || fail "no socket left" "$(ls -l "$RUN")"
exit $((T_FAILS > 0))
