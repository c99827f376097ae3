/*
 * Request rates: token buckets. Per peer, refilled at policy.rate_per_s up
 * to policy.rate_burst (RFC 9132 §10: rate-limit every client, including
 * one inventing ever-new cuids); and one gateway-wide bucket
 * ("overload.rate") shared fairly between the peers.
 */
#ifndef DOTSGW_RATE_H
#define DOTSGW_RATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

struct pol_bucket {
	double		 tokens;
	uint64_t	 last_ms;	/* 0 = never used: starts full */
};

/* Take one token at now_ms; false (and nothing taken) when empty. */
bool	pol_rate_take(struct pol_bucket *, const struct conf_policy *,
	    uint64_t now_ms);
/* Seconds until a token is available (for Max-Age on the 5.03). */
uint32_t pol_rate_wait(const struct pol_bucket *, const struct conf_policy *);

/* The same for any bucket of per_s tokens a second, up to burst. */
bool	pol_bucket_take(struct pol_bucket *, uint32_t per_s, uint32_t burst,
	    uint64_t now_ms);
uint32_t pol_bucket_wait(const struct pol_bucket *, uint32_t per_s);

/*
 * The gateway-wide bucket, after the peer's own. While it is at least
 * half full anyone takes from it. Below half (contended), a peer must
 * also take from its share: a bucket of 1/n_peers of the global rate and
 * of the reserved half of its burst. A peer flooding within its own rate
 * thus drains at most the upper half and then its share, and the others
 * still find tokens. Returns false when refused; *wait is the Max-Age.
 */
bool	pol_global_take(struct pol_bucket *global, struct pol_bucket *share,
	    const struct conf_overload *, size_t n_peers, uint64_t now_ms,
	    uint32_t *wait);

#endif
