/*
 * Is a registered ISP capable of a request? (the orchestrator's filter
 * before selection; the inter-domain draft §4.1 registration response:
 * thresholds_bps/pps beyond which the ISP "will reject the protection",
 * capable_attack_type). Pure: registration, volume and the request's
 * attack names in, yes or no and why out.
 *  - the attack volume must not exceed a registered threshold-bps/-pps;
 *  - when the request names attack types (RFC 9244 attack-detail, key
 *    207: each attack-description; an attack-detail without one by its
 *    vendor attack mapping id, "vendor-id:attack-id", RFC 9244 §8.1.6)
 *    and the ISP registered
 *    attack types, one of them must match (case-insensitive).
 * Nothing registered means no limit.
 */
#ifndef DOTSGW_CAPABLE_H
#define DOTSGW_CAPABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/dots_msg.h"
#include "capacity.h"

#define POL_MAX_ATTACK_NAMES	8

struct pol_attacks {
	char	 name[POL_MAX_ATTACK_NAMES][DOTS_REG_MAX_TEXT + 1];
	size_t	 n;
};

/* The attack-description of each attack-detail in the scope (kept raw
 * in scope->opt; malformed or absent means none). */
void	pol_attacks_of(const struct dots_scope *, struct pol_attacks *);

/* Add a name (a description or "vendor-id:attack-id") unless it is
 * there already or the list is full. */
void	pol_attacks_add(struct pol_attacks *, const char *name);
/* The same for an attack named by its vendor mapping (RFC 9244
 * §8.1.6), "vendor-id:attack-id". */
void	pol_attacks_add_ids(struct pol_attacks *, uint32_t vendor,
	    uint32_t attack);

bool	pol_capable(const struct dots_registration *,
	    const struct pol_volume *, const struct pol_attacks *,
	    char *why, size_t whylen);

#endif
