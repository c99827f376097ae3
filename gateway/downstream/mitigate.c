/*
 * /.well-known/dots/mitigate (RFC 9132 §4.4): PUT creates or refreshes a
 * mitigation, or with an empty If-Match is an efficacy update; GET reports
 * one or all of a client's mitigations (observable); DELETE withdraws.
 * Everything is scoped to the authenticated peer: another peer's cuid is a
 * collision on PUT and "not found" on GET.
 */
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "policies/acl.h"
#include "policies/authz.h"
#include "gateway/state/dc_acl_list.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/audit.h"
#include "gateway/downstream/durable.h"
#include "gateway/downstream/held.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/relay/orch_member.h"
#include "gateway/downstream/overload.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/relay/relay.h"
#include "gateway/downstream/server.h"
#include "gateway/downstream/telemetry.h"
#include "gateway/state/store.h"

#define DEFAULT_MAX_MITIGATIONS	64
#define QUOTA_RETRY_SECONDS	60
#define STORE_RETRY_SECONDS	5

/* Which members a GET returns (Uri-Query "c", RFC 9132 §4.4.2). */
enum content { CONTENT_ALL, CONTENT_CONFIG, CONTENT_NONCONFIG };

/* max_age: seconds, or -1 for none */
static void
reply_mitigation(const struct ds_request *rq, coap_pdu_t *resp, int code,
    int max_age, struct dots_scope *scopes, size_t n)
{
	struct dots_mitigation msg = { .scope = scopes, .n_scope = n };
	uint8_t *buf;
	size_t len;
	int rc;

	server_telemetry_add(rq, scopes, n);	/* RFC 9244 §9.2, if asked */
	rc = dots_encode_mitigation(&msg, &buf, &len);
	server_telemetry_drop(scopes, n);
	if (rc == -1) {
		if (!rq->observe)
			reply_errf(resp, 500, "out of memory");
		return;
	}
	reply_cbor_max_age(rq, resp, code, max_age, buf, len);
	free(buf);
}

static void
reply_mid_lifetime(const struct ds_request *rq, coap_pdu_t *resp, int code,
    const struct mitigation *m)
{
	struct dots_scope s = { 0 };

	s.present = DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME;
	s.mid = m->mid;
	s.lifetime = mit_lifetime_left(m);
	reply_mitigation(rq, resp, code, -1, &s, 1);
}

static void
reply_conflict(const struct ds_request *rq, coap_pdu_t *resp,
    struct dots_conflict *ci)
{
	struct dots_scope s = { .conflict = ci };

	reply_mitigation(rq, resp, 409, -1, &s, 1);
}

/* The mitigation as a GET shows it. Borrows m's lists: never freed. */
static void
scope_view(const struct mitigation *m, enum content c, struct dots_scope *s)
{
	memset(s, 0, sizeof(*s));
	if (c != CONTENT_NONCONFIG) {
		*s = m->scope;
		memset(&s->opt, 0, sizeof(s->opt));	/* not echoed */
		s->conflict = NULL;
		s->present = 0;		/* only what a GET reports, below */
	}
	s->present |= DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME;
	s->mid = m->mid;
	s->lifetime = mit_lifetime_left(m);
	if (c == CONTENT_CONFIG)
		return;
	s->present |= DOTS_SCOPE_STATUS | DOTS_SCOPE_BYTES_DROPPED |
	    DOTS_SCOPE_BPS_DROPPED | DOTS_SCOPE_PKTS_DROPPED |
	    DOTS_SCOPE_PPS_DROPPED;
	/* no mitigation-start for a request waiting on signal loss */
	if (m->status != DOTS_STATUS_SIGNAL_LOSS) {
		s->present |= DOTS_SCOPE_MITIGATION_START;
		s->mitigation_start = m->start;
	}
	uint64_t ctr[4];

	s->status = mit_report_status(m);
	relay_counters(m, ctr);
	s->bytes_dropped = ctr[0];
	s->pkts_dropped = ctr[1];
	s->bps_dropped = ctr[2];
	s->pps_dropped = ctr[3];
}

static int
parse_content(const coap_string_t *q, enum content *c, struct dots_err *err)
{
	*c = CONTENT_ALL;
	if (q == NULL || q->length == 0)
		return 0;
	if (q->length == 3 && memcmp(q->s, "c=", 2) == 0) {
		switch (q->s[2]) {
		case 'a':
			return 0;
		case 'c':
			*c = CONTENT_CONFIG;
			return 0;
		case 'n':
			*c = CONTENT_NONCONFIG;
			return 0;
		}
	}
	return dots_errf(err, 400, "unsupported Uri-Query '%.*s' (c=a, c=c "
	    "or c=n)", (int)q->length, (const char *)q->s);
}

/* The client of this request's cuid, or NULL when it is not the peer's. */
static struct mit_client *
own_client(const struct ds_request *rq)
{
	struct mit_client *c = mit_client_find(rq->gw->mt, rq->path.cuid);

	return c != NULL && c->peer == rq->ds->peer ? c : NULL;
}

static void
mitigate_get(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct mit_client *c = own_client(rq);
	struct dots_scope *scopes = NULL;
	struct mitigation *m;
	struct dots_err err = { 0 };
	enum content content;
	size_t n = 0;
	bool foreign;

	if (parse_content(rq->query, &content, &err) == -1) {
		reply_err(resp, &err);	/* same query at every notification */
		return;
	}
	if (c != NULL && rq->path.has_mid) {
		if ((m = mit_find(c, rq->path.mid)) != NULL) {
			struct dots_scope s;

			scope_view(m, content, &s);
			reply_mitigation(rq, resp, 205, MIT_NOTIFY_INTERVAL,
			    &s, 1);
			return;
		}
	} else if (c != NULL) {
		TAILQ_FOREACH(m, &c->mits, entry)
			n++;
		if ((scopes = calloc(n, sizeof(*scopes))) == NULL) {
			if (!rq->observe)
				reply_errf(resp, 500, "out of memory");
			return;
		}
		n = 0;
		TAILQ_FOREACH(m, &c->mits, entry)
			scope_view(m, content, &scopes[n++]);
		reply_mitigation(rq, resp, 205, MIT_NOTIFY_INTERVAL, scopes,
		    n);
		free(scopes);
		return;
	}
	foreign = c == NULL && mit_client_find(rq->gw->mt, rq->path.cuid);
	if (rq->observe && !foreign) {
		/* the peer's own observed resource without content: cannot
		 * happen (they go away together); never a 4.04 here */
		reply_mitigation(rq, resp, 205, -1, NULL, 0);
		return;
	}
	if (rq->path.has_mid)
		reply_errf(resp, 404, "no mitigation mid=%u for cuid %s",
		    rq->path.mid, rq->path.cuid);
	else
		reply_errf(resp, 404, "no mitigation for cuid %s",
		    rq->path.cuid);
}

static void
mitigate_delete(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct mit_client *c;
	struct mitigation *m;

	if (!rq->path.has_mid) {
		reply_errf(resp, 400, "DELETE needs Uri-Path cuid and mid");
		return;
	}
	/* 2.02 even for an unknown mid (RFC 9132 §4.4.4) */
	if ((c = own_client(rq)) != NULL &&
	    (m = mit_find(c, rq->path.mid)) != NULL)
		mit_withdraw(rq->gw->mt, m);
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(202));
}

/* Checks on a new request or a refresh that the codec cannot know. */
static int
validate_request(const struct dots_scope *s, struct dots_err *err)
{
	if (!(s->present & DOTS_SCOPE_LIFETIME))
		return dots_errf(err, 400, "missing lifetime");
	if (s->lifetime == 0)
		return dots_errf(err, 400, "lifetime 0 is not allowed");
	if (s->lifetime < DOTS_LIFETIME_INDEFINITE)
		return dots_errf(err, 400, "lifetime must be positive or -1");
	if (s->n_target_prefix == 0 && s->target_fqdn.n == 0 &&
	    s->target_uri.n == 0 && s->alias_name.n == 0)
		return dots_errf(err, 400, "no target: one of target-prefix, "
		    "target-fqdn, target-uri or alias-name is needed");
	if (s->present & DOTS_SCOPE_ATTACK_STATUS)
		return dots_errf(err, 400, "attack-status belongs in an "
		    "efficacy update (PUT with If-Match)");
	for (size_t i = 0; i < s->n_target_prefix; i++) {
		const char *why;
		char buf[PREFIX_STRLEN];

		if (prefix_is_invalid_target(&s->target_prefix[i], &why))
			return dots_errf(err, 400, "target-prefix %s: %s",
			    prefix_format(&s->target_prefix[i], buf,
			    sizeof(buf)), why);
	}
	return 0;
}

/*
 * RFC 9133 as go-dots implements it: the acl-list comes with a new mid
 * only, and not in idle time; here "idle" is a request that does not
 * trigger mitigation (RFC 8811 pre-configured, trigger-mitigation false),
 * since a mitigation request carrying the acl-list is itself what makes
 * the attack time. Every name must be one of the peer's staged ACLs or
 * the client's data-channel ACLs (dc_acl_list.h).
 */
static int
acl_list_check(const struct ds_request *rq, const struct mitigation *m,
    const struct dots_scope *s, struct dots_err *err)
{
	if (m != NULL)
		return dots_errf(err, 400, "acl-list needs a new mid (mid %u "
		    "exists)", m->mid);
	if ((s->present & DOTS_SCOPE_TRIGGER) && !s->trigger_mitigation)
		return dots_errf(err, 400, "acl-list is not processed in idle "
		    "time (trigger-mitigation false)");
	return dc_acl_list_check(rq->gw->dc, rq->ds->peer->conf, rq->path.cuid,
	    s, err);
}

static bool
same_trigger(const struct dots_scope *a, const struct dots_scope *b)
{
	bool ta = !(a->present & DOTS_SCOPE_TRIGGER) || a->trigger_mitigation;
	bool tb = !(b->present & DOTS_SCOPE_TRIGGER) || b->trigger_mitigation;

	return ta == tb;
}

struct overlap_search {
	const struct peer_rt	*peer;
	const struct dots_scope	*scope;
	struct mitigation	*found;
};

/*
 * Two orchestrators of one redundant pair speak for the same ISPs: after
 * a failover the standby places again what the dead one placed here, so
 * their requests do not conflict with each other (orch_member_takeover
 * then keeps one copy).
 */
static bool
orchestrator_pair(const struct peer_rt *a, const struct peer_rt *b)
{
	return a->conf->up.orchestrator && b->conf->up.orchestrator;
}

static int
other_peer_overlap(struct mitigation *m, void *arg)
{
	struct overlap_search *os = arg;

	if (m->client->peer == os->peer || !mit_is_active(m) ||
	    orchestrator_pair(m->client->peer, os->peer) ||
	    !dots_scope_overlaps(&m->scope, os->scope))
		return 0;
	os->found = m;
	return 1;
}

/* Whether any other peer has an active mitigation: when none has (one
 * busy peer, the common case), the walk over the whole table for a
 * cross-peer overlap is skipped; it was most of a PUT's CPU time at tens
 * of thousands of mitigations (tests/bench/README.md). */
static bool
others_active(const struct gw *gw, const struct peer_rt *self)
{
	for (size_t i = 0; i < gw->n_peers; i++)
		if (gw->peers[i] != self && gw->peers[i]->active > 0)
			return true;
	return false;
}

/*
 * RFC 9132 §4.4.1: among one client's requests of the same trigger type,
 * the higher mid wins (lower ones are replaced, a lower newcomer gets 4.09);
 * a request overlapping another peer's active mitigation is refused with
 * conflict-information. Returns 0 when the request may proceed.
 */
/* The same client's active request of the same trigger type that s
 * overlaps (RFC 9132 §4.4.1). */
static bool
own_overlap(const struct mitigation *m, const struct mit_client *c,
    const struct dots_scope *s)
{
	return m->client == c && mit_is_active(m) &&
	    same_trigger(&m->scope, s) && dots_scope_overlaps(&m->scope, s);
}

/*
 * RFC 9132 §4.4.1: among one client's requests of the same trigger type,
 * the higher mid wins (lower ones are replaced, a lower newcomer gets 4.09
 * naming the lowest higher mid); a request overlapping another peer's
 * active mitigation is refused with conflict-information. The candidates
 * come from the target index (mit_near), or for a request too wide for
 * it, from the client's list and the whole table. Returns 0 when the
 * request may proceed.
 */
static int
check_conflicts(const struct ds_request *rq, coap_pdu_t *resp,
    struct mit_client *c, const struct dots_scope *s, size_t *replaced)
{
	struct overlap_search os = { .peer = rq->ds->peer, .scope = s };
	struct dots_conflict ci = { 0 };
	struct dots_scope cs = { 0 };
	struct mitigation *m, *higher = NULL, **near;
	size_t n_near;
	int indexed;

	*replaced = 0;
	if ((indexed = mit_near(rq->gw->mt, s, &near, &n_near)) == -1) {
		reply_errf(resp, 500, "out of memory");
		return -1;
	}
	if (indexed == 0) {
		for (size_t i = 0; i < n_near; i++) {
			m = near[i];
			if (c == NULL || !own_overlap(m, c, s))
				continue;
			if (m->mid < rq->path.mid)
				(*replaced)++;
			else if (higher == NULL || m->mid < higher->mid)
				higher = m;
		}
	} else if (c != NULL) {
		TAILQ_FOREACH(m, &c->mits, entry) {
			if (!own_overlap(m, c, s))
				continue;
			if (m->mid < rq->path.mid) {
				(*replaced)++;
				continue;
			}
			higher = m;
			break;
		}
	}
	if (higher != NULL) {
		free(near);
		cs.present = DOTS_SCOPE_MID;
		cs.mid = higher->mid;
		cs.target_prefix = higher->scope.target_prefix;
		cs.n_target_prefix = higher->scope.n_target_prefix;
		ci.conflict_cause = DOTS_CAUSE_OVERLAPPING_TARGETS;
		ci.conflict_scope = &cs;
		reply_conflict(rq, resp, &ci);
		return -1;
	}
	if (others_active(rq->gw, rq->ds->peer)) {
		if (indexed == 0) {
			for (size_t i = 0; i < n_near && os.found == NULL; i++)
				other_peer_overlap(near[i], &os);
		} else
			mit_foreach(rq->gw->mt, other_peer_overlap, &os);
	}
	free(near);
	if (os.found == NULL)
		return 0;
	log_info("peer %s cuid %s mid %u: refused, overlaps an active "
	    "mitigation of peer %s", rq->ds->peer->conf->name, rq->path.cuid,
	    rq->path.mid, os.found->client->peer->conf->name);
	cs.target_prefix = s->target_prefix;
	cs.n_target_prefix = s->n_target_prefix;
	cs.target_fqdn = s->target_fqdn;
	cs.target_uri = s->target_uri;
	ci.conflict_status = DOTS_CONFLICT_INACTIVE_OTHER_ACTIVE;
	ci.conflict_cause = DOTS_CAUSE_OVERLAPPING_TARGETS;
	ci.conflict_scope = &cs;
	if (mit_lifetime_left(os.found) >= 0) {
		ci.has_retry_timer = true;
		ci.retry_timer = (uint32_t)mit_lifetime_left(os.found);
	}
	reply_conflict(rq, resp, &ci);
	return -1;
}

static void
replace_one(struct mit_table *mt, struct mit_client *c, struct mitigation *m,
    uint32_t mid)
{
	log_info("peer %s cuid %s: mid %u replaced by mid %u",
	    c->peer->conf->name, c->cuid, m->mid, mid);
	audit_mitigation(mit_gw(m), "replaced", m,
	    "overlapping request with a higher mid");
	mit_remove(mt, m);	/* c keeps the new one */
}

static void
remove_replaced(struct mit_table *mt, struct mit_client *c,
    const struct dots_scope *s, uint32_t mid)
{
	struct mitigation *m, *next, **near;
	size_t n_near;

	if (mit_near(mt, s, &near, &n_near) == 0) {
		for (size_t i = 0; i < n_near; i++)
			if (near[i]->mid < mid && own_overlap(near[i], c, s))
				replace_one(mt, c, near[i], mid);
		free(near);
		return;
	}
	for (m = TAILQ_FIRST(&c->mits); m != NULL; m = next) {
		next = TAILQ_NEXT(m, entry);
		if (m->mid < mid && own_overlap(m, c, s))
			replace_one(mt, c, m, mid);
	}
}

/* PUT with an empty If-Match (RFC 9132 §4.4.3). */
static void
efficacy_update(const struct ds_request *rq, coap_pdu_t *resp,
    struct mitigation *m, const struct dots_scope *s)
{
	const struct conf_policy *pol = &rq->ds->peer->conf->policy;

	if (m == NULL || !mit_is_active(m)) {
		/* silently ignored: it may have overtaken a DELETE; no code
		 * set means no response to a NON, an empty ACK to a CON */
		log_debug("peer %s cuid %s: efficacy update for unknown mid %u "
		    "ignored", rq->ds->peer->conf->name, rq->path.cuid,
		    rq->path.mid);
		return;
	}
	if (!(s->present & DOTS_SCOPE_ATTACK_STATUS)) {
		reply_errf(resp, 400, "an efficacy update needs attack-status");
		return;
	}
	if (!dots_scope_same_target(&m->scope, s) ||
	    !same_trigger(&m->scope, s)) {
		reply_errf(resp, 400, "an efficacy update must repeat the "
		    "request's parameters unchanged");
		return;
	}
	if (s->present & DOTS_SCOPE_LIFETIME) {
		if (s->lifetime == 0) {
			reply_errf(resp, 400, "lifetime 0 is not allowed");
			return;
		}
		mit_set_lifetime(m, pol_grant_lifetime(pol, s->lifetime));
	}
	m->attack_status = s->attack_status;
	relay_attack_info(m, s);
	log_info("peer %s cuid %s mid %u: efficacy update: %s",
	    rq->ds->peer->conf->name, rq->path.cuid, m->mid,
	    s->attack_status == DOTS_ATTACK_UNDER_ATTACK ? "under-attack" :
	    "attack-successfully-mitigated");
	relay_efficacy(m);
	mit_changed(rq->gw->mt, m);
	persist_mit(rq->gw, m);
	reply_mid_lifetime(rq, resp, 204, m);
}

static void
reply_cuid_collision(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct dots_conflict ci = { .conflict_cause =
	    DOTS_CAUSE_CUID_COLLISION };

	log_info("peer %s: cuid %s collides with another peer's",
	    rq->ds->peer->conf->name, rq->path.cuid);
	reply_conflict(rq, resp, &ci);
}

/* Hop-Limit as received (RFC 8768), 0 when absent. */
static uint32_t
request_hop_limit(const coap_pdu_t *pdu)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;

	if ((o = coap_check_option(pdu, COAP_OPTION_HOP_LIMIT, &it)) == NULL)
		return 0;
	return coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
}

static void
mitigate_put(const struct ds_request *rq, coap_pdu_t *resp,
    struct dc_acl_list_undo *acl_undo)
{
	struct peer_rt *peer = rq->ds->peer;
	const struct conf_policy *pol = &peer->conf->policy;
	struct dots_mitigation req = { 0 };
	struct dots_err err = { 0 };
	struct mit_client *c;
	struct mitigation *m = NULL;
	struct dots_scope *s = NULL;
	struct relay_request rr;
	struct relay_plan plan = { 0 };
	const uint8_t *body;
	size_t len, replaced, max;
	int64_t lifetime;

	if (!rq->path.has_mid) {
		reply_errf(resp, 400, "missing Uri-Path 'mid'");
		return;
	}
	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_decode_mitigation(body, len, DOTS_REQ, &req, &err) == -1) {
		reply_err(resp, &err);
		return;
	}
	if (req.n_scope != 1) {
		reply_errf(resp, 400, "a request carries exactly one scope "
		    "(got %zu)", req.n_scope);
		goto done;
	}
	s = &req.scope[0];
	c = mit_client_find(rq->gw->mt, rq->path.cuid);
	if (c != NULL && c->peer != peer) {
		reply_cuid_collision(rq, resp);
		goto done;
	}
	if (c != NULL)
		m = mit_find(c, rq->path.mid);
	/* alias-name becomes the alias's targets (the data channel's, of
	 * this cuid): what is authorized, kept, compared by a refresh or
	 * an efficacy update and relayed names plain targets (an upstream
	 * does not share our alias namespace) */
	if (s->alias_name.n > 0 && dc_alias_expand(rq->gw->dc,
	    peer->conf->name, rq->path.cuid, s, &err) == -1) {
		reply_err(resp, &err);
		goto done;
	}
	if (request_has_option(rq->pdu, COAP_OPTION_IF_MATCH)) {
		efficacy_update(rq, resp, m, s);
		goto done;
	}
	if (validate_request(s, &err) == -1 ||
	    pol_authorize_scope(peer->conf, s, &err) == -1) {
		if (err.coap == 401)
			log_info("peer %s cuid %s mid %u: refused: %s",
			    peer->conf->name, rq->path.cuid, rq->path.mid,
			    err.msg);
		reply_err(resp, &err);
		goto done;
	}
	if (s->n_acl_list > 0 && acl_list_check(rq, m, s, &err) == -1) {
		reply_err(resp, &err);
		goto done;
	}
	lifetime = pol_grant_lifetime(pol, s->lifetime);
	if (m != NULL) {
		if (!dots_scope_same_target(&m->scope, s) ||
		    !same_trigger(&m->scope, s)) {
			reply_errf(resp, 400, "a refresh (same mid) must repeat "
			    "every parameter unchanged but lifetime; use a new "
			    "mid to change the scope");
			goto done;
		}
		mit_refresh(rq->gw->mt, m, lifetime);
		reply_mid_lifetime(rq, resp, 204, m);
		goto done;
	}
	rr.peer = peer->conf;
	rr.cuid = rq->path.cuid;
	rr.mid = rq->path.mid;
	rr.hop_limit = request_hop_limit(rq->pdu);
	rr.cdid = rq->ds->cred_hash;
	if (relay_plan(rq->gw, &rr, s, &plan, &err) == -1) {
		reply_err(resp, &err);
		goto done;
	}
	if (check_conflicts(rq, resp, c, s, &replaced) == -1)
		goto done;
	max = pol->max_mitigations ? pol->max_mitigations :
	    DEFAULT_MAX_MITIGATIONS;
	if (peer->active - replaced >= max) {
		reply_max_age(resp, QUOTA_RETRY_SECONDS);
		reply_errf(resp, 503, "peer %s has %zu active mitigations, "
		    "its max-mitigations", peer->conf->name, peer->active);
		goto done;
	}
	if (c == NULL && overload_new_client(rq, resp) == -1)
		goto done;
	if ((c = mit_client_get(rq->gw->mt, peer, rq->path.cuid)) == NULL) {
		reply_errf(resp, 500, "out of memory");
		goto done;
	}
	if (rq->path.cdid[0] != '\0' && !peer->conf->trusted_gateway)
		log_info("peer %s is not a trusted gateway: cdid '%s' ignored",
		    peer->conf->name, rq->path.cdid);
	/* RFC 9133: the acl-list sets the data-channel ACLs' activation */
	if (s->n_acl_list > 0 && dc_acl_list_apply(rq->gw->dc, peer->conf,
	    rq->path.cuid, s, acl_undo, &err) == -1) {
		log_warnx("peer %s cuid %s mid %u: %s", peer->conf->name,
		    rq->path.cuid, rq->path.mid, err.msg);
		if (err.coap == 503)
			reply_max_age(resp, STORE_RETRY_SECONDS);
		reply_err(resp, &err);
		goto done;
	}
	m = mit_create(rq->gw->mt, c, rq->path.mid,
	    peer->conf->trusted_gateway && rq->path.cdid[0] != '\0' ?
	    rq->path.cdid : NULL, rq->path.cdid, s, lifetime);
	if (m == NULL) {
		dc_acl_list_undo(rq->gw->dc, acl_undo);
		reply_errf(resp, 500, "out of memory");
		goto done;
	}
	if (replaced > 0)
		remove_replaced(rq->gw->mt, c, &m->scope, m->mid);
	orch_member_takeover(rq->gw, m);
	/* when upstreams are asked, the answer waits for them (bounded) */
	if (!relay_start(m, &plan) || held_start(rq, m) == -1)
		reply_mid_lifetime(rq, resp, 201, m);
done:
	audit_put(rq, resp, s, m);
	relay_plan_free(&plan);
	dots_mitigation_free(&req);
}

/* What a PUT may change of an existing mitigation, to undo it. */
struct put_undo {
	struct mitigation *m;		/* existed before the request */
	int64_t		 lifetime;
	int64_t		 left;		/* seconds, -1 indefinite */
	struct dc_acl_list_undo acl;	/* activation-types the acl-list set */
};

static struct mitigation *
request_mit(const struct ds_request *rq)
{
	struct mit_client *c = mit_client_find(rq->gw->mt, rq->path.cuid);

	return c != NULL && c->peer == rq->ds->peer ? mit_find(c,
	    rq->path.mid) : NULL;
}

/*
 * The commit failed: what memory holds is brought back to what the
 * store holds where that is cheap and exact. A created mitigation ends
 * again (its rules and upstream placements withdrawn), the data-channel
 * ACLs its acl-list changed get their activation-types back; a refresh
 * gets its old lifetime back. A DELETE stays done in memory: the store's
 * record goes when the mitigation ends (mit_remove writes it again).
 * m: the request's mitigation now, or NULL.
 */
static void
undo_write(struct gw *gw, int method, struct mitigation *m,
    struct put_undo *u)
{
	dc_acl_list_undo(gw->dc, &u->acl);
	if (method != COAP_REQUEST_CODE_PUT || m == NULL)
		return;
	if (u->m == NULL) {
		log_warnx("peer %s cuid %s mid %u: not committed: ended again",
		    m->client->peer->conf->name, m->client->cuid, m->mid);
		mit_end_now(gw->mt, m);
	} else if (m == u->m && mit_is_active(m)) {
		mit_set_lifetime(m, u->left);
		m->lifetime = u->lifetime;
		mit_changed(gw->mt, m);
	}
}

/* A committed write's undo, kept with the store's open batch until it
 * is on disk (store.h): a lost batch undoes it as a failed commit. */
struct batch_undo {
	struct gw	*gw;
	int		 method;
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 mid;
	char		*peer;		/* u.acl's, which borrows both */
	struct put_undo	 u;
};

static void
batch_undo(void *arg, bool run)
{
	struct batch_undo *b = arg;
	struct mit_client *c;

	if (run) {
		c = mit_client_find(b->gw->mt, b->cuid);
		undo_write(b->gw, b->method, c != NULL ? mit_find(c, b->mid) :
		    NULL, &b->u);
	}
	dc_acl_list_undo_free(&b->u.acl);
	free(b->peer);
	free(b);
}

/* u moves to the open batch; false when it cannot (out of memory): the
 * write then waits for the disk at once. */
static bool
keep_undo(const struct ds_request *rq, struct put_undo *u)
{
	struct batch_undo *b;

	if ((b = calloc(1, sizeof(*b))) == NULL || (u->acl.n > 0 &&
	    (b->peer = strdup(u->acl.peer)) == NULL)) {
		free(b);
		return false;
	}
	b->gw = rq->gw;
	b->method = rq->method;
	snprintf(b->cuid, sizeof(b->cuid), "%s", rq->path.cuid);
	b->mid = rq->path.mid;
	b->u = *u;
	b->u.acl.peer = b->peer;
	b->u.acl.cuid = b->cuid;
	memset(&u->acl, 0, sizeof(u->acl));	/* b's now */
	return store_on_undo(rq->gw->store, batch_undo, b) == 0;
}

/*
 * The answer in out stands for commit seq: it leaves once that is on disk.
 * A NON request's answer, or one the relay holds anyway, waits for the
 * next group sync (durable.h; out is taken); a CON request's rides on
 * its ACK, so the disk is waited for here: a separate response would
 * cost the client two more messages.
 */
static void
answer_durable(const struct ds_request *rq, coap_pdu_t *resp,
    coap_pdu_t **out, uint64_t seq)
{
	struct gw *gw = rq->gw;
	bool relayed = coap_find_async(rq->session,
	    coap_pdu_get_token(rq->pdu)) != NULL;

	if (seq > store_synced(gw->store) && gw->durable != NULL &&
	    (relayed || coap_pdu_get_type(rq->pdu) == COAP_MESSAGE_NON) &&
	    durable_hold(gw->durable, rq, relayed ? NULL : *out, seq) == 0) {
		if (!relayed)
			*out = NULL;
		persist_sync_soon(gw);
		return;
	}
	if (store_sync(gw->store) == -1) {
		reply_max_age(resp, STORE_RETRY_SECONDS);
		reply_errf(resp, 503, "state store: %s", store_error(gw->store));
		return;
	}
	if (!relayed && coap_pdu_get_code(*out) != 0 &&
	    reply_copy(resp, *out) == -1)
		reply_errf(resp, 500, "out of memory");
}

/*
 * PUT and DELETE: what the response acknowledges is on disk before it
 * leaves. libcoap 4.3.1 cannot take back a payload added to a PDU, so
 * the handler answers into a scratch PDU that is copied to resp only
 * once the commit succeeded (else the client gets 5.03 and retries), and
 * held until the commit is synced (group commit, durable.h).
 */
static void
mitigate_write(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct put_undo u = { NULL, 0, 0, { NULL, NULL, 0, NULL } };
	coap_async_t *a;
	coap_pdu_t *out;
	uint64_t before = store_committed(rq->gw->store);

	if ((out = coap_pdu_init(COAP_MESSAGE_ACK, 0, 0,
	    coap_session_max_pdu_size(rq->session))) == NULL) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	if ((u.m = request_mit(rq)) != NULL) {
		u.lifetime = u.m->lifetime;
		u.left = mit_lifetime_left(u.m);
	}
	(void)store_begin(rq->gw->store);
	/* a cluster decides against every node's commits (cluster.h) */
	(void)store_global(rq->gw->store);
	switch (rq->method) {
	case COAP_REQUEST_CODE_PUT:
		mitigate_put(rq, out, &u.acl);
		break;
	case COAP_REQUEST_CODE_DELETE:
		mitigate_delete(rq, out);
		break;
	default:
		reply_errf(out, 405, "mitigate takes GET, PUT and DELETE");
	}
	if (store_commit(rq->gw->store) == -1) {
		log_warnx("peer %s cuid %s mid %u: the state store did not "
		    "commit this request: 5.03", rq->ds->peer->conf->name,
		    rq->path.cuid, rq->path.mid);
		/* a create held for its upstreams is answered now */
		if ((a = coap_find_async(rq->session,
		    coap_pdu_get_token(rq->pdu))) != NULL)
			coap_free_async(rq->session, a);
		undo_write(rq->gw, rq->method, request_mit(rq), &u);
		reply_max_age(resp, STORE_RETRY_SECONDS);
		reply_errf(resp, 503, "state store: %s",
		    store_error(rq->gw->store));
		if (rq->method == COAP_REQUEST_CODE_PUT)
			audit_put(rq, resp, NULL, NULL);
	} else if (store_committed(rq->gw->store) != before) {
		if (!keep_undo(rq, &u))
			(void)store_sync(rq->gw->store);
		answer_durable(rq, resp, &out, store_committed(rq->gw->store));
	} else if (coap_pdu_get_code(out) != 0 && reply_copy(resp, out) == -1)
		reply_errf(resp, 500, "out of memory");
	dc_acl_list_undo_free(&u.acl);
	if (out != NULL)
		coap_delete_pdu(out);
}

void
mitigate_handle(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct peer_rt *peer = rq->ds->peer;
	coap_async_t *a;

	if (rq->path.cuid[0] == '\0') {
		reply_errf(resp, 400, "missing Uri-Path 'cuid'");
		return;
	}
	if (rq->observe) {
		mitigate_get(rq, resp);		/* not rate-limited, see server.h */
		return;
	}
	/* libcoap runs a held request again once it may be answered: its
	 * commit synced (durable.c), its upstreams answered (held.c) */
	if ((a = coap_find_async(rq->session,
	    coap_pdu_get_token(rq->pdu))) != NULL) {
		if (!durable_answer(a, resp) &&
		    rq->method == COAP_REQUEST_CODE_PUT)
			held_answer(rq, resp);
		return;
	}
	if (!pol_rate_take(&peer->rate, &peer->conf->policy, gw_now_ms())) {
		reply_max_age(resp, pol_rate_wait(&peer->rate,
		    &peer->conf->policy));
		reply_errf(resp, 503, "peer %s sends requests faster than its "
		    "rate (%u/s, burst %u)", peer->conf->name,
		    peer->conf->policy.rate_per_s, peer->conf->policy.rate_burst);
		if (rq->method == COAP_REQUEST_CODE_PUT)
			audit_put(rq, resp, NULL, NULL);
		return;
	}
	if (overload_admit(rq, resp) == -1) {
		if (rq->method == COAP_REQUEST_CODE_PUT)
			audit_put(rq, resp, NULL, NULL);
		return;
	}
	if (rq->method == COAP_REQUEST_CODE_GET) {
		mitigate_get(rq, resp);		/* writes nothing */
		return;
	}
	mitigate_write(rq, resp);
}
