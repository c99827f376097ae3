/*
 * The data channel's filtering ACLs (dc_table.h): one list in the
 * clients' order, stored as "dc-acl:<cuid>/<name>" = {"peer", "expires",
 * "pos", "acl": <the RFC 8783 body of that one ACL>} and restored at
 * start, each with its expiry (pending-lifetime) on one timer. A peer
 * holds at most max-acls-per-peer, so a walk is short.
 *
 * "pos" is the ACL's index among its client's: an insert or a move
 * writes the client's ACLs again (a few), so a restart keeps the order
 * the client asked for.
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
#include "gateway/gw.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/dc_table_impl.h"
#include "gateway/state/store.h"

#define ACL_KEY		"dc-acl:"
#define KEY_MAX		(sizeof(ACL_KEY) + DC_CUID_MAX + 1 + DC_NAME_MAX + 1)
#define DC_PEER_MAX	128	/* conf_impl.h CONF_NAME_MAX */

struct dc_acl_rt {
	TAILQ_ENTRY(dc_acl_rt) entry;
	char		 peer[DC_PEER_MAX + 1];
	char		 cuid[DC_CUID_MAX + 1];
	struct dc_acl	 acl;		/* has_pending: set when read */
	int64_t		 expires;	/* wall clock, Unix seconds */
	int64_t		 pos;		/* restore order only */
};
TAILQ_HEAD(dc_acl_head, dc_acl_rt);

struct dc_acl_store {
	struct gw	*gw;
	struct dc_table	*t;
	struct dc_acl_head acls;
	struct event	*expiry;
	struct dc_acl_events ev;
};

static void arm(struct dc_acl_store *);

static bool
of(const struct dc_acl_rt *r, const char *peer, const char *cuid)
{
	return strcmp(r->cuid, cuid) == 0 && strcmp(r->peer, peer) == 0;
}

static struct dc_acl_rt *
find(const struct dc_acl_store *s, const char *peer, const char *cuid,
    const char *name)
{
	struct dc_acl_rt *r;

	TAILQ_FOREACH(r, &s->acls, entry)
		if (of(r, peer, cuid) && strcmp(r->acl.name, name) == 0)
			return r;
	return NULL;
}

static void
set_pending(struct dc_acl_rt *r)
{
	r->acl.has_pending = true;
	r->acl.pending_lifetime = (int32_t)dc_store_minutes_left(r->expires);
}

static void
tell(struct dc_acl_store *s, const char *peer, const char *cuid,
    const char *name, const struct dc_acl *acl)
{
	if (s->ev.changed != NULL)
		s->ev.changed(s->ev.arg, peer, cuid, name, acl);
}

/* ---- the store ------------------------------------------------------- */

static void
key_of(const struct dc_acl_rt *r, char *key, size_t len)
{
	snprintf(key, len, ACL_KEY "%s/%s", r->cuid, r->acl.name);
}

static int
save(struct dc_acl_store *s, const struct dc_acl_rt *r)
{
	struct dc_acl	 cfg = r->acl;
	struct dc_acls	 one = { &cfg, 1 };
	char		 key[KEY_MAX];
	json_t		*j;

	cfg.has_pending = false;
	key_of(r, key, sizeof(key));
	j = json_pack("{s:s, s:I, s:I, s:o*}", "peer", r->peer, "expires",
	    (json_int_t)r->expires, "pos", (json_int_t)r->pos, "acl",
	    dc_acls_encode(&one));
	if (j != NULL && json_object_get(j, "acl") == NULL) {
		json_decref(j);
		j = NULL;
	}
	return dc_store_put_json(s->gw->store, key, j);
}

/* Number peer's cuid's ACLs in list order and write them all. */
static int
save_client(struct dc_acl_store *s, const char *peer, const char *cuid)
{
	struct dc_acl_rt *r;
	int64_t pos = 0;
	int rc = 0;

	(void)store_begin(s->gw->store);
	TAILQ_FOREACH(r, &s->acls, entry)
		if (of(r, peer, cuid)) {
			r->pos = pos++;
			if (save(s, r) == -1)
				rc = -1;
		}
	if (store_end(s->gw->store) == -1)
		rc = -1;
	return rc;
}

static void
remove_one(struct dc_acl_store *s, struct dc_acl_rt *r, bool unsave,
    bool notify)
{
	char key[KEY_MAX];

	if (unsave) {
		key_of(r, key, sizeof(key));
		(void)store_reg_del(s->gw->store, key);
	}
	TAILQ_REMOVE(&s->acls, r, entry);
	if (notify)
		tell(s, r->peer, r->cuid, r->acl.name, NULL);
	dc_acl_free(&r->acl);
	free(r);
}

/* In pos order among its client's ACLs. */
static void
insert_by_pos(struct dc_acl_store *s, struct dc_acl_rt *n)
{
	struct dc_acl_rt *r;

	TAILQ_FOREACH(r, &s->acls, entry)
		if (of(r, n->peer, n->cuid) && r->pos > n->pos) {
			TAILQ_INSERT_BEFORE(r, n, entry);
			return;
		}
	TAILQ_INSERT_TAIL(&s->acls, n, entry);
}

static int
load_one(void *arg, const char *key, const json_t *j)
{
	struct dc_acl_store	*s = arg;
	const char	*peer = json_string_value(json_object_get(j, "peer"));
	const json_t	*body = json_object_get(j, "acl");
	const char	*name;
	struct dc_acls	 l;
	struct dc_acl_rt *r;
	struct dc_err	 e;
	char		 cuid[DC_CUID_MAX + 1];

	if (peer == NULL || strlen(peer) > DC_PEER_MAX || body == NULL ||
	    (name = dc_store_split_key(key, cuid)) == NULL ||
	    dc_client_cdid(s->t, peer, cuid) == NULL)
		return -1;
	if (dc_acls_decode_json(body, DC_STORED, &l, &e) == -1)
		return -1;
	if (l.n != 1 || strcmp(l.v[0].name, name) != 0 ||
	    find(s, peer, cuid, l.v[0].name) != NULL ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		dc_acls_free(&l);
		return -1;
	}
	strcpy(r->peer, peer);
	strcpy(r->cuid, cuid);
	r->acl = l.v[0];
	memset(&l.v[0], 0, sizeof(l.v[0]));
	dc_acls_free(&l);
	r->expires = json_integer_value(json_object_get(j, "expires"));
	r->pos = json_integer_value(json_object_get(j, "pos"));
	insert_by_pos(s, r);
	return 0;
}

static void
load_all(struct dc_acl_store *s)
{
	struct dc_store_loaded l = { 0, 0 };

	if (dc_store_load(s->gw->store, ACL_KEY, load_one, s, &l) == -1)
		log_warnx("data channel: cannot read the stored ACLs");
	if (l.n > 0 || l.dropped > 0)
		log_info("data channel: restored %zu filtering ACLs, dropped "
		    "%zu", l.n, l.dropped);
}

/* ---- expiry ------------------------------------------------------------ */

static void
on_expiry(evutil_socket_t fd, short ev, void *arg)
{
	struct dc_acl_store *s = arg;
	struct dc_acl_rt *r, *next;
	int64_t now = (int64_t)time(NULL);

	for (r = TAILQ_FIRST(&s->acls); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->expires > now)
			continue;
		log_info("data channel: peer %s cuid %s: ACL %s expired",
		    r->peer, r->cuid, r->acl.name);
		remove_one(s, r, true, true);
	}
	arm(s);
}

static void
arm(struct dc_acl_store *s)
{
	struct dc_acl_rt *r;
	int64_t first = INT64_MAX;

	TAILQ_FOREACH(r, &s->acls, entry)
		if (r->expires < first)
			first = r->expires;
	dc_store_arm(s->expiry, first);
}

struct dc_acl_store *
dc_acl_store_new(struct gw *gw, struct dc_table *t)
{
	struct dc_acl_store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->gw = gw;
	s->t = t;
	TAILQ_INIT(&s->acls);
	if (gw->base != NULL &&
	    (s->expiry = evtimer_new(gw->base, on_expiry, s)) == NULL) {
		free(s);
		return NULL;
	}
	load_all(s);
	arm(s);
	return s;
}

void
dc_acl_store_free(struct dc_acl_store *s)
{
	struct dc_acl_rt *r;

	if (s == NULL)
		return;
	while ((r = TAILQ_FIRST(&s->acls)) != NULL)
		remove_one(s, r, false, false);
	if (s->expiry != NULL)
		event_free(s->expiry);
	free(s);
}

void
dc_acl_store_drop_client(struct dc_acl_store *s, const char *cuid)
{
	struct dc_acl_rt *r, *next;

	for (r = TAILQ_FIRST(&s->acls); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (strcmp(r->cuid, cuid) == 0)
			remove_one(s, r, true, true);
	}
	arm(s);
}

/* ---- the interface ------------------------------------------------------ */

void
dc_acl_subscribe(struct dc_table *t, const struct dc_acl_events *ev)
{
	dc_table_acls(t)->ev = *ev;
}

size_t
dc_acl_count(const struct dc_table *t, const char *peer)
{
	const struct dc_acl_rt *r;
	size_t n = 0;

	TAILQ_FOREACH(r, &dc_table_acls(t)->acls, entry)
		n += strcmp(r->peer, peer) == 0;
	return n;
}

const struct dc_acl *
dc_acl_find(const struct dc_table *t, const char *peer, const char *cuid,
    const char *name)
{
	struct dc_acl_rt *r = find(dc_table_acls(t), peer, cuid, name);

	if (r == NULL)
		return NULL;
	set_pending(r);
	return &r->acl;
}

int
dc_acl_foreach(const struct dc_table *t, const char *peer, const char *cuid,
    int (*fn)(const struct dc_acl *, void *), void *arg)
{
	struct dc_acl_rt *r;
	int rc;

	TAILQ_FOREACH(r, &dc_table_acls(t)->acls, entry) {
		if (!of(r, peer, cuid))
			continue;
		set_pending(r);
		if ((rc = fn(&r->acl, arg)) != 0)
			return rc;
	}
	return 0;
}

int
dc_acl_walk(const struct dc_table *t, int (*fn)(const char *, const char *,
    const struct dc_acl *, void *), void *arg)
{
	struct dc_acl_rt *r, *next;
	int rc;

	for (r = TAILQ_FIRST(&dc_table_acls(t)->acls); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		set_pending(r);
		if ((rc = fn(r->peer, r->cuid, &r->acl, arg)) != 0)
			return rc;
	}
	return 0;
}

/* Put r (not in the list) where asked among peer's cuid's ACLs. */
static int
place(struct dc_acl_store *s, struct dc_acl_rt *r, enum dc_insert where,
    const char *point, struct dc_err *e)
{
	struct dc_acl_rt *p = NULL, *x;

	switch (where) {
	case DC_INSERT_BEFORE:
	case DC_INSERT_AFTER:
		if (point == NULL || (p = find(s, r->peer, r->cuid, point)) ==
		    NULL)
			return dc_errf(e, 400, "invalid-value", "point: no "
			    "ACL %.64s of this DOTS client", point != NULL ?
			    point : "");
		if (where == DC_INSERT_BEFORE)
			TAILQ_INSERT_BEFORE(p, r, entry);
		else
			TAILQ_INSERT_AFTER(&s->acls, p, r, entry);
		return 0;
	case DC_INSERT_FIRST:
		TAILQ_FOREACH(x, &s->acls, entry)
			if (of(x, r->peer, r->cuid)) {
				TAILQ_INSERT_BEFORE(x, r, entry);
				return 0;
			}
		/* FALLTHROUGH */
	default:
		TAILQ_INSERT_TAIL(&s->acls, r, entry);
		return 0;
	}
}

/* r back where it was: after prev, or first */
static void
put_back(struct dc_acl_store *s, struct dc_acl_rt *r, struct dc_acl_rt *prev)
{
	if (prev != NULL)
		TAILQ_INSERT_AFTER(&s->acls, prev, r, entry);
	else
		TAILQ_INSERT_HEAD(&s->acls, r, entry);
}

int
dc_acl_put(struct dc_table *t, const char *peer, const char *cuid,
    struct dc_acl *acl, uint32_t lifetime, enum dc_insert where,
    const char *point, bool *created, struct dc_err *e)
{
	struct dc_acl_store *s = dc_table_acls(t);
	struct dc_acl_rt *r = find(s, peer, cuid, acl->name), *prev = NULL;
	struct dc_acl old;
	int64_t old_exp = 0;
	bool moved;

	*created = r == NULL;
	if (strlen(peer) > DC_PEER_MAX || strlen(cuid) > DC_CUID_MAX) {
		dc_acl_free(acl);
		return dc_errf(e, 500, "operation-failed", "peer or cuid "
		    "too long");
	}
	if (point != NULL && strcmp(point, acl->name) == 0) {
		dc_acl_free(acl);
		return dc_errf(e, 400, "invalid-value", "point: ACL %s cannot "
		    "be placed next to itself", acl->name);
	}
	if ((where == DC_INSERT_BEFORE || where == DC_INSERT_AFTER) &&
	    (point == NULL || find(s, peer, cuid, point) == NULL)) {
		dc_acl_free(acl);
		return dc_errf(e, 400, "invalid-value", "point: no ACL %.64s "
		    "of this DOTS client", point != NULL ? point : "");
	}
	if (r == NULL) {
		if (dc_acl_count(t, peer) >= s->gw->conf->data_channel.max_acls) {
			dc_acl_free(acl);
			return dc_errf(e, 409, "resource-denied", "peer %s has "
			    "%u filtering ACLs, its quota", peer,
			    s->gw->conf->data_channel.max_acls);
		}
		if ((r = calloc(1, sizeof(*r))) == NULL) {
			dc_acl_free(acl);
			return dc_errf(e, 500, "operation-failed",
			    "out of memory");
		}
		strcpy(r->peer, peer);
		strcpy(r->cuid, cuid);
	} else
		old_exp = r->expires;
	moved = *created || where != DC_INSERT_LAST;
	if (moved && !*created) {
		prev = TAILQ_PREV(r, dc_acl_head, entry);
		TAILQ_REMOVE(&s->acls, r, entry);
	}
	if (moved && place(s, r, where, point, e) == -1) {
		if (*created)
			free(r);
		else
			put_back(s, r, prev);
		dc_acl_free(acl);
		return -1;
	}
	old = r->acl;
	r->acl = *acl;
	r->acl.has_pending = false;
	memset(acl, 0, sizeof(*acl));
	r->expires = (int64_t)time(NULL) + (int64_t)lifetime * 60;
	if ((moved ? save_client(s, peer, cuid) : save(s, r)) == -1) {
		dc_acl_free(&r->acl);
		if (*created) {
			TAILQ_REMOVE(&s->acls, r, entry);
			free(r);
		} else {
			r->acl = old;
			r->expires = old_exp;
			if (moved) {
				TAILQ_REMOVE(&s->acls, r, entry);
				put_back(s, r, prev);
			}
		}
		return dc_errf(e, 500, "operation-failed", "the state store "
		    "failed");
	}
	if (!*created)
		dc_acl_free(&old);
	arm(s);
	tell(s, peer, cuid, r->acl.name, &r->acl);
	return 0;
}

int
dc_acl_del(struct dc_table *t, const char *peer, const char *cuid,
    const char *name, struct dc_err *e)
{
	struct dc_acl_store *s = dc_table_acls(t);
	struct dc_acl_rt *r = find(s, peer, cuid, name);

	if (r == NULL)
		return dc_errf(e, 404, "invalid-value", "no ACL %s", name);
	remove_one(s, r, true, true);
	arm(s);
	return 0;
}

int
dc_acl_set_activation(struct dc_table *t, const char *peer, const char *cuid,
    const char *name, unsigned activation, struct dc_err *e)
{
	struct dc_acl_store *s = dc_table_acls(t);
	struct dc_acl_rt *r = find(s, peer, cuid, name);
	uint8_t old;

	if (r == NULL)
		return dc_errf(e, 404, "invalid-value", "no ACL %s", name);
	if (r->acl.activation == activation)
		return 0;
	old = r->acl.activation;
	r->acl.activation = (uint8_t)activation;
	if (save(s, r) == -1) {
		r->acl.activation = old;
		return dc_errf(e, 500, "operation-failed", "the state store "
		    "failed");
	}
	tell(s, peer, cuid, r->acl.name, &r->acl);
	return 0;
}

void
dc_acl_put_back_activation(struct dc_table *t, const char *peer,
    const char *cuid, const char *name, unsigned activation)
{
	struct dc_acl_store *s = dc_table_acls(t);
	struct dc_acl_rt *r = find(s, peer, cuid, name);

	if (r == NULL || r->acl.activation == activation)
		return;
	r->acl.activation = (uint8_t)activation;
	/* the failed request's transaction is rolled back anyway; outside
	 * one this puts the store back too */
	(void)save(s, r);
	tell(s, peer, cuid, r->acl.name, &r->acl);
}
