/*
 * Deciding: every upstream as a candidate (policies/decide.h), local
 * mitigation when our mitigator can take the request, the loop checks of
 * a new request (relay path, Hop-Limit). Failover and offload decide
 * again with the same functions (failover.c, local.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "policies/capable.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/relay/orch.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/relay/tm_relay.h"
#include "gateway/state/mitigation.h"
#include "gateway/upstream/upstream.h"

/* A placement that holds its mitigation, or is about to. */
bool
relay_holding(const struct placement *p)
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
size_t
relay_candidates(struct gw *gw, const struct conf_peer *peer,
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
			if (relay_holding(p))
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
		if (relay_holding(p))
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
void
relay_decide(struct gw *gw, const struct conf_peer *peer,
    const struct dots_scope *s, const struct pol_volume *vol,
    const struct pol_upstream *cand, size_t n, const struct pol_request *rq,
    struct pol_decision *d, bool *offloaded)
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
void
relay_capable_only(struct gw *gw, const struct dots_scope *s,
    const struct pol_volume *vol, struct pol_upstream *cand, size_t n)
{
	struct pol_attacks at;
	char why[160];

	if (gw->orch == NULL)
		return;
	pol_attacks_of(s, &at);
	if (at.n == 0)
		relay_telemetry_attacks(gw, s, &at);
	for (size_t i = 0; i < n; i++)
		if (cand[i].reg != NULL && !cand[i].failed &&
		    !pol_capable(cand[i].reg, vol, &at, why, sizeof(why))) {
			cand[i].failed = true;
			log_info("ISP %s left out: %s", cand[i].peer->name, why);
		}
}

int
relay_plan(struct gw *gw, const struct relay_request *rq,
    const struct dots_scope *s, struct relay_plan *plan, struct dots_err *err)
{
	const struct conf *c = gw->conf;
	struct pol_upstream cand[POL_MAX_UPSTREAMS];
	struct pol_request sel_rq;
	size_t n;
	char joined[DOTS_ERR_MSGLEN];

	memset(plan, 0, sizeof(*plan));
	snprintf(plan->cdid, sizeof(plan->cdid), "%s", rq->cdid != NULL ?
	    rq->cdid : "");
	/* our own id on its path: we relayed it before, whatever we would
	 * do with it now (it would also overlap itself) */
	if (relay_path_decode(s, &plan->path) == -1) {
		relay_plan_free(plan);
		return dots_errf(err, 400, "malformed relay path (key %u)",
		    DOTSGW_KEY_RELAY_PATH);
	}
	if (relay_path_has(&plan->path, c->node_id)) {
		relay_path_join(&plan->path, joined, sizeof(joined));
		log_warnx("peer %s cuid %s mid %u: relay loop: %s %s",
		    rq->peer->name, rq->cuid, rq->mid, joined, c->node_id);
		relay_plan_free(plan);
		return dots_errf(err, 508, "%s", c->node_id);
	}
	if (strv_push(&plan->path, c->node_id) == -1) {
		relay_plan_free(plan);
		return dots_errf(err, 500, "out of memory");
	}

	if (relay_attack_volume(gw, rq->peer->name, s, &plan->vol))
		log_info("peer %s cuid %s mid %u: attack volume from telemetry: "
		    "%" PRIu64 " bit/s, %" PRIu64 " pkt/s", rq->peer->name,
		    rq->cuid, rq->mid, plan->vol.bps, plan->vol.pps);
	pol_request_of(s, plan->vol.bps, plan->vol.pps, &sel_rq);
	n = relay_candidates(gw, rq->peer, NULL, cand);
	relay_capable_only(gw, s, &plan->vol, cand, n);
	for (size_t i = 0; i < n; i++)
		plan->cand_us[i] = gw->ups[i];
	relay_decide(gw, rq->peer, s, &plan->vol, cand, n, &sel_rq,
	    &plan->decision, &plan->offloaded);
	if (plan->decision.n_up == 0)
		return 0;

	/* RFC 8768: it goes upstream, so Hop-Limit is decremented */
	if (rq->hop_limit == 1) {
		log_warnx("peer %s cuid %s mid %u: Hop-Limit exhausted",
		    rq->peer->name, rq->cuid, rq->mid);
		relay_plan_free(plan);
		return dots_errf(err, 508, "%s", c->node_id);
	}
	plan->hop_limit = rq->hop_limit;	/* libcoap decrements it on send */
	return 0;
}

void
relay_plan_free(struct relay_plan *plan)
{
	strv_free(&plan->path);
}
