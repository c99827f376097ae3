/*
 * A cluster node taking over another's mitigations, or letting go of its
 * own (gateway/state/cluster.h): the relay's half. Adopting is what a
 * restart does (relay_restore, relay_restore_placement), then a new
 * session with each upstream concerned, whose resynchronisation compares
 * what it holds under our cuid with what we placed: nothing placed twice,
 * nothing left behind. Letting go withdraws nothing upstream: the
 * placements are the new owner's.
 */
#include <stdbool.h>

#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/lease.h"
#include "gateway/relay/relay.h"
#include "gateway/relay/relay_impl.h"
#include "common/conf.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"

int
relay_adopt(struct mitigation *m, const struct store_mit *r,
    const struct store_pl *pl, size_t n)
{
	struct gw *gw = mit_gw(m);
	struct upstream *us;

	if (relay_restore(m, r->local, r->cdid_up, r->hop_limit) == -1)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((us = upstream_find(gw, pl[i].upstream)) == NULL)
			continue;	/* not configured here: decided again */
		if (relay_restore_placement(m, us, pl[i].umid,
		    pl[i].lifetime) == -1)
			return -1;
		upstream_resync(us);
	}
	log_info("peer %s cuid %s mid %u: adopted from another cluster node "
	    "(%zu placements)", m->client->peer->conf->name, m->client->cuid,
	    m->mid, n);
	return 0;
}

void
relay_release(struct mitigation *m)
{
	struct gw *gw = mit_gw(m);
	bool stopping = gw->stopping;

	if (m->relay == NULL)
		return;
	relay_local_stop(gw, m);
	/* as when stopping: placements stay upstream and in the store */
	gw->stopping = true;
	relay_free(m);
	gw->stopping = stopping;
}
