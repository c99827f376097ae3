#!/bin/bash
# Huge pages for the heap past huge-pages-above (gateway/core/heap_pages.c,
# NOTES.md "Huge pages for the heap"): a daemon whose heap is past the
# threshold (1 MiB here; 3,000 peers take more than that) says so once and
# its [heap] mapping carries the advice ("hg" in smaps' VmFlags); it serves
# requests on; a change of the key on reload waits for a restart.
. "$(dirname "$0")/../lib.sh"
t_init
sed -i '1i huge-pages-above: 1' "$CONF"
for i in $(seq 1 3000); do
	printf '  - { name: bulk%d, psk-identity: bulk%d, psk-key: bulk-secret-%d, prefixes: ["10.%d.%d.0/24"] }\n' \
	    "$i" "$i" "$i" $((i / 250)) $((i % 250))
done >> "$CONF"
gw_start || exit 1

# a [heap] mapping of the daemon carries the advice
heap_advised() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { heap = ($NF == "[heap]") }
	    heap && /^VmFlags:/ && / hg/ { n++ } END { exit n == 0 }' \
	    "/proc/$GW_PID/smaps"
}
if [ -e /sys/kernel/mm/transparent_hugepage/enabled ]; then
	if wait_log 10 "$GW_LOG" "heap past 1 MiB: advised for huge pages"; then
		pass "log: the heap past 1 MiB is advised for huge pages"
	else
		fail "log: heap advised" "$(grep -F heap "$GW_LOG"; grep -F '[heap]' "/proc/$GW_PID/maps")"
	fi
	wait_for 5 heap_advised &&
	    pass "smaps: the daemon's [heap] carries MADV_HUGEPAGE (hg)" ||
	    fail "smaps: [heap] hg" "$(grep -A30 -F '[heap]' "/proc/$GW_PID/smaps" | grep -F VmFlags)"
else
	wait_log 10 "$GW_LOG" "heap: no huge pages" &&
	    pass "log: a kernel without huge pages is said so once" ||
	    fail "log: no huge pages" "$(grep -F heap "$GW_LOG")"
fi
expect "a mitigation on an advised heap -> 2.01" 2.01 psk1 "$URI_D" \
    mitigate --mid 1 --prefix 192.0.2.1/32

sed -i 's/^huge-pages-above: 1$/huge-pages-above: 0/' "$CONF"
reload_restart_only "reload: a huge-pages-above change waits for a restart" \
    huge-pages-above
gw_alive "daemon alive after the reload"
exit $((T_FAILS > 0))
