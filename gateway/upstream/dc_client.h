/*
 * An asynchronous RESTCONF client (RFC 8040) toward upstreams' DOTS data
 * channels (RFC 8783): HTTPS with mutual X.509 on libcurl's multi
 * interface, driven by the daemon's libevent loop (socket and timer
 * callbacks; no blocking call, no thread). Each request carries its own
 * credentials, the name the server's certificate must show (connected
 * to the numeric address given, whatever the name resolves to) and a
 * bound on its duration. TLS-PSK is not offered: libcurl's GnuTLS
 * back-end has none.
 */
#ifndef DOTSGW_DC_CLIENT_H
#define DOTSGW_DC_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

struct dcc;

struct dcc_req {
	const char	*method;	/* "GET", "PUT", "POST", "DELETE" */
	const char	*server_name;	/* checked against its certificate */
	const char	*address;	/* numeric IPv4 or IPv6: connect there */
	uint16_t	 port;
	const char	*path;		/* "/restconf/...", percent-encoded */
	const char	*body;		/* JSON, copied; NULL = none */
	size_t		 len;
	const char	*ca_file;	/* PEM files */
	const char	*cert_file;
	const char	*key_file;
	unsigned	 timeout_ms;	/* the whole exchange */
};

/* The answer: status is the HTTP status, or 0 when none came (error
 * says why: connection, TLS, timeout). body is NUL-terminated, at most
 * DCC_BODY_MAX bytes (longer answers are cut). Not called for a
 * cancelled request; never called from within dcc_send(). */
#define DCC_BODY_MAX	65536
typedef void dcc_done_fn(void *arg, long status, const char *body,
	    size_t len, const char *error);

/* NULL when out of memory or libcurl cannot start. */
struct dcc *dcc_new(struct event_base *);
/* Every outstanding request is dropped without its callback. */
void	dcc_free(struct dcc *);
/* An id (never 0) for dcc_cancel, or 0 when it cannot be started. */
uint64_t dcc_send(struct dcc *, const struct dcc_req *, dcc_done_fn *,
	    void *arg);
/* No callback for id after this; an unknown or finished id is ignored. */
void	dcc_cancel(struct dcc *, uint64_t id);
/* Requests outstanding (tests). */
size_t	dcc_pending(const struct dcc *);

#endif
