/*
 * gateway/state/mitigation.c without a server: what the table tells its
 * subscribers (struct mit_events), in which order, with which status, for
 * each way a mitigation lives and ends; and the report_status hook.
 * Two recording subscribers, A then B: every event reaches A before B,
 * ended and client_ended B before A (teardown in reverse).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/prefix.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "unit.h"

static const char conf_text[] =
    "mitigation: { active-but-terminating: 1 }\n"
    "peers:\n"
    "  - { name: a, psk-identity: a, psk-key: k, prefixes: [10.0.0.0/8] }\n";

#define MAX_MID	16
#define LOGLEN	1024

/* What each subscriber saw: per mid (lifecycle), per table (clients and
 * notifications, in one sequence). */
static char mitlog[MAX_MID][LOGLEN];
static char tablog[LOGLEN];
static char notelog[LOGLEN];

static void
add(char *log, const char *fmt, const char *who, const char *what,
    unsigned v)
{
	size_t n = strlen(log);

	snprintf(log + n, LOGLEN - n, fmt, who, what, v);
}

static void
addc(char *log, const char *who, const char *what, const char *cuid)
{
	size_t n = strlen(log);

	snprintf(log + n, LOGLEN - n, "%s.%s %s;", who, what, cuid);
}

static void
rec(struct mitigation *m, const char *who, const char *what)
{
	if (m->mid < MAX_MID)
		add(mitlog[m->mid], "%s.%s %u;", who, what, m->status);
}

static const char *
end_name(enum mit_end why)
{
	switch (why) {
	case MIT_END_CLIENT:
		return "ending-client";
	case MIT_END_EXPIRED:
		return "ending-expired";
	case MIT_END_TERMINATED:
		return "ending-terminated";
	case MIT_END_SERVER:
		return "ending-server";
	case MIT_END_NOW:
		return "ending-now";
	}
	return "?";
}

static void
on_client_created(struct mit_client *c, void *who)
{
	addc(tablog, who, "client_created", c->cuid);
}

static void
on_client_ended(struct mit_client *c, void *who)
{
	addc(tablog, who, "client_ended", c->cuid);
}

static void
on_created(struct mitigation *m, void *who)
{
	rec(m, who, "created");
}

static void
on_restored(struct mitigation *m, void *who)
{
	rec(m, who, "restored");
}

static void
on_refreshed(struct mitigation *m, void *who)
{
	rec(m, who, "refreshed");
}

static void
on_ending(struct mitigation *m, enum mit_end why, void *who)
{
	rec(m, who, end_name(why));
}

static void
on_activated(struct mitigation *m, void *who)
{
	rec(m, who, "activated");
}

static void
on_ended(struct mitigation *m, void *who)
{
	rec(m, who, "ended");
}

static void
on_changed(struct mitigation *m, void *who)
{
	add(notelog, "%s.%s %u;", who, "changed", m->mid);
}

static void
on_client_changed(struct mit_client *c, void *who)
{
	addc(notelog, who, "client_changed", c->cuid);
}

/* B's answer for a GET: a fixed status and counters. */
static uint32_t
on_report(const struct mitigation *m, uint64_t ctr[4], void *who)
{
	if (ctr != NULL)
		for (int i = 0; i < 4; i++)
			ctr[i] = (uint64_t)(i + 1) * 100 + m->mid;
	return DOTS_STATUS_MITIGATED;
}

static void
subscribe(struct mit_table *mt, const char *who, bool report)
{
	struct mit_events ev = {
		.client_created = on_client_created,
		.client_ended = on_client_ended,
		.created = on_created,
		.restored = on_restored,
		.refreshed = on_refreshed,
		.ending = on_ending,
		.activated = on_activated,
		.ended = on_ended,
		.changed = on_changed,
		.client_changed = on_client_changed,
		.report_status = report ? on_report : NULL,
		.arg = (void *)who,
	};

	CHECK(mit_subscribe(mt, &ev) == 0);
}

/* A scope on 10.0.0.0/24 (the table takes it); preconfigured: it waits
 * for signal loss (status 8). */
static struct dots_scope
scope(bool preconfigured)
{
	struct dots_scope s;

	memset(&s, 0, sizeof(s));
	s.target_prefix = calloc(1, sizeof(*s.target_prefix));
	if (s.target_prefix != NULL &&
	    prefix_parse("10.0.0.0/24", s.target_prefix) == 0)
		s.n_target_prefix = 1;
	if (preconfigured) {
		s.present |= DOTS_SCOPE_TRIGGER;
		s.trigger_mitigation = false;
	}
	return s;
}

static struct mitigation *
create(struct mit_table *mt, struct mit_client *c, uint32_t mid,
    int64_t lifetime, bool preconfigured)
{
	struct dots_scope s = scope(preconfigured);
	struct mitigation *m;

	m = mit_create(mt, c, mid, NULL, "", &s, lifetime);
	CHECK(m != NULL);
	dots_scope_free(&s);		/* taken: left zeroed */
	return m;
}

static int
count_one(struct mitigation *m, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}

static size_t
count(struct mit_table *mt)
{
	size_t n = 0;

	mit_foreach(mt, count_one, &n);
	return n;
}

static void
stop_cb(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Run the loop until the table is empty, at most seconds. */
static void
run_until_empty(struct gw *gw, int seconds)
{
	struct timeval tv = { seconds, 0 };
	struct event *guard = evtimer_new(gw->base, stop_cb, gw->base);

	evtimer_add(guard, &tv);
	while (count(gw->mt) > 0 && evtimer_pending(guard, NULL))
		event_base_loop(gw->base, EVLOOP_ONCE);
	event_free(guard);
}

/* Run the loop for ms. */
static void
run_for(struct gw *gw, int ms)
{
	struct timeval tv = { 0, ms * 1000 };

	event_base_loopexit(gw->base, &tv);
	event_base_dispatch(gw->base);
}

static void
clear_logs(void)
{
	memset(mitlog, 0, sizeof(mitlog));
	tablog[0] = notelog[0] = '\0';
}

/* A change is notified once after MIT_COALESCE_MS however often it came:
 * the item, then its collection; a new member notifies the collection. */
static void
test_notify(struct gw *gw, struct peer_rt *peer)
{
	struct mit_client *c = mit_client_get(gw->mt, peer, "n");
	struct mitigation *m;

	CHECK_STR(tablog, "A.client_created n;B.client_created n;");
	m = create(gw->mt, c, 1, 3600, false);
	CHECK_STR(mitlog[1], "A.created 1;B.created 1;");
	CHECK_STR(notelog, "A.client_changed n;B.client_changed n;");
	notelog[0] = '\0';
	mit_changed(gw->mt, m);
	mit_changed(gw->mt, m);
	CHECK_STR(notelog, "");		/* not yet: coalesced */
	run_for(gw, MIT_COALESCE_MS * 3);
	CHECK_STR(notelog, "A.changed 1;B.changed 1;"
	    "A.client_changed n;B.client_changed n;");
	notelog[0] = '\0';
	mit_remove(gw->mt, m);
	CHECK_STR(mitlog[1], "A.created 1;B.created 1;B.ended 6;A.ended 6;");
	CHECK_STR(tablog, "A.client_created n;B.client_created n;"
	    "B.client_ended n;A.client_ended n;");
	CHECK_STR(notelog, "");		/* its client went with it */
	CHECK(count(gw->mt) == 0);
	CHECK(peer->n_clients == 0 && peer->active == 0);
}

/*
 * Every way to end, side by side in one client (mid: what happens):
 * 1: refreshed, withdrawn by the client: 5 for active-but-terminating
 *    (1 s), then 6 for the grace period, then removed;
 * 2: withdrawn by us: 7, then removed;
 * 3: preconfigured (8), activated (1), ended now (6), removed next turn;
 * 4: removed (replaced) at once;
 * 5: its lifetime (1 s) runs out: 6, then removed;
 * 6: preconfigured, withdrawn by the client: 6 at once (nothing ran).
 * The last one removed takes the client with it.
 */
static void
test_lifecycle(struct gw *gw, struct peer_rt *peer)
{
	struct mit_client *c = mit_client_get(gw->mt, peer, "x");
	struct mitigation *m[7];

	m[1] = create(gw->mt, c, 1, 3600, false);
	m[2] = create(gw->mt, c, 2, 3600, false);
	m[3] = create(gw->mt, c, 3, 3600, true);
	m[4] = create(gw->mt, c, 4, 3600, false);
	m[5] = create(gw->mt, c, 5, 1, false);
	m[6] = create(gw->mt, c, 6, 3600, true);
	CHECK(m[3]->status == DOTS_STATUS_SIGNAL_LOSS);
	CHECK(peer->active == 6 && c->active == 6);

	mit_refresh(gw->mt, m[1], 3600);
	mit_withdraw(gw->mt, m[1]);
	CHECK(m[1]->status == DOTS_STATUS_CLIENT_WITHDRAWN);
	CHECK(mit_lifetime_left(m[1]) == 1);

	mit_server_withdraw(gw->mt, m[2]);
	CHECK(m[2]->status == DOTS_STATUS_WITHDRAWN);
	mit_withdraw(gw->mt, m[2]);		/* no longer active: nothing */
	mit_server_withdraw(gw->mt, m[2]);	/* the same */

	mit_activate(gw->mt, m[3]);
	CHECK(m[3]->status == DOTS_STATUS_IN_PROGRESS);
	mit_activate(gw->mt, m[3]);		/* not waiting any more */
	mit_end_now(gw->mt, m[3]);

	mit_remove(gw->mt, m[4]);
	mit_withdraw(gw->mt, m[6]);
	CHECK(m[6]->status == DOTS_STATUS_TERMINATED);
	CHECK(peer->active == 1 && c->active == 1);	/* 5 only */

	run_until_empty(gw, 10);
	CHECK(count(gw->mt) == 0);
	CHECK(peer->active == 0 && peer->n_clients == 0);

	CHECK_STR(mitlog[1], "A.created 1;B.created 1;"
	    "A.refreshed 1;B.refreshed 1;"
	    "A.ending-client 5;B.ending-client 5;"
	    "A.ending-terminated 6;B.ending-terminated 6;"
	    "B.ended 6;A.ended 6;");
	CHECK_STR(mitlog[2], "A.created 1;B.created 1;"
	    "A.ending-server 7;B.ending-server 7;"
	    "B.ended 6;A.ended 6;");
	CHECK_STR(mitlog[3], "A.created 8;B.created 8;"
	    "A.activated 1;B.activated 1;"
	    "A.ending-now 6;B.ending-now 6;"
	    "B.ended 6;A.ended 6;");
	CHECK_STR(mitlog[4], "A.created 1;B.created 1;B.ended 6;A.ended 6;");
	CHECK_STR(mitlog[5], "A.created 1;B.created 1;"
	    "A.ending-expired 6;B.ending-expired 6;"
	    "B.ended 6;A.ended 6;");
	CHECK_STR(mitlog[6], "A.created 8;B.created 8;"
	    "A.ending-client 6;B.ending-client 6;"
	    "B.ended 6;A.ended 6;");
	CHECK_STR(tablog, "A.client_created x;B.client_created x;"
	    "B.client_ended x;A.client_ended x;");
}

/* Restored from the store: restored only (nothing to store again). */
static void
test_restore(struct gw *gw, struct peer_rt *peer)
{
	struct mit_client *c = mit_client_get(gw->mt, peer, "r");
	struct dots_scope s = scope(false);
	struct mit_saved sv = { .mid = 7, .path_cdid = "", .lifetime = 3600,
	    .left = 100, .start = 1, .status = DOTS_STATUS_IN_PROGRESS };
	struct mitigation *m = mit_restore(gw->mt, c, &sv, &s);

	CHECK(m != NULL && m->status == DOTS_STATUS_IN_PROGRESS);
	CHECK(m != NULL && mit_lifetime_left(m) == 100);
	CHECK_STR(mitlog[7], "A.restored 1;B.restored 1;");
	CHECK_STR(notelog, "");
	mit_remove(gw->mt, m);
	CHECK_STR(mitlog[7], "A.restored 1;B.restored 1;B.ended 6;A.ended 6;");
}

/* A GET reports what the first subscriber with report_status says (B;
 * A has none); with none, the mitigation's own status and counters. */
static void
test_report(struct gw *gw, struct peer_rt *peer)
{
	struct mit_client *c = mit_client_get(gw->mt, peer, "g");
	struct mitigation *m = create(gw->mt, c, 9, 3600, false);
	struct mit_table *bare = mit_table_new(gw);
	struct mit_client *c2;
	struct mitigation *m2;
	uint64_t ctr[4] = { 0 };

	CHECK(mit_report_status(m) == DOTS_STATUS_MITIGATED);
	CHECK(mit_report(m, ctr) == DOTS_STATUS_MITIGATED);
	CHECK(ctr[0] == 109 && ctr[1] == 209 && ctr[2] == 309 &&
	    ctr[3] == 409);
	CHECK(m->status == DOTS_STATUS_IN_PROGRESS);
	mit_remove(gw->mt, m);

	CHECK(bare != NULL);
	if (bare == NULL)
		return;
	c2 = mit_client_get(bare, peer, "g");
	m2 = create(bare, c2, 9, 3600, false);
	m2->bytes_dropped = 1;
	m2->pkts_dropped = 2;
	m2->bps_dropped = 3;
	m2->pps_dropped = 4;
	CHECK(mit_report(m2, ctr) == DOTS_STATUS_IN_PROGRESS);
	CHECK(ctr[0] == 1 && ctr[1] == 2 && ctr[2] == 3 && ctr[3] == 4);
	CHECK(mit_report_status(m2) == DOTS_STATUS_IN_PROGRESS);
	CHECK_STR(mitlog[9], "A.created 1;B.created 1;B.ended 6;A.ended 6;");
	mit_table_free(bare);
}

int
main(void)
{
	struct gw gw;
	struct peer_rt peer;
	struct mit_table *mt;
	char err[CONF_ERRLEN];

	memset(&gw, 0, sizeof(gw));
	memset(&peer, 0, sizeof(peer));
	if (conf_load_string("t.yaml", conf_text, strlen(conf_text), &gw.conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL conf: %s\n", err);
		return 1;
	}
	peer.conf = &gw.conf->peers[0];
	if ((gw.base = event_base_new()) == NULL ||
	    (gw.mt = mt = mit_table_new(&gw)) == NULL)
		return 1;
	subscribe(mt, "A", false);
	subscribe(mt, "B", true);

	TEST("mitigation: notifications coalesced, client events")
		test_notify(&gw, &peer);
	clear_logs();
	TEST("mitigation: lifecycle events, order and status")
		test_lifecycle(&gw, &peer);
	clear_logs();
	TEST("mitigation: restored") test_restore(&gw, &peer);
	clear_logs();
	TEST("mitigation: report_status") test_report(&gw, &peer);
	TEST("mitigation: mit_opt_set sets the option and forgets what was "
	    "decoded from the options") {
		struct mit_client *c = mit_client_get(mt, &peer, "o");
		struct mitigation *m = create(mt, c, 3, 3600, false);
		uint8_t v1[] = { 0x01 }, v2[] = { 0x02 };
		struct dots_opt o = { 205, v1, sizeof(v1) };
		const struct dots_opt *got;

		CHECK(mit_opt_set(m, &o) == 0);
		m->declared_ok = true;
		o.cbor = v2;
		CHECK(mit_opt_set(m, &o) == 0);
		CHECK(!m->declared_ok);
		got = dots_optv_get(&m->scope.opt, 205);
		CHECK(got != NULL && got->len == 1 && got->cbor[0] == 0x02);
		mit_remove(mt, m);
	}
	TEST("mitigation: subscribers are bounded") {
		struct mit_events none = { 0 };
		int n = 2;

		while (mit_subscribe(mt, &none) == 0)
			n++;
		CHECK(n == MIT_MAX_SUBSCRIBERS);
	}

	mit_table_free(mt);
	event_base_free(gw.base);
	conf_free(gw.conf);
	return UNIT_EXIT();
}
