/*
 * Overload protection beyond each peer's own rate ("overload:"): the
 * gateway-wide request bucket, shared fairly (policies/rate.h), and the
 * number of DOTS clients (cuids) one peer may hold, so that a peer
 * inventing ever-new cuids cannot grow the table (RFC 9132 §10). Both
 * answer 5.03 with Max-Age and a diagnostic.
 */
#ifndef DOTSGW_OVERLOAD_H
#define DOTSGW_OVERLOAD_H

#include <coap3/coap.h>

struct ds_request;

/* 0 when the request may go on; -1 with resp set. */
int	overload_admit(const struct ds_request *, coap_pdu_t *resp);
/* Before the peer gets one more cuid: 0, or -1 with resp set. */
int	overload_new_client(const struct ds_request *, coap_pdu_t *resp);

#endif
