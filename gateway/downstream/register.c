/*
 * The orchestrator's registration resource, /.well-known/dots/register
 * (README.md "Orchestrator"): the CoAP side. What a registration means
 * (who may register, what is stored, which upstream it points at) is the
 * registry's, gateway/relay/orch.c.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "policies/rate.h"
#include "gateway/gw.h"
#include "gateway/downstream/register.h"
#include "gateway/downstream/server.h"
#include "gateway/relay/orch.h"
#include "gateway/state/peer.h"

/* No address in the registration: the one it came from. */
static int
session_address(coap_session_t *s, char *buf, size_t len)
{
	const coap_address_t *a = coap_session_get_addr_remote(s);

	if (a == NULL)
		return -1;
	if (a->addr.sa.sa_family == AF_INET)
		return inet_ntop(AF_INET, &a->addr.sin.sin_addr, buf,
		    (socklen_t)len) ? 0 : -1;
	if (a->addr.sa.sa_family == AF_INET6)
		return inet_ntop(AF_INET6, &a->addr.sin6.sin6_addr, buf,
		    (socklen_t)len) ? 0 : -1;
	return -1;
}

static void
reply_registration(const struct ds_request *rq, coap_pdu_t *resp, int code,
    const struct dots_registration *r)
{
	uint8_t *buf;
	size_t len;

	if (dots_encode_registration(r, &buf, &len) == -1) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	reply_cbor(rq, resp, code, buf, len);
	free(buf);
}

static void
register_put(const struct ds_request *rq, coap_pdu_t *resp)
{
	const struct conf_peer *peer = rq->ds->peer->conf;
	const struct dots_registration *kept;
	struct dots_registration r;
	struct dots_err err = { 0 };
	const uint8_t *body;
	char addr[64];
	size_t len;
	bool existed;

	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_decode_registration(body, len, DOTS_REQ, &r, &err) == -1) {
		log_warnx("peer %s: registration refused: %s", peer->name,
		    err.msg);
		reply_err(resp, &err);
		return;
	}
	if (r.server_address == NULL) {
		if (session_address(rq->session, addr, sizeof(addr)) == -1 ||
		    (r.server_address = strdup(addr)) == NULL) {
			dots_registration_free(&r);
			reply_errf(resp, 500, "cannot tell the session's "
			    "address");
			return;
		}
	}
	if ((kept = orch_register(rq->gw, peer, &r, &existed, &err)) == NULL) {
		if (err.coap == 422)
			log_warnx("peer %s: registration refused: %s",
			    peer->name, err.msg);
		reply_err(resp, &err);
		return;
	}
	reply_registration(rq, resp, existed ? 204 : 201, kept);
}

void
register_handle(const struct ds_request *rq, coap_pdu_t *resp)
{
	const struct conf_peer *peer = rq->ds->peer->conf;
	const struct dots_registration *r;
	struct dots_err err = { 0 };

	if (orch_may_register(rq->gw, peer, &err) == -1) {
		reply_err(resp, &err);
		return;
	}
	/* each change is a store write: the peer's request rate applies */
	if (rq->method != COAP_REQUEST_CODE_GET &&
	    !pol_rate_take(&rq->ds->peer->rate, &peer->policy, gw_now_ms())) {
		reply_max_age(resp, pol_rate_wait(&rq->ds->peer->rate,
		    &peer->policy));
		reply_errf(resp, 503, "peer %s sends requests faster than its "
		    "rate (%u/s, burst %u)", peer->name, peer->policy.rate_per_s,
		    peer->policy.rate_burst);
		return;
	}
	switch (rq->method) {
	case COAP_REQUEST_CODE_PUT:
		register_put(rq, resp);
		break;
	case COAP_REQUEST_CODE_GET:
		if ((r = orch_registration_of(rq->gw, peer)) == NULL)
			reply_errf(resp, 404, "peer %s is not registered",
			    peer->name);
		else
			reply_registration(rq, resp, 205, r);
		break;
	case COAP_REQUEST_CODE_DELETE:
		if (orch_unregister(rq->gw, peer, &err) == -1)
			reply_err(resp, &err);
		else	/* like a mitigation DELETE: done whatever the state */
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE(202));
		break;
	default:
		reply_errf(resp, 405, "register takes PUT, GET and DELETE");
		break;
	}
}
