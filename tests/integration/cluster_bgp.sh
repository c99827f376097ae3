#!/usr/bin/env bash
# The BGP speakers of a cluster (issue 17): each node drives its own
# gobgpd. Node 1 announces a flowspec rule; SIGKILL node 1 (its gobgpd
# stays up); node 2 takes the mitigation over and announces it on its own
# speaker; node 1 restarted reconciles its speaker to what it owns now
# (the rule withdrawn: node 2 owns it); the withdrawal through node 2
# leaves the rule on no speaker. Speakers are read through their own API.
. "$(dirname "$0")/../lib.sh"
command -v gobgpd > /dev/null && command -v gobgp > /dev/null ||
    { skip cluster_bgp "gobgpd not installed"; exit 0; }
t_init
. "$ROOT/tests/pg_lib.sh"
pg_start || { skip cluster_bgp.sh "$PG_WHY"; exit 0; }

BGP_PIDS=()
bgp_stop() { local p; for p in "${BGP_PIDS[@]}"; do stop_pid "$p"; done; BGP_PIDS=(); }
trap 'n2_stop; bgp_stop; t_cleanup; pg_cleanup' EXIT

ports=()
while [ ${#ports[@]} -lt 4 ]; do
	p=$(free_port)
	case " ${ports[*]} $PORT " in *" $p "*) continue ;; esac
	ports+=("$p")
done
SPK1_BGP=${ports[0]} SPK1_API=${ports[1]} SPK2_BGP=${ports[2]} SPK2_API=${ports[3]}
for n in 1 2; do
	b=SPK${n}_BGP a=SPK${n}_API
	printf '[global.config]\n  as = 64512\n  router-id = "10.255.0.%s"\n  port = %s\n  local-address-list = ["%s"]\n' \
	    "$n" "${!b}" "$HOST" > "$TMP/spk$n.toml"
	gobgpd -f "$TMP/spk$n.toml" --api-hosts "$HOST:${!a}" --pprof-disable \
	    >> "$TMP/spk$n.log" 2>&1 &
	BGP_PIDS+=($!)
done
# spk_has N PREFIX: speaker N's RIB was read and holds a flowspec route
# to PREFIX (status 1: it does not; 2: unreadable)
spk_has() {
	local a=SPK${1}_API out i
	for i in 1 2 3 4 5; do
		out=$(gobgp -u $HOST -p "${!a}" -j global rib -a ipv4-flowspec 2>/dev/null) &&
		    [ -n "$out" ] && break
		out=
		sleep 0.5
	done
	[ -n "$out" ] || return 2
	printf '%s\n' "$out" | $PY -c '
import json, sys
d = json.load(sys.stdin) or {}
for k, paths in d.items():
    for p in paths:
        for x in p["nlri"]["value"]:
            if x["type"] == 1 and x["value"] == {"prefix": sys.argv[1]}:
                sys.exit(0)
sys.exit(1)' "$2"
}
spk_lacks() { spk_has "$1" "$2"; [ $? -eq 1 ]; }
spk_up() { spk_lacks "$1" 192.0.2.250/32; }
wait_for 30 spk_up 1 && wait_for 30 spk_up 2 &&
    pass "two gobgpd speakers answer on 127.0.0.1" ||
    { fail "gobgpd" "$(tail -n 5 "$TMP/spk1.log" "$TMP/spk2.log")"; exit 1; }

cat >> "$CONF" <<EOF
mitigator:
  type: bgp
  api-port: $SPK1_API
  community: "64512:4646"
  timeout: 10000
  reconcile-interval: 2
EOF
pg_cluster_conf -e "s#api-port: $SPK1_API\$#api-port: $SPK2_API#" || exit 1
gw_start || exit 1
n2_start || exit 1

P=192.0.2.7/32
ctl psk1 "$D1" mitigate --mid 7 --prefix $P --lifetime 600
check_eq "node 1: mid 7 accepted" "$(code_of)" 2.01
wait_for 20 spk_has 1 $P && pass "node 1's speaker announces mid 7" ||
    fail "node 1's speaker" "no route to $P"
check "node 2's speaker does not (node 1 owns it)" spk_lacks 2 $P

{ kill -9 "$GW_PID"; wait "$GW_PID"; } 2>/dev/null
GW_PID=
wait_for 60 pg_none_owned_by n1 && pass "node 2 took over node 1's mitigation after the SIGKILL" ||
    fail takeover "n1 still owns it"
wait_for 20 spk_has 2 $P && pass "node 2's speaker announces mid 7 after the takeover" ||
    fail "node 2's speaker" "no route to $P: $(tail -n 5 "$N2_LOG")"
check "node 1's speaker (up, its node dead) still has it" spk_has 1 $P

gw_start || exit 1
wait_for 30 spk_lacks 1 $P &&
    pass "node 1 restarted: its speaker no longer has the rule node 2 owns" ||
    fail "node 1's speaker after the restart" "still a route to $P: $(grep -F 'mitigator bgp' "$GW_LOG" | tail -n 3)"
check "node 2's speaker still has it" spk_has 2 $P
o=$(pg_psql "SELECT owner FROM mitigation WHERE mid = 7")
check_eq "mid 7's owner stays n2" "$o" n2

ctl psk1 "$D1" withdraw --mid 7
check_eq "withdraw mid 7 through node 1" "$(code_of)" 2.02
wait_for 30 spk_lacks 2 $P && pass "withdrawn: node 2's speaker no longer has it" ||
    fail "node 2's speaker after the withdrawal" "still a route to $P"
check "withdrawn: node 1's speaker has none" spk_lacks 1 $P

[ "$T_FAILS" -eq 0 ]
