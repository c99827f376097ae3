/*
 * The data channel's clients and aliases (dc_table.h). Lists: a peer
 * holds at most max-clients-per-peer cuids and max-aliases-per-peer
 * aliases, so a walk is short; one timer at the earliest expiry.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/prefix.h"
#include "gateway/gw.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/dc_table_impl.h"
#include "gateway/state/store.h"

#define CLIENT_KEY	"dc-client:"
#define ALIAS_KEY	"dc-alias:"
#define DC_PEER_MAX	128	/* conf_impl.h CONF_NAME_MAX */

struct dc_client {
	TAILQ_ENTRY(dc_client) entry;
	char		 peer[DC_PEER_MAX + 1];
	char		 cuid[DC_CUID_MAX + 1];
	char		 cdid[DC_CUID_MAX + 1];
};

struct dc_alias_rt {
	TAILQ_ENTRY(dc_alias_rt) entry;
	char		 peer[DC_PEER_MAX + 1];
	char		 cuid[DC_CUID_MAX + 1];
	struct dc_alias	 a;
	int64_t		 expires;	/* wall clock, Unix seconds */
};

struct dc_table {
	struct gw	*gw;
	TAILQ_HEAD(, dc_client) clients;
	TAILQ_HEAD(, dc_alias_rt) aliases;
	struct event	*expiry;
	struct dc_acl_store *acls;	/* dc_table_acl.c */
};

static void arm_expiry(struct dc_table *);

/* ---- lookups ------------------------------------------------------------ */

static struct dc_client *
client_find(const struct dc_table *t, const char *cuid)
{
	struct dc_client *c;

	TAILQ_FOREACH(c, &t->clients, entry)
		if (strcmp(c->cuid, cuid) == 0)
			return c;
	return NULL;
}

static struct dc_alias_rt *
alias_find(const struct dc_table *t, const char *peer, const char *cuid,
    const char *name)
{
	struct dc_alias_rt *r;

	TAILQ_FOREACH(r, &t->aliases, entry)
		if (strcmp(r->cuid, cuid) == 0 && strcmp(r->peer, peer) == 0 &&
		    strcmp(r->a.name, name) == 0)
			return r;
	return NULL;
}

static size_t
count_of(const struct dc_table *t, const char *peer, bool aliases)
{
	struct dc_client *c;
	struct dc_alias_rt *r;
	size_t n = 0;

	if (aliases) {
		TAILQ_FOREACH(r, &t->aliases, entry)
			n += strcmp(r->peer, peer) == 0;
	} else {
		TAILQ_FOREACH(c, &t->clients, entry)
			n += strcmp(c->peer, peer) == 0;
	}
	return n;
}

const char *
dc_client_owner(const struct dc_table *t, const char *cuid)
{
	const struct dc_client *c = client_find(t, cuid);

	return c != NULL ? c->peer : NULL;
}

const char *
dc_client_cdid(const struct dc_table *t, const char *peer, const char *cuid)
{
	const struct dc_client *c = client_find(t, cuid);

	return c != NULL && strcmp(c->peer, peer) == 0 ? c->cdid : NULL;
}

/* ---- the store ------------------------------------------------------- */

static int
client_save(struct dc_table *t, const struct dc_client *c)
{
	char key[256];

	snprintf(key, sizeof(key), CLIENT_KEY "%s", c->cuid);
	return dc_store_put_json(t->gw->store, key, json_pack("{s:s, s:s}",
	    "peer", c->peer, "cdid", c->cdid));
}

static int
alias_save(struct dc_table *t, const struct dc_alias_rt *r)
{
	char key[320];
	json_t *a;

	snprintf(key, sizeof(key), ALIAS_KEY "%s/%s", r->cuid, r->a.name);
	if ((a = dc_encode_alias(&r->a, DC_CONTENT_CONFIG, 0)) == NULL)
		return -1;
	return dc_store_put_json(t->gw->store, key, json_pack("{s:s, s:I, "
	    "s:{s:[o]}}", "peer", r->peer, "expires", (json_int_t)r->expires,
	    "alias", "ietf-dots-data-channel:alias", a));
}

static void
alias_unsave(struct dc_table *t, const struct dc_alias_rt *r)
{
	char key[320];

	snprintf(key, sizeof(key), ALIAS_KEY "%s/%s", r->cuid, r->a.name);
	(void)store_reg_del(t->gw->store, key);
}

static void
alias_remove(struct dc_table *t, struct dc_alias_rt *r, bool unsave)
{
	if (unsave)
		alias_unsave(t, r);
	TAILQ_REMOVE(&t->aliases, r, entry);
	dc_alias_free(&r->a);
	free(r);
}

static int
load_client(void *arg, const char *cuid, const json_t *j)
{
	struct dc_table *t = arg;
	const char *peer = json_string_value(json_object_get(j, "peer"));
	const char *cdid = json_string_value(json_object_get(j, "cdid"));
	struct dc_client *c;

	if (peer == NULL || strlen(peer) > DC_PEER_MAX ||
	    strlen(cuid) > DC_CUID_MAX || cdid == NULL ||
	    strlen(cdid) > DC_CUID_MAX ||
	    conf_peer_by_name(t->gw->conf, peer) == NULL ||
	    client_find(t, cuid) != NULL || (c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	strcpy(c->peer, peer);
	strcpy(c->cuid, cuid);
	strcpy(c->cdid, cdid);
	TAILQ_INSERT_TAIL(&t->clients, c, entry);
	return 0;
}

static int
load_alias(void *arg, const char *key, const json_t *j)
{
	struct dc_table *t = arg;
	const char *peer = json_string_value(json_object_get(j, "peer"));
	const json_t *body = json_object_get(j, "alias");
	const char *name;
	const struct dc_client *c;
	struct dc_aliases as;
	struct dc_alias_rt *r;
	struct dc_err e;
	char cuid[DC_CUID_MAX + 1];

	if (peer == NULL || body == NULL ||
	    (name = dc_store_split_key(key, cuid)) == NULL)
		return -1;
	if ((c = client_find(t, cuid)) == NULL || strcmp(c->peer, peer) != 0)
		return -1;
	if (dc_decode_aliases(body, name, &as, &e) == -1 ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		dc_aliases_free(&as);
		return -1;
	}
	strcpy(r->peer, peer);
	strcpy(r->cuid, cuid);
	r->a = as.v[0];
	memset(&as.v[0], 0, sizeof(as.v[0]));
	dc_aliases_free(&as);
	r->expires = json_integer_value(json_object_get(j, "expires"));
	TAILQ_INSERT_TAIL(&t->aliases, r, entry);
	return 0;
}

static void
load_all(struct dc_table *t)
{
	struct dc_store_loaded l = { 0, 0 };

	/* clients first: an alias needs its client */
	if (dc_store_load(t->gw->store, CLIENT_KEY, load_client, t, &l) == -1)
		log_warnx("data channel: cannot read the stored state");
	if (dc_store_load(t->gw->store, ALIAS_KEY, load_alias, t, &l) == -1)
		log_warnx("data channel: cannot read the stored state");
	if (l.n > 0 || l.dropped > 0)
		log_info("data channel: restored %zu clients and aliases, "
		    "dropped %zu", l.n, l.dropped);
}

/* ---- expiry ------------------------------------------------------------ */

static void
on_expiry(evutil_socket_t fd, short ev, void *arg)
{
	struct dc_table *t = arg;
	struct dc_alias_rt *r, *next;
	int64_t now = (int64_t)time(NULL);

	for (r = TAILQ_FIRST(&t->aliases); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->expires > now)
			continue;
		log_info("data channel: peer %s cuid %s: alias %s expired",
		    r->peer, r->cuid, r->a.name);
		alias_remove(t, r, true);
	}
	arm_expiry(t);
}

static void
arm_expiry(struct dc_table *t)
{
	struct dc_alias_rt *r;
	int64_t first = INT64_MAX;

	TAILQ_FOREACH(r, &t->aliases, entry)
		if (r->expires < first)
			first = r->expires;
	dc_store_arm(t->expiry, first);
}

struct dc_table *
dc_table_new(struct gw *gw)
{
	struct dc_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->gw = gw;
	TAILQ_INIT(&t->clients);
	TAILQ_INIT(&t->aliases);
	if (gw->base != NULL &&
	    (t->expiry = evtimer_new(gw->base, on_expiry, t)) == NULL) {
		free(t);
		return NULL;
	}
	load_all(t);
	arm_expiry(t);
	if ((t->acls = dc_acl_store_new(gw, t)) == NULL) {
		dc_table_free(t);
		return NULL;
	}
	return t;
}

struct dc_acl_store *
dc_table_acls(const struct dc_table *t)
{
	return t->acls;
}

void
dc_table_free(struct dc_table *t)
{
	struct dc_client *c;
	struct dc_alias_rt *r;

	if (t == NULL)
		return;
	dc_acl_store_free(t->acls);
	while ((r = TAILQ_FIRST(&t->aliases)) != NULL)
		alias_remove(t, r, false);
	while ((c = TAILQ_FIRST(&t->clients)) != NULL) {
		TAILQ_REMOVE(&t->clients, c, entry);
		free(c);
	}
	if (t->expiry != NULL)
		event_free(t->expiry);
	free(t);
}

/* ---- clients ------------------------------------------------------------ */

int
dc_client_put(struct dc_table *t, const char *peer, const char *cuid,
    const char *cdid, bool *created, struct dc_err *e)
{
	struct dc_client *c = client_find(t, cuid), old;

	if (c != NULL && strcmp(c->peer, peer) != 0)
		return dc_errf(e, 409, "resource-denied", "cuid %s is "
		    "registered by another DOTS client", cuid);
	if (strlen(peer) > DC_PEER_MAX)
		return dc_errf(e, 500, "operation-failed", "peer name");
	*created = c == NULL;
	if (c == NULL) {
		if (count_of(t, peer, false) >=
		    t->gw->conf->data_channel.max_clients)
			return dc_errf(e, 409, "resource-denied", "peer %s has "
			    "%u registered DOTS clients, its quota", peer,
			    t->gw->conf->data_channel.max_clients);
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return dc_errf(e, 500, "operation-failed",
			    "out of memory");
		strcpy(c->peer, peer);
		strcpy(c->cuid, cuid);
		TAILQ_INSERT_TAIL(&t->clients, c, entry);
	}
	old = *c;
	snprintf(c->cdid, sizeof(c->cdid), "%s", cdid);
	if (client_save(t, c) == -1) {
		if (*created) {
			TAILQ_REMOVE(&t->clients, c, entry);
			free(c);
		} else
			strcpy(c->cdid, old.cdid);
		return dc_errf(e, 500, "operation-failed", "the state store "
		    "failed");
	}
	return 0;
}

int
dc_client_del(struct dc_table *t, const char *peer, const char *cuid,
    struct dc_err *e)
{
	struct dc_client *c = client_find(t, cuid);
	struct dc_alias_rt *r, *next;
	char key[256];

	if (c == NULL || strcmp(c->peer, peer) != 0)
		return dc_errf(e, 404, "invalid-value", "no DOTS client %s",
		    cuid);
	(void)store_begin(t->gw->store);
	dc_acl_store_drop_client(t->acls, cuid);
	for (r = TAILQ_FIRST(&t->aliases); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (strcmp(r->cuid, cuid) == 0)
			alias_remove(t, r, true);
	}
	snprintf(key, sizeof(key), CLIENT_KEY "%s", cuid);
	(void)store_reg_del(t->gw->store, key);
	(void)store_end(t->gw->store);
	TAILQ_REMOVE(&t->clients, c, entry);
	free(c);
	arm_expiry(t);
	return 0;
}

/* ---- aliases ------------------------------------------------------------ */

size_t
dc_alias_count(const struct dc_table *t, const char *peer)
{
	return count_of(t, peer, true);
}

bool
dc_alias_exists(const struct dc_table *t, const char *peer, const char *cuid,
    const char *name)
{
	return alias_find(t, peer, cuid, name) != NULL;
}

int
dc_alias_put(struct dc_table *t, const char *peer, const char *cuid,
    struct dc_alias *a, uint32_t lifetime, bool *created, struct dc_err *e)
{
	struct dc_alias_rt *r = alias_find(t, peer, cuid, a->name);
	struct dc_alias old;
	int64_t old_exp = 0;

	*created = r == NULL;
	if (r == NULL) {
		if (count_of(t, peer, true) >=
		    t->gw->conf->data_channel.max_aliases) {
			dc_alias_free(a);
			return dc_errf(e, 409, "resource-denied", "peer %s has "
			    "%u aliases, its quota", peer,
			    t->gw->conf->data_channel.max_aliases);
		}
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			dc_alias_free(a);
			return dc_errf(e, 500, "operation-failed",
			    "out of memory");
		}
		strcpy(r->peer, peer);
		strcpy(r->cuid, cuid);
		TAILQ_INSERT_TAIL(&t->aliases, r, entry);
	} else {
		old_exp = r->expires;
	}
	old = r->a;
	r->a = *a;
	memset(a, 0, sizeof(*a));
	r->expires = (int64_t)time(NULL) + (int64_t)lifetime * 60;
	if (alias_save(t, r) == -1) {
		dc_alias_free(&r->a);
		if (*created) {
			TAILQ_REMOVE(&t->aliases, r, entry);
			free(r);
		} else {
			r->a = old;
			r->expires = old_exp;
		}
		return dc_errf(e, 500, "operation-failed", "the state store "
		    "failed");
	}
	if (!*created)
		dc_alias_free(&old);
	arm_expiry(t);
	return 0;
}

int
dc_alias_del(struct dc_table *t, const char *peer, const char *cuid,
    const char *name, struct dc_err *e)
{
	struct dc_alias_rt *r = alias_find(t, peer, cuid, name);

	if (r == NULL)
		return dc_errf(e, 404, "invalid-value", "no alias %s", name);
	alias_remove(t, r, true);
	arm_expiry(t);
	return 0;
}

const struct dc_alias *
dc_alias_get(const struct dc_table *t, const char *peer, const char *cuid,
    const char *name, int64_t *pending)
{
	const struct dc_alias_rt *r = alias_find(t, peer, cuid, name);

	if (r == NULL)
		return NULL;
	*pending = dc_store_minutes_left(r->expires);
	return &r->a;
}

int
dc_alias_foreach(const struct dc_table *t, const char *peer, const char *cuid,
    int (*fn)(const struct dc_alias *, int64_t, void *), void *arg)
{
	const struct dc_alias_rt *r;
	int rc;

	TAILQ_FOREACH(r, &t->aliases, entry)
		if (strcmp(r->cuid, cuid) == 0 && strcmp(r->peer, peer) == 0 &&
		    (rc = fn(&r->a, dc_store_minutes_left(r->expires),
		    arg)) != 0)
			return rc;
	return 0;
}

/* ---- alias-name expansion ---------------------------------------------- */

static int
add_prefixes(struct dots_scope *s, const struct dots_scope *a)
{
	for (size_t i = 0; i < a->n_target_prefix; i++) {
		bool dup = false;
		void *p;

		for (size_t k = 0; k < s->n_target_prefix && !dup; k++)
			dup = prefix_equal(&s->target_prefix[k],
			    &a->target_prefix[i]);
		if (dup)
			continue;
		if ((p = realloc(s->target_prefix, (s->n_target_prefix + 1) *
		    sizeof(*s->target_prefix))) == NULL)
			return -1;
		s->target_prefix = p;
		s->target_prefix[s->n_target_prefix++] = a->target_prefix[i];
	}
	return 0;
}

static int
add_ports(struct dots_scope *s, const struct dots_scope *a)
{
	for (size_t i = 0; i < a->n_target_port_range; i++) {
		const struct port_range *r = &a->target_port_range[i];
		bool dup = false;
		void *p;

		for (size_t k = 0; k < s->n_target_port_range && !dup; k++)
			dup = s->target_port_range[k].lower == r->lower &&
			    s->target_port_range[k].upper == r->upper;
		if (dup)
			continue;
		if ((p = realloc(s->target_port_range,
		    (s->n_target_port_range + 1) *
		    sizeof(*s->target_port_range))) == NULL)
			return -1;
		s->target_port_range = p;
		s->target_port_range[s->n_target_port_range++] = *r;
	}
	return 0;
}

static int
add_protocols(struct dots_scope *s, const struct dots_scope *a)
{
	for (size_t i = 0; i < a->n_target_protocol; i++) {
		void *p;

		if (s->n_target_protocol > 0 && memchr(s->target_protocol,
		    a->target_protocol[i], s->n_target_protocol) != NULL)
			continue;
		if ((p = realloc(s->target_protocol, s->n_target_protocol +
		    1)) == NULL)
			return -1;
		s->target_protocol = p;
		s->target_protocol[s->n_target_protocol++] =
		    a->target_protocol[i];
	}
	return 0;
}

static int
add_strs(struct strv *dst, const struct strv *src)
{
	for (size_t i = 0; i < src->n; i++) {
		bool dup = false;

		for (size_t k = 0; k < dst->n && !dup; k++)
			dup = strcmp(dst->v[k], src->v[i]) == 0;
		if (!dup && strv_push(dst, src->v[i]) == -1)
			return -1;
	}
	return 0;
}

int
dc_alias_expand(const struct dc_table *t, const char *peer, const char *cuid,
    struct dots_scope *s, struct dots_err *err)
{
	for (size_t i = 0; i < s->alias_name.n; i++)
		if (alias_find(t, peer, cuid, s->alias_name.v[i]) == NULL)
			return dots_errf(err, 404, "unknown alias-name '%s' "
			    "(no such alias of cuid %s on the data channel)",
			    s->alias_name.v[i], cuid);
	for (size_t i = 0; i < s->alias_name.n; i++) {
		const struct dots_scope *a = &alias_find(t, peer, cuid,
		    s->alias_name.v[i])->a.targets;

		if (add_prefixes(s, a) == -1 || add_ports(s, a) == -1 ||
		    add_protocols(s, a) == -1 ||
		    add_strs(&s->target_fqdn, &a->target_fqdn) == -1 ||
		    add_strs(&s->target_uri, &a->target_uri) == -1)
			return dots_errf(err, 500, "out of memory");
	}
	strv_free(&s->alias_name);
	return 0;
}
