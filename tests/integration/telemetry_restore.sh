#!/bin/bash
# RFC 9244 telemetry restored at start is observable at once (RFC 9244
# §8.3): a report and a setup with telemetry-notify-interval 1 put, the
# daemon restarted, and nothing put since, a GET with Observe of the
# report (and of the cuid's collection) is answered and then notified
# every second, as before the restart.
. "$(dirname "$0")/../lib.sh"
t_init
command -v "$COAP_CLIENT" >/dev/null ||
    { skip telemetry_restore "$COAP_CLIENT not installed"; exit 0; }
gw_start || exit 1
C1=$(cuid_psk $PSK1_ID)
U=$URI_D/$WK

printf '%s' '{"ietf-dots-telemetry:telemetry-setup":{"telemetry":[{"current-config":{"telemetry-notify-interval":1}}]}}' > "$TMP/notify.json"
expect "current-config telemetry-notify-interval 1 (tsid 1) -> 2.01" 2.01 \
    psk1 "$URI_D" telemetry setup --tsid 1 --file "$TMP/notify.json"
expect "report tmid 5 -> 2.04" 2.04 psk1 "$URI_D" telemetry report \
    --tmid 5 --prefix 2001:db8:6401::1/128 --attack-bps 7000000

gw_stop
gw_start || exit 1
# observed N PATH: a GET with Observe of PATH for 4 s; at least 3 x 2.05
# (the answer and notifications) in CC_CODES
observed() {
	cc psk1 -s 4 -m get -A 271 -o "$TMP/obs.cbor" "$U/$1"
	[ "$(echo "$CC_CODES" | tr ' ' '\n' | grep -cxF 2.05)" -ge 3 ]
}
rm -f "$TMP/obs.cbor"
observed "tm/cuid=$C1/tmid=5" &&
    pass "after a restart: the restored tmid 5 is observed and notified" ||
    fail "restored tmid observable" "codes '$CC_CODES' stderr '$(head -c 200 "$CC_ERR")'"
check_eq "... its notification is the restored report" \
    "$(cbor_json "$TMP/obs.cbor" 2>/dev/null | tail -n 1 | $PY -c 'import json,sys; d=json.loads(sys.stdin.read()); print([(e["181"], e["189"]) for e in d["208"]["138"]])')" \
    "[(5, {'6': ['2001:db8:6401::1/128']})]"
rm -f "$TMP/obs.cbor"
observed "tm/cuid=$C1" &&
    pass "after a restart: the cuid's collection is observed and notified" ||
    fail "restored collection observable" "codes '$CC_CODES' stderr '$(head -c 200 "$CC_ERR")'"
gw_alive "daemon alive after the restore tests"
