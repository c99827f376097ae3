/*
 * Block2 answers served from one encoding per transfer (see block2.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "block2.h"
#include "gw.h"
#include "server.h"

#define B2_MAX_SZX	6	/* 1024-byte blocks at most */
#define B2_OVERHEAD	64	/* header, token (8), options (< 48) */

struct b2_body {
	coap_string_t	*key;		/* Uri-Path and Uri-Query */
	uint8_t		*body;
	size_t		 len;
	uint8_t		 etag[8];
	int		 max_age;	/* -1: none */
	uint64_t	 used_ms;
};

static coap_string_t *
request_key(const coap_pdu_t *req)
{
	coap_string_t *path = coap_get_uri_path(req);
	coap_string_t *query = coap_get_query(req);
	coap_string_t *key = NULL;
	size_t plen = path != NULL ? path->length : 0;
	size_t qlen = query != NULL ? query->length : 0;

	if ((key = coap_new_string(plen + 1 + qlen)) != NULL) {
		if (plen > 0)
			memcpy(key->s, path->s, plen);
		key->s[plen] = '?';
		if (qlen > 0)
			memcpy(key->s + plen + 1, query->s, qlen);
		key->length = plen + 1 + qlen;
	}
	coap_delete_string(path);
	coap_delete_string(query);
	return key;
}

/* FNV-1a over the whole body: an ETag that changes when the content does. */
static void
etag_of(const uint8_t *body, size_t len, uint8_t tag[8])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ body[i]) * 0x100000001b3ull;
	for (int i = 0; i < 8; i++)
		tag[i] = (uint8_t)(h >> (56 - 8 * i));
}

void
b2_drop(struct ds_session *ds)
{
	if (ds->b2 == NULL)
		return;
	coap_delete_string(ds->b2->key);
	free(ds->b2->body);
	free(ds->b2);
	ds->b2 = NULL;
}

/* The block asked for (block 0 when none), at most what fits a PDU. */
static void
wanted_block(const coap_session_t *s, const coap_pdu_t *req, unsigned *num,
    unsigned *szx)
{
	size_t room = coap_session_max_pdu_size(s);
	coap_block_t b;

	*num = 0;
	*szx = B2_MAX_SZX;
	if (req != NULL && coap_get_block(req, COAP_OPTION_BLOCK2, &b)) {
		*num = b.num;
		if (b.szx < *szx)
			*szx = b.szx;
	}
	while (*szx > 0 && (1u << (*szx + 4)) + B2_OVERHEAD > room)
		(*szx)--;
}

/* Block num of b into resp; 0, or -1 when the body has no such block. */
static int
add_block(const struct b2_body *b, coap_pdu_t *resp, uint16_t cf,
    unsigned num, unsigned szx)
{
	size_t bsize = (size_t)1 << (szx + 4), off = (size_t)num * bsize;
	size_t n;
	uint8_t buf[4];
	unsigned more;

	if (off >= b->len && !(num == 0 && b->len == 0))
		return -1;
	n = b->len - off < bsize ? b->len - off : bsize;
	more = off + n < b->len;
	coap_add_option(resp, COAP_OPTION_ETAG, sizeof(b->etag), b->etag);
	coap_add_option(resp, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(buf, sizeof(buf), cf), buf);
	if (b->max_age >= 0 && !request_has_option(resp, COAP_OPTION_MAXAGE))
		coap_add_option(resp, COAP_OPTION_MAXAGE, coap_encode_var_safe(
		    buf, sizeof(buf), (unsigned)b->max_age), buf);
	coap_add_option(resp, COAP_OPTION_BLOCK2, coap_encode_var_safe(buf,
	    sizeof(buf), (num << 4) | (more << 3) | szx), buf);
	coap_add_option(resp, COAP_OPTION_SIZE2, coap_encode_var_safe(buf,
	    sizeof(buf), (unsigned)b->len), buf);
	coap_add_data(resp, n, b->body + off);
	return 0;
}

static int
max_age_of(const coap_pdu_t *resp)
{
	coap_opt_iterator_t it;
	coap_opt_t *o = coap_check_option(resp, COAP_OPTION_MAXAGE, &it);

	return o == NULL ? -1 : (int)coap_decode_var_bytes(coap_opt_value(o),
	    coap_opt_length(o));
}

void
b2_reply(struct ds_session *ds, const coap_pdu_t *req, bool observe,
    coap_pdu_t *resp, uint16_t cf, const uint8_t *body, size_t len)
{
	struct b2_body *b;
	unsigned num, szx;

	b2_drop(ds);
	if ((b = calloc(1, sizeof(*b))) == NULL ||
	    (b->body = malloc(len > 0 ? len : 1)) == NULL ||
	    (b->key = request_key(req)) == NULL) {
		if (b != NULL) {
			free(b->body);
			free(b);
		}
		if (!observe)
			reply_errf(resp, 500, "out of memory");
		return;
	}
	memcpy(b->body, body, len);
	b->len = len;
	etag_of(body, len, b->etag);
	b->max_age = max_age_of(resp);
	b->used_ms = gw_now_ms();
	ds->b2 = b;
	wanted_block(ds->session, req, &num, &szx);
	/* a notification answers the registration's request: block 0 */
	if (observe)
		num = 0;
	if (add_block(b, resp, cf, num, szx) == -1) {
		b2_drop(ds);
		reply_errf(resp, 400, "Block2 %u is beyond the body", num);
	}
}

int
b2_serve(struct ds_session *ds, const coap_pdu_t *req, coap_pdu_t *resp,
    uint16_t cf)
{
	struct b2_body *b = ds->b2;
	coap_string_t *key;
	unsigned num, szx;
	bool same;

	if (b == NULL || req == NULL ||
	    !request_has_option(req, COAP_OPTION_BLOCK2))
		return 0;
	wanted_block(ds->session, req, &num, &szx);
	if (num == 0)
		return 0;	/* a new transfer: encoded anew */
	if (gw_now_ms() - b->used_ms > B2_KEEP_MS) {
		b2_drop(ds);
		return 0;
	}
	if ((key = request_key(req)) == NULL)
		return 0;
	same = coap_string_equal(key, b->key);
	coap_delete_string(key);
	if (!same)
		return 0;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(205));
	if (add_block(b, resp, cf, num, szx) == -1) {
		reply_errf(resp, 400, "Block2 %u is beyond the body", num);
		return 1;
	}
	b->used_ms = gw_now_ms();
	if (((size_t)num + 1) << (szx + 4) >= b->len)
		b2_drop(ds);	/* the last block */
	return 1;
}
