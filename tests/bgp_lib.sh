# Two gobgpd on 127.0.0.1 for the BGP mitigator tests (sourced after
# lib.sh and t_init): the speaker dotsgwd drives (API $SPK_API) and the
# "router" peered with it, whose RIB the tests read back as JSON. Both
# are stopped by PID (bgp_stop, also on exit).
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
established() { gobgp -u $HOST -p "$SPK_API" neighbor 2>/dev/null | grep -q Establ; }
wait_for 30 established && pass "speaker and router gobgpd established on 127.0.0.1" ||
    { fail "gobgpd session" "$(tail -n 5 "$TMP/spk.log")"; exit 1; }

# rib FAMILY: the router's RIB as JSON (what it learnt from the speaker)
rib() { gobgp -u $HOST -p "$RTR_API" -j global rib -a "$1" 2>/dev/null; }
# has_fs PYEXPR: some router flowspec route satisfies PYEXPR over its
# components c (type -> value list) and attributes a (type -> attr)
has_fs() {
	rib ipv4-flowspec | $PY -c '
import json, sys
d = json.load(sys.stdin)
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
no_fs() { ! has_fs "$1"; }
