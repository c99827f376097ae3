/*
 * The relay decision for one accepted request: mitigate locally,
 * re-originate to upstreams, both, or neither (then the customer sees
 * status attack-exceeded-capability). Pure: the same inputs always give
 * the same decision and the reason says why, for the log and the audit.
 *
 * Rules, in order (the inter-domain draft §3.1: go upstream when "the
 * attack volume exceeds its capacity"):
 *  1. local allowed for the peer and the volume fits what is left of our
 *     capacity: local only;
 *  2. else upstream allowed: among the candidate upstreams the peer may
 *     be relayed to (never the requesting peer itself), those its select
 *     strategy chooses (policies/select.h; default: every one that is up);
 *  3. else nothing can take it: status DOTS_STATUS_EXCEEDED.
 */
#ifndef DOTSGW_DECIDE_H
#define DOTSGW_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "capacity.h"
#include "select.h"

struct pol_upstream {
	const struct conf_peer *peer;	/* roles & PEER_UPSTREAM */
	bool		 up;		/* its signal session is established */
	/* about this request (a new one: all false, nothing placed) */
	bool		 failed;	/* refused it or lost it */
	bool		 placed;	/* holds it (accepted or pending) */
	struct pol_usage placed_use;	/* what we placed there, all requests */
	/* an orchestrator's ISP member: capacity and prefixes come from its
	 * registration rather than from the config; NULL otherwise */
	const struct dots_registration *reg;
};

struct pol_decision {
	bool		 local;
	size_t		 n_up;
	size_t		 up[POL_MAX_UPSTREAMS];	/* indexes into the candidates */
	uint32_t	 status;	/* DOTS_STATUS_EXCEEDED when nothing
					   takes it, else 0 */
	enum conf_strategy strategy;	/* that chose the upstreams */
	char		 reason[320];	/* why, and the selection's reason */
};

/* rq: targets and sources for the select strategy; NULL = none known. */
void	pol_decide(const struct conf_peer *requester,
	    const struct pol_volume *vol, const struct conf_capacity *cap,
	    const struct pol_usage *used, const struct pol_upstream *cand,
	    size_t n_cand, const struct pol_request *rq,
	    struct pol_decision *out);

#endif
