/*
 * The data-channel client (gateway/upstream/dc_client.c) against a local
 * libmicrohttpd HTTPS server (its own thread, test only) with a throwaway
 * PKI (topologies/pki.sh): mutual TLS, the server name checked, the
 * body both ways, bounded time, cancel and free without callbacks.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <event2/event.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

#include "gateway/upstream/dc_client.h"
#include "unit.h"

static char dir[] = "/tmp/dotsgw-dcc.XXXXXX";

struct answer {
	bool	 done;
	int	 calls;
	long	 status;
	char	 body[512];
	char	 error[256];
};

struct upload {
	char	 buf[4096];
	size_t	 len;
};

/* The client certificate's CN, "" without one. */
static void
client_cn(struct MHD_Connection *c, char *out, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	const gnutls_datum_t *certs;
	unsigned n = 0;
	gnutls_x509_crt_t crt;
	size_t sz = len;

	out[0] = '\0';
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (ci == NULL || (certs = gnutls_certificate_get_peers(
	    (gnutls_session_t)ci->tls_session, &n)) == NULL || n == 0)
		return;
	if (gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0)
		(void)gnutls_x509_crt_get_dn_by_oid(crt,
		    GNUTLS_OID_X520_COMMON_NAME, 0, 0, out, &sz);
	gnutls_x509_crt_deinit(crt);
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *data_len, void **ctx)
{
	struct upload *u = *ctx;
	struct MHD_Response *r;
	char text[5000], cn[128];
	const char *ctype;
	enum MHD_Result rc;
	int status = 200;

	if (u == NULL) {
		*ctx = calloc(1, sizeof(*u));
		return *ctx != NULL ? MHD_YES : MHD_NO;
	}
	if (*data_len > 0) {
		size_t n = *data_len < sizeof(u->buf) - u->len ? *data_len :
		    sizeof(u->buf) - u->len;

		memcpy(u->buf + u->len, data, n);
		u->len += n;
		*data_len = 0;
		return MHD_YES;
	}
	client_cn(c, cn, sizeof(cn));
	ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Content-Type");
	if (strcmp(url, "/slow") == 0)
		sleep(2);	/* longer than the client waits */
	if (cn[0] == '\0')
		status = 403;
	else if (strcmp(method, "PUT") == 0)
		status = 201;
	else if (strcmp(method, "DELETE") == 0)
		status = 204;
	snprintf(text, sizeof(text), "%s %s %s %s %.*s", method, url, cn,
	    ctype != NULL ? ctype : "-", (int)u->len, u->buf);
	r = MHD_create_response_from_buffer(status == 204 ? 0 : strlen(text),
	    text, MHD_RESPMEM_MUST_COPY);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static void
completed(void *cls, struct MHD_Connection *c, void **ctx,
    enum MHD_RequestTerminationCode toe)
{
	free(*ctx);
	*ctx = NULL;
}

static char *
slurp(const char *name)
{
	char path[256], *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	if ((buf = calloc(1, (size_t)n + 1)) != NULL &&
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
done(void *arg, long status, const char *body, size_t len,
    const char *error)
{
	struct answer *a = arg;

	a->done = true;
	a->calls++;
	a->status = status;
	snprintf(a->body, sizeof(a->body), "%.*s", (int)len, body);
	snprintf(a->error, sizeof(a->error), "%s", error ? error : "");
}

static void
stop(evutil_socket_t fd, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* Run the loop until a is answered (or ms passed: a stays undone). */
static void
run(struct event_base *base, struct answer *a, unsigned ms)
{
	struct timeval tv = { 0, 20000 };
	struct event *tick = event_new(base, -1, EV_PERSIST, stop, base);

	event_add(tick, &tv);
	for (unsigned t = 0; t < ms / 20 && (a == NULL || !a->done); t++)
		event_base_loop(base, 0);
	event_free(tick);
}

static char paths[3][256];

static void
creds(struct dcc_req *r, const char *who)
{
	snprintf(paths[0], sizeof(paths[0]), "%s/ca.pem", dir);
	snprintf(paths[1], sizeof(paths[1]), "%s/%s.pem", dir, who);
	snprintf(paths[2], sizeof(paths[2]), "%s/%s.key", dir, who);
	r->ca_file = paths[0];
	r->cert_file = who != NULL ? paths[1] : NULL;
	r->key_file = who != NULL ? paths[2] : NULL;
}

int
main(void)
{
	char cmd[1024], *ca, *cert, *key;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	struct event_base *base;
	struct dcc *c;
	uint16_t port;
	struct dcc_req r;
	struct sockaddr_in lo = { .sin_family = AF_INET };

	lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(cmd, sizeof(cmd), "sh topologies/pki.sh %s ca ca 'dcc test "
	    "CA' && sh topologies/pki.sh %s cert srv srv.test && "
	    "sh topologies/pki.sh %s cert cli cli.test", dir, dir, dir);
	if (system(cmd) != 0 || (ca = slurp("ca.pem")) == NULL ||
	    (cert = slurp("srv.pem")) == NULL ||
	    (key = slurp("srv.key")) == NULL) {
		printf("SKIP dc_client: no throwaway PKI (certtool)\n");
		return 0;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS,
	    0, NULL, NULL, handler, NULL, MHD_OPTION_HTTPS_MEM_KEY, key,
	    MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_TRUST, ca,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_SOCK_ADDR, &lo, MHD_OPTION_END);
	if (d == NULL || (di = MHD_get_daemon_info(d,
	    MHD_DAEMON_INFO_BIND_PORT)) == NULL || di->port == 0) {
		printf("FAIL dc_client: no local HTTPS server\n");
		return 1;
	}
	port = di->port;
	base = event_base_new();
	c = dcc_new(base);

	TEST("dc_client: PUT with mutual TLS, body both ways") {
		struct answer a = { 0 };
		const char *body = "{\"x\":1}";

		memset(&r, 0, sizeof(r));
		r.method = "PUT";
		r.server_name = "srv.test";
		r.address = "127.0.0.1";
		r.port = port;
		r.path = "/restconf/data/x%3Dy";
		r.body = body;
		r.len = strlen(body);
		r.timeout_ms = 5000;
		creds(&r, "cli");
		CHECK(dcc_send(c, &r, done, &a) != 0);
		CHECK(!a.done);		/* never from within dcc_send */
		run(base, &a, 8000);
		CHECK(a.calls == 1);
		CHECK(a.status == 201);
		CHECK_STR(a.body, "PUT /restconf/data/x=y cli.test "
		    "application/yang-data+json {\"x\":1}");
		CHECK(dcc_pending(c) == 0);
	}
	TEST("dc_client: DELETE answered 204 without a body") {
		struct answer a = { 0 };

		r.method = "DELETE";
		r.body = NULL;
		r.len = 0;
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, &a, 8000);
		CHECK(a.status == 204);
		CHECK_STR(a.body, "");
	}
	TEST("dc_client: the server's name is checked") {
		struct answer a = { 0 };

		r.method = "GET";
		r.server_name = "other.test";
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, &a, 8000);
		CHECK(a.done && a.status == 0 && a.error[0] != '\0');
		r.server_name = "srv.test";
	}
	TEST("dc_client: no client certificate is the server's 403") {
		struct answer a = { 0 };

		creds(&r, NULL);
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, &a, 8000);
		CHECK(a.status == 403);
		creds(&r, "cli");
	}
	TEST("dc_client: a server that does not answer in time") {
		struct answer a = { 0 };

		r.path = "/slow";
		r.timeout_ms = 300;
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, &a, 8000);
		CHECK(a.done && a.status == 0);
		CHECK(strstr(a.error, "imeout") != NULL ||
		    strstr(a.error, "timed out") != NULL);
		r.path = "/restconf/data/x%3Dy";
		r.timeout_ms = 5000;
	}
	TEST("dc_client: nobody listening") {
		struct answer a = { 0 };
		uint16_t keep = r.port;

		r.port = 1;
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, &a, 8000);
		CHECK(a.done && a.status == 0 && a.error[0] != '\0');
		r.port = keep;
	}
	TEST("dc_client: cancelled, no callback") {
		struct answer a = { 0 }, b = { 0 };
		uint64_t id;

		CHECK((id = dcc_send(c, &r, done, &a)) != 0);
		CHECK(dcc_send(c, &r, done, &b) != 0);
		dcc_cancel(c, id);
		dcc_cancel(c, id);	/* twice: ignored */
		run(base, &b, 8000);
		CHECK(b.status == 200);
		CHECK(a.calls == 0);
		CHECK(dcc_pending(c) == 0);
	}
	TEST("dc_client: bad requests are refused at once") {
		struct answer a = { 0 };
		struct dcc_req bad = r;

		bad.address = NULL;
		CHECK(dcc_send(c, &bad, done, &a) == 0);
		CHECK(dcc_send(NULL, &r, done, &a) == 0);
		bad = r;
		bad.server_name = "::1";	/* an address is no name */
		bad.address = "127.0.0.1";
		CHECK(dcc_send(c, &bad, done, &a) == 0);
		CHECK(a.calls == 0);
	}
	TEST("dc_client: freed with a request outstanding") {
		struct answer a = { 0 };

		r.path = "/slow";	/* surely outstanding after 200 ms */
		CHECK(dcc_send(c, &r, done, &a) != 0);
		run(base, NULL, 200);
		CHECK(dcc_pending(c) == 1);
		dcc_free(c);
		c = NULL;
		CHECK(a.calls == 0);
	}
	event_base_free(base);
	MHD_stop_daemon(d);
	free(ca);
	free(cert);
	free(key);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)system(cmd);
	return UNIT_EXIT();
}
