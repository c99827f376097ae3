/*
 * Deciding again for a mitigation nothing takes: its placement was
 * refused or lost (failover to the next candidate), it came while no
 * upstream was up, a preconfigured one went active, or a reload changed
 * the upstreams.
 */
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"

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
	n = relay_candidates(gw, m->client->peer->conf, m, cand);
	relay_capable_only(gw, &m->scope, &rs->vol, cand, n);
	relay_decide(gw, m->client->peer->conf, &m->scope, &rs->vol, cand, n,
	    &rq, &d, &offloaded);
	rs->offloaded = offloaded && !d.local;
	if (d.local) {
		rs->decision = d;
		relay_local_start(gw, m);
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
		log_info("%s: decided again: %s", relay_mit_name(m, name,
		    sizeof(name)), d.reason);
		mit_changed(m->client->mt, m);
	} else if (log_none)
		log_warnx("%s: decided again: %s", relay_mit_name(m, name,
		    sizeof(name)), d.reason);
	return d.local || d.n_up > 0;
}

/* mit_foreach's shape: arg is the gw. */
int
relay_redecide(struct mitigation *m, void *arg)
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
void
relay_failed_over(struct mitigation *m)
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
	relay_redecide(m, mit_gw(m));
}

void
relay_reconsider(struct gw *gw)
{
	if (gw->mt != NULL)
		mit_foreach(gw->mt, relay_redecide, gw);
}
