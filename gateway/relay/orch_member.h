/*
 * The ISP side of the centralized mode (draft-nishizuka-dots-inter-domain-
 * mechanism §3.2, §4.1): toward each upstream marked "orchestrator: true"
 * we register on every session up (or cancel, when the config declares
 * nothing), and of the orchestrators only one is active at a time: the
 * relay sends requests there only. The active one is the first in config
 * order that is up, except that one holding mitigations stays active. When the active one misses its
 * heartbeats the next one that is up becomes active and every mitigation
 * placed at the old one is placed again there.
 */
#ifndef DOTSGW_ORCH_MEMBER_H
#define DOTSGW_ORCH_MEMBER_H

struct gw;
struct mitigation;
struct upstream;

/* Session events of any upstream (no-ops for non-orchestrators). */
void	orch_member_up(struct upstream *);
void	orch_member_down(struct upstream *);
/* After a reload: declare again (or cancel) at every orchestrator up. */
void	orch_member_reload(struct gw *);

/*
 * At an ISP that two orchestrators of a pair send requests to: after a
 * failover the standby places again what the dead one placed here. A new
 * mitigation from one orchestrator withdraws (status 7) the other one's
 * overlapping mitigation with the same cdid (the same customer; the
 * orchestrators must be trusted gateways here): one copy, not two.
 */
void	orch_member_takeover(struct gw *, struct mitigation *);

#endif
