/*
 * Block2 answers served from one encoding per transfer (see block2.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/downstream/block2.h"
#include "gateway/gw.h"
#include "gateway/downstream/server.h"

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

/*
 * Block num of b into resp: 0, or -1 when the body has no such block.
 * Every option goes in its place (reply_option): a notification already
 * holds Observe and libcoap's copy of the subscription's Block2, which
 * coap_write_block_b_opt() updates (the M bit) instead of adding a
 * second one, which libcoap would drop ("not defined as repeatable").
 */
static int
add_block(const struct b2_body *b, coap_pdu_t *resp, uint16_t cf,
    unsigned num, unsigned szx)
{
	coap_block_b_t blk = { .num = num, .szx = szx };
	size_t off = (size_t)num << (szx + 4), n;
	uint8_t buf[4];

	if (off >= b->len && !(num == 0 && b->len == 0))
		return -1;
	reply_option(resp, COAP_OPTION_ETAG, sizeof(b->etag), b->etag);
	reply_option(resp, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(buf, sizeof(buf), cf), buf);
	if (b->max_age >= 0 && !request_has_option(resp, COAP_OPTION_MAXAGE))
		reply_option(resp, COAP_OPTION_MAXAGE, coap_encode_var_safe(
		    buf, sizeof(buf), (unsigned)b->max_age), buf);
	/* no session: given a TCP session that negotiated BERT (RFC 8323),
	 * libcoap 4.3.1 wrote szx 6 as BERT with M=0 over the first 1,024
	 * bytes of 1,734 (dotsctl then waited forever); we serve RFC 7959
	 * block sizes only */
	if (coap_write_block_b_opt(NULL, &blk, COAP_OPTION_BLOCK2, resp,
	    b->len) != 1)
		return -1;
	/* libcoap may have lowered the size to what is left of the PDU:
	 * the block is what the option now says */
	off = (size_t)blk.num << (blk.szx + 4);
	n = b->len - off < ((size_t)1 << (blk.szx + 4)) ? b->len - off :
	    (size_t)1 << (blk.szx + 4);
	coap_add_option(resp, COAP_OPTION_SIZE2, coap_encode_var_safe(buf,
	    sizeof(buf), (unsigned)b->len), buf);
	if (n > 0)
		coap_add_data(resp, n, b->body + off);
	return 0;
}

void
b2_reply(struct ds_session *ds, const coap_pdu_t *req, bool observe,
    coap_pdu_t *resp, uint16_t cf, int max_age, const uint8_t *body,
    size_t len)
{
	struct b2_body *b;
	unsigned num, szx;

	wanted_block(ds->session, req, &num, &szx);
	/* a notification answers the registration's request: block 0 */
	if (observe)
		num = 0;
	if (num == 0 && len <= ((size_t)1 << (szx + 4))) {
		/* one block, asked for by its size: nothing to keep, and a
		 * transfer the session has going on goes on */
		struct b2_body one = { .body = (uint8_t *)body, .len = len,
		    .max_age = max_age };

		etag_of(body, len, one.etag);
		add_block(&one, resp, cf, 0, szx);
		return;
	}
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
	b->max_age = max_age;
	b->used_ms = gw_now_ms();
	ds->b2 = b;
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
