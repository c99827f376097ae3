#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "policies/capable.h"
#include "gateway/gw.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/relay/orch.h"
#include "gateway/state/peer.h"
#include "gateway/downstream/durable.h"
#include "gateway/state/persist.h"
#include "gateway/relay/poller.h"
#include "gateway/relay/relay.h"
#include "gateway/downstream/server.h"
#include "gateway/upstream/upstream.h"

#define RELAY_PUT_TIMEOUT_MS	30000	/* NON repeated every 2 s till then */
#define RELAY_OBS_TIMEOUT_MS	30000
#define RELAY_RESYNC_TIMEOUT_MS	30000
#define RELAY_POLL_TIMEOUT_MIN_MS 4000	/* two NON sends (client.h) */

static void placement_send(struct placement *);
static void placement_detach(struct placement *);
static void delete_upstream(struct placement *);
static void failed_over(struct mitigation *);
static void poll_stop(struct placement *);

/* ---------------------------------------------------------------- */
/* The relay path (private-use key 49152): node ids of dotsgw hops. */

static int
path_decode(const struct dots_scope *s, struct strv *out)
{
	const struct dots_opt *o = dots_optv_get(&s->opt,
	    DOTSGW_KEY_RELAY_PATH);
	struct cbor_load_result res;
	cbor_item_t *it;
	int r = 0;

	if (o == NULL)
		return 0;
	if ((it = cbor_load(o->cbor, o->len, &res)) == NULL)
		return -1;
	if (!cbor_isa_array(it) || !cbor_array_is_definite(it))
		r = -1;
	for (size_t i = 0; r == 0 && i < cbor_array_size(it); i++) {
		cbor_item_t *e = cbor_array_handle(it)[i];
		char buf[128];
		size_t n;

		if (!cbor_isa_string(e) || !cbor_string_is_definite(e) ||
		    (n = cbor_string_length(e)) >= sizeof(buf)) {
			r = -1;
			break;
		}
		memcpy(buf, cbor_string_handle(e), n);
		buf[n] = '\0';
		r = strv_push(out, buf);
	}
	cbor_decref(&it);
	return r;
}

static int
path_encode(const struct strv *path, struct dots_opt *o)
{
	cbor_item_t *a = cbor_new_definite_array(path->n);
	unsigned char *buf = NULL;
	size_t size = 0;
	int r = -1;

	if (a == NULL)
		return -1;
	for (size_t i = 0; i < path->n; i++) {
		cbor_item_t *e = cbor_build_string(path->v[i]);

		if (e == NULL || !cbor_array_push(a, cbor_move(e)))
			goto done;
	}
	if ((o->len = cbor_serialize_alloc(a, &buf, &size)) == 0)
		goto done;
	o->key = DOTSGW_KEY_RELAY_PATH;
	o->cbor = buf;
	r = 0;
done:
	cbor_decref(&a);
	return r;
}

/* "a b c" from a path, for 5.08 diagnostics. */
static void
path_join(const struct strv *path, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < path->n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    i ? " " : "", path->v[i]);
}

static bool
strv_has(const struct strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->v[i], s) == 0)
			return true;
	return false;
}

/* ---------------------------------------------------------------- */
/* Deciding */

/* A placement that holds its mitigation, or is about to. */
static bool
holding(const struct placement *p)
{
	return p->state == PL_ACTIVE || p->state == PL_SENDING;
}

static bool
sel_uses_capacity(const struct conf_select *sel)
{
	return sel->strategy == SEL_CAPACITY || sel->fallback == SEL_CAPACITY;
}

/* Only the capacity strategy reads what we placed at each upstream. */
static bool
peer_uses_capacity(const struct conf_peer *peer)
{
	const struct conf_policy *pol = &peer->policy;

	if (sel_uses_capacity(&pol->select))
		return true;
	for (size_t i = 0; i < pol->n_select_by_target; i++)
		if (sel_uses_capacity(&pol->select_by_target[i].sel))
			return true;
	return false;
}

/*
 * Every upstream as a decision candidate; index i is gw->ups[i]. For m
 * (NULL: a new request), which upstreams hold it and which failed it:
 * refused it, or lost it and are still down. What we placed at each
 * upstream in all is summed only for a peer whose selection can use it:
 * that walks every placement, which per request made the relay's cost
 * grow with what it holds (tests/bench/README.md).
 */
static size_t
candidates(struct gw *gw, const struct conf_peer *peer,
    const struct mitigation *m, struct pol_upstream cand[POL_MAX_UPSTREAMS])
{
	const struct placement *p;
	bool use = peer_uses_capacity(peer);
	size_t n, i;

	for (n = 0; n < gw->n_ups && n < POL_MAX_UPSTREAMS; n++) {
		struct upstream *us = gw->ups[n];

		memset(&cand[n], 0, sizeof(cand[n]));
		cand[n].peer = us->peer;
		cand[n].up = upstream_usable(us);
		cand[n].reg = orch_registration(gw, us);
		if (!use)
			continue;
		TAILQ_FOREACH(p, &us->placements, u_entry)
			if (holding(p))
				pol_usage_add(&cand[n].placed_use,
				    &p->m->relay->vol);
	}
	if (m == NULL || m->relay == NULL)
		return n;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry) {
		for (i = 0; i < n && gw->ups[i] != p->us; i++)
			;
		if (i == n)
			continue;
		if (holding(p))
			cand[i].placed = true;
		else if (p->state == PL_REFUSED ||
		    (p->state == PL_LOST && !p->us->up))
			cand[i].failed = true;
	}
	return n;
}

/*
 * pol_decide, with local mitigation ruled out when our mitigator cannot
 * take the request (offload, actions, rule limits): the peer's policy
 * as if local were not allowed, so the decision goes upstream.
 */
static void
decide(struct gw *gw, const struct conf_peer *peer, const struct dots_scope *s,
    const struct pol_volume *vol, const struct pol_upstream *cand, size_t n,
    const struct pol_request *rq, struct pol_decision *d, bool *offloaded)
{
	struct conf_peer req = *peer;	/* borrowed members, read only */
	char why[200];

	*offloaded = false;
	if (req.policy.allow_local && !mitigator_admit(gw, peer, s, vol,
	    offloaded, why, sizeof(why))) {
		log_info("peer %s: not local: %s", peer->name, why);
		req.policy.allow_local = false;
	}
	pol_decide(&req, vol, &gw->conf->capacity, &gw->local_usage, cand, n,
	    rq, d);
}

/*
 * An orchestrator leaves out the registered ISPs that would refuse the
 * request (thresholds) or cannot mitigate its attack type: as if they had
 * refused it already (policies/capable.h).
 */
static void
capable_only(struct gw *gw, const struct dots_scope *s,
    const struct pol_volume *vol, struct pol_upstream *cand, size_t n)
{
	struct pol_attacks at;
	char why[160];

	if (gw->orch == NULL)
		return;
	pol_attacks_of(s, &at);
	for (size_t i = 0; i < n; i++)
		if (cand[i].reg != NULL && !cand[i].failed &&
		    !pol_capable(cand[i].reg, vol, &at, why, sizeof(why))) {
			cand[i].failed = true;
			log_info("ISP %s left out: %s", cand[i].peer->name, why);
		}
}

int
relay_plan(const struct ds_request *rq, const struct dots_scope *s,
    struct relay_plan *plan, struct dots_err *err)
{
	struct gw *gw = rq->gw;
	const struct conf *c = gw->conf;
	struct pol_upstream cand[POL_MAX_UPSTREAMS];
	struct pol_request sel_rq;
	size_t n;
	char joined[DOTS_ERR_MSGLEN];
	coap_opt_iterator_t it;
	coap_opt_t *o;
	uint32_t hop_in = 0;

	memset(plan, 0, sizeof(*plan));
	/* our own id on its path: we relayed it before, whatever we would
	 * do with it now (it would also overlap itself) */
	if (path_decode(s, &plan->path) == -1) {
		relay_plan_free(plan);
		return dots_errf(err, 400, "malformed relay path (key %u)",
		    DOTSGW_KEY_RELAY_PATH);
	}
	if (strv_has(&plan->path, c->node_id)) {
		path_join(&plan->path, joined, sizeof(joined));
		log_warnx("peer %s cuid %s mid %u: relay loop: %s %s",
		    rq->ds->peer->conf->name, rq->path.cuid, rq->path.mid,
		    joined, c->node_id);
		relay_plan_free(plan);
		return dots_errf(err, 508, "%s", c->node_id);
	}
	if (strv_push(&plan->path, c->node_id) == -1) {
		relay_plan_free(plan);
		return dots_errf(err, 500, "out of memory");
	}

	pol_attack_volume(s, &c->capacity, &plan->vol);
	pol_request_of(s, plan->vol.bps, plan->vol.pps, &sel_rq);
	n = candidates(gw, rq->ds->peer->conf, NULL, cand);
	capable_only(gw, s, &plan->vol, cand, n);
	for (size_t i = 0; i < n; i++)
		plan->cand_us[i] = gw->ups[i];
	decide(gw, rq->ds->peer->conf, s, &plan->vol, cand, n, &sel_rq,
	    &plan->decision, &plan->offloaded);
	if (plan->decision.n_up == 0)
		return 0;

	/* RFC 8768: it goes upstream, so Hop-Limit is decremented */
	if ((o = coap_check_option(rq->pdu, COAP_OPTION_HOP_LIMIT,
	    &it)) != NULL)
		hop_in = coap_decode_var_bytes(coap_opt_value(o),
		    coap_opt_length(o));
	if (hop_in == 1) {
		log_warnx("peer %s cuid %s mid %u: Hop-Limit exhausted",
		    rq->ds->peer->conf->name, rq->path.cuid, rq->path.mid);
		relay_plan_free(plan);
		return dots_errf(err, 508, "%s", c->node_id);
	}
	plan->hop_limit = hop_in;	/* libcoap decrements it on send */
	return 0;
}

void
relay_plan_free(struct relay_plan *plan)
{
	strv_free(&plan->path);
}

/* ---------------------------------------------------------------- */
/* Placements */

static const char *
mit_name(const struct mitigation *m, char *buf, size_t len)
{
	snprintf(buf, len, "peer %s cuid %s mid %u",
	    m->client->peer->conf->name, m->client->cuid, m->mid);
	return buf;
}

static bool
waiting(const struct relay_state *rs)
{
	return rs->wait_session != NULL && !rs->wait_ready;
}

static bool
settled(const struct relay_state *rs)
{
	struct placement *p;

	TAILQ_FOREACH(p, &rs->placements, m_entry)
		if (p->state == PL_SENDING)
			return false;
	return true;
}

/* Let libcoap run the PUT handler again: relay_answer() fills it in. */
static void
answer_now(struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	coap_bin_const_t tok = { rs->wait_toklen, rs->wait_token };
	coap_async_t *a;

	rs->wait_ready = true;
	evtimer_del(rs->wait_timer);
	if ((a = coap_find_async(rs->wait_session, tok)) == NULL)
		rs->wait_session = NULL;
	else if (!durable_relay_ready(a)) {	/* else: once synced */
		coap_async_trigger(a);
		server_kick(mit_gw(m)->srv);
	}
}

/* What downstream can see of a placement, to notify only on change. */
struct seen {
	enum placement_state state;
	uint32_t status;
	uint64_t c[4];
};

static struct seen
seen_of(const struct placement *p)
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

/* Something upstream happened: answer a waiting request once all
 * upstreams answered; tell downstream observers if what they see moved. */
static void
relay_update(struct placement *p, struct seen before)
{
	struct seen now = seen_of(p);

	if (waiting(p->m->relay) && settled(p->m->relay))
		answer_now(p->m);
	if (memcmp(&before, &now, sizeof(now)) != 0)
		mit_changed(p->m->client->mt, p->m);
}

static void
wait_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mitigation *m = arg;
	char name[200];

	log_info("%s: upstreams did not answer within the relay timeout; "
	    "answering downstream now", mit_name(m, name, sizeof(name)));
	answer_now(m);
}

static void
refresh_cb(evutil_socket_t fd, short what, void *arg)
{
	struct placement *p = arg;

	if (p->state == PL_ACTIVE)
		placement_send(p);
}

/* Refresh upstream before the lifetime it granted runs out, while ours
 * goes on (it may grant less than we asked, RFC 9132 §4.4.1). */
static void
schedule_refresh(struct placement *p)
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

static void
take_report(struct placement *p, const struct dc_resp *r)
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
static void
check_exceeded(struct placement *p)
{
	struct mitigation *m = p->m;
	char name[200];

	if (p->state != PL_ACTIVE || p->status != DOTS_STATUS_EXCEEDED ||
	    p->took || m->relay->decision.strategy == SEL_ALL ||
	    !mit_is_active(m))
		return;
	log_warnx("%s: upstream %s reports attack-exceeded-capability for "
	    "mid %u; withdrawn there", mit_name(m, name, sizeof(name)),
	    p->us->peer->name, p->umid);
	placement_detach(p);
	delete_upstream(p);
	p->state = PL_REFUSED;
	snprintf(p->diag, sizeof(p->diag), "attack-exceeded-capability");
}

/* Uri-Path storage for one request about placement p. */
struct upath {
	char	cdid[DOTS_ID_MAX + 8];
	char	cuid[40];
	char	mid[24];
};

/* .well-known/dots/mitigate[/cdid=X]/cuid=OURS/mid=UMID into req. */
static void
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

/* An answer about p, a notification or a poll's: its report is taken
 * in; 4.04 means the upstream no longer has it. */
static void
take_answer(struct placement *p, const struct dc_resp *r)
{
	struct seen before = seen_of(p);
	char name[200];

	if (r->code == 404) {
		/* gone there (expired, restarted, shut down) while we still
		 * want it: lost, placed again when the upstream is back */
		log_warnx("%s: upstream %s no longer has mid %u",
		    mit_name(p->m, name, sizeof(name)), p->us->peer->name,
		    p->umid);
		p->state = PL_LOST;
		p->obs_id = 0;
		poll_stop(p);
		failed_over(p->m);
	} else if (r->code == 205) {
		take_report(p, r);
		check_exceeded(p);
		if (p->state == PL_REFUSED)
			failed_over(p->m);
	}
	relay_update(p, before);
}

/* ---------------------------------------------------------------- */
/* Polling what an upstream does not let us observe (RFC 7641 §4.1) */

static void poll_fire(void *);

/* "cuid C mid N" as the upstream knows p, for its log lines. */
static const char *
up_name(const struct placement *p, char *buf, size_t len)
{
	snprintf(buf, len, "cuid %s mid %u", p->us->cuid, p->umid);
	return buf;
}

/* Follow p by GET: the next one after the upstream's poll interval, or
 * after the backoff when the last one failed (why). */
static void
poll_next(struct placement *p, const char *why)
{
	char name[80];
	unsigned wait_s;

	if (p->state != PL_ACTIVE) {
		poll_stop(p);
		return;
	}
	if (p->poll == NULL && (p->poll = poller_new(mit_gw(p->m)->base,
	    poll_fire, p)) == NULL) {
		log_warnx("upstream %s %s: cannot poll: out of memory",
		    p->us->peer->name, up_name(p, name, sizeof(name)));
		return;
	}
	p->polled = true;
	wait_s = poller_schedule(p->poll, upstream_poll_interval(p->us),
	    why != NULL);
	if (why != NULL)
		log_info("upstream %s %s: poll failed (%s); next poll in %u s",
		    p->us->peer->name, up_name(p, name, sizeof(name)), why,
		    wait_s);
}

static void
poll_stop(struct placement *p)
{
	poller_stop(p->poll);
	upstream_cancel(p->us, p->poll_id);
	p->poll_id = 0;
	p->polled = false;
}

static void
poll_cb(void *arg, int status, const struct dc_resp *r)
{
	struct placement *p = arg;
	char why[40];

	p->poll_id = 0;
	if (status != DC_OK) {
		poll_next(p, status == DC_TIMEOUT ? "no answer" :
		    "request failed");
		return;
	}
	take_answer(p, r);
	if (!p->polled)		/* lost, refused or ended meanwhile */
		return;
	snprintf(why, sizeof(why), "%d.%02d", r->code / 100, r->code % 100);
	poll_next(p, r->code / 100 == 2 ? NULL : why);
}

static void
poll_fire(void *arg)
{
	struct placement *p = arg;
	struct dc_req req = { 0 };
	struct upath u;
	unsigned timeout_ms = upstream_poll_interval(p->us) * 1000;

	if (p->state != PL_ACTIVE) {
		poll_stop(p);
		return;
	}
	if (timeout_ms < RELAY_POLL_TIMEOUT_MIN_MS)
		timeout_ms = RELAY_POLL_TIMEOUT_MIN_MS;
	if (timeout_ms > RELAY_OBS_TIMEOUT_MS)
		timeout_ms = RELAY_OBS_TIMEOUT_MS;
	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_GET;	/* no Observe */
	upstream_cancel(p->us, p->poll_id);
	if ((p->poll_id = upstream_send(p->us, &req, timeout_ms, poll_cb,
	    p)) == 0)
		poll_next(p, "not connected");
}

/*
 * The observation's answers. The first carries Observe when the upstream
 * registered us; a 2.05 without it means it did not (RFC 7641 §4.1) and
 * nothing more will come on that token (the client answers any later
 * notification with RST): the placement is polled instead. So is one
 * whose registration got an error or no answer, with backoff.
 */
static void
obs_cb(void *arg, int status, const struct dc_resp *r)
{
	struct placement *p = arg;
	char what[80];
	bool ended;

	if (status != DC_OK) {
		p->obs_id = 0;		/* upstream_down handles loss */
		if (status == DC_TIMEOUT)
			poll_next(p, "no answer to the Observe registration");
		return;
	}
	ended = !r->has_observe || r->code / 100 != 2;
	if (ended)
		p->obs_id = 0;		/* the client has finished it */
	take_answer(p, r);
	if (!ended) {
		if (!p->observed)
			upstream_observation(p->us, true, up_name(p, what,
			    sizeof(what)));
		p->observed = true;
		return;
	}
	if (p->state != PL_ACTIVE)
		return;
	if (r->code == 205 && !p->observed)
		upstream_observation(p->us, false, up_name(p, what,
		    sizeof(what)));
	else if (r->code == 205)
		log_info("upstream %s %s: observation ended; polled",
		    p->us->peer->name, up_name(p, what, sizeof(what)));
	poll_next(p, r->code == 205 ? NULL : "Observe registration refused");
}

static void
observe(struct placement *p)
{
	struct dc_req req = { 0 };
	struct upath u;

	if (p->obs_id != 0 || p->polled)	/* polled till it is lost */
		return;
	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_GET;
	req.observe = 0;
	p->observed = false;
	p->obs_id = upstream_send(p->us, &req, RELAY_OBS_TIMEOUT_MS, obs_cb, p);
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
	struct seen before = seen_of(p);
	char name[200];

	p->req_id = 0;
	mit_name(p->m, name, sizeof(name));
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
		take_report(p, r);
		schedule_refresh(p);
		if (p->obs_id == 0)
			event_active(p->observe_ev, EV_TIMEOUT, 0);
		check_exceeded(p);
	} else {
		p->code = r->code;
		p->state = PL_REFUSED;
		copy_diag(p, r);
		log_warnx("%s: upstream %s refused mid %u: %d.%02d %s", name,
		    p->us->peer->name, p->umid, r->code / 100, r->code % 100,
		    p->diag);
	}
	if (p->state == PL_LOST || p->state == PL_REFUSED)
		failed_over(p->m);
	if (status == DC_OK)
		persist_pl(mit_gw(p->m), p, false);
	relay_update(p, before);
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
	int r;

	if (path_encode(&m->relay->path, &path) == -1)
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
	if (s.n_acl_list > 0 && !p->us->peer->up.rfc9133) {
		log_info("mid %u: acl-list not sent to upstream %s (no "
		    "rfc9133: true)", m->mid, p->us->peer->name);
		s.acl_list = NULL;
		s.n_acl_list = 0;
	}
	s.opt = relayed_opt(m, &path);
	r = dots_encode_mitigation(&msg, buf, len);
	free(s.opt.v);
	free(path.cbor);
	return r;
}

static void
send_put(struct placement *p, uint32_t attack_status)
{
	struct relay_state *rs = p->m->relay;
	const struct conf_upstream *u = &p->us->peer->up;
	struct dc_req req = { 0 };
	struct upath up;
	uint8_t *body;
	size_t len;
	char name[200];

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
		    mit_name(p->m, name, sizeof(name)), p->us->peer->name);
	}
}

static void
placement_send(struct placement *p)
{
	if (p->state != PL_ACTIVE)
		p->state = PL_SENDING;
	send_put(p, 0);
}

static void
placement_free(struct placement *p)
{
	if (p->refresh != NULL)
		event_free(p->refresh);
	if (p->observe_ev != NULL)
		event_free(p->observe_ev);
	poller_free(p->poll);
	free(p);
}

/* Accepted upstream: observe it once the loop is idle, i.e. after the
 * downstream answer this acceptance releases has left. */
static void
observe_cb(evutil_socket_t fd, short what, void *arg)
{
	struct placement *p = arg;

	if (p->state == PL_ACTIVE)
		observe(p);
}

static struct placement *
placement_alloc(struct mitigation *m, struct upstream *us, uint32_t umid)
{
	struct placement *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((p->refresh = evtimer_new(mit_gw(m)->base, refresh_cb,
	    p)) == NULL || (p->observe_ev = event_new(mit_gw(m)->base, -1, 0,
	    observe_cb, p)) == NULL ||
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

static struct placement *
placement_new(struct mitigation *m, struct upstream *us)
{
	struct placement *p;

	if ((p = placement_alloc(m, us, upstream_next_mid(us))) != NULL)
		persist_pl(mit_gw(m), p, false);
	return p;
}

/* Stop following it: no callbacks for p after this. */
static void
placement_detach(struct placement *p)
{
	upstream_cancel(p->us, p->req_id);
	upstream_cancel(p->us, p->obs_id);
	p->req_id = p->obs_id = 0;
	poll_stop(p);
	evtimer_del(p->refresh);
	event_del(p->observe_ev);
}

static void
delete_upstream(struct placement *p)
{
	struct dc_req req = { 0 };
	struct upath u;

	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_DELETE;
	/* fire and forget: 2.02 comes whatever the state there */
	(void)upstream_send(p->us, &req, RELAY_PUT_TIMEOUT_MS, NULL, NULL);
}

/* ---------------------------------------------------------------- */
/* Carrying the decision out */

static void
local_start(struct gw *gw, struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	char name[200];

	rs->local = true;
	pol_usage_add(&gw->local_usage, &rs->vol);
	log_info("%s: local mitigation (%s)", mit_name(m, name, sizeof(name)),
	    rs->decision.reason);
	(void)mitigator_install(gw, m);
}

static void offload_check(struct gw *);

static void
local_stop(struct gw *gw, struct mitigation *m)
{
	if (m->relay->local) {
		m->relay->local = false;
		pol_usage_sub(&gw->local_usage, &m->relay->vol);
		mitigator_withdraw(gw, m);
		offload_check(gw);
	}
}

static void
set_cdid(const struct ds_request *rq, struct mitigation *m)
{
	struct relay_state *rs = m->relay;

	switch (rq->gw->conf->gateway.cdid) {
	case CDID_INSERT:
		/* only the first server-domain gateway inserts (RFC 9132
		 * §13): a trusted gateway's cdid travels on unchanged */
		snprintf(rs->cdid_up, sizeof(rs->cdid_up), "%s",
		    m->cdid != NULL ? m->cdid : rq->ds->cred_hash);
		break;
	case CDID_KEEP:
		snprintf(rs->cdid_up, sizeof(rs->cdid_up), "%s",
		    m->cdid != NULL ? m->cdid : "");
		break;
	case CDID_OFF:
		rs->cdid_up[0] = '\0';
		break;
	}
}

bool
relay_start(const struct ds_request *rq, struct mitigation *m,
    struct relay_plan *plan)
{
	struct gw *gw = rq->gw;
	struct relay_state *rs;
	char name[200];
	coap_async_t *a;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return false;
	m->relay = rs;
	TAILQ_INIT(&rs->placements);
	rs->decision = plan->decision;
	rs->vol = plan->vol;
	rs->hop_limit = plan->hop_limit;
	rs->path = plan->path;
	memset(&plan->path, 0, sizeof(plan->path));
	rs->offloaded = plan->offloaded && !plan->decision.local;
	set_cdid(rq, m);
	persist_mit(gw, m);
	if (m->status == DOTS_STATUS_SIGNAL_LOSS) {
		/* preconfigured: nothing runs until the session is lost,
		 * then relay_activate() decides again */
		log_info("%s: preconfigured, held until its signal channel "
		    "is lost", mit_name(m, name, sizeof(name)));
		return false;
	}
	metrics_decision(gw->metrics, plan->decision.local ? "local" :
	    plan->decision.n_up > 0 ? "upstream" : "exceeded");
	if (plan->decision.local) {
		local_start(gw, m);
		persist_mit(gw, m);
		offload_check(gw);
	}
	if (plan->decision.status == DOTS_STATUS_EXCEEDED)
		log_warnx("%s: %s", mit_name(m, name, sizeof(name)),
		    plan->decision.reason);
	for (size_t i = 0; i < plan->decision.n_up; i++) {
		struct placement *p;

		p = placement_new(m, plan->cand_us[plan->decision.up[i]]);
		if (p != NULL)
			placement_send(p);
	}
	if (plan->decision.n_up > 0)
		log_info("%s: %s", mit_name(m, name, sizeof(name)),
		    plan->decision.reason);
	if (plan->decision.n_up == 0 || settled(rs) ||
	    gw->conf->gateway.relay_timeout_ms == 0)
		return false;

	/* hold the downstream answer until the upstreams answer, briefly */
	if ((a = coap_register_async(rq->session, rq->pdu, 0)) == NULL ||
	    (rs->wait_timer = evtimer_new(gw->base, wait_timeout_cb,
	    m)) == NULL)
		return false;
	struct timeval tv = { gw->conf->gateway.relay_timeout_ms / 1000,
	    (gw->conf->gateway.relay_timeout_ms % 1000) * 1000 };
	coap_bin_const_t tok = coap_pdu_get_token(rq->pdu);

	rs->wait_session = rq->session;
	rs->wait_toklen = tok.length < sizeof(rs->wait_token) ? tok.length :
	    sizeof(rs->wait_token);
	memcpy(rs->wait_token, tok.s, rs->wait_toklen);
	evtimer_add(rs->wait_timer, &tv);
	return true;
}

/* The node ids of a 5.08 path, without the addresses libcoap adds. */
static void
path_ids(const char *in, char *out, size_t len)
{
	char buf[DOTS_ERR_MSGLEN], *tok, *save = NULL;
	struct prefix pfx;
	size_t off = 0;

	snprintf(buf, sizeof(buf), "%s", in);
	out[0] = '\0';
	for (tok = strtok_r(buf, " ", &save); tok != NULL && off < len;
	    tok = strtok_r(NULL, " ", &save))
		if (prefix_parse_addr(tok, &pfx) == -1)
			off += (size_t)snprintf(out + off, len - off, "%s%s",
			    off ? " " : "", tok);
}

/* All upstreams refused with 5.08 and nothing else took it: a loop. */
static bool
all_looped(const struct relay_state *rs, char *path, size_t len)
{
	struct placement *p;
	bool any = false;

	path[0] = '\0';
	if (rs->local)
		return false;
	TAILQ_FOREACH(p, &rs->placements, m_entry) {
		if (p->state != PL_REFUSED || p->code != 508)
			return false;
		if (!any)
			path_ids(p->diag, path, len);
		any = true;
	}
	return any;
}

void
relay_answer(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct mit_client *c = mit_client_find(rq->gw->mt, rq->path.cuid);
	struct mitigation *m = NULL;
	struct relay_state *rs;
	const char *self = rq->gw->conf->node_id;
	char path[DOTS_ERR_MSGLEN];
	struct dots_scope s = { 0 };
	struct dots_mitigation msg = { .scope = &s, .n_scope = 1 };
	uint8_t *buf;
	size_t len;

	if (c != NULL && c->peer == rq->ds->peer)
		m = mit_find(c, rq->path.mid);
	if (m == NULL || m->relay == NULL) {
		reply_errf(resp, 404, "mitigation mid=%u ended before its "
		    "upstreams answered", rq->path.mid);
		return;
	}
	rs = m->relay;
	if (!rs->wait_ready)
		return;		/* a duplicate of the held request */
	rs->wait_session = NULL;
	rs->wait_ready = false;
	if (all_looped(rs, path, sizeof(path))) {
		/* RFC 8768: each relay prepends its id on the way back */
		reply_errf(resp, 508, "%s %s", self, path);
		mit_end_now(rq->gw->mt, m);
		return;
	}
	s.present = DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME;
	s.mid = m->mid;
	s.lifetime = mit_lifetime_left(m);
	if (dots_encode_mitigation(&msg, &buf, &len) == -1) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	reply_cbor(rq, resp, 201, buf, len);
	free(buf);
}

/* ---------------------------------------------------------------- */
/* Following the downstream request */

void
relay_refresh(struct mitigation *m)
{
	struct placement *p;

	if (m->relay == NULL)
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->state == PL_ACTIVE ||
		    (p->state == PL_LOST && !p->moved))
			placement_send(p);
}

/* What an efficacy update may carry of RFC 9244 (extensions.md A.4). */
static const uint64_t attack_info_keys[] = {
	205,	/* ietf-dots-telemetry:total-attack-traffic */
	207,	/* ietf-dots-telemetry:attack-detail */
};

void
relay_attack_info(struct mitigation *m, const struct dots_scope *upd)
{
	struct gw *gw = mit_gw(m);
	struct relay_state *rs = m->relay;
	const struct dots_opt *o;
	struct pol_volume vol;
	bool changed = false;
	char name[200];

	for (size_t i = 0; i < sizeof(attack_info_keys) /
	    sizeof(attack_info_keys[0]); i++)
		if ((o = dots_optv_get(&upd->opt, attack_info_keys[i])) !=
		    NULL && dots_optv_set(&m->scope.opt, o) == 0)
			changed = true;
	if (!changed || rs == NULL)
		return;
	pol_attack_volume(&m->scope, &gw->conf->capacity, &vol);
	log_info("%s: attack information updated: %" PRIu64 " bit/s, %"
	    PRIu64 " pkt/s (was %" PRIu64 ", %" PRIu64 ")",
	    mit_name(m, name, sizeof(name)), vol.bps, vol.pps, rs->vol.bps,
	    rs->vol.pps);
	if (rs->local) {
		pol_usage_sub(&gw->local_usage, &rs->vol);
		pol_usage_add(&gw->local_usage, &vol);
	}
	rs->vol = vol;
	if (rs->local) {
		mitigator_update(gw, m);
		offload_check(gw);
	}
}

void
relay_efficacy(struct mitigation *m)
{
	struct placement *p;

	if (m->relay == NULL || m->attack_status == 0)
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->state == PL_ACTIVE)
			send_put(p, m->attack_status);
}

/* Every placement of m ends: withdrawn upstream where it may be held. */
static void
placements_end(struct mitigation *m)
{
	struct placement *p;

	TAILQ_FOREACH(p, &m->relay->placements, m_entry) {
		if (p->state == PL_ENDED)
			continue;
		placement_detach(p);
		if (p->state == PL_ACTIVE || p->state == PL_SENDING)
			delete_upstream(p);
		p->state = PL_ENDED;
		persist_pl(mit_gw(m), p, true);
	}
}

void
relay_withdraw(struct mitigation *m)
{
	if (m->relay == NULL)
		return;
	local_stop(mit_gw(m), m);
	placements_end(m);
}

void
relay_free(struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	struct placement *p;

	if (rs == NULL)
		return;
	/* stopping: it goes on upstream and is restored at the next start */
	if (!mit_gw(m)->stopping)
		relay_withdraw(m);
	else
		TAILQ_FOREACH(p, &rs->placements, m_entry)
			placement_detach(p);
	while ((p = TAILQ_FIRST(&rs->placements)) != NULL) {
		TAILQ_REMOVE(&rs->placements, p, m_entry);
		TAILQ_REMOVE(&p->us->placements, p, u_entry);
		placement_free(p);
	}
	if (rs->wait_timer != NULL)
		event_free(rs->wait_timer);
	strv_free(&rs->path);
	free(rs);
	m->relay = NULL;
}

/* ---------------------------------------------------------------- */
/* What downstream sees (RFC 8811 §3.2.3: fold upstream feedback in) */

static int
status_rank(uint32_t status)
{
	switch (status) {
	case DOTS_STATUS_MITIGATED:
		return 5;
	case DOTS_STATUS_IN_PROGRESS:
		return 4;
	case DOTS_STATUS_SIGNAL_LOSS:
		return 3;
	case DOTS_STATUS_STOPPED:
		return 2;
	default:
		return 1;
	}
}

uint32_t
relay_status(const struct mitigation *m)
{
	const struct relay_state *rs = m->relay;
	const struct placement *p;
	uint32_t best = 0;
	bool sending = false;

	if (rs == NULL || !mit_is_active(m) ||
	    m->status == DOTS_STATUS_SIGNAL_LOSS)
		return m->status;
	if (rs->local)
		return m->status;
	TAILQ_FOREACH(p, &rs->placements, m_entry) {
		if (p->state == PL_SENDING)
			sending = true;
		if (p->state == PL_ACTIVE && (best == 0 ||
		    status_rank(p->status) > status_rank(best)))
			best = p->status;
	}
	if (best != 0)
		return best;
	if (sending)
		return m->status;
	/* nobody (any more) takes it */
	return DOTS_STATUS_EXCEEDED;
}

void
relay_counters(const struct mitigation *m, uint64_t c[4])
{
	const struct placement *p;

	c[0] = m->bytes_dropped;
	c[1] = m->pkts_dropped;
	c[2] = m->bps_dropped;
	c[3] = m->pps_dropped;
	if (m->relay == NULL)
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry) {
		if (p->state != PL_ACTIVE && p->state != PL_ENDED)
			continue;
		c[0] += p->bytes_dropped;
		c[1] += p->pkts_dropped;
		c[2] += p->state == PL_ACTIVE ? p->bps_dropped : 0;
		c[3] += p->state == PL_ACTIVE ? p->pps_dropped : 0;
	}
}

/* ---------------------------------------------------------------- */
/* Upstream and downstream session events */

/* Nothing takes it now: not local, no placement accepted or pending. */
static bool
unhandled(const struct mitigation *m)
{
	const struct placement *p;

	if (m->relay == NULL || m->relay->local || !mit_is_active(m) ||
	    m->status == DOTS_STATUS_SIGNAL_LOSS)
		return false;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->state == PL_ACTIVE || p->state == PL_SENDING)
			return false;
	return true;
}

/* The placement of m at us that can still carry it, or NULL. */
static struct placement *
placement_at(struct mitigation *m, struct upstream *us)
{
	struct placement *p;

	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->us == us && p->state != PL_ENDED &&
		    p->state != PL_REFUSED)
			return p;
	return NULL;
}

/*
 * Decide again for a mitigation nothing takes (it came while no upstream
 * was up, or all refused or went away): the same rules as for a new
 * request, with today's capacity and upstreams, and with the upstreams
 * that refused it or lost it (and are still down) left out: for
 * failover, the next one. A lost placement the new choice replaces is
 * marked moved. Returns whether anything was placed.
 */
static bool
decide_again(struct gw *gw, struct mitigation *m, bool log_none)
{
	struct relay_state *rs = m->relay;
	struct pol_upstream cand[POL_MAX_UPSTREAMS];
	struct pol_request rq;
	struct pol_decision d;
	struct placement *p;
	char name[200];
	size_t n;

	bool offloaded;

	if (!unhandled(m))
		return false;
	pol_request_of(&m->scope, rs->vol.bps, rs->vol.pps, &rq);
	n = candidates(gw, m->client->peer->conf, m, cand);
	capable_only(gw, &m->scope, &rs->vol, cand, n);
	decide(gw, m->client->peer->conf, &m->scope, &rs->vol, cand, n, &rq,
	    &d, &offloaded);
	rs->offloaded = offloaded && !d.local;
	if (d.local) {
		rs->decision = d;
		local_start(gw, m);
		persist_mit(gw, m);
	}
	for (size_t i = 0; i < d.n_up; i++) {
		struct upstream *us = gw->ups[d.up[i]];

		if ((p = placement_at(m, us)) == NULL &&
		    (p = placement_new(m, us)) == NULL)
			continue;
		p->moved = false;
		placement_send(p);
	}
	if (d.local || d.n_up > 0) {
		rs->decision.strategy = d.strategy;
		TAILQ_FOREACH(p, &rs->placements, m_entry)
			if (p->state == PL_LOST)
				p->moved = true;
		log_info("%s: decided again: %s", mit_name(m, name,
		    sizeof(name)), d.reason);
		mit_changed(m->client->mt, m);
	} else if (log_none)
		log_warnx("%s: decided again: %s", mit_name(m, name,
		    sizeof(name)), d.reason);
	return d.local || d.n_up > 0;
}

static int
redecide(struct mitigation *m, void *arg)
{
	(void)decide_again(arg, m, false);
	return 0;
}

/*
 * A placement of m was refused or lost. A one-upstream strategy (not
 * all) moves it on at once: the next candidate, each tried once per
 * loss, so the chain ends when every candidate failed. A send that
 * fails at once (not connected) counts as lost and moves on again.
 */
static void
failed_over(struct mitigation *m)
{
	struct gw *gw = mit_gw(m);

	if (m->relay == NULL || m->relay->decision.strategy == SEL_ALL ||
	    !mit_is_active(m))
		return;
	for (size_t i = 0; i <= gw->n_ups; i++)
		if (!decide_again(gw, m, true))
			break;
}

void
relay_activate(struct mitigation *m)
{
	redecide(m, mit_gw(m));
}

/* ---------------------------------------------------------------- */
/* Offload by utilization (policies/offload.h) */

/* Below low again: an offloaded mitigation comes back when it fits
 * under high; its placements are withdrawn upstream. */
static int
take_back(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;
	struct relay_state *rs = m->relay;
	bool offloaded;
	char why[200], name[200];

	if (rs == NULL || !rs->offloaded || rs->local || !mit_is_active(m) ||
	    !pol_offload_take_back(&gw->mitig->offload, &gw->conf->offload,
	    &gw->conf->capacity, &gw->local_usage, &rs->vol) ||
	    !pol_capacity_fits(&gw->conf->capacity, &gw->local_usage,
	    &rs->vol))
		return 0;
	if (!mitigator_admit(gw, m->client->peer->conf, &m->scope, &rs->vol,
	    &offloaded, why, sizeof(why)))
		return 0;
	rs->offloaded = false;
	snprintf(rs->decision.reason, sizeof(rs->decision.reason),
	    "taken back from offload");
	rs->decision.local = true;
	local_start(gw, m);
	placements_end(m);
	log_info("%s: taken back from offload", mit_name(m, name,
	    sizeof(name)));
	mit_changed(m->client->mt, m);
	return 0;
}

static int
last_local(struct mitigation *m, void *arg)
{
	if (m->relay != NULL && m->relay->local && mit_is_active(m))
		*(struct mitigation **)arg = m;
	return 0;
}

/* Above high with offload of running ones on: the newest local one goes
 * upstream, when an upstream takes it. */
static bool
shed_one(struct gw *gw)
{
	struct pol_upstream cand[POL_MAX_UPSTREAMS];
	struct mitigation *m = NULL;
	struct pol_decision d;
	struct pol_request rq;
	struct conf_peer req;
	char name[200];

	mit_foreach(gw->mt, last_local, &m);
	if (m == NULL)
		return false;
	req = *m->client->peer->conf;
	req.policy.allow_local = false;
	pol_request_of(&m->scope, m->relay->vol.bps, m->relay->vol.pps, &rq);
	pol_decide(&req, &m->relay->vol, &gw->conf->capacity,
	    &gw->local_usage, cand, candidates(gw, &req, m, cand), &rq, &d);
	if (d.n_up == 0)
		return false;
	log_info("%s: offloading a running mitigation upstream",
	    mit_name(m, name, sizeof(name)));
	m->relay->local = false;
	pol_usage_sub(&gw->local_usage, &m->relay->vol);
	mitigator_withdraw(gw, m);
	redecide(m, gw);
	m->relay->offloaded = true;
	return true;
}

static void
offload_check(struct gw *gw)
{
	struct mitigator *mg = gw->mitig;
	const struct conf *c = gw->conf;
	static const unsigned max_shed = 64;
	uint32_t util;

	if (mg == NULL || c->offload.high == 0 || mg->offload_busy)
		return;
	mg->offload_busy = true;
	for (unsigned i = 0; i < max_shed; i++) {
		util = pol_utilization(&c->capacity, &gw->local_usage);
		if (pol_offload_update(&mg->offload, &c->offload, util))
			log_info("offload %s: utilization %u%% (high %u%%, "
			    "low %u%%)", mg->offload.active ? "on" : "off",
			    util, c->offload.high, c->offload.low);
		if (!pol_offload_shed(&c->offload, util) || !shed_one(gw))
			break;
	}
	if (!mg->offload.active)
		mit_foreach(gw->mt, take_back, gw);
	mg->offload_busy = false;
}

/*
 * A standby orchestrator that is back: what we placed there before we
 * moved to the other one is stale; withdraw it rather than place it twice.
 */
static void
end_stale(struct upstream *us)
{
	struct placement *p;

	TAILQ_FOREACH(p, &us->placements, u_entry) {
		struct seen before = seen_of(p);

		if (p->state != PL_LOST && p->state != PL_SENDING)
			continue;
		placement_detach(p);
		delete_upstream(p);
		p->state = PL_ENDED;
		p->moved = false;
		relay_update(p, before);
	}
}

static void
replace_all(struct upstream *us)
{
	struct gw *gw = us->gw;
	struct placement *p;

	if (!upstream_usable(us)) {
		end_stale(us);
		return;
	}
	/* re-place what we could not place or lost contact with; what
	 * failed over elsewhere meanwhile is withdrawn here instead (the
	 * upstream may still hold it: no duplicate mitigation) */
	TAILQ_FOREACH(p, &us->placements, u_entry) {
		if (p->state != PL_LOST && p->state != PL_SENDING)
			continue;
		if (p->moved || !mit_is_active(p->m)) {
			if (p->moved) {
				delete_upstream(p);
				p->state = PL_ENDED;
				p->moved = false;
			}
			continue;
		}
		placement_send(p);
	}
	/* and what found no taker while this upstream was away */
	mit_foreach(gw->mt, redecide, gw);
}

/* Ours and still wanted: a live placement of an active mitigation. */
static struct placement *
live_placement(struct upstream *us, uint32_t umid)
{
	struct placement *p;

	TAILQ_FOREACH(p, &us->placements, u_entry)
		if (p->umid == umid && p->state != PL_ENDED &&
		    mit_is_active(p->m))
			return p;
	return NULL;
}

static void
delete_umid(struct upstream *us, uint32_t umid)
{
	struct dc_req req = { 0 };
	char cuid[40], mid[24];

	snprintf(cuid, sizeof(cuid), "cuid=%s", us->cuid);
	snprintf(mid, sizeof(mid), "mid=%u", umid);
	req.method = COAP_REQUEST_CODE_DELETE;
	req.path[0] = ".well-known";
	req.path[1] = "dots";
	req.path[2] = "mitigate";
	req.path[3] = cuid;
	req.path[4] = mid;
	req.npath = 5;
	req.content_format = -1;
	req.observe = -1;
	req.small = true;
	(void)upstream_send(us, &req, RELAY_PUT_TIMEOUT_MS, NULL, NULL);
}

/*
 * What the upstream has under our cuid after our restart or its return:
 * ours it keeps (observed again, no new PUT); what is no longer ours
 * (expired or withdrawn while one of us was down, failed over elsewhere
 * meanwhile, or placed just before a crash) is withdrawn; what it lacks
 * (it restarted without its state) is placed again by replace_all().
 */
static void
resync_cb(void *arg, int status, const struct dc_resp *r)
{
	struct upstream *us = arg;
	struct dots_mitigation msg = { 0 };
	struct dots_err err;
	size_t kept = 0, withdrawn = 0;

	if (status == DC_OK && r->code == 205 && dots_decode_mitigation(
	    r->payload, r->len, DOTS_RESP, &msg, &err) == -1)
		log_warnx("upstream %s: resynchronisation: %s", us->peer->name,
		    err.msg);
	for (size_t i = 0; i < msg.n_scope; i++) {
		const struct dots_scope *s = &msg.scope[i];
		struct placement *p;

		if (!(s->present & DOTS_SCOPE_MID))
			continue;
		if (s->mid >= us->next_mid)
			us->next_mid = s->mid + 1;	/* never reused */
		if ((p = live_placement(us, s->mid)) == NULL || p->moved) {
			delete_umid(us, s->mid);
			if (p != NULL) {
				p->state = PL_ENDED;
				p->moved = false;
			}
			withdrawn++;
			continue;
		}
		p->state = PL_ACTIVE;
		if (s->present & DOTS_SCOPE_STATUS)
			p->status = s->status;
		if (s->present & DOTS_SCOPE_LIFETIME)
			p->lifetime = s->lifetime;
		schedule_refresh(p);
		observe(p);
		mit_changed(p->m->client->mt, p->m);
		kept++;
	}
	dots_mitigation_free(&msg);
	log_info("upstream %s resynchronised: %zu placements kept, %zu "
	    "withdrawn%s", us->peer->name, kept, withdrawn, status != DC_OK ?
	    " (no answer)" : "");
	replace_all(us);
}

void
relay_upstream_up(struct upstream *us)
{
	struct dc_req req = { 0 };
	char cuid[40];

	if (us->resync && upstream_usable(us)) {
		snprintf(cuid, sizeof(cuid), "cuid=%s", us->cuid);
		req.method = COAP_REQUEST_CODE_GET;
		req.con = true;
		req.path[0] = ".well-known";
		req.path[1] = "dots";
		req.path[2] = "mitigate";
		req.path[3] = cuid;
		req.npath = 4;
		req.content_format = -1;
		req.observe = -1;
		if (upstream_send(us, &req, RELAY_RESYNC_TIMEOUT_MS, resync_cb,
		    us) != 0) {
			us->resync = false;
			return;
		}
	}
	replace_all(us);
}

int
relay_restore(struct mitigation *m, bool local, const char *cdid_up,
    uint32_t hop_limit)
{
	struct gw *gw = mit_gw(m);
	struct relay_state *rs;

	if ((rs = calloc(1, sizeof(*rs))) == NULL)
		return -1;
	m->relay = rs;
	TAILQ_INIT(&rs->placements);
	snprintf(rs->decision.reason, sizeof(rs->decision.reason),
	    "restored after a restart");
	pol_attack_volume(&m->scope, &gw->conf->capacity, &rs->vol);
	rs->hop_limit = hop_limit;
	snprintf(rs->cdid_up, sizeof(rs->cdid_up), "%s", cdid_up ? cdid_up :
	    "");
	if (path_decode(&m->scope, &rs->path) == -1 ||
	    strv_push(&rs->path, gw->conf->node_id) == -1)
		return -1;
	if (local && mit_is_active(m))
		local_start(gw, m);
	return 0;
}

int
relay_restore_placement(struct mitigation *m, struct upstream *us,
    uint32_t umid, int64_t lifetime)
{
	struct placement *p;

	if (m->relay == NULL || (p = placement_alloc(m, us, umid)) == NULL)
		return -1;
	/* pending: neither lost (that would show no taker) nor sent; the
	 * resynchronisation decides */
	p->state = PL_SENDING;
	p->lifetime = lifetime;
	if (umid >= us->next_mid)
		us->next_mid = umid + 1;
	return 0;
}

void
relay_upstream_down(struct upstream *us)
{
	struct placement *p;

	us->resync = true;	/* when it is back: what does it still hold? */
	TAILQ_FOREACH(p, &us->placements, u_entry) {
		struct seen before = seen_of(p);

		if (p->state != PL_ACTIVE && p->state != PL_SENDING)
			continue;
		placement_detach(p);
		p->state = PL_LOST;
		snprintf(p->diag, sizeof(p->diag), "upstream %s is down",
		    us->peer->name);
		failed_over(p->m);
		relay_update(p, before);
	}
}

static int
forget_wait(struct mitigation *m, void *arg)
{
	if (m->relay != NULL && m->relay->wait_session == arg) {
		m->relay->wait_session = NULL;
		evtimer_del(m->relay->wait_timer);
	}
	return 0;
}

void
relay_session_gone(struct gw *gw, coap_session_t *s)
{
	if (gw->mt != NULL)		/* NULL during shutdown */
		mit_foreach(gw->mt, forget_wait, s);
}

/*
 * us goes away (a reload removed its peer): its placements end here,
 * withdrawn there while the session still exists (a NON DELETE leaves at
 * once), and their mitigations no longer count on it.
 */
void
relay_upstream_removed(struct upstream *us)
{
	struct placement *p;

	while ((p = TAILQ_FIRST(&us->placements)) != NULL) {
		struct mitigation *m = p->m;

		placement_detach(p);
		if (holding(p))
			delete_upstream(p);
		TAILQ_REMOVE(&m->relay->placements, p, m_entry);
		TAILQ_REMOVE(&us->placements, p, u_entry);
		placement_free(p);
		if (waiting(m->relay) && settled(m->relay))
			answer_now(m);
		mit_changed(m->client->mt, m);
	}
}

void
relay_reconsider(struct gw *gw)
{
	if (gw->mt != NULL)
		mit_foreach(gw->mt, redecide, gw);
}

const char *
placement_observation(const struct placement *p)
{
	if (p->polled)
		return "polled";
	return p->obs_id != 0 && p->observed ? "observed" : "none";
}

const char *
placement_state_name(enum placement_state st)
{
	static const char *const names[] = {
		[PL_SENDING] = "sending", [PL_ACTIVE] = "active",
		[PL_REFUSED] = "refused", [PL_LOST] = "lost",
		[PL_ENDED] = "ended",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] :
	    "unknown";
}
