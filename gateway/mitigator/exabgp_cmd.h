/*
 * exabgp's text API, both ways, for the "exabgp" mitigator back-end
 * (gateway/mitigator_exabgp.c): the command line announcing or
 * withdrawing one rule that policies/flowspec.c built, and the reading of
 * one line of exabgp's `show adj-rib out extensive` (exabgp 4.2), from
 * which reconcile learns whose route it is and how to withdraw it.
 * Pure text: no I/O, no event loop (tests/unit/test_gw_exabgp_cmd.c).
 *
 * A flowspec rule is `announce flow route destination P [source S]
 * [protocol [ =6 =17 ]] [destination-port [ =53 >=80&<=90 ]] ...
 * discard|rate-limit N community [ ASN:V ] large-community
 * [ ASN:OWNER:MID ]` (exabgp's one-line form), an RTBH route `announce
 * route P next-hop N community [ 65535:666 ASN:V ] large-community
 * [ ASN:OWNER:MID ]`; withdrawals name the NLRI only (exabgp knows a
 * route by it).
 */
#ifndef DOTSGW_EXABGP_CMD_H
#define DOTSGW_EXABGP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"
#include "policies/flowspec.h"

#define EXA_CMD_MAX	2048	/* one command line; a rule's fits */
#define EXA_NLRI_MAX	1024	/* the NLRI text of a listed route */

enum exa_family {
	EXA_FLOW4, EXA_FLOW6, EXA_INET4, EXA_INET6
};

/* One route of a `show adj-rib out extensive` listing. */
struct exa_route {
	enum exa_family	 family;
	char		 nlri[EXA_NLRI_MAX];	/* as listed, after the family
						   words; a flow starts "flow " */
	bool		 marked;	/* carries the marker community */
	bool		 tagged;	/* a large community MARKER-ASN:O:M */
	uint32_t	 owner, mid;
};

/*
 * The command line (with its '\n') announcing (add) or withdrawing rule r
 * of rule set owner/mid into buf; its length, or 0 when it does not fit
 * (it always does for a rule flowspec.c builds).
 */
size_t	exa_rule_cmd(const struct pol_rule *r, bool add,
	    const struct conf_mitigator *, uint32_t owner, uint32_t mid,
	    char *buf, size_t len);

/*
 * One line of `show adj-rib out extensive`: 0 with *rt filled for a
 * flowspec or unicast route, -1 for anything else (an unsolicited
 * notification, a family we never announce). marker is ASN << 16 | VALUE.
 */
int	exa_parse_route(const char *line, uint32_t marker, unsigned asn,
	    struct exa_route *rt);

/*
 * Whether listed route rt can be rule r's, as far as a listing tells:
 * the same kind (flowspec or RTBH), destination and source prefixes. A
 * route tagged with a rule set's owner and mid that none of its rules
 * can be is an orphan (the action changed while dotsgwd was down).
 */
bool	exa_route_is_rule(const struct exa_route *rt, const struct pol_rule *r);

/* The command line (with its '\n') withdrawing a listed route into buf;
 * its length, or 0 when it does not fit. */
size_t	exa_withdraw_listed(const struct exa_route *, char *buf, size_t len);

#endif
