#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/core/coap_loop.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"

#define US_TICK_MS		250
#define US_BACKOFF_MAX_S	60	/* RFC 9132 §4.7: not more often */
#define US_CONFIG_TIMEOUT_MS	10000

static void us_tick_cb(evutil_socket_t, short, void *);

static uint64_t
now_ms(void)
{
	return gw_now_ms();
}

static void
emit(struct upstream *us, void (*fn)(struct upstream *, void *))
{
	if (fn != NULL)
		fn(us, us->gw->up_events->arg);
}

static void
us_down(struct upstream *us, const char *why)
{
	if (us->up)
		log_warnx("upstream %s is down: %s", us->peer->name, why);
	else
		log_info("upstream %s: %s", us->peer->name, why);
	us->up = false;
	us->restart = true;
	us->reconnect_ms = now_ms() + (uint64_t)us->backoff_s * 1000;
	us->backoff_s = us->backoff_s * 2 > US_BACKOFF_MAX_S ?
	    US_BACKOFF_MAX_S : us->backoff_s * 2;
	emit(us, us->gw->up_events ? us->gw->up_events->down : NULL);
}

/*
 * Why the session failed, for us_down(): a certificate that does not name
 * the expected server says which server-name that was and where it came
 * from (topologies/quickstart/dotsgw.yaml: the peer name by default).
 */
static const char *
us_why(struct upstream *us, char *buf, size_t len)
{
	const char *err = dc_error(us->dc);

	if (err[0] == '\0')
		return "cannot start a session";
	if (!dc_server_name_refused(us->dc))
		return err;
	/* the loader fills server_name with the peer name when absent */
	snprintf(buf, len, "%s (the expected name is upstream.server-name%s)",
	    err, strcmp(us->peer->up.server_name, us->peer->name) == 0 ?
	    ", by default the peer name" : "");
	return buf;
}

/* Its signal-config tells us how often to send heartbeats (§4.5). */
static void
us_adopt_config(struct upstream *us, const struct dc_resp *r)
{
	struct dots_signal_config sc;
	struct dots_err err;
	const struct dots_cfg_set *set;

	if (dots_decode_signal_config(r->payload, r->len, DOTS_RESP, &sc,
	    &err) == -1) {
		log_warnx("upstream %s: bad signal-config: %s", us->peer->name,
		    err.msg);
		return;
	}
	set = sc.has_idle ? &sc.idle : &sc.mitigating;
	if (set->p[DOTS_CFG_HEARTBEAT_INTERVAL].has_cur)
		us->hb_interval = set->p[DOTS_CFG_HEARTBEAT_INTERVAL].cur;
	if (set->p[DOTS_CFG_MISSING_HB_ALLOWED].has_cur)
		us->missing_hb_allowed = set->p[DOTS_CFG_MISSING_HB_ALLOWED].cur;
}

static void
us_config_cb(void *arg, int status, const struct dc_resp *r)
{
	struct upstream *us = arg;
	char buf[DC_ERRLEN + 96];

	/* taken down (or disabled: a cancelled registration) while the
	 * handshake ran: the next tick closes this session, it never is up */
	if (us->restart || !us->enabled)
		return;
	if (status != DC_OK) {
		us_down(us, us_why(us, buf, sizeof(buf)));
		return;
	}
	if (r->code == 205)
		us_adopt_config(us, r);
	if (us->ever_up)
		us->reconnects++;
	us->ever_up = true;
	us->up = true;
	us->backoff_s = 1;
	us->missed = 0;
	us->hb_pending = false;
	us->next_hb_ms = now_ms() + (uint64_t)us->hb_interval * 1000;
	us->last_ok_ms = now_ms();
	log_info("upstream %s is up (heartbeat %us, missing-hb-allowed %u)",
	    us->peer->name, us->hb_interval, us->missing_hb_allowed);
	emit(us, us->gw->up_events ? us->gw->up_events->up : NULL);
}

/* A new session and its first request; on failure us_down() says why. */
static void
us_connect(struct upstream *us)
{
	const struct conf_upstream *u = &us->peer->up;
	struct dc_opts o = { 0 };
	struct dc_req req = { 0 };
	char uri[128], err[DC_ERRLEN];

	snprintf(uri, sizeof(uri), "%s://%s%s%s:%u", us->tls ? "coaps+tcp" :
	    "coaps", strchr(us->addr, ':') ? "[" : "", us->addr,
	    strchr(us->addr, ':') ? "]" : "", us->port);
	o.uri = uri;
	o.small_session = true;		/* per-mitigation requests (client.c) */
	if (u->psk_identity != NULL) {
		o.psk_identity = u->psk_identity;
		o.psk_key = u->psk_key;
		o.psk_key_len = u->psk_key_len;
	} else {
		o.ca_file = u->ca_file;
		o.cert_file = u->cert_file;
		o.key_file = u->key_file;
		o.server_name = u->server_name ? u->server_name :
		    us->peer->name;
	}
	if ((us->dc = dc_new(&o, err, sizeof(err))) == NULL) {
		log_warnx("upstream %s: %s", us->peer->name, err);
		us_down(us, "cannot start a session");
		return;
	}
	if ((us->loop = coap_loop_attach(us->gw->base,
	    dc_context(us->dc))) == NULL) {
		dc_free(us->dc);
		us->dc = NULL;
		us_down(us, "cannot start a session");
		return;
	}
	/* the first exchange brings the session up and tells us its config */
	req.method = COAP_REQUEST_CODE_GET;
	req.con = true;
	req.path[0] = ".well-known";
	req.path[1] = "dots";
	req.path[2] = "config";
	req.npath = 3;
	req.content_format = -1;
	req.observe = -1;
	if (dc_send(us->dc, &req, US_CONFIG_TIMEOUT_MS, us_config_cb,
	    us) == 0) {
		/* over TLS the handshake ran inside dc_new(): say why */
		char buf[DC_ERRLEN + 96];

		us_down(us, us_why(us, buf, sizeof(buf)));
		coap_loop_detach(us->loop);
		dc_free(us->dc);
		us->dc = NULL;
		us->loop = NULL;
		return;
	}
	us->restart = false;
	coap_loop_kick(us->loop);
	log_debug("upstream %s: connecting to %s", us->peer->name, uri);
}

static void
us_disconnect(struct upstream *us)
{
	coap_loop_detach(us->loop);
	us->loop = NULL;
	dc_free(us->dc);
	us->dc = NULL;
}

static void
us_hb_cb(void *arg, int status, const struct dc_resp *r)
{
	struct upstream *us = arg;

	if (status == DC_OK) {
		us->hb_pending = false;
		us->missed = 0;
		us->last_ok_ms = us->last_hb_ms = now_ms();
	}
}

/* Client-side heartbeats (RFC 9132 §4.7): one per interval, NON. */
static void
us_heartbeat(struct upstream *us)
{
	struct dots_heartbeat hb = { .peer_hb_status =
	    dc_heartbeats_received(us->dc) > 0 };
	struct dc_req req = { 0 };
	uint8_t *body;
	size_t len;

	if (us->hb_pending && ++us->missed >= us->missing_hb_allowed) {
		us_down(us, "heartbeats unanswered");
		return;
	}
	if (dots_encode_heartbeat(&hb, &body, &len) == -1)
		return;
	req.method = COAP_REQUEST_CODE_PUT;
	req.path[0] = ".well-known";
	req.path[1] = "dots";
	req.path[2] = "hb";
	req.npath = 3;
	req.content_format = 271;
	req.observe = -1;
	req.payload = body;
	req.len = len;
	/* NON, once: a lost heartbeat is what the count is for */
	if (dc_send(us->dc, &req, us->hb_interval * 1000, us_hb_cb, us) == 0) {
		free(body);
		us_down(us, dc_error(us->dc));
		return;
	}
	us->hb_pending = true;
	free(body);
	coap_loop_kick(us->loop);
}

static void
us_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *us = arg;
	uint64_t now = now_ms();

	if (us->restart && us->dc != NULL)
		us_disconnect(us);
	if (!us->enabled)
		return;
	if (us->dc == NULL) {
		if (now >= us->reconnect_ms)
			us_connect(us);
		return;
	}
	dc_tick(us->dc);
	/* RFC 9132 §4.7, counted in time: down once missing-hb-allowed
	 * intervals passed without an answer, whatever the send phase */
	if (us->up && us->hb_interval > 0 && now > us->last_ok_ms +
	    (uint64_t)us->missing_hb_allowed * us->hb_interval * 1000) {
		us_down(us, "heartbeats unanswered");
		return;
	}
	if (us->up && us->hb_interval > 0 && now >= us->next_hb_ms) {
		us->next_hb_ms = now + (uint64_t)us->hb_interval * 1000;
		us_heartbeat(us);
	}
}

static int
us_init(struct gw *gw, struct upstream *us, const struct conf_peer *peer)
{
	const struct conf_upstream *u = &peer->up;
	struct timeval tv = { 0, US_TICK_MS * 1000 };
	int r;

	us->gw = gw;
	us->peer = peer;
	us->hb_interval = 30;		/* RFC 9132 defaults until told */
	us->missing_hb_allowed = 15;
	us->backoff_s = 1;
	us->next_mid = 1;
	/* mids keep increasing across our restarts (§4.4.1) */
	(void)store_next_mid_get(gw->store, peer->name, &us->next_mid);
	us->resync = gw->store != NULL;
	TAILQ_INIT(&us->placements);
	us->standby = u->orchestrator;	/* until chosen (orch_member.c) */
	if (!u->from_registration) {
		snprintf(us->addr, sizeof(us->addr), "%s", u->address);
		us->port = u->port;
		us->tls = u->tls;
		us->enabled = true;
	}
	r = u->psk_identity != NULL ? cuid_from_psk_identity(u->psk_identity,
	    strlen(u->psk_identity), us->cuid) :
	    cuid_from_cert_file(u->cert_file, us->cuid);
	if (r == -1) {
		log_warnx("upstream %s: cannot derive our cuid from %s",
		    peer->name, u->psk_identity ? "the PSK identity" :
		    u->cert_file);
		return -1;
	}
	us->tick = event_new(gw->base, -1, EV_PERSIST, us_tick_cb, us);
	if (us->tick == NULL || event_add(us->tick, &tv) == -1)
		return -1;
	return 0;
}

int
upstreams_init(struct gw *gw)
{
	const struct conf *c = gw->conf;
	size_t n = 0;

	for (size_t i = 0; i < c->n_peers; i++)
		n += (c->peers[i].roles & PEER_UPSTREAM) != 0;
	if (n == 0)
		return 0;
	if ((gw->ups = calloc(n, sizeof(*gw->ups))) == NULL)
		return -1;
	for (size_t i = 0; i < c->n_peers; i++) {
		if (!(c->peers[i].roles & PEER_UPSTREAM))
			continue;
		if ((gw->ups[gw->n_ups] = upstream_new(gw, &c->peers[i])) ==
		    NULL)
			return -1;
		gw->n_ups++;
	}
	return 0;
}

struct upstream *
upstream_new(struct gw *gw, const struct conf_peer *peer)
{
	struct upstream *us;

	if ((us = calloc(1, sizeof(*us))) == NULL)
		return NULL;
	if (us_init(gw, us, peer) == -1) {
		upstream_free(us);
		return NULL;
	}
	return us;
}

/* The caller has already let go of its placements (relay.c). */
void
upstream_free(struct upstream *us)
{
	if (us == NULL)
		return;
	if (us->tick != NULL)
		event_free(us->tick);
	if (us->dc != NULL)
		us_disconnect(us);
	free(us);
}

void
upstreams_free(struct gw *gw)
{
	for (size_t i = 0; i < gw->n_ups; i++)
		upstream_free(gw->ups[i]);
	free(gw->ups);
	gw->ups = NULL;
	gw->n_ups = 0;
}

void
upstreams_closing(struct gw *gw)
{
	for (size_t i = 0; i < gw->n_ups; i++)
		if (gw->ups[i]->dc != NULL)
			dc_closing(gw->ups[i]->dc);
}

struct upstream *
upstream_find(struct gw *gw, const char *name)
{
	for (size_t i = 0; i < gw->n_ups; i++)
		if (strcmp(gw->ups[i]->peer->name, name) == 0)
			return gw->ups[i];
	return NULL;
}

uint64_t
upstream_send(struct upstream *us, const struct dc_req *req,
    unsigned timeout_ms, dc_resp_fn cb, void *arg)
{
	uint64_t id;

	if (us->dc == NULL || !us->up || us->restart)
		return 0;
	if ((id = dc_send(us->dc, req, timeout_ms, cb, arg)) != 0)
		coap_loop_kick(us->loop);
	return id;
}

void
upstream_cancel(struct upstream *us, uint64_t id)
{
	if (us->dc != NULL && id != 0) {
		dc_cancel(us->dc, id);
		coap_loop_kick(us->loop);
	}
}

/*
 * Our mids at an upstream keep increasing across restarts (RFC 9132
 * §4.4.1), so the store keeps the next one. Written for every placement
 * it was ~10 % of a relayed request's CPU (perf of relay A: a statement
 * and one more page per commit), so one node stores a mark MID_RESERVE
 * ahead and writes again only once it is reached: a restart skips fewer
 * than MID_RESERVE mids, and the resynchronisation after it still moves
 * above every mid the upstream holds (resync.c). A mark is relied on
 * only with an undo in the store (store.h): a batch or a bracket lost
 * with it makes the next mid write one again. The nodes of a cluster
 * take mids from one sequence under its lock: each is written.
 */
#define MID_RESERVE	1024

struct mid_mark {
	struct gw	*gw;
	char		 upstream[];
};

/* By name: the upstream may be gone (reload) when the write is lost. */
static void
mid_mark_undo(void *arg, bool run)
{
	struct mid_mark *mm = arg;
	struct upstream *us;

	if (run && (us = upstream_find(mm->gw, mm->upstream)) != NULL)
		us->mid_stored = 0;	/* the next mid writes a mark again */
	free(mm);
}

uint32_t
upstream_next_mid(struct upstream *us)
{
	struct mid_mark *mm;
	size_t len;
	uint32_t mark;

	if (us->next_mid >= DOTS_MID_ROLLOVER)
		us->next_mid = us->mid_stored = 1;
	if (us->gw->cluster != NULL || us->next_mid >= us->mid_stored) {
		mark = us->gw->cluster != NULL ||
		    DOTS_MID_ROLLOVER - us->next_mid <= MID_RESERVE ?
		    us->next_mid + 1 : us->next_mid + MID_RESERVE;
		len = strlen(us->peer->name) + 1;
		if (store_next_mid_put(us->gw->store, us->peer->name,
		    mark) == 0 && (mm = malloc(sizeof(*mm) + len)) != NULL) {
			mm->gw = us->gw;
			memcpy(mm->upstream, us->peer->name, len);
			if (store_on_undo(us->gw->store, mid_mark_undo,
			    mm) == 0)
				us->mid_stored = mark;
		}
	}
	return us->next_mid++;
}

/* Would we reach it, and present ourselves, differently? */
static bool
reach_same(const struct conf_upstream *a, const struct conf_upstream *b)
{
	return strcmp(a->address, b->address) == 0 && a->port == b->port &&
	    a->tls == b->tls &&
	    conf_str_same(a->psk_identity, b->psk_identity) &&
	    a->psk_key_len == b->psk_key_len &&
	    memcmp(a->psk_key, b->psk_key, a->psk_key_len) == 0 &&
	    conf_str_same(a->ca_file, b->ca_file) &&
	    conf_str_same(a->cert_file, b->cert_file) &&
	    conf_str_same(a->key_file, b->key_file) &&
	    conf_str_same(a->server_name, b->server_name);
}

int
upstream_set_conf(struct upstream *us, const struct conf_peer *peer)
{
	const struct conf_upstream *u = &peer->up;
	char cuid[CUID_BUFLEN];
	bool same = reach_same(&us->peer->up, u);
	int r;

	if (same) {
		us->peer = peer;
		return 0;
	}
	r = u->psk_identity != NULL ? cuid_from_psk_identity(u->psk_identity,
	    strlen(u->psk_identity), cuid) :
	    cuid_from_cert_file(u->cert_file, cuid);
	if (r == -1) {
		log_warnx("upstream %s: cannot derive our cuid from %s; "
		    "keeping the current session", peer->name,
		    u->psk_identity ? "the PSK identity" : u->cert_file);
		us->peer = peer;
		return -1;
	}
	us->peer = peer;
	memcpy(us->cuid, cuid, sizeof(us->cuid));
	if (!u->from_registration) {
		snprintf(us->addr, sizeof(us->addr), "%s", u->address);
		us->port = u->port;
		us->tls = u->tls;
		us->enabled = true;
	}
	log_info("upstream %s: how we reach it changed: new session",
	    peer->name);
	if (us->up) {
		us->up = false;
		emit(us, us->gw->up_events ? us->gw->up_events->replaced :
		    NULL);
	}
	us->restart = true;
	us->backoff_s = 1;
	us->reconnect_ms = now_ms();
	return 0;
}

bool
upstream_usable(const struct upstream *us)
{
	return us->up && !us->standby;
}

void
upstream_set_endpoint(struct upstream *us, const char *addr, uint16_t port,
    bool tls)
{
	if (us->enabled && strcmp(us->addr, addr) == 0 && us->port == port &&
	    us->tls == tls)
		return;
	snprintf(us->addr, sizeof(us->addr), "%s", addr);
	us->port = port;
	us->tls = tls;
	if (us->dc != NULL)
		us_down(us, "endpoint changed by its registration");
	us->enabled = true;
	us->backoff_s = 1;
	us->reconnect_ms = 0;
	log_info("upstream %s: reachable at %s port %u (%s), from its "
	    "registration", us->peer->name, addr, port, tls ? "tls" : "dtls");
}

void
upstream_disable(struct upstream *us, const char *why)
{
	if (!us->enabled)
		return;
	us->enabled = false;
	if (us->dc != NULL)
		us_down(us, why);
	us->backoff_s = 1;
	log_info("upstream %s: %s", us->peer->name, why);
}

void
upstream_observation(struct upstream *us, bool confirmed, const char *what)
{
	if (confirmed) {
		if (us->polled)
			log_info("upstream %s confirms observation of %s: "
			    "observed again", us->peer->name, what);
		us->polled = false;
		return;
	}
	if (!us->polled_warned)
		log_warnx("upstream %s did not confirm observation of %s "
		    "(2.05 without Observe, RFC 7641 §4.1); polling every "
		    "%u s", us->peer->name, what, upstream_poll_interval(us));
	else if (!us->polled)
		log_info("upstream %s: observation of %s not confirmed; "
		    "polled again", us->peer->name, what);
	us->polled = true;
	us->polled_warned = true;
}

unsigned
upstream_poll_interval(const struct upstream *us)
{
	if (us->peer->up.poll_interval > 0)
		return us->peer->up.poll_interval;
	/* heartbeats off (interval 0): the RFC 9132 default */
	return us->hb_interval > 0 ? us->hb_interval : 30;
}

void
upstream_resync(struct upstream *us)
{
	if (us->restart)
		return;		/* a new session is coming already */
	log_info("upstream %s: new session, to resynchronise what we took "
	    "over", us->peer->name);
	if (us->up) {
		us->up = false;
		emit(us, us->gw->up_events ? us->gw->up_events->replaced :
		    NULL);
	}
	us->restart = true;
	us->backoff_s = 1;
	us->reconnect_ms = now_ms();
}
