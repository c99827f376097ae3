/*
 * The table of accepted mitigations and their lifecycle (RFC 9132 §4.4).
 *
 * A DOTS client is the pair (authenticated peer, cuid); a cuid belongs to
 * one peer at a time (another peer using it gets a cuid collision), so the
 * table is keyed by cuid. Each mitigation has one libevent timer that moves
 * it along: lifetime expiry, the active-but-terminating period after a
 * DELETE, then removal a moment after status 6 was notified.
 *
 * The table calls nothing above it: what else happens to a mitigation
 * (the relay, its observable CoAP resources, the state store, the audit
 * log) happens in subscribers of its events (struct mit_events below),
 * registered by the wiring (gateway/dotsgwd.c).
 */
#ifndef DOTSGW_MITIGATION_H
#define DOTSGW_MITIGATION_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "common/dots_msg.h"

struct gw;
struct peer_rt;
struct relay_state;
struct mit_ix;
struct obs_set;

struct mitigation;
TAILQ_HEAD(mitigation_list, mitigation);

struct mit_client {
	struct mit_table *mt;
	struct peer_rt	*peer;
	char		*cuid;
	struct mitigation_list mits;	/* ascending mid */
	size_t		 active;	/* of mits, mit_is_active() */
	/* the resources subscriber's (gateway/downstream/observe.h) */
	struct obs_set	*obs;		/* observers of ".../cuid=X" */
	struct mit_client *hnext;
};

struct mitigation {
	TAILQ_ENTRY(mitigation) entry;
	struct mit_client *client;
	uint32_t	 mid;
	char		*cdid;		/* only from a trusted gateway */
	char		*path_cdid;	/* of the Uri-Path it came to, or NULL */
	struct dots_scope scope;	/* the request as accepted */
	int64_t		 lifetime;	/* granted; -1 indefinite */
	uint64_t	 expires_ms;	/* gw_now_ms() deadline; 0 = never */
	uint64_t	 start;		/* mitigation-start, Unix seconds */
	uint32_t	 status;
	uint32_t	 attack_status;	/* last efficacy update, 0 = none */
	uint64_t	 bytes_dropped, pkts_dropped, bps_dropped, pps_dropped;
	struct event	*timer;
	/* the resources subscriber's (gateway/downstream/observe.h) */
	struct obs_set	*obs;		/* observers of ".../cuid=X/mid=N" */
	struct relay_state *relay;	/* relay.c: local and upstream */
	/* the usage subscriber's (usage_events.c): the rates scope.opt
	 * declares, decoded once per change of it (mit_opt_set) */
	bool		 declared_ok;
	uint64_t	 declared[4];	/* attack bps, pps; normal bps, pps */
	bool		 dirty;		/* a notification is due */
	TAILQ_ENTRY(mitigation) dirty_entry;
	struct mitigation *hnext;	/* (client, mid) hash chain */
	struct mit_ix	*ix;		/* mit_index.c: filed by target */
	uint8_t		 repeats;	/* change notifications still to
					   repeat (they are NON) */
	TAILQ_ENTRY(mitigation) repeat_entry;
};

struct mit_table;

#define MIT_NOTIFY_INTERVAL	60	/* seconds between periodic notifications */
#define MIT_COALESCE_MS		100
#define MIT_REPEATS		2	/* a change is notified again twice, */
#define MIT_REPEAT_MS		2000	/* this far apart (lossy links) */

struct mit_table *mit_table_new(struct gw *);
/* Sets an option of m's scope (dots_optv_set): the one way to change
 * scope.opt after acceptance, so that what is decoded from it is again. */
int	mit_opt_set(struct mitigation *, const struct dots_opt *);
/* Every mitigation is removed (mit_remove: the subscribers see each end). */
void	mit_table_free(struct mit_table *);

/* Why a mitigation is ending (mit_events.ending). */
enum mit_end {
	MIT_END_CLIENT,		/* DELETE: status 5, or 6 when nothing runs */
	MIT_END_EXPIRED,	/* its lifetime ran out: 6 */
	MIT_END_TERMINATED,	/* the active-but-terminating period is over */
	MIT_END_SERVER,		/* withdrawn by us: 7 */
	MIT_END_NOW,		/* mit_end_now: 6, removed on the next turn */
};

/*
 * What happens to the table's mitigations, for the layers above it (the
 * relay, the downstream resources, persist, audit). Any hook may be NULL.
 * A hook is called after the table changed m's status, lifetime and
 * timer, except where said.
 *
 * Order: the subscribers of an event are called in the order they
 * subscribed, except ended and client_ended, called in the reverse order
 * (teardown: the first to subscribe lets go last). The wiring subscribes
 * the resources, audit, the relay, then persist, which gives today's
 * order: a withdrawal is audited before the relay withdraws it and stored
 * after; a refresh or activation is relayed, then stored; a removal is
 * stored (deleted), then the relay frees its part, then the resources go.
 */
struct mit_events {
	/* A client (cuid) is new in the table / is about to be freed, its
	 * last mitigation gone. */
	void	(*client_created)(struct mit_client *, void *arg);
	void	(*client_ended)(struct mit_client *, void *arg);
	/* Accepted (mit_create; the collection is notified after). */
	void	(*created)(struct mitigation *, void *arg);
	/* Back from the state store (mit_restore): nothing to store or
	 * notify. */
	void	(*restored)(struct mitigation *, void *arg);
	/* The same mid again: its lifetime restarted (mit_refresh). */
	void	(*refreshed)(struct mitigation *, void *arg);
	/* It stops mitigating (status 5, 6 or 7 just set); why. */
	void	(*ending)(struct mitigation *, enum mit_end, void *arg);
	/* A preconfigured request went active (signal loss). */
	void	(*activated)(struct mitigation *, void *arg);
	/* About to be freed (status 6), still in the table. */
	void	(*ended)(struct mitigation *, void *arg);
	/* Observers are due a notification of m, or of the client's
	 * collection: a change (coalesced, then repeated: MIT_COALESCE_MS,
	 * MIT_REPEATS), the periodic one, a member added or removed. */
	void	(*changed)(struct mitigation *, void *arg);
	void	(*client_changed)(struct mit_client *, void *arg);
	/* The status a GET reports and, when ctr is not NULL, the drop
	 * counters (bytes, packets, bps, pps): local, or folded from the
	 * upstreams. The first subscriber that has it answers. */
	uint32_t (*report_status)(const struct mitigation *, uint64_t ctr[4],
		    void *arg);
	void	*arg;
};

#define MIT_MAX_SUBSCRIBERS	8

/* Add a subscriber (copied): 0, or -1 when there are MIT_MAX_SUBSCRIBERS. */
int	mit_subscribe(struct mit_table *, const struct mit_events *);

struct mit_client *mit_client_find(struct mit_table *, const char *cuid);
/* Find or create the client; NULL on allocation failure. */
struct mit_client *mit_client_get(struct mit_table *, struct peer_rt *,
	    const char *cuid);
struct mitigation *mit_find(struct mit_client *, uint32_t mid);

/*
 * Accept a new mitigation: takes ownership of *scope (left zeroed), grants
 * lifetime, sets status (in-progress, or signal-loss for a preconfigured
 * request); created, then client_changed. cdid is kept only from a
 * trusted gateway; path_cdid (may be "") is the cdid of the request's
 * Uri-Path, for resources under that path form too.
 */
struct mitigation *mit_create(struct mit_table *, struct mit_client *,
	    uint32_t mid, const char *cdid, const char *path_cdid,
	    struct dots_scope *scope, int64_t lifetime);
/* A mitigation as the state store kept it (gateway/persist.c). */
struct mit_saved {
	uint32_t	 mid;
	const char	*cdid;		/* NULL = none */
	const char	*path_cdid;	/* "" = none */
	int64_t		 lifetime;	/* granted; -1 indefinite */
	int64_t		 left;		/* seconds still to run; -1 never */
	uint64_t	 start;
	uint32_t	 status;
	uint32_t	 attack_status;
};
/* Back into the table after a restart, as it was (restored: no
 * notification, nothing stored again); takes *scope like mit_create. */
struct mitigation *mit_restore(struct mit_table *, struct mit_client *,
	    const struct mit_saved *, struct dots_scope *scope);
/* Same mid again: restart the lifetime (and leave terminating state);
 * refreshed. */
void	mit_refresh(struct mit_table *, struct mitigation *, int64_t lifetime);
/* Restart the lifetime only (an efficacy update relays itself). */
void	mit_set_lifetime(struct mitigation *, int64_t lifetime);
/* The client withdrew it: status 5 for active-but-terminating, then 6
 * (ending MIT_END_CLIENT, then MIT_END_TERMINATED). */
void	mit_withdraw(struct mit_table *, struct mitigation *);
/* Gone now (replaced by a higher overlapping mid, or table teardown):
 * ended, then client_changed, or client_ended with its last one. */
void	mit_remove(struct mit_table *, struct mitigation *);
/* Terminated now (ending MIT_END_NOW) and removed on the next loop turn
 * (safe inside the handler of its own resource). */
void	mit_end_now(struct mit_table *, struct mitigation *);
/* A preconfigured request (status 8) starts now: its session is lost
 * (activated). */
void	mit_activate(struct mit_table *, struct mitigation *);
/* Withdrawn by us (status 7, RFC 9132 §4.4.1): no active-but-terminating
 * period; shown for a moment, then removed (ending MIT_END_SERVER). */
void	mit_server_withdraw(struct mit_table *, struct mitigation *);
struct gw *mit_gw(const struct mitigation *);
/* The status and counters (ctr may be NULL) a GET reports, local or
 * folded from upstream: the report_status subscriber's, else m's own. */
uint32_t mit_report(const struct mitigation *, uint64_t ctr[4]);
uint32_t mit_report_status(const struct mitigation *);
/* Something a notification shows changed (status, counters, efficacy).
 * Changes within MIT_COALESCE_MS make one notification. */
void	mit_changed(struct mit_table *, struct mitigation *);

/* Still mitigating or about to (not 5, 6 or 7): counts for overlap. */
bool	mit_is_active(const struct mitigation *);
/* Seconds left, as GET reports it; -1 indefinite. */
int64_t	mit_lifetime_left(const struct mitigation *);

/* The mitigations (any peer, any state) whose targets may overlap s: see
 * mit_index_near() in mit_index.h for the three results. */
int	mit_near(struct mit_table *, const struct dots_scope *s,
	    struct mitigation ***v, size_t *n);

/* Iterate every mitigation (any peer); stop early when fn returns != 0. */
int	mit_foreach(struct mit_table *,
	    int (*fn)(struct mitigation *, void *), void *arg);

#endif
