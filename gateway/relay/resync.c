/*
 * Upstream sessions going down, coming back and going away, and what we
 * placed there across a restart: on the way back, what the upstream
 * still holds under our cuid is compared with what we placed
 * (resynchronisation) before anything is placed again.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/relay/tm_relay.h"
#include "gateway/state/cluster.h"
#include "gateway/state/mitigation.h"
#include "gateway/upstream/upstream.h"

/*
 * A standby orchestrator that is back: what we placed there before we
 * moved to the other one is stale; withdraw it rather than place it twice.
 */
static void
end_stale(struct upstream *us)
{
	struct placement *p;

	TAILQ_FOREACH(p, &us->placements, u_entry) {
		struct seen before = placement_seen(p);

		if (p->state != PL_LOST && p->state != PL_SENDING)
			continue;
		placement_detach(p);
		placement_delete(p);
		p->state = PL_ENDED;
		p->moved = false;
		placement_update(p, before);
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
				placement_delete(p);
				p->state = PL_ENDED;
				p->moved = false;
			}
			continue;
		}
		placement_send(p);
	}
	/* and what found no taker while this upstream was away */
	mit_foreach(gw->mt, relay_redecide, gw);
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
		/* a cluster: another node's placement, not stale */
		if ((p = live_placement(us, s->mid)) == NULL &&
		    cluster_placed_elsewhere(us->gw, us->peer->name, s->mid))
			continue;
		if (p == NULL || p->moved) {
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
		placement_schedule_refresh(p);
		placement_observe(p);
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

void
relay_upstream_down(struct upstream *us)
{
	struct placement *p;

	us->resync = true;	/* when it is back: what does it still hold? */
	TAILQ_FOREACH(p, &us->placements, u_entry) {
		struct seen before = placement_seen(p);

		if (p->state != PL_ACTIVE && p->state != PL_SENDING)
			continue;
		placement_detach(p);
		p->state = PL_LOST;
		snprintf(p->diag, sizeof(p->diag), "upstream %s is down",
		    us->peer->name);
		relay_failed_over(p->m);
		placement_update(p, before);
	}
	dc_push_upstream_down(us);	/* registered anew when back */
}

/*
 * us goes away (a reload removed us): its placements end here,
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
		if (relay_holding(p))
			placement_delete(p);
		TAILQ_REMOVE(&m->relay->placements, p, m_entry);
		TAILQ_REMOVE(&us->placements, p, u_entry);
		placement_free(p);
		relay_settle_check(m);
		mit_changed(m->client->mt, m);
	}
	dc_push_upstream_down(us);
}

/* ---------------------------------------------------------------- */
/* After a restart (gateway/state/persist.c) */

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
	(void)relay_attack_volume(gw, NULL, &m->scope, &rs->vol);
	rs->hop_limit = hop_limit;
	snprintf(rs->cdid_up, sizeof(rs->cdid_up), "%s", cdid_up ? cdid_up :
	    "");
	if (relay_path_decode(&m->scope, &rs->path) == -1 ||
	    strv_push(&rs->path, gw->conf->node_id) == -1)
		return -1;
	if (local && mit_is_active(m))
		relay_local_start(gw, m);
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
