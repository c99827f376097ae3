#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "common/conf.h"
#include "common/dots_json.h"
#include "common/log.h"
#include "gateway/downstream/block2.h"
#include "gateway/core/coap_loop.h"
#include "gateway/core/reuseport.h"
#include "gateway/gw.h"
#include "gateway/state/counters.h"
#include "gateway/downstream/register.h"
#include "gateway/state/peer.h"
#include "client/pki.h"
#include "gateway/downstream/held.h"
#include "gateway/downstream/observe.h"
#include "gateway/downstream/server.h"
#include "gateway/downstream/telemetry.h"

#define DOTS_CF			271	/* application/dots+cbor */
#define MAX_HANDSHAKES		64	/* half-open DTLS sessions at once */
#define MAX_PATH_SEGS		8
/* Larger answers go in Block2 on TCP too: libcoap 4.3.1 over TLS
 * delivered a 22,009-byte PDU corrupted from byte 16,366 on (one TLS
 * record is 16 KiB), seen with a GET-all of 500 mitigations from dotsctl;
 * blockwise_getall.sh checks 2,000 over TLS. */
#define MAX_UNBLOCKED		1152

struct server {
	struct gw	 *gw;
	coap_context_t	 *ctx;
	struct coap_loop *loop;
	coap_resource_t	 *unknown;	/* dynamic paths: mitigate, config/sid */
	coap_resource_t	 *config;	/* ".well-known/dots/config", observable */
	/* bound sessions: coap_free_context() frees open sessions without a
	 * SERVER_SESSION_DEL event, so shutdown releases these itself */
	TAILQ_HEAD(, ds_session) sessions;
	struct pki_pem	  pem;		/* ctx's X.509 credentials point here */
};

static void on_request(coap_resource_t *, coap_session_t *,
    const coap_pdu_t *, const coap_string_t *, coap_pdu_t *);

/* ---------------------------------------------------------------- */
/* Authentication: every handshake maps to a configured peer or fails. */

static struct ds_session *
ds_bind(struct gw *gw, coap_session_t *s, struct peer_rt *peer)
{
	struct ds_session *ds = coap_session_get_app_data(s);

	if (ds != NULL) {
		if (ds->peer != peer)
			return NULL;	/* renegotiation as someone else */
		return ds;
	}
	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return NULL;
	ds->gw = gw;
	ds->session = s;
	ds->peer = peer;
	TAILQ_INIT(&ds->observations);
	coap_session_set_app_data(s, ds);
	TAILQ_INSERT_TAIL(&gw->srv->sessions, ds, entry);
	return ds;
}

static const char *
session_addr(coap_session_t *s, char *buf, size_t len)
{
	const coap_address_t *a = coap_session_get_addr_remote(s);

	if (a == NULL || coap_print_addr(a, (uint8_t *)buf, len) == 0)
		snprintf(buf, len, "?");
	return buf;
}

static const coap_bin_const_t *
psk_id_cb(coap_bin_const_t *identity, coap_session_t *s, void *arg)
{
	struct gw *gw = arg;
	struct peer_rt *peer;
	struct ds_session *ds;
	char addr[64];

	peer = peer_by_psk_identity(gw, identity->s, identity->length);
	if (peer == NULL) {
		log_warnx("%s: refused unknown PSK identity '%.*s'",
		    session_addr(s, addr, sizeof(addr)),
		    (int)identity->length, (const char *)identity->s);
		return NULL;
	}
	if ((ds = ds_bind(gw, s, peer)) == NULL)
		return NULL;
	cuid_from_psk_identity(identity->s, identity->length, ds->cred_hash);
	log_debug("%s: PSK identity of peer %s",
	    session_addr(s, addr, sizeof(addr)), peer->conf->name);
	return &peer->psk_key;
}

/* The peer whose cert-name is the leaf's CN or one of its DNS SANs. */
static struct peer_rt *
peer_of_cert(struct gw *gw, const uint8_t *der, size_t der_len)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)der_len };
	struct peer_rt *peer = NULL;

	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0)
		peer = peer_by_cert(gw, crt);
	gnutls_x509_crt_deinit(crt);
	return peer;
}

/*
 * Called once for the leaf certificate after the chain was verified
 * against our CA. libcoap copies the leaf into a 2048-byte buffer first,
 * so larger leaf certificates fail the handshake (libcoap-4.3.1.md §3).
 */
static int
cn_cb(const char *cn, const uint8_t *der, size_t der_len, coap_session_t *s,
    unsigned depth, int validated, void *arg)
{
	struct gw *gw = arg;
	struct peer_rt *peer;
	struct ds_session *ds;
	char addr[64];

	if (depth != 0)
		return 1;
	if (!validated || (peer = peer_of_cert(gw, der, der_len)) == NULL) {
		log_warnx("%s: refused certificate '%s': no peer has this name",
		    session_addr(s, addr, sizeof(addr)), cn ? cn : "?");
		return 0;
	}
	if ((ds = ds_bind(gw, s, peer)) == NULL)
		return 0;
	cuid_from_cert_der(der, der_len, ds->cred_hash);
	log_debug("%s: certificate '%s' of peer %s",
	    session_addr(s, addr, sizeof(addr)), cn, peer->conf->name);
	return 1;
}

static int
setup_credentials(struct server *srv)
{
	const struct conf *c = srv->gw->conf;
	const struct conf_credentials *cr = &c->creds;
	static coap_dtls_spsk_t spsk;	/* libcoap keeps the pointers */
	struct pki_pem pem;
	char err[256];
	bool any_psk = false;

	for (size_t i = 0; i < c->n_peers; i++)
		any_psk |= c->peers[i].psk_identity != NULL;
	if (any_psk) {
		memset(&spsk, 0, sizeof(spsk));
		spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
		spsk.validate_id_call_back = psk_id_cb;
		spsk.id_call_back_arg = srv->gw;
		spsk.psk_info.hint.s = (const uint8_t *)(cr->psk_hint ?
		    cr->psk_hint : "dotsgw");
		spsk.psk_info.hint.length = strlen((const char *)
		    spsk.psk_info.hint.s);
		if (!coap_context_set_psk2(srv->ctx, &spsk)) {
			log_warnx("cannot set up PSK");
			return -1;
		}
	}
	if (cr->cert_file == NULL)
		return 0;
	if (pki_pem_load(&pem, cr->ca_file, cr->cert_file, cr->key_file,
	    err, sizeof(err)) == -1 || pki_pem_check(&pem, err,
	    sizeof(err)) == -1) {
		log_warnx("credentials: %s", err);
		return -1;
	}
	return server_set_credentials(srv, &pem);
}

/*
 * The X.509 files are read once (client/pki.h), at start and at each
 * reload, not per handshake: a reload is how an operator rotates them.
 * Sessions hold parsed credentials (one parse for all,
 * client/pki_shared.c), not the buffers, so the old buffers can go once
 * libcoap points at the new ones.
 */
int
server_set_credentials(struct server *srv, struct pki_pem *pem)
{
	coap_dtls_pki_t pki;

	pki_setup_pem(&pki, pem, cn_cb, srv->gw);
	if (!coap_context_set_pki(srv->ctx, &pki)) {
		log_warnx("cannot set up X.509 credentials");
		pki_pem_free(pem);
		return -1;
	}
	/* pki_pem_check() has matched key and certificate: once is enough */
	pki_pem_checked(pem);
	pki_pem_free(&srv->pem);
	srv->pem = *pem;
	memset(pem, 0, sizeof(*pem));
	return 0;
}

/*
 * A shard is a descriptor, and sessions over TLS, upstream sessions and
 * the stores need theirs: the shards of a listen address may take a
 * quarter of RLIMIT_NOFILE (the daemon has raised it to its hard limit;
 * 4,096 shards need 16,384). A DTLS session takes no descriptor of its
 * own. Fewer shards only slow handshakes at scale; too many would stop
 * the start with "Too many open files".
 */
#define SHARD_FD_SHARE	4

/* limit (may be NULL): RLIMIT_NOFILE, when it is what bounds them */
static unsigned
shards_allowed(const struct conf_listen *l, unsigned long long *limit)
{
	struct rlimit rl;
	rlim_t room;

	if (l->shards <= 1 || getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return l->shards;
	if (limit != NULL)
		*limit = rl.rlim_cur;
	room = rl.rlim_cur / SHARD_FD_SHARE;
	if (room >= l->shards)
		return l->shards;
	return room > 0 ? (unsigned)room : 1;
}

static int
setup_endpoints(struct server *srv)
{
	const struct conf *c = srv->gw->conf;

	for (size_t i = 0; i < c->n_listen; i++) {
		const struct conf_listen *l = &c->listen[i];
		coap_address_t a;
		coap_proto_t protos[2];
		size_t np = 0;

		coap_address_init(&a);
		if (inet_pton(AF_INET, l->address, &a.addr.sin.sin_addr) == 1) {
			a.addr.sin.sin_family = AF_INET;
			a.addr.sin.sin_port = htons(l->port);
			a.size = sizeof(a.addr.sin);
		} else if (inet_pton(AF_INET6, l->address,
		    &a.addr.sin6.sin6_addr) == 1) {
			a.addr.sin6.sin6_family = AF_INET6;
			a.addr.sin6.sin6_port = htons(l->port);
			a.size = sizeof(a.addr.sin6);
		} else {
			log_warnx("listen: bad address %s", l->address);
			return -1;
		}
		if (l->dtls)
			protos[np++] = COAP_PROTO_DTLS;
		if (l->tls)
			protos[np++] = COAP_PROTO_TLS;
		for (size_t j = 0; j < np; j++) {
			/* TLS: one accepting socket has no per-datagram walk */
			unsigned long long lim = 0;
			unsigned k = protos[j] == COAP_PROTO_DTLS ?
			    shards_allowed(l, &lim) : 1;
			char sh[32] = "";

			if (protos[j] == COAP_PROTO_DTLS && k < l->shards)
				log_warnx("listen %s port %u: %u shards would "
				    "take more than a quarter of the %llu "
				    "descriptors allowed (RLIMIT_NOFILE); "
				    "using %u", l->address, l->port,
				    l->shards, lim, k);
			if (reuseport_endpoints(srv->ctx, &a, protos[j],
			    k) == -1) {
				log_warnx("cannot listen on %s port %u (%s)",
				    l->address, l->port, protos[j] ==
				    COAP_PROTO_DTLS ? "dtls" : "tls");
				return -1;
			}
			if (k > 1)
				(void)snprintf(sh, sizeof(sh), " (%u shards)",
				    k);
			log_info("listening on %s://%s%s%s:%u%s",
			    protos[j] == COAP_PROTO_DTLS ? "coaps" :
			    "coaps+tcp", strchr(l->address, ':') ? "[" : "",
			    l->address, strchr(l->address, ':') ? "]" : "",
			    l->port, sh);
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* Resources */

static coap_resource_t *
resource_init(struct server *srv, const char *path, bool observable)
{
	coap_resource_t *r;
	coap_str_const_t *uri;

	if ((uri = coap_new_str_const((const uint8_t *)path,
	    strlen(path))) == NULL)
		return NULL;
	/* RFC 9132 §4.4.2.1: notifications are always Non-confirmable. */
	r = coap_resource_init(uri, COAP_RESOURCE_FLAGS_RELEASE_URI |
	    COAP_RESOURCE_FLAGS_NOTIFY_NON_ALWAYS);
	if (r == NULL) {
		coap_delete_str_const(uri);
		return NULL;
	}
	coap_register_request_handler(r, COAP_REQUEST_GET, on_request);
	coap_register_request_handler(r, COAP_REQUEST_PUT, on_request);
	coap_register_request_handler(r, COAP_REQUEST_DELETE, on_request);
	coap_register_request_handler(r, COAP_REQUEST_POST, on_request);
	coap_resource_set_get_observable(r, observable);
	coap_add_resource(srv->ctx, r);
	return r;
}

coap_resource_t *
server_resource_new(struct server *srv, const char *path)
{
	coap_resource_t *r;
	coap_str_const_t p = { strlen(path), (const uint8_t *)path };

	/* a resource may outlive its mitigation only by being reused */
	if ((r = coap_get_resource_from_uri_path(srv->ctx, &p)) != NULL)
		return r;
	if ((r = resource_init(srv, path, true)) == NULL)
		log_warnx("cannot create resource %s", path);
	return r;
}

void
server_resource_delete(struct server *srv, coap_resource_t *r)
{
	if (r != NULL)
		coap_delete_resource(srv->ctx, r);
}

void
server_resource_notify(struct server *srv, coap_resource_t *r)
{
	if (r != NULL)
		coap_resource_notify_observers(r, NULL);
}

void
server_notify_config(struct server *srv)
{
	coap_resource_notify_observers(srv->config, NULL);
}

void
server_kick(struct server *srv)
{
	coap_loop_kick(srv->loop);
}

void
server_unbind_peer(struct server *srv, struct peer_rt *peer)
{
	struct ds_session *ds;

	TAILQ_FOREACH(ds, &srv->sessions, entry)
		if (ds->peer == peer) {
			hb_session_stop(ds);
			held_session_gone(ds->gw, ds->session);
			ds->peer = NULL;
			/* DTLS close_notify or TCP close now; libcoap frees
			 * the session (SERVER_SESSION_DEL) at its idle
			 * timeout, and anything arriving meanwhile is
			 * answered 4.01 (no peer) */
			coap_session_disconnected(ds->session,
			    COAP_NACK_NOT_DELIVERABLE);
		}
}

void
server_foreach_session(struct server *srv,
    void (*fn)(struct ds_session *, void *), void *arg)
{
	struct ds_session *ds;

	TAILQ_FOREACH(ds, &srv->sessions, entry)
		fn(ds, arg);
}

/* ---------------------------------------------------------------- */
/* Requests and responses */

void
reply_err(coap_pdu_t *resp, const struct dots_err *e)
{
	/*
	 * libcoap 4.3.1 rewrites every 5.08 it sends (RFC 8768): it prepends
	 * its local address and, unless the response has a Hop-Limit, drops
	 * it when that address is already in the payload, which misfires
	 * when gateways share an address. With Hop-Limit it only counts
	 * down; our node ids carry the path.
	 */
	if (e->coap == 508) {
		uint8_t hl = 255;

		coap_add_option(resp, COAP_OPTION_HOP_LIMIT, 1, &hl);
	}
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(e->coap));
	if (e->msg[0] != '\0')
		coap_add_data(resp, strlen(e->msg), (const uint8_t *)e->msg);
}

void
reply_errf(coap_pdu_t *resp, int code, const char *fmt, ...)
{
	struct dots_err e = { .coap = code };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
	va_end(ap);
	reply_err(resp, &e);
}

/*
 * libcoap 4.3.1 puts Observe (6) into an observe response before the
 * handler runs, and into a notification also the subscription's Block2
 * (23). ETag (4), Content-Format (12) and Max-Age (14) added afterwards
 * belong below them: coap_add_option() inserts them in their place, and
 * logs "options are not in correct order" (debug level) each time, as it
 * does for libcoap's own coap_add_data_blocked_response(). Those expected
 * insertions stay out of the log, so that the message still shows any
 * other misordered option (tests/integration/block2_size.sh at -vv).
 */
size_t
reply_option(coap_pdu_t *resp, uint16_t number, size_t len,
    const uint8_t *value)
{
	coap_opt_iterator_t it;
	coap_log_t level;
	uint16_t top = 0;
	size_t r;

	if (coap_option_iterator_init(resp, &it, COAP_OPT_ALL) != NULL)
		while (coap_option_next(&it) != NULL)
			top = it.number;
	if (number >= top)
		return coap_add_option(resp, number, len, value);
	level = coap_get_log_level();
	if (level > LOG_INFO)
		coap_set_log_level(LOG_INFO);
	r = coap_add_option(resp, number, len, value);
	coap_set_log_level(level);
	return r;
}

void
reply_max_age(coap_pdu_t *resp, uint32_t seconds)
{
	uint8_t buf[4];

	reply_option(resp, COAP_OPTION_MAXAGE, coap_encode_var_safe(buf,
	    sizeof(buf), seconds), buf);
}

void
reply_cbor_max_age(const struct ds_request *rq, coap_pdu_t *resp, int code,
    int max_age, const uint8_t *body, size_t len)
{
	uint8_t cf[2];
	size_t room = coap_session_max_pdu_size(rq->session);

	if (room > MAX_UNBLOCKED)
		room = MAX_UNBLOCKED;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(code));
	/*
	 * Block2 when the body does not fit, and whenever the client asked
	 * for a block size (RFC 7959 §2.2: "MUST use the block size
	 * indicated or a smaller size"), which a notification's request
	 * (the subscription's) and libcoap's copy in resp both carry.
	 */
	if (rq->pdu != NULL && (len + 64 > room ||
	    request_has_option(rq->pdu, COAP_OPTION_BLOCK2) ||
	    request_has_option(resp, COAP_OPTION_BLOCK2))) {
		/* RFC 9132 §4.4.2: Block2 with an ETag for dynamic data */
		b2_reply(rq->ds, rq->pdu, rq->observe, resp, DOTS_CF, max_age,
		    body, len);
		return;
	}
	reply_option(resp, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(cf, sizeof(cf), DOTS_CF), cf);
	if (max_age >= 0)
		reply_max_age(resp, (uint32_t)max_age);
	coap_add_data(resp, len, body);
}

void
reply_cbor(const struct ds_request *rq, coap_pdu_t *resp, int code,
    const uint8_t *body, size_t len)
{
	reply_cbor_max_age(rq, resp, code, -1, body, len);
}

/* Copy the answer built in from into resp (which has only its token). */
int
reply_copy(coap_pdu_t *resp, const coap_pdu_t *from)
{
	coap_opt_iterator_t oi;
	coap_opt_t *o;
	const uint8_t *data;
	size_t len;

	coap_pdu_set_code(resp, coap_pdu_get_code(from));
	/* NULL: no options */
	if (coap_option_iterator_init(from, &oi, COAP_OPT_ALL) != NULL)
		while ((o = coap_option_next(&oi)) != NULL)
			if (coap_add_option(resp, oi.number,
			    coap_opt_length(o), coap_opt_value(o)) == 0)
				return -1;
	if (coap_get_data(from, &len, &data) && len > 0 &&
	    !coap_add_data(resp, len, data))
		return -1;
	return 0;
}

int
request_has_option(const coap_pdu_t *pdu, uint16_t opt)
{
	coap_opt_iterator_t it;

	return pdu != NULL && coap_check_option(pdu, opt, &it) != NULL;
}

int
request_body(const coap_pdu_t *pdu, const uint8_t **body, size_t *len,
    struct dots_err *err)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;

	*body = NULL;
	*len = 0;
	if (request_has_option(pdu, COAP_OPTION_BLOCK1))
		return dots_errf(err, 413, "block-wise requests are not "
		    "accepted: a DOTS signal body fits one message");
	coap_get_data(pdu, len, body);
	o = coap_check_option(pdu, COAP_OPTION_CONTENT_FORMAT, &it);
	if ((o != NULL && coap_decode_var_bytes(coap_opt_value(o),
	    coap_opt_length(o)) != DOTS_CF) || (o == NULL && *len > 0))
		return dots_errf(err, 415, "Content-Format must be 271 "
		    "(application/dots+cbor)");
	if (*len == 0)
		return dots_errf(err, 400, "missing body");
	return 0;
}

static size_t
path_segments(const coap_resource_t *r, const coap_pdu_t *pdu,
    struct dots_seg *segs, bool from_resource)
{
	size_t n = 0;

	if (from_resource) {
		coap_str_const_t *p = coap_resource_get_uri_path(
		    (coap_resource_t *)r);
		size_t start = 0;

		for (size_t i = 0; i <= p->length && n < MAX_PATH_SEGS; i++)
			if (i == p->length || p->s[i] == '/') {
				segs[n].s = p->s + start;
				segs[n++].len = i - start;
				start = i + 1;
			}
		return n;
	}
	coap_opt_iterator_t it;
	coap_opt_t *o;
	coap_opt_filter_t f;

	coap_option_filter_clear(&f);
	coap_option_filter_set(&f, COAP_OPTION_URI_PATH);
	coap_option_iterator_init(pdu, &it, &f);
	while ((o = coap_option_next(&it)) != NULL) {
		if (n == MAX_PATH_SEGS)
			return n + 1;	/* too long: parse refuses it */
		segs[n].s = coap_opt_value(o);
		segs[n++].len = coap_opt_length(o);
	}
	return n;
}

/* RFC 8768: Hop-Limit is 1..255 when present. */
static int
check_hop_limit(const coap_pdu_t *pdu, struct dots_err *err)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;
	unsigned v;

	if (pdu == NULL ||
	    (o = coap_check_option(pdu, COAP_OPTION_HOP_LIMIT, &it)) == NULL)
		return 0;
	v = coap_decode_var_bytes(coap_opt_value(o), coap_opt_length(o));
	if (coap_opt_length(o) != 1 || v == 0)
		return dots_errf(err, 400, "Hop-Limit must be 1..255");
	return 0;
}

/* At -vv also the body's bytes: what a relay passed on unchanged is
 * compared byte for byte (tests/integration/attack_info.sh). */
static void
log_body_hex(const struct ds_request *rq)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *body;
	size_t len = 0;
	char *hex;

	if (log_verbosity() < 2 || !coap_get_data(rq->pdu, &len, &body) ||
	    len == 0 || (hex = malloc(2 * len + 1)) == NULL)
		return;
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[body[i] >> 4];
		hex[2 * i + 1] = digits[body[i] & 15];
	}
	hex[2 * len] = '\0';
	log_debug("peer %s: body cbor %s", rq->ds->peer->conf->name, hex);
	free(hex);
}

/* At -v, every request as the RFC's JSON notation (or why it is not). */
static void
log_request(const struct ds_request *rq)
{
	static const char *const method[] = { "?", "GET", "POST", "PUT",
	    "DELETE" };
	char path[320];
	const uint8_t *body;
	size_t len;
	struct dots_err err = { 0 };
	json_t *j = NULL;
	char *text = NULL, hop[24] = "";
	coap_opt_iterator_t it;
	coap_opt_t *hl;

	if (log_verbosity() < 1 || (rq->method == COAP_REQUEST_CODE_PUT &&
	    coap_find_async(rq->session, coap_pdu_get_token(rq->pdu)) != NULL))
		return;		/* a re-run was logged the first time */
	dots_path_format(&rq->path, path, sizeof(path));
	if (coap_get_data(rq->pdu, &len, &body) && len > 0 &&
	    (j = dots_cbor_to_json(body, len, &err)) != NULL)
		text = json_dumps(j, JSON_COMPACT);
	if ((hl = coap_check_option(rq->pdu, COAP_OPTION_HOP_LIMIT,
	    &it)) != NULL)
		snprintf(hop, sizeof(hop), " hop-limit %u",
		    coap_decode_var_bytes(coap_opt_value(hl),
		    coap_opt_length(hl)));
	log_debug("peer %s: %s%s %s%s %s", rq->ds->peer->conf->name,
	    rq->method <= 4 ? method[rq->method] : "?",
	    rq->observe || observe_wanted(rq) ? " (observe)" : "", path, hop,
	    text != NULL ? text : len > 0 ? err.msg : "");
	free(text);
	json_decref(j);
	log_body_hex(rq);
}

static void
note_rx(struct ds_session *ds)
{
	struct peer_rt *peer = ds->peer;

	ds->last_rx_ms = peer->last_rx_ms = gw_now_ms();
	if (!peer->up) {
		peer->up = true;
		log_info("peer %s is up", peer->conf->name);
	}
	hb_session_start(ds);
}

/* RFC 9244 tm-setup and tm: true when segs named one (answered). */
static bool
telemetry_dispatch(const struct ds_request *rq, const struct dots_seg *segs,
    size_t n, coap_pdu_t *resp)
{
	struct dots_tm_path tp;
	struct dots_err err = { 0 };
	int rc;

	if ((rc = dots_tm_path_parse(segs, n, &tp, &err)) == 0)
		return false;
	if (rc == -1 || check_hop_limit(rq->pdu, &err) == -1)
		reply_err(resp, &err);
	else
		telemetry_handle(rq, &tp, resp);
	if (!rq->observe)
		metrics_request(rq->gw->metrics, rq->ds->peer->conf->name,
		    rq->method, coap_pdu_get_code(resp));
	server_kick(rq->gw->srv);
	return true;
}

static void
on_request(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *pdu,
    const coap_string_t *query, coap_pdu_t *resp)
{
	struct gw *gw = coap_get_app_data(coap_session_get_context(s));
	struct server *srv = gw->srv;
	struct dots_seg segs[MAX_PATH_SEGS + 1];
	struct ds_request rq;
	struct dots_err err = { 0 };
	struct obs *obs;
	size_t n;

	memset(&rq, 0, sizeof(rq));
	rq.gw = gw;
	rq.session = s;
	rq.query = query;
	rq.observe = request_has_option(resp, COAP_OPTION_OBSERVE);
	rq.pdu = pdu;
	rq.method = rq.observe || pdu == NULL ? COAP_REQUEST_CODE_GET :
	    coap_pdu_get_code(pdu);
	/* the errors below depend only on the session and the request, so
	 * they can only come at a registration, never at a notification */
	rq.ds = coap_session_get_app_data(s);
	if (rq.ds == NULL || rq.ds->peer == NULL) {
		reply_errf(resp, 401, "no authenticated DOTS peer");
		return;
	}
	if (!rq.observe)
		note_rx(rq.ds);
	n = path_segments(r, pdu, segs, r != srv->unknown);
	if (telemetry_dispatch(&rq, segs, n, resp))
		return;
	if (dots_path_parse(segs, n, &rq.path, &err) == -1 ||
	    check_hop_limit(pdu, &err) == -1) {
		reply_err(resp, &err);
		metrics_request(gw->metrics, rq.ds->peer->conf->name,
		    rq.method, coap_pdu_get_code(resp));
		return;
	}
	log_request(&rq);
	if (rq.method == COAP_REQUEST_CODE_GET && !rq.observe &&
	    b2_serve(rq.ds, pdu, resp, DOTS_CF)) {
		/* blocks 1.. of a body encoded for block 0 */
		metrics_request(gw->metrics, rq.ds->peer->conf->name,
		    rq.method, coap_pdu_get_code(resp));
		server_kick(srv);
		return;
	}
	switch (rq.path.resource) {
	case DOTS_RES_MITIGATE:
		obs = observe_register(gw->observe, &rq, resp);
		observe_deregister(gw->observe, &rq);	/* if Observe 1 */
		mitigate_handle(&rq, resp);
		observe_registered(gw->observe, obs, resp);
		break;
	case DOTS_RES_CONFIG:
		config_handle(&rq, resp);
		break;
	case DOTS_RES_HB:
		hb_handle(&rq, resp);
		break;
	case DOTS_RES_REGISTER:
		register_handle(&rq, resp);
		break;
	}
	/* observations, registered or notified, are not requests counted */
	if (!rq.observe && !request_has_option(resp, COAP_OPTION_OBSERVE))
		metrics_request(gw->metrics, rq.ds->peer->conf->name,
		    rq.method, coap_pdu_get_code(resp));
	server_kick(srv);
}

/* A notification of observe.c: its registration run again. */
static void
answer_observation(struct gw *gw, struct ds_session *ds,
    const coap_pdu_t *req, coap_pdu_t *resp)
{
	coap_string_t *query = coap_get_query(req);

	on_request(gw->srv->unknown, ds->session, req, query, resp);
	coap_delete_string(query);
}

/* ---------------------------------------------------------------- */
/* Session events, responses to our own requests (heartbeats), logging */

static void
ds_release(struct ds_session *ds)
{
	held_session_gone(ds->gw, ds->session);
	coap_session_set_app_data(ds->session, NULL);
	hb_session_stop(ds);
	b2_drop(ds);
	observe_session_gone(ds->gw->observe, ds);
	TAILQ_REMOVE(&ds->gw->srv->sessions, ds, entry);
	free(ds);
}

static int
on_event(coap_session_t *s, coap_event_t ev)
{
	struct ds_session *ds;

	if (ev != COAP_EVENT_SERVER_SESSION_DEL)
		return 0;
	if ((ds = coap_session_get_app_data(s)) != NULL)
		ds_release(ds);
	return 0;
}

static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent,
    const coap_pdu_t *received, const coap_mid_t mid)
{
	struct ds_session *ds = coap_session_get_app_data(s);

	if (ds != NULL && ds->peer != NULL)
		hb_response(ds, received);
	return COAP_RESPONSE_OK;
}

/*
 * libcoap counts half-open handshakes per endpoint (in its walk of the
 * endpoint's sessions, coap_endpoint_get_session()) and ignores a
 * ClientHello over the count; a listen address has shards endpoints. An
 * exact share, MAX_HANDSHAKES / shards, kept the server's bound but made
 * 1,000 sessions take 2.1 s to come up instead of 0.7-1.1 (16 shards,
 * tests/bench/README.md): the kernel's hash does not spread 64 concurrent
 * handshakes evenly, and a ClientHello ignored waits for the client's
 * retransmission a second later. So each endpoint gets HS_SLACK times its
 * share, at least HS_SLACK and at most MAX_HANDSHAKES: at most
 * HS_SLACK * max(MAX_HANDSHAKES, shards) half-open handshakes in all
 * (16,384 with the default 4,096 shards), MAX_HANDSHAKES with one.
 * Half-open means past the DTLS cookie, so each is a client that answers
 * at its address.
 * With several listen addresses, the largest shards count decides.
 */
#define HS_SLACK	4

static unsigned
handshakes_per_endpoint(const struct conf *c)
{
	unsigned k = 1, n, share;

	/* the shards there will be, not those asked for */
	for (size_t i = 0; i < c->n_listen; i++)
		if (c->listen[i].dtls &&
		    (n = shards_allowed(&c->listen[i], NULL)) > k)
			k = n;
	share = HS_SLACK * ((MAX_HANDSHAKES + k - 1) / k);
	return share < MAX_HANDSHAKES ? share : MAX_HANDSHAKES;
}

static void
on_coap_log(coap_log_t level, const char *msg)
{
	size_t len = strlen(msg);

	if (len > 0 && msg[len - 1] == '\n')
		len--;
	if (level <= LOG_WARNING)
		log_warnx("libcoap: %.*s", (int)len, msg);
	else
		log_debug("libcoap: %.*s", (int)len, msg);
}

struct server *
server_new(struct gw *gw)
{
	struct server *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->gw = gw;
	gw->srv = srv;
	TAILQ_INIT(&srv->sessions);
	coap_set_log_handler(on_coap_log);
	coap_set_show_pdu_output(0);
	coap_set_log_level(log_verbosity() >= 2 ? LOG_DEBUG : LOG_WARNING);
	if ((srv->ctx = coap_new_context(NULL)) == NULL)
		goto fail;
	coap_set_app_data(srv->ctx, gw);
	coap_context_set_max_handshake_sessions(srv->ctx,
	    handshakes_per_endpoint(gw->conf));
	coap_register_event_handler(srv->ctx, on_event);
	coap_register_response_handler(srv->ctx, on_response);
	if (setup_credentials(srv) == -1 || setup_endpoints(srv) == -1)
		goto fail;

	srv->unknown = coap_resource_unknown_init2(on_request, 0);
	coap_register_request_handler(srv->unknown, COAP_REQUEST_GET,
	    on_request);
	coap_register_request_handler(srv->unknown, COAP_REQUEST_DELETE,
	    on_request);
	coap_register_request_handler(srv->unknown, COAP_REQUEST_POST,
	    on_request);
	coap_add_resource(srv->ctx, srv->unknown);
	if ((gw->observe = observe_new(gw, answer_observation)) == NULL)
		goto fail;
	if ((srv->config = resource_init(srv, ".well-known/dots/config",
	    true)) == NULL ||
	    resource_init(srv, ".well-known/dots/hb", false) == NULL ||
	    resource_init(srv, ".well-known/dots/register", false) == NULL)
		goto fail;

	if ((srv->loop = coap_loop_attach(gw->base, srv->ctx)) == NULL) {
		log_warnx("libcoap has no epoll fd to attach to libevent");
		goto fail;
	}
	return srv;
fail:
	server_free(srv);
	gw->srv = NULL;
	return NULL;
}

void
server_free(struct server *srv)
{
	if (srv == NULL)
		return;
	coap_loop_detach(srv->loop);
	while (!TAILQ_EMPTY(&srv->sessions))
		ds_release(TAILQ_FIRST(&srv->sessions));
	observe_free(srv->gw->observe);
	srv->gw->observe = NULL;
	if (srv->ctx != NULL)
		coap_free_context(srv->ctx);
	pki_pem_checked(NULL);
	pki_pem_free(&srv->pem);
	free(srv);
}
