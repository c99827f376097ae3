/*
 * Data-channel ACLs to standing rule sets (mitigator_dc_acl.h). A set's
 * id is the ACL name's FNV-1a hash with the top bit set, so that it
 * does not meet the small mids clients use (RFC 9132 mids count up).
 */
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dc_acl.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/mitigator/mitigator.h"
#include "gateway/mitigator/mitigator_dc_acl.h"
#include "gateway/state/dc_table.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "policies/dc_acl_rules.h"

static uint32_t
set_id(const char *name)
{
	uint32_t h = 2166136261u;

	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h | 0x80000000u;
}

static bool
client_mitigating(struct gw *gw, const char *peer, const char *cuid)
{
	struct mit_client *c = gw->mt != NULL ? mit_client_find(gw->mt,
	    cuid) : NULL;

	return c != NULL && strcmp(c->peer->conf->name, peer) == 0 &&
	    c->active > 0;
}

/* Bring the ACL's set to what its activation wants now. */
static void
apply(struct gw *gw, const char *peer, const char *cuid, const char *name,
    const struct dc_acl *acl, bool mitigating, bool replaced)
{
	struct peer_rt *prt = peer_find(gw, peer);
	struct pol_rule *rules;
	struct dc_err e;
	uint32_t id = set_id(name);
	bool want, have;
	size_t n = 0;
	char what[DC_NAME_MAX + 8];

	if (prt == NULL)
		return;
	want = acl != NULL && (dc_acl_activation(acl) == DC_ACT_IMMEDIATE ||
	    (dc_acl_activation(acl) == DC_ACT_WHEN_MITIGATING && mitigating));
	have = mitigator_has_set(gw, peer, cuid, id);
	if (!want) {
		if (have) {
			log_info("peer %s cuid %s: ACL %s inactive", peer,
			    cuid, name);
			mitigator_withdraw_set(gw, prt, cuid, id);
		}
		return;
	}
	if (have && !replaced)
		return;
	if ((rules = calloc(POL_RULES_MAX, sizeof(*rules))) == NULL)
		return;
	if (dc_acl_rules(prt->conf, acl, 0, rules, &n, &e) == -1)
		/* checked when accepted; the peer's prefixes may have
		 * changed since (reload) */
		log_warnx("peer %s cuid %s: ACL %s: no rules: %s", peer, cuid,
		    name, e.msg);
	else {
		snprintf(what, sizeof(what), "ACL %s", name);
		log_info("peer %s cuid %s: ACL %s active (%s): %zu rule(s)",
		    peer, cuid, name, dc_activation_name(
		    dc_acl_activation(acl)), n);
		(void)mitigator_install_set(gw, prt, cuid, id, what, rules, n);
	}
	free(rules);
}

void
mitigator_dc_acl_changed(struct gw *gw, const char *peer, const char *cuid,
    const char *name, const struct dc_acl *acl)
{
	apply(gw, peer, cuid, name, acl, client_mitigating(gw, peer, cuid),
	    true);
}

struct each {
	struct gw	*gw;
	const char	*peer, *cuid;	/* NULL: every client */
	bool		 mitigating;
};

static int
each_acl(const char *peer, const char *cuid, const struct dc_acl *acl,
    void *arg)
{
	struct each *x = arg;

	if (x->cuid != NULL && (strcmp(x->cuid, cuid) != 0 ||
	    strcmp(x->peer, peer) != 0))
		return 0;
	apply(x->gw, peer, cuid, acl->name, acl, x->cuid != NULL ?
	    x->mitigating : client_mitigating(x->gw, peer, cuid), false);
	return 0;
}

void
mitigator_dc_acl_client(struct gw *gw, struct mit_client *c)
{
	struct each x = { gw, c->peer->conf->name, c->cuid, false };

	if (gw->dc == NULL)
		return;
	x.mitigating = client_mitigating(gw, x.peer, x.cuid);
	(void)dc_acl_walk(gw->dc, each_acl, &x);
}

void
mitigator_dc_acl_start(struct gw *gw)
{
	struct each x = { gw, NULL, NULL, false };

	if (gw->dc != NULL)
		(void)dc_acl_walk(gw->dc, each_acl, &x);
}
