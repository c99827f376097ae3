/*
 * gateway/state/dc_table.c without a server: registration and its quota,
 * another peer's objects invisible, alias-name expansion (targets merged
 * without duplicates, an unknown alias 4.04), expiry by the timer, and
 * what a new table restores from the store; filtering ACLs: order
 * (insert/point), quota, other peers, the subscriber, activation-type
 * from the signal channel (an acl-list's changes put back, a store that
 * refuses them answered 5.03 with nothing changed), expiry, restore,
 * deregistration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <sqlite3.h>

#include "common/conf.h"
#include "common/dc_json.h"
#include "gateway/gw.h"
#include "gateway/state/dc_acl_list.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/store.h"
#include "policies/acl.h"
#include "unit.h"
#include "unit_tmpdb.h"

static const char conf_text[] =
    "data-channel: { max-clients-per-peer: 2, max-aliases-per-peer: 3,"
    " max-acls-per-peer: 3 }\n"
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

/* An RFC 8783 ACL named name dropping traffic to pfx. */
static struct dc_acl
acl(const char *name, const char *pfx, const char *activation)
{
	char body[512];
	struct dc_acls l;
	struct dc_acl a;
	struct dc_err e;

	snprintf(body, sizeof(body), "{\"ietf-dots-data-channel:acls\": "
	    "{\"acl\": [{\"name\": \"%s\", \"type\": \"ipv4-acl-type\", "
	    "\"activation-type\": \"%s\", \"aces\": {\"ace\": [{\"name\": "
	    "\"r\", \"matches\": {\"ipv4\": {\"destination-ipv4-network\": "
	    "\"%s\"}}, \"actions\": {\"forwarding\": \"drop\"}}]}}]}}", name,
	    activation, pfx);
	memset(&a, 0, sizeof(a));
	if (dc_acls_decode(body, strlen(body), DC_REQUEST, &l, &e) == -1) {
		printf("FAIL acl %s: %s\n", name, e.msg);
		return a;
	}
	a = l.v[0];
	memset(&l.v[0], 0, sizeof(l.v[0]));
	dc_acls_free(&l);
	return a;
}

static int
put_acl(struct dc_table *t, const char *peer, const char *cuid,
    const char *name, const char *pfx, uint32_t minutes,
    enum dc_insert where, const char *point, struct dc_err *e)
{
	struct dc_acl a = acl(name, pfx, "immediate");
	bool created;

	return dc_acl_put(t, peer, cuid, &a, minutes, where, point, &created,
	    e);
}

struct order {
	char	 names[160];
};

static int
name_of(const struct dc_acl *a, void *arg)
{
	struct order *o = arg;
	size_t n = strlen(o->names);

	snprintf(o->names + n, sizeof(o->names) - n, "%s%s", n ? " " : "",
	    a->name);
	return 0;
}

/* "x y z": peer's cuid's ACL names in order */
static const char *
order_of(struct dc_table *t, const char *peer, const char *cuid,
    struct order *o)
{
	o->names[0] = '\0';
	(void)dc_acl_foreach(t, peer, cuid, name_of, o);
	return o->names;
}

static unsigned
act_of(const struct dc_table *t, const char *name)
{
	const struct dc_acl *a = dc_acl_find(t, "a", "c1", name);

	return a != NULL ? a->activation : 0;
}

/* what the subscriber was told last */
struct told {
	int	 n;
	char	 name[80];
	bool	 gone;
	unsigned activation;
};

static void
on_acl(void *arg, const char *peer, const char *cuid, const char *name,
    const struct dc_acl *a)
{
	struct told *w = arg;

	w->n++;
	snprintf(w->name, sizeof(w->name), "%s/%s/%s", peer, cuid, name);
	w->gone = a == NULL;
	w->activation = a != NULL ? dc_acl_activation(a) : 0;
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
	if (tmpdb_make(dir, path, sizeof(path)) == -1 ||
	    (gw.base = event_base_new()) == NULL)
		return 1;
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
	TEST("dc_table: ACLs in the client's order (insert, point), quota") {
		struct told w = { 0 };
		struct dc_acl_events ev = { on_acl, &w };
		struct order o;

		dc_acl_subscribe(t, &ev);
		CHECK(put_acl(t, "a", "c1", "x", "10.1.0.0/16", 60,
		    DC_INSERT_LAST, NULL, &e) == 0);
		CHECK(w.n == 1 && strcmp(w.name, "a/c1/x") == 0 && !w.gone &&
		    w.activation == DC_ACT_IMMEDIATE);
		CHECK(put_acl(t, "a", "c1", "y", "10.2.0.0/16", 0,
		    DC_INSERT_FIRST, NULL, &e) == 0);
		CHECK(put_acl(t, "a", "c1", "z", "10.3.0.0/16", 60,
		    DC_INSERT_AFTER, "y", &e) == 0);
		CHECK_STR(order_of(t, "a", "c1", &o), "y z x");
		CHECK(put_acl(t, "a", "c1", "w", "10.4.0.0/16", 60,
		    DC_INSERT_LAST, NULL, &e) == -1 && e.status == 409 &&
		    strcmp(e.tag, "resource-denied") == 0);
		CHECK(put_acl(t, "a", "c1", "z", "10.3.0.0/16", 60,
		    DC_INSERT_BEFORE, "nosuch", &e) == -1 && e.status == 400);
		CHECK_STR(order_of(t, "a", "c1", &o), "y z x");
		/* a replacement stays where it was unless told */
		CHECK(put_acl(t, "a", "c1", "z", "10.3.0.0/24", 60,
		    DC_INSERT_LAST, NULL, &e) == 0);
		CHECK_STR(order_of(t, "a", "c1", &o), "y z x");
		CHECK(put_acl(t, "a", "c1", "x", "10.1.0.0/16", 60,
		    DC_INSERT_BEFORE, "y", &e) == 0);
		CHECK_STR(order_of(t, "a", "c1", &o), "x y z");
		CHECK(dc_acl_count(t, "a") == 3 && dc_acl_count(t, "b") == 0);
		CHECK(dc_acl_find(t, "b", "c1", "x") == NULL);
		CHECK(dc_acl_find(t, "a", "c2", "x") == NULL);
		CHECK(dc_acl_find(t, "a", "c1", "x") != NULL &&
		    dc_acl_find(t, "a", "c1", "x")->has_pending &&
		    dc_acl_find(t, "a", "c1", "x")->pending_lifetime == 60);
		CHECK(dc_acl_del(t, "b", "c1", "x", &e) == -1 &&
		    e.status == 404);
		CHECK(dc_acl_set_activation(t, "a", "c1", "z",
		    DC_ACT_DEACTIVATE, &e) == 0 && w.activation ==
		    DC_ACT_DEACTIVATE && strcmp(w.name, "a/c1/z") == 0);
	}
	TEST("dc_acl_list: an acl-list's activation-types, put back") {
		struct told w = { 0 };
		struct dc_acl_events ev = { on_acl, &w };
		struct dots_acl al[2] = { { "x", NULL, ACL_DEACTIVATE },
		    { "z", NULL, ACL_IMMEDIATE } };
		struct dots_scope s = { .acl_list = al, .n_acl_list = 2 };
		struct dc_acl_list_undo u;
		struct dots_err de;
		sqlite3 *lock = NULL;

		dc_acl_subscribe(t, &ev);
		CHECK(dc_acl_list_apply(t, &gw.conf->peers[0], "c1", &s, &u,
		    &de) == 0 && u.n == 2 && w.n == 2);
		CHECK(act_of(t, "x") == DC_ACT_DEACTIVATE &&
		    act_of(t, "z") == DC_ACT_IMMEDIATE);
		dc_acl_list_undo(t, &u);
		CHECK(u.n == 0 && u.v == NULL && w.n == 4 &&
		    strcmp(w.name, "a/c1/x") == 0 &&
		    w.activation == DC_ACT_IMMEDIATE);
		CHECK(act_of(t, "x") == DC_ACT_IMMEDIATE &&
		    act_of(t, "z") == DC_ACT_DEACTIVATE);
		/* the store refuses: 5.03, nothing changed, nobody told */
		CHECK(sqlite3_open(path, &lock) == SQLITE_OK &&
		    sqlite3_exec(lock, "BEGIN IMMEDIATE", NULL, NULL,
		    NULL) == SQLITE_OK);
		CHECK(dc_acl_list_apply(t, &gw.conf->peers[0], "c1", &s, &u,
		    &de) == -1 && de.coap == 503 && u.n == 0 && w.n == 4);
		CHECK(act_of(t, "x") == DC_ACT_IMMEDIATE &&
		    act_of(t, "z") == DC_ACT_DEACTIVATE);
		(void)sqlite3_exec(lock, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(lock);
	}
	TEST("dc_table: an ACL expires on its timer, the subscriber told") {
		struct told w = { 0 };
		struct dc_acl_events ev = { on_acl, &w };

		dc_acl_subscribe(t, &ev);
		/* "y" was given 0 minutes: due now */
		CHECK(dc_acl_find(t, "a", "c1", "y") != NULL);
		event_base_loop(gw.base, EVLOOP_ONCE);
		CHECK(dc_acl_find(t, "a", "c1", "y") == NULL);
		CHECK(w.n == 1 && w.gone && strcmp(w.name, "a/c1/y") == 0);
		CHECK(dc_acl_find(t, "a", "c1", "x") != NULL);
	}
	TEST("dc_table: a new table restores the ACLs, order, activation") {
		struct order o;

		dc_table_free(t);
		t = gw.dc = dc_table_new(&gw);
		CHECK(t != NULL);
		CHECK_STR(order_of(t, "a", "c1", &o), "x z");
		CHECK(dc_acl_find(t, "a", "c1", "z") != NULL &&
		    dc_acl_activation(dc_acl_find(t, "a", "c1", "z")) ==
		    DC_ACT_DEACTIVATE);
		CHECK(dc_acl_find(t, "a", "c1", "x") != NULL &&
		    dc_acl_find(t, "a", "c1", "x")->pending_lifetime == 60);
	}
	TEST("dc_table: deregistration takes the client's aliases") {
		struct told w = { 0 };
		struct dc_acl_events ev = { on_acl, &w };

		dc_acl_subscribe(t, &ev);
		CHECK(dc_client_del(t, "a", "c1", &e) == 0);
		CHECK(!dc_alias_exists(t, "a", "c1", "web"));
		CHECK(dc_alias_count(t, "a") == 1);
		CHECK(dc_acl_count(t, "a") == 0 && w.n == 2 && w.gone);
		dc_table_free(t);
		t = gw.dc = dc_table_new(&gw);
		CHECK(t != NULL && dc_client_owner(t, "c1") == NULL &&
		    dc_alias_count(t, "a") == 1 && dc_acl_count(t, "a") == 0);
	}
	dc_table_free(t);
	store_close(gw.store);
	event_base_free(gw.base);
	conf_free(gw.conf);
	tmpdb_remove(dir, path);
	return UNIT_EXIT();
}
