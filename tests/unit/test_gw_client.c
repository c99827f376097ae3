/*
 * gateway/client.c's small session against a libcoap server in this
 * process, over DTLS PSK on 127.0.0.1: requests marked small go on the
 * second session (made without block-wise state); an answer that still
 * comes in Block2 blocks there is fetched whole on the main session, a
 * notification included, and an observation on the small session is
 * cancelled with a GET carrying Observe 1 (RFC 7641 §3.6).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "client/client.h"
#include "unit.h"
#include "unit_net.h"

#define BIG	3000		/* three 1,024-byte blocks */
#define KEY	"secret-key-1234"

struct srv {
	coap_context_t	*ctx;
	coap_resource_t	*big, *small, *mute;
	int		 gets, observe_gets, deregistrations, puts, mutes;
	int		 sessions;
	uint8_t		 body[BIG];
};

static struct srv S;

static void
on_get(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(req, COAP_OPTION_OBSERVE, &it);
	size_t len = r == S.big ? BIG : 10;

	if (o == NULL)
		S.gets++;
	else if (coap_decode_var_bytes(coap_opt_value(o),
	    coap_opt_length(o)) == COAP_OBSERVE_CANCEL)
		S.deregistrations++;
	else
		S.observe_gets++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
	coap_add_data_large_response(r, s, req, resp, q,
	    COAP_MEDIATYPE_APPLICATION_CBOR, -1, 0, len, S.body, NULL, NULL);
}

static void
on_put(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	S.puts++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
	coap_add_data_large_response(r, s, req, resp, q,
	    COAP_MEDIATYPE_APPLICATION_CBOR, -1, 0, BIG, S.body, NULL, NULL);
}

/* No answer at all: the client repeats the NON until its deadline. */
static void
on_mute(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	S.mutes++;
}

static int
on_event(coap_session_t *s, const coap_event_t ev)
{
	if (ev == COAP_EVENT_SERVER_SESSION_NEW)
		S.sessions++;
	return 0;
}

static coap_resource_t *
resource(const char *path)
{
	coap_resource_t *r = coap_resource_init(coap_make_str_const(path), 0);

	coap_register_request_handler(r, COAP_REQUEST_GET, on_get);
	coap_register_request_handler(r, COAP_REQUEST_PUT, on_put);
	coap_resource_set_get_observable(r, 1);
	coap_add_resource(S.ctx, r);
	return r;
}

static int
server_start(int port)
{
	coap_dtls_spsk_t spsk;
	coap_address_t a;

	memset(&spsk, 0, sizeof(spsk));
	spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
	spsk.psk_info.key.s = (const uint8_t *)KEY;
	spsk.psk_info.key.length = strlen(KEY);
	if ((S.ctx = coap_new_context(NULL)) == NULL ||
	    !coap_context_set_psk2(S.ctx, &spsk))
		return -1;
	coap_context_set_block_mode(S.ctx, COAP_BLOCK_USE_LIBCOAP);
	coap_register_event_handler(S.ctx, on_event);
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)port);
	a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.size = sizeof(a.addr.sin);
	if (coap_new_endpoint(S.ctx, &a, COAP_PROTO_DTLS) == NULL)
		return -1;
	S.big = resource("big");
	S.small = resource("small");
	S.mute = coap_resource_init(coap_make_str_const("mute"), 0);
	coap_register_request_handler(S.mute, COAP_REQUEST_GET, on_mute);
	coap_add_resource(S.ctx, S.mute);
	return 0;
}

/* Both sides, for ms. */
static void
pump(struct dots_client *dc, unsigned ms)
{
	for (unsigned t = 0; t < ms; t += 2) {
		coap_io_process(S.ctx, COAP_IO_NO_WAIT);
		dc_wait(dc, 2);
	}
}

/* Both sides until cond holds, for ms at most; then 100 ms more, for
 * anything that should not come. */
#define PUMP_UNTIL(dc, ms, cond) do {					\
	for (unsigned t_ = 0; t_ < (ms) && !(cond); t_ += 10)		\
		pump(dc, 10);						\
	pump(dc, 100);							\
} while (0)

struct got {
	int	 n, status;
	size_t	 len;
	bool	 observe;
	bool	 whole;		/* every byte as served */
};

static void
got_cb(void *arg, int status, const struct dc_resp *r)
{
	struct got *g = arg;

	g->n++;
	g->status = status;
	if (status != DC_OK)
		return;
	g->len = r->len;
	g->observe = r->has_observe;
	g->whole = r->len > 0 && memcmp(r->payload, S.body, r->len) == 0;
}

/* How many of g[0..n) were answered at least k times. */
static int
answered(const struct got *g, int n, int k)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += g[i].n >= k;
	return c;
}

static struct dc_req
get_req(const char *path, int observe)
{
	struct dc_req q = { 0 };

	q.method = COAP_REQUEST_CODE_GET;
	q.path[0] = path;
	q.npath = 1;
	q.content_format = -1;
	q.observe = observe;
	q.small = true;
	return q;
}

/* Observe path, and wait for the registration's answer: its id, 0 when
 * it could not be sent. */
static uint64_t
observe(struct dots_client *dc, const char *path, struct got *g)
{
	struct dc_req q = get_req(path, 0);
	uint64_t id;

	if ((id = dc_send(dc, &q, 5000, got_cb, g)) != 0)
		PUMP_UNTIL(dc, 3000, g->n > 0);
	return id;
}

int
main(void)
{
	char uri[64];
	int port = free_udp_port();
	struct dc_opts o = { 0 };
	struct dots_client *dc;
	char err[DC_ERRLEN];

	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	for (size_t i = 0; i < BIG; i++)
		S.body[i] = (uint8_t)(i * 7 + 1);
	if (port <= 0 || server_start(port) == -1) {
		printf("FAIL client: cannot start the test server\n");
		return 1;
	}
	snprintf(uri, sizeof(uri), "coaps://127.0.0.1:%d", port);
	o.uri = uri;
	o.psk_identity = "gw-a";
	o.psk_key = (const uint8_t *)KEY;
	o.psk_key_len = strlen(KEY);
	o.small_session = true;
	if ((dc = dc_new(&o, err, sizeof(err))) == NULL) {
		printf("FAIL client: %s\n", err);
		return 1;
	}

	TEST("client: a small answer comes on the small session") {
		struct dc_req q = get_req("small", -1);
		struct got g = { 0 };

		CHECK(dc_send(dc, &q, 5000, got_cb, &g) != 0);
		PUMP_UNTIL(dc, 3000, g.n > 0);
		CHECK(g.n == 1 && g.status == DC_OK && g.len == 10 && g.whole);
		CHECK(S.gets == 1);
		CHECK(S.sessions == 2);		/* the main one and the small */
	}

	TEST("client: an answer in blocks is fetched whole on the main "
	    "session, once") {
		struct dc_req q = get_req("big", -1);
		struct got g = { 0 };
		int before = S.gets;

		CHECK(dc_send(dc, &q, 5000, got_cb, &g) != 0);
		PUMP_UNTIL(dc, 3000, g.n > 0);
		CHECK(g.n == 1 && g.status == DC_OK && g.len == BIG && g.whole);
		CHECK(S.gets - before == 2);	/* small, then main */
	}

	TEST("client: a PUT whose answer comes in blocks moves to the main "
	    "session") {
		struct dc_req q = get_req("big", -1);
		struct got g = { 0 };

		q.method = COAP_REQUEST_CODE_PUT;
		q.content_format = COAP_MEDIATYPE_APPLICATION_CBOR;
		q.payload = (const uint8_t *)"\xa0";
		q.len = 1;
		CHECK(dc_send(dc, &q, 5000, got_cb, &g) != 0);
		PUMP_UNTIL(dc, 3000, g.n > 0);
		CHECK(g.n == 1 && g.status == DC_OK && g.len == BIG && g.whole);
		CHECK(S.puts == 2);
	}

	TEST("client: an observation in blocks: the registration and each "
	    "notification arrive whole") {
		struct got g = { 0 };
		int before = S.gets;
		uint64_t id;

		CHECK((id = observe(dc, "big", &g)) != 0);
		CHECK(g.n == 1 && g.len == BIG && g.whole && g.observe);
		CHECK(S.observe_gets == 1 && S.gets - before == 1);
		/* libcoap's server holds notifications on a session 2 s
		 * after a blocked answer that was not fetched there */
		coap_resource_notify_observers(S.big, NULL);
		PUMP_UNTIL(dc, 4000, g.n > 1);
		CHECK(g.n == 2 && g.len == BIG && g.whole && g.observe);
		CHECK(S.gets - before == 2);
		dc_cancel(dc, id);
		PUMP_UNTIL(dc, 3000, S.deregistrations > 0);
		CHECK(S.deregistrations == 1);
		coap_resource_notify_observers(S.big, NULL);
		pump(dc, 300);
		CHECK(g.n == 2);		/* nothing after the cancel */
	}

	TEST("client: a small observation: notifications on the small "
	    "session, no GET on the main one") {
		struct got g = { 0 };
		int before = S.gets, obs = S.observe_gets;
		uint64_t id;

		CHECK((id = observe(dc, "small", &g)) != 0);
		coap_resource_notify_observers(S.small, NULL);
		PUMP_UNTIL(dc, 4000, g.n > 1);	/* as above */
		CHECK(g.n == 2 && g.len == 10 && g.whole && g.observe);
		CHECK(S.gets == before);
		CHECK(S.observe_gets - obs == 2);
		dc_cancel(dc, id);
		PUMP_UNTIL(dc, 3000, S.deregistrations > 1);
		CHECK(S.deregistrations == 2);
	}

	TEST("client: cancelling some of many requests ends just those (ids "
	    "found after the tables grew)") {
		enum { N = 150 };	/* past the tables' first 64 buckets */
		static struct got g[N];
		uint64_t id[N];
		int cancelled = 0;

		for (int i = 0; i < N; i++) {
			struct dc_req q = get_req("mute", -1);

			CHECK((id[i] = dc_send(dc, &q, 1000, got_cb,
			    &g[i])) != 0);
		}
		/* every third, from the last down, and an id none has */
		for (int i = N - 1; i >= 0; i--)
			if (i % 3 == 0) {
				dc_cancel(dc, id[i]);
				cancelled++;
			}
		dc_cancel(dc, id[N - 1] + 1000);
		PUMP_UNTIL(dc, 4000, answered(g, N, 1) == N - cancelled);
		for (int i = 0; i < N; i++)
			CHECK(g[i].n == (i % 3 == 0 ? 0 : 1) &&
			    (g[i].n == 0 || g[i].status == DC_TIMEOUT));
		CHECK(S.mutes > 0);
	}

	TEST("client: once closing, cancelling an observation sends no "
	    "deregistration") {
		struct got g = { 0 };
		int dereg = S.deregistrations;
		uint64_t id;

		CHECK((id = observe(dc, "small", &g)) != 0);
		CHECK(g.n == 1 && g.observe);
		dc_closing(dc);
		dc_cancel(dc, id);
		pump(dc, 300);
		CHECK(S.deregistrations == dereg);
		coap_resource_notify_observers(S.small, NULL);
		pump(dc, 300);
		CHECK(g.n == 1);	/* forgotten: the notification gets RST */
	}

	dc_free(dc);
	coap_free_context(S.ctx);
	coap_cleanup();
	return UNIT_EXIT();
}
