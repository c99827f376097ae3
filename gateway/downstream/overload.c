#include "common/conf.h"
#include "common/log.h"
#include "policies/rate.h"
#include "gateway/gw.h"
#include "gateway/downstream/overload.h"
#include "gateway/state/peer.h"
#include "gateway/downstream/server.h"

#define CLIENTS_RETRY_SECONDS	60

static size_t
downstream_peers(const struct gw *gw)
{
	size_t n = 0;

	for (size_t i = 0; i < gw->n_peers; i++)
		if (gw->peers[i]->conf->roles & PEER_DOWNSTREAM)
			n++;
	return n;
}

int
overload_admit(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct gw *gw = rq->gw;
	const struct conf_overload *ov = &gw->conf->overload;
	struct peer_rt *peer = rq->ds->peer;
	uint32_t wait;

	if (pol_global_take(&gw->global_rate, &peer->global_share, ov,
	    downstream_peers(gw), gw_now_ms(), &wait))
		return 0;
	reply_max_age(resp, wait > 0 ? wait : 1);
	reply_errf(resp, 503, "gateway overloaded: all peers together exceed "
	    "%u requests/s (burst %u); peer %s is over its share",
	    ov->rate_per_s, ov->rate_burst, peer->conf->name);
	log_debug("peer %s: refused by the global rate", peer->conf->name);
	return -1;
}

int
overload_new_client(const struct ds_request *rq, coap_pdu_t *resp)
{
	const struct peer_rt *peer = rq->ds->peer;
	uint32_t max = rq->gw->conf->overload.max_clients;

	if (peer->n_clients < max)
		return 0;
	log_info("peer %s: cuid %s refused: %zu DOTS clients, its "
	    "max-clients-per-peer", peer->conf->name, rq->path.cuid,
	    peer->n_clients);
	reply_max_age(resp, CLIENTS_RETRY_SECONDS);
	reply_errf(resp, 503, "peer %s already has %zu DOTS clients (cuids), "
	    "the gateway's max-clients-per-peer", peer->conf->name,
	    peer->n_clients);
	return -1;
}
