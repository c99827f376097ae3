/*
 * The data channel's filtering ACLs (RFC 8783 §7.2 activation-type) as
 * the local mitigator's standing rule sets: an immediate ACL's rules are
 * installed while it exists; an activate-when-mitigating ACL's while its
 * DOTS client (peer and cuid) has an active mitigation; a deactivate
 * ACL's never. The rules are policies/dc_acl_rules.c's, as checked when
 * the ACL was accepted. The wiring (dotsgwd.c wire_dc_acls) calls these
 * from the ACL table's and the mitigation table's events.
 */
#ifndef DOTSGW_MITIGATOR_DC_ACL_H
#define DOTSGW_MITIGATOR_DC_ACL_H

struct gw;
struct dc_acl;
struct mit_client;

/* An ACL of peer's cuid was created or replaced (acl), or went (NULL). */
void	mitigator_dc_acl_changed(struct gw *, const char *peer,
	    const char *cuid, const char *name, const struct dc_acl *);
/* A mitigation of this client started or ended: its
 * activate-when-mitigating ACLs follow. */
void	mitigator_dc_acl_client(struct gw *, struct mit_client *);
/* At start: every stored ACL that should be, installed. */
void	mitigator_dc_acl_start(struct gw *);

#endif
