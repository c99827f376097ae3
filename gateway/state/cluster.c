#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/cluster.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/store.h"
#include "gateway/state/store_pg_cluster.h"

/*
 * Applying the other nodes' commits to this node's table (cluster.h).
 * What is applied is in the database already: the store is muted for
 * mitigation writes meanwhile, so nothing echoes back to the others.
 */

struct cluster {
	struct gw	*gw;
	struct pgc	*pgc;
	struct cluster_hooks hooks;
	struct event	*listen_ev;	/* the LISTEN socket readable */
	struct event	*poll;		/* CLUSTER_POLL_MS */
	struct event	*soon;		/* CLUSTER_COALESCE_MS after a notify */
	uint64_t	 seq;		/* mit_change applied up to */
	bool		 applying;
	unsigned	 ticks;
	uint64_t	 applied;	/* rows, for the logs */
	struct event	*lease;		/* lease-time / 3 */
	bool		 held;		/* renewed without a failure since */
	uint64_t	 held_since;	/* gw_now_ms() */
	bool		 rejoin;	/* our lease was taken: insert anew */
	uint64_t	 fence_at;	/* gw_now_ms(): our lease may be over */
	bool		 fenced;	/* logged once per fencing */
	/* taken over in the open transaction, adopted once committed */
	struct taken {
		char	*cuid;
		uint32_t mid;
	}		*taken;
	size_t		 n_taken, cap_taken;
};

static int
scope_of(const struct store_mit *r, struct dots_scope *out)
{
	struct dots_mitigation msg;
	struct dots_err err;

	if (dots_decode_mitigation(r->scope, r->scope_len, DOTS_REQ, &msg,
	    &err) == -1)
		return -1;
	if (msg.n_scope != 1) {
		dots_mitigation_free(&msg);
		return -1;
	}
	*out = msg.scope[0];
	memset(&msg.scope[0], 0, sizeof(msg.scope[0]));
	dots_mitigation_free(&msg);
	return 0;
}

static bool
ended(uint32_t status)
{
	return status == DOTS_STATUS_TERMINATED ||
	    status == DOTS_STATUS_WITHDRAWN;
}

/* Accepted through another node: held here too, without relay state. */
static int
apply_new(struct cluster *cl, const struct store_mit *r)
{
	struct gw *gw = cl->gw;
	struct mit_client *c = mit_client_find(gw->mt, r->cuid);
	struct peer_rt *peer = peer_find(gw, r->peer);
	struct dots_scope s = { 0 };
	struct mit_saved sv = { 0 };
	struct mitigation *m;
	time_t now = time(NULL);

	if (ended(r->status) || (r->expires != 0 && r->expires <= now))
		return 0;
	if (peer == NULL) {
		log_warnx("cluster: peer %s cuid %s mid %u: the peer is not "
		    "configured on this node", r->peer, r->cuid, r->mid);
		return 0;
	}
	if (c != NULL && c->peer != peer) {
		log_warnx("cluster: peer %s cuid %s mid %u: the cuid belongs "
		    "to another peer here", r->peer, r->cuid, r->mid);
		return 0;
	}
	if (scope_of(r, &s) == -1) {
		log_warnx("cluster: peer %s cuid %s mid %u: its scope does "
		    "not decode", r->peer, r->cuid, r->mid);
		return 0;
	}
	sv.mid = r->mid;
	sv.cdid = r->cdid;
	sv.path_cdid = r->path_cdid;
	sv.lifetime = r->lifetime;
	sv.left = r->expires == 0 ? -1 : r->expires - now;
	sv.start = r->start;
	sv.status = r->status;
	sv.attack_status = r->attack_status;
	if ((c = mit_client_get(gw->mt, peer, r->cuid)) == NULL ||
	    (m = mit_restore(gw->mt, c, &sv, &s)) == NULL) {
		dots_scope_free(&s);
		return -1;
	}
	mit_changed(gw->mt, m);
	return 0;
}

/* One row as another node left it (NULL: deleted). */
static int
apply(const char *cuid, uint32_t mid, const struct store_mit *r, void *arg)
{
	struct cluster *cl = arg;
	struct mit_table *mt = cl->gw->mt;
	struct mit_client *c = mit_client_find(mt, cuid);
	struct mitigation *m = c != NULL ? mit_find(c, mid) : NULL;
	int64_t left;

	cl->applied++;
	if (m == NULL)
		return r != NULL ? apply_new(cl, r) : 0;
	/* removed on the next turn: a request handler may hold m */
	if (r == NULL || ended(r->status)) {
		if (m->status != DOTS_STATUS_TERMINATED)
			mit_end_now(mt, m);
		return 0;
	}
	if (!mit_is_active(m))
		return 0;
	if (r->status == DOTS_STATUS_CLIENT_WITHDRAWN) {
		mit_withdraw(mt, m);
		return 0;
	}
	left = r->expires == 0 ? -1 : r->expires - time(NULL);
	if (r->lifetime != m->lifetime ||
	    llabs(left - mit_lifetime_left(m)) > 1)
		mit_refresh(mt, m, r->lifetime);
	if (r->attack_status != m->attack_status ||
	    (m->relay == NULL && r->status != m->status)) {
		m->attack_status = r->attack_status;
		if (m->relay == NULL)
			m->status = r->status;	/* the owner's report */
		mit_changed(mt, m);
	}
	return 0;
}

static int
catch_up(struct cluster *cl, char *err, size_t errlen)
{
	uint64_t n = cl->applied;
	int r;

	cl->applying = true;
	store_mute(cl->gw->store, true);
	r = pgc_changes(cl->pgc, &cl->seq, apply, cl, err, errlen);
	store_mute(cl->gw->store, false);
	cl->applying = false;
	if (cl->applied != n)
		log_debug("cluster: %llu changes of other nodes applied, "
		    "up to %llu", (unsigned long long)(cl->applied - n),
		    (unsigned long long)cl->seq);
	return r == 0 ? 0 : -1;
}

static int
on_next_mid(const char *upstream, uint32_t next, void *arg)
{
	struct cluster *cl = arg;

	cl->hooks.next_mid(cl->gw, upstream, next);
	return 0;
}

/* The store's transaction starts: lock, then catch up under it. */
static int
on_txn(void *arg, char *err, size_t errlen)
{
	struct cluster *cl = arg;

	/* most of the catch-up before the lock: the others wait less */
	if (!cl->applying && catch_up(cl, err, errlen) == -1)
		return -1;
	if (pgc_lock(cl->pgc, err, errlen) == -1)
		return -1;
	if (cl->applying)
		return 0;	/* a write the catch-up itself causes */
	if (catch_up(cl, err, errlen) == -1)
		return -1;
	if (cl->hooks.next_mid != NULL && cl->gw->n_ups > 0 &&
	    pgc_next_mids(cl->pgc, on_next_mid, cl) == -1) {
		snprintf(err, errlen, "cluster: upstream mids unreadable");
		return -1;
	}
	return 0;
}

/* Between requests: read without the lock (commits hold it, so what is
 * visible is a prefix of mit_change); a store that is down reconnects
 * through a transaction of its own. */
static void
refresh(struct cluster *cl)
{
	char err[160];

	if (cl->applying || catch_up(cl, err, sizeof(err)) == 0)
		return;
	(void)store_begin(cl->gw->store);
	(void)store_global(cl->gw->store);
	if (store_commit(cl->gw->store) == -1)
		log_debug("cluster: catch-up: %s",
		    store_error(cl->gw->store));
}

static void
on_listen(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;

	(void)fd;
	(void)what;
	struct timeval tv = { 0, CLUSTER_COALESCE_MS * 1000 };
	int n;

	if ((n = pgc_drain(cl->pgc)) == -1) {
		event_del(cl->listen_ev);
		return;		/* the poll reconnects it */
	}
	/* a burst of commits: one catch-up */
	if (n > 0 && !evtimer_pending(cl->soon, NULL))
		evtimer_add(cl->soon, &tv);
}

static void
on_soon(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	refresh(arg);
}

static int
listen_watch(struct cluster *cl)
{
	int fd = pgc_fd(cl->pgc);

	if (cl->listen_ev != NULL)
		event_free(cl->listen_ev);
	cl->listen_ev = NULL;
	if (fd == -1 || (cl->listen_ev = event_new(cl->gw->base, fd,
	    EV_READ | EV_PERSIST, on_listen, cl)) == NULL ||
	    event_add(cl->listen_ev, NULL) == -1)
		return -1;
	return 0;
}

static void
on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	struct timeval tv = { CLUSTER_POLL_MS / 1000,
	    (CLUSTER_POLL_MS % 1000) * 1000 };
	char err[160];

	(void)fd;
	(void)what;
	if (pgc_fd(cl->pgc) == -1) {
		if (pgc_relisten(cl->pgc, err, sizeof(err)) == 0 &&
		    listen_watch(cl) == 0)
			log_info("cluster: listening again");
		else
			log_debug("cluster: cannot listen: %s", err);
	}
	refresh(cl);
	if (++cl->ticks % (CLUSTER_PRUNE_S * 1000 / CLUSTER_POLL_MS / 10) ==
	    0 && !store_pending(cl->gw->store))
		(void)pgc_prune(cl->pgc, CLUSTER_PRUNE_S);
	evtimer_add(cl->poll, &tv);
}

/* ---------------------------------------------------------------- */
/* Leases */

static int
take(const char *node, const char *cuid, uint32_t mid, void *arg)
{
	struct cluster *cl = arg;

	(void)node;
	if (cl->n_taken == cl->cap_taken) {
		size_t cap = cl->cap_taken ? cl->cap_taken * 2 : 16;
		struct taken *t = reallocarray(cl->taken, cap, sizeof(*t));

		if (t == NULL)
			return -1;
		cl->taken = t;
		cl->cap_taken = cap;
	}
	if ((cl->taken[cl->n_taken].cuid = strdup(cuid)) == NULL)
		return -1;
	cl->taken[cl->n_taken++].mid = mid;
	return 0;
}

static void
taken_clear(struct cluster *cl)
{
	for (size_t i = 0; i < cl->n_taken; i++)
		free(cl->taken[i].cuid);
	cl->n_taken = 0;
}

static int
adopt_row(const struct store_mit *r, const struct store_pl *pl, size_t n,
    void *arg)
{
	struct cluster *cl = arg;
	struct mit_client *c = mit_client_find(cl->gw->mt, r->cuid);
	struct mitigation *m = c != NULL ? mit_find(c, r->mid) : NULL;

	if (m == NULL || m->relay != NULL || !mit_is_active(m) ||
	    cl->hooks.adopt == NULL)
		return 0;
	return cl->hooks.adopt(cl->gw, m, r, pl, n) == -1 ? -1 : 1;
}

static void
adopt_taken(struct cluster *cl)
{
	size_t adopted = 0;
	int r;

	for (size_t i = 0; i < cl->n_taken; i++) {
		r = pgc_mit_get(cl->pgc, cl->taken[i].cuid, cl->taken[i].mid,
		    adopt_row, cl);
		if (r == 1)
			adopted++;
		else if (r == -1)
			log_warnx("cluster: cuid %s mid %u: not adopted",
			    cl->taken[i].cuid, cl->taken[i].mid);
	}
	log_info("cluster: took over %zu mitigations (%zu relayed here "
	    "now)", cl->n_taken, adopted);
	taken_clear(cl);
}

static int
release_one(struct mitigation *m, void *arg)
{
	struct cluster *cl = arg;

	if (m->relay != NULL && cl->hooks.release != NULL)
		cl->hooks.release(cl->gw, m);
	return 0;
}

static void
on_lease(evutil_socket_t fd, short what, void *arg)
{
	struct cluster *cl = arg;
	struct store *s = cl->gw->store;
	uint32_t lt = cl->gw->conf->cluster.lease_time;
	struct timeval tv = { lt / 3, (lt % 3) * 333333 };
	uint64_t now = gw_now_ms();
	int r = -1;

	(void)fd;
	(void)what;
	(void)store_begin(s);
	if (store_global(s) == 0 &&
	    (r = pgc_renew(cl->pgc, lt, cl->rejoin)) == 1 && cl->held &&
	    now - cl->held_since >= (uint64_t)lt * 1000 &&
	    pgc_take_expired(cl->pgc, CLUSTER_FENCE_MARGIN(lt), take,
	    cl) == -1)
		taken_clear(cl);
	if (store_commit(s) == -1) {
		r = -1;
		taken_clear(cl);
	}
	if (r == 1) {
		/* the server set expires after we read now: by our clock
		 * the lease lasts at least until now + lt */
		cl->fence_at = now + (uint64_t)lt * 1000;
		if (cl->fenced)
			log_info("cluster: lease renewed: acting as owner again");
		cl->fenced = false;
		if (!cl->held)
			cl->held_since = now;
		cl->held = true;
		cl->rejoin = false;
		if (cl->n_taken > 0)
			adopt_taken(cl);
	} else if (r == 0) {
		log_warnx("cluster: our lease was taken over: letting go of "
		    "what this node relayed");
		/* owner of nothing now: letting go is no longer fenced */
		cl->fence_at = now + (uint64_t)lt * 1000;
		cl->fenced = false;
		store_mute(s, true);
		(void)mit_foreach(cl->gw->mt, release_one, cl);
		store_mute(s, false);
		cl->held = false;
		cl->rejoin = true;
	} else
		cl->held = false;
	evtimer_add(cl->lease, &tv);
}

int
cluster_open(struct gw *gw, const struct cluster_hooks *hooks)
{
	const struct conf_cluster *cc = &gw->conf->cluster;
	struct timeval tv = { CLUSTER_POLL_MS / 1000,
	    (CLUSTER_POLL_MS % 1000) * 1000 };
	struct cluster *cl;
	char err[256];

	if (cc->name == NULL)
		return 0;
	if ((cl = calloc(1, sizeof(*cl))) == NULL)
		return -1;
	cl->gw = gw;
	cl->hooks = *hooks;
	if ((cl->pgc = pgc_open(gw->store, gw->conf->store.conninfo,
	    cc->name, cc->node_id, err, sizeof(err))) == NULL) {
		log_warnx("cluster %s: %s", cc->name, err);
		free(cl);
		return -1;
	}
	cl->fence_at = gw_now_ms() + (uint64_t)cc->lease_time * 1000;
	/* what the restore reads next is newer than this, or the same */
	if (pgc_last_seq(cl->pgc, &cl->seq) == -1 || listen_watch(cl) == -1 ||
	    pgc_renew(cl->pgc, cc->lease_time, true) != 1 ||
	    (cl->poll = evtimer_new(gw->base, on_poll, cl)) == NULL ||
	    (cl->soon = evtimer_new(gw->base, on_soon, cl)) == NULL ||
	    evtimer_add(cl->poll, &tv) == -1 ||
	    (cl->lease = evtimer_new(gw->base, on_lease, cl)) == NULL) {
		gw->cluster = cl;
		cluster_close(gw);
		return -1;
	}
	gw->cluster = cl;
	cl->held = true;
	cl->held_since = gw_now_ms();
	store_set_txn_hook(gw->store, on_txn, cl);
	tv.tv_sec = cc->lease_time / 3;
	tv.tv_usec = (cc->lease_time % 3) * 333333;
	evtimer_add(cl->lease, &tv);
	log_info("cluster %s: node %s joined (lease-time %us)", cc->name,
	    cc->node_id, cc->lease_time);
	return 0;
}

void
cluster_close(struct gw *gw)
{
	struct cluster *cl = gw->cluster;

	if (cl == NULL)
		return;
	store_set_txn_hook(gw->store, NULL, NULL);
	if (cl->listen_ev != NULL)
		event_free(cl->listen_ev);
	if (cl->poll != NULL)
		event_free(cl->poll);
	if (cl->soon != NULL)
		event_free(cl->soon);
	if (cl->lease != NULL)
		event_free(cl->lease);
	taken_clear(cl);
	free(cl->taken);
	pgc_close(cl->pgc);
	free(cl);
	gw->cluster = NULL;
}

bool
cluster_owns(struct gw *gw, const char *cuid, uint32_t mid)
{
	char owner[128];

	if (gw->cluster == NULL)
		return true;
	/* no owner (or no answer): a single node's row, ours */
	if (pgc_owner(gw->cluster->pgc, cuid, mid, owner, sizeof(owner)) != 1)
		return true;
	return strcmp(owner, gw->conf->cluster.node_id) == 0;
}

bool
cluster_fenced(struct gw *gw)
{
	struct cluster *cl = gw->cluster;

	if (cl == NULL || gw_now_ms() < cl->fence_at)
		return false;
	if (!cl->fenced)
		log_warnx("cluster: no lease renewed for lease-time: fenced "
		    "(no placement refreshed or withdrawn) until a renewal");
	cl->fenced = true;
	return true;
}

bool
cluster_placed_elsewhere(struct gw *gw, const char *upstream, uint32_t umid)
{
	char owner[128];
	int r = -1;

	if (gw->cluster == NULL)
		return false;
	/*
	 * Under the cluster lock: a node creating a placement holds it from
	 * the row's write to its commit, and sends the PUT in between, so an
	 * umid the upstream already holds has its row committed once we get
	 * the lock (not lazily: the row is written at placement_new, only
	 * the later ACTIVE state is lazy).
	 */
	(void)store_begin(gw->store);
	if (store_global(gw->store) == 0)
		r = pgc_pl_owner(gw->cluster->pgc, upstream, umid, owner,
		    sizeof(owner));
	if (store_commit(gw->store) == -1)
		r = -1;
	if (r == -1)
		return true;	/* unknown: left alone, asked at the next */
	return r == 1 && strcmp(owner, gw->conf->cluster.node_id) != 0;
}

uint32_t
cluster_lease_time(const struct gw *gw)
{
	return gw->conf->cluster.lease_time;
}
