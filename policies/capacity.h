/*
 * How big is an attack, and can our own mitigation absorb it?
 * The volume of a request comes from its RFC 9244 attack information
 * (ietf-dots-telemetry:total-attack-traffic, key 205, kept in scope->opt:
 * peak-g, else high-, mid-, low-percentile-g, scaled by its unit), else
 * from the configured defaults.
 */
#ifndef DOTSGW_CAPACITY_H
#define DOTSGW_CAPACITY_H

#include <stdbool.h>
#include <stdint.h>

#include <cbor.h>

#include "common/conf.h"
#include "common/dots_msg.h"

struct pol_volume {
	uint64_t	 bps;
	uint64_t	 pps;
	bool		 from_request;	/* else the configured default */
};

/* What local mitigations hold now. */
struct pol_usage {
	uint64_t	 bps;
	uint64_t	 pps;
	uint32_t	 rules;
};

void	pol_attack_volume(const struct dots_scope *,
	    const struct conf_capacity *, struct pol_volume *);
/* used + vol stays within cap (a zero cap.bps/pps absorbs nothing). */
bool	pol_capacity_fits(const struct conf_capacity *,
	    const struct pol_usage *used, const struct pol_volume *vol);
/* The uint value of key in a definite CBOR map (telemetry, call home). */
bool	pol_map_uint(const cbor_item_t *map, uint64_t key, uint64_t *v);
void	pol_usage_add(struct pol_usage *, const struct pol_volume *);
void	pol_usage_sub(struct pol_usage *, const struct pol_volume *);

#endif
