/*
 * Filtering ACLs of ietf-dots-data-channel (RFC 8783 §7.2-7.3) under a
 * registered dots-client: POST to the client creates (201, 409 when a
 * name exists), PUT .../acls/acl=NAME creates or replaces (201 or 204;
 * a PUT echoing a GET's config is the refresh of pending-lifetime), GET
 * .../acls or .../acl=NAME with content=config|nonconfig|all, DELETE
 * .../acl=NAME. ETag on every GET; If-Match and If-None-Match on PUT and
 * DELETE (412). The ACLs are ordered by the client (RFC 8519
 * ordered-by user): insert=first|last|before|after with point (RFC 8040
 * §4.8.5-6) on POST and PUT.
 *
 * Before anything is kept, each ACL of the body is checked whole: the
 * decoder (common/dc_acl.h, 400 with the node path), the peer's
 * authorisation (403), its conversion to the mitigator's flowspec rules
 * (policies/dc_acl_rules.h: 501 for a match flowspec cannot carry, so
 * the ACL can be activated later without surprise), and the accept-list
 * conflicts: an accept ACE and a filtering ACE of two ACLs of the same
 * peer that may match the same packets are refused (409
 * resource-denied), because flowspec rules have no order and the
 * exception the accept makes would be lost (RFC 8783 §7.2: a server
 * rejects an ACL that conflicts with another client's of the domain).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dc_acl.h"
#include "common/log.h"
#include "gateway/datachannel/restconf.h"
#include "gateway/gw.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/peer.h"
#include "policies/dc_acl_rules.h"

#define MODULE		"ietf-dots-data-channel:"
#define LOC_PREFIX	"/restconf/data/" MODULE "dots-data"

static const char *
peer_name(const struct rc_request *q)
{
	return q->peer->conf->name;
}

/* ---- entity tags ------------------------------------------------------- */

static void
acl_etag(const struct dc_acl *a, char out[24])
{
	json_t *j = a != NULL ? dc_acl_encode_one(a, DC_CONTENT_CONFIG) : NULL;

	rc_etag(j, out);
	if (a == NULL)
		out[0] = '\0';
	json_decref(j);
}

struct collect {
	json_t		*list;
	unsigned	 content;
	bool		 ok;
};

static int
collect_one(const struct dc_acl *a, void *arg)
{
	struct collect *c = arg;

	if (json_array_append_new(c->list, dc_acl_encode_one(a,
	    c->content)) == -1)
		c->ok = false;
	return 0;
}

/* {"ietf-dots-data-channel:acls": {"acl": [...]}} of peer's cuid */
static json_t *
collection(const struct rc_request *q, const char *cuid, unsigned content)
{
	struct collect c = { json_array(), content, true };

	if (c.list == NULL)
		return NULL;
	(void)dc_acl_foreach(q->gw->dc, peer_name(q), cuid, collect_one, &c);
	if (!c.ok) {
		json_decref(c.list);
		return NULL;
	}
	return json_pack("{s:{s:o}}", DC_ACLS_ROOT, "acl", c.list);
}

/* ---- checks before anything is kept ------------------------------------ */

static bool
filters(const struct dc_ace *a)
{
	return a->forwarding == DC_FWD_DROP || a->forwarding == DC_FWD_REJECT ||
	    (a->forwarding == DC_FWD_ACCEPT && a->has_rate);
}

static bool
plain_accept(const struct dc_ace *a)
{
	return a->forwarding == DC_FWD_ACCEPT && !a->has_rate;
}

/* May a packet match ACE a of acl and ACE b of blc? Only disjoint
 * families, destinations, sources or protocols say no. */
static bool
may_overlap(const struct dc_acl *acl, const struct dc_ace *a,
    const struct dc_acl *blc, const struct dc_ace *b)
{
	int fa = dc_ace_family(acl, a), fb = dc_ace_family(blc, b);
	uint8_t pa = dc_ace_protocol(a, acl->type),
		pb = dc_ace_protocol(b, blc->type);

	if (fa != 0 && fb != 0 && fa != fb)
		return false;
	if ((a->ip.has & DC_IP_DST) && (b->ip.has & DC_IP_DST) &&
	    !prefix_overlaps(&a->ip.dst, &b->ip.dst))
		return false;
	if ((a->ip.has & DC_IP_SRC) && (b->ip.has & DC_IP_SRC) &&
	    !prefix_overlaps(&a->ip.src, &b->ip.src))
		return false;
	return pa == 0 || pb == 0 || pa == pb;
}

struct conflict {
	const struct dc_acl *acl;	/* the new one */
	const char	*cuid;		/* whose ACL conflicts */
	char		 name[DC_NAME_MAX + 1];
};

static bool
acls_conflict(const struct dc_acl *x, const struct dc_acl *y)
{
	for (size_t i = 0; i < x->n_aces; i++)
		for (size_t j = 0; j < y->n_aces; j++) {
			const struct dc_ace *a = &x->aces[i], *b = &y->aces[j];

			if (((plain_accept(a) && filters(b)) ||
			    (filters(a) && plain_accept(b))) &&
			    may_overlap(x, a, y, b))
				return true;
		}
	return false;
}

static int
conflict_one(const char *peer, const char *cuid, const struct dc_acl *a,
    void *arg)
{
	struct conflict *c = arg;

	(void)peer;
	if (strcmp(a->name, c->acl->name) == 0 && strcmp(cuid, c->cuid) == 0)
		return 0;	/* the one it replaces */
	if (!acls_conflict(c->acl, a))
		return 0;
	snprintf(c->name, sizeof(c->name), "%s", a->name);
	c->cuid = cuid;
	return 1;
}

struct peer_walk {
	const char	*peer;
	struct conflict	*c;
};

static int
conflict_peer(const char *peer, const char *cuid, const struct dc_acl *a,
    void *arg)
{
	struct peer_walk *w = arg;

	if (strcmp(peer, w->peer) != 0)
		return 0;
	return conflict_one(peer, cuid, a, w->c);
}

/* Decode, authorise and check every ACL of the body; one: a PUT of that
 * ACL. l is freed by the caller either way. */
static int
acls_body(const struct rc_request *q, const char *cuid, const char *one,
    struct dc_acls *l, struct rc_reply *r)
{
	struct pol_rule *rules;
	struct dc_err	 e;
	json_t		*j, *acl;
	int		 rc;

	memset(l, 0, sizeof(*l));
	if ((j = dc_json_parse(q->body, q->len, &e)) == NULL) {
		rc_error(r, &e);
		return -1;
	}
	/* RFC 8040 §4.5's own form of a PUT of one list entry: the entry
	 * under its module-qualified list name */
	if (one != NULL && json_object_size(j) == 1 &&
	    (acl = json_object_get(j, MODULE "acl")) != NULL) {
		json_t *w = json_pack("{s:{s:O}}", DC_ACLS_ROOT, "acl", acl);

		json_decref(j);
		if ((j = w) == NULL) {
			rc_err(r, 500, "operation-failed", "%s",
			    "out of memory");
			return -1;
		}
	}
	rc = dc_acls_decode_json(j, DC_REQUEST, l, &e);
	json_decref(j);
	if (rc == -1) {
		rc_error(r, &e);
		return -1;
	}
	if (one != NULL && (l->n != 1 || strcmp(l->v[0].name, one) != 0)) {
		rc_err(r, 400, "invalid-value", "the body must hold the one "
		    "ACL the URI names, %s", one);
		return -1;
	}
	if ((rules = calloc(POL_RULES_MAX, sizeof(*rules))) == NULL) {
		rc_err(r, 500, "operation-failed", "%s", "out of memory");
		return -1;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct dc_acl *a = &l->v[i];
		struct conflict c = { .acl = a, .cuid = cuid };
		struct peer_walk w = { peer_name(q), &c };
		size_t n = 0;

		if (dc_acl_authorize(q->peer->conf, a, i, &e) == -1 ||
		    dc_acl_rules(q->peer->conf, a, i, rules, &n, &e) == -1) {
			free(rules);
			rc_error(r, &e);
			return -1;
		}
		/* RFC 8783 §7.2: an immediate ACL names its destinations */
		for (size_t k = 0; dc_acl_activation(a) == DC_ACT_IMMEDIATE &&
		    k < a->n_aces; k++)
			if (filters(&a->aces[k]) &&
			    !(a->aces[k].ip.has & DC_IP_DST)) {
				free(rules);
				dc_errf(&e, 400, "missing-attribute", DC_ACLS_ROOT
				    "/acl[%zu]/aces/ace[%zu]/matches: an "
				    "immediate ACL needs destination-ipv4-"
				    "network or destination-ipv6-network", i, k);
				rc_error(r, &e);
				return -1;
			}
		for (size_t k = 0; k < i; k++)
			if (acls_conflict(a, &l->v[k])) {
				free(rules);
				dc_errf(&e, 409, "resource-denied", "ACL %s "
				    "accepts what ACL %s filters (or the other "
				    "way round): flowspec rules have no order",
				    a->name, l->v[k].name);
				rc_error(r, &e);
				return -1;
			}
		if (dc_acl_walk(q->gw->dc, conflict_peer, &w) != 0) {
			free(rules);
			dc_errf(&e, 409, "resource-denied", "ACL %s conflicts "
			    "with ACL %s of cuid %s: one accepts what the "
			    "other filters, and flowspec rules have no order",
			    a->name, c.name, c.cuid);
			rc_error(r, &e);
			return -1;
		}
	}
	free(rules);
	return 0;
}

/* insert= and point= (RFC 8040 §4.8.5-6); point is the list entry's
 * path (".../acl=NAME") or its name. */
static int
placement(const struct rc_request *q, enum dc_insert *where,
    const char **point, struct rc_reply *r)
{
	const char *p;

	*where = DC_INSERT_LAST;
	*point = NULL;
	if (q->insert == NULL || strcmp(q->insert, "last") == 0)
		;
	else if (strcmp(q->insert, "first") == 0)
		*where = DC_INSERT_FIRST;
	else if (strcmp(q->insert, "before") == 0)
		*where = DC_INSERT_BEFORE;
	else if (strcmp(q->insert, "after") == 0)
		*where = DC_INSERT_AFTER;
	else {
		rc_err(r, 400, "invalid-value", "insert: first, last, before "
		    "or after, not \"%.20s\"", q->insert);
		return -1;
	}
	if (*where != DC_INSERT_BEFORE && *where != DC_INSERT_AFTER) {
		if (q->point != NULL) {
			rc_err(r, 400, "invalid-value", "point goes with "
			    "insert=before or after%s", "");
			return -1;
		}
		return 0;
	}
	if (q->point == NULL) {
		rc_err(r, 400, "missing-attribute", "insert=%s needs point",
		    q->insert);
		return -1;
	}
	p = strstr(q->point, "acl=");
	*point = p != NULL ? p + 4 : q->point;
	return 0;
}

/* ---- methods ------------------------------------------------------------ */

void
rc_acls_post(const struct rc_request *q, const char *cuid, struct rc_reply *r)
{
	uint32_t lifetime = q->gw->conf->data_channel.lifetime;
	enum dc_insert where;
	const char *point;
	struct dc_acls l;
	struct dc_err e;
	char after[DC_NAME_MAX + 1], (*names)[DC_NAME_MAX + 1];
	bool created;
	size_t max = q->gw->conf->data_channel.max_acls;

	if (placement(q, &where, &point, r) == -1)
		return;
	if (acls_body(q, cuid, NULL, &l, r) == -1) {
		dc_acls_free(&l);
		return;
	}
	/* POST creates only (RFC 8040 §4.4.1) */
	for (size_t i = 0; i < l.n; i++)
		if (dc_acl_find(q->gw->dc, peer_name(q), cuid,
		    l.v[i].name) != NULL) {
			rc_err(r, 409, "resource-denied", "ACL %s exists",
			    l.v[i].name);
			dc_acls_free(&l);
			return;
		}
	if (dc_acl_count(q->gw->dc, peer_name(q)) + l.n > max) {
		char n[32];

		snprintf(n, sizeof(n), "%zu", max);
		rc_err(r, 409, "resource-denied", "the peer's quota of %s "
		    "filtering ACLs would be exceeded", n);
		dc_acls_free(&l);
		return;
	}
	if (point != NULL && dc_acl_find(q->gw->dc, peer_name(q), cuid,
	    point) == NULL) {
		rc_err(r, 400, "invalid-value", "point: no ACL %.64s of this "
		    "DOTS client", point);
		dc_acls_free(&l);
		return;
	}
	if ((names = calloc(l.n, sizeof(*names))) == NULL) {
		rc_err(r, 500, "operation-failed", "%s", "out of memory");
		dc_acls_free(&l);
		return;
	}
	snprintf(r->location, sizeof(r->location), LOC_PREFIX
	    "/dots-client=%s/acls/acl=%s", cuid, l.v[0].name);
	for (size_t i = 0; i < l.n; i++) {
		char prev[DC_NAME_MAX + 1];

		snprintf(prev, sizeof(prev), "%s", l.v[i].name);
		if (dc_acl_put(q->gw->dc, peer_name(q), cuid, &l.v[i],
		    lifetime, where, point, &created, &e) == -1) {
			/* all or nothing: the ones this body created go */
			for (size_t k = 0; k < i; k++)
				(void)dc_acl_del(q->gw->dc, peer_name(q), cuid,
				    names[k], NULL);
			rc_error(r, &e);
			r->location[0] = '\0';
			free(names);
			dc_acls_free(&l);
			return;
		}
		snprintf(names[i], sizeof(names[i]), "%s", prev);
		/* the next goes after this one, keeping the body's order */
		if (where != DC_INSERT_LAST) {
			snprintf(after, sizeof(after), "%s", prev);
			where = DC_INSERT_AFTER;
			point = after;
		}
		log_info("data channel: peer %s cuid %s: ACL %s created (%s)",
		    peer_name(q), cuid, prev, dc_activation_name(
		    dc_acl_activation(dc_acl_find(q->gw->dc, peer_name(q),
		    cuid, prev))));
	}
	r->status = 201;
	free(names);
	dc_acls_free(&l);
}

static int
last_one(const struct dc_acl *a, void *arg)
{
	snprintf(arg, DC_NAME_MAX + 1, "%s", a->name);
	return 0;
}

static void
acl_put(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	char last[DC_NAME_MAX + 1] = "";
	uint32_t lifetime = q->gw->conf->data_channel.lifetime;
	enum dc_insert where;
	const char *point;
	struct dc_acls l;
	struct dc_err e;
	char tag[24];
	bool created;

	acl_etag(dc_acl_find(q->gw->dc, peer_name(q), cuid, name), tag);
	if (rc_precondition(q, tag, r) == -1 ||
	    placement(q, &where, &point, r) == -1)
		return;
	if (acls_body(q, cuid, name, &l, r) == -1) {
		dc_acls_free(&l);
		return;
	}
	/* an explicit insert=last moves an existing ACL to the end */
	if (q->insert != NULL && strcmp(q->insert, "last") == 0 &&
	    tag[0] != '\0') {
		(void)dc_acl_foreach(q->gw->dc, peer_name(q), cuid, last_one,
		    last);
		if (strcmp(last, name) != 0) {
			where = DC_INSERT_AFTER;
			point = last;
		}
	}
	if (dc_acl_put(q->gw->dc, peer_name(q), cuid, &l.v[0], lifetime,
	    where, point, &created, &e) == -1) {
		rc_error(r, &e);
		dc_acls_free(&l);
		return;
	}
	dc_acls_free(&l);
	log_info("data channel: peer %s cuid %s: ACL %s %s", peer_name(q),
	    cuid, name, created ? "created" : "replaced");
	r->status = created ? 201 : 204;
	if (created)
		snprintf(r->location, sizeof(r->location), LOC_PREFIX
		    "/dots-client=%s/acls/acl=%s", cuid, name);
	acl_etag(dc_acl_find(q->gw->dc, peer_name(q), cuid, name), r->etag);
}

static void
acls_get(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	const struct dc_acl *a = NULL;
	unsigned content;
	json_t *cfg;
	char tag[24];

	if (rc_content(q, &content, r) == -1)
		return;
	if (name != NULL && (a = dc_acl_find(q->gw->dc, peer_name(q), cuid,
	    name)) == NULL) {
		rc_err(r, 404, "invalid-value", "no ACL %s", name);
		return;
	}
	if (a != NULL)
		acl_etag(a, tag);
	else {
		cfg = collection(q, cuid, DC_CONTENT_CONFIG);
		rc_etag(cfg, tag);
		json_decref(cfg);
	}
	if (rc_precondition(q, tag, r) == -1)
		return;
	r->body = a != NULL ? json_pack("{s:{s:[o]}}", DC_ACLS_ROOT, "acl",
	    dc_acl_encode_one(a, content)) : collection(q, cuid, content);
	if (r->body == NULL) {
		rc_err(r, 500, "operation-failed", "%s", "out of memory");
		return;
	}
	r->status = 200;
	snprintf(r->etag, sizeof(r->etag), "%s", tag);
}

static void
acl_delete(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	struct dc_err e;
	char tag[24];

	acl_etag(dc_acl_find(q->gw->dc, peer_name(q), cuid, name), tag);
	if (tag[0] != '\0' && rc_precondition(q, tag, r) == -1)
		return;
	if (dc_acl_del(q->gw->dc, peer_name(q), cuid, name, &e) == -1) {
		rc_error(r, &e);
		return;
	}
	log_info("data channel: peer %s cuid %s: ACL %s deleted",
	    peer_name(q), cuid, name);
	r->status = 204;
}

bool
rc_body_is_acls(const struct rc_request *q)
{
	json_t *j = json_loadb(q->body != NULL ? q->body : "", q->len, 0,
	    NULL);
	bool yes = json_object_get(j, DC_ACLS_ROOT) != NULL;

	json_decref(j);
	return yes;
}

void
rc_acls(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	bool get = strcmp(q->method, "GET") == 0;

	if (name == NULL) {
		if (get)
			acls_get(q, cuid, NULL, r);
		else
			rc_err(r, 405, "operation-not-supported", "%s: GET "
			    "(POST to the dots-client)", "acls");
		return;
	}
	if (strlen(name) == 0 || strlen(name) > DC_NAME_MAX) {
		rc_err(r, 404, "invalid-value", "%s: no such ACL", "acls");
		return;
	}
	if (strcmp(q->method, "PUT") == 0)
		acl_put(q, cuid, name, r);
	else if (get)
		acls_get(q, cuid, name, r);
	else if (strcmp(q->method, "DELETE") == 0)
		acl_delete(q, cuid, name, r);
	else
		rc_err(r, 405, "operation-not-supported", "%s: PUT, GET or "
		    "DELETE", "acl");
}
