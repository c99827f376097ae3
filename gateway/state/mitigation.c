#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/mit_index.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"

#define MIT_HASH_SIZE	4096	/* power of two */
#define MIT_MID_HASH_SIZE 65536	/* (client, mid) -> mitigation; power of two */
#define MIT_GRACE_MS	2000	/* status 6 stays visible this long */

struct mit_table {
	struct gw	  *gw;
	struct mit_client *hash[MIT_HASH_SIZE];
	/* mit_find() without walking a client's list: a gateway peer sends
	 * everything it relays under one cuid */
	struct mitigation *mid_hash[MIT_MID_HASH_SIZE];
	struct mit_index  *ix;		/* by target, for overlap checks */
	size_t		   n_clients;
	struct event	  *tick;	/* periodic notifications */
	struct event	  *flush;	/* coalesced notifications */
	struct mitigation_list dirty;
	struct event	  *repeat;	/* change notifications again */
	struct mitigation_list repeating;
	struct mit_events  subs[MIT_MAX_SUBSCRIBERS];
	size_t		   n_subs;
};

static void mit_timer_cb(evutil_socket_t, short, void *);

/* Call hook of every subscriber that has it: in subscription order
 * (EMIT), or the reverse (EMIT_REVERSE, for teardown); see mitigation.h. */
#define EMIT(mt, hook, ...) do {					\
	for (size_t e_ = 0; e_ < (mt)->n_subs; e_++)			\
		if ((mt)->subs[e_].hook != NULL)			\
			(mt)->subs[e_].hook(__VA_ARGS__,		\
			    (mt)->subs[e_].arg);			\
} while (0)
#define EMIT_REVERSE(mt, hook, ...) do {				\
	for (size_t e_ = (mt)->n_subs; e_-- > 0; )			\
		if ((mt)->subs[e_].hook != NULL)			\
			(mt)->subs[e_].hook(__VA_ARGS__,		\
			    (mt)->subs[e_].arg);			\
} while (0)

int
mit_subscribe(struct mit_table *mt, const struct mit_events *ev)
{
	if (mt->n_subs == MIT_MAX_SUBSCRIBERS)
		return -1;
	mt->subs[mt->n_subs++] = *ev;
	return 0;
}

static void
notify_client(struct mit_table *mt, struct mit_client *c)
{
	EMIT(mt, client_changed, c);
}

static void
notify_item(struct mit_table *mt, struct mitigation *m)
{
	EMIT(mt, changed, m);
}

static unsigned
cuid_hash(const char *s)
{
	unsigned h = 5381;

	while (*s != '\0')
		h = h * 33 + (unsigned char)*s++;
	return h & (MIT_HASH_SIZE - 1);
}

/*
 * RFC 9132 §4.4.2.1: besides each change, observers get the state again
 * periodically while mitigating, since notifications are NON and an
 * attacked link loses some. Max-Age on them says when the next one is due.
 */
static void
mit_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mit_table *mt = arg;

	for (size_t i = 0; i < MIT_HASH_SIZE; i++)
		for (struct mit_client *c = mt->hash[i]; c; c = c->hnext) {
			struct mitigation *m;

			TAILQ_FOREACH(m, &c->mits, entry)
				notify_item(mt, m);
			notify_client(mt, c);
		}
}

static void
mit_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mit_table *mt = arg;
	struct mitigation *m;

	struct timeval tv = { MIT_REPEAT_MS / 1000, MIT_REPEAT_MS % 1000 * 1000 };

	while ((m = TAILQ_FIRST(&mt->dirty)) != NULL) {
		TAILQ_REMOVE(&mt->dirty, m, dirty_entry);
		m->dirty = false;
		notify_item(mt, m);
		notify_client(mt, m->client);
		if (m->repeats == 0)
			TAILQ_INSERT_TAIL(&mt->repeating, m, repeat_entry);
		m->repeats = MIT_REPEATS;
	}
	if (!TAILQ_EMPTY(&mt->repeating) &&
	    !evtimer_pending(mt->repeat, NULL))
		evtimer_add(mt->repeat, &tv);
}

/*
 * Notifications are NON (RFC 9132 §4.4.2.1) and a lost one would leave
 * the observer with an old status until the next periodic one: a change
 * is sent again MIT_REPEATS times, MIT_REPEAT_MS apart.
 */
static void
mit_repeat_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mit_table *mt = arg;
	struct mitigation *m, *next;
	struct timeval tv = { MIT_REPEAT_MS / 1000, MIT_REPEAT_MS % 1000 * 1000 };

	for (m = TAILQ_FIRST(&mt->repeating); m != NULL; m = next) {
		next = TAILQ_NEXT(m, repeat_entry);
		notify_item(mt, m);
		notify_client(mt, m->client);
		if (--m->repeats == 0)
			TAILQ_REMOVE(&mt->repeating, m, repeat_entry);
	}
	if (!TAILQ_EMPTY(&mt->repeating))
		evtimer_add(mt->repeat, &tv);
}

struct mit_table *
mit_table_new(struct gw *gw)
{
	struct mit_table *mt;
	struct timeval tv = { MIT_NOTIFY_INTERVAL, 0 };

	if ((mt = calloc(1, sizeof(*mt))) == NULL)
		return NULL;
	mt->gw = gw;
	TAILQ_INIT(&mt->dirty);
	TAILQ_INIT(&mt->repeating);
	mt->tick = event_new(gw->base, -1, EV_PERSIST, mit_tick_cb, mt);
	mt->flush = evtimer_new(gw->base, mit_flush_cb, mt);
	mt->ix = mit_index_new();
	mt->repeat = evtimer_new(gw->base, mit_repeat_cb, mt);
	if (mt->tick == NULL || mt->flush == NULL || mt->ix == NULL ||
	    mt->repeat == NULL ||
	    event_add(mt->tick, &tv) == -1) {
		if (mt->tick != NULL)
			event_free(mt->tick);
		if (mt->flush != NULL)
			event_free(mt->flush);
		mit_index_free(mt->ix);
		if (mt->repeat != NULL)
			event_free(mt->repeat);
		free(mt);
		return NULL;
	}
	return mt;
}

struct mit_client *
mit_client_find(struct mit_table *mt, const char *cuid)
{
	struct mit_client *c;

	for (c = mt->hash[cuid_hash(cuid)]; c != NULL; c = c->hnext)
		if (strcmp(c->cuid, cuid) == 0)
			return c;
	return NULL;
}

struct mit_client *
mit_client_get(struct mit_table *mt, struct peer_rt *peer, const char *cuid)
{
	struct mit_client *c;
	unsigned h;

	if ((c = mit_client_find(mt, cuid)) != NULL)
		return c;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->cuid = strdup(cuid)) == NULL) {
		free(c);
		return NULL;
	}
	c->mt = mt;
	c->peer = peer;
	TAILQ_INIT(&c->mits);
	h = cuid_hash(cuid);
	c->hnext = mt->hash[h];
	mt->hash[h] = c;
	mt->n_clients++;
	peer->n_clients++;
	EMIT(mt, client_created, c);
	return c;
}

static void
client_free(struct mit_table *mt, struct mit_client *c)
{
	struct mit_client **pp;

	for (pp = &mt->hash[cuid_hash(c->cuid)]; *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			break;
		}
	mt->n_clients--;
	c->peer->n_clients--;
	EMIT_REVERSE(mt, client_ended, c);
	free(c->cuid);
	free(c);
}

static struct mitigation **
mid_bucket(struct mit_client *c, uint32_t mid)
{
	uint64_t h = ((uint64_t)(uintptr_t)c >> 4) * 0x9e3779b97f4a7c15ull ^
	    (uint64_t)mid * 0xff51afd7ed558ccdull;

	return &c->mt->mid_hash[(h >> 32) & (MIT_MID_HASH_SIZE - 1)];
}

struct mitigation *
mit_find(struct mit_client *c, uint32_t mid)
{
	struct mitigation *m;

	for (m = *mid_bucket(c, mid); m != NULL; m = m->hnext)
		if (m->client == c && m->mid == mid)
			return m;
	return NULL;
}

static void
mid_unlink(struct mitigation *m)
{
	struct mitigation **pp;

	for (pp = mid_bucket(m->client, m->mid); *pp != NULL;
	    pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			return;
		}
}

bool
mit_is_active(const struct mitigation *m)
{
	return m->status != DOTS_STATUS_CLIENT_WITHDRAWN &&
	    m->status != DOTS_STATUS_TERMINATED &&
	    m->status != DOTS_STATUS_WITHDRAWN;
}

int64_t
mit_lifetime_left(const struct mitigation *m)
{
	uint64_t now = gw_now_ms();

	if (m->expires_ms == 0)
		return -1;
	if (m->expires_ms <= now)
		return 0;
	return (int64_t)((m->expires_ms - now + 999) / 1000);
}

static void
timer_in(struct mitigation *m, uint64_t ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000 };

	evtimer_add(m->timer, &tv);
}

void
mit_set_lifetime(struct mitigation *m, int64_t lifetime)
{
	m->lifetime = lifetime;
	if (lifetime < 0) {
		m->expires_ms = 0;
		evtimer_del(m->timer);
		return;
	}
	m->expires_ms = gw_now_ms() + (uint64_t)lifetime * 1000;
	timer_in(m, (uint64_t)lifetime * 1000);
}

int
mit_opt_set(struct mitigation *m, const struct dots_opt *o)
{
	m->declared_ok = false;
	return dots_optv_set(&m->scope.opt, o);
}

void
mit_changed(struct mit_table *mt, struct mitigation *m)
{
	struct timeval tv = { 0, MIT_COALESCE_MS * 1000 };

	if (m->dirty)
		return;
	m->dirty = true;
	if (TAILQ_EMPTY(&mt->dirty))
		evtimer_add(mt->flush, &tv);
	TAILQ_INSERT_TAIL(&mt->dirty, m, dirty_entry);
}

/* The status moves the peer's active count (it selects mitigating-config)
 * and the client's. */
static void
set_status(struct mitigation *m, uint32_t status)
{
	bool was = mit_is_active(m);

	m->status = status;
	if (was && !mit_is_active(m)) {
		m->client->peer->active--;
		m->client->active--;
	} else if (!was && mit_is_active(m)) {
		m->client->peer->active++;
		m->client->active++;
	}
}

/* A preconfigured request waits for signal loss (RFC 9132 §4.4.1). */
static uint32_t
initial_status(const struct mitigation *m)
{
	if ((m->scope.present & DOTS_SCOPE_TRIGGER) &&
	    !m->scope.trigger_mitigation)
		return DOTS_STATUS_SIGNAL_LOSS;
	return DOTS_STATUS_IN_PROGRESS;
}

static void
log_action(const char *what, const struct mitigation *m)
{
	char pfx[PREFIX_STRLEN];
	const struct dots_scope *s = &m->scope;

	log_info("%s: peer %s cuid %s mid %u: %zu prefix(es)%s%s, "
	    "%zu port range(s), %zu protocol(s), lifetime %lld, status %s",
	    what, m->client->peer->conf->name, m->client->cuid, m->mid,
	    s->n_target_prefix, s->n_target_prefix ? " first " : "",
	    s->n_target_prefix ? prefix_format(&s->target_prefix[0], pfx,
	    sizeof(pfx)) : "", s->n_target_port_range, s->n_target_protocol,
	    (long long)m->lifetime, dots_status_name(m->status));
}

/* Allocated and in c's list; no status yet. */
static struct mitigation *
mit_new(struct mit_table *mt, struct mit_client *c, uint32_t mid,
    const char *cdid, const char *path_cdid, struct dots_scope *scope)
{
	struct mitigation *m, *before;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((cdid != NULL && (m->cdid = strdup(cdid)) == NULL) ||
	    (path_cdid != NULL && path_cdid[0] != '\0' &&
	    (m->path_cdid = strdup(path_cdid)) == NULL)) {
		free(m->cdid);
		free(m);
		return NULL;
	}
	m->timer = evtimer_new(mt->gw->base, mit_timer_cb, m);
	if (m->timer == NULL) {
		free(m->cdid);
		free(m->path_cdid);
		free(m);
		return NULL;
	}
	m->client = c;
	m->mid = mid;
	m->scope = *scope;
	memset(scope, 0, sizeof(*scope));
	if (mit_index_add(mt->ix, m) == -1) {
		dots_scope_free(&m->scope);
		event_free(m->timer);
		free(m->cdid);
		free(m->path_cdid);
		free(m);
		return NULL;
	}
	m->status = DOTS_STATUS_TERMINATED;	/* not counted yet */

	/* from the tail: new mids are usually the highest */
	TAILQ_FOREACH_REVERSE(before, &c->mits, mitigation_list, entry)
		if (before->mid < mid)
			break;
	if (before != NULL)
		TAILQ_INSERT_AFTER(&c->mits, before, m, entry);
	else
		TAILQ_INSERT_HEAD(&c->mits, m, entry);
	m->hnext = *mid_bucket(c, mid);
	*mid_bucket(c, mid) = m;
	return m;
}

struct mitigation *
mit_create(struct mit_table *mt, struct mit_client *c, uint32_t mid,
    const char *cdid, const char *path_cdid, struct dots_scope *scope,
    int64_t lifetime)
{
	struct mitigation *m;

	if ((m = mit_new(mt, c, mid, cdid, path_cdid, scope)) == NULL)
		return NULL;
	m->start = (uint64_t)time(NULL);
	set_status(m, initial_status(m));
	mit_set_lifetime(m, lifetime);
	log_action("accepted", m);
	EMIT(mt, created, m);
	notify_client(mt, c);
	return m;
}

struct mitigation *
mit_restore(struct mit_table *mt, struct mit_client *c,
    const struct mit_saved *sv, struct dots_scope *scope)
{
	struct mitigation *m;

	if ((m = mit_new(mt, c, sv->mid, sv->cdid, sv->path_cdid,
	    scope)) == NULL)
		return NULL;
	m->start = sv->start;
	m->attack_status = sv->attack_status;
	set_status(m, sv->status);
	m->lifetime = sv->lifetime;
	if (sv->left >= 0) {
		m->expires_ms = gw_now_ms() + (uint64_t)sv->left * 1000;
		timer_in(m, (uint64_t)sv->left * 1000);
	}
	EMIT(mt, restored, m);
	return m;
}

void
mit_refresh(struct mit_table *mt, struct mitigation *m, int64_t lifetime)
{
	if (!mit_is_active(m)) {
		set_status(m, initial_status(m));
		log_action("re-requested during termination", m);
	}
	mit_set_lifetime(m, lifetime);
	EMIT(mt, refreshed, m);
	mit_changed(mt, m);
}

void
mit_withdraw(struct mit_table *mt, struct mitigation *m)
{
	uint32_t abt = mt->gw->conf->active_but_terminating;

	if (!mit_is_active(m))
		return;
	/* Only a mitigation that is actually running keeps going for the
	 * active-but-terminating period; a preconfigured one just ends. */
	if (abt > 0 && m->status != DOTS_STATUS_SIGNAL_LOSS) {
		set_status(m, DOTS_STATUS_CLIENT_WITHDRAWN);
		m->expires_ms = gw_now_ms() + (uint64_t)abt * 1000;
		m->lifetime = abt;
		timer_in(m, (uint64_t)abt * 1000);
	} else {
		set_status(m, DOTS_STATUS_TERMINATED);
		m->expires_ms = gw_now_ms();
		timer_in(m, MIT_GRACE_MS);
	}
	log_action("withdrawn by client", m);
	EMIT(mt, ending, m, MIT_END_CLIENT);
	mit_changed(mt, m);
}

void
mit_remove(struct mit_table *mt, struct mitigation *m)
{
	struct mit_client *c = m->client;

	set_status(m, DOTS_STATUS_TERMINATED);
	EMIT_REVERSE(mt, ended, m);
	if (m->dirty)
		TAILQ_REMOVE(&mt->dirty, m, dirty_entry);
	if (m->repeats > 0)
		TAILQ_REMOVE(&mt->repeating, m, repeat_entry);
	TAILQ_REMOVE(&c->mits, m, entry);
	mid_unlink(m);
	mit_index_del(mt->ix, m);
	event_free(m->timer);
	dots_scope_free(&m->scope);
	free(m->cdid);
	free(m->path_cdid);
	free(m);
	if (TAILQ_EMPTY(&c->mits))
		client_free(mt, c);
	else
		notify_client(mt, c);
}

/*
 * The one timer of a mitigation: lifetime expiry or the end of the
 * active-but-terminating period show status 6 for a grace period so that
 * observers see it; the next firing removes it.
 */
static void
mit_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mitigation *m = arg;
	struct mit_table *mt = m->client->mt;
	enum mit_end why;

	if (m->status == DOTS_STATUS_TERMINATED ||
	    m->status == DOTS_STATUS_WITHDRAWN) {
		mit_remove(mt, m);
		return;
	}
	why = m->status == DOTS_STATUS_CLIENT_WITHDRAWN ? MIT_END_TERMINATED :
	    MIT_END_EXPIRED;
	log_action(why == MIT_END_TERMINATED ?
	    "terminated after active-but-terminating period" :
	    "lifetime expired", m);
	set_status(m, DOTS_STATUS_TERMINATED);
	EMIT(mt, ending, m, why);
	m->expires_ms = gw_now_ms();
	timer_in(m, MIT_GRACE_MS);
	mit_changed(mt, m);
}

void
mit_end_now(struct mit_table *mt, struct mitigation *m)
{
	set_status(m, DOTS_STATUS_TERMINATED);
	EMIT(mt, ending, m, MIT_END_NOW);
	m->expires_ms = gw_now_ms();
	timer_in(m, 0);
}

void
mit_activate(struct mit_table *mt, struct mitigation *m)
{
	if (m->status != DOTS_STATUS_SIGNAL_LOSS)
		return;
	set_status(m, DOTS_STATUS_IN_PROGRESS);
	log_action("activated on signal loss", m);
	EMIT(mt, activated, m);
	mit_changed(mt, m);
}

void
mit_server_withdraw(struct mit_table *mt, struct mitigation *m)
{
	if (!mit_is_active(m))
		return;
	set_status(m, DOTS_STATUS_WITHDRAWN);
	log_action("withdrawn by the server", m);
	EMIT(mt, ending, m, MIT_END_SERVER);
	m->expires_ms = gw_now_ms();
	timer_in(m, MIT_GRACE_MS);
	mit_changed(mt, m);
}

struct gw *
mit_gw(const struct mitigation *m)
{
	return m->client->mt->gw;
}

uint32_t
mit_report(const struct mitigation *m, uint64_t ctr[4])
{
	const struct mit_table *mt = m->client->mt;

	for (size_t i = 0; i < mt->n_subs; i++)
		if (mt->subs[i].report_status != NULL)
			return mt->subs[i].report_status(m, ctr,
			    mt->subs[i].arg);
	if (ctr != NULL) {
		ctr[0] = m->bytes_dropped;
		ctr[1] = m->pkts_dropped;
		ctr[2] = m->bps_dropped;
		ctr[3] = m->pps_dropped;
	}
	return m->status;
}

uint32_t
mit_report_status(const struct mitigation *m)
{
	return mit_report(m, NULL);
}

int
mit_near(struct mit_table *mt, const struct dots_scope *s,
    struct mitigation ***v, size_t *n)
{
	return mit_index_near(mt->ix, s, v, n);
}

int
mit_foreach(struct mit_table *mt, int (*fn)(struct mitigation *, void *),
    void *arg)
{
	for (size_t i = 0; i < MIT_HASH_SIZE; i++) {
		struct mit_client *c, *cn;

		for (c = mt->hash[i]; c != NULL; c = cn) {
			struct mitigation *m, *mn;
			int r;

			cn = c->hnext;
			for (m = TAILQ_FIRST(&c->mits); m != NULL; m = mn) {
				mn = TAILQ_NEXT(m, entry);
				if ((r = fn(m, arg)) != 0)
					return r;
			}
		}
	}
	return 0;
}

static int
remove_one(struct mitigation *m, void *arg)
{
	mit_remove(arg, m);
	return 0;
}

void
mit_table_free(struct mit_table *mt)
{
	if (mt == NULL)
		return;
	mit_foreach(mt, remove_one, mt);
	mit_index_free(mt->ix);
	event_free(mt->tick);
	event_free(mt->flush);
	event_free(mt->repeat);
	free(mt);
}
