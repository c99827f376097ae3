/* Unit tests of policies/rate.c: per-peer and global token buckets. */
#include "policies/rate.h"
#include "unit.h"

static struct conf_policy policy(uint32_t per_s, uint32_t burst)
{
	struct conf_policy p;

	memset(&p, 0, sizeof(p));
	p.rate_per_s = per_s;
	p.rate_burst = burst;
	return p;
}

/* Takes that succeed at now_ms, stopping at the first refusal. */
static int drain(struct pol_bucket *b, const struct conf_policy *p,
    uint64_t now_ms)
{
	int	 n = 0;

	while (n < 10000000 && pol_rate_take(b, p, now_ms))
		n++;
	return n;
}

static void test_burst(void)
{
	struct conf_policy p = policy(10, 20);
	struct pol_bucket b = { 0, 0 };

	/* an unused bucket starts full: exactly burst takes, then 0 */
	CHECK(pol_rate_wait(&b, &p) == 0);
	CHECK(drain(&b, &p, 5000) == 20);
	CHECK(!pol_rate_take(&b, &p, 5000));
	CHECK(pol_rate_wait(&b, &p) == 1);
	/* a refusal takes nothing: 100 ms later one token is there */
	CHECK(!pol_rate_take(&b, &p, 5099));
	CHECK(pol_rate_take(&b, &p, 5100));
	CHECK(!pol_rate_take(&b, &p, 5100));
	/* a long pause refills to burst, not beyond */
	CHECK(drain(&b, &p, 3600000) == 20);
	/* a clock starting at 0 works too (0 counts as 1: "unused") */
	b.tokens = 0;
	b.last_ms = 0;
	CHECK(drain(&b, &p, 0) == 20);
	CHECK(drain(&b, &p, 0) == 0);
	CHECK(!pol_rate_take(&b, &p, 100));
	CHECK(pol_rate_take(&b, &p, 101));
}

static void test_refill(void)
{
	struct conf_policy p = policy(10, 20);
	struct pol_bucket b = { 0, 0 };
	uint64_t	 t;
	int		 n = 0;

	CHECK(drain(&b, &p, 1000) == 20);
	/* 10 a second, over 10 s in 1 ms steps: 100 more, no more */
	for (t = 1001; t <= 11000; t++)
		n += pol_rate_take(&b, &p, t);
	CHECK(n == 100);
	/* a third of a token per 100 ms adds up to whole tokens */
	p = policy(3, 3);
	b.tokens = 0;
	b.last_ms = 1;
	for (t = 100, n = 0; t <= 1000; t += 100)
		n += pol_rate_take(&b, &p, t) ? 1 : 0;
	CHECK(n == 2);
	/* from empty, 0.3 per step: taken at 1400, 1700 and 2000 exactly */
	b.tokens = 0;
	b.last_ms = 1000;
	for (t = 1100, n = 0; t <= 2000; t += 100)
		if (pol_rate_take(&b, &p, t))
			n += (int)t;
	CHECK(n == 1400 + 1700 + 2000);
	/* 1 a second: wait says 1 s until the next token */
	p = policy(1, 1);
	b.tokens = 0;
	b.last_ms = 0;
	CHECK(pol_rate_take(&b, &p, 1000));
	CHECK(!pol_rate_take(&b, &p, 1500));
	CHECK(pol_rate_wait(&b, &p) == 1);
	CHECK(!pol_rate_take(&b, &p, 1999));
	CHECK(pol_rate_take(&b, &p, 2000));
	/* the largest rate: a token per millisecond */
	p = policy(1000000, 1);
	b.tokens = 0;
	b.last_ms = 0;
	CHECK(pol_rate_take(&b, &p, 10));
	CHECK(!pol_rate_take(&b, &p, 10));
	CHECK(pol_rate_take(&b, &p, 11));
}

static void test_clock(void)
{
	struct conf_policy p = policy(1, 2);
	struct pol_bucket b = { 0, 0 };

	CHECK(drain(&b, &p, 10000) == 2);
	/* stepping back credits nothing and restarts from there */
	CHECK(!pol_rate_take(&b, &p, 5000));
	CHECK(b.last_ms == 5000);
	CHECK(!pol_rate_take(&b, &p, 5999));
	CHECK(pol_rate_take(&b, &p, 6000));
	/* a jump of the whole uint64 range refills to burst only */
	CHECK(drain(&b, &p, UINT64_MAX) == 2);
}

static void test_wait(void)
{
	struct conf_policy p = policy(4, 1);
	struct pol_bucket b = { 0, 0 };

	CHECK(pol_rate_take(&b, &p, 1));
	CHECK(!pol_rate_take(&b, &p, 1));
	/* a quarter second is still "1 s" for Max-Age */
	CHECK(pol_rate_wait(&b, &p) == 1);
	b.tokens = 1;
	CHECK(pol_rate_wait(&b, &p) == 0);
	/* a zero rate (not loadable from YAML) never refills */
	p = policy(0, 1);
	b.tokens = 0;
	b.last_ms = 1;
	CHECK(!pol_rate_take(&b, &p, 1000000));
	CHECK(pol_rate_wait(&b, &p) == UINT32_MAX);
}

/* The global bucket: a flooder cannot starve a light peer. */
static void test_global_fair(void)
{
	struct conf_overload ov = { .rate_per_s = 20, .rate_burst = 40 };
	struct pol_bucket g = { 0, 0 }, flood = { 0, 0 }, light = { 0, 0 };
	uint32_t wait;
	int n = 0, light_ok = 0;

	/* alone at t=1s: the upper half (21: 40 down to 19), then its share
	 * (40/2/2 = 10) */
	while (n < 1000 && pol_global_take(&g, &flood, &ov, 2, 1000, &wait))
		n++;
	CHECK(n == 31);
	CHECK(wait == 1);
	/* the light peer still finds the reserve */
	CHECK(pol_global_take(&g, &light, &ov, 2, 1000, &wait));
	/* 10 s of flooding every ms plus a light request every 500 ms:
	 * the light peer every time, the flooder the rest (at least its
	 * share of 10/s, at most the global 20/s) */
	n = 0;
	for (uint64_t t = 1001; t <= 11000; t++) {
		if (pol_global_take(&g, &flood, &ov, 2, t, &wait))
			n++;
		if (t % 500 == 0 && pol_global_take(&g, &light, &ov, 2, t,
		    &wait))
			light_ok++;
	}
	CHECK(light_ok == 20);
	CHECK(n >= 100 && n <= 200);
	/* uncontended again after a pause: a full burst for anyone */
	n = 0;
	while (n < 1000 && pol_global_take(&g, &light, &ov, 2, 100000, &wait))
		n++;
	CHECK(n >= 20 + 10);
	/* one peer, tiny burst: the share is at least one token */
	ov.rate_per_s = 1;
	ov.rate_burst = 1;
	memset(&g, 0, sizeof(g));
	memset(&flood, 0, sizeof(flood));
	CHECK(pol_global_take(&g, &flood, &ov, 1, 5, &wait));
	CHECK(!pol_global_take(&g, &flood, &ov, 1, 5, &wait));
	CHECK(wait == 1);
}

int main(void)
{
	TEST("rate: starts full at burst") test_burst();
	TEST("rate: refill per elapsed ms") test_refill();
	TEST("rate: clock steps") test_clock();
	TEST("rate: wait") test_wait();
	TEST("rate: global bucket shared fairly") test_global_fair();
	return UNIT_EXIT();
}
