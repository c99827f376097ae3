#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/dots_msg.h"
#include "common/prefix.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/relay/relay.h"
#include "gateway/downstream/server.h"
#include "gateway/control/status.h"
#include "gateway/upstream/upstream.h"

/* Seconds since a gw_now_ms() time; null when it never happened. */
static json_t *
ago(uint64_t then_ms)
{
	uint64_t now = gw_now_ms();

	if (then_ms == 0)
		return json_null();
	return json_real(now > then_ms ? (double)(now - then_ms) / 1000 : 0);
}

/* A gw_now_ms() time as UTC wall-clock time ("2026-01-02T03:04:05Z");
 * null when it never happened. */
static json_t *
wall(uint64_t then_ms)
{
	uint64_t now = gw_now_ms();
	time_t t = time(NULL) - (time_t)((now > then_ms ? now - then_ms : 0) /
	    1000);
	struct tm tm;
	char buf[32];

	if (then_ms == 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

static json_t *
cfg_json(const struct dots_cfg_set *s)
{
	json_t *o = json_object();

	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		uint32_t v = s->p[i].cur;

		if (dots_cfg_param_is_decimal(i))
			json_object_set_new(o, dots_cfg_param_name(i),
			    json_real((double)v / 100));
		else
			json_object_set_new(o, dots_cfg_param_name(i),
			    json_integer(v));
	}
	return o;
}

struct sess_walk {
	struct peer_rt	*peer;
	json_t		*arr;
};

static void
session_one(struct ds_session *ds, void *arg)
{
	struct sess_walk *w = arg;
	const coap_address_t *a = coap_session_get_addr_remote(ds->session);
	char addr[80] = "?";
	json_t *o;

	if (ds->peer != w->peer)
		return;
	if (a != NULL)
		coap_print_addr(a, (uint8_t *)addr, sizeof(addr));
	o = json_pack("{s:s, s:s}", "transport",
	    coap_session_get_proto(ds->session) == COAP_PROTO_TLS ? "tls" :
	    "dtls", "remote", addr);
	json_object_set_new(o, "last-request-ago", ago(ds->last_rx_ms));
	json_object_set_new(o, "last-heartbeat-ago", ago(ds->last_hb_rx_ms));
	json_object_set_new(o, "heartbeats-missed", json_integer(ds->missed));
	json_array_append_new(w->arr, o);
}

static json_t *
peer_json(struct gw *gw, struct peer_rt *p)
{
	const struct conf_peer *c = p->conf;
	struct sess_walk w = { p, json_array() };
	json_t *o, *roles = json_array();

	if (c->roles & PEER_DOWNSTREAM)
		json_array_append_new(roles, json_string("downstream"));
	if (c->roles & PEER_UPSTREAM)
		json_array_append_new(roles, json_string("upstream"));
	o = json_pack("{s:s, s:o, s:b, s:s, s:I}", "name", c->name, "roles",
	    roles, "up", p->up, "auth", c->psk_identity ? "psk" :
	    c->cert_name ? "x509" : "none", "active", (json_int_t)p->active);
	json_object_set_new(o, "last-request-ago", ago(p->last_rx_ms));
	if (gw->srv != NULL)
		server_foreach_session(gw->srv, session_one, &w);
	json_object_set_new(o, "sessions", w.arr);
	json_object_set_new(o, "sid", p->has_sid ? json_integer(p->sid) :
	    json_null());
	json_object_set_new(o, "idle-config", cfg_json(&p->idle));
	json_object_set_new(o, "mitigating-config", cfg_json(&p->mitigating));
	return o;
}

static json_t *
upstream_json(struct upstream *us)
{
	const struct conf_upstream *u = &us->peer->up;
	struct placement *p;
	json_int_t n = 0;
	json_t *o;

	TAILQ_FOREACH(p, &us->placements, u_entry)
		n++;
	o = json_pack("{s:s, s:s, s:i, s:s, s:b, s:s, s:i, s:i, s:I}",
	    "name", us->peer->name, "address", u->address, "port", u->port,
	    "transport", u->tls ? "tls" : "dtls", "up", us->up, "cuid",
	    us->cuid, "heartbeat-interval", us->hb_interval,
	    "missing-hb-allowed", us->missing_hb_allowed, "placements", n);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "heartbeats-missed", json_integer(us->missed));
	json_object_set_new(o, "last-heartbeat-ago", ago(us->last_hb_ms));
	json_object_set_new(o, "last-heartbeat", wall(us->last_hb_ms));
	json_object_set_new(o, "reconnects", json_integer(us->reconnects));
	/* polled: it did not confirm an Observe registration (relay.c) */
	json_object_set_new(o, "observation", json_string(us->polled ?
	    "polled" : "observed"));
	json_object_set_new(o, "poll-interval",
	    json_integer(upstream_poll_interval(us)));
	return o;
}

static json_t *
targets_json(const struct dots_scope *s)
{
	json_t *o = json_object(), *a = json_array();
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < s->n_target_prefix; i++)
		json_array_append_new(a, json_string(prefix_format(
		    &s->target_prefix[i], buf, sizeof(buf))));
	json_object_set_new(o, "target-prefix", a);
	a = json_array();
	for (size_t i = 0; i < s->target_fqdn.n; i++)
		json_array_append_new(a, json_string(s->target_fqdn.v[i]));
	json_object_set_new(o, "target-fqdn", a);
	a = json_array();
	for (size_t i = 0; i < s->target_uri.n; i++)
		json_array_append_new(a, json_string(s->target_uri.v[i]));
	json_object_set_new(o, "target-uri", a);
	a = json_array();
	for (size_t i = 0; i < s->n_target_port_range; i++)
		json_array_append_new(a, json_pack("[i,i]",
		    s->target_port_range[i].lower,
		    s->target_port_range[i].upper));
	json_object_set_new(o, "target-port-range", a);
	a = json_array();
	for (size_t i = 0; i < s->n_target_protocol; i++)
		json_array_append_new(a, json_integer(s->target_protocol[i]));
	json_object_set_new(o, "target-protocol", a);
	return o;
}

static json_t *
relay_json(const struct relay_state *rs)
{
	json_t *o, *path = json_array(), *pls = json_array();
	const struct placement *p;

	for (size_t i = 0; i < rs->path.n; i++)
		json_array_append_new(path, json_string(rs->path.v[i]));
	TAILQ_FOREACH(p, &rs->placements, m_entry) {
		json_t *po = json_pack("{s:s, s:I, s:s, s:i}", "upstream",
		    p->us->peer->name, "mid", (json_int_t)p->umid, "state",
		    placement_state_name(p->state), "status", p->status);

		json_object_set_new(po, "observation",
		    json_string(placement_observation(p)));
		if (p->code != 0)
			json_object_set_new(po, "code", json_sprintf("%d.%02d",
			    p->code / 100, p->code % 100));
		if (p->diag[0] != '\0')
			json_object_set_new(po, "diagnostic",
			    json_string(p->diag));
		json_array_append_new(pls, po);
	}
	o = json_pack("{s:b, s:s, s:o, s:o}", "local", rs->local, "reason",
	    rs->decision.reason, "relay-path", path, "placements", pls);
	json_object_set_new(o, "cdid-upstream", rs->cdid_up[0] != '\0' ?
	    json_string(rs->cdid_up) : json_null());
	return o;
}

static int
mitigation_one(struct mitigation *m, void *arg)
{
	json_t *arr = arg, *o;
	uint64_t c[4];
	uint32_t st = mit_report_status(m);

	relay_counters(m, c);
	o = json_pack("{s:s, s:s, s:I, s:i, s:s, s:I}", "peer",
	    m->client->peer->conf->name, "cuid", m->client->cuid, "mid",
	    (json_int_t)m->mid, "status", st, "status-name",
	    dots_status_name(st) ? dots_status_name(st) : "?",
	    "lifetime-left", (json_int_t)mit_lifetime_left(m));
	if (m->cdid != NULL)
		json_object_set_new(o, "cdid", json_string(m->cdid));
	json_object_set_new(o, "targets", targets_json(&m->scope));
	json_object_set_new(o, "counters", json_pack("{s:I, s:I, s:I, s:I}",
	    "bytes-dropped", (json_int_t)c[0], "pkts-dropped",
	    (json_int_t)c[1], "bps-dropped", (json_int_t)c[2],
	    "pps-dropped", (json_int_t)c[3]));
	if (m->relay != NULL)
		json_object_set_new(o, "relay", relay_json(m->relay));
	json_array_append_new(arr, o);
	return 0;
}

static json_t *
capacity_json(struct gw *gw)
{
	const struct conf_capacity *c = &gw->conf->capacity;
	const struct pol_usage *u = &gw->local_usage;

	return json_pack("{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I}}",
	    "configured", "bps", (json_int_t)c->bps, "pps", (json_int_t)c->pps,
	    "rules", (json_int_t)c->rules,
	    "in-use", "bps", (json_int_t)u->bps, "pps", (json_int_t)u->pps,
	    "rules", (json_int_t)u->rules);
}

json_t *
status_json(struct gw *gw)
{
	json_t *o, *peers = json_array(), *ups = json_array(),
	    *mits = json_array();

	for (size_t i = 0; i < gw->n_peers; i++)
		json_array_append_new(peers, peer_json(gw, gw->peers[i]));
	for (size_t i = 0; i < gw->n_ups; i++)
		json_array_append_new(ups, upstream_json(gw->ups[i]));
	if (gw->mt != NULL)
		mit_foreach(gw->mt, mitigation_one, mits);
	o = json_pack("{s:s, s:s, s:o, s:o, s:o}", "node-id",
	    gw->conf->node_id, "config", gw->conf->path ? gw->conf->path : "",
	    "peers", peers, "upstreams", ups, "mitigations", mits);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "capacity", capacity_json(gw));
	json_object_set_new(o, "uptime", json_real((double)(gw_now_ms() -
	    gw->started_ms) / 1000));
	return o;
}
