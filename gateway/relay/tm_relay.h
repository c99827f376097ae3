/*
 * RFC 9244 telemetry as a gateway: what downstream peers report about
 * their targets (gateway/state/telemetry.h) is aggregated per target and
 * PUT, under our own cuid, to the upstreams that hold mitigations for
 * those targets or would take them (the relay's own decision for a
 * request with those targets and that volume). Per upstream one body
 * with every relevant target; a new tmid replaces the last one there
 * (RFC 9244 §8.2: a higher tmid overrides overlapping lower ones), and a
 * DELETE of our cuid's telemetry when nothing is left to say. Telemetry
 * also gives requests that carry no attack volume one (policies/
 * tm_volume.h).
 */
#ifndef DOTSGW_TM_RELAY_H
#define DOTSGW_TM_RELAY_H

#include <stdbool.h>

#include "common/dots_msg.h"
#include "policies/capable.h"
#include "policies/capacity.h"

struct gw;
struct tm_report_rec;
struct tm_relay;

struct tm_relay *tm_relay_new(struct gw *);
void	tm_relay_free(struct tm_relay *);
/* A report changed (struct tm_events hook; arg is the struct gw). */
void	tm_relay_on_report(const struct tm_report_rec *, void *gw);

/* pol_attack_volume, then telemetry's when the request gave none;
 * peer is who asks (its pipe and baselines), NULL for none. True when
 * the volume is telemetry's. */
bool	relay_attack_volume(struct gw *, const char *peer,
	    const struct dots_scope *, struct pol_volume *);

/* The attacks telemetry reports toward the scope's targets, as the
 * orchestrator's capability filter names them (policies/capable.h). */
void	relay_telemetry_attacks(struct gw *, const struct dots_scope *,
	    struct pol_attacks *);

#endif
