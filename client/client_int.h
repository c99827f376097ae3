/*
 * The DOTS client library's insides, shared by its files: session.c
 * (the session: credentials, server name check, events, heartbeats from
 * the server) and request.c (requests: tokens, NON repeats, answers,
 * observations, block-wise refetch). Not for users of client.h.
 */
#ifndef DOTSGW_CLIENT_INT_H
#define DOTSGW_CLIENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "client/client.h"

/* Room for header, token and options next to a body on the small session */
#define DC_SMALL_ROOM	128

struct dc_pending {
	struct dc_pending *next;
	struct dc_pending *tok_next;	/* in the token table's bucket */
	struct dc_pending *id_next;	/* in the id table's, once it has one */
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
	struct dc_pending **id_tab;	/* id -> pending, tok_cap buckets */
	size_t		 tok_cap;	/* a power of two */
	size_t		 tok_n;
	uint64_t	 next_id;
	bool		 established;
	bool		 failed;
	bool		 freeing;
	bool		 closing;	/* dc_closing(): no more deregistrations */
	/* the handshake ended in dc_cn_cb: err says why, and nothing
	 * after (a send on the dead session) overwrites it */
	bool		 cert_refused;
	bool		 name_refused;	/* of those: server_name mismatch */
	unsigned	 hb_in;
	char		*server_name;
	char		*ca_file, *cert_file, *key_file;
	char		 err[DC_ERRLEN];
};

uint64_t dc_now_ms(void);
void	dc_seterr(struct dots_client *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
struct dots_client *dc_of(coap_session_t *);
uint32_t dc_opt_uint(const coap_pdu_t *, coap_option_num_t, bool *has);
/* every request fails with why (the session is gone) */
void	dc_fail_all(struct dots_client *, const char *why);
void	dc_pending_free(struct dc_pending *);
coap_response_t dc_response_handler(coap_session_t *, const coap_pdu_t *sent,
	    const coap_pdu_t *received, const coap_mid_t);
void	dc_nack_handler(coap_session_t *, const coap_pdu_t *sent,
	    const coap_nack_reason_t, const coap_mid_t);

#endif
