/*
 * The RFC 9244 telemetry resources, /.well-known/dots/tm-setup and
 * /.well-known/dots/tm: the CoAP side. What is kept and how identifiers
 * behave is gateway/state/telemetry.h's.
 */
#ifndef DOTSGW_DOWNSTREAM_TELEMETRY_H
#define DOTSGW_DOWNSTREAM_TELEMETRY_H

#include <coap3/coap.h>

#include "common/dots_tm.h"

struct ds_request;

void	telemetry_handle(const struct ds_request *, const struct dots_tm_path *,
	    coap_pdu_t *resp);

/*
 * RFC 9244 §9.2 server-originated telemetry in mitigation status: for a
 * peer whose telemetry setup enabled server-originated-telemetry, each
 * status scope (GET answers, notifications) gets
 * ietf-dots-telemetry:total-attack-traffic with the rates the mitigator
 * or the upstreams report dropping (current-g, bit-ps and packet-ps);
 * never for any other peer. _add sets scopes' opt (which scope views
 * leave empty), _drop frees it after encoding.
 */
struct dots_scope;
void	server_telemetry_add(const struct ds_request *, struct dots_scope *,
	    size_t n);
void	server_telemetry_drop(struct dots_scope *, size_t n);

#endif
