/*
 * gateway/state/dc_table.c without a server: registration and its quota,
 * another peer's objects invisible, alias-name expansion (targets merged
 * without duplicates, an unknown alias 4.04), expiry by the timer, and
 * what a new table restores from the store.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/dc_json.h"
#include "gateway/gw.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/store.h"
#include "unit.h"

static const char conf_text[] =
    "data-channel: { max-clients-per-peer: 2, max-aliases-per-peer: 3 }\n"
    "peers:\n"
    "  - { name: a, psk-identity: a, psk-key: k, prefixes: [10.0.0.0/8] }\n"
    "  - { name: b, psk-identity: b, psk-key: k, prefixes: [11.0.0.0/8] }\n";

/* An alias named name with target-prefix pfx (and TCP). */
static struct dc_alias
alias(const char *name, const char *pfx)
{
	struct dc_alias a;

	memset(&a, 0, sizeof(a));
	snprintf(a.name, sizeof(a.name), "%s", name);
	a.targets.target_prefix = calloc(1, sizeof(struct prefix));
	a.targets.n_target_prefix = 1;
	(void)prefix_parse(pfx, &a.targets.target_prefix[0]);
	a.targets.target_protocol = calloc(1, 1);
	a.targets.target_protocol[0] = 6;
	a.targets.n_target_protocol = 1;
	return a;
}

static int
put(struct dc_table *t, const char *peer, const char *cuid, const char *name,
    const char *pfx, uint32_t minutes, struct dc_err *e)
{
	struct dc_alias a = alias(name, pfx);
	bool created;

	return dc_alias_put(t, peer, cuid, &a, minutes, &created, e);
}

int
main(void)
{
	char dir[] = "/tmp/dotsgw-dct.XXXXXX", path[64], err[CONF_ERRLEN];
	struct dc_table *t;
	struct dc_err e;
	struct gw gw;
	bool created;

	memset(&gw, 0, sizeof(gw));
	if (conf_load_string("t.yaml", conf_text, strlen(conf_text), &gw.conf,
	    err, sizeof(err), NULL, NULL) == -1) {
		printf("FAIL conf: %s\n", err);
		return 1;
	}
	if (mkdtemp(dir) == NULL || (gw.base = event_base_new()) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/s.db", dir);
	if ((gw.store = store_open(path, err, sizeof(err))) == NULL ||
	    (t = gw.dc = dc_table_new(&gw)) == NULL) {
		printf("FAIL store: %s\n", err);
		return 1;
	}

	TEST("dc_table: registration, its owner, its quota") {
		CHECK(dc_client_put(t, "a", "c1", "", &created, &e) == 0 &&
		    created);
		CHECK(dc_client_put(t, "a", "c1", "d", &created, &e) == 0 &&
		    !created);
		CHECK_STR(dc_client_cdid(t, "a", "c1"), "d");
		CHECK(dc_client_cdid(t, "b", "c1") == NULL);
		CHECK(dc_client_put(t, "b", "c1", "", &created, &e) == -1 &&
		    e.status == 409 && strcmp(e.tag, "resource-denied") == 0);
		CHECK(dc_client_put(t, "a", "c2", "", &created, &e) == 0);
		CHECK(dc_client_put(t, "a", "c3", "", &created, &e) == -1 &&
		    e.status == 409);
		CHECK(dc_client_put(t, "b", "cb", "", &created, &e) == 0);
		CHECK(dc_client_del(t, "b", "c1", &e) == -1 && e.status == 404);
	}
	TEST("dc_table: aliases, pending-lifetime, other peers, quota") {
		int64_t pending = -1;

		CHECK(put(t, "a", "c1", "web", "10.0.0.1/32", 60, &e) == 0);
		CHECK(put(t, "a", "c1", "db", "10.0.0.2/32", 0, &e) == 0);
		CHECK(dc_alias_get(t, "a", "c1", "web", &pending) != NULL &&
		    pending == 60);
		CHECK(dc_alias_get(t, "b", "c1", "web", &pending) == NULL);
		CHECK(dc_alias_get(t, "a", "c2", "web", &pending) == NULL);
		CHECK(dc_alias_count(t, "a") == 2 && dc_alias_count(t, "b") == 0);
		CHECK(put(t, "a", "c2", "x", "10.0.0.3/32", 60, &e) == 0);
		CHECK(put(t, "a", "c2", "y", "10.0.0.4/32", 60, &e) == -1 &&
		    e.status == 409 && strcmp(e.tag, "resource-denied") == 0);
		/* a replacement is no new alias */
		CHECK(put(t, "a", "c2", "x", "10.0.0.5/32", 60, &e) == 0);
		CHECK(dc_alias_count(t, "a") == 3);
	}
	TEST("dc_table: alias-name expansion, unknown alias 4.04") {
		struct dots_scope s;
		struct dots_err de;

		memset(&s, 0, sizeof(s));
		s.target_prefix = calloc(1, sizeof(struct prefix));
		s.n_target_prefix = 1;
		(void)prefix_parse("10.0.0.1/32", &s.target_prefix[0]);
		(void)strv_push(&s.alias_name, "web");
		(void)strv_push(&s.alias_name, "db");
		CHECK(dc_alias_expand(t, "a", "c1", &s, &de) == 0);
		CHECK(s.alias_name.n == 0 && s.n_target_prefix == 2 &&
		    s.n_target_protocol == 1);
		dots_scope_free(&s);
		memset(&s, 0, sizeof(s));
		(void)strv_push(&s.alias_name, "web");
		CHECK(dc_alias_expand(t, "b", "c1", &s, &de) == -1 &&
		    de.coap == 404);
		CHECK(s.alias_name.n == 1 && s.n_target_prefix == 0);
		dots_scope_free(&s);
	}
	TEST("dc_table: an alias expires on its timer") {
		/* "db" was given 0 minutes: due now */
		CHECK(dc_alias_exists(t, "a", "c1", "db"));
		event_base_loop(gw.base, EVLOOP_ONCE);
		CHECK(!dc_alias_exists(t, "a", "c1", "db"));
		CHECK(dc_alias_exists(t, "a", "c1", "web"));
	}
	TEST("dc_table: a new table restores clients and aliases") {
		int64_t pending = -1;

		dc_table_free(t);
		t = gw.dc = dc_table_new(&gw);
		CHECK(t != NULL);
		CHECK_STR(dc_client_owner(t, "c1"), "a");
		CHECK_STR(dc_client_cdid(t, "a", "c1"), "d");
		CHECK(dc_alias_get(t, "a", "c1", "web", &pending) != NULL &&
		    pending == 60);
		CHECK(!dc_alias_exists(t, "a", "c1", "db"));
		CHECK(dc_alias_count(t, "a") == 2);
	}
	TEST("dc_table: deregistration takes the client's aliases") {
		CHECK(dc_client_del(t, "a", "c1", &e) == 0);
		CHECK(!dc_alias_exists(t, "a", "c1", "web"));
		CHECK(dc_alias_count(t, "a") == 1);
		dc_table_free(t);
		t = gw.dc = dc_table_new(&gw);
		CHECK(t != NULL && dc_client_owner(t, "c1") == NULL &&
		    dc_alias_count(t, "a") == 1);
	}
	dc_table_free(t);
	store_close(gw.store);
	event_base_free(gw.base);
	conf_free(gw.conf);
	unlink(path);
	{
		char wal[80];

		snprintf(wal, sizeof(wal), "%s-wal", path);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", path);
		unlink(wal);
	}
	rmdir(dir);
	return UNIT_EXIT();
}
