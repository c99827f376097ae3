# Two gobgpd on 127.0.0.1 for the BGP mitigator tests (sourced after
# lib.sh and t_init): the speaker dotsgwd drives (API $SPK_API) and the
# "router" peered with it, whose RIB the tests read back as JSON. Both
# are stopped by PID (bgp_stop, also on exit). The tests' mitigator
# config names $GOBGP_WRAP as its gobgp, to see reconciles run.
ports=()
while [ ${#ports[@]} -lt 4 ]; do
	p=$(free_port)
	case " ${ports[*]} $PORT " in *" $p "*) continue ;; esac
	ports+=("$p")
done
SPK_BGP=${ports[0]} RTR_BGP=${ports[1]} SPK_API=${ports[2]} RTR_API=${ports[3]}

# bgp_conf FILE AS ROUTER-ID PORT PEER-AS PEER-PORT PASSIVE
bgp_conf() {
	cat > "$1" <<EOF
[global.config]
  as = $2
  router-id = "$3"
  port = $4
  local-address-list = ["$HOST"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$HOST"
    peer-as = $5
  [neighbors.transport.config]
    remote-port = $6
    local-address = "$HOST"
    passive-mode = $7
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-flowspec"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
}
BGP_PIDS=()
bgp_stop() {
	local p
	for p in "${BGP_PIDS[@]}"; do stop_pid "$p"; done
	BGP_PIDS=()
}
trap 'bgp_stop; t_cleanup' EXIT
bgp_conf "$TMP/spk.toml" 64512 10.255.0.1 "$SPK_BGP" 64513 "$RTR_BGP" false
bgp_conf "$TMP/rtr.toml" 64513 10.255.0.2 "$RTR_BGP" 64512 "$SPK_BGP" true
start_bgp() {
	gobgpd -f "$TMP/spk.toml" --api-hosts "$HOST:$SPK_API" --pprof-disable \
	    >> "$TMP/spk.log" 2>&1 &
	BGP_PIDS+=($!)
	gobgpd -f "$TMP/rtr.toml" --api-hosts "$HOST:$RTR_API" --pprof-disable \
	    >> "$TMP/rtr.log" 2>&1 &
	BGP_PIDS+=($!)
}
start_bgp
# the speaker's session to the router is ESTABLISHED (gobgp's JSON:
# session_state 6)
established() {
	gobgp -u $HOST -p "$SPK_API" -j neighbor 2>/dev/null | $PY -c '
import json, sys
n = json.load(sys.stdin) or []
sys.exit(0 if n and all(x.get("state", {}).get("session_state") == 6 for x in n) else 1)' 2>/dev/null
}
wait_for 30 established && pass "speaker and router gobgpd established on 127.0.0.1" ||
    { fail "gobgpd session" "$(tail -n 5 "$TMP/spk.log")"; exit 1; }

# The gobgp CLI dotsgwd runs (mitigator "gobgp:"): the real one, each
# call's arguments logged first. A reconcile starts by listing
# ipv4-flowspec and logs what it finds (orphans, "announcing again")
# before the next one starts: once two reconciles have started since a
# point, one ran entirely after it.
GOBGP_WRAP=$TMP/gobgp-wrap
GOBGP_CALLS=$TMP/gobgp.calls
printf '#!/bin/sh\necho "$*" >> "%s"\nexec gobgp "$@"\n' "$GOBGP_CALLS" > "$GOBGP_WRAP"
chmod 755 "$GOBGP_WRAP"
reconciles() {
	local n
	n=$(count_of "$GOBGP_CALLS" "-j global rib -a ipv4-flowspec")
	echo "${n:-0}"
}
_reconciles_ge() { [ "$(reconciles)" -ge "$1" ]; }
# wait_reconcile SECONDS: a whole reconcile ran after this call
wait_reconcile() { wait_for "$1" _reconciles_ge $(($(reconciles) + 2)); }

# rib FAMILY: the router's RIB as JSON (what it learnt from the speaker);
# a CLI call that fails (a loaded machine) is tried again, 5 times at most.
rib() {
	local i out
	for i in 1 2 3 4 5; do
		if out=$(gobgp -u $HOST -p "$RTR_API" -j global rib -a "$1" 2>/dev/null) &&
		    [ -n "$out" ]; then
			printf '%s\n' "$out"
			return 0
		fi
		sleep 0.5
	done
	return 1
}
# has_fs PYEXPR: some router flowspec route satisfies PYEXPR over its
# components c (type -> value list) and attributes a (type -> attr).
# Status 1: none does; 2: the RIB could not be read.
has_fs() {
	local r
	r=$(rib ipv4-flowspec) || return 2
	printf '%s\n' "$r" | $PY -c '
import json, sys
try:
    d = json.load(sys.stdin) or {}
except ValueError:
    sys.exit(2)
ok = False
for k, paths in d.items():
    for p in paths:
        c = {x["type"]: x["value"] for x in p["nlri"]["value"]}
        a = {x["type"]: x for x in p["attrs"]}
        try:
            ok = ok or bool(eval(sys.argv[1]))
        except Exception:
            pass
sys.exit(0 if ok else 1)' "$1"
}
# no_fs PYEXPR: the RIB was read and no route satisfies PYEXPR
no_fs() {
	has_fs "$1"
	[ $? -eq 1 ]
}
# rib_py FAMILY PYCODE: run PYCODE with d = the router's RIB of FAMILY;
# status 2 when it could not be read.
rib_py() {
	local r
	r=$(rib "$1") || return 2
	printf '%s\n' "$r" | $PY -c '
import json, sys
try:
    d = json.load(sys.stdin) or {}
except ValueError:
    sys.exit(2)
'"$2"
}

# log_mark FILE: its line count now, a point to look from with log_since
log_mark() {
	local n
	n=$(wc -l < "$1" 2>/dev/null)
	echo "${n:-0}"
}
# log_since FILE MARK OUT: the lines of FILE after MARK, into OUT (a
# negative check about one step must not see an earlier step's lines)
log_since() { tail -n +"$(($2 + 1))" "$1" > "$3"; }
