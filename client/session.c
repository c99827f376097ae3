/*
 * The DOTS client's session (see client.h): the server URI resolved, PSK
 * or certificate credentials, the server name checked in the CN callback
 * (libcoap does no hostname check, libcoap-4.3.1.md §3), session events,
 * and the server's heartbeats answered.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "client/client.h"
#include "client/client_int.h"
#include "client/pki.h"
#include "common/dots_codec.h"

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

	cf = dc_opt_uint(req, COAP_OPTION_CONTENT_FORMAT, &has);
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
	free(dc->id_tab);
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
