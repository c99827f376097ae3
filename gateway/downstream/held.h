/*
 * Answers held for the relay: a new request the relay sent upstream is
 * answered once its upstreams settled, bounded by the relay timeout
 * (gateway/relay/settle.c reports when, and what the answer says). The
 * request is held with libcoap's async; at the report the async is
 * triggered (or, when its commit is not yet on disk, once it is:
 * durable.h), libcoap runs the PUT handler again, and held_answer
 * answers it: 2.01, or 5.08 with the path when every upstream refused
 * it as a loop (the mitigation ends then), or 4.04 when the mitigation
 * ended meanwhile.
 */
#ifndef DOTSGW_HELD_H
#define DOTSGW_HELD_H

#include <coap3/coap.h>

struct ds_request;
struct gw;
struct mitigation;

/* Hold rq's answer until the upstreams of m (just created by rq, and
 * relay_start said they may be waited for) settle. 0, or -1 when it
 * cannot be held: the caller answers now. */
int	held_start(const struct ds_request *rq, struct mitigation *m);
/* The held PUT, run again by libcoap: its answer, or nothing for a
 * duplicate of a request still held. */
void	held_answer(const struct ds_request *rq, coap_pdu_t *resp);
/* A downstream session is gone: forget the answers held for it. */
void	held_session_gone(struct gw *, coap_session_t *);

#endif
