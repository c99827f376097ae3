/*
 * gateway/state/telemetry.c without a server: tsid overrides (config,
 * pipe by link, baseline by target) and a lower tsid refused, tmid reuse
 * and DELETE-all starting again, another peer's identifiers invisible,
 * the per-peer quotas, what policies read (attack volume, pipe, baseline,
 * server-originated telemetry, notify interval), events, and what a new
 * table restores from the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/dots_json.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/state/telemetry.h"
#include "unit.h"
#include "unit_tmpdb.h"

static int n_events;

static void
on_report(const struct tm_report_rec *rec, void *arg)
{
	n_events++;
}

/* A setup body around one telemetry entry (JSON text). */
static int
setup(struct tm_table *t, const char *peer, const char *cuid, uint32_t tsid,
    const char *entry, bool *created, struct dots_err *e)
{
	char buf[1024];
	struct dots_tm_setup *s = malloc(sizeof(*s));
	json_t *j;

	snprintf(buf, sizeof(buf), "{\"ietf-dots-telemetry:telemetry-setup\":"
	    "{\"telemetry\":[%s]}}", entry);
	j = json_loads(buf, 0, NULL);
	memset(e, 0, sizeof(*e));
	if (s == NULL || j == NULL || dots_tm_check_setup(j, false, s,
	    e) == -1) {
		printf("  bad test setup: %s\n", e->msg);
		free(s);
		json_decref(j);
		return -2;
	}
	return tm_setup_put(t, peer, cuid, tsid, s, j, created, e);
}

/* A report: prefix, attack bps (0: a subscription). */
static int
report(struct tm_table *t, const char *peer, const char *cuid, uint32_t tmid,
    const char *pfx, unsigned long long bps, struct dots_err *e)
{
	char buf[512];
	struct dots_tm_report *r = malloc(sizeof(*r));
	json_t *j;

	if (bps != 0)
		snprintf(buf, sizeof(buf), "{\"ietf-dots-telemetry:telemetry\":"
		    "{\"pre-or-ongoing-mitigation\":[{\"target\":{"
		    "\"target-prefix\":[\"%s\"]},\"total-attack-traffic\":"
		    "[{\"unit\":\"bit-ps\",\"peak-g\":\"%llu\"}]}]}}", pfx, bps);
	else
		snprintf(buf, sizeof(buf), "{\"ietf-dots-telemetry:telemetry\":"
		    "{\"pre-or-ongoing-mitigation\":[{\"target\":{"
		    "\"target-prefix\":[\"%s\"]}}]}}", pfx);
	j = json_loads(buf, 0, NULL);
	memset(e, 0, sizeof(*e));
	if (r == NULL || j == NULL || dots_tm_check_report(j, false, r,
	    e) == -1) {
		free(r);
		json_decref(j);
		return -2;
	}
	return tm_report_put(t, peer, cuid, tmid, 0, r, j, e);
}

static struct dots_tm_target
target(const char *pfx)
{
	struct dots_tm_target t;

	memset(&t, 0, sizeof(t));
	(void)prefix_parse(pfx, &t.prefix[0]);
	t.n_prefix = 1;
	return t;
}

static const char conf_text[] =
    "peers:\n"
    "  - { name: a, psk-identity: a, psk-key: k, prefixes: [10.0.0.0/8] }\n"
    "  - { name: b, psk-identity: b, psk-key: k, prefixes: [11.0.0.0/8] }\n";

int
main(void)
{
	char dir[] = "/tmp/dotsgw-tmt.XXXXXX", path[64], err[CONF_ERRLEN];
	static const struct tm_events ev = { .report = on_report };
	struct tm_table *t;
	struct tm_setup_rec sr;
	struct tm_report_rec rr;
	struct dots_err e;
	struct gw gw;
	bool created;
	uint64_t bps, pps;
	struct dots_tm_target tg;

	memset(&gw, 0, sizeof(gw));
	if (conf_load_string("t.yaml", conf_text, strlen(conf_text), &gw.conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL conf: %s\n", err);
		return 1;
	}
	if (tmpdb_make(dir, path, sizeof(path)) == -1 ||
	    (gw.base = event_base_new()) == NULL)
		return 1;
	if ((gw.store = store_open(path, err, sizeof(err))) == NULL ||
	    (t = gw.tm = tm_table_new(&gw)) == NULL ||
	    tm_subscribe(t, &ev, NULL) == -1) {
		printf("FAIL store: %s\n", err);
		return 1;
	}

	TEST("tm table: a higher tsid overrides what it overlaps") {
		CHECK(setup(t, "a", "c1", 10, "{\"current-config\":{"
		    "\"server-originated-telemetry\":true,"
		    "\"telemetry-notify-interval\":5}}", &created, &e) == 0 &&
		    created);
		CHECK(tm_wants_server_telemetry(t, "a") &&
		    !tm_wants_server_telemetry(t, "b"));
		CHECK(tm_notify_interval(t, "a") == 5);
		CHECK(setup(t, "a", "c1", 10, "{\"current-config\":{}}",
		    &created, &e) == 0 && !created);
		CHECK(!tm_wants_server_telemetry(t, "a"));
		CHECK(setup(t, "a", "c1", 11, "{\"current-config\":{}}",
		    &created, &e) == 0 && created);
		CHECK(tm_setup_get(t, "a", "c1", 10, &sr) == -1);
		CHECK(setup(t, "a", "c1", 9, "{\"current-config\":{}}",
		    &created, &e) == -1 && e.coap == 409);
		/* pipes: by link-id and unit */
		CHECK(setup(t, "a", "c1", 20, "{\"total-pipe-capacity\":[{"
		    "\"link-id\":\"l1\",\"capacity\":\"1\",\"unit\":"
		    "\"gigabit-ps\"}]}", &created, &e) == 0);
		CHECK(setup(t, "a", "c1", 21, "{\"total-pipe-capacity\":[{"
		    "\"link-id\":\"l2\",\"capacity\":\"500\",\"unit\":"
		    "\"megabit-ps\"}]}", &created, &e) == 0);
		CHECK(tm_pipe_bps(t, "a") == 1500000000ull);
		CHECK(setup(t, "a", "c1", 22, "{\"total-pipe-capacity\":[{"
		    "\"link-id\":\"l1\",\"capacity\":\"2\",\"unit\":"
		    "\"gigabit-ps\"}]}", &created, &e) == 0);
		CHECK(tm_setup_get(t, "a", "c1", 20, &sr) == -1 &&
		    tm_setup_get(t, "a", "c1", 21, &sr) == 0);
		CHECK(tm_pipe_bps(t, "a") == 2500000000ull);
		/* baselines: by target */
		CHECK(setup(t, "a", "c1", 30, "{\"baseline\":[{\"id\":1,"
		    "\"target-prefix\":[\"10.1.0.0/16\"],"
		    "\"total-traffic-normal\":[{\"unit\":\"megabit-ps\","
		    "\"peak-g\":\"60\"}]}]}", &created, &e) == 0);
		tg = target("10.1.2.3/32");
		CHECK(tm_baseline_bps(t, "a", &tg) == 60000000ull);
		tg = target("10.2.0.0/16");
		CHECK(tm_baseline_bps(t, "a", &tg) == 0);
		/* another peer's: invisible */
		CHECK(tm_setup_get(t, "b", "c1", 21, &sr) == -1);
		CHECK(tm_setup_del(t, "b", "c1", true, 21) == 0);
		CHECK(tm_setup_get(t, "a", "c1", 21, &sr) == 0);
	}

	TEST("tm table: tmids only grow, DELETE-all starts again") {
		n_events = 0;
		CHECK(report(t, "a", "c1", 5, "10.0.0.0/24", 3000000, &e) == 0);
		CHECK(report(t, "a", "c1", 5, "10.0.0.0/24", 4000000, &e) == 0);
		CHECK(report(t, "a", "c1", 4, "10.9.0.0/24", 1, &e) == -1 &&
		    e.coap == 409 && strstr(e.msg, "tmid reuse") != NULL);
		CHECK(report(t, "a", "c1", 7, "10.0.0.128/25", 9000000,
		    &e) == 0);
		/* 7 overlaps 5: 5 is gone */
		CHECK(tm_report_get(t, "a", "c1", 5, &rr) == -1);
		tg = target("10.0.0.200/32");
		tm_attack_volume(t, &tg, &bps, &pps);
		CHECK(bps == 9000000 && pps == 0);
		tg = target("10.0.0.1/32");
		tm_attack_volume(t, &tg, &bps, &pps);
		CHECK(bps == 0);
		CHECK(tm_report_get(t, "b", "c1", 7, &rr) == -1);
		CHECK(tm_report_del(t, "a", "c1", false, 0) == 1);
		CHECK(report(t, "a", "c1", 1, "10.0.0.0/24", 1, &e) == 0);
		CHECK(n_events == 6);	/* 3 puts, 5 overridden, del, put */
	}

	TEST("tm table: per-peer quotas answer 5.03") {
		const struct conf_telemetry *q = &gw.conf->telemetry;
		int rc = 0;
		uint32_t i;
		char pfx[32];

		/* a holds one report (c1); distinct targets override none */
		for (i = 0; i < q->max_reports - 1 && rc == 0; i++) {
			snprintf(pfx, sizeof(pfx), "10.4.%u.0/24", i);
			rc = report(t, "a", "c2", 100 + i, pfx, 0, &e);
		}
		CHECK(rc == 0);
		CHECK(report(t, "a", "c2", 100 + i, "10.5.0.0/24", 0, &e) ==
		    -1 && e.coap == 503);
		CHECK(report(t, "a", "c2", 100, "10.4.0.0/24", 0, &e) == 0);
		CHECK(report(t, "b", "c3", 1, "11.0.0.0/24", 1, &e) == 0);
		rc = 0;
		for (i = 0; i < q->max_setups && rc == 0; i++) {
			char ent[128];

			snprintf(ent, sizeof(ent), "{\"baseline\":[{\"id\":1,"
			    "\"target-prefix\":[\"11.%u.0.0/16\"]}]}", i);
			rc = setup(t, "b", "c3", 1000 + i, ent, &created, &e);
		}
		CHECK(rc == 0);
		CHECK(setup(t, "b", "c3", 2000, "{\"current-config\":{}}",
		    &created, &e) == -1 && e.coap == 503);
		CHECK(setup(t, "b", "c3", 1000, "{\"baseline\":[{\"id\":1,"
		    "\"target-prefix\":[\"11.0.0.0/16\"]}]}", &created,
		    &e) == 0 && !created);
	}

	TEST("tm table: a quota lowered (reload) keeps what is held") {
		uint32_t was = gw.conf->telemetry.max_reports;

		gw.conf->telemetry.max_reports = 1;
		CHECK(report(t, "b", "c3", 1, "11.0.0.0/24", 1, &e) == 0);
		CHECK(report(t, "b", "c3", 2, "12.0.0.0/24", 0, &e) == -1 &&
		    e.coap == 503 && strstr(e.msg,
		    "max-reports-per-peer") != NULL);
		gw.conf->telemetry.max_reports = was;
	}

	TEST("tm table: a new table restores setups and reports") {
		tm_table_free(t);
		t = gw.tm = tm_table_new(&gw);
		CHECK(t != NULL);
		CHECK(tm_setup_get(t, "a", "c1", 21, &sr) == 0 &&
		    sr.s->kind == DOTS_TM_PIPE);
		CHECK(tm_pipe_bps(t, "a") == 2500000000ull);
		CHECK(tm_report_get(t, "a", "c1", 1, &rr) == 0);
		CHECK(report(t, "a", "c1", 0, "10.0.0.0/24", 1, &e) == -1 &&
		    e.coap == 409);
		CHECK(tm_report_get(t, "b", "c3", 1, &rr) == 0);
	}
	tm_table_free(t);
	store_close(gw.store);
	event_base_free(gw.base);
	conf_free(gw.conf);
	tmpdb_remove(dir, path);
	return UNIT_EXIT();
}
