/*
 * The table of accepted mitigations and their lifecycle (RFC 9132 §4.4).
 *
 * A DOTS client is the pair (authenticated peer, cuid); a cuid belongs to
 * one peer at a time (another peer using it gets a cuid collision), so the
 * table is keyed by cuid. Each mitigation has one libevent timer that moves
 * it along: lifetime expiry, the active-but-terminating period after a
 * DELETE, then removal a moment after status 6 was notified.
 *
 * Observable CoAP resources (the collection ".../cuid=X" and each item
 * ".../cuid=X/mid=N") exist exactly while there is something to observe;
 * deleting an item resource ends its observations with a 4.04.
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

struct mitigation;
TAILQ_HEAD(mitigation_list, mitigation);

struct mit_client {
	struct mit_table *mt;
	struct peer_rt	*peer;
	char		*cuid;
	struct mitigation_list mits;	/* ascending mid */
	coap_resource_t	*coll;		/* ".../mitigate/cuid=X" */
	coap_resource_t	*coll_cdid;	/* ".../mitigate/cdid=D/cuid=X" */
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
	coap_resource_t	*res;		/* ".../cuid=X/mid=N" */
	coap_resource_t	*res_cdid;	/* ".../cdid=D/cuid=X/mid=N": a
					   gateway observes the path form
					   it sent its PUT to */
	struct relay_state *relay;	/* relay.c: local and upstream */
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
void	mit_table_free(struct mit_table *);

struct mit_client *mit_client_find(struct mit_table *, const char *cuid);
/* Find or create the client; NULL on allocation failure. */
struct mit_client *mit_client_get(struct mit_table *, struct peer_rt *,
	    const char *cuid);
struct mitigation *mit_find(struct mit_client *, uint32_t mid);

/*
 * Accept a new mitigation: takes ownership of *scope (left zeroed), grants
 * lifetime, sets status (in-progress, or signal-loss for a preconfigured
 * request), creates its resources and notifies the collection. cdid is
 * kept only from a trusted gateway; path_cdid (may be "") is the cdid of
 * the request's Uri-Path, for resources under that path form too.
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
/* Back into the table after a restart, with its resources, as it was
 * (no notification, nothing stored again); takes *scope like mit_create. */
struct mitigation *mit_restore(struct mit_table *, struct mit_client *,
	    const struct mit_saved *, struct dots_scope *scope);
/* Same mid again: restart the lifetime (and leave terminating state),
 * and refresh it upstream. */
void	mit_refresh(struct mit_table *, struct mitigation *, int64_t lifetime);
/* Restart the lifetime only (an efficacy update relays itself). */
void	mit_set_lifetime(struct mitigation *, int64_t lifetime);
/* The client withdrew it: status 5 for active-but-terminating, then 6. */
void	mit_withdraw(struct mit_table *, struct mitigation *);
/* Gone now (replaced by a higher overlapping mid, or table teardown). */
void	mit_remove(struct mit_table *, struct mitigation *);
/* Terminated now and removed on the next loop turn (safe inside the
 * handler of its own resource). */
void	mit_end_now(struct mit_table *, struct mitigation *);
/* A preconfigured request (status 8) starts now: its session is lost. */
void	mit_activate(struct mit_table *, struct mitigation *);
/* Withdrawn by us (status 7, RFC 9132 §4.4.1): no active-but-terminating
 * period; shown for a moment, then removed. */
void	mit_server_withdraw(struct mit_table *, struct mitigation *);
struct gw *mit_gw(const struct mitigation *);
/* The status and counters a GET reports (local or folded from upstream). */
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
