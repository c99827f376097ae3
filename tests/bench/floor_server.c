/*
 * floor_server: the throughput floor for tests/bench/run.sh. A bare libcoap
 * 4.3.1 coaps (DTLS PSK) server that answers every PUT, on any path, with
 * 2.01 and no body: no DOTS logic, no CBOR, no event library. What
 * loadgen reaches against it is what libcoap and GnuTLS cost by
 * themselves on this machine; a gateway hop is compared with it.
 *
 * usage: floor_server -A ADDR -p PORT -k PSK-KEY   (any identity)
 * Runs until SIGTERM or SIGINT.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "coap_server.h"

static volatile sig_atomic_t quit;

static void
on_signal(int sig)
{
	quit = 1;
}

static void
on_put(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(201));
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *key = NULL;
	int port = 0, ch;
	coap_context_t *ctx;

	while ((ch = getopt(argc, argv, "A:p:k:")) != -1) {
		switch (ch) {
		case 'A': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'k': key = optarg; break;
		default: goto usage;
		}
	}
	if (port <= 0 || port > 65535 || key == NULL)
		goto usage;
	if ((ctx = server_context(on_signal)) == NULL)
		return 1;
	if (psk_listen(ctx, "floor", key, addr, port, on_put) == -1)
		return 1;
	while (!quit)
		if (coap_io_process(ctx, 1000) < 0)
			break;
	coap_free_context(ctx);
	coap_cleanup();
	return 0;
usage:
	fprintf(stderr, "usage: floor_server -A ADDR -p PORT -k PSK-KEY\n");
	return 2;
}
