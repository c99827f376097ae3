/*
 * Heartbeats (RFC 9132 §4.7), hop by hop: we answer the peer's PUT /hb
 * with 2.04 and send our own over the same session every
 * heartbeat-interval. A peer that answers none of missing-hb-allowed
 * heartbeats in a row, and sent nothing else meanwhile, is down.
 */
#include <stdlib.h>
#include <string.h>

#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/peer.h"
#include "gateway/downstream/server.h"
#include "gateway/downstream/signal_loss.h"

static void hb_timer_cb(evutil_socket_t, short, void *);

static void
hb_arm(struct ds_session *ds)
{
	uint32_t iv = peer_cfg(ds->peer, DOTS_CFG_HEARTBEAT_INTERVAL);
	struct timeval tv = { (time_t)iv, 0 };

	if (iv > 0)
		evtimer_add(ds->hb_timer, &tv);
}

void
hb_session_start(struct ds_session *ds)
{
	if (ds->hb_timer != NULL)
		return;
	if ((ds->hb_timer = evtimer_new(ds->gw->base, hb_timer_cb,
	    ds)) == NULL) {
		log_warnx("peer %s: no memory for a heartbeat timer",
		    ds->peer->conf->name);
		return;
	}
	ds->missed = 0;
	ds->hb_pending = false;
	hb_arm(ds);
}

void
hb_session_stop(struct ds_session *ds)
{
	if (ds->hb_timer == NULL)
		return;
	event_free(ds->hb_timer);
	ds->hb_timer = NULL;
}

static bool
peer_heard_recently(const struct ds_session *ds)
{
	uint64_t iv = peer_cfg(ds->peer, DOTS_CFG_HEARTBEAT_INTERVAL);

	return ds->last_hb_rx_ms != 0 &&
	    gw_now_ms() - ds->last_hb_rx_ms <= 2 * iv * 1000;
}

static void
hb_send(struct ds_session *ds)
{
	coap_session_t *s = ds->session;
	struct dots_heartbeat hb = { .peer_hb_status =
	    peer_heard_recently(ds) };
	coap_pdu_t *pdu;
	uint8_t *body, cf[2];
	size_t len;

	if (coap_session_get_state(s) != COAP_SESSION_STATE_ESTABLISHED)
		return;
	if (dots_encode_heartbeat(&hb, &body, &len) == -1)
		return;
	pdu = coap_new_pdu(COAP_MESSAGE_NON, COAP_REQUEST_CODE_PUT, s);
	if (pdu == NULL) {
		free(body);
		return;
	}
	coap_session_new_token(s, &ds->hb_token_len, ds->hb_token);
	coap_add_token(pdu, ds->hb_token_len, ds->hb_token);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 11,
	    (const uint8_t *)".well-known");
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 4, (const uint8_t *)"dots");
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 2, (const uint8_t *)"hb");
	coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(cf, sizeof(cf), 271), cf);
	coap_add_data(pdu, len, body);
	free(body);
	if (coap_send(s, pdu) != COAP_INVALID_MID)
		ds->hb_pending = true;
	server_kick(ds->gw->srv);
}

static void
hb_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ds_session *ds = arg;
	struct peer_rt *peer = ds->peer;
	uint64_t iv = peer_cfg(peer, DOTS_CFG_HEARTBEAT_INTERVAL);
	uint32_t allowed = peer_cfg(peer, DOTS_CFG_MISSING_HB_ALLOWED);

	if (ds->hb_pending)
		ds->missed++;
	/* RFC 9132 §4.7: never declare dead a peer we still hear from */
	if (ds->missed >= allowed &&
	    gw_now_ms() - ds->last_rx_ms >= allowed * iv * 1000) {
		hb_session_stop(ds);	/* the idle timeout reaps it */
		/* the peer is lost only when none of its sessions was heard
		 * from meanwhile (a client may have moved to a new one) */
		if (!peer->up)
			return;
		if (gw_now_ms() - peer->last_rx_ms < allowed * iv * 1000) {
			log_info("peer %s: a session answers no heartbeats; "
			    "the peer is heard on another", peer->conf->name);
			return;
		}
		log_warnx("peer %s is down: %u heartbeats unanswered",
		    peer->conf->name, ds->missed);
		peer->up = false;
		signal_loss(ds->gw, peer);
		return;
	}
	hb_send(ds);
	hb_arm(ds);
}

void
hb_response(struct ds_session *ds, const coap_pdu_t *pdu)
{
	coap_bin_const_t tok = coap_pdu_get_token(pdu);

	if (!ds->hb_pending || tok.length != ds->hb_token_len ||
	    memcmp(tok.s, ds->hb_token, tok.length) != 0)
		return;
	ds->hb_pending = false;
	ds->missed = 0;
	ds->peer->last_rx_ms = gw_now_ms();	/* it hears us: alive */
}

void
hb_handle(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct ds_session *ds = rq->ds;
	struct dots_heartbeat hb;
	struct dots_err err = { 0 };
	const uint8_t *body;
	size_t len;

	if (rq->method != COAP_REQUEST_CODE_PUT) {
		reply_errf(resp, 405, "hb takes PUT");
		return;
	}
	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_decode_heartbeat(body, len, &hb, &err) == -1) {
		reply_err(resp, &err);
		return;
	}
	ds->last_hb_rx_ms = gw_now_ms();
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(204));
	/* the peer does not hear us: answer its heartbeat with ours now */
	if (!hb.peer_hb_status && ds->hb_timer != NULL && !ds->hb_pending)
		hb_send(ds);
}
