/*
 * A small DOTS client over libcoap (RFC 9132 client role): one coap
 * context with one client session toward a DOTS server, requests matched
 * to responses by token, Observe, and answers to server heartbeats.
 * Used by dotsctl and by the daemon's upstream side, so it never prints
 * and never exits; errors come back as codes and text.
 *
 * Two ways to drive it:
 *  - synchronous: dc_request()/dc_observe() run coap_io_process() until
 *    the answer or the deadline (dotsctl);
 *  - event loop: attach dc_context() to libevent (coap_loop.h), call
 *    dc_send() and call dc_tick() at least every DC_TICK_MS; it repeats
 *    NON requests and reports timeouts.
 *
 * The caller runs coap_startup() first. Each client owns its own context,
 * since PKI setup is per context on GnuTLS (libcoap-4.3.1.md §2).
 */
#ifndef DOTSGW_CLIENT_H
#define DOTSGW_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <coap3/coap.h>

#define DC_ERRLEN	256
#define DC_NON_REPEAT_MS 2000	/* NON requests repeated until answered */
#define DC_TICK_MS	250
#define DC_MAX_PATH	8

/* Results other than a response. */
enum dc_status {
	DC_OK = 0,		/* a response arrived */
	DC_TIMEOUT = -1,	/* nothing within the deadline */
	DC_HANDSHAKE = -2,	/* (D)TLS never came up */
	DC_FAILED = -3,		/* session lost, RST, or local error */
};

struct dc_opts {
	const char	*uri;		/* coaps://H:P or coaps+tcp://H:P */
	const char	*psk_identity;	/* PSK when not NULL */
	const uint8_t	*psk_key;
	size_t		 psk_key_len;
	const char	*ca_file;	/* PKI when cert_file is not NULL */
	const char	*cert_file;
	const char	*key_file;
	const char	*server_name;	/* checked against the server cert */
	bool		 small_session;	/* DTLS: a second session without
					   block-wise state (client.c) */
};

struct dc_req {
	coap_pdu_code_t	 method;	/* COAP_REQUEST_CODE_GET, ... */
	bool		 con;		/* Confirmable, else NON */
	const char	*path[DC_MAX_PATH];	/* Uri-Path segments */
	size_t		 npath;
	int		 content_format;	/* -1: none */
	bool		 if_match;	/* empty If-Match (efficacy update) */
	int		 observe;	/* -1: none, 0 register, 1 deregister */
	int		 hop_limit;	/* 0: none, else 1..255 */
	bool		 small;		/* its answer usually fits one
					   datagram: the small session */
	const uint8_t	*payload;
	size_t		 len;
};

struct dc_resp {
	int		 code;		/* 201 for 2.01 */
	int		 content_format;	/* -1: none */
	bool		 has_max_age;
	uint32_t	 max_age;
	bool		 has_observe;
	uint32_t	 observe;
	uint8_t		*payload;	/* owned by the struct, NUL-terminated */
	size_t		 len;
};

struct dots_client;

/* resp is NULL unless status is DC_OK; it is only valid during the call. */
typedef void (*dc_resp_fn)(void *arg, int status, const struct dc_resp *resp);
/* Synchronous Observe: return non-zero to stop observing early. */
typedef int (*dc_notify_fn)(void *arg, const struct dc_resp *resp);

/* NULL with err filled on a bad URI, unreadable credentials and so on. */
struct dots_client *dc_new(const struct dc_opts *, char *err, size_t errlen);
void	dc_free(struct dots_client *);
coap_context_t *dc_context(struct dots_client *);
coap_session_t *dc_session(struct dots_client *);
/* The session's (D)TLS came up at some point. */
bool	dc_established(const struct dots_client *);
/* Server-initiated heartbeats answered so far (RFC 9132 §4.7). */
unsigned dc_heartbeats_received(const struct dots_client *);
/* Last failure in words ("handshake failed", ...). */
const char *dc_error(const struct dots_client *);
/* The handshake failed because the server certificate matches neither
 * CN nor DNS SubjectAltName server_name (dc_error() names both sides). */
bool	dc_server_name_refused(const struct dots_client *);

/*
 * Send a request; cb runs once with the response (or with a timeout or a
 * failure), or for each notification when req->observe == 0 and the
 * server accepted the registration, until dc_cancel(). Returns an id > 0,
 * or 0 on a local error (cb is not called then).
 */
uint64_t dc_send(struct dots_client *, const struct dc_req *,
	    unsigned timeout_ms, dc_resp_fn cb, void *arg);
/* Forget a request; for an observation, deregister (Observe 1). */
void	dc_cancel(struct dots_client *, uint64_t id);
/* dc is about to be freed: dc_cancel() then only forgets. The session's
 * end ends its observations at the server, and a deregistration is a CON
 * each, which libcoap queues behind one another and walks on every send:
 * 12 s for a relay's 20,000 observations at its exit. */
void	dc_closing(struct dots_client *);
/* Repeat NON requests, expire deadlines. Returns ms until the next need. */
unsigned dc_tick(struct dots_client *);
/* Process I/O for up to ms, returning early once nothing is pending. */
void	dc_run(struct dots_client *, unsigned ms);
/* Process I/O (server heartbeats, notifications) for ms exactly. */
void	dc_wait(struct dots_client *, unsigned ms);

/* Synchronous request: DC_OK with *out filled (free with dc_resp_free). */
int	dc_request(struct dots_client *, const struct dc_req *,
	    unsigned timeout_ms, struct dc_resp *out);
/*
 * Synchronous Observe: GET with Observe 0; fn sees the first response and
 * each notification until duration_ms passed or fn returns non-zero, then
 * the observation is cancelled. DC_OK once a response came.
 */
int	dc_observe(struct dots_client *, const struct dc_req *,
	    unsigned timeout_ms, unsigned duration_ms, dc_notify_fn fn,
	    void *arg);
void	dc_resp_free(struct dc_resp *);

/* "2.01" into buf (at least 8 bytes); returns buf. */
char	*dc_code_str(int code, char *buf, size_t len);
const char *dc_code_reason(int code);	/* "Created", ... */

#endif
