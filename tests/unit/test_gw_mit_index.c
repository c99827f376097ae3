/* gateway/mit_index.c: the candidates for an overlap are a superset of the
 * overlapping mitigations, each once; wide ones always come; deleted ones
 * never. Compared with a brute-force dots_scope_overlaps() walk. */
#include <stdlib.h>
#include <string.h>

#include "common/prefix.h"
#include "gateway/state/mit_index.h"
#include "gateway/state/mitigation.h"
#include "unit.h"

#define N 600

static struct mitigation mits[N];
static struct prefix pfx[N];

static void
scope_of(struct dots_scope *s, struct prefix *p, const char *text)
{
	memset(s, 0, sizeof(*s));
	prefix_parse(text, p);
	s->target_prefix = p;
	s->n_target_prefix = 1;
}

static bool
in(struct mitigation **v, size_t n, const struct mitigation *m)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == m)
			return true;
	return false;
}

/* Every mitigation overlapping q is a candidate; none comes twice. */
static int
check_superset(struct mit_index *x, const struct dots_scope *q, size_t *nout)
{
	struct mitigation **v;
	size_t n;
	int bad = 0;

	if (mit_index_near(x, q, &v, &n) != 0)
		return -1;
	for (size_t i = 0; i < N; i++)
		if (mits[i].ix != NULL && dots_scope_overlaps(&mits[i].scope, q)
		    && !in(v, n, &mits[i]))
			bad++;
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (v[i] == v[j])
				bad++;
	free(v);
	*nout = n;
	return bad;
}

int
main(void)
{
	struct mit_index *x = mit_index_new();
	struct dots_scope q;
	struct prefix qp;
	char buf[64];
	size_t n;

	/* host routes in 10.0.0.0/22, some /28s, v6 /64s, one /16 (wide) */
	for (int i = 0; i < N; i++) {
		if (i % 10 == 3)
			snprintf(buf, sizeof(buf), "10.0.%d.%d/28", i % 4,
			    (i * 16) % 256);
		else if (i % 10 == 7)
			snprintf(buf, sizeof(buf), "2001:db8:%x:%x::/64", i % 3,
			    i);
		else
			snprintf(buf, sizeof(buf), "10.0.%d.%d/32", i % 4,
			    i % 256);
		if (i == 5)
			snprintf(buf, sizeof(buf), "10.0.0.0/16");
		scope_of(&mits[i].scope, &pfx[i], buf);
	}
	TEST("mit_index: add files each mitigation") {
		for (int i = 0; i < N; i++)
			CHECK(mit_index_add(x, &mits[i]) == 0 &&
			    mits[i].ix != NULL);
	}
	TEST("mit_index: candidates cover every overlap, once each") {
		const char *qs[] = { "10.0.1.17/32", "10.0.2.0/24",
		    "10.0.3.64/26", "2001:db8:1:7::/64", "2001:db8:2::/48",
		    "10.9.9.9/32", "198.51.100.1/32" };

		for (size_t k = 0; k < sizeof(qs) / sizeof(qs[0]); k++) {
			scope_of(&q, &qp, qs[k]);
			CHECK(check_superset(x, &q, &n) == 0);
			CHECK(n < N / 2);	/* an index, not a walk */
		}
	}
	TEST("mit_index: a wide mitigation is always a candidate") {
		struct mitigation **v;

		scope_of(&q, &qp, "198.51.100.1/32");
		CHECK(mit_index_near(x, &q, &v, &n) == 0);
		CHECK(n == 1 && v[0] == &mits[5]);
		free(v);
	}
	TEST("mit_index: a query shorter than a block is not indexed") {
		struct mitigation **v;

		scope_of(&q, &qp, "10.0.0.0/20");
		CHECK(mit_index_near(x, &q, &v, &n) == 1 && v == NULL);
		q.n_target_prefix = 0;
		CHECK(mit_index_near(x, &q, &v, &n) == 1);
	}
	TEST("mit_index: deleted mitigations are no candidates") {
		struct mitigation **v;

		for (int i = 0; i < N; i += 2)
			mit_index_del(x, &mits[i]);
		CHECK(mits[0].ix == NULL);
		scope_of(&q, &qp, "10.0.1.17/32");
		CHECK(check_superset(x, &q, &n) == 0);
		CHECK(mit_index_near(x, &q, &v, &n) == 0);
		for (size_t i = 0; i < n; i++)
			CHECK((v[i] - mits) % 2 == 1);
		free(v);
		for (int i = 1; i < N; i += 2)
			mit_index_del(x, &mits[i]);
		CHECK(mit_index_near(x, &q, &v, &n) == 0 && n == 0);
		free(v);
	}
	mit_index_free(x);
	return UNIT_EXIT();
}
