/*
 * DOTS client over libcoap 4.3.1; see client.h. Pitfalls handled here
 * (libcoap-4.3.1.md): tokens are seeded (§4), NON requests are repeated by
 * us since libcoap never does (§4, RFC 9132 §4.3), the server name is
 * checked in the CN callback since libcoap does no hostname check (§3),
 * and nothing is freed inside a libcoap handler: finished requests are
 * marked and reaped by dc_tick().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client/client.h"
#include "client/client_int.h"
#include "common/dots_codec.h"

uint64_t
dc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
dc_seterr(struct dots_client *dc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dc->err, sizeof(dc->err), fmt, ap);
	va_end(ap);
}

struct dots_client *
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

static size_t
id_hash(const struct dots_client *dc, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & (dc->tok_cap - 1);
}

static void
id_insert(struct dots_client *dc, struct dc_pending *p)
{
	size_t b = id_hash(dc, p->id);

	p->id_next = dc->id_tab[b];
	dc->id_tab[b] = p;
}

static void
id_remove(struct dots_client *dc, struct dc_pending *p)
{
	struct dc_pending **pp;

	if (p->id == 0 || dc->tok_cap == 0)
		return;
	for (pp = &dc->id_tab[id_hash(dc, p->id)]; *pp != NULL;
	    pp = &(*pp)->id_next)
		if (*pp == p) {
			*pp = p->id_next;
			return;
		}
}

/*
 * Both tables have tok_cap buckets and grow together, with the requests
 * pending: a relay keeps one per observed placement, and cancelling one
 * (a withdrawal, a refresh, the daemon's exit) must not walk them all.
 */
static int
tok_insert(struct dots_client *dc, struct dc_pending *p)
{
	size_t b;

	if (dc->tok_n + 1 > dc->tok_cap) {	/* grow: rehash all */
		size_t old = dc->tok_cap, cap = old ? old * 2 : 64;
		struct dc_pending **o = dc->tok_tab, **t, **ids;

		if ((t = calloc(cap, sizeof(*t))) == NULL)
			return -1;
		if ((ids = calloc(cap, sizeof(*ids))) == NULL) {
			free(t);
			return -1;
		}
		dc->tok_tab = t;
		free(dc->id_tab);
		dc->id_tab = ids;
		dc->tok_cap = cap;
		for (size_t i = 0; i < old; i++)
			for (struct dc_pending *q = o[i], *n; q != NULL; q = n) {
				n = q->tok_next;
				b = tok_hash(dc, q->sess, q->token, q->toklen);
				q->tok_next = t[b];
				t[b] = q;
			}
		free(o);
		for (struct dc_pending *q = dc->pending; q != NULL; q = q->next)
			if (q->id != 0)
				id_insert(dc, q);
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

	if (dc->tok_cap == 0)
		return NULL;
	for (p = dc->id_tab[id_hash(dc, id)]; p != NULL; p = p->id_next)
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

void
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

void
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
			id_remove(dc, p);
			dc_pending_free(p);
		} else
			pp = &p->next;
	}
}

uint32_t
dc_opt_uint(const coap_pdu_t *pdu, coap_option_num_t num, bool *has)
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
	v = dc_opt_uint(pdu, COAP_OPTION_CONTENT_FORMAT, &has);
	r->content_format = has ? (int)v : -1;
	r->max_age = dc_opt_uint(pdu, COAP_OPTION_MAXAGE, &r->has_max_age);
	r->observe = dc_opt_uint(pdu, COAP_OPTION_OBSERVE, &r->has_observe);
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
		if ((n = dc_enqueue(dc, &q, dc->s, dc_now_ms() +
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
	id_insert(dc, n);
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

coap_response_t
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
	obs = dc_opt_uint(rcvd, COAP_OPTION_OBSERVE, &has_obs);
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

void
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
	p->next_send = dc_now_ms() + DC_NON_REPEAT_MS;
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
	if ((p = dc_enqueue(dc, req, sess, dc_now_ms() + timeout_ms, cb,
	    arg)) == NULL)
		return 0;
	p->id = ++dc->next_id;
	id_insert(dc, p);
	return p->id;
}

void
dc_cancel(struct dots_client *dc, uint64_t id)
{
	struct dc_pending *p;
	coap_binary_t tok;

	if ((p = dc_find_id(dc, id)) == NULL)
		return;
	if (!p->observing || dc->failed || dc->closing) {
		p->done = true;
		return;
	}
	tok.s = p->token;
	tok.length = p->toklen;
	p->cancelling = true;
	p->deadline = dc_now_ms() + 2 * DC_NON_REPEAT_MS;
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

void
dc_closing(struct dots_client *dc)
{
	dc->closing = true;
}

unsigned
dc_tick(struct dots_client *dc)
{
	struct dc_pending *p;
	uint64_t now = dc_now_ms(), next = now + DC_TICK_MS;

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
	uint64_t now = dc_now_ms();
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
	uint64_t until = dc_now_ms() + ms;

	while (dc_now_ms() < until) {
		dc_turn(dc, until);
		if (!dc_busy(dc))
			break;
	}
	dc_tick(dc);
}

void
dc_wait(struct dots_client *dc, unsigned ms)
{
	uint64_t until = dc_now_ms() + ms;

	while (dc_now_ms() < until)
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
	uint64_t until = dc_now_ms() + timeout_ms + 1000;

	memset(out, 0, sizeof(*out));
	if (dc_send(dc, req, timeout_ms, dc_sync_cb, &sy) == 0)
		return dc->failed ? (dc->established ? DC_FAILED :
		    DC_HANDSHAKE) : DC_FAILED;
	while (!sy.done && dc_now_ms() < until)
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
	uint64_t id, start = dc_now_ms(), until;

	q.observe = 0;
	if ((id = dc_send(dc, &q, timeout_ms, dc_obs_cb, &ob)) == 0)
		return dc->established ? DC_FAILED : DC_HANDSHAKE;
	until = start + duration_ms;
	while (!ob.ended && !ob.stop) {
		if (!ob.got && dc_now_ms() > start + timeout_ms + 1000)
			break;
		if (ob.got && dc_now_ms() >= until)
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

