/* Unit tests of policies/decide.c: local, upstream or exceeded, and why. */
#include <stdlib.h>

#include "policies/decide.h"
#include "unit.h"

static const char config[] =
    "credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n"
    "capacity: { bps: 10000000000, pps: 10000000, rules: 3 }\n"
    "peers:\n"
    "  - { name: cust, psk-identity: cust, psk-key: k,"
    " prefixes: [192.0.2.0/24] }\n"
    "  - { name: only-c, psk-identity: oc, psk-key: k,"
    " prefixes: [192.0.2.0/24], upstreams: [isp-c] }\n"
    "  - { name: no-local, psk-identity: nl, psk-key: k,"
    " prefixes: [192.0.2.0/24], actions: [upstream] }\n"
    "  - { name: no-relay, psk-identity: nr, psk-key: k,"
    " prefixes: [192.0.2.0/24], actions: [local] }\n"
    "  - { name: isp-b, upstream: { address: 192.0.2.11 } }\n"
    "  - { name: isp-c, upstream: { address: 192.0.2.12 } }\n"
    "  - name: mesh\n"
    "    cert-name: mesh.example\n"
    "    prefixes: [198.51.100.0/24]\n"
    "    upstream: { address: 192.0.2.13 }\n";

static struct conf *conf;
static struct pol_upstream cand[3];

#define G	1000000000ULL

static const struct conf_peer *peer(const char *name)
{
	const struct conf_peer *p = conf_peer_by_name(conf, name);

	CHECK(p != NULL);
	return p;
}

/* b, c, mesh up or down */
static void set_up(bool b, bool c, bool m)
{
	cand[0].peer = peer("isp-b");
	cand[0].up = b;
	cand[1].peer = peer("isp-c");
	cand[1].up = c;
	cand[2].peer = peer("mesh");
	cand[2].up = m;
}

/* Decide for name with bps/pps against 2 Gbit/s, 1 Mpkt/s, 1 rule used. */
static void decide(const char *name, uint64_t bps, uint64_t pps,
    struct pol_decision *d)
{
	struct pol_volume v = { bps, pps, true };
	struct pol_usage u = { 2 * G, 1000000, 1 };

	pol_decide(peer(name), &v, &conf->capacity, &u, cand, 3, NULL, d);
}

static void test_local(void)
{
	struct pol_decision d;

	set_up(true, true, true);
	decide("cust", 2 * G, 1000, &d);
	CHECK(d.local && d.n_up == 0 && d.status == 0);
	CHECK_STR(d.reason, "local: 2 Gbit/s fits 8 Gbit/s free");
	/* exactly what is free still fits */
	decide("cust", 8 * G, 9000000, &d);
	CHECK(d.local && d.n_up == 0);
	CHECK_STR(d.reason, "local: 8 Gbit/s fits 8 Gbit/s free");
	/* with no upstream at all, small stays local */
	pol_decide(peer("cust"), &(struct pol_volume){ 1500000000, 1, true },
	    &conf->capacity, &(struct pol_usage){ 0, 0, 0 }, NULL, 0, NULL, &d);
	CHECK(d.local && d.status == 0);
	CHECK_STR(d.reason, "local: 1.5 Gbit/s fits 10 Gbit/s free");
	/* a mesh peer may ask too */
	decide("mesh", 1 * G, 1, &d);
	CHECK(d.local);
}

static void test_upstream(void)
{
	struct pol_decision d;

	/* big goes to every upstream that is up, never to the requester */
	set_up(true, true, true);
	decide("cust", 12 * G, 1000, &d);
	CHECK(!d.local && d.status == 0);
	CHECK(d.n_up == 3 && d.up[0] == 0 && d.up[1] == 1 && d.up[2] == 2);
	CHECK_STR(d.reason, "upstream: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " relayed to isp-b, isp-c, mesh");
	decide("mesh", 12 * G, 1000, &d);
	CHECK(d.n_up == 2 && d.up[0] == 0 && d.up[1] == 1);
	CHECK_STR(d.reason, "upstream: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " relayed to isp-b, isp-c");
	/* only those up */
	set_up(false, true, false);
	decide("cust", 12 * G, 1000, &d);
	CHECK(d.n_up == 1 && d.up[0] == 1);
	CHECK_STR(d.reason, "upstream: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " relayed to isp-c");
	/* the requester's upstreams list */
	set_up(true, true, true);
	decide("only-c", 12 * G, 1000, &d);
	CHECK(d.n_up == 1 && d.up[0] == 1);
	set_up(true, false, true);
	decide("only-c", 12 * G, 1000, &d);
	CHECK(d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	CHECK_STR(d.reason, "exceeded: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " no upstream up");
	/* packets, not bits, may be what does not fit */
	set_up(true, true, true);
	decide("cust", 1 * G, 9500000, &d);
	CHECK(!d.local && d.n_up == 3);
	CHECK_STR(d.reason, "upstream: 9.5 Mpkt/s exceeds local free 9 Mpkt/s;"
	    " relayed to isp-b, isp-c, mesh");
	/* or the number of rules */
	{
		struct pol_volume v = { 1, 1, true };
		struct pol_usage u = { 0, 0, 3 };

		pol_decide(peer("cust"), &v, &conf->capacity, &u, cand, 3, NULL,
		    &d);
		CHECK(!d.local && d.n_up == 3);
		CHECK_STR(d.reason, "upstream: local rules full (3 of 3); "
		    "relayed to isp-b, isp-c, mesh");
		u.rules = 2;
		pol_decide(peer("cust"), &v, &conf->capacity, &u, cand, 3, NULL,
		    &d);
		CHECK(d.local);
	}
	/* actions: [upstream] sends even the small ones away */
	decide("no-local", 1000, 1, &d);
	CHECK(!d.local && d.n_up == 3);
	CHECK_STR(d.reason, "upstream: local mitigation not allowed for "
	    "no-local; relayed to isp-b, isp-c, mesh");
}

static void test_exceeded(void)
{
	struct pol_decision d;
	struct pol_upstream bad[3];

	/* no upstream up */
	set_up(false, false, false);
	decide("cust", 12 * G, 1000, &d);
	CHECK(!d.local && d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	CHECK_STR(d.reason, "exceeded: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " no upstream up");
	/* the only one up is the requester itself */
	set_up(false, false, true);
	decide("mesh", 12 * G, 1000, &d);
	CHECK(d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	/* actions: [local] never relays */
	set_up(true, true, true);
	decide("no-relay", 12 * G, 1000, &d);
	CHECK(!d.local && d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	CHECK_STR(d.reason, "exceeded: 12 Gbit/s exceeds local free 8 Gbit/s;"
	    " relaying not allowed");
	decide("no-relay", 1 * G, 1000, &d);
	CHECK(d.local && d.status == 0);
	/* no candidates; candidates that are not upstream peers */
	pol_decide(peer("cust"), &(struct pol_volume){ 20 * G, 1, false },
	    &conf->capacity, &(struct pol_usage){ 0, 0, 0 }, NULL, 0, NULL, &d);
	CHECK(d.status == DOTS_STATUS_EXCEEDED);
	CHECK_STR(d.reason, "exceeded: 20 Gbit/s exceeds local free 10 "
	    "Gbit/s; no upstream configured for it");
	bad[0].peer = peer("cust");
	bad[0].up = true;
	bad[1].peer = NULL;
	bad[1].up = true;
	bad[2].peer = peer("no-local");
	bad[2].up = true;
	pol_decide(peer("mesh"), &(struct pol_volume){ 20 * G, 1, false },
	    &conf->capacity, &(struct pol_usage){ 0, 0, 0 }, bad, 3, NULL, &d);
	CHECK(d.n_up == 0 && d.status == DOTS_STATUS_EXCEEDED);
	/* a zero capacity takes nothing, not even 1 bit/s */
	{
		struct conf_capacity zero = { 0, 0, 0, 0, 0 };

		set_up(false, false, false);
		pol_decide(peer("cust"), &(struct pol_volume){ 1, 0, false },
		    &zero, &(struct pol_usage){ 0, 0, 0 }, cand, 3, NULL, &d);
		CHECK(!d.local && d.status == DOTS_STATUS_EXCEEDED);
		CHECK_STR(d.reason, "exceeded: 1 bit/s exceeds local free "
		    "0 bit/s; no upstream up");
	}
}

/* Many upstreams with long names: at most POL_MAX_UPSTREAMS, reason cut. */
static void test_many(void)
{
	struct pol_upstream many[POL_MAX_UPSTREAMS + 8];
	struct conf_peer ups[POL_MAX_UPSTREAMS + 8];
	char		 names[POL_MAX_UPSTREAMS + 8][80];
	struct pol_decision d;
	size_t		 i;

	memset(ups, 0, sizeof(ups));
	for (i = 0; i < POL_MAX_UPSTREAMS + 8; i++) {
		snprintf(names[i], sizeof(names[i]), "upstream-with-a-rather-"
		    "long-name-number-%zu", i);
		ups[i].name = names[i];
		ups[i].roles = PEER_UPSTREAM;
		many[i].peer = &ups[i];
		many[i].up = i != 0;
	}
	pol_decide(peer("cust"), &(struct pol_volume){ 20 * G, 1, false },
	    &conf->capacity, &(struct pol_usage){ 0, 0, 0 }, many,
	    POL_MAX_UPSTREAMS + 8, NULL, &d);
	CHECK(d.n_up == POL_MAX_UPSTREAMS);
	CHECK(d.up[0] == 1 && d.up[POL_MAX_UPSTREAMS - 1] == POL_MAX_UPSTREAMS);
	CHECK(strlen(d.reason) == sizeof(d.reason) - 1);
	CHECK(strncmp(d.reason, "upstream: 20 Gbit/s exceeds local free 10 "
	    "Gbit/s; relayed to upstream-with-a-rather-long-name-number-1, ",
	    100) == 0);
}

/* The same inputs, the same decision. */
static void test_pure(void)
{
	struct pol_decision a, b;

	set_up(true, false, true);
	decide("cust", 12 * G, 1000, &a);
	decide("cust", 12 * G, 1000, &b);
	CHECK(memcmp(&a, &b, sizeof(a)) == 0);
}

int main(void)
{
	char	 err[CONF_ERRLEN];

	if (conf_load_string("decide.yaml", config, sizeof(config) - 1, &conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL decide: config: %s\n", err);
		return 1;
	}
	TEST("decide: small stays local") test_local();
	TEST("decide: big goes upstream") test_upstream();
	TEST("decide: exceeded") test_exceeded();
	TEST("decide: many upstreams") test_many();
	TEST("decide: pure") test_pure();
	conf_free(conf);
	return UNIT_EXIT();
}
