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
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <coap3/coap.h>

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
	coap_address_t a;
	coap_dtls_spsk_t spsk;
	coap_resource_t *r;

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
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	if ((ctx = coap_new_context(NULL)) == NULL)
		return 1;
	memset(&spsk, 0, sizeof(spsk));
	spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
	spsk.psk_info.hint.s = (const uint8_t *)"floor";
	spsk.psk_info.hint.length = 5;
	spsk.psk_info.key.s = (const uint8_t *)key;
	spsk.psk_info.key.length = strlen(key);
	/* loadgen opens its handshakes 32 at a time at most */
	coap_context_set_max_handshake_sessions(ctx, 64);
	if (!coap_context_set_psk2(ctx, &spsk))
		return 1;
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, addr, &a.addr.sin.sin_addr) != 1 ||
	    coap_new_endpoint(ctx, &a, COAP_PROTO_DTLS) == NULL) {
		fprintf(stderr, "floor_server: cannot listen on %s:%d\n", addr,
		    port);
		return 1;
	}
	r = coap_resource_unknown_init2(on_put, 0);
	coap_add_resource(ctx, r);
	printf("ready\n");
	fflush(stdout);
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
