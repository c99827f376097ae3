/*
 * libcoap inside libevent (libcoap-4.3.1.md §1, NOTES.md "libcoap's walk
 * over every session"): each coap_context_t's epoll fd is one persistent
 * libevent read event; its callback runs coap_io_process() without
 * libcoap's walk over every session, which
 * runs when libcoap's own timer is due, after datagrams were handled, or
 * after a kick, within a CPU budget. After any libcoap call made outside
 * the loop's callbacks (new client session, coap_send, async trigger)
 * call coap_loop_kick(), which asks for that walk on the next loop turn;
 * without it DTLS handshake retransmissions are never scheduled.
 */
#ifndef DOTSGW_COAP_LOOP_H
#define DOTSGW_COAP_LOOP_H

#include <stdint.h>

#include <coap3/coap.h>
#include <event2/event.h>

struct coap_loop;

struct coap_loop_stats {
	uint64_t	rounds;		/* coap_io_process() calls */
	uint64_t	skipped;	/* libcoap walks not made in them */
	uint64_t	walks;		/* walks made (coap_io_prepare_epoll) */
	uint64_t	deferred;	/* walks put off by the budget */
};

/* NULL when ctx has no epoll fd (a libcoap built without epoll). */
struct coap_loop *coap_loop_attach(struct event_base *, coap_context_t *);
void	coap_loop_kick(struct coap_loop *);
void	coap_loop_stats(const struct coap_loop *, struct coap_loop_stats *);
void	coap_loop_detach(struct coap_loop *);

#endif
