/*
 * libcoap inside libevent (libcoap-4.3.1.md §1): each coap_context_t's
 * epoll fd is one persistent libevent read event whose callback runs
 * coap_io_process(ctx, COAP_IO_NO_WAIT). After any libcoap call made outside
 * that callback (new client session, coap_send, async trigger) call
 * coap_loop_kick(), which defers one more coap_io_process to the next loop
 * turn; without it DTLS handshake retransmissions are never scheduled.
 */
#ifndef DOTSGW_COAP_LOOP_H
#define DOTSGW_COAP_LOOP_H

#include <coap3/coap.h>
#include <event2/event.h>

struct coap_loop;

/* NULL when ctx has no epoll fd (a libcoap built without epoll). */
struct coap_loop *coap_loop_attach(struct event_base *, coap_context_t *);
void	coap_loop_kick(struct coap_loop *);
void	coap_loop_detach(struct coap_loop *);

#endif
