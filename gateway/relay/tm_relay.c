/*
 * Telemetry upstream (tm_relay.h). Every change of a downstream report,
 * and every TM_TICK_MS (placements made since, an upstream back up),
 * the body each upstream should hold is built again; only a body that
 * differs from the last one it took is sent.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "common/conf.h"
#include "common/dots_json.h"
#include "common/dots_tm.h"
#include "common/log.h"
#include "policies/decide.h"
#include "policies/select.h"
#include "policies/tm_volume.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/relay/tm_relay.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/telemetry.h"
#include "gateway/upstream/upstream.h"

#define TM_ROOT		"ietf-dots-telemetry:telemetry"
#define TM_TICK_MS	2000
#define TM_SOON_MS	50	/* changes in one burst go as one PUT */
#define TM_TIMEOUT_MS	10000
#define TM_HOP_LIMIT	16	/* RFC 8768 §3's default, when none came */
#define TM_NAME_MAX	128	/* conf_impl.h CONF_NAME_MAX */

/* What one upstream holds of our telemetry (by name: reloads). */
struct tm_up {
	char		 name[TM_NAME_MAX + 1];
	json_t		*last;		/* the body it took, NULL none */
	uint32_t	 tmid;		/* the last we used there */
	bool		 busy;		/* a request is out */
};

/*
 * A request out. Its answer (or timeout) frees it; a client freed under
 * it (the upstream's session replaced) calls nothing, so what is older
 * than TM_LOST_MS is taken as lost by the tick.
 */
struct tm_sent {
	TAILQ_ENTRY(tm_sent) entry;
	struct gw	*gw;
	char		 name[TM_NAME_MAX + 1];
	uint32_t	 tmid;
	size_t		 n_targets;
	bool		 del;
	uint64_t	 sent_ms;
};
#define TM_LOST_MS	(3 * TM_TIMEOUT_MS)

struct tm_relay {
	struct gw	*gw;
	struct event	*tick, *soon;
	struct tm_up	 up[POL_MAX_UPSTREAMS];
	size_t		 n_up;
	TAILQ_HEAD(, tm_sent) sent;
};

static struct tm_up *
up_of(struct tm_relay *r, const char *name)
{
	for (size_t i = 0; i < r->n_up; i++)
		if (strcmp(r->up[i].name, name) == 0)
			return &r->up[i];
	if (r->n_up == POL_MAX_UPSTREAMS)
		return NULL;
	memset(&r->up[r->n_up], 0, sizeof(r->up[0]));
	snprintf(r->up[r->n_up].name, sizeof(r->up[0].name), "%s", name);
	return &r->up[r->n_up++];
}

static const struct conf_peer *
peer_conf(struct gw *gw, const char *name)
{
	for (size_t i = 0; i < gw->n_peers; i++)
		if (gw->peers[i] != NULL &&
		    strcmp(gw->peers[i]->conf->name, name) == 0)
			return gw->peers[i]->conf;
	return NULL;
}

static void
target_of_scope(const struct dots_scope *s, struct dots_tm_target *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->n_target_prefix &&
	    t->n_prefix < DOTS_TM_MAX_PREFIXES; i++)
		t->prefix[t->n_prefix++] = s->target_prefix[i];
}

bool
relay_attack_volume(struct gw *gw, const char *peer,
    const struct dots_scope *s, struct pol_volume *vol)
{
	struct dots_tm_target t;
	struct pol_tm tm = { 0 };

	pol_attack_volume(s, &gw->conf->capacity, vol);
	if (vol->from_request || gw->tm == NULL || s == NULL)
		return false;
	target_of_scope(s, &t);
	if (t.n_prefix == 0)
		return false;	/* fqdn, uri, alias only: no telemetry match */
	tm_attack_volume(gw->tm, &t, &tm.attack_bps, &tm.attack_pps);
	if (peer != NULL) {
		tm.pipe_bps = tm_pipe_bps(gw->tm, peer);
		tm.baseline_bps = tm_baseline_bps(gw->tm, peer, &t);
	}
	return pol_volume_from_telemetry(vol, &tm);
}

struct attacks_walk {
	struct dots_tm_target	 t;
	struct pol_attacks	*at;
};

static void
attacks_of(const struct tm_report_rec *rec, void *arg)
{
	struct attacks_walk *w = arg;

	for (size_t i = 0; i < rec->r->n_entries; i++) {
		const struct dots_tm_entry *e = &rec->r->entries[i];

		if (!dots_tm_target_overlaps(&e->target, &w->t))
			continue;
		for (size_t j = 0; j < e->n_attacks; j++) {
			const struct dots_tm_attack *x = &e->attacks[j];

			if (x->description[0] != '\0')
				pol_attacks_add(w->at, x->description);
			else
				pol_attacks_add_ids(w->at, x->vendor_id,
				    x->attack_id);
		}
	}
}

void
relay_telemetry_attacks(struct gw *gw, const struct dots_scope *s,
    struct pol_attacks *at)
{
	struct attacks_walk w;

	if (gw->tm == NULL || s == NULL)
		return;
	target_of_scope(s, &w.t);
	if (w.t.n_prefix == 0)
		return;
	w.at = at;
	tm_report_foreach(gw->tm, NULL, NULL, attacks_of, &w);
}

/* ---- which upstreams a target concerns ---- */

/* Bit i: gw->ups[i] holds a mitigation overlapping t. */
static uint64_t
holders(struct gw *gw, const struct dots_tm_target *t)
{
	const struct placement *p;
	struct dots_tm_target mt;
	uint64_t mask = 0;

	for (size_t i = 0; i < gw->n_ups && i < 64; i++)
		TAILQ_FOREACH(p, &gw->ups[i]->placements, u_entry) {
			if (!relay_holding(p))
				continue;
			target_of_scope(&p->m->scope, &mt);
			if (mt.n_prefix > 0 &&
			    dots_tm_target_overlaps(&mt, t)) {
				mask |= 1ull << i;
				break;
			}
		}
	return mask;
}

/* Bit i: a request of peer for t, at the volume telemetry gives it,
 * would go to gw->ups[i] (pol_decide: no logging, no side effect). */
static uint64_t
takers(struct gw *gw, const char *peer, const struct dots_tm_target *t)
{
	const struct conf_peer *pc = peer_conf(gw, peer);
	struct pol_upstream cand[POL_MAX_UPSTREAMS];
	struct pol_decision d;
	struct pol_request rq;
	struct pol_volume vol;
	struct dots_scope sc;
	struct prefix pfx[DOTS_TM_MAX_PREFIXES];
	uint64_t mask = 0;
	size_t n;

	if (pc == NULL || t->n_prefix == 0)
		return 0;
	memset(&sc, 0, sizeof(sc));
	memcpy(pfx, t->prefix, t->n_prefix * sizeof(pfx[0]));
	sc.target_prefix = pfx;
	sc.n_target_prefix = t->n_prefix;
	(void)relay_attack_volume(gw, peer, &sc, &vol);
	pol_request_of(&sc, vol.bps, vol.pps, &rq);
	n = relay_candidates(gw, pc, NULL, cand);
	pol_decide(pc, &vol, &gw->conf->capacity, &gw->local_usage, cand, n,
	    &rq, &d);
	for (size_t i = 0; i < d.n_up; i++)
		if (d.up[i] < 64)
			mask |= 1ull << d.up[i];
	return mask;
}

/* ---- the bodies ---- */

struct build {
	struct gw	*gw;
	json_t		*list[POL_MAX_UPSTREAMS];	/* per gw->ups index */
	int		 hop[POL_MAX_UPSTREAMS];	/* lowest seen, 0 none */
};

/* The entry as it goes upstream: no tmid (ours is in the path), no
 * mid-list (downstream mids mean nothing there). NULL when nothing
 * names the target then. */
static json_t *
relayed_entry(const json_t *e)
{
	json_t *c = json_deep_copy(e), *t;

	if (c == NULL)
		return NULL;
	json_object_del(c, "tmid");
	t = json_object_get(c, "target");
	json_object_del(t, "mid-list");
	if (json_object_get(t, "target-prefix") == NULL &&
	    json_object_get(t, "target-fqdn") == NULL &&
	    json_object_get(t, "target-uri") == NULL &&
	    json_object_get(t, "alias-name") == NULL) {
		json_decref(c);
		return NULL;
	}
	return c;
}

/* Aggregated per target: one entry per target, lists joined. */
static void
merge(json_t *list, json_t *e)
{
	const char *k;
	json_t *x, *v, *have;
	size_t i;

	json_array_foreach(list, i, x) {
		if (!json_equal(json_object_get(x, "target"),
		    json_object_get(e, "target")))
			continue;
		json_object_foreach(e, k, v) {
			if (strcmp(k, "target") == 0)
				continue;
			have = json_object_get(x, k);
			if (have == NULL)
				json_object_set(x, k, v);
			else if (json_is_array(have) && json_is_array(v))
				json_array_extend(have, v);
		}
		json_decref(e);
		return;
	}
	json_array_append_new(list, e);
}

static void
collect(const struct tm_report_rec *rec, void *arg)
{
	struct build *b = arg;
	struct gw *gw = b->gw;
	const json_t *entries = json_object_get(json_object_get(rec->body,
	    TM_ROOT), "pre-or-ongoing-mitigation");
	size_t k;
	json_t *e, *c;

	if (rec->hop_limit == 1)
		return;		/* RFC 8768: no further hop */
	json_array_foreach(entries, k, e) {
		const struct dots_tm_entry *te;
		uint64_t mask;

		if (k >= rec->r->n_entries)
			break;
		te = &rec->r->entries[k];
		if (te->filter_only)
			continue;	/* a subscription: it asks, it tells nothing */
		mask = holders(gw, &te->target) |
		    takers(gw, rec->peer, &te->target);
		for (size_t i = 0; i < gw->n_ups && i < 64; i++) {
			if (!(mask & (1ull << i)) ||
			    (c = relayed_entry(e)) == NULL)
				continue;
			if (strcmp(gw->ups[i]->peer->name, rec->peer) == 0) {
				json_decref(c);	/* never back to who told us */
				continue;
			}
			merge(b->list[i], c);
			if (rec->hop_limit != 0 && (b->hop[i] == 0 ||
			    rec->hop_limit < b->hop[i]))
				b->hop[i] = rec->hop_limit;
		}
	}
}

static void
sent_cb(void *arg, int status, const struct dc_resp *resp)
{
	struct tm_sent *s = arg;
	struct tm_relay *r = s->gw->tm_relay;
	struct tm_up *u = r != NULL ? up_of(r, s->name) : NULL;
	bool ok = status == DC_OK && resp != NULL && resp->code / 100 == 2;

	if (u != NULL)
		u->busy = false;
	if (r != NULL)
		TAILQ_REMOVE(&r->sent, s, entry);
	if (!s->del)
		metrics_tm_relayed(s->gw->metrics, ok);
	if (ok)
		log_info("telemetry: upstream %s took %s (%zu targets)",
		    s->name, s->del ? "the DELETE of our telemetry" : "tmid",
		    s->n_targets);
	else {
		log_warnx("telemetry: upstream %s: %s of tmid %u: %s", s->name,
		    s->del ? "DELETE" : "PUT", s->tmid, status != DC_OK ?
		    "no answer" : resp->payload != NULL ?
		    (const char *)resp->payload : "refused");
		if (u != NULL) {	/* the next tick tries again */
			json_decref(u->last);
			u->last = NULL;
			if (s->del)
				u->last = json_object();
		}
	}
	free(s);
}

static void
send_body(struct tm_relay *r, struct upstream *us, struct tm_up *u,
    json_t *list, int hop)
{
	struct dc_req req = { 0 };
	struct dots_err err = { 0 };
	struct tm_sent *s;
	char cuid[8 + CUID_BUFLEN], tmid[24];
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *body = NULL;
	bool del = json_array_size(list) == 0;
	uint32_t now = (uint32_t)time(NULL);

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return;
	s->gw = r->gw;
	s->del = del;
	s->n_targets = json_array_size(list);
	snprintf(s->name, sizeof(s->name), "%s", u->name);
	snprintf(cuid, sizeof(cuid), "cuid=%s", us->cuid);
	req.path[0] = ".well-known";
	req.path[1] = "dots";
	req.path[2] = "tm";
	req.path[3] = cuid;
	req.npath = 4;
	req.content_format = -1;
	req.observe = -1;
	req.con = true;
	if (!del) {
		/* tmids only grow there, across our restarts too */
		u->tmid = u->tmid + 1 > now ? u->tmid + 1 : now;
		s->tmid = u->tmid;
		snprintf(tmid, sizeof(tmid), "tmid=%u", u->tmid);
		req.path[req.npath++] = tmid;
		body = json_pack("{s:{s:O}}", TM_ROOT,
		    "pre-or-ongoing-mitigation", list);
		if (body == NULL || dots_json_to_cbor(body, &buf, &len,
		    &err) == -1) {
			log_warnx("telemetry: cannot encode for %s: %s",
			    u->name, err.msg);
			json_decref(body);
			free(s);
			return;
		}
		json_decref(body);
		req.method = COAP_REQUEST_CODE_PUT;
		req.content_format = 271;
		req.payload = buf;
		req.len = len;
		/* libcoap decrements it on send (placement.c) */
		req.hop_limit = hop != 0 ? hop : TM_HOP_LIMIT + 1;
	} else
		req.method = COAP_REQUEST_CODE_DELETE;
	if (upstream_send(us, &req, TM_TIMEOUT_MS, sent_cb, s) == 0) {
		free(buf);
		free(s);
		return;		/* not connected: the next tick */
	}
	free(buf);
	s->sent_ms = gw_now_ms();
	TAILQ_INSERT_TAIL(&r->sent, s, entry);
	u->busy = true;
	json_decref(u->last);
	u->last = json_incref(list);
}

static void
relay_all(struct tm_relay *r)
{
	struct gw *gw = r->gw;
	struct build b;
	size_t i;

	memset(&b, 0, sizeof(b));
	b.gw = gw;
	for (i = 0; i < gw->n_ups && i < POL_MAX_UPSTREAMS; i++)
		if ((b.list[i] = json_array()) == NULL)
			goto out;
	tm_report_foreach(gw->tm, NULL, NULL, collect, &b);
	for (i = 0; i < gw->n_ups && i < POL_MAX_UPSTREAMS; i++) {
		struct upstream *us = gw->ups[i];
		struct tm_up *u = up_of(r, us->peer->name);

		if (u == NULL || u->busy || !upstream_usable(us))
			continue;
		if (u->last == NULL && json_array_size(b.list[i]) == 0)
			continue;	/* nothing said, nothing to say */
		if (u->last != NULL && json_equal(u->last, b.list[i]))
			continue;
		send_body(r, us, u, b.list[i], b.hop[i]);
	}
out:
	for (i = 0; i < POL_MAX_UPSTREAMS; i++)
		json_decref(b.list[i]);
}

static void
on_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct tm_relay *r = arg;
	struct timeval tv = { TM_TICK_MS / 1000, (TM_TICK_MS % 1000) * 1000 };
	struct tm_sent *s;
	struct tm_up *u;

	while ((s = TAILQ_FIRST(&r->sent)) != NULL &&
	    gw_now_ms() - s->sent_ms > TM_LOST_MS) {
		TAILQ_REMOVE(&r->sent, s, entry);
		if ((u = up_of(r, s->name)) != NULL) {
			u->busy = false;
			json_decref(u->last);
			u->last = NULL;		/* say it again */
		}
		log_warnx("telemetry: upstream %s: tmid %u lost with its "
		    "session", s->name, s->tmid);
		free(s);
	}
	relay_all(r);
	evtimer_add(r->tick, &tv);
}

static void
on_soon(evutil_socket_t fd, short ev, void *arg)
{
	relay_all(arg);
}

void
tm_relay_on_report(const struct tm_report_rec *rec, void *arg)
{
	struct gw *gw = arg;
	struct timeval tv = { 0, TM_SOON_MS * 1000 };

	if (gw->tm_relay != NULL && !evtimer_pending(gw->tm_relay->soon, NULL))
		evtimer_add(gw->tm_relay->soon, &tv);
}

struct tm_relay *
tm_relay_new(struct gw *gw)
{
	struct tm_relay *r;
	struct timeval tv = { TM_TICK_MS / 1000, (TM_TICK_MS % 1000) * 1000 };

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->gw = gw;
	TAILQ_INIT(&r->sent);
	if ((r->tick = evtimer_new(gw->base, on_tick, r)) == NULL ||
	    (r->soon = evtimer_new(gw->base, on_soon, r)) == NULL) {
		tm_relay_free(r);
		return NULL;
	}
	event_priority_set(r->tick, GW_PRIO_IDLE);
	evtimer_add(r->tick, &tv);
	return r;
}

void
tm_relay_free(struct tm_relay *r)
{
	struct tm_sent *s;

	if (r == NULL)
		return;
	if (r->tick != NULL)
		event_free(r->tick);
	if (r->soon != NULL)
		event_free(r->soon);
	for (size_t i = 0; i < r->n_up; i++)
		json_decref(r->up[i].last);
	/* before the upstreams: freeing their clients calls no callback */
	while ((s = TAILQ_FIRST(&r->sent)) != NULL) {
		TAILQ_REMOVE(&r->sent, s, entry);
		free(s);
	}
	free(r);
}
