#!/usr/bin/env bash
# `make run` (issue 15): the quickstart gateway serves the data channel
# too, and the curl and dotsctl commands run.sh prints work as printed.
# run.sh and the quickstart YAML are copied into a tree of their own with
# the ports 4646-4648 replaced by free ones (other runs may hold those),
# then started as `make run` does, and each printed data-channel command
# is run exactly as printed.
. "$(dirname "$0")/../lib.sh"
t_init
command -v curl >/dev/null || { skip quickstart_run.sh "curl missing"; exit 0; }
node_ports QP QA QD
Q=$TMP/tree
mkdir -p "$Q/topologies/quickstart" "$Q/build"
cp "$ROOT/topologies/pki.sh" "$Q/topologies/"
ln -s "$DOTSGWD" "$Q/build/dotsgwd"
ln -s "$DOTSCTL" "$Q/build/dotsctl"
for f in run.sh dotsgw.yaml; do
	sed -e "s/4646/$QP/g" -e "s/4647/$QA/g" -e "s/4648/$QD/g" \
	    "$ROOT/topologies/quickstart/$f" > "$Q/topologies/quickstart/$f"
done
grep -qF "port: $QD" "$Q/topologies/quickstart/dotsgw.yaml" &&
    pass "the quickstart YAML has a data-channel port" ||
    fail "quickstart data-channel" "no port 4648 in topologies/quickstart/dotsgw.yaml"
QLOG=$TMP/run.out
bash "$Q/topologies/quickstart/run.sh" > "$QLOG" 2>&1 &
QPID=$!
trap 'stop_pid $QPID; t_cleanup' EXIT
wait_log 60 "$QLOG" "dotsgwd ready" && pass "run.sh starts the quickstart gateway" ||
    { fail "run.sh" "$(tail -n 5 "$QLOG")"; exit 1; }
has "$QLOG" "data channel: RESTCONF on https://[127.0.0.1]:$QD/restconf" &&
    pass "it serves the data channel on the quickstart's port" ||
    fail "data channel" "$(grep -F 'data channel' "$QLOG")"

# the printed commands: indented lines from "curl" or dotsctl on, with
# their continuation lines, between the data channel's heading and the
# next paragraph
$PY - "$QLOG" "$TMP/cmd" <<'PY'
import sys
text = open(sys.argv[1]).read()
part = text[text.index("The data channel (RFC 8783"):text.index("The gateway's state")]
cmds, cur = [], ""
for l in part.splitlines():
    s = l.strip()
    if not l.startswith("  ") and not cur:
        continue
    if s.endswith("\\"):
        cur += s[:-1] + " "
        continue
    cur += s
    cmds.append(cur)
    cur = ""
for i, c in enumerate(cmds):
    open("%s.%d" % (sys.argv[2], i + 1), "w").write(c + "\n")
print(len(cmds))
PY
[ -f "$TMP/cmd.3" ] && pass "run.sh prints three data-channel commands" ||
    fail "printed commands" "$(ls "$TMP"/cmd.* 2>/dev/null)"
bash "$TMP/cmd.1" > "$TMP/out.1" 2>&1
check_eq "printed curl 1: capabilities" \
    "$(jget 'sorted(j["ietf-dots-data-channel:capabilities"]["forwarding-actions"])' <(tr -d '\n' < "$TMP/out.1"))" \
    '["accept", "drop"]'
bash "$TMP/cmd.2" > "$TMP/out.2" 2>&1
has "$TMP/out.2" "HTTP/1.1 201 Created" "Location: /restconf/data/ietf-dots-data-channel:dots-data/dots-client=quickstart-cuid-2" &&
    pass "printed curl 2: the registration is 201 Created" ||
    fail "printed curl 2" "$(head -n 3 "$TMP/out.2")"
bash "$TMP/cmd.2" > "$TMP/out.2" 2>&1
has "$TMP/out.2" "HTTP/1.1 409 Conflict" &&
    pass "printed curl 2 again: 409 (as run.sh says)" ||
    fail "printed curl 2 again" "$(head -n 3 "$TMP/out.2")"
bash "$TMP/cmd.3" > "$TMP/out.3" 2>&1
rc=$?
[ "$rc" -eq 0 ] && has "$TMP/out.3" "200 OK" '"ietf-dots-data-channel:capabilities"' &&
    pass "printed dotsctl data capabilities: 200" ||
    fail "printed dotsctl" "exit $rc: $(head -n 3 "$TMP/out.3")"
[ "$T_FAILS" -eq 0 ]
