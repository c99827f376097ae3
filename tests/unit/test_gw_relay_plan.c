/*
 * Unit tests of gateway/relay/plan.c: the decision for a new request
 * (local when our capacity allows, upstream when it does not, offloaded
 * when our mitigator is offloading) and the loop checks (our node id on
 * the relay path, Hop-Limit exhausted: 5.08 naming our node id). Built
 * on a minimal struct gw: an event base, a configuration, upstreams
 * without sessions (only "up" matters to the plan), no mitigator (every
 * request is admissible locally) unless the test offloads.
 *
 * The peer's request rate (5.03) is not the plan's: the downstream
 * checks it for every request, before a plan (mitigate.c).
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "common/conf.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/relay/relay.h"
#include "gateway/upstream/upstream.h"
#include "unit.h"
#include "unit_request.h"

/* 1 Gbit/s of capacity; a request without attack information counts as
 * 600 Mbit/s, so one fits and two do not. */
static const char config[] =
    "node-id: gw-a\n"
    "credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n"
    "capacity: { bps: 1000000000, pps: 1000000, rules: 10,"
    " default-attack-bps: 600000000, default-attack-pps: 1000 }\n"
    "offload: { high: 80, low: 50 }\n"
    "peers:\n"
    "  - { name: cust, psk-identity: cust, psk-key: k,"
    " prefixes: [192.0.2.0/24] }\n"
    "  - { name: isp-b, upstream: { address: 192.0.2.11 } }\n"
    "  - { name: isp-c, upstream: { address: 192.0.2.12 } }\n";

static const char request[] =
    "{\"ietf-dots-signal-channel:mitigation-scope\": {\"scope\": ["
    "{\"target-prefix\": [\"192.0.2.1/32\"], \"lifetime\": 3600}]}}";

static struct gw gw;
static struct upstream ups[2];
static struct upstream *upv[2] = { &ups[0], &ups[1] };

static void
setup(void)
{
	char err[CONF_ERRLEN] = "";

	memset(&gw, 0, sizeof(gw));
	gw.base = event_base_new();
	if (conf_load_string("t.yaml", config, strlen(config), &gw.conf, err,
	    sizeof(err), NULL, NULL) == -1) {
		printf("  conf: %s\n", err);
		exit(1);
	}
	for (size_t i = 0; i < 2; i++) {
		memset(&ups[i], 0, sizeof(ups[i]));
		ups[i].gw = &gw;
		ups[i].peer = conf_peer_by_name(gw.conf, i == 0 ? "isp-b" :
		    "isp-c");
		ups[i].up = true;
		TAILQ_INIT(&ups[i].placements);
	}
	gw.ups = upv;
	gw.n_ups = 2;
}

static void
teardown(void)
{
	conf_free(gw.conf);
	event_base_free(gw.base);
}

/* The scope of the request, with a relay path of ids (NULL: none). */
static void
scope(struct dots_mitigation *m, const char *const *ids, size_t n)
{
	cbor_item_t *a;
	struct dots_opt o = { 0 };
	unsigned char *buf = NULL;
	size_t size = 0;

	CHECK(unit_request(request, m) == 0);
	if (ids == NULL)
		return;
	a = cbor_new_definite_array(n);
	for (size_t i = 0; i < n; i++)
		CHECK(cbor_array_push(a, cbor_move(cbor_build_string(ids[i]))));
	o.key = DOTSGW_KEY_RELAY_PATH;
	o.len = cbor_serialize_alloc(a, &buf, &size);
	o.cbor = buf;
	CHECK(o.len > 0 && dots_optv_set(&m->scope[0].opt, &o) == 0);
	free(buf);
	cbor_decref(&a);
}

static struct relay_request
req(uint32_t hop_limit)
{
	struct relay_request r = { 0 };

	r.peer = conf_peer_by_name(gw.conf, "cust");
	r.cuid = "c1";
	r.mid = 7;
	r.hop_limit = hop_limit;
	r.cdid = "cred-hash";
	return r;
}

/* relay_plan on a request with path ids and hop_limit. */
static int
plan_for(const char *const *ids, size_t n, uint32_t hop_limit,
    struct relay_plan *p, struct dots_err *err)
{
	struct dots_mitigation m;
	struct relay_request r = req(hop_limit);
	int rc;

	scope(&m, ids, n);
	memset(err, 0, sizeof(*err));
	rc = relay_plan(&gw, &r, &m.scope[0], p, err);
	dots_mitigation_free(&m);
	return rc;
}

static void
test_local(void)
{
	struct relay_plan p;
	struct dots_err err;

	memset(&gw.local_usage, 0, sizeof(gw.local_usage));
	/* Hop-Limit 1 is no obstacle: it stays here */
	CHECK(plan_for(NULL, 0, 1, &p, &err) == 0);
	CHECK(p.decision.local);
	CHECK(p.decision.n_up == 0);
	CHECK(!p.offloaded);
	CHECK(p.vol.bps == 600000000);
	CHECK(p.hop_limit == 0);	/* not going anywhere */
	CHECK(p.path.n == 1);
	CHECK_STR(p.path.n == 1 ? p.path.v[0] : NULL, "gw-a");
	CHECK_STR(p.cdid, "cred-hash");
	relay_plan_free(&p);
}

static void
test_upstream(void)
{
	static const char *const ids[] = { "gw-x", "gw-y" };
	struct relay_plan p;
	struct dots_err err;

	/* 600 Mbit/s held locally: another 600 does not fit */
	memset(&gw.local_usage, 0, sizeof(gw.local_usage));
	gw.local_usage.bps = 600000000;
	CHECK(plan_for(ids, 2, 5, &p, &err) == 0);
	CHECK(!p.decision.local);
	CHECK(p.decision.n_up == 2);	/* default: every upstream up */
	CHECK(p.decision.n_up == 2 && p.cand_us[p.decision.up[0]] == &ups[0]
	    && p.cand_us[p.decision.up[1]] == &ups[1]);
	CHECK(!p.offloaded);
	CHECK(p.hop_limit == 5);	/* as received: libcoap decrements */
	CHECK(p.path.n == 3);
	CHECK_STR(p.path.n == 3 ? p.path.v[0] : NULL, "gw-x");
	CHECK_STR(p.path.n == 3 ? p.path.v[2] : NULL, "gw-a");
	relay_plan_free(&p);

	/* one upstream down: only the other */
	ups[0].up = false;
	CHECK(plan_for(NULL, 0, 0, &p, &err) == 0);
	CHECK(p.decision.n_up == 1);
	CHECK(p.decision.n_up == 1 && p.cand_us[p.decision.up[0]] == &ups[1]);
	CHECK(p.hop_limit == 0);	/* none received */
	relay_plan_free(&p);

	/* both down: nothing takes it, and that is no error */
	ups[1].up = false;
	CHECK(plan_for(NULL, 0, 0, &p, &err) == 0);
	CHECK(!p.decision.local && p.decision.n_up == 0);
	CHECK(p.decision.status == DOTS_STATUS_EXCEEDED);
	relay_plan_free(&p);
	ups[0].up = ups[1].up = true;
}

static void
test_loop(void)
{
	static const char *const looped[] = { "gw-x", "gw-a", "gw-y" };
	struct relay_plan p;
	struct dots_err err;

	/* our id on the path: 5.08 whatever we would do with it */
	memset(&gw.local_usage, 0, sizeof(gw.local_usage));
	CHECK(plan_for(looped, 3, 0, &p, &err) == -1);
	CHECK(err.coap == 508);
	CHECK_STR(err.msg, "gw-a");
	CHECK(p.path.n == 0);		/* freed */

	/* Hop-Limit exhausted matters only on the way upstream */
	gw.local_usage.bps = 600000000;
	CHECK(plan_for(NULL, 0, 1, &p, &err) == -1);
	CHECK(err.coap == 508);
	CHECK_STR(err.msg, "gw-a");
	CHECK(plan_for(NULL, 0, 2, &p, &err) == 0);
	CHECK(p.decision.n_up == 2 && p.hop_limit == 2);
	relay_plan_free(&p);
}

static void
test_malformed_path(void)
{
	struct dots_mitigation m;
	struct relay_request r = req(0);
	struct relay_plan p;
	struct dots_err err = { 0 };
	const uint8_t notarray[] = { 0x01 };	/* CBOR unsigned 1 */
	struct dots_opt o = { DOTSGW_KEY_RELAY_PATH, (uint8_t *)notarray,
	    sizeof(notarray) };

	scope(&m, NULL, 0);
	CHECK(dots_optv_set(&m.scope[0].opt, &o) == 0);
	CHECK(relay_plan(&gw, &r, &m.scope[0], &p, &err) == -1);
	CHECK(err.coap == 400);
	CHECK_STR(err.msg, "malformed relay path (key 49152)");
	dots_mitigation_free(&m);
}

static void
test_offloaded(void)
{
	struct mitigator *mg = calloc(1, sizeof(*mg));
	struct relay_plan p;
	struct dots_err err;

	/* it would fit, but our mitigator is offloading: upstream */
	memset(&gw.local_usage, 0, sizeof(gw.local_usage));
	mg->gw = &gw;
	mg->offload.active = true;
	gw.mitig = mg;
	CHECK(plan_for(NULL, 0, 0, &p, &err) == 0);
	CHECK(!p.decision.local);
	CHECK(p.decision.n_up == 2);
	CHECK(p.offloaded);
	relay_plan_free(&p);

	/* offloading, and no upstream: nothing takes it, still offloaded */
	ups[0].up = ups[1].up = false;
	CHECK(plan_for(NULL, 0, 0, &p, &err) == 0);
	CHECK(!p.decision.local && p.decision.n_up == 0);
	CHECK(p.offloaded);
	relay_plan_free(&p);
	ups[0].up = ups[1].up = true;

	/* offload over: local again */
	mg->offload.active = false;
	gw.mitig = NULL;
	CHECK(plan_for(NULL, 0, 0, &p, &err) == 0);
	CHECK(p.decision.local && !p.offloaded);
	relay_plan_free(&p);
	free(mg);
}

int
main(void)
{
	setup();
	TEST("relay plan: local when the capacity allows") test_local();
	TEST("relay plan: upstream when it does not") test_upstream();
	TEST("relay plan: 5.08 on a loop or an exhausted Hop-Limit")
		test_loop();
	TEST("relay plan: 4.00 on a malformed relay path")
		test_malformed_path();
	TEST("relay plan: offloaded") test_offloaded();
	teardown();
	return UNIT_EXIT();
}
