/*
 * The downstream side: one libcoap context serving DTLS and TLS endpoints
 * with PSK and X.509 mutual authentication. Handshakes from identities that
 * no configured peer has are refused. Each authenticated session carries a
 * struct ds_session (libcoap app data) that binds it to its peer; requests
 * are dispatched from here to the mitigate, config and hb handlers.
 */
#ifndef DOTSGW_SERVER_H
#define DOTSGW_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "common/cuid.h"
#include "common/dots_err.h"
#include "common/dots_path.h"

struct b2_body;
struct gw;
struct obs;
struct peer_rt;
struct server;

/* One authenticated downstream session. */
struct ds_session {
	TAILQ_ENTRY(ds_session) entry;	/* server's list */
	struct gw	*gw;
	coap_session_t	*session;
	struct peer_rt	*peer;
	char		 cred_hash[CUID_BUFLEN];	/* RFC 9132 cuid algorithm
					   over its credential: our cdid */
	struct event	*hb_timer;	/* our heartbeats; armed on first request */
	uint64_t	 last_rx_ms;	/* any request on this session */
	uint64_t	 last_hb_rx_ms;	/* the peer's last heartbeat */
	uint32_t	 missed;	/* our heartbeats unanswered in a row */
	bool		 hb_pending;
	uint8_t		 hb_token[8];
	size_t		 hb_token_len;
	struct b2_body	*b2;		/* Block2 body in transfer (block2.h) */
	TAILQ_HEAD(, obs) observations;	/* its observations (observe.h) */
};

/* What a handler gets: the request, decoded enough to act on. */
struct ds_request {
	struct gw		*gw;
	struct ds_session	*ds;
	coap_session_t		*session;
	coap_pdu_code_t		 method;
	struct dots_path	 path;
	const coap_pdu_t	*pdu;
	const coap_string_t	*query;
	/*
	 * A GET whose response already carries Observe: a notification of
	 * the mitigate resources (observe.c runs the registration again),
	 * or a registration or notification of a resource libcoap observes
	 * (config, telemetry), which libcoap 4.3.1 does not tell apart (the
	 * option is added before the handler in both cases and the original
	 * request is passed again). Such a GET is never rate-limited, does
	 * not count as hearing from the peer, and should not answer
	 * 4.xx/5.xx: its answer is a function of peer, path, query and the
	 * table, and observed targets go away with their content.
	 */
	bool			 observe;
};

struct server *server_new(struct gw *);
void	server_free(struct server *);
void	server_kick(struct server *);
/* libcoap's X.509 credentials become pem's (checked by pki_pem_check),
 * which the server then owns; 0, or -1 with the running ones kept. */
struct pki_pem;
int	server_set_credentials(struct server *, struct pki_pem *pem);
/* The peer is gone (reload): its sessions are closed (DTLS close_notify,
 * TCP close) and unbound: no heartbeats, 4.01 to anything still coming. */
void	server_unbind_peer(struct server *, struct peer_rt *);
/* Each authenticated downstream session (for status). */
void	server_foreach_session(struct server *,
	    void (*fn)(struct ds_session *, void *), void *arg);

/* Observable resources libcoap keeps (telemetry's; the mitigations'
 * observations are observe.h's). */
coap_resource_t *server_resource_new(struct server *, const char *path);
void	server_resource_delete(struct server *, coap_resource_t *);
void	server_resource_notify(struct server *, coap_resource_t *);
void	server_notify_config(struct server *);

/* Responses. */
void	reply_err(coap_pdu_t *, const struct dots_err *);
void	reply_errf(coap_pdu_t *, int code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	reply_max_age(coap_pdu_t *, uint32_t seconds);
/* coap_add_option() for a response that may already hold a higher option
 * (libcoap's Observe, a notification's Block2): the option goes in its
 * place. Returns coap_add_option()'s size, 0 on failure. */
size_t	reply_option(coap_pdu_t *, uint16_t number, size_t len,
	    const uint8_t *value);
/* Copy an answer built elsewhere into resp (which has only its token):
 * code, options, payload. 0, or -1 out of memory. */
int	reply_copy(coap_pdu_t *resp, const coap_pdu_t *from);
/* Code and an application/dots+cbor body; Block2 (with ETag) when large
 * or when the request (or, for a notification, its subscription) carries
 * Block2: never a block larger than the one asked for (RFC 7959 §2.2). */
void	reply_cbor(const struct ds_request *, coap_pdu_t *, int code,
	    const uint8_t *body, size_t len);
/* The same with Max-Age (seconds; -1 none), added in option order. */
void	reply_cbor_max_age(const struct ds_request *, coap_pdu_t *, int code,
	    int max_age, const uint8_t *body, size_t len);
/* The request body after Content-Format and Block1 checks: 0, or -1 with
 * err (4.15 wrong format, 4.13 block-wise, 4.00 missing body). */
int	request_body(const coap_pdu_t *, const uint8_t **, size_t *,
	    struct dots_err *);
int	request_has_option(const coap_pdu_t *, uint16_t opt);

/* Handlers (mitigate.c, sigconfig.c, heartbeat.c). */
void	mitigate_handle(const struct ds_request *, coap_pdu_t *);
void	config_handle(const struct ds_request *, coap_pdu_t *);
void	hb_handle(const struct ds_request *, coap_pdu_t *);
void	hb_session_start(struct ds_session *);
void	hb_session_stop(struct ds_session *);
void	hb_response(struct ds_session *, const coap_pdu_t *);

#endif
