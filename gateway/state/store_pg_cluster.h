/*
 * The cluster's half of the PostgreSQL store (store_pg_cluster.c): what
 * several dotsgwd nodes on one database share beyond store.h's tables.
 *
 * - mitigation.owner: the node that accepted it (a BEFORE INSERT trigger
 *   fills it from the transaction's dotsgw.node; an update keeps it). Its
 *   owner relays it; the others hold it for their peers to read, observe,
 *   refresh and withdraw.
 * - mit_change(seq, node, cuid, mid): one row per changed mitigation row,
 *   written by a trigger in the same transaction, with
 *   NOTIFY dotsgw_mit 'node cuid/mid' (delivered on commit only).
 * - The cluster lock: every write transaction of every node takes
 *   pg_advisory_xact_lock(cluster) first, so writes commit in seq order
 *   and a node that caught up with mit_change under the lock decides
 *   (quota, overlap, cuid collision, mids) against every commit.
 * - A second connection per node LISTENs and holds a session advisory
 *   lock on the node-id: a second node with the same id is refused.
 */
#ifndef DOTSGW_STORE_PG_CLUSTER_H
#define DOTSGW_STORE_PG_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;
struct store_mit;
struct store_pl;
struct pgc;

/* The cluster's objects are schema version 2 (store_pg.c's migrations,
 * made by store_open_pg): check that the database is this cluster's, take node's lock, LISTEN. NULL
 * with err. */
struct pgc *pgc_open(struct store *, const char *conninfo,
	    const char *cluster, const char *node, char *err, size_t errlen);
void	pgc_close(struct pgc *);

/* The listening socket (watch it for reading), -1 while down. */
int	pgc_fd(const struct pgc *);
/* Read what arrived: the number of notifications of other nodes' commits,
 * or -1: the listening connection is lost (pgc_relisten later). */
int	pgc_drain(struct pgc *);
int	pgc_relisten(struct pgc *, char *err, size_t errlen);

/* In the store's open write transaction: the cluster lock, and our node
 * name for the triggers. 0 or -1 with err. */
int	pgc_lock(struct pgc *, char *err, size_t errlen);
/* Every mitigation row changed by another node after *seq, in commit
 * order: fn(cuid, mid, the row now or NULL when deleted). *seq moves
 * past each. 0, fn's non-zero, or -1 with err. */
int	pgc_changes(struct pgc *, uint64_t *seq, int (*fn)(const char *cuid,
	    uint32_t mid, const struct store_mit *, void *), void *arg,
	    char *err, size_t errlen);
/* The highest seq now (0: none). */
int	pgc_last_seq(struct pgc *, uint64_t *);
/* Each upstream's next mid as stored. */
int	pgc_next_mids(struct pgc *, int (*fn)(const char *upstream,
	    uint32_t next, void *), void *arg);
/* The node that accepted (cuid, mid): 1 with it in buf, 0 none, -1. */
int	pgc_owner(struct pgc *, const char *cuid, uint32_t mid, char *buf,
	    size_t len);
/* The owner of the mitigation whose placement (upstream, umid) is: like
 * pgc_owner. */
int	pgc_pl_owner(struct pgc *, const char *upstream, uint32_t umid,
	    char *buf, size_t len);
/* Forget changes older than this many seconds (every node has read them,
 * or restores everything when it starts). */
int	pgc_prune(struct pgc *, unsigned seconds);

/*
 * Leases (node_lease: node, expires by the server's clock). pgc_renew
 * moves ours to now() + seconds: first inserts it (a start), later
 * renewals only update it: 1, 0 when it is gone (another node took over:
 * ours to let go), -1. In the store's transaction, under the cluster
 * lock: pgc_take_expired deletes every other node's expired lease and
 * makes this node the owner of its mitigations, each to fn(dead node,
 * cuid, mid), once expired for margin seconds more (the dead node fenced
 * itself by its own clock at expiry: the margin covers the two clocks'
 * drift and a send it decided just before).
 */
int	pgc_renew(struct pgc *, unsigned seconds, bool first);
int	pgc_take_expired(struct pgc *, unsigned margin, int (*fn)(const char *node,
	    const char *cuid, uint32_t mid, void *), void *arg);
/* The stored row of (cuid, mid) and its placements, to fn: fn's value,
 * 0 when there is none, -1. */
int	pgc_mit_get(struct pgc *, const char *cuid, uint32_t mid,
	    int (*fn)(const struct store_mit *, const struct store_pl *,
	    size_t, void *), void *arg);

#endif
