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
struct store_mit;
struct store_pl;

/* Open state-dir/dotsgw-<node-id>.db into gw->store: 0, or -1 (logged). */
int	persist_open(struct gw *);
/* Log what the store cost and close it. */
void	persist_close(struct gw *);
/* Each group sync's result (error NULL: synced; else why not) goes to
 * fn: the wiring's (the answers held for it, gateway/downstream/durable.h). */
void	persist_on_synced(struct gw *, void (*fn)(void *arg,
	    const char *error), void *arg);

/* What the layers above restore of a mitigation besides the table's
 * part (the wiring's: the relay's state and placements). 0, or -1 to
 * stop the restore. */
struct persist_restore_hooks {
	/* m is back in the table; r is its row (local, cdid_up, hop_limit) */
	int	(*mit)(struct mitigation *m, const struct store_mit *r,
		    void *arg);
	/* a placement of m; one whose upstream is no longer configured is
	 * skipped (0): m is decided again when another comes up */
	int	(*placement)(struct mitigation *m, const struct store_pl *r,
		    void *arg);
	void	*arg;
};

/*
 * Load what the store has into the daemon (peers, upstreams, server and
 * table exist): signal configurations, then every mitigation still running
 * (hooks->mit), then their placements (hooks->placement). Dropped, and
 * deleted from the store: mitigations whose lifetime ran out while we
 * were down, of peers no longer configured, or no longer authorized by
 * the peer's policy. Their placements upstream are withdrawn by the
 * resynchronisation when each upstream comes up (relay.c). Returns the
 * number restored, or -1.
 */
int	persist_restore(struct gw *, const struct persist_restore_hooks *);

/* m changed: stored again; once terminated, deleted (kept while the
 * daemon is stopping: it is restored at the next start). The wiring
 * calls it on the table's events (mitigation.h). */
void	persist_mit(struct gw *, const struct mitigation *);
/* A placement is new or changed; gone when gone is true (not while
 * stopping). */
void	persist_pl(struct gw *, const struct placement *, bool gone);
/* Commits wait for a sync (store.h): run one soon (persist.c). */
void	persist_sync_soon(struct gw *);
/* The peer's negotiated signal configuration (none: deleted). */
void	persist_sigcfg(struct gw *, const struct peer_rt *);

#endif
