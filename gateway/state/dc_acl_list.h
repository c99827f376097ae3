/*
 * RFC 9133 acl-list on the signal channel: which ACLs a mitigation
 * request may name. The YAML-staged ACLs of the peer (conf "acls:",
 * policies/acl.h) and the data-channel ACLs of the requesting DOTS
 * client (dc_table.h, by cuid). On a name both have, the staged one
 * wins: it is the operator's, and its rules are the ones the request's
 * acl-list adds to the mitigation (policies/acl.c). A data-channel ACL
 * acts by its own activation-type (gateway/mitigator/mitigator_dc_acl.c),
 * which an acl-list entry changes (RFC 9133 §3.1: the DOTS server
 * updates the ACL's activation-type, default activate-when-mitigating).
 */
#ifndef DOTSGW_DC_ACL_LIST_H
#define DOTSGW_DC_ACL_LIST_H

#include "common/conf.h"
#include "common/dots_err.h"
#include "common/dots_msg.h"

struct dc_table;

/* pol_acl_check()'s answers (4.00 no acl-name or a bad activation-type,
 * 4.04 a name neither has), with the client's data-channel ACLs known. */
int	dc_acl_list_check(const struct dc_table *, const struct conf_peer *,
	    const char *cuid, const struct dots_scope *, struct dots_err *);

/* Once the request is accepted: every entry naming a data-channel ACL of
 * cuid (not a staged one) sets that ACL's activation-type. 0, or -1 with
 * err 5.03 naming the ACL whose update the store refused (the others
 * applied). */
int	dc_acl_list_apply(struct dc_table *, const struct conf_peer *,
	    const char *cuid, const struct dots_scope *, struct dots_err *);

#endif
