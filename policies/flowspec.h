/*
 * What a local mitigator installs for one accepted mitigation: the action
 * (from the attack severity and the peer's policy) and the rules built
 * from the mitigation scope. Pure: no I/O, the same scope and config give
 * the same rules.
 *
 * A flowspec rule (RFC 8955) matches one destination prefix and at most
 * one source prefix, so a scope becomes one rule per target-prefix and
 * call-home source-prefix (RFC 9066) pair; protocols, target ports,
 * source ports and ICMP types are OR-ed inside one rule. An RTBH route
 * (RFC 7999) is one per target-prefix and ignores the rest.
 */
#ifndef DOTSGW_FLOWSPEC_H
#define DOTSGW_FLOWSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "common/dots_msg.h"
#include "common/prefix.h"

#define POL_RULE_MAX_TERMS	16	/* per component of one rule */
#define POL_RULES_MAX		64	/* per mitigation */

/* RFC 9244 keys the codec keeps raw in scope->opt */
#define TM_ATTACK_DETAIL	207
#define TM_ATTACK_SEVERITY	166

struct pol_type_range {
	uint8_t		 lower, upper;
};

struct pol_rule {
	unsigned	 action;	/* one CONF_ACT_* */
	struct prefix	 dst;
	bool		 has_src;
	struct prefix	 src;
	uint8_t		 proto[POL_RULE_MAX_TERMS];
	size_t		 n_proto;
	struct port_range dport[POL_RULE_MAX_TERMS];
	size_t		 n_dport;
	struct port_range sport[POL_RULE_MAX_TERMS];
	size_t		 n_sport;
	struct pol_type_range icmp[POL_RULE_MAX_TERMS];
	size_t		 n_icmp;
	uint64_t	 rate;		/* bytes/s, rate-limit only */
};

/* The highest attack-severity (1..4, else 5 unknown) of the scope's
 * attack-detail entries; 0 when it has none. */
unsigned pol_attack_severity(const struct dots_scope *);

/*
 * The action for a severity under the peer's policy: the configured one
 * when the peer may trigger it, else the strongest weaker one it may;
 * 0 when it may trigger none.
 */
unsigned pol_action(const struct conf_mitigator *, const struct conf_policy *,
	    unsigned severity);
const char *pol_action_name(unsigned action);

/*
 * The rules for scope s with action act into out[POL_RULES_MAX]; *n set.
 * -1 with *why when the scope cannot be expressed (no target-prefix, too
 * many terms or rules, a malformed call-home attribute).
 */
int	pol_rules_build(const struct dots_scope *s, unsigned act,
	    const struct conf_mitigator *, struct pol_rule *out, size_t *n,
	    const char **why);

/* A rule count fits the peer's and the total limits. */
bool	pol_rules_fit(const struct conf_mitigator *, const struct conf_policy *,
	    uint32_t peer_used, uint32_t total_used, size_t n);

#endif
