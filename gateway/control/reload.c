#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/pki.h"
#include "common/conf.h"
#include "common/log.h"
#include "gateway/state/audit.h"
#include "gateway/gw.h"
#include "gateway/control/ctl_sock.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/relay/orch.h"
#include "gateway/relay/orch_member.h"
#include "gateway/state/peer.h"
#include "gateway/relay/relay.h"
#include "gateway/control/reload.h"
#include "gateway/downstream/server.h"
#include "gateway/upstream/upstream.h"

static void
conf_warning(void *arg, const char *msg)
{
	log_warnx("reload: %s", msg);
}

static bool
listen_same(const struct conf *a, const struct conf *b)
{
	if (a->n_listen != b->n_listen)
		return false;
	for (size_t i = 0; i < a->n_listen; i++)
		if (strcmp(a->listen[i].address, b->listen[i].address) != 0 ||
		    a->listen[i].port != b->listen[i].port ||
		    a->listen[i].dtls != b->listen[i].dtls ||
		    a->listen[i].tls != b->listen[i].tls ||
		    /* a new reuseport group would move live sessions'
		     * 4-tuples to other endpoints */
		    a->listen[i].shards != b->listen[i].shards)
			return false;
	return true;
}

static bool
creds_same(const struct conf_credentials *a, const struct conf_credentials *b)
{
	return conf_str_same(a->ca_file, b->ca_file) &&
	    conf_str_same(a->cert_file, b->cert_file) &&
	    conf_str_same(a->key_file, b->key_file) &&
	    conf_str_same(a->psk_hint, b->psk_hint);
}

#define SWAP(a, b) do {							\
	__typeof__(a) swap_tmp_ = (a); (a) = (b); (b) = swap_tmp_;	\
} while (0)

/*
 * What the running server was built from stays: libcoap holds pointers
 * into the credentials (the PSK hint; the X.509 files keep their names,
 * their contents are read again by gw_reload), the endpoints are bound,
 * node-id names our placements upstream. The new file's values are noted
 * and moved aside (freed with the old conf).
 */
static void
keep_restart_only(struct conf *old, struct conf *nc)
{
	static const char why[] = "changed; takes effect at the next restart "
	    "(keeping the running value)";
	bool any_psk_old = false, any_psk_new = false;

	if (!listen_same(old, nc))
		log_warnx("reload: listen %s", why);
	SWAP(old->listen, nc->listen);
	SWAP(old->n_listen, nc->n_listen);
	if (!creds_same(&old->creds, &nc->creds))
		log_warnx("reload: credentials %s", why);
	SWAP(old->creds, nc->creds);
	if (old->role != nc->role)
		log_warnx("reload: role %s", why);
	nc->role = old->role;
	if (strcmp(old->node_id, nc->node_id) != 0)
		log_warnx("reload: node-id %s", why);
	SWAP(old->node_id, nc->node_id);
	if (old->huge_pages_above != nc->huge_pages_above)
		log_warnx("reload: huge-pages-above %s", why);
	nc->huge_pages_above = old->huge_pages_above;
	if (strcmp(old->state_dir, nc->state_dir) != 0)
		log_warnx("reload: state-dir %s", why);
	SWAP(old->state_dir, nc->state_dir);
	if (old->store.type != nc->store.type ||
	    !conf_str_same(old->store.conninfo, nc->store.conninfo))
		log_warnx("reload: store %s", why);
	SWAP(old->store, nc->store);
	if (!conf_str_same(old->cluster.name, nc->cluster.name) ||
	    !conf_str_same(old->cluster.node_id, nc->cluster.node_id) ||
	    old->cluster.lease_time != nc->cluster.lease_time)
		log_warnx("reload: cluster %s", why);
	SWAP(old->cluster, nc->cluster);
	/* the back-end is chosen at start; its other settings are read
	 * where they are used */
	if (old->mitigator.type != nc->mitigator.type) {
		log_warnx("reload: mitigator type %s", why);
		SWAP(old->mitigator, nc->mitigator);
	}
	if (memcmp(&old->admin, &nc->admin, sizeof(old->admin)) != 0)
		log_warnx("reload: admin %s", why);
	nc->admin = old->admin;
	/* the sockets stay as they were made (ctl_sock.h) */
	if (!ctl_conf_same(&old->control, &nc->control))
		log_warnx("reload: control %s", why);
	SWAP(old->control, nc->control);
	/* the PSK callback exists only when a peer had PSK at start */
	for (size_t i = 0; i < old->n_peers; i++)
		any_psk_old |= old->peers[i].psk_identity != NULL;
	for (size_t i = 0; i < nc->n_peers; i++)
		any_psk_new |= nc->peers[i].psk_identity != NULL;
	if (any_psk_new && !any_psk_old)
		log_warnx("reload: the first PSK peer needs a restart before "
		    "PSK handshakes are accepted");
}

static struct peer_rt *
old_peer(struct gw *gw, const char *name)
{
	for (size_t i = 0; i < gw->n_peers; i++)
		if (strcmp(gw->peers[i]->conf->name, name) == 0)
			return gw->peers[i];
	return NULL;
}

/* The mitigations of peers a reload removes. */
struct doomed {
	struct mitigation **v;
	size_t		 n, cap;
	const struct conf *nc;
};

static int
collect_doomed(struct mitigation *m, void *arg)
{
	struct doomed *d = arg;

	if (conf_peer_by_name(d->nc, m->client->peer->conf->name) != NULL)
		return 0;
	if (d->n == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct mitigation **nv = reallocarray(d->v, ncap,
		    sizeof(*nv));

		if (nv == NULL)
			return 1;
		d->v = nv;
		d->cap = ncap;
	}
	d->v[d->n++] = m;
	return 0;
}

/* Removed peers' mitigations go (upstream too), then their sessions. */
static void
drop_removed_peers(struct gw *gw, const struct conf *nc, size_t *n_mits)
{
	struct doomed d = { .nc = nc };
	char why[256];

	if (gw->mt != NULL)
		mit_foreach(gw->mt, collect_doomed, &d);
	for (size_t i = 0; i < d.n; i++) {
		snprintf(why, sizeof(why), "peer %s was removed from the "
		    "configuration", d.v[i]->client->peer->conf->name);
		audit_mitigation(gw, "removed", d.v[i], why);
		mit_remove(gw->mt, d.v[i]);
	}
	*n_mits = d.n;
	free(d.v);
	for (size_t i = 0; i < gw->n_peers; i++)
		if (conf_peer_by_name(nc, gw->peers[i]->conf->name) == NULL &&
		    gw->srv != NULL)
			server_unbind_peer(gw->srv, gw->peers[i]);
}

static bool
is_upstream(const struct conf_peer *p)
{
	return p != NULL && (p->roles & PEER_UPSTREAM);
}

static void
drop_removed_upstreams(struct gw *gw, const struct conf *nc)
{
	size_t k = 0;

	for (size_t i = 0; i < gw->n_ups; i++) {
		struct upstream *us = gw->ups[i];

		if (is_upstream(conf_peer_by_name(nc, us->peer->name))) {
			gw->ups[k++] = us;
			continue;
		}
		log_info("reload: upstream %s removed: its placements are "
		    "withdrawn and its session closed", us->peer->name);
		relay_upstream_removed(us);
		upstream_free(us);
	}
	gw->n_ups = k;
}

/*
 * Runtime state for every peer of the new conf, in its order: the kept
 * ones (by name), fresh allocations for the added ones. Nothing changes
 * yet; only this can fail (memory).
 */
static struct peer_rt **
prepare_peers(struct gw *gw, const struct conf *nc)
{
	struct peer_rt **np;

	if ((np = calloc(nc->n_peers, sizeof(*np))) == NULL)
		return NULL;
	for (size_t i = 0; i < nc->n_peers; i++)
		if ((np[i] = old_peer(gw, nc->peers[i].name)) == NULL &&
		    (np[i] = calloc(1, sizeof(*np[i]))) == NULL) {
			for (size_t j = 0; j < i; j++)
				if (old_peer(gw, nc->peers[j].name) == NULL)
					free(np[j]);
			free(np);
			return NULL;
		}
	return np;
}

/* gw->conf is the new conf: point every peer at its entry; new ones get
 * the server's default session configuration from it. */
static void
swap_peers(struct gw *gw, struct peer_rt **np, size_t *added)
{
	const struct conf *nc = gw->conf;

	*added = 0;
	for (size_t i = 0; i < gw->n_peers; i++) {
		bool kept = false;

		for (size_t j = 0; j < nc->n_peers && !kept; j++)
			kept = np[j] == gw->peers[i];
		if (!kept) {
			log_info("reload: peer %s removed",
			    gw->peers[i]->conf->name);
			free(gw->peers[i]);
		}
	}
	for (size_t i = 0; i < nc->n_peers; i++) {
		bool fresh = np[i]->conf == NULL;

		peer_set_conf(np[i], &nc->peers[i]);
		if (fresh) {
			peer_config_reset(gw, np[i]);
			(*added)++;
			log_info("reload: peer %s added", nc->peers[i].name);
		}
	}
	free(gw->peers);
	gw->peers = np;
	gw->n_peers = nc->n_peers;
}

static void
swap_upstreams(struct gw *gw, size_t *added)
{
	const struct conf *nc = gw->conf;
	struct upstream **nu;
	size_t n = 0;

	*added = 0;
	for (size_t i = 0; i < nc->n_peers; i++)
		n += is_upstream(&nc->peers[i]);
	if ((nu = calloc(n ? n : 1, sizeof(*nu))) == NULL) {
		log_warnx("reload: out of memory: upstreams unchanged");
		return;
	}
	n = 0;
	for (size_t i = 0; i < nc->n_peers; i++) {
		const struct conf_peer *cp = &nc->peers[i];
		struct upstream *us = NULL;

		if (!is_upstream(cp))
			continue;
		for (size_t j = 0; j < gw->n_ups && us == NULL; j++)
			if (strcmp(gw->ups[j]->peer->name, cp->name) == 0)
				us = gw->ups[j];
		if (us != NULL)
			(void)upstream_set_conf(us, cp);
		else if ((us = upstream_new(gw, cp)) != NULL) {
			(*added)++;
			log_info("reload: upstream %s added", cp->name);
		} else {
			log_warnx("reload: upstream %s: cannot start it",
			    cp->name);
			continue;
		}
		nu[n++] = us;
	}
	free(gw->ups);
	gw->ups = nu;
	gw->n_ups = n;
}

int
gw_reload(struct gw *gw, char *msg, size_t msglen)
{
	struct conf *nc, *old = gw->conf;
	struct peer_rt **np;
	char err[CONF_ERRLEN];
	struct pki_pem pem = { 0 };
	size_t n_removed_mits = 0, peers_added, ups_added;
	size_t peers_before = gw->n_peers, ups_before = gw->n_ups;

	if (conf_load(old->path, &nc, err, sizeof(err), conf_warning,
	    NULL) == -1) {
		log_warnx("reload refused, old configuration kept: %s", err);
		snprintf(msg, msglen, "%s", err);
		metrics_reload(gw->metrics, false);
		return -1;
	}
	/* the running X.509 files read again (rotation); names are
	 * restart-only like the rest of the credentials */
	if (gw->srv != NULL && old->creds.cert_file != NULL &&
	    (pki_pem_load(&pem, old->creds.ca_file, old->creds.cert_file,
	    old->creds.key_file, err, sizeof(err)) == -1 ||
	    pki_pem_check(&pem, err, sizeof(err)) == -1)) {
		conf_free(nc);
		log_warnx("reload refused, old configuration kept: "
		    "credentials: %s", err);
		snprintf(msg, msglen, "credentials: %s", err);
		metrics_reload(gw->metrics, false);
		return -1;
	}
	if ((np = prepare_peers(gw, nc)) == NULL) {
		pki_pem_free(&pem);
		conf_free(nc);
		log_warnx("reload refused: out of memory");
		snprintf(msg, msglen, "out of memory");
		metrics_reload(gw->metrics, false);
		return -1;
	}
	/* from here on, in one go: no event runs until it is done */
	drop_removed_peers(gw, nc, &n_removed_mits);
	drop_removed_upstreams(gw, nc);
	keep_restart_only(old, nc);
	gw->conf = nc;
	swap_peers(gw, np, &peers_added);
	swap_upstreams(gw, &ups_added);
	if (orch_reload(gw) == -1)
		log_warnx("reload: orchestrator members: out of memory");
	orch_member_reload(gw);
	conf_free(old);
	if (audit_reopen(gw) == -1)
		log_warnx("reload: cannot open the audit log %s",
		    gw->conf->audit_log ? gw->conf->audit_log : "");
	relay_reconsider(gw);
	if (pem.cert != NULL && server_set_credentials(gw->srv, &pem) == -1)
		log_warnx("reload: X.509 credentials unchanged");
	if (gw->srv != NULL) {
		server_notify_config(gw->srv);
		server_kick(gw->srv);
	}
	snprintf(msg, msglen, "reloaded %s: %zu peers (%zu added, %zu "
	    "removed), %zu upstreams (%zu added, %zu removed), %zu "
	    "mitigations of removed peers withdrawn", gw->conf->path,
	    gw->n_peers, peers_added, peers_before + peers_added -
	    gw->n_peers, gw->n_ups, ups_added, ups_before + ups_added -
	    gw->n_ups, n_removed_mits);
	log_info("%s", msg);
	metrics_reload(gw->metrics, true);
	return 0;
}
