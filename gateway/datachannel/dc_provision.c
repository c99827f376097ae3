/*
 * Provisioning on the data channel (dc_provision.h). The registry is the
 * orchestrator's (orch_*); this file only maps between RFC 8783's
 * dots-client and it: the JSON (common/dc_provision_json.c), RFC 8040
 * statuses, and which cuid carries the peer's registration (its
 * data-channel-cuid, kept in the registry's record so that it survives
 * a restart with the record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dc_provision_json.h"
#include "common/dots_err.h"
#include "common/log.h"
#include "common/prefix.h"
#include "gateway/datachannel/dc_provision.h"
#include "gateway/gw.h"
#include "gateway/relay/orch.h"
#include "gateway/state/peer.h"

#define CLIENT	"ietf-dots-data-channel:dots-client"

static void
fail(struct rc_reply *r, int status, const char *tag, const char *msg)
{
	struct dc_err e;

	dc_errf(&e, status, tag, "%s", msg);
	rc_error(r, &e);
}

/* What the signal channel's registry would answer 422 to is the peer
 * claiming targets not its own: RFC 8783's 403, as for an alias. */
static int
served_ok(const struct conf_peer *peer, const struct dots_registration *reg,
    struct rc_reply *r)
{
	const struct conf_policy *pol = &peer->policy;
	char buf[PREFIX_STRLEN], msg[200];

	for (size_t i = 0; i < reg->n_served; i++) {
		size_t j;

		for (j = 0; j < pol->n_prefixes; j++)
			if (prefix_contains(&pol->prefixes[j], &reg->served[i]))
				break;
		if (j < pol->n_prefixes)
			continue;
		snprintf(msg, sizeof(msg), "provisioning: served-prefix %s is "
		    "not within the prefixes configured for peer %s",
		    prefix_format(&reg->served[i], buf, sizeof(buf)),
		    peer->name);
		fail(r, 403, "access-denied", msg);
		return -1;
	}
	return 0;
}

int
dc_prov_take(const struct rc_request *q, json_t *j, struct dc_prov *p,
    struct rc_reply *r)
{
	const struct conf_peer *peer = q->peer->conf;
	struct dots_err de = { 0 };
	struct dc_err e;
	json_t *entry, *v;

	memset(p, 0, sizeof(*p));
	/* any other shape is the RFC 8783 decoder's to refuse */
	entry = json_array_get(json_object_get(j, CLIENT), 0);
	if ((v = json_object_get(entry, DC_PROV_MEMBER)) == NULL)
		return 0;
	if (dc_decode_provisioning(v, &p->reg, &e) == -1) {
		rc_error(r, &e);
		return -1;
	}
	p->present = true;
	json_object_del(entry, DC_PROV_MEMBER);
	if (orch_may_register(q->gw, peer, &de) == -1) {
		fail(r, 403, "access-denied", de.msg);
		return -1;
	}
	if (served_ok(peer, &p->reg, r) == -1)
		return -1;
	/* as on the signal channel: no address, the one it came from */
	if (p->reg.server_address == NULL) {
		if (q->remote == NULL || q->remote[0] == '\0' ||
		    (p->reg.server_address = strdup(q->remote)) == NULL) {
			fail(r, 500, "operation-failed", "cannot tell the "
			    "connection's address");
			return -1;
		}
	}
	return 0;
}

static bool
carries(const struct dots_registration *reg, const char *cuid)
{
	return reg != NULL && reg->dc_cuid != NULL &&
	    strcmp(reg->dc_cuid, cuid) == 0;
}

int
dc_prov_apply(const struct rc_request *q, const char *cuid,
    struct dc_prov *p, bool created, struct rc_reply *r)
{
	const struct conf_peer *peer = q->peer->conf;
	const struct dots_registration *kept;
	struct dots_err de = { 0 };
	json_t *o;
	bool existed;

	if (!p->present) {
		/* a PUT replaced the client without it */
		if (carries(orch_registration_of(q->gw, peer), cuid))
			dc_prov_cancel(q, cuid);
		return 0;
	}
	if ((p->reg.dc_cuid = strdup(cuid)) == NULL) {
		fail(r, 500, "operation-failed", "out of memory");
		return -1;
	}
	p->present = false;	/* orch_register takes it */
	if ((kept = orch_register(q->gw, peer, &p->reg, &existed, &de)) ==
	    NULL) {
		fail(r, de.coap == 500 ? 500 : 403, de.coap == 500 ?
		    "operation-failed" : "access-denied", de.msg);
		return -1;
	}
	log_info("data channel: peer %s: dots-client %s carries its "
	    "registration", peer->name, cuid);
	if (created && (o = dc_encode_provisioning(kept)) != NULL)
		r->body = json_pack("{s:[{s:s, s:o}]}", CLIENT, "cuid", cuid,
		    DC_PROV_MEMBER, o);
	return 0;
}

void
dc_prov_free(struct dc_prov *p)
{
	dots_registration_free(&p->reg);
	p->present = false;
}

void
dc_prov_cancel(const struct rc_request *q, const char *cuid)
{
	const struct conf_peer *peer = q->peer->conf;
	struct dots_err de = { 0 };

	if (!carries(orch_registration_of(q->gw, peer), cuid))
		return;
	if (orch_unregister(q->gw, peer, &de) == -1)
		log_warnx("data channel: peer %s: dots-client %s gone, its "
		    "registration stays: %s", peer->name, cuid, de.msg);
	else
		log_info("data channel: peer %s: dots-client %s gone, its "
		    "registration cancelled", peer->name, cuid);
}

void
dc_prov_show(const struct rc_request *q, const char *cuid, json_t *o)
{
	const struct dots_registration *reg;

	reg = orch_registration_of(q->gw, q->peer->conf);
	if (carries(reg, cuid))
		json_object_set_new(o, DC_PROV_MEMBER,
		    dc_encode_provisioning(reg));
}
