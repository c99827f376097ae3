/*
 * The daemon's top-level context: the one place that owns mutable state.
 * Everything else receives a struct gw * and reaches what it needs from it.
 */
#ifndef DOTSGW_GW_H
#define DOTSGW_GW_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "policies/capacity.h"
#include "policies/rate.h"

struct conf;
struct server;
struct mit_table;
struct peer_rt;
struct upstream;
struct store;
struct gw_metrics;
struct admin;
struct audit;
struct mitigator;
struct orch;
struct durable;
struct upstream_events;
struct dc_table;
struct datachannel;
struct dc_up;
struct usage;
struct tm_table;
struct tm_relay;
struct tm_observe;
struct observe;
struct cluster;
struct heap_pages;

struct gw {
	struct event_base *base;
	struct conf	  *conf;	/* replaced whole by a reload
					   (reload.c): read it at use time;
					   only peer_rt->conf and
					   upstream->peer point into it, and
					   reload re-points them */
	struct server	  *srv;		/* downstream DOTS server side */
	struct mit_table  *mt;		/* accepted mitigations */
	struct peer_rt	 **peers;	/* runtime state, one per conf peer, at
					   its index; each allocated alone, so
					   a reload keeps holders' pointers */
	size_t		   n_peers;
	struct upstream	 **ups;		/* upstream side, one per upstream peer
					   (allocated alone, like peers) */
	size_t		   n_ups;
	const struct upstream_events *up_events; /* the wiring's (dotsgwd.c) */
	struct pol_usage   local_usage;	/* what local mitigations hold */
	struct pol_bucket  global_rate;	/* every downstream request */
	struct store	  *store;	/* state that survives restarts */
	struct event	  *store_flush;	/* commits the store's lazy writes */
	struct event	  *store_sync;	/* the group commit's fdatasync */
	struct event	  *store_sync_max; /* ... at the latest */
	struct event	  *store_undo;	/* a lost batch's undos (store.h) */
	struct durable	  *durable;	/* answers waiting for a sync */
	void		 (*store_synced)(void *, const char *error);
	void		  *store_synced_arg; /* persist_on_synced() */
	bool		   stopping;	/* shutting down: keep stored state */
	struct gw_metrics *metrics;	/* counters for /metrics */
	struct admin	  *admin;	/* control sockets, HTTP /metrics */
	struct audit	  *audit;	/* decisions, one JSON line each */
	uint64_t	   started_ms;	/* gw_now_ms() at start */
	struct heap_pages *heap_pages;	/* huge pages once the heap is large */
	struct mitigator  *mitig;	/* local mitigator back-end */
	struct orch	  *orch;	/* role orchestrator only, else NULL */
	struct dc_table	  *dc;		/* data channel clients, aliases */
	struct datachannel *datachannel; /* its HTTPS server, NULL = off */
	struct dc_up	  *dc_up;	/* data-channel client toward
					   upstreams (relay/dc_push.c) */
	struct usage	  *usage;	/* accounting for billing (usage.h) */
	struct event	  *usage_tick;	/* ... settled and written */
	struct tm_table	  *tm;		/* RFC 9244 telemetry (state/telemetry.h) */
	struct tm_relay	  *tm_relay;	/* ... relayed upstream (relay/tm_relay.h) */
	struct tm_observe *tm_observe;	/* ... observed (downstream/tm_observe.h) */
	struct observe	  *observe;	/* mitigations observed (downstream/observe.h) */
	struct cluster	  *cluster;	/* cluster: nodes on one database,
					   NULL = alone (gateway/state) */
};

/* Event priorities (event_base_priority_init(base, GW_PRIOS)): what can
 * wait for the loop to be idle runs last. Everything else has the
 * default, GW_PRIOS / 2. */
#define GW_PRIOS	3
#define GW_PRIO_IDLE	2

/* Milliseconds of CLOCK_MONOTONIC: timers and lifetimes never follow
 * wall-clock steps (libcoap's own clock is CLOCK_REALTIME). */
uint64_t gw_now_ms(void);

#endif
