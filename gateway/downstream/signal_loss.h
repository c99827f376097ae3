/*
 * What a lost downstream signal channel changes (RFC 9132 §4.4.1, §4.7):
 * the peer's preconfigured requests (trigger-mitigation false, status 8)
 * are activated, and its active immediate requests that overlap them are
 * withdrawn by us (the preconfigured ones take over). Nothing is undone
 * when the channel comes back: an activated request ends only by the usual
 * triggers (DELETE, lifetime expiry). Lifetimes keep running as granted.
 */
#ifndef DOTSGW_SIGNAL_LOSS_H
#define DOTSGW_SIGNAL_LOSS_H

struct gw;
struct peer_rt;

void	signal_loss(struct gw *, struct peer_rt *);

#endif
