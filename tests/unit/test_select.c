/* Unit tests of policies/select.c: each strategy, its fallback, the
 * per-target rules, the RFC 9066 source-prefix of a request, reasons. */
#include <stdlib.h>

#include <cbor.h>

#include "policies/decide.h"
#include "policies/select.h"
#include "unit.h"

#define G	1000000000ULL

static struct prefix pfx(const char *s)
{
	struct prefix p;

	CHECK(prefix_parse(s, &p) == 0);
	return p;
}

static struct prefix serves_b[1], serves_c[1], src_b[1], src_c[2];
static struct pol_candidate cand[3];

/* b, c, d in that order, all up, nothing placed; c serves and is near
 * 203.0.113.0/24 and 2001:db8:99::/48, b 192.0.2.0/24 and 198.51.100/24 */
static void reset(void)
{
	memset(cand, 0, sizeof(cand));
	serves_b[0] = pfx("192.0.2.0/24");
	serves_c[0] = pfx("203.0.113.0/24");
	src_b[0] = pfx("198.51.100.0/24");
	src_c[0] = pfx("203.0.113.0/24");
	src_c[1] = pfx("2001:db8:99::/48");
	cand[0] = (struct pol_candidate){ .name = "b", .up = true,
	    .capacity_known = true, .headroom_bps = 5 * G,
	    .serves = serves_b, .n_serves = 1, .sources = src_b,
	    .n_sources = 1 };
	cand[1] = (struct pol_candidate){ .name = "c", .up = true,
	    .capacity_known = true, .headroom_bps = 20 * G,
	    .serves = serves_c, .n_serves = 1, .sources = src_c,
	    .n_sources = 2 };
	cand[2] = (struct pol_candidate){ .name = "d", .up = true };
}

static struct conf_select sel_of(enum conf_strategy s, enum conf_strategy fb)
{
	struct conf_select sel;

	memset(&sel, 0, sizeof(sel));
	sel.strategy = s;
	sel.fallback = fb;
	return sel;
}

/* A request for target with the given sources, 10 Gbit/s. */
static struct prefix req_target;
static void req(struct pol_request *rq, const char *target,
    const char *s1, const char *s2)
{
	memset(rq, 0, sizeof(*rq));
	req_target = pfx(target);
	rq->targets = &req_target;
	rq->n_targets = 1;
	if (s1 != NULL)
		rq->sources[rq->n_sources++] = pfx(s1);
	if (s2 != NULL)
		rq->sources[rq->n_sources++] = pfx(s2);
	rq->bps = 10 * G;
	rq->pps = 1000;
}

static void test_all(void)
{
	struct conf_select sel = sel_of(SEL_ALL, SEL_ALL);
	struct pol_request rq;
	struct pol_selection s;

	reset();
	req(&rq, "192.0.2.1/32", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 3 && s.idx[0] == 0 && s.idx[1] == 1 && s.idx[2] == 2);
	CHECK_STR(s.reason, "all: b, c, d");
	cand[1].up = false;
	cand[2].failed = true;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	cand[0].up = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 0);
	CHECK_STR(s.reason, "all: no candidate up");
	cand[0].failed = cand[1].failed = true;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK_STR(s.reason, "all: every candidate refused or was lost");
	pol_select(&sel, cand, 0, &rq, &s);
	CHECK_STR(s.reason, "all: no candidate upstream up");
}

static void test_failover(void)
{
	struct conf_select sel = sel_of(SEL_FAILOVER, SEL_ALL);
	struct pol_request rq;
	struct pol_selection s;

	reset();
	req(&rq, "192.0.2.1/32", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	CHECK_STR(s.reason, "failover: b");
	/* configured order */
	strv_push(&sel.upstreams, "c");
	strv_push(&sel.upstreams, "b");
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1);
	/* c refuses: b, the next in order */
	cand[1].failed = true;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	CHECK_STR(s.reason, "failover: 1 earlier unavailable; b");
	/* b holds it; c comes back: b keeps it (no duplicate) */
	cand[0].placed = true;
	cand[1].failed = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	CHECK_STR(s.reason, "failover: kept the holder b");
	/* b lost too, c down: d is not in the list, nobody: the chain ends */
	cand[0].placed = false;
	cand[0].failed = true;
	cand[1].up = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 0);
	CHECK_STR(s.reason, "failover: no candidate up");
	cand[1].failed = true;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK_STR(s.reason, "failover: every candidate refused or was lost");
	strv_free(&sel.upstreams);
	/* without a list every candidate in order: d */
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 2);
	CHECK_STR(s.reason, "failover: 2 earlier unavailable; d");
}

static void test_capacity(void)
{
	struct conf_select sel = sel_of(SEL_CAPACITY, SEL_ALL);
	struct pol_request rq;
	struct pol_selection s;

	reset();
	req(&rq, "192.0.2.1/32", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1);
	CHECK_STR(s.reason, "capacity: most headroom (20000000000 bit/s) c");
	/* what we placed at c counts: b has more left now */
	cand[1].headroom_bps = 4 * G;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	CHECK_STR(s.reason, "capacity: most headroom (5000000000 bit/s, less "
	    "than the attack) b");
	/* equal bit/s: packets decide */
	cand[1].headroom_bps = 5 * G;
	cand[1].headroom_pps = 10;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1);
	/* refused: the next best; unknown capacity is last */
	cand[1].failed = true;
	cand[0].up = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 2);
	/* a holder is kept */
	cand[0].up = true;
	cand[2].placed = true;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 2);
	CHECK_STR(s.reason, "capacity: kept the holder d");
}

static void test_prefix(void)
{
	struct conf_select sel = sel_of(SEL_PREFIX, SEL_ALL);
	struct pol_request rq;
	struct pol_selection s;

	reset();
	req(&rq, "192.0.2.16/28", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0);
	CHECK_STR(s.reason, "prefix: b");
	/* a source that c serves */
	req(&rq, "100.64.0.1/32", "203.0.113.9/32", NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1);
	/* a target only partly served is not served */
	req(&rq, "192.0.0.0/16", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 3 && s.strategy == SEL_ALL);
	CHECK_STR(s.reason, "prefix: no upstream up serves the targets; "
	    "fallback all: b, c, d");
	sel.fallback = SEL_NONE;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 0 && s.strategy == SEL_NONE);
	CHECK_STR(s.reason, "prefix: no upstream up serves the targets; "
	    "fallback none: nobody");
	/* the server that is down does not count */
	sel.fallback = SEL_FAILOVER;
	req(&rq, "192.0.2.16/28", NULL, NULL);
	cand[0].up = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1 && s.strategy == SEL_FAILOVER);
}

static void test_near_source(void)
{
	struct conf_select sel = sel_of(SEL_NEAR_SOURCE, SEL_FAILOVER);
	struct pol_request rq;
	struct pol_selection s;

	reset();
	req(&rq, "192.0.2.1/32", "203.0.113.0/25", NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1);
	CHECK_STR(s.reason, "near-source: c");
	/* sources near two upstreams: both */
	req(&rq, "192.0.2.1/32", "198.51.100.7/32", "2001:db8:99:1::/64");
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 2 && s.idx[0] == 0 && s.idx[1] == 1);
	CHECK_STR(s.reason, "near-source: b, c");
	/* no source information: the fallback */
	req(&rq, "192.0.2.1/32", NULL, NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 0 && s.strategy == SEL_FAILOVER);
	CHECK_STR(s.reason, "near-source: no source-prefix in the request; "
	    "fallback failover: b");
	/* sources nobody is near */
	req(&rq, "192.0.2.1/32", "10.0.0.0/8", NULL);
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK_STR(s.reason, "near-source: no upstream up is near the "
	    "sources; fallback failover: b");
	/* a source wider than what c is near to is not near c */
	req(&rq, "192.0.2.1/32", "203.0.0.0/16", NULL);
	cand[0].up = false;
	pol_select(&sel, cand, 3, &rq, &s);
	CHECK(s.n == 1 && s.idx[0] == 1 && s.strategy == SEL_FAILOVER);
}

static void test_rule(void)
{
	struct conf_policy pol;
	struct conf_select_target t[2];
	struct pol_request rq;

	memset(&pol, 0, sizeof(pol));
	memset(t, 0, sizeof(t));
	pol.select.strategy = SEL_ALL;
	t[0].prefix = pfx("192.0.2.0/25");
	t[0].sel.strategy = SEL_FAILOVER;
	t[1].prefix = pfx("192.0.2.0/24");
	t[1].sel.strategy = SEL_NEAR_SOURCE;
	pol.select_by_target = t;
	pol.n_select_by_target = 2;
	req(&rq, "192.0.2.1/32", NULL, NULL);
	CHECK(pol_select_rule(&pol, &rq) == &t[0].sel);
	req(&rq, "192.0.2.200/32", NULL, NULL);
	CHECK(pol_select_rule(&pol, &rq) == &t[1].sel);
	/* every target must lie inside */
	req(&rq, "192.0.2.0/24", NULL, NULL);
	CHECK(pol_select_rule(&pol, &rq) == &t[1].sel);
	req(&rq, "198.51.100.1/32", NULL, NULL);
	CHECK(pol_select_rule(&pol, &rq) == &pol.select);
	rq.n_targets = 0;	/* names only */
	CHECK(pol_select_rule(&pol, &rq) == &pol.select);
}

/* source-prefix (32768) as the codec keeps it: raw CBOR in scope.opt */
static void set_opt(struct dots_scope *sc, cbor_item_t *it)
{
	static uint8_t *buf;
	size_t	 size = 0;

	free(buf);
	buf = NULL;
	sc->opt.n = 1;
	sc->opt.v[0].key = 32768;
	sc->opt.v[0].len = cbor_serialize_alloc(it, &buf, &size);
	sc->opt.v[0].cbor = buf;
	cbor_decref(&it);
}

static void test_request_of(void)
{
	struct dots_opt o;
	struct dots_scope sc;
	struct prefix tp = pfx("192.0.2.0/28");
	struct pol_request rq;
	cbor_item_t *a;

	memset(&sc, 0, sizeof(sc));
	sc.target_prefix = &tp;
	sc.n_target_prefix = 1;
	sc.opt.v = &o;
	pol_request_of(&sc, 7, 8, &rq);
	CHECK(rq.n_targets == 1 && rq.n_sources == 0 && rq.bps == 7 &&
	    rq.pps == 8);
	a = cbor_new_definite_array(3);
	cbor_array_push(a, cbor_move(cbor_build_string("203.0.113.0/24")));
	cbor_array_push(a, cbor_move(cbor_build_string("not a prefix")));
	cbor_array_push(a, cbor_move(cbor_build_string("2001:db8::1")));
	set_opt(&sc, a);
	pol_request_of(&sc, 0, 0, &rq);
	CHECK(rq.n_sources == 2);
	CHECK(prefix_equal(&rq.sources[0], &(struct prefix){ 0 }) == false);
	CHECK(rq.sources[1].len == 128);
	/* one string, not an array */
	set_opt(&sc, cbor_build_string("198.51.100.0/24"));
	pol_request_of(&sc, 0, 0, &rq);
	CHECK(rq.n_sources == 1 && rq.sources[0].len == 24);
	/* wrong types: none */
	set_opt(&sc, cbor_build_uint8(5));
	pol_request_of(&sc, 0, 0, &rq);
	CHECK(rq.n_sources == 0);
	/* more than POL_MAX_SOURCES: the first ones */
	a = cbor_new_definite_array(40);
	for (int i = 0; i < 40; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.0.%d.0/24", i);
		cbor_array_push(a, cbor_move(cbor_build_string(s)));
	}
	set_opt(&sc, a);
	pol_request_of(&sc, 0, 0, &rq);
	CHECK(rq.n_sources == POL_MAX_SOURCES);
	set_opt(&sc, cbor_build_uint8(0));
	pol_request_of(NULL, 1, 2, &rq);
	CHECK(rq.n_targets == 0 && rq.n_sources == 0 && rq.bps == 1);
}

/* The strategy in a loaded config, through pol_decide. */
static void test_decide(void)
{
	static const char config[] =
	    "credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n"
	    "capacity: { bps: 1000, pps: 1000 }\n"
	    "peers:\n"
	    "  - name: cust\n"
	    "    psk-identity: cust\n"
	    "    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24]\n"
	    "    select: { strategy: failover, upstreams: [isp-c, isp-b] }\n"
	    "    select-by-target:\n"
	    "      - { prefix: 192.0.2.128/25, strategy: capacity }\n"
	    "  - name: isp-b\n"
	    "    upstream: { address: 192.0.2.11, capacity: { bps: 900 } }\n"
	    "  - name: isp-c\n"
	    "    upstream: { address: 192.0.2.12, capacity: { bps: 800 },"
	    " serves: [192.0.2.0/24], sources: [10.0.0.0/8] }\n";
	struct conf *conf;
	char err[CONF_ERRLEN];
	struct pol_upstream up[2];
	struct pol_decision d;
	struct pol_request rq;
	struct pol_volume v = { 5000, 1, true };
	struct pol_usage u = { 0, 0, 0 };
	const struct conf_peer *cust;

	if (conf_load_string("sel.yaml", config, sizeof(config) - 1, &conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("  %s\n", err);
		CHECK(0);
		return;
	}
	cust = conf_peer_by_name(conf, "cust");
	CHECK(cust->policy.select.strategy == SEL_FAILOVER);
	CHECK(cust->policy.select.upstreams.n == 2);
	CHECK(conf_peer_by_name(conf, "isp-c")->up.n_serves == 1);
	CHECK(conf_peer_by_name(conf, "isp-c")->up.n_sources == 1);
	memset(up, 0, sizeof(up));
	up[0].peer = conf_peer_by_name(conf, "isp-b");
	up[0].up = true;
	up[1].peer = conf_peer_by_name(conf, "isp-c");
	up[1].up = true;
	req(&rq, "192.0.2.1/32", NULL, NULL);
	pol_decide(cust, &v, &conf->capacity, &u, up, 2, &rq, &d);
	CHECK(d.n_up == 1 && d.up[0] == 1 && d.strategy == SEL_FAILOVER);
	CHECK_STR(d.reason, "upstream: 5 kbit/s exceeds local free 1 kbit/s; "
	    "failover: isp-c");
	up[1].failed = true;
	pol_decide(cust, &v, &conf->capacity, &u, up, 2, &rq, &d);
	CHECK(d.n_up == 1 && d.up[0] == 0);
	up[0].failed = true;
	pol_decide(cust, &v, &conf->capacity, &u, up, 2, &rq, &d);
	CHECK(d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	CHECK_STR(d.reason, "exceeded: 5 kbit/s exceeds local free 1 kbit/s; "
	    "failover: every candidate refused or was lost");
	/* the upper half: capacity, minus what we placed at isp-b */
	up[0].failed = up[1].failed = false;
	req(&rq, "192.0.2.200/32", NULL, NULL);
	pol_decide(cust, &v, &conf->capacity, &u, up, 2, &rq, &d);
	CHECK(d.n_up == 1 && d.up[0] == 0 && d.strategy == SEL_CAPACITY);
	up[0].placed_use.bps = 200;
	pol_decide(cust, &v, &conf->capacity, &u, up, 2, &rq, &d);
	CHECK(d.n_up == 1 && d.up[0] == 1);
	conf_free(conf);
}

static void count_warn(void *arg, const char *msg)
{
	int	*n = arg;

	if (strstr(msg, "peers[0].select-by-target[0].strategy: no candidate "
	    "upstream declares serves: every request takes the fallback") !=
	    NULL)
		(*n)++;
}

/* A prefix strategy without any serves: loads, with a warning. */
static void test_conf_warning(void)
{
	static const char config[] =
	    "credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n"
	    "peers:\n"
	    "  - name: cust\n"
	    "    psk-identity: cust\n"
	    "    psk-key: k\n"
	    "    prefixes: [192.0.2.0/24]\n"
	    "    select: { strategy: near-source }\n"
	    "    select-by-target:\n"
	    "      - { prefix: 192.0.2.0/25, strategy: prefix }\n"
	    "  - name: isp-b\n"
	    "    upstream: { address: 192.0.2.11, sources: [10.0.0.0/8] }\n";
	struct conf *conf;
	char err[CONF_ERRLEN];
	int	 n = 0;

	CHECK(conf_load_string("w.yaml", config, sizeof(config) - 1, &conf,
	    err, sizeof(err), count_warn, &n) == 0);
	CHECK(n == 1);
	conf_free(conf);
}

int main(void)
{
	TEST("select: all") test_all();
	TEST("select: failover in order, holder kept, chain ends")
		test_failover();
	TEST("select: capacity headroom") test_capacity();
	TEST("select: prefix and its fallback") test_prefix();
	TEST("select: near-source") test_near_source();
	TEST("select: select-by-target rule") test_rule();
	TEST("select: RFC 9066 source-prefix of a request") test_request_of();
	TEST("select: through pol_decide with a config") test_decide();
	TEST("select: prefix strategy without serves: warns")
		test_conf_warning();
	return UNIT_EXIT();
}
