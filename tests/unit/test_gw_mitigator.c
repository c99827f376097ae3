/*
 * gateway/mitigator/mitigator.c with a back-end that finishes only when
 * told: a rule set being withdrawn stays known to reconcile until its
 * withdrawal is done (a listing taken before the withdrawal ran shows its
 * routes, and withdrawing them as orphans would take away a route it
 * shares, just announced again for its other owner), then is gone; a new
 * set under the same owner and id is found while the old one is still
 * being withdrawn.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/conf.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/state/peer.h"
#include "unit.h"

static const char conf_text[] =
    "peers:\n"
    "  - { name: a, psk-identity: a, psk-key: k, prefixes: [10.0.0.0/8] }\n";

/* The back-end's operations in flight, finished by the test. */
static struct mit_rules *inflight[8];
static size_t n_inflight;

static int
fake_init(struct mitigator *mg)
{
	return 0;
}

static void
fake_op(struct mitigator *mg, struct mit_rules *r, uint64_t mask)
{
	if (n_inflight < sizeof(inflight) / sizeof(inflight[0]))
		inflight[n_inflight++] = r;
}

static void
fake_reconcile(struct mitigator *mg)
{
}

static void
fake_free(struct mitigator *mg)
{
}

static const struct mitigator_ops fake_ops = {
	"fake", fake_init, fake_op, fake_op, fake_reconcile, fake_free
};

/* Finish every operation in flight, oldest first. */
static void
finish_all(void)
{
	size_t n = n_inflight;

	n_inflight = 0;
	for (size_t i = 0; i < n; i++)
		mitigator_done(inflight[i], true);
}

static struct pol_rule
rule(const char *dst)
{
	struct pol_rule r;

	memset(&r, 0, sizeof(r));
	r.action = CONF_ACT_DISCARD;
	(void)prefix_parse(dst, &r.dst);
	return r;
}

int
main(void)
{
	char err[CONF_ERRLEN];
	struct pol_rule rules[2];
	struct peer_rt prt;
	struct mitigator *mg;
	struct gw gw;
	uint32_t owner;

	memset(&gw, 0, sizeof(gw));
	memset(&prt, 0, sizeof(prt));
	if (conf_load_string("t.yaml", conf_text, strlen(conf_text), &gw.conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL conf: %s\n", err);
		return 1;
	}
	if ((gw.base = event_base_new()) == NULL || mitigator_new(&gw) == -1)
		return 1;
	mg = gw.mitig;
	mg->ops->free(mg);	/* the log back-end's, replaced */
	mg->ops = &fake_ops;
	prt.conf = &gw.conf->peers[0];
	owner = mitigator_owner("a", "c1");
	rules[0] = rule("10.0.0.1/32");
	rules[1] = rule("10.0.0.2/32");

	TEST("mitigator: a set being withdrawn is no orphan until done") {
		CHECK(mitigator_install_set(&gw, &prt, "c1", 7, "acl x", rules,
		    2) == 0);
		finish_all();
		CHECK(mitigator_owns(mg, owner, 7) != NULL);
		CHECK(!mitigator_withdrawing(mg, owner, 7));
		mitigator_withdraw_set(&gw, &prt, "c1", 7);
		CHECK(mitigator_owns(mg, owner, 7) == NULL);
		CHECK(mitigator_withdrawing(mg, owner, 7));
		finish_all();
		CHECK(!mitigator_withdrawing(mg, owner, 7));
		CHECK(mitigator_owns(mg, owner, 7) == NULL);
		CHECK(mg->n_rules == 0 && prt.rules == 0);
	}
	TEST("mitigator: the same id again while the old set is withdrawn") {
		CHECK(mitigator_install_set(&gw, &prt, "c1", 8, "acl y", rules,
		    1) == 0);
		finish_all();
		/* replacing withdraws the old set and installs the new one */
		CHECK(mitigator_install_set(&gw, &prt, "c1", 8, "acl y", rules,
		    2) == 0);
		CHECK(mitigator_withdrawing(mg, owner, 8));
		CHECK(mitigator_owns(mg, owner, 8) != NULL &&
		    mitigator_owns(mg, owner, 8)->n == 2);
		finish_all();
		CHECK(!mitigator_withdrawing(mg, owner, 8));
		CHECK(mitigator_owns(mg, owner, 8) != NULL);
		CHECK(mg->n_rules == 2 && prt.rules == 2);
		mitigator_withdraw_set(&gw, &prt, "c1", 8);
		finish_all();
		CHECK(mitigator_owns(mg, owner, 8) == NULL);
	}
	mitigator_free(&gw);
	event_base_free(gw.base);
	conf_free(gw.conf);
	return UNIT_EXIT();
}
