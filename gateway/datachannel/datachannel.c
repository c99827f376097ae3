/*
 * HTTPS for the data channel (datachannel.h): libmicrohttpd in epoll
 * mode without a thread of its own, its epoll fd one libevent event and
 * its timeout one timer (NOTES.md: what was verified of 0.9.75). The
 * TLS session of a new connection exists when MHD notifies
 * MHD_CONNECTION_NOTIFY_STARTED, before the handshake: there the client
 * certificate becomes required and checked on receipt, so a missing,
 * unverified or unknown certificate fails the handshake itself.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/datachannel/datachannel.h"
#include "gateway/datachannel/restconf.h"
#include "gateway/gw.h"
#include "gateway/state/peer.h"

#define RESTCONF_ROOT	"/restconf"
#define DATA_ROOT	"/restconf/data/"
#define YANG_JSON	"application/yang-data+json"
#define MAX_CONNS	64

struct datachannel {
	struct gw		*gw;
	struct MHD_Daemon	*mhd;
	struct event		*ev;		/* MHD's epoll fd */
	struct event		*timer;		/* MHD_get_timeout */
	char			*ca, *cert, *key;	/* PEM, MHD keeps them */
	gnutls_psk_server_credentials_t psk;	/* psk_key's */
};

/* Per connection (MHD's socket context): the peer its certificate is. */
struct dc_conn {
	struct datachannel	*dc;
	struct peer_rt		*peer;
};

/* Per request (MHD's con_cls): the body so far. */
struct dc_req {
	char	*body;
	size_t	 len;
	bool	 too_big;
};

static void schedule(struct datachannel *);

/* ---- authentication ------------------------------------------------- */

/* GnuTLS calls it when the client's certificate arrives: non-zero fails
 * the handshake. MHD sets the session's pointer to its connection. */
static int
verify_client(gnutls_session_t s)
{
	struct MHD_Connection *conn = gnutls_session_get_ptr(s);
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *chain;
	gnutls_x509_crt_t crt;
	struct dc_conn *dcc;
	unsigned status = 0, n = 0;

	if (conn == NULL || (ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT)) == NULL ||
	    (dcc = ci->socket_context) == NULL)
		return -1;
	if (gnutls_certificate_verify_peers2(s, &status) < 0 || status != 0 ||
	    (chain = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0) {
		log_warnx("data channel: refused a client certificate that "
		    "does not verify against our CA");
		return -1;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &chain[0], GNUTLS_X509_FMT_DER) == 0)
		dcc->peer = peer_by_cert(dcc->dc->gw, crt);
	if (dcc->peer == NULL) {
		char dn[256];
		size_t len = sizeof(dn);

		if (gnutls_x509_crt_get_dn(crt, dn, &len) < 0)
			snprintf(dn, sizeof(dn), "?");
		log_warnx("data channel: refused certificate '%s': no peer "
		    "has this name", dn);
	}
	gnutls_x509_crt_deinit(crt);
	return dcc->peer == NULL ? -1 : 0;
}

/*
 * A PSK client (TLS-PSK, RFC 4279, or TLS 1.3's external PSK): its
 * identity is its peer's psk-identity, as on the signal channel; an
 * unknown one fails the handshake. GnuTLS asks for no certificate in a
 * PSK handshake, so verify_client does not run and the peer is the
 * identity's. MHD 0.9.75 sets either certificate or PSK credentials on
 * its sessions (MHD_OPTION_CRED_TYPE), never both: on_conn adds ours.
 */
static int
psk_key(gnutls_session_t s, const char *identity, gnutls_datum_t *key)
{
	struct MHD_Connection *conn = gnutls_session_get_ptr(s);
	const union MHD_ConnectionInfo *ci;
	struct dc_conn *dcc;
	struct peer_rt *p;

	if (conn == NULL || (ci = MHD_get_connection_info(conn,
	    MHD_CONNECTION_INFO_SOCKET_CONTEXT)) == NULL ||
	    (dcc = ci->socket_context) == NULL)
		return -1;
	p = peer_by_psk_identity(dcc->dc->gw, (const uint8_t *)identity,
	    strlen(identity));
	if (p == NULL || p->psk_key.length == 0) {
		log_warnx("data channel: refused PSK identity '%.64s': no peer "
		    "has it", identity);
		return -1;
	}
	if ((key->data = gnutls_malloc(p->psk_key.length)) == NULL)
		return -1;
	memcpy(key->data, p->psk_key.s, p->psk_key.length);
	key->size = (unsigned)p->psk_key.length;
	dcc->peer = p;
	return 0;
}

/* A TLS 1.3 client may offer several identities: the peer is the one
 * the handshake ended with, not the last psk_key was asked for. */
static void
psk_peer(struct datachannel *dc, struct MHD_Connection *conn,
    struct dc_conn *dcc)
{
	const union MHD_ConnectionInfo *ci;
	const char *id;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL ||
	    gnutls_auth_get_type(ci->tls_session) != GNUTLS_CRD_PSK)
		return;
	id = gnutls_psk_server_get_username(ci->tls_session);
	dcc->peer = id == NULL ? NULL : peer_by_psk_identity(dc->gw,
	    (const uint8_t *)id, strlen(id));
}

static void
on_conn(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode code)
{
	struct datachannel *dc = cls;
	const union MHD_ConnectionInfo *ci;
	struct dc_conn *dcc;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		free(*socket_context);
		*socket_context = NULL;
		return;
	}
	if ((dcc = calloc(1, sizeof(*dcc))) == NULL)
		return;		/* verify_client refuses it */
	dcc->dc = dc;
	*socket_context = dcc;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || ci->tls_session == NULL)
		return;
	gnutls_credentials_set(ci->tls_session, GNUTLS_CRD_PSK, dc->psk);
	gnutls_certificate_server_set_request(ci->tls_session,
	    GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_function(ci->tls_session, verify_client);
}

/* ---- requests ------------------------------------------------------- */

static enum MHD_Result
send_text(struct MHD_Connection *conn, int status, const char *type,
    const char *text, const char *location, const char *etag)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	    MHD_RESPMEM_MUST_COPY);
	if (r == NULL)
		return MHD_NO;
	if (text[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (location != NULL && location[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	if (etag != NULL && etag[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	rc = MHD_queue_response(conn, (unsigned)status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
send_reply(struct MHD_Connection *conn, struct rc_reply *rep)
{
	char *s = NULL;
	enum MHD_Result rc;

	if (rep->body != NULL &&
	    (s = json_dumps(rep->body, JSON_INDENT(2))) == NULL) {
		json_decref(rep->body);
		return MHD_NO;
	}
	rc = send_text(conn, rep->status, YANG_JSON, s != NULL ? s : "",
	    rep->location, rep->etag);
	free(s);
	json_decref(rep->body);
	return rc;
}

static enum MHD_Result
send_err(struct MHD_Connection *conn, int status, const char *tag,
    const char *msg)
{
	struct rc_reply rep = { 0 };
	struct dc_err e;

	dc_errf(&e, status, tag, "%s", msg);
	rc_error(&rep, &e);
	return send_reply(conn, &rep);
}

/* RFC 6415 host-meta: where the RESTCONF root is (RFC 8040 §3.1). */
static const char host_meta[] =
    "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n"
    "  <Link rel='restconf' href='/restconf'/>\n"
    "</XRD>\n";

/* Numeric, into buf; NULL when MHD cannot tell. */
static const char *
client_address(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return NULL;
	if (sa->sa_family == AF_INET)
		return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->
		    sin_addr, buf, (socklen_t)len);
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->
		    sin6_addr;

		/* a dual-stack socket: 127.0.0.1 is ::ffff:127.0.0.1 */
		if (IN6_IS_ADDR_V4MAPPED(a))
			return inet_ntop(AF_INET, &a->s6_addr[12], buf,
			    (socklen_t)len);
		return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	}
	return NULL;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_len, void **con_cls)
{
	struct datachannel *dc = cls;
	const union MHD_ConnectionInfo *ci;
	struct dc_req *rq = *con_cls;
	struct rc_request req = { 0 };
	struct rc_reply rep = { 0 };
	struct dc_conn *dcc;
	const char *cl;
	char addr[INET6_ADDRSTRLEN];
	enum MHD_Result rc;

	if (rq == NULL) {
		if ((rq = calloc(1, sizeof(*rq))) == NULL)
			return MHD_NO;
		*con_cls = rq;
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > DC_BODY_MAX)
			rq->too_big = true;
		return MHD_YES;
	}
	if (*upload_len > 0) {
		if (!rq->too_big && rq->len + *upload_len <= DC_BODY_MAX) {
			char *p = realloc(rq->body, rq->len + *upload_len);

			if (p == NULL)
				return MHD_NO;
			memcpy(p + rq->len, upload, *upload_len);
			rq->body = p;
			rq->len += *upload_len;
		} else
			rq->too_big = true;
		*upload_len = 0;
		return MHD_YES;
	}
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	dcc = ci != NULL ? ci->socket_context : NULL;
	if (dcc != NULL)
		psk_peer(dc, conn, dcc);
	if (dcc == NULL || dcc->peer == NULL)
		return MHD_NO;	/* cannot happen: the handshake checked */
	if (rq->too_big)
		return send_err(conn, 413, "too-big", "the body is larger "
		    "than 65536 bytes");
	if (strcmp(url, "/.well-known/host-meta") == 0) {
		if (strcmp(method, "GET") != 0)
			return send_err(conn, 405, "operation-not-supported",
			    "GET only");
		return send_text(conn, 200, "application/xrd+xml", host_meta,
		    NULL, NULL);
	}
	if (strcmp(url, RESTCONF_ROOT "/yang-library-version") == 0) {
		if (strcmp(method, "GET") != 0)
			return send_err(conn, 405, "operation-not-supported",
			    "GET only");
		rep.status = 200;
		rep.body = json_pack("{s:s}",
		    "ietf-restconf:yang-library-version", "2016-06-21");
		return send_reply(conn, &rep);
	}
	if (strncmp(url, DATA_ROOT, strlen(DATA_ROOT)) != 0)
		return send_err(conn, 404, "invalid-value", "no such resource");
	req.gw = dc->gw;
	req.peer = dcc->peer;
	req.method = method;
	req.path = url + strlen(DATA_ROOT);
	req.content = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "content");
	req.insert = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "insert");
	req.point = MHD_lookup_connection_value(conn,
	    MHD_GET_ARGUMENT_KIND, "point");
	req.if_match = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_IF_MATCH);
	req.if_none_match = MHD_lookup_connection_value(conn,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	req.body = rq->body;
	req.len = rq->len;
	req.remote = client_address(conn, addr, sizeof(addr));
	rc_dots_data(&req, &rep);
	log_info("data channel: peer %s: %s %s: %d", dcc->peer->conf->name,
	    method, url, rep.status);
	rc = send_reply(conn, &rep);
	return rc;
}

static void
on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct dc_req *rq = *con_cls;

	if (rq != NULL) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* ---- the event loop -------------------------------------------------- */

static void
on_ready(evutil_socket_t fd, short ev, void *arg)
{
	struct datachannel *dc = arg;

	MHD_run(dc->mhd);
	schedule(dc);
}

/* MHD's own deadlines (idle connections, data it holds already: a
 * timeout of 0 while some connection can go on without the fd). */
static void
schedule(struct datachannel *dc)
{
	MHD_UNSIGNED_LONG_LONG ms;
	struct timeval tv;

	if (MHD_get_timeout(dc->mhd, &ms) == MHD_YES) {
		tv.tv_sec = (time_t)(ms / 1000);
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		evtimer_add(dc->timer, &tv);
	} else
		evtimer_del(dc->timer);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	size_t got;

	if (f == NULL)
		return NULL;
	do {
		if (n + 4096 + 1 > cap) {
			char *p = realloc(buf, cap = n + 8192);

			if (p == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = p;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0 && n < 1024 * 1024);
	fclose(f);
	if (buf != NULL)
		buf[n] = '\0';
	return buf;
}

struct datachannel *
datachannel_start(struct gw *gw)
{
	const struct conf *c = gw->conf;
	const struct conf_data_channel *d = &c->data_channel;
	const union MHD_DaemonInfo *di;
	struct sockaddr_storage ss;
	struct datachannel *dc;
	unsigned flags = MHD_USE_TLS | MHD_USE_EPOLL;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, d->address,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(d->port);
	} else if (inet_pton(AF_INET6, d->address,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(d->port);
		flags |= MHD_USE_IPv6 | MHD_USE_DUAL_STACK;
	} else {
		log_warnx("data-channel: bad address %s", d->address);
		return NULL;
	}
	if ((dc = calloc(1, sizeof(*dc))) == NULL)
		return NULL;
	dc->gw = gw;
	if ((dc->ca = slurp(c->creds.ca_file)) == NULL ||
	    (dc->cert = slurp(c->creds.cert_file)) == NULL ||
	    (dc->key = slurp(c->creds.key_file)) == NULL) {
		log_warn("data channel: cannot read the credentials");
		goto fail;
	}
	if (gnutls_psk_allocate_server_credentials(&dc->psk) < 0)
		goto fail;
	gnutls_psk_set_server_credentials_function(dc->psk, psk_key);
	dc->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, dc,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_HTTPS_MEM_KEY, dc->key,
	    MHD_OPTION_HTTPS_MEM_CERT, dc->cert,
	    MHD_OPTION_HTTPS_MEM_TRUST, dc->ca,
	    /* certificates first; PSK suites only for a PSK client */
	    MHD_OPTION_HTTPS_PRIORITIES,
	    "NORMAL:+ECDHE-PSK:+DHE-PSK:+PSK",
	    MHD_OPTION_NOTIFY_CONNECTION, on_conn, dc,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, dc,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNS,
	    MHD_OPTION_CONNECTION_TIMEOUT, 60u,
	    MHD_OPTION_END);
	if (dc->mhd == NULL) {
		log_warnx("data channel: cannot listen on [%s]:%u",
		    d->address, d->port);
		goto fail;
	}
	if ((di = MHD_get_daemon_info(dc->mhd, MHD_DAEMON_INFO_EPOLL_FD)) ==
	    NULL)
		goto fail;
	fd = di->epoll_fd;
	if ((dc->ev = event_new(gw->base, fd, EV_READ | EV_PERSIST, on_ready,
	    dc)) == NULL || event_add(dc->ev, NULL) == -1 ||
	    (dc->timer = evtimer_new(gw->base, on_ready, dc)) == NULL)
		goto fail;
	schedule(dc);
	log_info("data channel: RESTCONF on https://[%s]:%u/restconf",
	    d->address, d->port);
	return dc;
fail:
	datachannel_free(dc);
	return NULL;
}

void
datachannel_free(struct datachannel *dc)
{
	if (dc == NULL)
		return;
	if (dc->ev != NULL)
		event_free(dc->ev);
	if (dc->timer != NULL)
		event_free(dc->timer);
	if (dc->mhd != NULL)
		MHD_stop_daemon(dc->mhd);
	if (dc->psk != NULL)
		gnutls_psk_free_server_credentials(dc->psk);
	free(dc->ca);
	free(dc->cert);
	free(dc->key);
	free(dc);
}
