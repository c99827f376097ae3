/*
 * RFC 9133 acl-list activation against the ACLs the operator staged for
 * a downstream peer (conf "acls:", the RFC 8783 subset; there is no data
 * channel). Pure: no I/O.
 *
 * An activated ACL (activation-type immediate or activate-when-mitigating,
 * the default) adds one flowspec rule per drop or rate-limit ace to the
 * rules of the mitigation that carries the acl-list, so withdrawal,
 * expiry and reconcile treat them like the scope's own; accept aces
 * install nothing (traffic not dropped is accepted). deactivate adds
 * nothing: the new mid replaces the older request, whose rules go.
 */
#ifndef DOTSGW_ACL_H
#define DOTSGW_ACL_H

#include "common/conf.h"
#include "common/dots_err.h"
#include "common/dots_msg.h"
#include "flowspec.h"

/* RFC 8783 activation-type */
#define ACL_ACTIVATE_WHEN_MITIGATING	1
#define ACL_IMMEDIATE			2
#define ACL_DEACTIVATE			3

/* The peer's staged ACL of that name, or NULL. */
const struct conf_acl *pol_acl_find(const struct conf_peer *, const char *);

/*
 * Check a request's acl-list against the peer's ACLs: -1 with a 4.xx code
 * and err set when an entry names no ACL (4.04) or carries an unknown
 * activation-type (4.00).
 */
int	pol_acl_check(const struct conf_peer *, const struct dots_scope *,
	    struct dots_err *);
/* The same, a name the peer has not staged being one when known (NULL:
 * none) says so: the DOTS client's data-channel ACLs (dc_acl_list.h). */
int	pol_acl_check_known(const struct conf_peer *, const struct dots_scope *,
	    bool (*known)(const char *name, void *), void *arg,
	    struct dots_err *);

/*
 * Append the rules of s's activated ACLs to out[*n..POL_RULES_MAX); -1
 * with *why when they do not fit.
 */
int	pol_acl_rules(const struct conf_peer *, const struct dots_scope *,
	    struct pol_rule *out, size_t *n, const char **why);

#endif
