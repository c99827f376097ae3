/*
 * One UDP listen address as several libcoap endpoints of one context, all
 * bound to it with SO_REUSEPORT (NOTES.md, "Shards: one port, several
 * endpoints"). libcoap 4.3.1 walks every session of an endpoint for each
 * datagram from an address it has no session for (each DTLS ClientHello),
 * so the handshake rate fell as the table filled; the kernel spreads the
 * clients over the endpoints' sockets by a hash of their 4-tuple, and each
 * endpoint's walk covers its share only. One context: resources, sessions
 * and observers are where they were.
 */
#ifndef DOTSGW_REUSEPORT_H
#define DOTSGW_REUSEPORT_H

#include <coap3/coap.h>

#define REUSEPORT_MAX	4096	/* endpoints per listen address */

/*
 * k endpoints of proto (UDP or DTLS) on a, every socket bound with
 * SO_REUSEPORT; k == 1 is one plain coap_new_endpoint(). 0, or -1 with
 * nothing left bound when another socket holds a UDP port already (it
 * could join the group), libcoap could not make an endpoint or its bind()
 * was not ours (the sockets would then share the port without a
 * reuseport group).
 */
int	reuseport_endpoints(coap_context_t *, const coap_address_t *a,
	    coap_proto_t proto, unsigned k);

/* Sockets our bind() gave SO_REUSEPORT since the start (tests). */
unsigned long	reuseport_count(void);

#endif
