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

#endif
