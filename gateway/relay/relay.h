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
 *
 * The relay never answers the downstream client itself: it reports when
 * the upstreams of a new request settled (relay_await), and the
 * downstream holds and sends the answer (gateway/downstream/held.c).
 *
 * One concern per file: plan.c decides, path.c is the loop path,
 * placement.c and observe.c carry and follow placements, local.c is
 * local mitigation and offload, fold.c what downstream sees, settle.c
 * the reports, failover.c and resync.c what upstream loss and return
 * cause, relay.c the life of a mitigation's relay state
 * (relay_impl.h: what they share).
 */
#ifndef DOTSGW_RELAY_H
#define DOTSGW_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/dots_err.h"
#include "common/dots_msg.h"
#include "common/dots_path.h"
#include "policies/capacity.h"
#include "policies/decide.h"

#define DOTSGW_KEY_RELAY_PATH	49152	/* private use: array of node ids */

struct conf_peer;
struct dc_job;
struct dc_up;
struct gw;
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
	struct dc_job		*dc_job;	/* creating its ACLs there
						   (dc_push.c), NULL = not */
	bool			 dc_pushed;	/* they are there */
};

TAILQ_HEAD(placement_head, placement);

/*
 * What the downstream answer to a new request says once its upstreams
 * settled: they all answered, or the relay timeout expired. The answer
 * itself (CoAP, held with libcoap's async) is the downstream's
 * (gateway/downstream/held.c); the relay only tells it when and what.
 */
struct relay_outcome {
	int			 code;		/* 201 taken (or being tried);
						   508 every upstream refused
						   with 5.08: a loop */
	char			 diag[DOTS_ERR_MSGLEN];	/* 508: our node id,
						   then the path upstream */
	bool			 timed_out;	/* the relay timeout, not the
						   upstreams, settled it */
	size_t			 active, refused, lost, sending;
};

/* The upstreams of m settled (o), or m goes away first (o == NULL: the
 * waiter forgets arg; nothing will be reported). */
typedef void relay_settled_fn(struct mitigation *m,
	    const struct relay_outcome *o, void *arg);

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
	/* someone waits for the upstreams to settle (relay_await) */
	relay_settled_fn	*await_fn;
	void			*await_arg;	/* the waiter's; NULL = none */
	struct event		*await_timer;	/* the relay timeout */
	bool			 await_done;	/* reported; arg kept until
						   relay_await_end */
};

/* The facts of a new downstream request the plan needs; the downstream
 * reads them off its CoAP request. */
struct relay_request {
	const struct conf_peer	*peer;		/* who asks */
	const char		*cuid;		/* for log lines */
	uint32_t		 mid;
	uint32_t		 hop_limit;	/* Hop-Limit as received, 0 =
						   none (RFC 8768) */
	const char		*cdid;		/* what we insert as cdid: the
						   client's credential hash */
};

/* The decision and loop checks for a request about to be accepted. */
struct relay_plan {
	struct pol_decision	 decision;
	struct pol_volume	 vol;
	uint32_t		 hop_limit;	/* as received, 0 = none */
	struct strv		 path;		/* incoming path + our node id */
	bool			 offloaded;	/* not local because of offload */
	char			 cdid[DOTS_ID_MAX + 1];	/* relay_request's */
	struct upstream		*cand_us[POL_MAX_UPSTREAMS];
};

/*
 * Decide for a new request of rq->peer with scope s. -1 with err = 4.00
 * when its relay path (key 49152) is malformed, 5.08 when our node id is
 * already on it or when it would have to go upstream but Hop-Limit is
 * exhausted (the diagnostic is our node id). The peer's request rate is
 * not the plan's: the downstream checks it for every request.
 */
int	relay_plan(struct gw *, const struct relay_request *rq,
	    const struct dots_scope *s, struct relay_plan *,
	    struct dots_err *);
void	relay_plan_free(struct relay_plan *);
/*
 * Carry the plan out for m (takes the plan's path). Returns true when
 * upstreams were asked and have not all answered yet, and the relay
 * timeout is not 0: the downstream answer may wait for them
 * (relay_await).
 */
bool	relay_start(struct mitigation *, struct relay_plan *);

/*
 * Report to fn once the upstreams of m settle: every placement answered,
 * or the relay timeout (gateway.relay-timeout) expired. -1 when out of
 * memory (nothing registered). arg stays m's until relay_await_end, also
 * after fn ran; relay_awaited returns it meanwhile (NULL: none).
 */
int	relay_await(struct mitigation *, relay_settled_fn *fn, void *arg);
void	*relay_awaited(const struct mitigation *);
/* Forget the waiter (no report from now on); returns its arg. */
void	*relay_await_end(struct mitigation *);

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

/* The data-channel client toward upstreams (dc_push.c), gw->dc_up: NULL
 * when out of memory or libcurl cannot start. */
struct dc_up *dc_up_new(struct gw *);
void	dc_up_free(struct dc_up *);

#endif
