/*
 * ietf-dots-data-channel (RFC 8783) resources under /restconf/data/:
 * dots-client registration (§6.1), capabilities (§7.1 of the module:
 * what this server filters), aliases (§6.1, §7.1 of the RFC's aliases).
 * Filtering ACLs are dc_acls.c's. Statuses and error-tags are RFC
 * 8040's: 201 created (Location), 204 replaced or deleted, 409
 * resource-denied for what exists or a quota, 404 for what is not the
 * peer's, 403 access-denied for targets outside its prefixes.
 */
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/dc_json.h"
#include "common/log.h"
#include "gateway/datachannel/dc_provision.h"
#include "gateway/datachannel/restconf.h"
#include "gateway/gw.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/peer.h"
#include "policies/authz.h"

#define MODULE		"ietf-dots-data-channel:"
#define DOTS_DATA	MODULE "dots-data"
#define LOC_PREFIX	"/restconf/data/" DOTS_DATA

void
rc_error(struct rc_reply *r, const struct dc_err *e)
{
	/* RFC 6241 Appendix A: malformed-message is an rpc error only;
	 * every other tag we use allows "application" */
	const char *type = strcmp(e->tag, "malformed-message") == 0 ?
	    "rpc" : "application";

	r->status = e->status;
	r->body = json_pack("{s:{s:[{s:s, s:s, s:s}]}}", "ietf-restconf:errors",
	    "error", "error-type", type, "error-tag", e->tag, "error-message",
	    e->msg);
}

void
rc_err(struct rc_reply *r, int status, const char *tag, const char *fmt,
    const char *arg)
{
	struct dc_err e;

	dc_errf(&e, status, tag, fmt, arg);
	rc_error(r, &e);
}

static const char *
peer_name(const struct rc_request *q)
{
	return q->peer->conf->name;
}

/* ---- capabilities ------------------------------------------------------ */

/* What the staged ACLs (conf_ace) and the mitigator's flowspec rules
 * match on and do. */
static void
capabilities(const struct rc_request *q, struct rc_reply *r)
{
	if (strcmp(q->method, "GET") != 0) {
		rc_err(r, 405, "operation-not-supported", "%s: GET only",
		    "capabilities");
		return;
	}
	r->status = 200;
	r->body = json_pack("{s:{s:[s,s], s:[s,s], s:b, s:[i,i,i,i],"
	    " s:{s:b, s:b, s:b}, s:{s:b, s:b, s:b},"
	    " s:{s:b, s:b, s:b}, s:{s:b, s:b, s:b}, s:{s:b}}}",
	    MODULE "capabilities",
	    "address-family", "ipv4", "ipv6",
	    "forwarding-actions", "drop", "accept",
	    "rate-limit", 1,
	    "transport-protocols", 1, 6, 17, 58,
	    "ipv4", "protocol", 1, "destination-prefix", 1,
	    "source-prefix", 1,
	    "ipv6", "protocol", 1, "destination-prefix", 1,
	    "source-prefix", 1,
	    "tcp", "source-port", 1, "destination-port", 1, "port-range", 1,
	    "udp", "source-port", 1, "destination-port", 1, "port-range", 1,
	    "icmp", "type", 1);
}

/* ---- dots-client ------------------------------------------------------- */

static int
client_body(const struct rc_request *q, struct dc_client_req *c,
    struct dc_prov *prov, struct rc_reply *r)
{
	struct dc_err e;
	json_t *j;
	int rc;

	if ((j = dc_json_parse(q->body, q->len, &e)) == NULL) {
		rc_error(r, &e);
		return -1;
	}
	if (dc_prov_take(q, j, prov, r) == -1) {
		json_decref(j);
		return -1;
	}
	rc = dc_decode_client(j, c, &e);
	json_decref(j);
	if (rc == -1) {
		rc_error(r, &e);
		return -1;
	}
	if (c->cdid[0] != '\0' && !q->peer->conf->trusted_gateway) {
		log_info("data channel: peer %s is not a trusted gateway: "
		    "cdid '%s' ignored", peer_name(q), c->cdid);
		c->cdid[0] = '\0';
	}
	return 0;
}

static void
client_put(const struct rc_request *q, const char *uri_cuid, struct rc_reply *r)
{
	struct dc_client_req c;
	struct dc_prov prov = { 0 };
	struct dc_err e;
	bool created;

	if (client_body(q, &c, &prov, r) == -1)
		goto out;
	if (uri_cuid == NULL && dc_client_owner(q->gw->dc, c.cuid) != NULL) {
		rc_err(r, 409, "resource-denied", "dots-client %s exists",
		    c.cuid);
		goto out;
	}
	if (uri_cuid != NULL && strcmp(uri_cuid, c.cuid) != 0) {
		rc_err(r, 400, "invalid-value", "cuid in the body is not the "
		    "URI's %s", uri_cuid);
		goto out;
	}
	if (dc_client_put(q->gw->dc, peer_name(q), c.cuid, c.cdid, &created,
	    &e) == -1) {
		rc_error(r, &e);
		goto out;
	}
	if (dc_prov_apply(q, c.cuid, &prov, created, r) == -1) {
		if (created)	/* nothing half done */
			(void)dc_client_del(q->gw->dc, peer_name(q), c.cuid,
			    &e);
		goto out;
	}
	r->status = created ? 201 : 204;
	if (created)
		snprintf(r->location, sizeof(r->location),
		    LOC_PREFIX "/dots-client=%s", c.cuid);
out:
	dc_prov_free(&prov);
}

static void
client_get(const struct rc_request *q, const char *cuid, struct rc_reply *r)
{
	const char *cdid = dc_client_cdid(q->gw->dc, peer_name(q), cuid);
	json_t *o;

	if (cdid == NULL) {
		rc_err(r, 404, "invalid-value", "no dots-client %s", cuid);
		return;
	}
	o = json_pack("{s:s}", "cuid", cuid);
	if (cdid[0] != '\0')
		json_object_set_new(o, "cdid", json_string(cdid));
	dc_prov_show(q, cuid, o);
	r->status = 200;
	r->body = json_pack("{s:[o]}", MODULE "dots-client", o);
}

/* ---- aliases ----------------------------------------------------------- */

int
rc_content(const struct rc_request *q, unsigned *content, struct rc_reply *r)
{
	if (q->content == NULL || strcmp(q->content, "all") == 0)
		*content = DC_CONTENT_ALL;
	else if (strcmp(q->content, "config") == 0)
		*content = DC_CONTENT_CONFIG;
	else if (strcmp(q->content, "nonconfig") == 0)
		*content = DC_CONTENT_NONCONFIG;
	else {
		rc_err(r, 400, "invalid-value", "content: config, nonconfig or "
		    "all, not \"%.40s\"", q->content);
		return -1;
	}
	return 0;
}

struct collect {
	json_t		*list;
	unsigned	 content;
};

static int
collect_one(const struct dc_alias *a, int64_t pending, void *arg)
{
	struct collect *c = arg;

	json_array_append_new(c->list, dc_encode_alias(a, c->content,
	    pending));
	return 0;
}

/* The entity tag of peer's alias name of cuid, or of all its aliases
 * (name NULL): "" for none (etag.c). */
static void
alias_etag(const struct rc_request *q, const char *cuid, const char *name,
    char tag[24])
{
	struct collect c = { json_array(), DC_CONTENT_CONFIG };
	const struct dc_alias *a;
	int64_t pending;

	tag[0] = '\0';
	if (name != NULL) {
		json_decref(c.list);
		if ((a = dc_alias_get(q->gw->dc, peer_name(q), cuid, name,
		    &pending)) == NULL)
			return;
		c.list = dc_encode_alias(a, DC_CONTENT_CONFIG, 0);
	} else if (c.list != NULL)
		(void)dc_alias_foreach(q->gw->dc, peer_name(q), cuid,
		    collect_one, &c);
	rc_etag(c.list, tag);
	json_decref(c.list);
}

static void
aliases_get(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	struct collect c;
	const struct dc_alias *a;
	int64_t pending;
	char tag[24];

	if (rc_content(q, &c.content, r) == -1)
		return;
	alias_etag(q, cuid, name, tag);
	if (name != NULL) {
		if ((a = dc_alias_get(q->gw->dc, peer_name(q), cuid, name,
		    &pending)) == NULL) {
			rc_err(r, 404, "invalid-value", "no alias %s", name);
			return;
		}
		if (rc_precondition(q, tag, r) == -1)
			return;
		r->status = 200;
		r->body = json_pack("{s:[o]}", MODULE "alias",
		    dc_encode_alias(a, c.content, pending));
		snprintf(r->etag, sizeof(r->etag), "%s", tag);
		return;
	}
	if (rc_precondition(q, tag, r) == -1)
		return;
	snprintf(r->etag, sizeof(r->etag), "%s", tag);
	c.list = json_array();
	(void)dc_alias_foreach(q->gw->dc, peer_name(q), cuid, collect_one, &c);
	r->status = 200;
	r->body = json_pack("{s:{s:o}}", MODULE "aliases", "alias", c.list);
}

/* Decode and authorize every alias of the body before any is kept. */
static int
aliases_body(const struct rc_request *q, const char *one, struct dc_aliases *as,
    struct rc_reply *r)
{
	struct dots_err de;
	struct dc_err e;
	json_t *j;
	int rc;

	memset(as, 0, sizeof(*as));	/* the caller frees it either way */
	if ((j = dc_json_parse(q->body, q->len, &e)) == NULL) {
		rc_error(r, &e);
		return -1;
	}
	rc = dc_decode_aliases(j, one, as, &e);
	json_decref(j);
	if (rc == -1) {
		rc_error(r, &e);
		return -1;
	}
	for (size_t i = 0; i < as->n; i++)
		if (pol_authorize_scope(q->peer->conf, &as->v[i].targets,
		    &de) == -1) {
			char msg[sizeof(de.msg) + 80];

			snprintf(msg, sizeof(msg), "alias %s: %s",
			    as->v[i].name, de.msg);
			rc_err(r, 403, "access-denied", "%s", msg);
			return -1;
		}
	return 0;
}

static void
aliases_put(const struct rc_request *q, const char *cuid, const char *name,
    struct rc_reply *r)
{
	uint32_t lifetime = q->gw->conf->data_channel.lifetime;
	struct dc_aliases as;
	struct dc_err e;
	size_t fresh = 0;
	bool created = false, any = false;
	char first[DC_NAME_MAX + 1] = "";

	if (name != NULL) {
		char tag[24];

		alias_etag(q, cuid, name, tag);
		if (rc_precondition(q, tag, r) == -1)
			return;
	}
	if (aliases_body(q, name, &as, r) == -1) {
		dc_aliases_free(&as);
		return;
	}
	for (size_t i = 0; i < as.n; i++) {
		bool exists = dc_alias_exists(q->gw->dc, peer_name(q), cuid,
		    as.v[i].name);

		/* POST creates only (RFC 8040 §4.4.1) */
		if (name == NULL && exists) {
			rc_err(r, 409, "resource-denied", "alias %s exists",
			    as.v[i].name);
			dc_aliases_free(&as);
			return;
		}
		fresh += !exists;
	}
	if (dc_alias_count(q->gw->dc, peer_name(q)) + fresh >
	    q->gw->conf->data_channel.max_aliases) {
		char n[32];

		snprintf(n, sizeof(n), "%u",
		    q->gw->conf->data_channel.max_aliases);
		rc_err(r, 409, "resource-denied", "the peer's quota of %s "
		    "aliases would be exceeded", n);
		dc_aliases_free(&as);
		return;
	}
	snprintf(first, sizeof(first), "%s", as.v[0].name);
	for (size_t i = 0; i < as.n; i++) {
		if (dc_alias_put(q->gw->dc, peer_name(q), cuid, &as.v[i],
		    lifetime, &created, &e) == -1) {
			rc_error(r, &e);
			dc_aliases_free(&as);
			return;
		}
		any |= created;
	}
	r->status = name == NULL || any ? 201 : 204;
	if (r->status == 201)
		snprintf(r->location, sizeof(r->location),
		    LOC_PREFIX "/dots-client=%s/aliases/alias=%s", cuid,
		    first);
	dc_aliases_free(&as);
}

/* ---- routing ----------------------------------------------------------- */

void
rc_dots_data(const struct rc_request *q, struct rc_reply *r)
{
	const char *p = q->path, *slash;
	char cuid[DC_CUID_MAX + 1], name[DC_NAME_MAX + 1];
	bool get = strcmp(q->method, "GET") == 0;
	bool put = strcmp(q->method, "PUT") == 0;
	bool post = strcmp(q->method, "POST") == 0;
	bool del = strcmp(q->method, "DELETE") == 0;
	struct dc_err e;
	size_t n;

	if (strncmp(p, DOTS_DATA, strlen(DOTS_DATA)) != 0 ||
	    (p[strlen(DOTS_DATA)] != '\0' && p[strlen(DOTS_DATA)] != '/')) {
		rc_err(r, 404, "invalid-value", "%s: no such resource", "data");
		return;
	}
	p += strlen(DOTS_DATA);
	if (*p == '\0') {
		if (post)
			client_put(q, NULL, r);
		else
			rc_err(r, 405, "operation-not-supported", "%s: POST a "
			    "dots-client", "dots-data");
		return;
	}
	if (strcmp(p, "/capabilities") == 0) {
		capabilities(q, r);
		return;
	}
	if (strncmp(p, "/dots-client=", 13) != 0) {
		rc_err(r, 404, "invalid-value", "%s: no such resource",
		    "dots-data");
		return;
	}
	p += 13;
	n = (slash = strchr(p, '/')) != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n > DC_CUID_MAX) {
		rc_err(r, 400, "invalid-value", "%s: a bad cuid",
		    "dots-client");
		return;
	}
	memcpy(cuid, p, n);
	cuid[n] = '\0';
	p += n;
	if (*p == '\0' && post) {
		/* a child of the client: aliases (RFC 8783 §6.1) */
		if (dc_client_cdid(q->gw->dc, peer_name(q), cuid) == NULL)
			rc_err(r, 404, "invalid-value", "no dots-client %s",
			    cuid);
		else if (rc_body_is_acls(q))
			rc_acls_post(q, cuid, r);
		else
			aliases_put(q, cuid, NULL, r);
		return;
	}
	if (*p == '\0') {
		if (put)
			client_put(q, cuid, r);
		else if (get)
			client_get(q, cuid, r);
		else if (del) {
			if (dc_client_del(q->gw->dc, peer_name(q), cuid, &e) ==
			    -1)
				rc_error(r, &e);
			else {
				dc_prov_cancel(q, cuid);
				r->status = 204;
			}
		} else
			rc_err(r, 405, "operation-not-supported", "%s: POST, "
			    "PUT, GET or DELETE", "dots-client");
		return;
	}
	/* every resource below is the registered client's: another
	 * peer's client is not found, as an unregistered one */
	if (dc_client_cdid(q->gw->dc, peer_name(q), cuid) == NULL) {
		rc_err(r, 404, "invalid-value", "no dots-client %s", cuid);
		return;
	}
	if (strcmp(p, "/aliases") == 0) {
		if (get)
			aliases_get(q, cuid, NULL, r);
		else
			rc_err(r, 405, "operation-not-supported", "%s: GET "
			    "(POST to the dots-client)", "aliases");
		return;
	}
	if (strcmp(p, "/acls") == 0 || strncmp(p, "/acls/acl=", 10) == 0) {
		rc_acls(q, cuid, p[5] == '\0' ? NULL : p + 10, r);
		return;
	}
	if (strncmp(p, "/aliases/alias=", 15) != 0) {
		rc_err(r, 404, "invalid-value", "%s: no such resource",
		    "dots-client");
		return;
	}
	p += 15;
	if (strlen(p) == 0 || strlen(p) > DC_NAME_MAX || strchr(p, '/')) {
		rc_err(r, 404, "invalid-value", "%s: no such alias", "aliases");
		return;
	}
	strcpy(name, p);
	if (put)
		aliases_put(q, cuid, name, r);
	else if (get)
		aliases_get(q, cuid, name, r);
	else if (del) {
		char tag[24];

		alias_etag(q, cuid, name, tag);
		if (tag[0] != '\0' && rc_precondition(q, tag, r) == -1)
			return;
		if (dc_alias_del(q->gw->dc, peer_name(q), cuid, name, &e) == -1)
			rc_error(r, &e);
		else
			r->status = 204;
	} else
		rc_err(r, 405, "operation-not-supported", "%s: PUT, GET or "
		    "DELETE", "alias");
}
