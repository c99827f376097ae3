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
#include "common/dc_json.h"
#include "common/dots_msg.h"

struct dc_table;

/* pol_acl_check()'s answers (4.00 no acl-name or a bad activation-type,
 * 4.04 a name neither has), with the client's data-channel ACLs known. */
int	dc_acl_list_check(const struct dc_table *, const struct conf_peer *,
	    const char *cuid, const struct dots_scope *, struct dots_err *);

/* What dc_acl_list_apply() changed: the activation-types to put back
 * when the request is not committed after all. */
struct dc_acl_list_undo {
	const char	*peer;		/* borrowed from the caller */
	const char	*cuid;
	size_t		 n;
	struct dc_acl_was {
		char	 name[DC_NAME_MAX + 1];
		unsigned activation;
	}		*v;
};

/* Once the request is accepted: every entry naming a data-channel ACL of
 * cuid (not a staged one) sets that ACL's activation-type, each change
 * recorded in u. 0, or -1 with err 5.03 naming the ACL whose update the
 * store refused (or 5.00 out of memory): the entries applied before it
 * are put back then, u empty. */
int	dc_acl_list_apply(struct dc_table *, const struct conf_peer *,
	    const char *cuid, const struct dots_scope *,
	    struct dc_acl_list_undo *u, struct dots_err *);
/* Put back what u records (the request was not committed) and empty it. */
void	dc_acl_list_undo(struct dc_table *, struct dc_acl_list_undo *u);
/* Forget what u records (the request was committed). */
void	dc_acl_list_undo_free(struct dc_acl_list_undo *u);

#endif
