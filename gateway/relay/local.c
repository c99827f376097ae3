/*
 * Local mitigation (our own mitigator, gateway/mitigator/) and offload by
 * utilization (policies/offload.h): what local mitigations hold counts
 * against our capacity; above high, new ones (and, optionally, running
 * ones) go upstream; below low, the offloaded ones are taken back.
 */
#include <inttypes.h>
#include <stdio.h>

#include "common/conf.h"
#include "common/log.h"
#include "policies/offload.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/relay/tm_relay.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"

void
relay_local_start(struct gw *gw, struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	char name[200];

	rs->local = true;
	pol_usage_add(&gw->local_usage, &rs->vol);
	log_info("%s: local mitigation (%s)", relay_mit_name(m, name,
	    sizeof(name)), rs->decision.reason);
	(void)mitigator_install(gw, m);
}

void
relay_local_stop(struct gw *gw, struct mitigation *m)
{
	if (m->relay->local) {
		m->relay->local = false;
		pol_usage_sub(&gw->local_usage, &m->relay->vol);
		mitigator_withdraw(gw, m);
		relay_offload_check(gw);
	}
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
		    NULL && mit_opt_set(m, o) == 0)
			changed = true;
	if (!changed || rs == NULL)
		return;
	(void)relay_attack_volume(gw, m->client->peer->conf->name, &m->scope, &vol);
	log_info("%s: attack information updated: %" PRIu64 " bit/s, %"
	    PRIu64 " pkt/s (was %" PRIu64 ", %" PRIu64 ")",
	    relay_mit_name(m, name, sizeof(name)), vol.bps, vol.pps,
	    rs->vol.bps, rs->vol.pps);
	if (rs->local) {
		pol_usage_sub(&gw->local_usage, &rs->vol);
		pol_usage_add(&gw->local_usage, &vol);
	}
	rs->vol = vol;
	if (rs->local) {
		mitigator_update(gw, m);
		relay_offload_check(gw);
	}
}

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
	relay_local_start(gw, m);
	relay_placements_end(m);
	log_info("%s: taken back from offload", relay_mit_name(m, name,
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
	    &gw->local_usage, cand, relay_candidates(gw, &req, m, cand), &rq,
	    &d);
	if (d.n_up == 0)
		return false;
	log_info("%s: offloading a running mitigation upstream",
	    relay_mit_name(m, name, sizeof(name)));
	m->relay->local = false;
	pol_usage_sub(&gw->local_usage, &m->relay->vol);
	mitigator_withdraw(gw, m);
	relay_redecide(m, gw);
	m->relay->offloaded = true;
	return true;
}

void
relay_offload_check(struct gw *gw)
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
