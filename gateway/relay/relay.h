/*
 * The relay: what happens to an accepted downstream mitigation beyond
 * bookkeeping. policies/decide.c chooses local mitigation or upstreams;
 * here the choice is carried out: the request is re-originated to each
 * chosen upstream under our own cuid and a fresh mid (a placement), every
 * placement is observed, and what the upstreams report (status, drop
 * counters, refusals, loss) is folded into what the downstream client sees
 * (RFC 8811 §3.2.3). Refreshes, efficacy updates and withdrawals follow the
 * mapping upstream. Loops are stopped by Hop-Limit (RFC 8768) and by the
 * relay path every dotsgw hop appends (private-use key 49152).
 */
#ifndef DOTSGW_RELAY_H
#define DOTSGW_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "common/dots_err.h"
#include "common/dots_msg.h"
#include "common/dots_path.h"
#include "policies/capacity.h"
#include "policies/decide.h"

#define DOTSGW_KEY_RELAY_PATH	49152	/* private use: array of node ids */

struct gw;
struct ds_request;
struct mitigation;
struct poller;
struct upstream;

enum placement_state {
	PL_SENDING,	/* PUT sent, no answer yet */
	PL_ACTIVE,	/* accepted upstream; observed */
	PL_REFUSED,	/* the upstream said no (code, diag) */
	PL_LOST,	/* no answer, or the upstream went away */
	PL_ENDED,	/* withdrawn or ended upstream */
};

struct placement {
	TAILQ_ENTRY(placement) m_entry;
	TAILQ_ENTRY(placement) u_entry;
	struct mitigation	*m;
	struct upstream		*us;
	uint32_t		 umid;
	enum placement_state	 state;
	uint64_t		 req_id;	/* outstanding PUT */
	uint64_t		 obs_id;	/* observation, 0 = none */
	int			 code;		/* last response code */
	char			 diag[DOTS_ERR_MSGLEN];
	uint32_t		 status;	/* as the upstream reports it */
	int64_t			 lifetime;	/* granted there */
	uint64_t		 bytes_dropped, pkts_dropped;
	uint64_t		 bps_dropped, pps_dropped;
	struct event		*refresh;	/* before its lifetime ends */
	struct event		*observe_ev;	/* observe it, when idle */
	bool			 observed;	/* a notification came for the
						   current registration */
	/* followed by GET instead: the upstream did not confirm the
	 * registration (RFC 7641 §4.1) or it failed */
	bool			 polled;
	struct poller		*poll;		/* NULL until first polled */
	uint64_t		 poll_id;	/* outstanding poll GET */
	uint64_t		 t0_us;		/* placed; 0 once answered */
	bool			 took;		/* it reported in-progress or
						   mitigated at least once */
	bool			 moved;		/* lost, and failed over to
						   another upstream: withdrawn
						   here when it is back */
};

TAILQ_HEAD(placement_head, placement);

/* What the relay knows about one mitigation (owned by it). */
struct relay_state {
	struct pol_decision	 decision;
	struct pol_volume	 vol;
	bool			 local;		/* counted in gw local usage */
	bool			 offloaded;	/* upstream because of offload:
						   taken back below low */
	char			 cdid_up[DOTS_ID_MAX + 1];	/* "" = none */
	uint32_t		 hop_limit;	/* as received, 0 = none */
	struct strv		 path;		/* relay path so far, ours last */
	struct placement_head	 placements;
	/* a downstream answer held back until the upstreams answer */
	coap_session_t		*wait_session;
	uint8_t			 wait_token[8];
	size_t			 wait_toklen;
	struct event		*wait_timer;
	bool			 wait_ready;
};

/* The decision and loop checks for a request about to be accepted. */
struct relay_plan {
	struct pol_decision	 decision;
	struct pol_volume	 vol;
	uint32_t		 hop_limit;	/* as received, 0 = none */
	struct strv		 path;		/* incoming path + our node id */
	bool			 offloaded;	/* not local because of offload */
	struct upstream		*cand_us[POL_MAX_UPSTREAMS];
};

/*
 * Decide for a new request. -1 with err = 5.08 when it would have to go
 * upstream but Hop-Limit is exhausted or our node id is already on its
 * relay path (the diagnostic names the path), 5.03 when the peer may not
 * send requests that fast.
 */
int	relay_plan(const struct ds_request *, const struct dots_scope *,
	    struct relay_plan *, struct dots_err *);
void	relay_plan_free(struct relay_plan *);
/* Carry the plan out for m (takes the plan's path). Returns true when the
 * downstream answer must wait for the upstreams (the caller registers
 * nothing: relay_start has already called coap_register_async). */
bool	relay_start(const struct ds_request *, struct mitigation *,
	    struct relay_plan *);
/* The held-back answer, when libcoap re-runs the handler. */
void	relay_answer(const struct ds_request *, coap_pdu_t *);

/* A preconfigured request went active (signal loss): decide now, with
 * today's capacity and upstreams, and send it up as an immediate one. */
void	relay_activate(struct mitigation *);

/* After a restart (gateway/persist.c): the relay state of a restored
 * mitigation, then each of its placements, pending until its upstream is
 * up and resynchronised. 0 or -1. */
int	relay_restore(struct mitigation *, bool local, const char *cdid_up,
	    uint32_t hop_limit);
int	relay_restore_placement(struct mitigation *, struct upstream *,
	    uint32_t umid, int64_t lifetime);

void	relay_refresh(struct mitigation *);
void	relay_efficacy(struct mitigation *);
/* An efficacy update's attack information (RFC 9244 total-attack-traffic,
 * attack-detail) replaces what m holds, is relayed with it, and its
 * volume counts against local capacity from now on. */
void	relay_attack_info(struct mitigation *, const struct dots_scope *upd);
void	relay_withdraw(struct mitigation *);
void	relay_free(struct mitigation *);	/* m is being removed */

/* "sending", "active", "refused", "lost", "ended". */
const char *placement_state_name(enum placement_state);
/* How we follow it: "observed", "polled" or "none" (not yet, or not
 * any more). */
const char *placement_observation(const struct placement *);

/* The status and counters the downstream client sees. */
uint32_t relay_status(const struct mitigation *);
void	relay_counters(const struct mitigation *, uint64_t c[4]);

/* Upstream session events. */
void	relay_upstream_up(struct upstream *);
void	relay_upstream_down(struct upstream *);
/* A reload removed us: its placements are withdrawn and freed. */
void	relay_upstream_removed(struct upstream *);
/* Decide again for every mitigation nothing takes (after a reload). */
void	relay_reconsider(struct gw *);
/* A downstream session is gone: forget answers held for it. */
void	relay_session_gone(struct gw *, coap_session_t *);

#endif
