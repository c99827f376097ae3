/*
 * DOTS client over libcoap 4.3.1; see client.h. Pitfalls handled here
 * (libcoap-4.3.1.md): tokens are seeded (§4), NON requests are repeated by
 * us since libcoap never does (§4, RFC 9132 §4.3), the server name is
 * checked in the CN callback since libcoap does no hostname check (§3),
 * and nothing is freed inside a libcoap handler: finished requests are
 * marked and reaped by dc_tick().
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "client/client.h"
#include "client/pki.h"
#include "common/dots_codec.h"

/* Room for header, token and options next to a body on the small session */
#define DC_SMALL_ROOM	128

struct dc_pending {
	struct dc_pending *next;
	struct dc_pending *tok_next;	/* in the token table's bucket */
	coap_session_t	*sess;		/* it went out on */
	uint64_t	 id;
	uint64_t	 refetch_of;	/* a whole-body GET for this id */
	uint32_t	 observe;	/* of the notification refetched */
	uint8_t		 token[8];
	size_t		 toklen;
	struct dc_req	 req;		/* path and payload point at copies */
	char		*path[DC_MAX_PATH];
	uint8_t		*payload;
	uint64_t	 deadline;	/* ms, monotonic */
	uint64_t	 next_send;	/* NON repeat */
	dc_resp_fn	 cb;
	void		*arg;
	bool		 sent;		/* went out at least once */
	bool		 answered;
	bool		 observing;	/* registration accepted */
	bool		 cancelling;	/* deregistration sent */
	bool		 done;		/* reap at the next tick */
};

/*
 * The small session (dc_opts.small_session): a second session to the same
 * server, made with libcoap's block-wise mode off. With it on, libcoap
 * 4.3.1 keeps a record per observation and walks them all on every I/O
 * turn and in every coap_send(); a relay observing thousands of
 * mitigations spent half its CPU there. Requests marked small go on it;
 * an answer that still comes in blocks is fetched whole on the main
 * session (dc_refetch).
 */
struct dots_client {
	coap_context_t	*ctx;
	coap_session_t	*s;
	coap_session_t	*s_small;	/* NULL unless asked for */
	struct dc_pending *pending;
	struct dc_pending **tok_tab;	/* (session, token) -> pending */
	size_t		 tok_cap;	/* a power of two */
	size_t		 tok_n;
	uint64_t	 next_id;
	bool		 established;
	bool		 failed;
	bool		 freeing;
	/* the handshake ended in dc_cn_cb: err says why, and nothing
	 * after (a send on the dead session) overwrites it */
	bool		 cert_refused;
	bool		 name_refused;	/* of those: server_name mismatch */
	unsigned	 hb_in;
	char		*server_name;
	char		*ca_file, *cert_file, *key_file;
	char		 err[DC_ERRLEN];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
dc_seterr(struct dots_client *dc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dc->err, sizeof(dc->err), fmt, ap);
	va_end(ap);
}

static struct dots_client *
dc_of(coap_session_t *s)
{
	return coap_get_app_data(coap_session_get_context(s));
}

static size_t
tok_hash(const struct dots_client *dc, const coap_session_t *sess,
    const uint8_t *tok, size_t len)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)sess;

	for (size_t i = 0; i < len; i++)
		h = (h ^ tok[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & (dc->tok_cap - 1);
}

static int
tok_insert(struct dots_client *dc, struct dc_pending *p)
{
	size_t b;

	if (dc->tok_n + 1 > dc->tok_cap) {	/* grow: rehash all */
		size_t old = dc->tok_cap, cap = old ? old * 2 : 64;
		struct dc_pending **o = dc->tok_tab, **t;

		if ((t = calloc(cap, sizeof(*t))) == NULL)
			return -1;
		dc->tok_tab = t;
		dc->tok_cap = cap;
		for (size_t i = 0; i < old; i++)
			for (struct dc_pending *q = o[i], *n; q != NULL; q = n) {
				n = q->tok_next;
				b = tok_hash(dc, q->sess, q->token, q->toklen);
				q->tok_next = t[b];
				t[b] = q;
			}
		free(o);
	}
	b = tok_hash(dc, p->sess, p->token, p->toklen);
	p->tok_next = dc->tok_tab[b];
	dc->tok_tab[b] = p;
	dc->tok_n++;
	return 0;
}

static void
tok_remove(struct dots_client *dc, struct dc_pending *p)
{
	struct dc_pending **pp;

	if (dc->tok_cap == 0)
		return;
	pp = &dc->tok_tab[tok_hash(dc, p->sess, p->token, p->toklen)];
	for (; *pp != NULL; pp = &(*pp)->tok_next)
		if (*pp == p) {
			*pp = p->tok_next;
			dc->tok_n--;
			return;
		}
}

static struct dc_pending *
dc_find_token(struct dots_client *dc, coap_session_t *sess,
    coap_bin_const_t tok)
{
	struct dc_pending *p;

	if (dc->tok_cap == 0)
		return NULL;
	p = dc->tok_tab[tok_hash(dc, sess, tok.s, tok.length)];
	for (; p != NULL; p = p->tok_next)
		if (!p->done && p->sess == sess && p->toklen == tok.length &&
		    memcmp(p->token, tok.s, tok.length) == 0)
			return p;
	return NULL;
}

static struct dc_pending *
dc_find_id(struct dots_client *dc, uint64_t id)
{
	struct dc_pending *p;

	for (p = dc->pending; p != NULL; p = p->next)
		if (p->id == id && !p->done && p->refetch_of == 0)
			return p;
	return NULL;
}

static void
dc_check_established(struct dots_client *dc)
{
	if (!dc->established && dc->s != NULL &&
	    coap_session_get_state(dc->s) == COAP_SESSION_STATE_ESTABLISHED)
		dc->established = true;
}

/* Report a result and mark the request finished. */
static void
dc_finish(struct dots_client *dc, struct dc_pending *p, int status,
    const struct dc_resp *r)
{
	p->done = true;
	if (!dc->freeing && p->cb != NULL && !p->cancelling)
		p->cb(p->arg, status, r);
}

static void
dc_fail_all(struct dots_client *dc, const char *why)
{
	struct dc_pending *p;
	int status;

	dc->failed = true;
	status = dc->established ? DC_FAILED : DC_HANDSHAKE;
	if (dc->err[0] == '\0')
		dc_seterr(dc, "%s", why);
	for (p = dc->pending; p != NULL; p = p->next)
		if (!p->done)
			dc_finish(dc, p, status, NULL);
}

static void
dc_pending_free(struct dc_pending *p)
{
	for (size_t i = 0; i < p->req.npath; i++)
		free(p->path[i]);
	free(p->payload);
	free(p);
}

static void
dc_reap(struct dots_client *dc)
{
	struct dc_pending **pp = &dc->pending, *p;

	while ((p = *pp) != NULL) {
		if (p->done) {
			*pp = p->next;
			tok_remove(dc, p);
			dc_pending_free(p);
		} else
			pp = &p->next;
	}
}

static uint32_t
opt_uint(const coap_pdu_t *pdu, coap_option_num_t num, bool *has)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;

	if ((o = coap_check_option(pdu, num, &it)) == NULL) {
		*has = false;
		return 0;
	}
	*has = true;
	return coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
}

static int
dc_resp_fill(struct dc_resp *r, const coap_pdu_t *pdu)
{
	const uint8_t *data = NULL;
	size_t len = 0, off, total;
	coap_pdu_code_t code = coap_pdu_get_code(pdu);
	bool has;
	uint32_t v;

	memset(r, 0, sizeof(*r));
	r->code = COAP_RESPONSE_CLASS(code) * 100 + (code & 0x1f);
	v = opt_uint(pdu, COAP_OPTION_CONTENT_FORMAT, &has);
	r->content_format = has ? (int)v : -1;
	r->max_age = opt_uint(pdu, COAP_OPTION_MAXAGE, &r->has_max_age);
	r->observe = opt_uint(pdu, COAP_OPTION_OBSERVE, &r->has_observe);
	if (!coap_get_data_large(pdu, &len, &data, &off, &total))
		len = 0;
	if ((r->payload = malloc(len + 1)) == NULL)
		return -1;
	if (len > 0)
		memcpy(r->payload, data, len);
	r->payload[len] = '\0';
	r->len = len;
	return 0;
}

void
dc_resp_free(struct dc_resp *r)
{
	if (r == NULL)
		return;
	free(r->payload);
	r->payload = NULL;
	r->len = 0;
}

static struct dc_pending *dc_enqueue(struct dots_client *,
    const struct dc_req *, coap_session_t *, uint64_t deadline,
    dc_resp_fn, void *);

static bool
dc_more_blocks(const coap_pdu_t *pdu)
{
	coap_block_t b;

	return coap_get_block(pdu, COAP_OPTION_BLOCK2, &b) && b.m;
}

/*
 * An answer on the small session that came in blocks (RFC 7959): its body
 * is fetched whole on the main session. An observation stays where it
 * is, and the GET's answer is handed on as the notification; any other
 * request moves to the main session under the same id.
 */
static void
dc_refetch(struct dots_client *dc, struct dc_pending *p, bool notification,
    uint32_t observe)
{
	struct dc_req q = p->req;
	struct dc_pending *n;

	p->answered = true;
	if (notification && p->req.observe == 0) {
		p->observing = true;
		q.method = COAP_REQUEST_CODE_GET;
		q.observe = -1;
		q.con = true;
		q.payload = NULL;
		q.len = 0;
		if ((n = dc_enqueue(dc, &q, dc->s, now_ms() +
		    2 * DC_NON_REPEAT_MS, NULL, NULL)) != NULL) {
			n->refetch_of = p->id;
			n->observe = observe;
		}
		return;
	}
	if ((n = dc_enqueue(dc, &q, dc->s, p->deadline, p->cb,
	    p->arg)) == NULL) {
		dc_finish(dc, p, DC_FAILED, NULL);
		return;
	}
	n->id = p->id;
	p->done = true;			/* silently: n answers for it */
}

/* The whole body of a notification that came in blocks. */
static void
dc_refetched(struct dots_client *dc, struct dc_pending *n, struct dc_resp *r)
{
	struct dc_pending *p;

	n->done = true;
	if ((p = dc_find_id(dc, n->refetch_of)) == NULL || !p->observing ||
	    p->cancelling || p->cb == NULL || r->code / 100 != 2)
		return;
	r->has_observe = true;
	r->observe = n->observe;
	p->cb(p->arg, DC_OK, r);
}

static coap_response_t
dc_response_handler(coap_session_t *s, const coap_pdu_t *sent,
    const coap_pdu_t *rcvd, const coap_mid_t mid)
{
	struct dots_client *dc = dc_of(s);
	struct dc_pending *p;
	struct dc_resp r;
	bool has_obs;
	uint32_t obs;

	if (dc == NULL || dc->freeing)
		return COAP_RESPONSE_OK;
	dc->established = true;
	obs = opt_uint(rcvd, COAP_OPTION_OBSERVE, &has_obs);
	if ((p = dc_find_token(dc, s, coap_pdu_get_token(rcvd))) == NULL)
		/* An observation we no longer want: RST ends it. */
		return has_obs ? COAP_RESPONSE_FAIL : COAP_RESPONSE_OK;
	if (p->cancelling) {
		if (!has_obs)
			p->done = true;
		return COAP_RESPONSE_OK;
	}
	if (s == dc->s_small && dc_more_blocks(rcvd)) {
		dc_refetch(dc, p, has_obs, obs);
		return COAP_RESPONSE_OK;
	}
	if (dc_resp_fill(&r, rcvd) == -1) {
		dc_finish(dc, p, DC_FAILED, NULL);
		return COAP_RESPONSE_OK;
	}
	p->answered = true;
	if (p->refetch_of != 0) {
		dc_refetched(dc, p, &r);
		dc_resp_free(&r);
		return COAP_RESPONSE_OK;
	}
	if (p->req.observe == 0 && r.has_observe && r.code / 100 == 2) {
		p->observing = true;
		if (p->cb != NULL)
			p->cb(p->arg, DC_OK, &r);
	} else
		dc_finish(dc, p, DC_OK, &r);
	dc_resp_free(&r);
	return COAP_RESPONSE_OK;
}

static void
dc_nack_handler(coap_session_t *s, const coap_pdu_t *sent,
    const coap_nack_reason_t reason, const coap_mid_t mid)
{
	struct dots_client *dc = dc_of(s);
	struct dc_pending *p;

	if (dc == NULL || dc->freeing)
		return;
	if (reason == COAP_NACK_TLS_FAILED) {
		dc_fail_all(dc, "handshake failed");
		return;
	}
	if (sent == NULL ||
	    (p = dc_find_token(dc, s, coap_pdu_get_token(sent))) == NULL)
		return;
	if (reason == COAP_NACK_RST)
		dc_seterr(dc, "request reset by the server");
	else if (reason == COAP_NACK_TOO_MANY_RETRIES)
		dc_seterr(dc, "no acknowledgement (too many retransmissions)");
	else
		dc_seterr(dc, "request failed (nack %d)", (int)reason);
	dc_finish(dc, p, reason == COAP_NACK_TOO_MANY_RETRIES ? DC_TIMEOUT :
	    DC_FAILED, NULL);
}

static int
dc_event_handler(coap_session_t *s, const coap_event_t ev)
{
	struct dots_client *dc = dc_of(s);

	if (dc == NULL || dc->freeing || (s != dc->s && s != dc->s_small))
		return 0;
	switch (ev) {
	case COAP_EVENT_DTLS_CONNECTED:
	case COAP_EVENT_SESSION_CONNECTED:
		dc->established = true;
		break;
	case COAP_EVENT_DTLS_CLOSED:
	case COAP_EVENT_DTLS_ERROR:
	case COAP_EVENT_TCP_CLOSED:
	case COAP_EVENT_TCP_FAILED:
	case COAP_EVENT_SESSION_CLOSED:
	case COAP_EVENT_SESSION_FAILED:
		dc_fail_all(dc, dc->established ? "session closed" :
		    "handshake failed");
		break;
	default:
		break;
	}
	return 0;
}

/* PUT /.well-known/dots/hb from the server (RFC 9132 §4.7): answer 2.04. */
static void
dc_hb_handler(coap_resource_t *res, coap_session_t *s,
    const coap_pdu_t *req, const coap_string_t *query, coap_pdu_t *resp)
{
	struct dots_client *dc = dc_of(s);
	struct dots_heartbeat hb;
	struct dots_err err = { 0, "" };
	const uint8_t *data = NULL;
	size_t len = 0;
	bool has;
	uint32_t cf;

	cf = opt_uint(req, COAP_OPTION_CONTENT_FORMAT, &has);
	(void)coap_get_data(req, &len, &data);
	if (has && cf != COAP_MEDIATYPE_APPLICATION_DOTS_CBOR) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_UNSUPPORTED_CONTENT_FORMAT);
		return;
	}
	if (dots_decode_heartbeat(data, len, &hb, &err) == -1) {
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE_BAD_REQUEST);
		coap_add_data(resp, strlen(err.msg), (const uint8_t *)err.msg);
		return;
	}
	if (dc != NULL)
		dc->hb_in++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CHANGED);
}

/*
 * The server certificate's leaf (depth 0), chain already verified by
 * libcoap: its CN or a DNS SubjectAltName must match server_name. A
 * refusal names what was expected and every name the certificate
 * carries, since the usual cause is a server-name (or a peer name it
 * defaults to) that is not what the certificate says.
 */
static int
dc_cn_cb(const char *cn, const uint8_t *der, size_t len, coap_session_t *s,
    unsigned depth, int validated, void *arg)
{
	struct dots_client *dc = arg;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)der,
	    (unsigned)len };
	char names[160];
	int ok = 0;

	if (depth != 0 || dc == NULL || dc->server_name == NULL)
		return 1;
	if (gnutls_x509_crt_init(&crt) < 0)
		return 0;
	snprintf(names, sizeof(names), "%s", cn ? cn : "?");
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0) {
		ok = gnutls_x509_crt_check_hostname(crt, dc->server_name) != 0;
		pki_cert_names(crt, names, sizeof(names));
	}
	gnutls_x509_crt_deinit(crt);
	if (!validated) {
		dc->cert_refused = true;
		dc_seterr(dc, "handshake failed: server certificate (%s) not "
		    "validated", names);
		return 0;
	}
	if (!ok) {
		dc->cert_refused = dc->name_refused = true;
		dc_seterr(dc, "handshake failed: server certificate does not "
		    "match server name %s: it names %s", dc->server_name,
		    names);
	}
	return ok;
}

static int
dc_resolve(struct dots_client *dc, const coap_uri_t *u, coap_address_t *a)
{
	struct addrinfo hints, *res = NULL;
	char host[256], port[8];
	int rc;

	if (u->host.length == 0 || u->host.length >= sizeof(host)) {
		dc_seterr(dc, "bad host in URI");
		return -1;
	}
	memcpy(host, u->host.s, u->host.length);
	host[u->host.length] = '\0';
	snprintf(port, sizeof(port), "%u", (unsigned)u->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = u->scheme == COAP_URI_SCHEME_COAPS_TCP ?
	    SOCK_STREAM : SOCK_DGRAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		dc_seterr(dc, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	coap_address_init(a);
	a->size = res->ai_addrlen;
	memcpy(&a->addr.sa, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

static int
dc_open_pki(struct dots_client *dc, const struct dc_opts *o,
    const coap_address_t *dst, coap_proto_t proto, coap_session_t **out)
{
	coap_dtls_pki_t pki;

	char err[DC_ERRLEN];

	if (dc->ca_file == NULL) {
		if (pki_files_readable(o->ca_file, o->cert_file, o->key_file,
		    err, sizeof(err)) == -1) {
			dc_seterr(dc, "%s", err);
			return -1;
		}
		if ((dc->ca_file = strdup(o->ca_file)) == NULL ||
		    (dc->cert_file = strdup(o->cert_file)) == NULL ||
		    (dc->key_file = strdup(o->key_file)) == NULL)
			return -1;
	}
	pki_setup(&pki, dc->ca_file, dc->cert_file, dc->key_file,
	    dc->server_name != NULL ? dc_cn_cb : NULL, dc);
	pki.client_sni = dc->server_name;
	*out = coap_new_client_session_pki(dc->ctx, NULL, dst, proto, &pki);
	return *out == NULL ? -1 : 0;
}

static int
dc_open_psk(struct dots_client *dc, const struct dc_opts *o,
    const coap_address_t *dst, coap_proto_t proto, coap_session_t **out)
{
	coap_dtls_cpsk_t psk;
	size_t idlen = strlen(o->psk_identity);

	if (idlen == 0 || idlen > 64 || o->psk_key_len == 0 ||
	    o->psk_key_len > 64) {
		dc_seterr(dc, "PSK identity and key must be 1 to 64 bytes");
		return -1;
	}
	memset(&psk, 0, sizeof(psk));
	psk.version = COAP_DTLS_CPSK_SETUP_VERSION;
	psk.client_sni = dc->server_name;
	psk.psk_info.identity.s = (const uint8_t *)o->psk_identity;
	psk.psk_info.identity.length = idlen;
	psk.psk_info.key.s = o->psk_key;
	psk.psk_info.key.length = o->psk_key_len;
	*out = coap_new_client_session_psk2(dc->ctx, NULL, dst, proto, &psk);
	return *out == NULL ? -1 : 0;
}

static int
dc_open(struct dots_client *dc, const struct dc_opts *o,
    const coap_address_t *dst, coap_proto_t proto, coap_session_t **out)
{
	uint8_t seed[8];
	int rc;

	if (o->cert_file != NULL)
		rc = dc_open_pki(dc, o, dst, proto, out);
	else if (o->psk_identity != NULL)
		rc = dc_open_psk(dc, o, dst, proto, out);
	else {
		dc_seterr(dc, "no credentials (PSK or certificate) given");
		rc = -1;
	}
	if (rc == -1) {
		if (dc->err[0] == '\0')
			dc_seterr(dc, "cannot create the client session");
		return -1;
	}
	coap_prng(seed, sizeof(seed));
	coap_session_init_token(*out, sizeof(seed), seed);
	return 0;
}

struct dots_client *
dc_new(const struct dc_opts *o, char *err, size_t errlen)
{
	struct dots_client *dc;
	coap_uri_t u;
	coap_address_t dst;
	coap_resource_t *r;
	coap_proto_t proto;
	int rc;

	if ((dc = calloc(1, sizeof(*dc))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (o->server_name != NULL &&
	    (dc->server_name = strdup(o->server_name)) == NULL)
		goto fail;
	if (o->uri == NULL || coap_split_uri((const uint8_t *)o->uri,
	    strlen(o->uri), &u) != 0 || (u.scheme != COAP_URI_SCHEME_COAPS &&
	    u.scheme != COAP_URI_SCHEME_COAPS_TCP)) {
		dc_seterr(dc, "bad server URI %s (want coaps:// or "
		    "coaps+tcp://)", o->uri ? o->uri : "(none)");
		goto fail;
	}
	proto = u.scheme == COAP_URI_SCHEME_COAPS ? COAP_PROTO_DTLS :
	    COAP_PROTO_TLS;
	if (dc_resolve(dc, &u, &dst) == -1)
		goto fail;
	if ((dc->ctx = coap_new_context(NULL)) == NULL) {
		dc_seterr(dc, "cannot create a CoAP context");
		goto fail;
	}
	coap_set_app_data(dc->ctx, dc);
	coap_context_set_block_mode(dc->ctx,
	    COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
	coap_register_response_handler(dc->ctx, dc_response_handler);
	coap_register_nack_handler(dc->ctx, dc_nack_handler);
	coap_register_event_handler(dc->ctx, dc_event_handler);
	r = coap_resource_init(coap_make_str_const(".well-known/dots/hb"), 0);
	if (r == NULL)
		goto fail;
	coap_register_request_handler(r, COAP_REQUEST_PUT, dc_hb_handler);
	coap_add_resource(dc->ctx, r);

	if (dc_open(dc, o, &dst, proto, &dc->s) == -1)
		goto fail;
	/* a session takes the context's block mode when it is made */
	if (o->small_session && proto == COAP_PROTO_DTLS) {
		coap_context_set_block_mode(dc->ctx, 0);
		rc = dc_open(dc, o, &dst, proto, &dc->s_small);
		coap_context_set_block_mode(dc->ctx,
		    COAP_BLOCK_USE_LIBCOAP | COAP_BLOCK_SINGLE_BODY);
		if (rc == -1)
			goto fail;
	}
	return dc;
fail:
	snprintf(err, errlen, "%s", dc->err[0] ? dc->err : "out of memory");
	dc_free(dc);
	return NULL;
}

void
dc_free(struct dots_client *dc)
{
	struct dc_pending *p;

	if (dc == NULL)
		return;
	dc->freeing = true;
	while ((p = dc->pending) != NULL) {
		dc->pending = p->next;
		dc_pending_free(p);
	}
	if (dc->s_small != NULL)
		coap_session_release(dc->s_small);
	if (dc->s != NULL)
		coap_session_release(dc->s);
	free(dc->tok_tab);
	if (dc->ctx != NULL)
		coap_free_context(dc->ctx);
	free(dc->server_name);
	free(dc->ca_file);
	free(dc->cert_file);
	free(dc->key_file);
	free(dc);
}

coap_context_t *
dc_context(struct dots_client *dc)
{
	return dc->ctx;
}

coap_session_t *
dc_session(struct dots_client *dc)
{
	return dc->s;
}

bool
dc_established(const struct dots_client *dc)
{
	return dc->established;
}

unsigned
dc_heartbeats_received(const struct dots_client *dc)
{
	return dc->hb_in;
}

const char *
dc_error(const struct dots_client *dc)
{
	return dc->err;
}

bool
dc_server_name_refused(const struct dots_client *dc)
{
	return dc->name_refused;
}

static void
dc_release_data(coap_session_t *s, void *app_ptr)
{
	free(app_ptr);
}

/* A fresh PDU (new Message ID) carrying the request's token. */
static coap_pdu_t *
dc_build(struct dots_client *dc, const struct dc_pending *p)
{
	const struct dc_req *q = &p->req;
	coap_pdu_t *pdu;
	uint8_t buf[4];
	uint8_t *copy;

	pdu = coap_new_pdu(q->con ? COAP_MESSAGE_CON : COAP_MESSAGE_NON,
	    q->method, p->sess);
	if (pdu == NULL)
		return NULL;
	if (!coap_add_token(pdu, p->toklen, p->token))
		goto fail;
	/* Options in ascending number order. */
	if (q->if_match && !coap_add_option(pdu, COAP_OPTION_IF_MATCH, 0, NULL))
		goto fail;
	if (q->observe >= 0 && !coap_add_option(pdu, COAP_OPTION_OBSERVE,
	    coap_encode_var_safe(buf, sizeof(buf), (unsigned)q->observe), buf))
		goto fail;
	for (size_t i = 0; i < q->npath; i++)
		if (!coap_add_option(pdu, COAP_OPTION_URI_PATH,
		    strlen(q->path[i]), (const uint8_t *)q->path[i]))
			goto fail;
	if (q->content_format >= 0 && !coap_add_option(pdu,
	    COAP_OPTION_CONTENT_FORMAT, coap_encode_var_safe(buf, sizeof(buf),
	    (unsigned)q->content_format), buf))
		goto fail;
	if (q->hop_limit > 0 && !coap_add_option(pdu, COAP_OPTION_HOP_LIMIT,
	    coap_encode_var_safe(buf, sizeof(buf), (unsigned)q->hop_limit),
	    buf))
		goto fail;
	if (q->len > 0) {
		if ((copy = malloc(q->len)) == NULL)
			goto fail;
		memcpy(copy, q->payload, q->len);
		if (!coap_add_data_large_request(p->sess, pdu, q->len, copy,
		    dc_release_data, copy)) {
			free(copy);
			goto fail;
		}
	}
	return pdu;
fail:
	coap_delete_pdu(pdu);
	return NULL;
}

static int
dc_transmit(struct dots_client *dc, struct dc_pending *p)
{
	coap_pdu_t *pdu;

	if ((pdu = dc_build(dc, p)) == NULL) {
		dc_seterr(dc, "cannot build the request");
		return -1;
	}
	if (coap_send(p->sess, pdu) == COAP_INVALID_MID) {
		if (!dc->cert_refused)
			dc_seterr(dc, "cannot send the request");
		return -1;
	}
	p->sent = true;
	p->next_send = now_ms() + DC_NON_REPEAT_MS;
	return 0;
}

/* A request on sess, sent once now; it has no id yet. */
static struct dc_pending *
dc_enqueue(struct dots_client *dc, const struct dc_req *req,
    coap_session_t *sess, uint64_t deadline, dc_resp_fn cb, void *arg)
{
	struct dc_pending *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->req = *req;
	for (size_t i = 0; i < req->npath; i++) {
		if ((p->path[i] = strdup(req->path[i])) == NULL) {
			p->req.npath = i;
			goto fail;
		}
		p->req.path[i] = p->path[i];
	}
	if (req->len > 0) {
		if ((p->payload = malloc(req->len)) == NULL)
			goto fail;
		memcpy(p->payload, req->payload, req->len);
		p->req.payload = p->payload;
	}
	p->sess = sess;
	coap_session_new_token(sess, &p->toklen, p->token);
	p->cb = cb;
	p->arg = arg;
	p->deadline = deadline;
	if (tok_insert(dc, p) == -1)
		goto fail;
	if (dc_transmit(dc, p) == -1) {
		tok_remove(dc, p);
		goto fail;
	}
	p->next = dc->pending;
	dc->pending = p;
	return p;
fail:
	dc_pending_free(p);
	return NULL;
}

uint64_t
dc_send(struct dots_client *dc, const struct dc_req *req, unsigned timeout_ms,
    dc_resp_fn cb, void *arg)
{
	coap_session_t *sess = dc->s;
	struct dc_pending *p;

	if (dc->failed || req->npath > DC_MAX_PATH) {
		if (!dc->failed)
			dc_seterr(dc, "too many Uri-Path segments");
		return 0;
	}
	/* a body that needs Block1 goes on the main session */
	if (req->small && dc->s_small != NULL && req->len + DC_SMALL_ROOM <=
	    coap_session_max_pdu_size(dc->s_small))
		sess = dc->s_small;
	if ((p = dc_enqueue(dc, req, sess, now_ms() + timeout_ms, cb,
	    arg)) == NULL)
		return 0;
	p->id = ++dc->next_id;
	return p->id;
}

void
dc_cancel(struct dots_client *dc, uint64_t id)
{
	struct dc_pending *p;
	coap_binary_t tok;

	if ((p = dc_find_id(dc, id)) == NULL)
		return;
	if (!p->observing || dc->failed) {
		p->done = true;
		return;
	}
	tok.s = p->token;
	tok.length = p->toklen;
	p->cancelling = true;
	p->deadline = now_ms() + 2 * DC_NON_REPEAT_MS;
	if (p->sess == dc->s_small) {
		/* no block mode, so no coap_cancel_observe(): a GET with
		 * Observe 1 and the registration's token (RFC 7641 §3.6) */
		p->req.observe = 1;
		p->req.con = true;
		if (dc_transmit(dc, p) == -1)
			p->done = true;
	} else if (!coap_cancel_observe(p->sess, &tok, COAP_MESSAGE_CON))
		p->done = true;
}

unsigned
dc_tick(struct dots_client *dc)
{
	struct dc_pending *p;
	uint64_t now = now_ms(), next = now + DC_TICK_MS;

	dc_check_established(dc);
	for (p = dc->pending; p != NULL; p = p->next) {
		if (p->done || (p->observing && !p->cancelling))
			continue;
		if (now >= p->deadline) {
			if (p->cancelling) {
				p->done = true;
				continue;
			}
			if (dc->err[0] == '\0' || !dc->established)
				dc_seterr(dc, dc->established ?
				    "no response" : "handshake failed");
			dc_finish(dc, p, dc->established ? DC_TIMEOUT :
			    DC_HANDSHAKE, NULL);
			continue;
		}
		/* RFC 9132 §4.3: NON requests repeated until answered. */
		if (!p->req.con && !p->answered && !p->cancelling &&
		    dc->established && now >= p->next_send)
			(void)dc_transmit(dc, p);
		if (p->deadline < next)
			next = p->deadline;
	}
	dc_reap(dc);
	return next > now ? (unsigned)(next - now) : 1;
}

static bool
dc_busy(const struct dots_client *dc)
{
	const struct dc_pending *p;

	for (p = dc->pending; p != NULL; p = p->next)
		if (!p->done)
			return true;
	return false;
}

/* One bounded turn of I/O; never COAP_IO_WAIT (0), which blocks forever. */
static void
dc_turn(struct dots_client *dc, uint64_t until)
{
	uint64_t now = now_ms();
	unsigned t = dc_tick(dc);

	if (until > now && until - now < t)
		t = (unsigned)(until - now);
	if (t == 0)
		t = 1;
	coap_io_process(dc->ctx, t);
	dc_check_established(dc);
}

void
dc_run(struct dots_client *dc, unsigned ms)
{
	uint64_t until = now_ms() + ms;

	while (now_ms() < until) {
		dc_turn(dc, until);
		if (!dc_busy(dc))
			break;
	}
	dc_tick(dc);
}

void
dc_wait(struct dots_client *dc, unsigned ms)
{
	uint64_t until = now_ms() + ms;

	while (now_ms() < until)
		dc_turn(dc, until);
	dc_tick(dc);
}

struct dc_sync {
	bool		 done;
	int		 status;
	struct dc_resp	*out;
};

static void
dc_sync_cb(void *arg, int status, const struct dc_resp *r)
{
	struct dc_sync *sy = arg;

	sy->done = true;
	sy->status = status;
	if (status == DC_OK && sy->out != NULL) {
		*sy->out = *r;
		if ((sy->out->payload = malloc(r->len + 1)) == NULL) {
			sy->status = DC_FAILED;
			return;
		}
		memcpy(sy->out->payload, r->payload, r->len + 1);
	}
}

int
dc_request(struct dots_client *dc, const struct dc_req *req,
    unsigned timeout_ms, struct dc_resp *out)
{
	struct dc_sync sy = { false, DC_FAILED, out };
	uint64_t until = now_ms() + timeout_ms + 1000;

	memset(out, 0, sizeof(*out));
	if (dc_send(dc, req, timeout_ms, dc_sync_cb, &sy) == 0)
		return dc->failed ? (dc->established ? DC_FAILED :
		    DC_HANDSHAKE) : DC_FAILED;
	while (!sy.done && now_ms() < until)
		dc_turn(dc, until);
	dc_tick(dc);
	return sy.done ? sy.status : DC_TIMEOUT;
}

struct dc_obs {
	dc_notify_fn	 fn;
	void		*arg;
	bool		 got;
	bool		 stop;
	bool		 ended;
	int		 status;
};

static void
dc_obs_cb(void *arg, int status, const struct dc_resp *r)
{
	struct dc_obs *ob = arg;

	if (status != DC_OK) {
		ob->ended = true;
		if (!ob->got)
			ob->status = status;
		return;
	}
	ob->got = true;
	ob->status = DC_OK;
	if (ob->fn(ob->arg, r) != 0)
		ob->stop = true;
	if (!r->has_observe || r->code / 100 != 2)
		ob->ended = true;
}

int
dc_observe(struct dots_client *dc, const struct dc_req *req,
    unsigned timeout_ms, unsigned duration_ms, dc_notify_fn fn, void *arg)
{
	struct dc_obs ob = { fn, arg, false, false, false, DC_TIMEOUT };
	struct dc_req q = *req;
	uint64_t id, start = now_ms(), until;

	q.observe = 0;
	if ((id = dc_send(dc, &q, timeout_ms, dc_obs_cb, &ob)) == 0)
		return dc->established ? DC_FAILED : DC_HANDSHAKE;
	until = start + duration_ms;
	while (!ob.ended && !ob.stop) {
		if (!ob.got && now_ms() > start + timeout_ms + 1000)
			break;
		if (ob.got && now_ms() >= until)
			break;
		dc_turn(dc, ob.got ? until : start + timeout_ms + 1000);
	}
	if (!ob.ended) {
		dc_cancel(dc, id);
		dc_run(dc, 2 * DC_NON_REPEAT_MS);
	}
	dc_tick(dc);
	return ob.status;
}

char *
dc_code_str(int code, char *buf, size_t len)
{
	snprintf(buf, len, "%d.%02d", code / 100, code % 100);
	return buf;
}

const char *
dc_code_reason(int code)
{
	static const struct {
		int		 code;
		const char	*reason;
	} t[] = {
		{ 201, "Created" }, { 202, "Deleted" }, { 203, "Valid" },
		{ 204, "Changed" }, { 205, "Content" }, { 231, "Continue" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 402, "Bad Option" }, { 403, "Forbidden" },
		{ 404, "Not Found" }, { 405, "Method Not Allowed" },
		{ 406, "Not Acceptable" },
		{ 408, "Request Entity Incomplete" }, { 409, "Conflict" },
		{ 412, "Precondition Failed" },
		{ 413, "Request Entity Too Large" },
		{ 415, "Unsupported Content-Format" },
		{ 422, "Unprocessable Entity" }, { 429, "Too Many Requests" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 502, "Bad Gateway" }, { 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" }, { 505, "Proxying Not Supported" },
		{ 508, "Hop Limit Reached" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].code == code)
			return t[i].reason;
	return "Unknown";
}
