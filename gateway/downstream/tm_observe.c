/*
 * The observable telemetry resources (tm_observe.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/downstream/server.h"
#include "gateway/downstream/tm_observe.h"
#include "gateway/state/telemetry.h"

#define TM_OBS_TICK_MS	1000

struct tm_res {
	TAILQ_ENTRY(tm_res) entry;
	char		 peer[129];
	char		 cuid[DOTS_ID_MAX + 1];
	bool		 item, dead;
	char		 path[320];
	coap_resource_t	*r;
	uint64_t	 last_ms;	/* last notification */
};

struct tm_observe {
	struct gw	*gw;
	TAILQ_HEAD(, tm_res) res;
	struct event	*tick, *reap, *restore;
};

static struct tm_res *
res_get(struct tm_observe *o, const char *peer, const char *cuid,
    const char *path, bool item)
{
	struct tm_res *x;

	TAILQ_FOREACH(x, &o->res, entry)
		if (strcmp(x->path, path) == 0 && strcmp(x->peer, peer) == 0) {
			x->dead = false;
			return x;
		}
	if (o->gw->srv == NULL || (x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	snprintf(x->peer, sizeof(x->peer), "%s", peer);
	snprintf(x->cuid, sizeof(x->cuid), "%s", cuid);
	snprintf(x->path, sizeof(x->path), "%s", path);
	x->item = item;
	if ((x->r = server_resource_new(o->gw->srv, path)) == NULL) {
		free(x);
		return NULL;
	}
	x->last_ms = gw_now_ms();
	TAILQ_INSERT_TAIL(&o->res, x, entry);
	return x;
}

static void
count_one(const struct tm_report_rec *rec, void *arg)
{
	(*(size_t *)arg)++;
}

static void
paths_of(const struct tm_report_rec *rec, char coll[300], char item[320])
{
	snprintf(coll, 300, ".well-known/dots/tm/cuid=%s", rec->cuid);
	snprintf(item, 320, "%s/tmid=%u", coll, rec->tmid);
}

void
tm_observe_on_report(const struct tm_report_rec *rec, void *arg)
{
	struct gw *gw = arg;
	struct tm_observe *o = gw->tm_observe;
	struct tm_res *x;
	struct timeval now = { 0, 0 };
	char coll[300], item[320];
	size_t left = 0;

	if (o == NULL)
		return;
	paths_of(rec, coll, item);
	if (rec->r != NULL) {
		if ((x = res_get(o, rec->peer, rec->cuid, item, true)) != NULL)
			server_resource_notify(gw->srv, x->r);
		if ((x = res_get(o, rec->peer, rec->cuid, coll, false)) != NULL)
			server_resource_notify(gw->srv, x->r);
		return;
	}
	tm_report_foreach(gw->tm, rec->peer, rec->cuid, count_one, &left);
	TAILQ_FOREACH(x, &o->res, entry) {
		if (strcmp(x->peer, rec->peer) != 0)
			continue;
		if (strcmp(x->path, item) == 0 ||
		    (left == 0 && strcmp(x->path, coll) == 0))
			x->dead = true;
		else if (strcmp(x->path, coll) == 0)
			server_resource_notify(gw->srv, x->r);
	}
	evtimer_add(o->reap, &now);
}

/* Deleting a resource ends its observations (4.04); outside any
 * request handler, so never the one libcoap is serving. */
static void
on_reap(evutil_socket_t fd, short ev, void *arg)
{
	struct tm_observe *o = arg;
	struct tm_res *x, *next;

	for (x = TAILQ_FIRST(&o->res); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (!x->dead)
			continue;
		TAILQ_REMOVE(&o->res, x, entry);
		if (o->gw->srv != NULL)
			server_resource_delete(o->gw->srv, x->r);
		free(x);
	}
	server_kick(o->gw->srv);
}

static void
restore_one(const struct tm_report_rec *rec, void *arg)
{
	struct tm_observe *o = arg;
	char coll[300], item[320];

	paths_of(rec, coll, item);
	(void)res_get(o, rec->peer, rec->cuid, item, true);
	(void)res_get(o, rec->peer, rec->cuid, coll, false);
}

/* The reports the store gave back are observable from the first loop
 * turn: the table is loaded before the server exists, and nobody
 * observes them yet, so there is nothing to notify. */
static void
on_restore(evutil_socket_t fd, short ev, void *arg)
{
	struct tm_observe *o = arg;

	if (o->gw->tm != NULL)
		tm_report_foreach(o->gw->tm, NULL, NULL, restore_one, o);
}

static void
on_tick(evutil_socket_t fd, short ev, void *arg)
{
	struct tm_observe *o = arg;
	struct timeval tv = { TM_OBS_TICK_MS / 1000, 0 };
	uint64_t now = gw_now_ms();
	struct tm_res *x;
	unsigned iv;
	bool any = false;

	TAILQ_FOREACH(x, &o->res, entry) {
		if (x->dead ||
		    (iv = tm_notify_interval(o->gw->tm, x->peer)) == 0 ||
		    now - x->last_ms < (uint64_t)iv * 1000)
			continue;
		x->last_ms = now;
		server_resource_notify(o->gw->srv, x->r);
		any = true;
	}
	if (any)
		server_kick(o->gw->srv);
	evtimer_add(o->tick, &tv);
}

struct tm_observe *
tm_observe_new(struct gw *gw)
{
	struct tm_observe *o;
	struct timeval tv = { TM_OBS_TICK_MS / 1000, 0 }, now = { 0, 0 };

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->gw = gw;
	TAILQ_INIT(&o->res);
	if ((o->tick = evtimer_new(gw->base, on_tick, o)) == NULL ||
	    (o->reap = evtimer_new(gw->base, on_reap, o)) == NULL ||
	    (o->restore = evtimer_new(gw->base, on_restore, o)) == NULL) {
		tm_observe_free(o);
		return NULL;
	}
	evtimer_add(o->tick, &tv);
	evtimer_add(o->restore, &now);
	return o;
}

/* The resources themselves go with the server's context. */
void
tm_observe_free(struct tm_observe *o)
{
	struct tm_res *x;

	if (o == NULL)
		return;
	if (o->tick != NULL)
		event_free(o->tick);
	if (o->reap != NULL)
		event_free(o->reap);
	if (o->restore != NULL)
		event_free(o->restore);
	while ((x = TAILQ_FIRST(&o->res)) != NULL) {
		TAILQ_REMOVE(&o->res, x, entry);
		free(x);
	}
	free(o);
}
