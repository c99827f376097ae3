/*
 * What of the daemon's state goes to the store (gateway/store.h) and how it
 * comes back at start: accepted mitigations with their placements, each
 * upstream's next mid and peers' negotiated signal configurations. The
 * handlers call the persist_* hooks where the state changes; each hook is
 * one write (grouped per request by store_begin/store_end).
 */
#ifndef DOTSGW_PERSIST_H
#define DOTSGW_PERSIST_H

#include <stdbool.h>

struct gw;
struct mitigation;
struct peer_rt;
struct placement;

/* Open state-dir/dotsgw-<node-id>.db into gw->store: 0, or -1 (logged). */
int	persist_open(struct gw *);
/* Log what the store cost and close it. */
void	persist_close(struct gw *);

/*
 * Load what the store has into the daemon (peers, upstreams, server and
 * table exist): signal configurations, then every mitigation still running
 * with its placements. Dropped, and deleted from the store: mitigations
 * whose lifetime ran out while we were down, of peers no longer
 * configured, or no longer authorized by the peer's policy. Their
 * placements upstream are withdrawn by the resynchronisation when each
 * upstream comes up (relay.c). Returns the number restored, or -1.
 */
int	persist_restore(struct gw *);

/* m changed: stored again; once terminated, deleted (kept while the
 * daemon is stopping: it is restored at the next start). */
void	persist_mit(struct gw *, const struct mitigation *);
/* A placement is new or changed; gone when gone is true (not while
 * stopping). */
void	persist_pl(struct gw *, const struct placement *, bool gone);
/* Commits wait for a sync (store.h): run one soon (persist.c). */
void	persist_sync_soon(struct gw *);
/* The peer's negotiated signal configuration (none: deleted). */
void	persist_sigcfg(struct gw *, const struct peer_rt *);

#endif
