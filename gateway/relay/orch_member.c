#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/relay/orch_member.h"
#include "gateway/relay/relay.h"
#include "gateway/upstream/upstream.h"

#define REG_TIMEOUT_MS	10000

static bool
is_orch(const struct upstream *us)
{
	return us->peer->up.orchestrator;
}

/* The active orchestrator other than us, if any. */
static struct upstream *
active_other(struct gw *gw, const struct upstream *us)
{
	for (size_t i = 0; i < gw->n_ups; i++) {
		struct upstream *o = gw->ups[i];

		if (o != us && is_orch(o) && o->up && !o->standby)
			return o;
	}
	return NULL;
}

static void
reg_cb(void *arg, int status, const struct dc_resp *r)
{
	struct upstream *us = arg;
	const char *what = us->peer->up.has_register ? "registration" :
	    "cancellation";

	if (status != DC_OK)
		log_warnx("orchestrator %s: %s got no answer", us->peer->name,
		    what);
	else if (r->code / 100 == 2)
		log_info("orchestrator %s: %s %s (%d.%02d)", us->peer->name,
		    what, us->peer->up.has_register ? "accepted" : "done",
		    r->code / 100, r->code % 100);
	else
		log_warnx("orchestrator %s: %s refused: %d.%02d %.*s",
		    us->peer->name, what, r->code / 100, r->code % 100,
		    r->content_format == -1 ? (int)r->len : 0,
		    (const char *)r->payload);
}

/*
 * What we declare, with the defaults filled from our first listener: its
 * address (unless a wildcard: then the orchestrator takes the address our
 * registration comes from), port and transport.
 */
static int
reg_body(const struct gw *gw, const struct conf_upstream *u, uint8_t **buf,
    size_t *len)
{
	const struct conf_listen *l = &gw->conf->listen[0];
	struct dots_registration r = u->reg;	/* borrowed members */
	int rc;

	if (r.server_address == NULL && strcmp(l->address, "0.0.0.0") != 0 &&
	    strcmp(l->address, "::") != 0)
		r.server_address = (char *)l->address;
	if (r.server_port == 0)
		r.server_port = l->port;
	if (r.server_transport == 0)
		r.server_transport = l->dtls ? DOTS_REG_DTLS : DOTS_REG_TLS;
	rc = dots_encode_registration(&r, buf, len);
	return rc;
}

/* PUT what the config declares, or DELETE when it declares nothing. */
static void
send_registration(struct upstream *us)
{
	const struct conf_upstream *u = &us->peer->up;
	struct dc_req req = { 0 };
	uint8_t *body = NULL;
	size_t len = 0;

	req.con = true;
	req.path[0] = ".well-known";
	req.path[1] = "dots";
	req.path[2] = "register";
	req.npath = 3;
	req.content_format = -1;
	req.observe = -1;
	if (u->has_register) {
		if (reg_body(us->gw, u, &body, &len) == -1) {
			log_warnx("orchestrator %s: out of memory",
			    us->peer->name);
			return;
		}
		req.method = COAP_REQUEST_CODE_PUT;
		req.content_format = 271;
		req.payload = body;
		req.len = len;
	} else
		req.method = COAP_REQUEST_CODE_DELETE;
	if (upstream_send(us, &req, REG_TIMEOUT_MS, reg_cb, us) == 0)
		log_warnx("orchestrator %s: cannot send the registration",
		    us->peer->name);
	free(body);
}

/* Its place in the config: the order of preference. */
static size_t
rank(const struct gw *gw, const struct upstream *us)
{
	size_t i;

	for (i = 0; i < gw->n_ups && gw->ups[i] != us; i++)
		;
	return i;
}

/* Nothing placed there, and nothing it placed here: switching away
 * moves nothing. (An ISP member holds what its active orchestrator
 * placed; while it does, a returning orchestrator's copies must not
 * displace it: orch_member_takeover.) */
static bool
idle(struct gw *gw, const struct upstream *us)
{
	const struct placement *p;
	const struct peer_rt *pr = peer_find(gw, us->peer->name);

	TAILQ_FOREACH(p, &us->placements, u_entry)
		if (p->state == PL_ACTIVE || p->state == PL_SENDING)
			return false;
	return pr == NULL || pr->active == 0;
}

static void activated(struct gw *, const struct upstream *);

/*
 * The first orchestrator in config order that is up is active; one that
 * holds mitigations stays active when an earlier one comes (back), so a
 * failover is never undone while it matters.
 */
void
orch_member_up(struct upstream *us)
{
	struct gw *gw = us->gw;
	struct upstream *act;

	if (!is_orch(us))
		return;
	act = active_other(gw, us);
	if (act != NULL && rank(gw, us) < rank(gw, act) && idle(gw, act)) {
		act->standby = true;
		log_info("orchestrator %s is standby (%s, earlier in the "
		    "config, is up)", act->peer->name, us->peer->name);
		act = NULL;
	}
	if (act == NULL) {
		us->standby = false;
		log_info("orchestrator %s is active", us->peer->name);
		activated(gw, us);
	} else {
		us->standby = true;
		log_info("orchestrator %s is standby (%s is active)",
		    us->peer->name, act->peer->name);
	}
	send_registration(us);
}

void
orch_member_down(struct upstream *us)
{
	struct gw *gw = us->gw;
	struct upstream *next = NULL;
	size_t at = 0;

	if (!is_orch(us) || us->standby)
		return;
	us->standby = true;
	while (at < gw->n_ups && gw->ups[at] != us)
		at++;
	/* the next one after it in config order that is up */
	for (size_t k = 1; k < gw->n_ups && next == NULL; k++) {
		struct upstream *o = gw->ups[(at + k) % gw->n_ups];

		if (is_orch(o) && o->up)
			next = o;
	}
	if (next == NULL) {
		log_warnx("orchestrator %s is down and no other orchestrator "
		    "is up", us->peer->name);
		return;
	}
	next->standby = false;
	log_warnx("orchestrator failover: %s is down, %s is active now; "
	    "placing active mitigations there", us->peer->name,
	    next->peer->name);
	activated(gw, next);
	relay_reconsider(gw);
}

void
orch_member_reload(struct gw *gw)
{
	for (size_t i = 0; i < gw->n_ups; i++) {
		struct upstream *us = gw->ups[i];

		if (is_orch(us) && us->up)
			send_registration(us);
	}
}

/* ---- at an ISP: requests from the two orchestrators of a pair ---- */

static bool
other_orchestrator(const struct peer_rt *a, const struct peer_rt *b)
{
	return a != b && a->conf->up.orchestrator && b->conf->up.orchestrator;
}

/* Our session to the orchestrator that is this peer, if we are its
 * member. */
static const struct upstream *
member_of(const struct gw *gw, const struct peer_rt *pr)
{
	for (size_t i = 0; i < gw->n_ups; i++)
		if (is_orch(gw->ups[i]) &&
		    strcmp(gw->ups[i]->peer->name, pr->conf->name) == 0)
			return gw->ups[i];
	return NULL;
}

/* The same customer's request (cdid, kept from trusted gateways) placed
 * here by the other orchestrator of the pair: the active one's copy after
 * a failover, so the other copy is withdrawn by us (not held twice). */
static int
withdraw_copy(struct mitigation *m, void *arg)
{
	const struct mitigation *by = arg;

	if (m == by || !mit_is_active(m) || m->cdid == NULL ||
	    by->cdid == NULL || strcmp(m->cdid, by->cdid) != 0 ||
	    !other_orchestrator(m->client->peer, by->client->peer) ||
	    !dots_scope_overlaps(&m->scope, &by->scope))
		return 0;
	log_info("peer %s cuid %s mid %u takes over mid %u of %s (the same "
	    "cdid, one redundant orchestrator pair)",
	    by->client->peer->conf->name, by->client->cuid, by->mid, m->mid,
	    m->client->peer->conf->name);
	mit_server_withdraw(m->client->mt, m);
	return 0;
}

/*
 * Only the copy of the orchestrator that is active for us displaces the
 * other's. A restarted orchestrator places again what it held before it
 * died, before its own downstream has withdrawn it there; had that copy
 * displaced the survivor's, both would be gone a moment later. Copies
 * that arrive from an orchestrator before we make it active are settled
 * when we do (activated()).
 */
void
orch_member_takeover(struct gw *gw, struct mitigation *by)
{
	const struct upstream *us;

	if (!by->client->peer->conf->up.orchestrator || by->cdid == NULL)
		return;
	us = member_of(gw, by->client->peer);
	if (us == NULL || upstream_usable(us))
		mit_foreach(gw->mt, withdraw_copy, by);
}

static int
takeover_from(struct mitigation *m, void *arg)
{
	const struct upstream *us = arg;

	if (mit_is_active(m) && m->cdid != NULL &&
	    strcmp(m->client->peer->conf->name, us->peer->name) == 0)
		mit_foreach(us->gw->mt, withdraw_copy, m);
	return 0;
}

static void
activated(struct gw *gw, const struct upstream *us)
{
	mit_foreach(gw->mt, takeover_from, (void *)us);
}
