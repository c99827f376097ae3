#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "policies/authz.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/persist.h"
#include "gateway/relay/relay.h"		/* types only: what is stored */
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"	/* types only: a placement's */

/* How long a lazy write may wait for a commit (store.h): a crash loses
 * at most this much of them, and an answer never waits for the disk on
 * their account. */
#define LAZY_FLUSH_US	5000

/*
 * The sync runs when the loop has nothing more urgent (the lowest
 * priority: requests already read are committed first, and one sync
 * covers them all), and at the latest this long after it was asked for.
 */
#define SYNC_MAX_WAIT_US	2000

/* One database per node: gateways sharing a state-dir (tests, demos) do
 * not restore each other's state. */
static void
store_path(const struct conf *c, char *buf, size_t len)
{
	size_t off;

	off = (size_t)snprintf(buf, len, "%s/dotsgw-", c->state_dir);
	for (const char *p = c->node_id; *p != '\0' && off + 4 < len; p++)
		buf[off++] = (*p >= 'a' && *p <= 'z') || (*p >= 'A' &&
		    *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		    *p == '-' ? *p : '_';
	snprintf(buf + off, len - off, ".db");
}

/* Lazy writes left waiting since the last commit (store.h). */
static void
flush_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw *gw = arg;

	if (store_flush(gw->store) == -1)
		log_warnx("state store: lazy writes not committed: %s "
		    "(a restart learns them again from the upstreams)",
		    store_error(gw->store));
}

/* One fdatasync for every commit since the last: the answers waiting
 * for them leave (the synced hook: gateway/downstream/durable.h). */
static void
sync_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw *gw = arg;
	int r;

	if (gw->store_sync_max != NULL)
		evtimer_del(gw->store_sync_max);
	r = store_sync(gw->store);
	if (gw->store_synced != NULL)
		gw->store_synced(gw->store_synced_arg,
		    r == -1 ? store_error(gw->store) : NULL);
}

/* A batch of commits was lost (store.h): what memory did for them is
 * undone now, outside the write that lost them. */
static void
undo_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct gw *gw = arg;

	store_undo_lost(gw->store);
}

static void
lost_cb(void *arg)
{
	struct gw *gw = arg;

	event_active(gw->store_undo, EV_TIMEOUT, 0);
}

void
persist_on_synced(struct gw *gw, void (*fn)(void *, const char *),
    void *arg)
{
	gw->store_synced = fn;
	gw->store_synced_arg = arg;
}

/* Soon, not now: when the loop has nothing more urgent to do (the
 * lowest priority), so that requests already read are committed first
 * and share the sync; at the latest SYNC_MAX_WAIT_US from now. */
void
persist_sync_soon(struct gw *gw)
{
	struct timeval tv = { 0, SYNC_MAX_WAIT_US };

	if (gw->store_sync == NULL) {
		sync_cb(-1, 0, gw);
		return;
	}
	event_active(gw->store_sync, EV_TIMEOUT, 0);
	if (!evtimer_pending(gw->store_sync_max, NULL))
		evtimer_add(gw->store_sync_max, &tv);
}

int
persist_open(struct gw *gw)
{
	char path[4200], err[512];

	if (gw->conf->store.type == CONF_STORE_POSTGRESQL) {
		gw->store = store_open_pg(gw->conf->store.conninfo, err,
		    sizeof(err));
		memcpy(path, "postgresql ", 11);
		conf_conninfo_redact(gw->conf->store.conninfo, path + 11,
		    sizeof(path) - 11);
	} else {
		store_path(gw->conf, path, sizeof(path));
		gw->store = store_open(path, err, sizeof(err));
	}
	if (gw->store == NULL) {
		log_warnx("state store: %s", err);
		return -1;
	}
	if ((gw->store_flush = evtimer_new(gw->base, flush_cb, gw)) == NULL ||
	    (gw->store_sync = event_new(gw->base, -1, 0, sync_cb,
	    gw)) == NULL ||
	    (gw->store_sync_max = evtimer_new(gw->base, sync_cb,
	    gw)) == NULL ||
	    (gw->store_undo = event_new(gw->base, -1, 0, undo_cb,
	    gw)) == NULL ||
	    event_priority_set(gw->store_sync, GW_PRIO_IDLE) == -1) {
		log_warnx("state store: out of memory");
		persist_close(gw);
		return -1;
	}
	store_set_lost_hook(gw->store, lost_cb, gw);
	log_info("state store %s", path);
	return 0;
}

void
persist_close(struct gw *gw)
{
	struct store_stats st;

	if (gw->store == NULL)
		return;
	if (gw->store_sync != NULL)
		event_free(gw->store_sync);
	if (gw->store_sync_max != NULL)
		event_free(gw->store_sync_max);
	gw->store_sync = gw->store_sync_max = NULL;
	store_set_lost_hook(gw->store, NULL, NULL);
	if (gw->store_undo != NULL)
		event_free(gw->store_undo);
	gw->store_undo = NULL;
	store_stats(gw->store, &st);
	if (st.commits > 0)
		log_info("state store: %llu transactions, %llu syncs, %.0f us "
		    "each on average, %llu errors",
		    (unsigned long long)st.commits,
		    (unsigned long long)st.syncs,
		    (double)st.write_ns / 1000.0 / (double)st.commits,
		    (unsigned long long)st.errors);
	if (gw->store_flush != NULL)
		event_free(gw->store_flush);
	gw->store_flush = NULL;
	store_close(gw->store);
	gw->store = NULL;
}

/* ---------------------------------------------------------------- */
/* Writing */

/* The scope as accepted, without what only responses carry: what the
 * codec decodes again as a request. */
static int
scope_encode(const struct dots_scope *in, uint8_t **buf, size_t *len)
{
	struct dots_scope s = *in;		/* borrowed members */
	struct dots_mitigation msg = { .scope = &s, .n_scope = 1 };

	s.present &= DOTS_SCOPE_LIFETIME | DOTS_SCOPE_TRIGGER;
	s.conflict = NULL;
	return dots_encode_mitigation(&msg, buf, len);
}

/* A monotonic deadline as wall-clock seconds: lifetimes go on running
 * while we are down. */
static int64_t
wall_expiry(uint64_t expires_ms)
{
	uint64_t now = gw_now_ms();
	uint64_t left = expires_ms > now ? (expires_ms - now + 999) / 1000 : 0;

	return (int64_t)time(NULL) + (int64_t)left;
}

void
persist_mit(struct gw *gw, const struct mitigation *m)
{
	const struct relay_state *rs = m->relay;
	struct store_mit r;
	uint8_t *scope;
	size_t len;

	if (gw->store == NULL)
		return;
	if (m->status == DOTS_STATUS_TERMINATED ||
	    m->status == DOTS_STATUS_WITHDRAWN) {
		if (!gw->stopping)
			(void)store_mit_del(gw->store, m->client->cuid, m->mid);
		return;
	}
	if (scope_encode(&m->scope, &scope, &len) == -1) {
		log_warnx("state store: cannot encode cuid %s mid %u",
		    m->client->cuid, m->mid);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.peer = m->client->peer->conf->name;
	r.cuid = m->client->cuid;
	r.mid = m->mid;
	r.cdid = m->cdid;
	r.path_cdid = m->path_cdid;
	r.scope = scope;
	r.scope_len = len;
	r.lifetime = m->lifetime;
	r.expires = m->expires_ms == 0 ? 0 : wall_expiry(m->expires_ms);
	r.start = m->start;
	r.status = m->status;
	r.trigger = (m->scope.present & DOTS_SCOPE_TRIGGER) ?
	    m->scope.trigger_mitigation : -1;
	r.attack_status = m->attack_status;
	r.local = rs != NULL && rs->local;
	r.cdid_up = rs != NULL ? rs->cdid_up : "";
	r.hop_limit = rs != NULL ? rs->hop_limit : 0;
	(void)store_mit_put(gw->store, &r);
	free(scope);
}

void
persist_pl(struct gw *gw, const struct placement *p, bool gone)
{
	struct store_pl r;

	if (gw->store == NULL || (gone && gw->stopping))
		return;
	if (gone) {
		(void)store_pl_del(gw->store, p->us->peer->name, p->umid);
		return;
	}
	r.cuid = p->m->client->cuid;
	r.mid = p->m->mid;
	r.upstream = p->us->peer->name;
	r.umid = p->umid;
	r.state = (int)p->state;
	r.lifetime = p->lifetime;
	if (p->state != PL_ACTIVE) {
		(void)store_pl_put(gw->store, &r);
		return;
	}
	/* the upstream's acceptance: resync reads it back after a crash */
	(void)store_pl_put_lazy(gw->store, &r);
	if (gw->store_flush == NULL)
		(void)store_flush(gw->store);
	else if (store_pending(gw->store) &&
	    !evtimer_pending(gw->store_flush, NULL)) {
		struct timeval tv = { 0, LAZY_FLUSH_US };

		evtimer_add(gw->store_flush, &tv);
	}
}

void
persist_sigcfg(struct gw *gw, const struct peer_rt *peer)
{
	struct dots_signal_config sc = { 0 };
	uint8_t *buf;
	size_t len;

	if (gw->store == NULL)
		return;
	if (!peer->has_sid) {
		(void)store_sigcfg_del(gw->store, peer->conf->name);
		return;
	}
	sc.has_mitigating = sc.has_idle = true;
	sc.mitigating = peer->mitigating;
	sc.idle = peer->idle;
	if (dots_encode_signal_config(&sc, &buf, &len) == -1)
		return;
	(void)store_sigcfg_put(gw->store, peer->conf->name, peer->sid, buf,
	    len);
	free(buf);
}

/* ---------------------------------------------------------------- */
/* Restoring */

/* Negotiated against the ranges of the configuration of then: each
 * current value must still lie inside today's (heartbeat 0 is off). */
static bool
cfg_in_range(const struct conf *c, const struct dots_cfg_set *set)
{
	for (int i = 0; i < DOTS_CFG_NPARAMS; i++) {
		const struct dots_cfg_param *p = &set->p[i];

		if (!p->has_cur || (i == DOTS_CFG_HEARTBEAT_INTERVAL &&
		    p->cur == 0))
			continue;
		if (p->cur < c->sig[i].min || p->cur > c->sig[i].max)
			return false;
	}
	return true;
}

static int
restore_sigcfg(const char *name, uint32_t sid, const uint8_t *v, size_t len,
    void *arg)
{
	struct gw *gw = arg;
	struct peer_rt *peer = peer_find(gw, name);
	struct dots_signal_config sc;
	struct dots_err err;

	if (peer == NULL)
		return 0;
	if (dots_decode_signal_config(v, len, DOTS_REQ, &sc, &err) == -1) {
		log_warnx("state store: peer %s: signal configuration: %s",
		    name, err.msg);
		return 0;
	}
	if ((sc.has_mitigating && !cfg_in_range(gw->conf, &sc.mitigating)) ||
	    (sc.has_idle && !cfg_in_range(gw->conf, &sc.idle))) {
		log_warnx("peer %s: session configuration sid %u is outside "
		    "the configured ranges now; defaults apply", name, sid);
		return 0;
	}
	peer_config_reset(gw, peer);
	if (sc.has_mitigating)
		peer->mitigating = sc.mitigating;
	if (sc.has_idle)
		peer->idle = sc.idle;
	peer->has_sid = true;
	peer->sid = sid;
	log_info("peer %s: session configuration sid %u restored", name, sid);
	return 0;
}

/* Keys of rows to delete once the scan is over. */
struct dropped {
	char	**cuid;
	uint32_t *mid;
	size_t	  n, cap;
};

static int
drop(struct dropped *d, const char *cuid, uint32_t mid)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **c = reallocarray(d->cuid, cap, sizeof(*c));
		uint32_t *m;

		if (c == NULL)
			return -1;
		d->cuid = c;
		if ((m = reallocarray(d->mid, cap, sizeof(*m))) == NULL)
			return -1;
		d->mid = m;
		d->cap = cap;
	}
	if ((d->cuid[d->n] = strdup(cuid)) == NULL)
		return -1;
	d->mid[d->n++] = mid;
	return 0;
}

struct restore {
	struct gw	*gw;
	const struct persist_restore_hooks *hooks;
	time_t		 now;
	size_t		 restored, expired, refused;
	struct dropped	 drop;
};

static int
scope_decode(const struct store_mit *r, struct dots_scope *out,
    struct dots_err *err)
{
	struct dots_mitigation msg;

	if (dots_decode_mitigation(r->scope, r->scope_len, DOTS_REQ, &msg,
	    err) == -1)
		return -1;
	if (msg.n_scope != 1) {
		dots_mitigation_free(&msg);
		return dots_errf(err, 500, "%zu scopes", msg.n_scope);
	}
	*out = msg.scope[0];
	memset(&msg.scope[0], 0, sizeof(msg.scope[0]));
	dots_mitigation_free(&msg);
	return 0;
}

/* Why a stored mitigation is not restored, or NULL. */
static const char *
refuse(struct restore *rs, const struct store_mit *r, struct peer_rt **peer,
    struct dots_scope *s, struct dots_err *err)
{
	struct mit_client *c;

	if ((*peer = peer_find(rs->gw, r->peer)) == NULL)
		return "its peer is no longer configured";
	if (r->status == DOTS_STATUS_TERMINATED ||
	    r->status == DOTS_STATUS_WITHDRAWN)
		return "it had ended";
	if (scope_decode(r, s, err) == -1)
		return err->msg;
	if (pol_authorize_scope((*peer)->conf, s, err) == -1)
		return err->msg;
	c = mit_client_find(rs->gw->mt, r->cuid);
	if (c != NULL && c->peer != *peer)
		return "its cuid now belongs to another peer";
	return NULL;
}

static int
restore_mit(const struct store_mit *r, void *arg)
{
	struct restore *rs = arg;
	struct dots_scope s = { 0 };
	struct dots_err err = { 0 };
	struct peer_rt *peer;
	struct mit_saved sv = { 0 };
	struct mit_client *c;
	struct mitigation *m;
	const char *why;

	if (r->expires != 0 && r->expires <= rs->now) {
		log_info("peer %s cuid %s mid %u: lifetime ran out while we "
		    "were down", r->peer, r->cuid, r->mid);
		rs->expired++;
		return drop(&rs->drop, r->cuid, r->mid);
	}
	if ((why = refuse(rs, r, &peer, &s, &err)) != NULL) {
		log_warnx("peer %s cuid %s mid %u: not restored: %s", r->peer,
		    r->cuid, r->mid, why);
		dots_scope_free(&s);
		rs->refused++;
		return drop(&rs->drop, r->cuid, r->mid);
	}
	sv.mid = r->mid;
	sv.cdid = r->cdid;
	sv.path_cdid = r->path_cdid;
	sv.lifetime = r->lifetime;
	sv.left = r->expires == 0 ? -1 : r->expires - rs->now;
	sv.start = r->start;
	sv.status = r->status;
	sv.attack_status = r->attack_status;
	if ((c = mit_client_get(rs->gw->mt, peer, r->cuid)) == NULL ||
	    (m = mit_restore(rs->gw->mt, c, &sv, &s)) == NULL) {
		dots_scope_free(&s);
		return -1;
	}
	if (rs->hooks->mit != NULL &&
	    rs->hooks->mit(m, r, rs->hooks->arg) == -1)
		return -1;
	rs->restored++;
	return 0;
}

static int
restore_pl(const struct store_pl *r, void *arg)
{
	struct restore *rs = arg;
	struct mit_client *c = mit_client_find(rs->gw->mt, r->cuid);
	struct mitigation *m = c != NULL ? mit_find(c, r->mid) : NULL;

	if (m == NULL || rs->hooks->placement == NULL)
		return 0;
	return rs->hooks->placement(m, r, rs->hooks->arg);
}

int
persist_restore(struct gw *gw, const struct persist_restore_hooks *hooks)
{
	struct restore rs = { .gw = gw, .hooks = hooks, .now = time(NULL) };
	uint64_t t0 = gw_now_ms();
	int r = 0;

	if (gw->store == NULL)
		return 0;
	if (store_sigcfg_foreach(gw->store, restore_sigcfg, gw) == -1 ||
	    store_mit_foreach(gw->store, restore_mit, &rs) != 0 ||
	    store_pl_foreach(gw->store, restore_pl, &rs) != 0)
		r = -1;
	(void)store_begin(gw->store);
	for (size_t i = 0; i < rs.drop.n; i++) {
		(void)store_mit_del(gw->store, rs.drop.cuid[i], rs.drop.mid[i]);
		free(rs.drop.cuid[i]);
	}
	(void)store_end(gw->store);
	free(rs.drop.cuid);
	free(rs.drop.mid);
	if (r == -1) {
		log_warnx("state store: restoring failed after %zu mitigations",
		    rs.restored);
		return -1;
	}
	log_info("state store: %zu mitigations restored in %llu ms, %zu "
	    "expired while down, %zu not restored", rs.restored,
	    (unsigned long long)(gw_now_ms() - t0), rs.expired, rs.refused);
	return (int)rs.restored;
}
