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

struct upstream;

/* Session events of any upstream (no-ops for non-orchestrators). */
void	orch_member_up(struct upstream *);
void	orch_member_down(struct upstream *);
/* After a reload: declare again (or cancel) at every orchestrator up. */
void	orch_member_reload(struct gw *);

#endif
