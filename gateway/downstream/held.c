/* Answers held for the relay: see held.h. */
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "gateway/downstream/durable.h"
#include "gateway/downstream/held.h"
#include "gateway/downstream/server.h"
#include "gateway/gw.h"
#include "gateway/relay/relay.h"
#include "gateway/state/mitigation.h"

/* One held answer; the relay keeps it as its waiter's argument
 * (relay_await) until it is answered or forgotten. */
struct held_answer {
	struct gw		*gw;
	coap_session_t		*session;
	uint8_t			 token[8];
	size_t			 toklen;
	bool			 ready;		/* settled: answer at the run */
	struct relay_outcome	 outcome;
};

/* The relay's report: let libcoap run the PUT handler again. */
static void
settled(struct mitigation *m, const struct relay_outcome *o, void *arg)
{
	struct held_answer *h = arg;
	coap_bin_const_t tok = { h->toklen, h->token };
	coap_async_t *a;

	if (o == NULL) {		/* m goes away */
		free(h);
		return;
	}
	h->ready = true;
	h->outcome = *o;
	if ((a = coap_find_async(h->session, tok)) == NULL) {
		(void)relay_await_end(m);
		free(h);
	} else if (!durable_relay_ready(a)) {	/* else: once synced */
		coap_async_trigger(a);
		server_kick(h->gw->srv);
	}
}

int
held_start(const struct ds_request *rq, struct mitigation *m)
{
	coap_bin_const_t tok = coap_pdu_get_token(rq->pdu);
	struct held_answer *h;
	coap_async_t *a;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	if ((a = coap_register_async(rq->session, rq->pdu, 0)) == NULL) {
		free(h);
		return -1;
	}
	h->gw = rq->gw;
	h->session = rq->session;
	h->toklen = tok.length < sizeof(h->token) ? tok.length :
	    sizeof(h->token);
	memcpy(h->token, tok.s, h->toklen);
	if (relay_await(m, settled, h) == -1) {
		coap_free_async(rq->session, a);
		free(h);
		return -1;
	}
	return 0;
}

void
held_answer(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct mit_client *c = mit_client_find(rq->gw->mt, rq->path.cuid);
	struct mitigation *m = NULL;
	struct held_answer *h;
	struct dots_scope s = { 0 };
	struct dots_mitigation msg = { .scope = &s, .n_scope = 1 };
	uint8_t *buf;
	size_t len;

	if (c != NULL && c->peer == rq->ds->peer)
		m = mit_find(c, rq->path.mid);
	if (m == NULL || m->relay == NULL) {
		reply_errf(resp, 404, "mitigation mid=%u ended before its "
		    "upstreams answered", rq->path.mid);
		return;
	}
	if ((h = relay_awaited(m)) == NULL || !h->ready)
		return;		/* a duplicate of the held request */
	(void)relay_await_end(m);
	if (h->outcome.code == 508) {
		reply_errf(resp, 508, "%s", h->outcome.diag);
		free(h);
		mit_end_now(rq->gw->mt, m);
		return;
	}
	free(h);
	s.present = DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME;
	s.mid = m->mid;
	s.lifetime = mit_lifetime_left(m);
	if (dots_encode_mitigation(&msg, &buf, &len) == -1) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	reply_cbor(rq, resp, 201, buf, len);
	free(buf);
}

static int
forget(struct mitigation *m, void *session)
{
	struct held_answer *h = relay_awaited(m);

	if (h != NULL && h->session == session) {
		(void)relay_await_end(m);
		free(h);
	}
	return 0;
}

void
held_session_gone(struct gw *gw, coap_session_t *s)
{
	if (gw->mt != NULL)		/* NULL during shutdown */
		mit_foreach(gw->mt, forget, s);
}
