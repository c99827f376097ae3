/*
 * The life of a mitigation's relay state: carried out as planned
 * (plan.c), refreshed, updated with efficacy, withdrawn, freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/cluster.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/upstream/upstream.h"

const char *
relay_mit_name(const struct mitigation *m, char *buf, size_t len)
{
	snprintf(buf, len, "peer %s cuid %s mid %u",
	    m->client->peer->conf->name, m->client->cuid, m->mid);
	return buf;
}

static void
set_cdid(struct gw *gw, struct mitigation *m, const char *ours)
{
	struct relay_state *rs = m->relay;

	switch (gw->conf->gateway.cdid) {
	case CDID_INSERT:
		/* only the first server-domain gateway inserts (RFC 9132
		 * §13): a trusted gateway's cdid travels on unchanged */
		snprintf(rs->cdid_up, sizeof(rs->cdid_up), "%s",
		    m->cdid != NULL ? m->cdid : ours);
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
relay_start(struct mitigation *m, struct relay_plan *plan)
{
	struct gw *gw = mit_gw(m);
	struct relay_state *rs;
	char name[200];

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
	set_cdid(gw, m, plan->cdid);
	persist_mit(gw, m);
	if (m->status == DOTS_STATUS_SIGNAL_LOSS) {
		/* preconfigured: nothing runs until the session is lost,
		 * then relay_activate() decides again */
		log_info("%s: preconfigured, held until its signal channel "
		    "is lost", relay_mit_name(m, name, sizeof(name)));
		return false;
	}
	metrics_decision(gw->metrics, plan->decision.local ? "local" :
	    plan->decision.n_up > 0 ? "upstream" : "exceeded");
	if (plan->decision.local) {
		relay_local_start(gw, m);
		persist_mit(gw, m);
		relay_offload_check(gw);
	}
	if (plan->decision.status == DOTS_STATUS_EXCEEDED)
		log_warnx("%s: %s", relay_mit_name(m, name, sizeof(name)),
		    plan->decision.reason);
	for (size_t i = 0; i < plan->decision.n_up; i++) {
		struct placement *p;

		p = placement_new(m, plan->cand_us[plan->decision.up[i]]);
		if (p != NULL)
			placement_send(p);
	}
	if (plan->decision.n_up > 0)
		log_info("%s: %s", relay_mit_name(m, name, sizeof(name)),
		    plan->decision.reason);
	/* the downstream answer may wait for the upstreams, briefly */
	return plan->decision.n_up > 0 && !relay_upstreams_settled(rs) &&
	    gw->conf->gateway.relay_timeout_ms != 0;
}

void
relay_refresh(struct mitigation *m)
{
	struct placement *p;

	/* fenced: the refresh timers send it once the lease is renewed */
	if (m->relay == NULL || cluster_fenced(mit_gw(m)))
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->state == PL_ACTIVE ||
		    (p->state == PL_LOST && !p->moved))
			placement_send(p);
}

void
relay_efficacy(struct mitigation *m)
{
	struct placement *p;

	if (m->relay == NULL || m->attack_status == 0)
		return;
	TAILQ_FOREACH(p, &m->relay->placements, m_entry)
		if (p->state == PL_ACTIVE)
			placement_send_put(p, m->attack_status);
}

/* Every placement of m ends: withdrawn upstream where it may be held. */
void
relay_placements_end(struct mitigation *m)
{
	struct placement *p;

	TAILQ_FOREACH(p, &m->relay->placements, m_entry) {
		if (p->state == PL_ENDED)
			continue;
		placement_detach(p);
		if (p->state == PL_ACTIVE || p->state == PL_SENDING)
			placement_delete(p);
		p->state = PL_ENDED;
		persist_pl(mit_gw(m), p, true);
	}
}

void
relay_withdraw(struct mitigation *m)
{
	if (m->relay == NULL)
		return;
	relay_local_stop(mit_gw(m), m);
	relay_placements_end(m);
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
	relay_await_free(m);
	strv_free(&rs->path);
	free(rs);
	m->relay = NULL;
}
