#include <stdbool.h>

#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/downstream/signal_loss.h"

static bool
preconfigured(const struct mitigation *m)
{
	return (m->scope.present & DOTS_SCOPE_TRIGGER) &&
	    !m->scope.trigger_mitigation;
}

struct loss {
	struct gw	*gw;
	struct peer_rt	*peer;
	size_t		 n;
};

/* Withdraw the client's active immediate requests overlapping m. */
static int
withdraw_overlapping(struct mitigation *m, void *arg)
{
	struct loss *l = arg;
	struct mitigation *o;

	if (m->client->peer != l->peer || m->status != DOTS_STATUS_SIGNAL_LOSS)
		return 0;
	TAILQ_FOREACH(o, &m->client->mits, entry)
		if (o != m && !preconfigured(o) && mit_is_active(o) &&
		    dots_scope_overlaps(&o->scope, &m->scope))
			mit_server_withdraw(l->gw->mt, o);
	return 0;
}

static int
activate(struct mitigation *m, void *arg)
{
	struct loss *l = arg;

	if (m->client->peer != l->peer || m->status != DOTS_STATUS_SIGNAL_LOSS)
		return 0;
	mit_activate(l->gw->mt, m);
	l->n++;
	return 0;
}

void
signal_loss(struct gw *gw, struct peer_rt *peer)
{
	struct loss l = { gw, peer, 0 };

	/* withdraw first: what they held locally is free for the others */
	mit_foreach(gw->mt, withdraw_overlapping, &l);
	mit_foreach(gw->mt, activate, &l);
	if (l.n > 0)
		log_warnx("peer %s: signal channel lost: %zu preconfigured "
		    "mitigation(s) activated", peer->conf->name, l.n);
}
