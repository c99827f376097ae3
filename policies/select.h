/*
 * Which upstreams a relayed request goes to: a pure function of the
 * strategy (conf_select), the candidates and the request. Used by
 * policies/decide.c in distributed mode (the inter-domain draft §3.1:
 * each ISP asks "all or its upstream ISP controllers" by its own policy)
 * and by the orchestrator, whose candidates are the registered ISPs.
 *
 * Strategies (enum conf_strategy, common/conf.h):
 *  all          every candidate that is up and has not failed;
 *  failover     one: the candidate that holds it already, else the first
 *               in order that is up and has not failed (a refusal or loss
 *               marks it failed: the next one is tried, each at most once,
 *               so a failover chain always ends);
 *  capacity     one: the holder, else the most declared headroom (bit/s,
 *               then packet/s; unknown capacity counts as none); when the
 *               volume fits nowhere, the most headroom still;
 *  prefix       every candidate whose serves: cover all target prefixes
 *               (or one of the source prefixes), else the fallback;
 *  near-source  every candidate whose sources: cover one of the request's
 *               source prefixes (RFC 9066 call-home source-prefix), the
 *               draft's §2.3 near-source protection; else the fallback.
 * The fallback (all, failover, capacity or none) applies to the same
 * candidates. The reason says which strategy chose whom and why.
 */
#ifndef DOTSGW_SELECT_H
#define DOTSGW_SELECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/dots_msg.h"
#include "common/prefix.h"

#define POL_MAX_UPSTREAMS	32
#define POL_MAX_SOURCES		16	/* source prefixes looked at */

struct pol_candidate {
	const char	*name;
	bool		 up;		/* reachable now */
	bool		 failed;	/* refused or lost this request */
	bool		 placed;	/* holds it now (accepted or pending) */
	bool		 capacity_known;	/* declared a capacity */
	uint64_t	 headroom_bps;	/* declared minus what we placed */
	uint64_t	 headroom_pps;
	const struct prefix *serves;	/* targets it protects */
	size_t		 n_serves;
	const struct prefix *sources;	/* attack sources it is near to */
	size_t		 n_sources;
};

/* What selection looks at in a request. */
struct pol_request {
	const struct prefix *targets;
	size_t		 n_targets;
	struct prefix	 sources[POL_MAX_SOURCES];
	size_t		 n_sources;
	uint64_t	 bps, pps;	/* attack volume */
};

struct pol_selection {
	enum conf_strategy strategy;	/* the one that chose (maybe the
					   fallback) */
	size_t		 n;
	size_t		 idx[POL_MAX_UPSTREAMS];	/* into the candidates */
	char		 reason[200];
};

/* The request's targets and RFC 9066 source prefixes (key 32768, kept
 * raw in scope->opt; malformed or absent means none). */
void	pol_request_of(const struct dots_scope *, uint64_t bps, uint64_t pps,
	    struct pol_request *);

/* The select rule for a request of a peer: the first select-by-target
 * entry whose prefix holds every target prefix, else the peer's select. */
const struct conf_select *pol_select_rule(const struct conf_policy *,
	    const struct pol_request *);

/* Choose among cand (in order). sel->upstreams, when given, restricts
 * the candidates to those names and gives their order. */
void	pol_select(const struct conf_select *, const struct pol_candidate *,
	    size_t n_cand, const struct pol_request *, struct pol_selection *);

const char *pol_strategy_name(enum conf_strategy);

#endif
