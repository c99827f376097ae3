/*
 * Several dotsgwd nodes on one PostgreSQL database ("cluster: {name,
 * node-id, lease-time}"): any node serves any peer.
 *
 * The database decides: every write transaction takes the cluster lock
 * and first applies what the other nodes committed (store_pg_cluster.h's
 * mit_change), so the checks a request makes in memory (quota, overlap
 * and 4.09 conflicts across peers, cuid collisions, upstream mids) see
 * every node's commits. Between requests the node learns the others'
 * changes from LISTEN/NOTIFY (the listening socket is a libevent read
 * event; a burst makes one catch-up CLUSTER_COALESCE_MS later) and, as
 * the bound when a notification is lost, a poll every CLUSTER_POLL_MS
 * (1 s): observers of a mitigation changed through another
 * node are notified.
 *
 * A mitigation is relayed upstream by the node that accepted it (its
 * owner in the database); the others hold it without relay state.
 *
 * Leases: each node renews its row in node_lease every lease-time / 3
 * (a libevent timer; expiry by the server's clock). A node whose renewals
 * have succeeded for a whole lease-time (so not one just back from an
 * outage, which every live node is too) takes over every node whose
 * lease expired: in one transaction under the cluster lock it deletes
 * that lease and becomes the owner of its mitigations; once committed it
 * adopts them (the relay's state, local rules, stored placements) and
 * resynchronises with their upstreams as after a restart. A node that
 * finds its lease gone lets go of what it relayed (placements stay: the
 * new owner's) and joins again with a new lease.
 */
#ifndef DOTSGW_CLUSTER_H
#define DOTSGW_CLUSTER_H

#include <stdbool.h>
#include <stdint.h>

struct gw;
struct mitigation;
struct store_mit;
struct store_pl;

#define CLUSTER_POLL_MS		1000
#define CLUSTER_COALESCE_MS	10	/* notifications, one catch-up */
#define CLUSTER_PRUNE_S		600	/* mit_change rows kept this long */

struct cluster_hooks {
	/* an upstream's next mid as the database has it: raise ours */
	void	(*next_mid)(struct gw *, const char *upstream, uint32_t next);
	/* m is this node's to relay now: its row and stored placements */
	int	(*adopt)(struct gw *, struct mitigation *,
		    const struct store_mit *, const struct store_pl *, size_t);
	/* this node's lease is gone: stop relaying m, withdraw nothing */
	void	(*release)(struct gw *, struct mitigation *);
};

/* No cluster configured: 0, nothing done. Else join it (gw->cluster):
 * 0, or -1 logged (the node must not start). */
int	cluster_open(struct gw *, const struct cluster_hooks *);
void	cluster_close(struct gw *);
/* A stored mitigation: this node's to relay (its owner, or no cluster)? */
bool	cluster_owns(struct gw *, const char *cuid, uint32_t mid);
/* The upstream's umid is a placement of a mitigation another node owns
 * (a resynchronisation leaves it alone). Read under the cluster lock, so
 * a placement being created elsewhere is seen committed; unreadable:
 * true (left alone until the next resynchronisation). No cluster: false. */
bool	cluster_placed_elsewhere(struct gw *, const char *upstream,
	    uint32_t umid);
/*
 * Fencing: true once this node renewed no lease for lease-time by its own
 * monotonic clock (its loop stalled, or the renewals failed): it may have
 * been taken over, so it must not act as an owner upstream (no placement
 * refresh or withdrawal; its local rules are on its own speaker) until a
 * renewal succeeds or finds the lease gone (it lets go). Another node
 * takes over only CLUSTER_FENCE_MARGIN(lease-time) s after the expiry, by
 * the server's clock. No cluster: false.
 */
#define CLUSTER_FENCE_MARGIN(lt)	((lt) / 4 > 1 ? (lt) / 4 : 1)
bool	cluster_fenced(struct gw *);
/* Seconds a node's leases last (the configuration's lease-time). */
uint32_t cluster_lease_time(const struct gw *);

#endif
