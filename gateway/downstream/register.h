#ifndef DOTSGW_REGISTER_H
#define DOTSGW_REGISTER_H

#include <coap3/coap.h>

struct ds_request;

/* PUT, GET, DELETE of .well-known/dots/register (any role: a gateway
 * answers 4.04). */
void	register_handle(const struct ds_request *, coap_pdu_t *);

#endif
