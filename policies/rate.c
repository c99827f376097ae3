/*
 * Request rates (policies/rate.h): token buckets.
 *
 * A bucket holds at most burst tokens and gains per_s of them a second, credited by the elapsed milliseconds at each take. A bucket
 * never used starts full, so a peer that has been quiet may send a burst.
 * A clock that steps back credits nothing; the bucket then runs from the
 * new time.
 */
#include "rate.h"

/* Float sums of ms credits may land a hair below a whole token. */
#define RATE_EPSILON	1e-9

static void refill(struct pol_bucket *b, uint32_t per_s, uint32_t burst_n,
    uint64_t now_ms)
{
	double	 burst = burst_n > 0 ? burst_n : 1;

	if (now_ms == 0)
		now_ms = 1;	/* 0 means "never used" */
	if (b->last_ms == 0) {
		b->tokens = burst;
		b->last_ms = now_ms;
		return;
	}
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * per_s / 1000.0;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ms = now_ms;
}

bool pol_bucket_take(struct pol_bucket *b, uint32_t per_s, uint32_t burst,
    uint64_t now_ms)
{
	refill(b, per_s, burst, now_ms);
	if (b->tokens + RATE_EPSILON < 1.0)
		return false;
	b->tokens -= 1.0;
	if (b->tokens < 0)
		b->tokens = 0;
	return true;
}

/* As of the last take: the caller asks right after a refusal. */
uint32_t pol_bucket_wait(const struct pol_bucket *b, uint32_t per_s)
{
	double	 s;
	uint32_t w;

	if (b->last_ms == 0 || b->tokens + RATE_EPSILON >= 1.0)
		return 0;
	if (per_s == 0)
		return UINT32_MAX;
	s = (1.0 - b->tokens) / per_s;
	w = (uint32_t)s;
	return (double)w < s ? w + 1 : w;
}

bool pol_rate_take(struct pol_bucket *b, const struct conf_policy *pol,
    uint64_t now_ms)
{
	return pol_bucket_take(b, pol->rate_per_s, pol->rate_burst, now_ms);
}

uint32_t pol_rate_wait(const struct pol_bucket *b,
    const struct conf_policy *pol)
{
	return pol_bucket_wait(b, pol->rate_per_s);
}

bool pol_global_take(struct pol_bucket *g, struct pol_bucket *share,
    const struct conf_overload *ov, size_t n_peers, uint64_t now_ms,
    uint32_t *wait)
{
	uint32_t n = n_peers > 0 ? (uint32_t)n_peers : 1;
	uint32_t s_rate = ov->rate_per_s / n, s_burst = ov->rate_burst / 2 / n;

	s_rate = s_rate > 0 ? s_rate : 1;
	s_burst = s_burst > 0 ? s_burst : 1;
	*wait = 0;
	refill(g, ov->rate_per_s, ov->rate_burst, now_ms);
	refill(share, s_rate, s_burst, now_ms);
	if (g->tokens + RATE_EPSILON < 1.0) {
		*wait = pol_bucket_wait(g, ov->rate_per_s);
		return false;
	}
	if (g->tokens < ov->rate_burst / 2.0) {
		if (share->tokens + RATE_EPSILON < 1.0) {
			*wait = pol_bucket_wait(share, s_rate);
			return false;
		}
		share->tokens = share->tokens >= 1.0 ? share->tokens - 1.0 : 0;
	}
	g->tokens = g->tokens >= 1.0 ? g->tokens - 1.0 : 0;
	return true;
}
