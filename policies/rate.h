/*
 * Per-peer request rate: a token bucket refilled at policy.rate_per_s up
 * to policy.rate_burst (RFC 9132 §10: rate-limit every client, including
 * one inventing ever-new cuids).
 */
#ifndef DOTSGW_RATE_H
#define DOTSGW_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "../common/conf.h"

struct pol_bucket {
	double		 tokens;
	uint64_t	 last_ms;	/* 0 = never used: starts full */
};

/* Take one token at now_ms; false (and nothing taken) when empty. */
bool	pol_rate_take(struct pol_bucket *, const struct conf_policy *,
	    uint64_t now_ms);
/* Seconds until a token is available (for Max-Age on the 5.03). */
uint32_t pol_rate_wait(const struct pol_bucket *, const struct conf_policy *);

#endif
