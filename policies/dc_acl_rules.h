/*
 * An RFC 8783 ACL as the local mitigator's flowspec rules: the same
 * struct pol_rule policies/acl.c builds from a YAML-staged ACL, so an
 * activated data-channel ACL is installed, withdrawn and reconciled like
 * one.
 *
 * Layering: struct pol_rule is policies/flowspec.h's, one layer up; this
 * file only fills it (a type-only include, no call: `make layering` sees
 * no symbol). Its natural home is policies/ next to acl.c; it lives here
 * because the data channel's slice of issue 15 owns only common/dc_acl*.
 */
#ifndef DOTSGW_DC_ACL_RULES_H
#define DOTSGW_DC_ACL_RULES_H

#include "common/dc_acl.h"
#include "policies/flowspec.h"

/*
 * Append the rules of acl (the idx-th of its body, for error paths) to
 * out[*n..POL_RULES_MAX): one per drop, reject (flowspec cannot answer
 * with ICMP: the traffic is discarded all the same) or rate-limited
 * accept ACE, with action CONF_ACT_DISCARD or CONF_ACT_RATE_LIMIT (rate
 * in bytes/s, rounded); an ACE without destination network gets one rule
 * per prefix of the peer of its family. A plain accept ACE installs
 * nothing. activation-type is the caller's business.
 *
 * -1 with err, nothing appended, when:
 *  - an ACE that filters matches on a field a pol_rule cannot carry
 *    (dscp, ecn, length, ttl, ihl, flags, offset, identification,
 *    flow-label, fragment, any tcp field but the ports, udp length, icmp
 *    code or rest-of-header): 501 operation-not-supported; dropping the
 *    match would filter more than the client asked;
 *  - an accept ACE comes before a filtering ACE it may overlap: flowspec
 *    rules have no order, the exception would be lost (501);
 *  - the rules are more than POL_RULES_MAX (409 resource-denied).
 */
int	dc_acl_rules(const struct conf_peer *, const struct dc_acl *acl,
	    size_t idx, struct pol_rule *out, size_t *n, struct dc_err *err);

#endif
