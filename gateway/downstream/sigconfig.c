/*
 * /.well-known/dots/config (RFC 9132 §4.5): session configuration is
 * negotiated per peer and per hop; a gateway never relays it. Values are
 * checked against the server policy of the config file (4.22 outside it).
 */
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/downstream/server.h"
#include "gateway/state/store.h"


static void
with_ranges(const struct conf *c, const struct dots_cfg_set *cur,
    struct dots_cfg_set *out)
{
	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		out->p[i] = cur->p[i];
		out->p[i].has_min = out->p[i].has_max = true;
		out->p[i].min = c->sig[i].min;
		out->p[i].max = c->sig[i].max;
	}
}

static void
config_get(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct peer_rt *peer = rq->ds->peer;
	struct dots_signal_config sc = { 0 };
	uint8_t *buf;
	size_t len;

	if (rq->path.has_sid &&
	    (!peer->has_sid || peer->sid != rq->path.sid)) {
		reply_errf(resp, 404, "no session configuration sid=%u",
		    rq->path.sid);
		return;
	}
	sc.has_mitigating = sc.has_idle = true;
	with_ranges(rq->gw->conf, &peer->mitigating, &sc.mitigating);
	with_ranges(rq->gw->conf, &peer->idle, &sc.idle);
	if (dots_encode_signal_config(&sc, &buf, &len) == -1) {
		if (!rq->observe)
			reply_errf(resp, 500, "out of memory");
		return;
	}
	reply_cbor_max_age(rq, resp, 205, (int)rq->gw->conf->config_max_age,
	    buf, len);
	free(buf);
}

/* Every current value inside the server's range (heartbeat-interval 0
 * turns heartbeats off and is always acceptable). */
static int
check_set(const struct conf *c, const char *set, const struct dots_cfg_set *s,
    struct dots_err *err)
{
	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		const struct dots_cfg_param *p = &s->p[i];
		const struct conf_sigparam *r = &c->sig[i];

		if (!p->has_cur || (i == DOTS_CFG_HEARTBEAT_INTERVAL &&
		    p->cur == 0))
			continue;
		if (p->cur >= r->min && p->cur <= r->max)
			continue;
		if (dots_cfg_param_is_decimal(i))
			return dots_errf(err, 422, "%s %s %u.%02u outside "
			    "%u.%02u..%u.%02u", set, dots_cfg_param_name(i),
			    p->cur / 100, p->cur % 100, r->min / 100,
			    r->min % 100, r->max / 100, r->max % 100);
		return dots_errf(err, 422, "%s %s %u outside %u..%u", set,
		    dots_cfg_param_name(i), p->cur, r->min, r->max);
	}
	return 0;
}

/* Negotiated values where given, server defaults for the rest. */
static void
apply_set(const struct conf *c, const struct dots_cfg_set *in,
    struct dots_cfg_set *out)
{
	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		out->p[i].has_cur = true;
		out->p[i].cur = in->p[i].has_cur ? in->p[i].cur :
		    c->sig[i].def;
	}
}

/* The CoAP transmission parameters of this session follow the
 * configuration in force (RFC 9132 §4.5.2). */
static void
apply_session(coap_session_t *s, const struct peer_rt *peer)
{
	uint32_t v;

	coap_session_set_max_retransmit(s,
	    peer_cfg(peer, DOTS_CFG_MAX_RETRANSMIT));
	v = peer_cfg(peer, DOTS_CFG_ACK_TIMEOUT);
	coap_session_set_ack_timeout(s, (coap_fixed_point_t){ v / 100,
	    (v % 100) * 10 });
	v = peer_cfg(peer, DOTS_CFG_ACK_RANDOM_FACTOR);
	coap_session_set_ack_random_factor(s, (coap_fixed_point_t){ v / 100,
	    (v % 100) * 10 });
}

static void
config_put(const struct ds_request *rq, coap_pdu_t *resp)
{
	const struct conf *c = rq->gw->conf;
	struct peer_rt *peer = rq->ds->peer;
	struct dots_signal_config sc;
	struct dots_err err = { 0 };
	const uint8_t *body;
	size_t len;
	int code;

	if (!rq->path.has_sid) {
		reply_errf(resp, 400, "a configuration PUT needs Uri-Path sid");
		return;
	}
	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_decode_signal_config(body, len, DOTS_REQ, &sc, &err) == -1) {
		reply_err(resp, &err);
		return;
	}
	if (!sc.has_mitigating && !sc.has_idle) {
		reply_errf(resp, 400, "neither mitigating-config nor "
		    "idle-config");
		return;
	}
	if ((sc.has_mitigating && check_set(c, "mitigating-config",
	    &sc.mitigating, &err) == -1) || (sc.has_idle &&
	    check_set(c, "idle-config", &sc.idle, &err) == -1)) {
		reply_err(resp, &err);
		return;
	}
	code = peer->has_sid && peer->sid == rq->path.sid ? 204 : 201;
	peer_config_reset(rq->gw, peer);
	if (sc.has_mitigating)
		apply_set(c, &sc.mitigating, &peer->mitigating);
	if (sc.has_idle)
		apply_set(c, &sc.idle, &peer->idle);
	peer->has_sid = true;
	peer->sid = rq->path.sid;
	apply_session(rq->session, peer);
	persist_sigcfg(rq->gw, peer);
	log_info("peer %s: session configuration sid %u: heartbeat %us "
	    "(idle %us), missing-hb-allowed %u", peer->conf->name, peer->sid,
	    peer->mitigating.p[DOTS_CFG_HEARTBEAT_INTERVAL].cur,
	    peer->idle.p[DOTS_CFG_HEARTBEAT_INTERVAL].cur,
	    peer_cfg(peer, DOTS_CFG_MISSING_HB_ALLOWED));
	hb_session_stop(rq->ds);	/* re-armed with the new interval */
	hb_session_start(rq->ds);
	server_notify_config(rq->gw->srv);
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(code));
}

static void
config_delete(const struct ds_request *rq, coap_pdu_t *resp)
{
	struct peer_rt *peer = rq->ds->peer;

	peer_config_reset(rq->gw, peer);
	apply_session(rq->session, peer);
	persist_sigcfg(rq->gw, peer);
	log_info("peer %s: session configuration reset to defaults",
	    peer->conf->name);
	server_notify_config(rq->gw->srv);
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(202));
}

void
config_handle(const struct ds_request *rq, coap_pdu_t *resp)
{
	switch (rq->method) {
	case COAP_REQUEST_CODE_GET:
		config_get(rq, resp);
		break;
	case COAP_REQUEST_CODE_PUT:
		config_put(rq, resp);
		break;
	case COAP_REQUEST_CODE_DELETE:
		config_delete(rq, resp);
		break;
	default:
		reply_errf(resp, 405, "config takes GET, PUT and DELETE");
	}
}
