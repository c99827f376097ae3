/*
 * A DOTS server stand-in for integration tests: an upstream that never
 * confirms an observation (RFC 7641 §4.1). Every DOTS path is served by
 * libcoap's unknown resource, which cannot be observed, so a GET with
 * Observe 0 is answered 2.05 without an Observe option: not registered.
 *
 *   upstream_stub ADDR PORT CA CERT KEY CONTROL [HB-INTERVAL [MISSING-HB]]
 *
 * DTLS with X.509 mutual authentication (the client must chain to CA).
 * GET /config gives HB-INTERVAL (default 2) and MISSING-HB (default 4);
 * PUT mitigate/.../mid=N keeps the request (2.01, 2.04 again), GET of a
 * mid or of the cuid's collection answers what is kept with the status
 * and counters CONTROL says, DELETE forgets it (2.02), PUT hb is 2.04.
 *
 * CONTROL, read again on every request and every 100 ms, holds
 * "key value" lines: status N (1), bytes-dropped N, pkts-dropped N (0),
 * heartbeats answer|ignore, get answer|503, stray on|off. With stray on,
 * a change of status is sent as a notification (NON 2.05 with Observe)
 * on the token of each mid's last Observe GET although it was never
 * registered, as the interop peer of issue 14 did.
 *
 * One line per request on stdout ("GET mid=1 observe=0", "PUT hb", ...)
 * for the test to count; "ready" once listening. SIGTERM ends it.
 */
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <coap3/coap.h>

#include "common/dots_codec.h"
#include "client/pki.h"

#define MAX_MIDS	64

struct held {
	bool			 used;
	uint32_t		 mid;
	struct dots_mitigation	 req;	/* as PUT, mid set */
	coap_session_t		*obs_session;	/* last Observe GET, ref'd */
	uint8_t			 obs_token[8];
	size_t			 obs_toklen;
	uint32_t		 stray_seq;
};

struct control {
	uint32_t	 status;
	uint64_t	 bytes, pkts;
	bool		 ignore_hb;
	bool		 get_503;
	bool		 stray;
};

static struct held held[MAX_MIDS];
static struct control ctl;
static const char *ctl_file;
static uint32_t hb_interval = 2, missing_hb = 4;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
read_control(void)
{
	char line[128], key[64], word[32];
	FILE *f;

	ctl = (struct control){ .status = DOTS_STATUS_IN_PROGRESS };
	if ((f = fopen(ctl_file, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long v;

		if (sscanf(line, "%63s %31s", key, word) != 2)
			continue;
		v = strtoull(word, NULL, 10);
		if (strcmp(key, "status") == 0)
			ctl.status = (uint32_t)v;
		else if (strcmp(key, "bytes-dropped") == 0)
			ctl.bytes = v;
		else if (strcmp(key, "pkts-dropped") == 0)
			ctl.pkts = v;
		else if (strcmp(key, "heartbeats") == 0)
			ctl.ignore_hb = strcmp(word, "ignore") == 0;
		else if (strcmp(key, "get") == 0)
			ctl.get_503 = strcmp(word, "503") == 0;
		else if (strcmp(key, "stray") == 0)
			ctl.stray = strcmp(word, "on") == 0;
	}
	fclose(f);
}

/* The Uri-Path as "a/b/c" and the value of its mid= segment (0: none). */
static void
path_of(const coap_pdu_t *pdu, char *buf, size_t len, uint32_t *mid)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;
	size_t off = 0;

	*mid = 0;
	buf[0] = '\0';
	coap_option_iterator_init(pdu, &it, COAP_OPT_ALL);
	while ((o = coap_option_next(&it)) != NULL) {
		size_t n = coap_opt_length(o);
		const char *v = (const char *)coap_opt_value(o);

		if (it.number != COAP_OPTION_URI_PATH || off + n + 2 >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%.*s",
		    off ? "/" : "", (int)n, v);
		/* option values are not NUL-terminated: read the copy */
		if (n > 4 && strncmp(v, "mid=", 4) == 0)
			*mid = (uint32_t)strtoul(buf + off - n + 4, NULL, 10);
	}
}

static struct held *
find(uint32_t mid)
{
	for (size_t i = 0; i < MAX_MIDS; i++)
		if (held[i].used && held[i].mid == mid)
			return &held[i];
	return NULL;
}

static void
forget(struct held *h)
{
	dots_mitigation_free(&h->req);
	if (h->obs_session != NULL)
		coap_session_release(h->obs_session);
	memset(h, 0, sizeof(*h));
}

static void
reply(coap_pdu_t *resp, coap_pdu_code_t code, const uint8_t *buf, size_t len)
{
	uint8_t cf[4];

	coap_pdu_set_code(resp, code);
	if (buf == NULL)
		return;
	coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(cf, sizeof(cf),
	    COAP_MEDIATYPE_APPLICATION_DOTS_CBOR), cf);
	coap_add_data(resp, len, buf);
}

/* The scopes of the kept mids (all of them when mid is 0) as a body. */
static int
report(uint32_t mid, uint8_t **buf, size_t *len)
{
	struct dots_scope s[MAX_MIDS];
	struct dots_mitigation msg = { .scope = s };
	int r;

	for (size_t i = 0; i < MAX_MIDS; i++) {
		struct dots_scope *sc;

		if (!held[i].used || (mid != 0 && held[i].mid != mid) ||
		    held[i].req.n_scope == 0)
			continue;
		sc = &s[msg.n_scope++];
		*sc = held[i].req.scope[0];	/* borrowed members */
		sc->present |= DOTS_SCOPE_MID | DOTS_SCOPE_STATUS |
		    DOTS_SCOPE_BYTES_DROPPED | DOTS_SCOPE_PKTS_DROPPED;
		sc->present &= ~(DOTS_SCOPE_TRIGGER | DOTS_SCOPE_ATTACK_STATUS);
		sc->mid = held[i].mid;
		sc->status = ctl.status;
		sc->bytes_dropped = ctl.bytes;
		sc->pkts_dropped = ctl.pkts;
		sc->conflict = NULL;
		sc->acl_list = NULL;
		sc->n_acl_list = 0;
	}
	if (msg.n_scope == 0)
		return -1;
	r = dots_encode_mitigation(&msg, buf, len);
	return r;
}

static void
on_get(coap_resource_t *res, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	struct dots_signal_config sc = { 0 };
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(req, COAP_OPTION_OBSERVE, &it);
	int observe = o == NULL ? -1 : (int)coap_decode_var_bytes(
	    coap_opt_value(o), coap_opt_length(o));
	char path[256];
	uint32_t mid;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct held *h;

	read_control();
	path_of(req, path, sizeof(path), &mid);
	if (strstr(path, "dots/config") != NULL) {
		printf("GET config\n");
		sc.has_mitigating = sc.has_idle = true;
		sc.idle.p[DOTS_CFG_HEARTBEAT_INTERVAL] =
		    (struct dots_cfg_param){ .has_cur = true,
		    .cur = hb_interval };
		sc.idle.p[DOTS_CFG_MISSING_HB_ALLOWED] =
		    (struct dots_cfg_param){ .has_cur = true,
		    .cur = missing_hb };
		sc.mitigating = sc.idle;
		if (dots_encode_signal_config(&sc, &buf, &len) == 0)
			reply(resp, COAP_RESPONSE_CODE_CONTENT, buf, len);
		free(buf);
		fflush(stdout);
		return;
	}
	if (mid != 0)
		printf("GET mid=%u observe=%d\n", mid, observe);
	else
		printf("GET all observe=%d\n", observe);
	fflush(stdout);
	if (ctl.get_503) {
		reply(resp, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE, NULL, 0);
		return;
	}
	if (mid != 0 && (h = find(mid)) != NULL && observe == 0) {
		coap_bin_const_t tok = coap_pdu_get_token(req);

		if (h->obs_session != NULL)
			coap_session_release(h->obs_session);
		h->obs_session = coap_session_reference(s);
		h->obs_toklen = tok.length < sizeof(h->obs_token) ?
		    tok.length : sizeof(h->obs_token);
		memcpy(h->obs_token, tok.s, h->obs_toklen);
	}
	if (report(mid, &buf, &len) == -1) {
		reply(resp, COAP_RESPONSE_CODE_NOT_FOUND, NULL, 0);
		return;
	}
	/* no Observe option: the unknown resource registers no observer */
	reply(resp, COAP_RESPONSE_CODE_CONTENT, buf, len);
	free(buf);
}

static void
on_put(coap_resource_t *res, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	struct dots_mitigation msg = { 0 };
	struct dots_scope ack = { 0 };
	struct dots_mitigation out = { .scope = &ack, .n_scope = 1 };
	struct dots_err err;
	const uint8_t *data = NULL;
	size_t len = 0;
	char path[256];
	uint32_t mid;
	uint8_t *buf;
	size_t blen;
	struct held *h;
	bool created;

	read_control();
	path_of(req, path, sizeof(path), &mid);
	if (strstr(path, "dots/hb") != NULL) {
		printf("PUT hb%s\n", ctl.ignore_hb ? " ignored" : "");
		fflush(stdout);
		/* held for ever, never answered: a NON request held
		 * as a separate response gets nothing at all */
		if (ctl.ignore_hb)
			(void)coap_register_async(s, req, 0);
		else
			reply(resp, COAP_RESPONSE_CODE_CHANGED, NULL, 0);
		return;
	}
	printf("PUT mid=%u\n", mid);
	fflush(stdout);
	(void)coap_get_data(req, &len, &data);
	if (mid == 0 || dots_decode_mitigation(data, len, DOTS_REQ, &msg,
	    &err) == -1 || msg.n_scope != 1) {
		dots_mitigation_free(&msg);
		reply(resp, COAP_RESPONSE_CODE_BAD_REQUEST, NULL, 0);
		return;
	}
	created = (h = find(mid)) == NULL;
	if (created)
		for (size_t i = 0; i < MAX_MIDS && h == NULL; i++)
			if (!held[i].used)
				h = &held[i];
	if (h == NULL) {
		dots_mitigation_free(&msg);
		reply(resp, COAP_RESPONSE_CODE_SERVICE_UNAVAILABLE, NULL, 0);
		return;
	}
	if (created) {
		h->used = true;
		h->mid = mid;
	} else
		dots_mitigation_free(&h->req);
	h->req = msg;
	ack.present = DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME;
	ack.mid = mid;
	ack.lifetime = msg.scope[0].lifetime;
	if (dots_encode_mitigation(&out, &buf, &blen) == -1) {
		reply(resp, COAP_RESPONSE_CODE_INTERNAL_ERROR, NULL, 0);
		return;
	}
	reply(resp, created ? COAP_RESPONSE_CODE_CREATED :
	    COAP_RESPONSE_CODE_CHANGED, buf, blen);
	free(buf);
}

static void
on_delete(coap_resource_t *res, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	char path[256];
	uint32_t mid;
	struct held *h;

	path_of(req, path, sizeof(path), &mid);
	printf("DELETE mid=%u\n", mid);
	fflush(stdout);
	if ((h = find(mid)) != NULL)
		forget(h);
	reply(resp, COAP_RESPONSE_CODE_DELETED, NULL, 0);
}

/* A notification nobody registered for (stray on): the client must
 * answer it with RST and carry on. */
static void
send_strays(uint32_t status)
{
	static uint32_t last;
	uint8_t *buf, obs[4];
	size_t len;

	if (status == last)
		return;
	last = status;
	for (size_t i = 0; i < MAX_MIDS; i++) {
		struct held *h = &held[i];
		coap_pdu_t *pdu;

		if (!h->used || h->obs_session == NULL ||
		    coap_session_get_state(h->obs_session) !=
		    COAP_SESSION_STATE_ESTABLISHED ||
		    report(h->mid, &buf, &len) == -1)
			continue;
		pdu = coap_new_pdu(COAP_MESSAGE_NON, COAP_RESPONSE_CODE_CONTENT,
		    h->obs_session);
		if (pdu != NULL && coap_add_token(pdu, h->obs_toklen,
		    h->obs_token) && coap_add_option(pdu, COAP_OPTION_OBSERVE,
		    coap_encode_var_safe(obs, sizeof(obs), ++h->stray_seq),
		    obs)) {
			reply(pdu, COAP_RESPONSE_CODE_CONTENT, buf, len);
			printf("NOTIFY mid=%u status=%u (unregistered)\n",
			    h->mid, status);
			fflush(stdout);
			coap_send(h->obs_session, pdu);
		} else
			coap_delete_pdu(pdu);
		free(buf);
	}
}

int
main(int argc, char **argv)
{
	coap_context_t *ctx;
	coap_resource_t *r;
	coap_dtls_pki_t pki;
	coap_address_t a;

	if (argc < 7) {
		fprintf(stderr, "usage: upstream_stub ADDR PORT CA CERT KEY "
		    "CONTROL [HB-INTERVAL [MISSING-HB]]\n");
		return 2;
	}
	ctl_file = argv[6];
	if (argc > 7)
		hb_interval = (uint32_t)strtoul(argv[7], NULL, 10);
	if (argc > 8)
		missing_hb = (uint32_t)strtoul(argv[8], NULL, 10);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	if ((ctx = coap_new_context(NULL)) == NULL)
		return 1;
	pki_setup(&pki, argv[3], argv[4], argv[5], NULL, NULL);
	if (!coap_context_set_pki(ctx, &pki)) {
		fprintf(stderr, "upstream_stub: PKI setup failed\n");
		return 1;
	}
	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons((uint16_t)atoi(argv[2]));
	a.size = sizeof(a.addr.sin);
	if (inet_pton(AF_INET, argv[1], &a.addr.sin.sin_addr) != 1 ||
	    coap_new_endpoint(ctx, &a, COAP_PROTO_DTLS) == NULL) {
		fprintf(stderr, "upstream_stub: cannot listen on %s:%s\n",
		    argv[1], argv[2]);
		return 1;
	}
	r = coap_resource_unknown_init2(on_put, 0);
	coap_register_request_handler(r, COAP_REQUEST_GET, on_get);
	coap_register_request_handler(r, COAP_REQUEST_DELETE, on_delete);
	coap_add_resource(ctx, r);
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		coap_io_process(ctx, 100);
		read_control();
		if (ctl.stray)
			send_strays(ctl.status);
	}
	for (size_t i = 0; i < MAX_MIDS; i++)
		if (held[i].used)
			forget(&held[i]);
	coap_free_context(ctx);
	coap_cleanup();
	return 0;
}
