/*
 * Block2 (RFC 7959) answers of the downstream server, built from one
 * encoding per transfer. libcoap 4.3.1 runs the handler for every block a
 * client asks for, and a GET of all mitigations of a cuid is not the same
 * from one millisecond to the next (each lifetime left is rounded up to
 * whole seconds from its own millisecond deadline): re-encoded per block,
 * every block came with another ETag, and the client started over at
 * block 0 each time (a GET-all of 3,000 never finished,
 * tests/bench/README.md).
 * So block 0 encodes, and the session keeps that body (one per session)
 * until its last block is served, another body replaces it, or it was
 * not asked for within B2_KEEP_MS; blocks 1.. of the same path and query
 * are cut from it, with one ETag over the whole body.
 */
#ifndef DOTSGW_BLOCK2_H
#define DOTSGW_BLOCK2_H

#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

struct ds_session;

#define B2_KEEP_MS	30000

/* The body in blocks: block 0 (or the one asked for) of body, which the
 * session keeps for the blocks that follow (a body that fits the one
 * block asked for is not kept). Blocks are the size the request's Block2
 * asks for or smaller (RFC 7959 §2.2). Adds ETag, Content-Format, Max-Age
 * (max_age >= 0), Block2 and Size2 to resp; its code is the caller's. */
void	b2_reply(struct ds_session *, const coap_pdu_t *req, bool observe,
	    coap_pdu_t *resp, uint16_t cf, int max_age, const uint8_t *body,
	    size_t len);
/* A later block of the body kept for req's path and query: 1 when resp
 * now holds it (2.05), 0 when req is not such a request (the handler
 * answers it). */
int	b2_serve(struct ds_session *, const coap_pdu_t *req, coap_pdu_t *resp,
	    uint16_t cf);
void	b2_drop(struct ds_session *);

#endif
