/*
 * Per-peer request rate (policies/rate.h): a token bucket.
 *
 * The bucket holds at most rate_burst tokens and gains rate_per_s of them
 * a second, credited by the elapsed milliseconds at each take. A bucket
 * never used starts full, so a peer that has been quiet may send a burst.
 * A clock that steps back credits nothing; the bucket then runs from the
 * new time.
 */
#include "rate.h"

/* Float sums of ms credits may land a hair below a whole token. */
#define RATE_EPSILON	1e-9

static void refill(struct pol_bucket *b, const struct conf_policy *pol,
    uint64_t now_ms)
{
	double	 burst = pol->rate_burst > 0 ? pol->rate_burst : 1;

	if (now_ms == 0)
		now_ms = 1;	/* 0 means "never used" */
	if (b->last_ms == 0) {
		b->tokens = burst;
		b->last_ms = now_ms;
		return;
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) *
		    pol->rate_per_s / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ms = now_ms;
}

bool pol_rate_take(struct pol_bucket *b, const struct conf_policy *pol,
    uint64_t now_ms)
{
	refill(b, pol, now_ms);
	if (b->tokens + RATE_EPSILON < 1.0)
		return false;
	b->tokens -= 1.0;
	if (b->tokens < 0)
		b->tokens = 0;
	return true;
}

/* As of the last take: the caller asks right after a refusal. */
uint32_t pol_rate_wait(const struct pol_bucket *b,
    const struct conf_policy *pol)
{
	double	 s;
	uint32_t w;

	if (b->last_ms == 0 || b->tokens + RATE_EPSILON >= 1.0)
		return 0;
	if (pol->rate_per_s == 0)
		return UINT32_MAX;
	s = (1.0 - b->tokens) / pol->rate_per_s;
	w = (uint32_t)s;
	return (double)w < s ? w + 1 : w;
}
