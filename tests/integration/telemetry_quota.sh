#!/bin/bash
# The per-peer telemetry quotas of the configuration (telemetry:
# max-setups-per-peer, max-reports-per-peer) through the real daemon: the
# one past the quota is 5.03 with Max-Age 60 and the key named, replacing
# a held one is accepted, another peer has its own quota, and a reload
# that raises the quota lets the next one in.
. "$(dirname "$0")/../lib.sh"
t_init
printf 'telemetry: { max-setups-per-peer: 2, max-reports-per-peer: 3 }\n' >> "$CONF"
gw_start || exit 1

cfg() {	# FILE: a current-config setup
	printf '%s' '{"ietf-dots-telemetry:telemetry-setup":{"telemetry":[{"current-config":{}}]}}' > "$1"
}
pipe() {	# FILE LINK: a pipe of its own link, overriding no other
	printf '{"ietf-dots-telemetry:telemetry-setup":{"telemetry":[{"total-pipe-capacity":[{"link-id":"%s","capacity":"1000","unit":"megabit-ps"}]}]}}' "$2" > "$1"
}
cfg "$TMP/cfg.json"
pipe "$TMP/l1.json" l1
pipe "$TMP/l2.json" l2
expect "setup 1 of 2 (tsid 1) -> 2.01" 2.01 psk1 "$URI_D" telemetry setup \
    --tsid 1 --file "$TMP/cfg.json"
expect "setup 2 of 2 (tsid 2) -> 2.01" 2.01 psk1 "$URI_D" telemetry setup \
    --tsid 2 --file "$TMP/l1.json"
expect "setup 3 past max-setups-per-peer 2 -> 5.03" 5.03 psk1 "$URI_D" \
    telemetry setup --tsid 3 --file "$TMP/l2.json"
check_eq "the setup 5.03 carries Max-Age 60" "$(jget 'j.get("max-age")')" 60
has "$GW_LOG" "peer customer1 holds 2 telemetry setups, its most (telemetry: max-setups-per-peer)" &&
    pass "the setup 5.03 names the key" ||
    fail "setup 5.03 diagnostic" "$(grep -F 'tsid 3' "$GW_LOG")"
expect "replacing a held setup (tsid 2) at the quota -> 2.04" 2.04 psk1 \
    "$URI_D" telemetry setup --tsid 2 --file "$TMP/l1.json"
expect "another peer's setup: its own quota -> 2.01" 2.01 psk3 "$URI_D" \
    telemetry setup --tsid 1 --file "$TMP/cfg.json"

for i in 1 2 3; do
	expect "report $i of 3 (tmid $i) -> 2.04" 2.04 psk1 "$URI_D" \
	    telemetry report --tmid "$i" --prefix "192.0.2.$i/32" \
	    --attack-bps 1000
done
expect "report 4 past max-reports-per-peer 3 -> 5.03" 5.03 psk1 "$URI_D" \
    telemetry report --tmid 4 --prefix 192.0.2.4/32 --attack-bps 1000
check_eq "the report 5.03 carries Max-Age 60" "$(jget 'j.get("max-age")')" 60
has "$GW_LOG" "peer customer1 holds 3 telemetry reports, its most (telemetry: max-reports-per-peer)" &&
    pass "the report 5.03 names the key" ||
    fail "report 5.03 diagnostic" "$(grep -F 'tmid 4' "$GW_LOG")"
expect "replacing a held report (tmid 3) at the quota -> 2.04" 2.04 psk1 \
    "$URI_D" telemetry report --tmid 3 --prefix 192.0.2.3/32 \
    --attack-bps 2000

# a reload raising the quotas: the next ones are accepted
sed -i 's/^telemetry: .*/telemetry: { max-setups-per-peer: 3, max-reports-per-peer: 4 }/' "$CONF"
"$DOTSCTL" --socket "$GW_SOCK" reload > "$TMP/reload.out" 2>&1 &&
    pass "dotsctl reload" || fail "dotsctl reload" "$(cat "$TMP/reload.out")"
expect "after the reload: setup 3 -> 2.01" 2.01 psk1 "$URI_D" \
    telemetry setup --tsid 3 --file "$TMP/l2.json"
expect "after the reload: report 4 -> 2.04" 2.04 psk1 "$URI_D" \
    telemetry report --tmid 4 --prefix 192.0.2.4/32 --attack-bps 1000
expect "... and report 5 past the new quota 4 -> 5.03" 5.03 psk1 "$URI_D" \
    telemetry report --tmid 5 --prefix 192.0.2.5/32 --attack-bps 1000
gw_alive "daemon alive after the quota tests"
