#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "coap_server.h"

coap_context_t *
server_context(void (*on_signal)(int))
{
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	return coap_new_context(NULL);
}

int
psk_listen(coap_context_t *ctx, const char *hint, const char *key,
    const char *addr, int port, coap_method_handler_t on_put)
{
	coap_dtls_spsk_t spsk;
	coap_address_t a;

	memset(&spsk, 0, sizeof(spsk));
	spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
	spsk.psk_info.hint.s = (const uint8_t *)hint;
	spsk.psk_info.hint.length = strlen(hint);
	spsk.psk_info.key.s = (const uint8_t *)key;
	spsk.psk_info.key.length = strlen(key);
	/* loadgen opens its handshakes 32 at a time at most */
	coap_context_set_max_handshake_sessions(ctx, 64);
	if (!coap_context_set_psk2(ctx, &spsk)) {
		fprintf(stderr, "bench: no DTLS PSK support\n");
		return -1;
	}
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, addr, &a.addr.sin.sin_addr) != 1 ||
	    coap_new_endpoint(ctx, &a, COAP_PROTO_DTLS) == NULL) {
		fprintf(stderr, "bench: cannot listen on %s:%d\n", addr, port);
		return -1;
	}
	coap_add_resource(ctx, coap_resource_unknown_init2(on_put, 0));
	printf("ready\n");
	fflush(stdout);
	return 0;
}
