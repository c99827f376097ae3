/*
 * The orchestrator role (role: orchestrator; draft-nishizuka-dots-inter-
 * domain-mechanism §3.2, §4.1). ISP gateways register on the signal
 * channel at /.well-known/dots/register (a dotsgw extension, README.md
 * "Orchestrator"): PUT declares where their DOTS server is and what they
 * can mitigate, GET reads it back, DELETE cancels. Only peers the config
 * lists with an "upstream:" mapping without address may register; the
 * registration supplies that address, the config the credentials and the
 * expected server name. A registered ISP is an upstream like any other:
 * the relay fans requests out to every registered ISP that is up except
 * the asking one. Registrations survive restarts (store_reg_*, the
 * SQLite state store).
 */
#ifndef DOTSGW_ORCH_H
#define DOTSGW_ORCH_H

#include <stdbool.h>

#include <coap3/coap.h>

#include "common/dots_msg.h"

struct gw;
struct ds_request;
struct upstream;

struct orch *orch_new(struct gw *);
void	orch_free(struct orch *);
/* After a reload swapped the upstreams (kept ones keep their pointer). */
int	orch_reload(struct gw *);

/* PUT, GET, DELETE of .well-known/dots/register (any role: a gateway
 * answers 4.04). */
void	register_handle(const struct ds_request *, coap_pdu_t *);

/* The registration of an ISP upstream, NULL when it has none. */
const struct dots_registration *orch_registration(const struct gw *,
	    const struct upstream *);

#endif
