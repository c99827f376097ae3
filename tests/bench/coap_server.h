/*
 * The coaps server side shared by floor_server and relay_floor: both
 * must cost the same per handshake and record for their rates to compare.
 */
#ifndef BENCH_COAP_SERVER_H
#define BENCH_COAP_SERVER_H

#include <coap3/coap.h>

/* libcoap started with its logs off, on_signal on SIGTERM and SIGINT,
 * and a new context, or NULL. */
coap_context_t	*server_context(void (*on_signal)(int));

/* A coaps endpoint of ctx on addr:port (IPv4), any identity, key key,
 * every PUT on any path to on_put; then "ready" on stdout. hint must
 * outlive ctx. -1 (and a line on stderr) on failure. */
int	psk_listen(coap_context_t *ctx, const char *hint, const char *key,
	    const char *addr, int port, coap_method_handler_t on_put);

#endif
