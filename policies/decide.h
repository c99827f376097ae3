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
 *  2. else upstream allowed: every candidate upstream that is up, that the
 *     peer may be relayed to, and that is not the requesting peer itself;
 *  3. else nothing can take it: status DOTS_STATUS_EXCEEDED.
 */
#ifndef DOTSGW_DECIDE_H
#define DOTSGW_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/conf.h"
#include "capacity.h"

#define POL_MAX_UPSTREAMS	32

struct pol_upstream {
	const struct conf_peer *peer;	/* roles & PEER_UPSTREAM */
	bool		 up;		/* its signal session is established */
};

struct pol_decision {
	bool		 local;
	size_t		 n_up;
	size_t		 up[POL_MAX_UPSTREAMS];	/* indexes into the candidates */
	uint32_t	 status;	/* DOTS_STATUS_EXCEEDED when nothing
					   takes it, else 0 */
	char		 reason[200];
};

void	pol_decide(const struct conf_peer *requester,
	    const struct pol_volume *vol, const struct conf_capacity *cap,
	    const struct pol_usage *used, const struct pol_upstream *cand,
	    size_t n_cand, struct pol_decision *out);

#endif
