/*
 * What of the daemon's state goes to the store (gateway/store.h) and how it
 * comes back at start: accepted mitigations with their placements, each
 * upstream's next mid and peers' negotiated signal configurations. The
 * handlers call the persist_* hooks where the state changes; each hook is
 * one write (grouped per request by store_begin/store_end).
 */
#ifndef DOTSGW_PERSIST_H
#define DOTSGW_PERSIST_H

struct gw;

/* Open state-dir/dotsgw-<node-id>.db into gw->store: 0, or -1 (logged). */
int	persist_open(struct gw *);
/* Log what the store cost and close it. */
void	persist_close(struct gw *);

#endif
