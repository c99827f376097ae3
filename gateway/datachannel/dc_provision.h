/*
 * The inter-domain draft's provisioning stage on the data channel
 * (README.md "Provisioning on the data channel"): the augmentation
 * "dotsgw-provisioning:provisioning" of a dots-client entry registers
 * the peer with the orchestrator's registry (gateway/relay/orch.c), the
 * same record the signal channel's /.well-known/dots/register reads and
 * writes. One registration per peer: the dots-client that carries it
 * last owns it; replacing that client without the augmentation, or
 * deleting it, cancels the registration. The dots-client handlers of
 * dots_data.c call these.
 */
#ifndef DOTSGW_DC_PROVISION_H
#define DOTSGW_DC_PROVISION_H

#include <stdbool.h>

#include <jansson.h>

#include "common/dots_msg.h"
#include "gateway/datachannel/restconf.h"

struct dc_prov {
	bool			 present;
	struct dots_registration reg;
};

/*
 * Take the augmentation out of a registration body j (so that the RFC
 * 8783 decoder sees its own members only), decode and authorize it:
 * 403 access-denied for a peer that may not register or a served-prefix
 * outside its prefixes, 400 for bad members. Nothing is changed yet.
 * 0, or -1 with r an error; p is freed with dc_prov_free either way.
 */
int	dc_prov_take(const struct rc_request *, json_t *j, struct dc_prov *p,
	    struct rc_reply *r);
/*
 * The dots-client cuid is stored: register p (taken), or, without the
 * augmentation, cancel the registration cuid carried. With created, the
 * registration as kept becomes r's body (the draft's registration
 * response). 0, or -1 with r an error.
 */
int	dc_prov_apply(const struct rc_request *, const char *cuid,
	    struct dc_prov *p, bool created, struct rc_reply *r);
void	dc_prov_free(struct dc_prov *);
/* The dots-client cuid is deleted: cancel the registration it carried. */
void	dc_prov_cancel(const struct rc_request *, const char *cuid);
/* A GET of the dots-client cuid: its entry o gets the augmentation when
 * cuid carries the peer's registration. */
void	dc_prov_show(const struct rc_request *, const char *cuid, json_t *o);

#endif
