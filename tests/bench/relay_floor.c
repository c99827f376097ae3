/*
 * relay_floor: the ceiling of any CoAP relay on libcoap 4.3.1 + GnuTLS
 * DTLS, for tests/bench/run.sh. A coaps (DTLS PSK) server like
 * floor_server that forwards every PUT it receives (same payload, same
 * message type, path "r") over ONE DTLS PSK client session opened at
 * start to an upstream server (floor_server in run.sh), and answers the
 * downstream request with the upstream's response code once, and only
 * when, the upstream answered. No CBOR, no DOTS logic, no event library,
 * no state store: only what a CoAP relay cannot avoid (two DTLS records
 * in and two out per request, a separate response held with libcoap's
 * async API, a token map). A dotsgwd relay hop does all of this and more,
 * so loadgen's rate through this program bounds the relay / floor ratio.
 *
 * The downstream request is held with coap_register_async(session, req,
 * 0); the upstream's answer finds it with coap_find_async() and triggers
 * it, libcoap runs the handler again, which sets the code. libcoap 4.3.1
 * frees the async itself after that run (freeing it in the handler is a
 * double free: ../shared/notes/libcoap-4.3.1.md §4). A NON request sent
 * again by the client before the upstream answered is sent upstream again
 * (NON is never repeated by libcoap).
 *
 * usage: relay_floor -A ADDR -p PORT -k PSK-KEY -U ADDR:PORT
 *        [-i UP-IDENTITY] [-K UP-PSK-KEY] [-d]   (any downstream identity)
 * -d answers a NON request without the async API: the handler sets no
 * code and the upstream's answer is sent as a new NON response with the
 * request's token (see answer_direct()).
 * Runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "coap_server.h"

#define MAX_PENDING	16384	/* requests held at once */
#define UP_TOKLEN	8	/* slot index, generation */

static volatile sig_atomic_t quit;

/* One downstream request waiting for its upstream answer. */
struct pend {
	coap_session_t	*s;		/* downstream; NULL: slot free */
	uint32_t	 gen;		/* bumped on each reuse of the slot */
	uint32_t	 next_free;
	coap_pdu_code_t	 code;		/* the upstream's answer, 0 until then */
	uint8_t		 toklen;
	uint8_t		 tok[8];
};

struct relay {
	coap_session_t	*up;
	bool		 up_failed;
	bool		 direct;	/* -d: NON answers without async */
	struct pend	 p[MAX_PENDING];
	uint32_t	 free_head;	/* MAX_PENDING: none free */
	unsigned long	 forwarded, answered, refused;
};

static void
on_signal(int sig)
{
	quit = 1;
}

static struct relay *
relay_of(coap_session_t *s)
{
	return coap_get_app_data(coap_session_get_context(s));
}

static struct pend *
pend_get(struct relay *rl)
{
	struct pend *p;

	if (rl->free_head == MAX_PENDING)
		return NULL;
	p = &rl->p[rl->free_head];
	rl->free_head = p->next_free;
	p->gen++;
	p->code = 0;
	return p;
}

static void
pend_put(struct relay *rl, struct pend *p)
{
	p->s = NULL;
	p->next_free = rl->free_head;
	rl->free_head = (uint32_t)(p - rl->p);
}

/* Is p still the request of session s with token tok? */
static bool
pend_is(const struct pend *p, const coap_session_t *s, coap_bin_const_t tok)
{
	return p != NULL && p->s == s && p->toklen == tok.length &&
	    memcmp(p->tok, tok.s, tok.length) == 0;
}

static void
put_u32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

static uint32_t
get_u32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
}

/* The downstream request req, upstream: same type, payload and format. */
static int
send_up(struct relay *rl, const struct pend *p, const coap_pdu_t *req)
{
	coap_opt_iterator_t oi;
	coap_opt_t *cf;
	coap_pdu_t *pdu;
	uint8_t tok[UP_TOKLEN];
	const uint8_t *data;
	size_t len;

	pdu = coap_new_pdu(coap_pdu_get_type(req), COAP_REQUEST_CODE_PUT,
	    rl->up);
	if (pdu == NULL)
		return -1;
	put_u32(tok, (uint32_t)(p - rl->p));
	put_u32(tok + 4, p->gen);
	coap_add_token(pdu, sizeof(tok), tok);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 1, (const uint8_t *)"r");
	if ((cf = coap_check_option(req, COAP_OPTION_CONTENT_FORMAT,
	    &oi)) != NULL)
		coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
		    coap_opt_length(cf), coap_opt_value(cf));
	if (coap_get_data(req, &len, &data) && len > 0 &&
	    !coap_add_data(pdu, len, data)) {
		coap_delete_pdu(pdu);
		return -1;
	}
	return coap_send(rl->up, pdu) == COAP_INVALID_MID ? -1 : 0;
}

static void
on_put(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	struct relay *rl = relay_of(s);
	coap_bin_const_t tok = coap_pdu_get_token(req);
	coap_async_t *a;
	struct pend *p;

	if ((a = coap_find_async(s, tok)) != NULL) {
		p = coap_async_get_app_data(a);
		if (!pend_is(p, s, tok))
			return;		/* already answered */
		if (p->code == 0) {	/* sent again: so is the upstream's */
			(void)send_up(rl, p, req);
			return;
		}
		/* triggered (or a copy arriving meanwhile): answer once */
		coap_pdu_set_code(resp, p->code);
		rl->answered++;
		pend_put(rl, p);
		return;
	}
	if (tok.length > sizeof(p->tok) || (p = pend_get(rl)) == NULL) {
		rl->refused++;
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE(503));
		return;
	}
	p->s = s;
	p->toklen = (uint8_t)tok.length;
	memcpy(p->tok, tok.s, tok.length);
	if (rl->direct && coap_pdu_get_type(req) == COAP_MESSAGE_NON) {
		/* no code set: libcoap sends nothing for a NON now */
		if (send_up(rl, p, req) == -1) {
			pend_put(rl, p);
			rl->refused++;
			coap_pdu_set_code(resp, COAP_RESPONSE_CODE(502));
			return;
		}
		rl->forwarded++;
		return;
	}
	if ((a = coap_register_async(s, req, 0)) == NULL) {
		pend_put(rl, p);
		rl->refused++;
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE(500));
		return;
	}
	coap_async_set_app_data(a, p);
	if (send_up(rl, p, req) == -1) {
		/* first run: the async is ours to free */
		coap_free_async(s, a);
		pend_put(rl, p);
		rl->refused++;
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE(502));
		return;
	}
	rl->forwarded++;
}

/*
 * -d: the separate NON response built and sent here (RFC 7252 §5.2.3: a
 * NON response with the request's token), no async and no second run of
 * the handler: what a relay bypassing libcoap's async API would do.
 */
static void
answer_direct(struct relay *rl, struct pend *p)
{
	coap_pdu_t *pdu;

	pdu = coap_pdu_init(COAP_MESSAGE_NON, p->code,
	    coap_new_message_id(p->s), coap_session_max_pdu_size(p->s));
	if (pdu != NULL) {
		coap_add_token(pdu, p->toklen, p->tok);
		if (coap_send(p->s, pdu) != COAP_INVALID_MID)
			rl->answered++;
	}
	pend_put(rl, p);
}

/* An upstream answer: trigger the held downstream request. */
static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *rcvd,
    const coap_mid_t mid)
{
	struct relay *rl = relay_of(s);
	coap_bin_const_t tok = coap_pdu_get_token(rcvd);
	coap_bin_const_t dtok;
	coap_async_t *a;
	struct pend *p;
	uint32_t i;

	if (s != rl->up || tok.length != UP_TOKLEN ||
	    (i = get_u32(tok.s)) >= MAX_PENDING)
		return COAP_RESPONSE_OK;
	p = &rl->p[i];
	if (p->s == NULL || p->gen != get_u32(tok.s + 4) || p->code != 0)
		return COAP_RESPONSE_OK;	/* late or repeated answer */
	p->code = coap_pdu_get_code(rcvd);
	dtok.length = p->toklen;
	dtok.s = p->tok;
	if (rl->direct) {
		answer_direct(rl, p);
		return COAP_RESPONSE_OK;
	}
	if ((a = coap_find_async(p->s, dtok)) == NULL)
		pend_put(rl, p);
	else
		coap_async_trigger(a);
	return COAP_RESPONSE_OK;
}

static int
on_event(coap_session_t *s, const coap_event_t ev)
{
	struct relay *rl = relay_of(s);

	if (s == rl->up) {
		if (ev == COAP_EVENT_DTLS_CLOSED || ev == COAP_EVENT_DTLS_ERROR ||
		    ev == COAP_EVENT_SESSION_CLOSED ||
		    ev == COAP_EVENT_SESSION_FAILED)
			rl->up_failed = true;
		return 0;
	}
	/* libcoap frees the session's asyncs; its slots go too */
	if (ev == COAP_EVENT_SERVER_SESSION_DEL)
		for (uint32_t i = 0; i < MAX_PENDING; i++)
			if (rl->p[i].s == s)
				pend_put(rl, &rl->p[i]);
	return 0;
}

static int
parse_addr(coap_address_t *a, const char *host, int port)
{
	coap_address_init(a);
	a->addr.sin.sin_family = AF_INET;
	a->addr.sin.sin_port = htons((uint16_t)port);
	a->size = sizeof(a->addr.sin);
	return inet_pton(AF_INET, host, &a->addr.sin.sin_addr) == 1 ? 0 : -1;
}

/* The one upstream session, established within 10 s. */
static int
connect_up(coap_context_t *ctx, struct relay *rl, const coap_address_t *dst,
    const char *identity, const char *key)
{
	coap_dtls_cpsk_t cpsk;
	uint8_t tok[8];
	time_t end = time(NULL) + 10;

	memset(&cpsk, 0, sizeof(cpsk));
	cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
	cpsk.psk_info.identity.s = (const uint8_t *)identity;
	cpsk.psk_info.identity.length = strlen(identity);
	cpsk.psk_info.key.s = (const uint8_t *)key;
	cpsk.psk_info.key.length = strlen(key);
	rl->up = coap_new_client_session_psk2(ctx, NULL, dst, COAP_PROTO_DTLS,
	    &cpsk);
	if (rl->up == NULL)
		return -1;
	coap_prng(tok, sizeof(tok));
	coap_session_init_token(rl->up, sizeof(tok), tok);
	while (coap_session_get_state(rl->up) != COAP_SESSION_STATE_ESTABLISHED) {
		if (rl->up_failed || quit || time(NULL) > end ||
		    coap_io_process(ctx, 100) < 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *key = NULL, *up = NULL;
	const char *up_id = "relay_floor", *up_key = NULL;
	char host[64];
	const char *colon;
	int port = 0, ch;
	coap_context_t *ctx;
	coap_address_t ua;
	struct relay *rl;

	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return 1;
	while ((ch = getopt(argc, argv, "A:p:k:U:i:K:d")) != -1) {
		switch (ch) {
		case 'd': rl->direct = true; break;
		case 'A': addr = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'k': key = optarg; break;
		case 'U': up = optarg; break;
		case 'i': up_id = optarg; break;
		case 'K': up_key = optarg; break;
		default: goto usage;
		}
	}
	if (port <= 0 || port > 65535 || key == NULL || up == NULL ||
	    (colon = strrchr(up, ':')) == NULL ||
	    (size_t)(colon - up) >= sizeof(host))
		goto usage;
	memcpy(host, up, (size_t)(colon - up));
	host[colon - up] = '\0';
	if (parse_addr(&ua, host, atoi(colon + 1)) == -1)
		goto usage;
	if (up_key == NULL)
		up_key = key;
	for (uint32_t i = 0; i < MAX_PENDING; i++)
		rl->p[i].next_free = i + 1;
	if ((ctx = server_context(on_signal)) == NULL)
		return 1;
	coap_set_app_data(ctx, rl);
	coap_register_response_handler(ctx, on_response);
	coap_register_event_handler(ctx, on_event);
	if (connect_up(ctx, rl, &ua, up_id, up_key) == -1) {
		fprintf(stderr, "relay_floor: no DTLS session to %s\n", up);
		return 1;
	}
	if (psk_listen(ctx, "relay_floor", key, addr, port, on_put) == -1)
		return 1;
	while (!quit && !rl->up_failed)
		if (coap_io_process(ctx, 1000) < 0)
			break;
	fprintf(stderr, "relay_floor: %lu forwarded, %lu answered, %lu refused%s\n",
	    rl->forwarded, rl->answered, rl->refused,
	    rl->up_failed ? "; the upstream session failed" : "");
	ch = rl->up_failed ? 1 : 0;
	coap_free_context(ctx);
	coap_cleanup();
	free(rl);
	return ch;
usage:
	fprintf(stderr, "usage: relay_floor -A ADDR -p PORT -k PSK-KEY "
	    "-U UP-ADDR:UP-PORT [-i UP-IDENTITY] [-K UP-PSK-KEY] [-d]\n");
	return 2;
}
