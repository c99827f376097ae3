/*
 * Placements: one mitigation re-originated at one upstream under our own
 * cuid and a fresh mid. The PUT that places or refreshes it, what the
 * upstream answers, the DELETE that withdraws it. How a placement is
 * followed once accepted is observe.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/poller.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/cluster.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/state/usage.h"
#include "gateway/upstream/upstream.h"

struct seen
placement_seen(const struct placement *p)
{
	struct seen v;

	memset(&v, 0, sizeof(v));	/* padding too: compared whole */
	v.state = p->state;
	v.status = p->status;
	v.c[0] = p->bytes_dropped;
	v.c[1] = p->pkts_dropped;
	v.c[2] = p->bps_dropped;
	v.c[3] = p->pps_dropped;
	return v;
}

/* Something upstream happened: report a waiting request once all
 * upstreams answered; tell downstream observers if what they see moved. */
void
placement_update(struct placement *p, struct seen before)
{
	struct seen now = placement_seen(p);

	relay_settle_check(p->m);
	usage_placement(mit_gw(p->m), p->m, p->us->peer->name, p->umid,
	    p->state == PL_ACTIVE, now.c);
	if (memcmp(&before, &now, sizeof(now)) != 0)
		mit_changed(p->m->client->mt, p->m);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct placement *p = arg;
	struct timeval tv = { 1, 0 };

	/* fenced: another node may own it now; asked again until our
	 * lease is renewed, or let go of */
	if (cluster_fenced(mit_gw(p->m))) {
		evtimer_add(p->refresh, &tv);
		return;
	}
	if (p->state == PL_ACTIVE)
		placement_send(p);
}

/* Refresh upstream before the lifetime it granted runs out, while ours
 * goes on (it may grant less than we asked, RFC 9132 §4.4.1). */
void
placement_schedule_refresh(struct placement *p)
{
	int64_t ours = mit_lifetime_left(p->m);
	struct timeval tv = { 0, 0 };

	evtimer_del(p->refresh);
	if (p->lifetime < 0 || (ours >= 0 && ours <= p->lifetime))
		return;
	tv.tv_sec = p->lifetime * 3 / 4 > 0 ? p->lifetime * 3 / 4 : 1;
	evtimer_add(p->refresh, &tv);
}

/* The scope of one mitigation in a notification or a PUT response. */
static const struct dots_scope *
find_scope(const struct dots_mitigation *msg, uint32_t mid)
{
	for (size_t i = 0; i < msg->n_scope; i++)
		if ((msg->scope[i].present & DOTS_SCOPE_MID) &&
		    msg->scope[i].mid == mid)
			return &msg->scope[i];
	return NULL;
}

void
placement_take_report(struct placement *p, const struct dc_resp *r)
{
	struct dots_mitigation msg = { 0 };
	struct dots_err err;
	const struct dots_scope *s;

	if (r->len == 0 || dots_decode_mitigation(r->payload, r->len,
	    DOTS_RESP, &msg, &err) == -1)
		return;
	if ((s = find_scope(&msg, p->umid)) != NULL) {
		if (s->present & DOTS_SCOPE_STATUS) {
			p->status = s->status;
			if (s->status == DOTS_STATUS_IN_PROGRESS ||
			    s->status == DOTS_STATUS_MITIGATED)
				p->took = true;
		}
		if (s->present & DOTS_SCOPE_LIFETIME)
			p->lifetime = s->lifetime;
		if (s->present & DOTS_SCOPE_BYTES_DROPPED)
			p->bytes_dropped = s->bytes_dropped;
		if (s->present & DOTS_SCOPE_PKTS_DROPPED)
			p->pkts_dropped = s->pkts_dropped;
		if (s->present & DOTS_SCOPE_BPS_DROPPED)
			p->bps_dropped = s->bps_dropped;
		if (s->present & DOTS_SCOPE_PPS_DROPPED)
			p->pps_dropped = s->pps_dropped;
	}
	dots_mitigation_free(&msg);
}

/*
 * An upstream that accepted but reports attack-exceeded-capability
 * before it ever reported the mitigation in progress does not take it:
 * for a one-upstream strategy that is a refusal. The placement is
 * withdrawn there and counts as refused, so the next candidate is tried
 * (and this one not again). Once it took it, a later exceeded is its
 * own upstreams' trouble (their failover), not a reason to move.
 */
void
placement_check_exceeded(struct placement *p)
{
	struct mitigation *m = p->m;
	char name[200];

	if (p->state != PL_ACTIVE || p->status != DOTS_STATUS_EXCEEDED ||
	    p->took || m->relay->decision.strategy == SEL_ALL ||
	    !mit_is_active(m))
		return;
	log_warnx("%s: upstream %s reports attack-exceeded-capability for "
	    "mid %u; withdrawn there", relay_mit_name(m, name, sizeof(name)),
	    p->us->peer->name, p->umid);
	placement_detach(p);
	placement_delete(p);
	p->state = PL_REFUSED;
	snprintf(p->diag, sizeof(p->diag), "attack-exceeded-capability");
}

/* .well-known/dots/mitigate[/cdid=X]/cuid=OURS/mid=UMID into req. */
void
placement_path(const struct placement *p, bool cdid, struct dc_req *req,
    struct upath *u)
{
	const char *cdid_up = p->m->relay->cdid_up;
	size_t n = 0;

	req->path[n++] = ".well-known";
	req->path[n++] = "dots";
	req->path[n++] = "mitigate";
	if (cdid && cdid_up[0] != '\0') {
		snprintf(u->cdid, sizeof(u->cdid), "cdid=%s", cdid_up);
		req->path[n++] = u->cdid;
	}
	snprintf(u->cuid, sizeof(u->cuid), "cuid=%s", p->us->cuid);
	snprintf(u->mid, sizeof(u->mid), "mid=%u", p->umid);
	req->path[n++] = u->cuid;
	req->path[n++] = u->mid;
	req->npath = n;
	req->content_format = -1;
	req->observe = -1;
	req->small = true;	/* one mitigation: the small session */
}

static void
copy_diag(struct placement *p, const struct dc_resp *r)
{
	size_t n = r->len < sizeof(p->diag) - 1 ? r->len : sizeof(p->diag) - 1;

	/* diagnostics are text; a CBOR body (4.09, 5.03) is summarised */
	if (r->content_format == 271)
		snprintf(p->diag, sizeof(p->diag), "%d.%02d with a DOTS body",
		    r->code / 100, r->code % 100);
	else {
		memcpy(p->diag, r->payload, n);
		p->diag[n] = '\0';
	}
}

static void
put_cb(void *arg, int status, const struct dc_resp *r)
{
	struct placement *p = arg;
	struct seen before = placement_seen(p);
	char name[200];

	p->req_id = 0;
	relay_mit_name(p->m, name, sizeof(name));
	if (status == DC_OK && p->t0_us != 0) {
		metrics_relay_latency(mit_gw(p->m)->metrics,
		    metrics_now_us() - p->t0_us);
		p->t0_us = 0;
	}
	if (status != DC_OK) {
		p->state = PL_LOST;
		snprintf(p->diag, sizeof(p->diag), "%s", dc_error(p->us->dc));
		log_warnx("%s: upstream %s mid %u: %s", name, p->us->peer->name,
		    p->umid, p->diag);
	} else if (r->code == 201 || r->code == 204) {
		p->code = r->code;
		if (p->state != PL_ACTIVE)
			log_info("%s: accepted by upstream %s as cuid %s mid %u",
			    name, p->us->peer->name, p->us->cuid, p->umid);
		p->state = PL_ACTIVE;
		if (p->status == 0)
			p->status = DOTS_STATUS_IN_PROGRESS;
		placement_take_report(p, r);
		placement_schedule_refresh(p);
		if (p->obs_id == 0)
			event_active(p->observe_ev, EV_TIMEOUT, 0);
		placement_check_exceeded(p);
	} else {
		p->code = r->code;
		p->state = PL_REFUSED;
		copy_diag(p, r);
		dc_push_withdraw(p);	/* its ACLs there go too */
		log_warnx("%s: upstream %s refused mid %u: %d.%02d %s", name,
		    p->us->peer->name, p->umid, r->code / 100, r->code % 100,
		    p->diag);
	}
	if (p->state == PL_LOST || p->state == PL_REFUSED)
		relay_failed_over(p->m);
	if (status == DC_OK)
		persist_pl(mit_gw(p->m), p, false);
	placement_update(p, before);
}

static struct dots_optv
relayed_opt(const struct mitigation *m, const struct dots_opt *path)
{
	const struct dots_optv *in = &m->scope.opt;
	struct dots_optv out = { 0 };

	out.v = calloc(in->n + 1, sizeof(*out.v));
	if (out.v == NULL)
		return out;
	if (!m->client->peer->conf->policy.drop_optional)
		for (size_t i = 0; i < in->n; i++)
			if (in->v[i].key != DOTSGW_KEY_RELAY_PATH)
				out.v[out.n++] = in->v[i];	/* borrowed */
	if (path->cbor != NULL)
		out.v[out.n++] = *path;
	return out;
}

/* The body we send upstream: the request as accepted, re-originated. */
static int
placement_body(const struct placement *p, uint32_t attack_status,
    uint8_t **buf, size_t *len)
{
	const struct mitigation *m = p->m;
	struct dots_scope s = m->scope;		/* borrowed members */
	struct dots_mitigation msg = { .scope = &s, .n_scope = 1 };
	struct dots_opt path = { 0 };
	struct dots_acl *acls = NULL;
	int r;

	if (relay_path_encode(&m->relay->path, &path) == -1)
		return -1;
	/* an activated preconfigured request goes up as an immediate one
	 * (RFC 9132 §13: the upstream would activate it only when *our*
	 * session to it is lost) */
	s.present &= m->status == DOTS_STATUS_SIGNAL_LOSS ?
	    DOTS_SCOPE_TRIGGER : 0;
	s.present |= DOTS_SCOPE_LIFETIME;
	s.lifetime = mit_lifetime_left(m);
	if (attack_status != 0) {
		s.present |= DOTS_SCOPE_ATTACK_STATUS;
		s.attack_status = attack_status;
	}
	s.conflict = NULL;
	/* RFC 9133 keys are comprehension-required: an RFC 9132-only
	 * upstream would refuse the whole request (4.00) */
	if (dc_push_applies(p)) {
		/* the ACLs created at its data channel, under their names
		 * there; it takes acl-list, evidently */
		if (dc_push_acl_list(p, &s, &acls) == -1) {
			free(path.cbor);
			return -1;
		}
		s.acl_list = acls;
	} else if (s.n_acl_list > 0 && !p->us->peer->up.rfc9133) {
		log_info("mid %u: acl-list not sent to upstream %s (no "
		    "rfc9133: true)", m->mid, p->us->peer->name);
		s.acl_list = NULL;
		s.n_acl_list = 0;
	}
	s.opt = relayed_opt(m, &path);
	r = dots_encode_mitigation(&msg, buf, len);
	dc_push_acl_list_free(acls, s.n_acl_list);
	free(s.opt.v);
	free(path.cbor);
	return r;
}

/* The PUT that places or refreshes p, or (attack_status) an efficacy
 * update of it. */
void
placement_send_put(struct placement *p, uint32_t attack_status)
{
	struct relay_state *rs = p->m->relay;
	const struct conf_upstream *u = &p->us->peer->up;
	struct dc_req req = { 0 };
	struct upath up;
	uint8_t *body;
	size_t len;
	char name[200];

	if (attack_status == 0 && dc_push_pending(p))
		return;		/* its ACLs first (dc_push.c) */
	if (placement_body(p, attack_status, &body, &len) == -1)
		return;
	placement_path(p, true, &req, &up);
	req.method = COAP_REQUEST_CODE_PUT;
	req.content_format = 271;
	req.if_match = attack_status != 0;
	/* libcoap 4.3.1 decrements Hop-Limit in every request it sends
	 * (RFC 8768 proxy rule); that is this hop's decrement. A request
	 * that came without one starts at the configured value. */
	req.hop_limit = (int)(rs->hop_limit ? rs->hop_limit :
	    u->hop_limit < 255 ? u->hop_limit + 1 : 255);
	req.payload = body;
	req.len = len;
	if (p->req_id != 0)
		upstream_cancel(p->us, p->req_id);
	p->req_id = upstream_send(p->us, &req, RELAY_PUT_TIMEOUT_MS, put_cb, p);
	free(body);
	if (p->req_id == 0 && attack_status == 0) {
		p->state = PL_LOST;
		snprintf(p->diag, sizeof(p->diag), "upstream not connected");
		log_warnx("%s: upstream %s: not connected",
		    relay_mit_name(p->m, name, sizeof(name)),
		    p->us->peer->name);
	}
}

void
placement_send(struct placement *p)
{
	if (p->state != PL_ACTIVE)
		p->state = PL_SENDING;
	placement_send_put(p, 0);
}

void
placement_free(struct placement *p)
{
	dc_push_cancel(p);
	if (p->m != NULL)
		usage_placement_gone(mit_gw(p->m), p->us->peer->name, p->umid);
	if (p->refresh != NULL)
		event_free(p->refresh);
	if (p->observe_ev != NULL)
		event_free(p->observe_ev);
	poller_free(p->poll);
	free(p);
}

struct placement *
placement_alloc(struct mitigation *m, struct upstream *us, uint32_t umid)
{
	struct placement *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->refresh = evtimer_new(mit_gw(m)->base, refresh_cb,
	    p)) == NULL || (p->observe_ev = event_new(mit_gw(m)->base, -1, 0,
	    placement_observe_soon, p)) == NULL ||
	    event_priority_set(p->observe_ev, GW_PRIO_IDLE) == -1) {
		placement_free(p);
		return NULL;
	}
	p->m = m;
	p->us = us;
	p->umid = umid;
	p->t0_us = metrics_now_us();
	TAILQ_INSERT_TAIL(&m->relay->placements, p, m_entry);
	TAILQ_INSERT_TAIL(&us->placements, p, u_entry);
	return p;
}

struct placement *
placement_new(struct mitigation *m, struct upstream *us)
{
	struct placement *p;

	if ((p = placement_alloc(m, us, upstream_next_mid(us))) != NULL)
		persist_pl(mit_gw(m), p, false);
	return p;
}

/* Stop following it: no callbacks for p after this. */
void
placement_detach(struct placement *p)
{
	upstream_cancel(p->us, p->req_id);
	upstream_cancel(p->us, p->obs_id);
	p->req_id = p->obs_id = 0;
	dc_push_cancel(p);
	placement_poll_stop(p);
	evtimer_del(p->refresh);
	event_del(p->observe_ev);
}

/* Withdrawn upstream. */
void
placement_delete(struct placement *p)
{
	struct dc_req req = { 0 };
	struct upath u;

	if (cluster_fenced(mit_gw(p->m))) {
		log_warnx("upstream %s umid %u: not withdrawn: this node is "
		    "fenced (another node may own it)", p->us->peer->name,
		    p->umid);
		return;
	}
	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_DELETE;
	/* fire and forget: 2.02 comes whatever the state there */
	(void)upstream_send(p->us, &req, RELAY_PUT_TIMEOUT_MS, NULL, NULL);
	dc_push_withdraw(p);
}
