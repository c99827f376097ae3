/*
 * The relay's half of a cluster's leases (gateway/relay/lease.c,
 * gateway/state/cluster.h).
 */
#ifndef DOTSGW_RELAY_LEASE_H
#define DOTSGW_RELAY_LEASE_H

#include <stddef.h>

struct mitigation;
struct store_mit;
struct store_pl;

/* Another node's m is ours to relay: as restored after a restart (r, its
 * placements pl), each upstream concerned resynchronised. 0 or -1. */
int	relay_adopt(struct mitigation *m, const struct store_mit *r,
	    const struct store_pl *pl, size_t n);
/* Our lease is gone: m's relay state goes, local rules removed, nothing
 * withdrawn upstream (the new owner's placements). */
void	relay_release(struct mitigation *m);

#endif
