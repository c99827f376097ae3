#!/usr/bin/env bash
# topologies/orchestrator as shipped (issue 4): the runner's own checks
# (orch-1 fans customer1's request at isp-a out to isp-b and isp-c, which
# mitigate it; in-progress back at the customer; withdrawal clears every
# hop; the standby orch-2 holds nothing), with --failover: orch-1 killed,
# orch-2 takes it over, orch-1 restarted holds nothing, one copy at each ISP. The scenario in depth
# (registration, failover, restart) is tests/integration/orchestrator.sh.
. "$(dirname "$0")/../lib.sh"
t_init

"$ROOT/topologies/run" orchestrator --check --failover > "$TMP/run.out" 2>&1
rc=$?
for c in "customer's answer: 2.01" "nodes holding it: orch-1 isp-a isp-b isp-c" \
    "nodes mitigating it: isp-b isp-c" \
    "status back at the customer: attack-mitigation-in-progress" \
    "nodes holding it after the failover: orch-2 isp-a isp-b isp-c" \
    "nodes holding it with orch-1 back: orch-2 isp-a isp-b isp-c" \
    "status at the customer after the failover: attack-mitigation-in-progress" \
    "nodes holding anything after withdrawal: "; do
	# the runner's whole line, as a fixed string ("2.01" is no pattern)
	grep -qxF "check: $c" "$TMP/run.out" && pass "run orchestrator: ${c%: }" ||
	    fail "run orchestrator: $c" "$(grep -F -e "CHECK FAILED: ${c%%: *}:" -e 'topology:' "$TMP/run.out" | head -n 3)"
done
[ $rc -eq 0 ] && pass "topologies/run orchestrator --check --failover exits 0" ||
    fail "topologies/run orchestrator --check --failover" "exit $rc: $(tail -n 5 "$TMP/run.out")"
exit 0
