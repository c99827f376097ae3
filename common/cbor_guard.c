/*
 * Streaming pre-validator for untrusted CBOR (libcoap-4.3.1.md §9).
 * libcbor's cbor_load trusts declared counts (a 5-byte array header makes
 * it allocate gigabytes), ignores trailing bytes and has no depth limit
 * short of 2048, so every body goes through here first. The stream
 * decoder allocates nothing; we keep a stack of open containers with the
 * number of items each still expects.
 */
#include <stdbool.h>
#include <string.h>

#include <cbor.h>

#include "cbor_guard.h"

#define INDEF	SIZE_MAX	/* remaining count of an indefinite container */

struct guard {
	size_t	 len;		/* whole buffer */
	size_t	 off;		/* offset of the item being decoded */
	size_t	 rem[CBOR_GUARD_MAX_DEPTH + 1];
	int	 depth;
	size_t	 items;
	size_t	 max_items;
	size_t	 pending;	/* items promised by open definite containers */
	bool	 tagged;	/* a tag waits for its item */
	bool	 done;		/* the top-level item is complete */
	const char *bad;	/* first violation, NULL when fine */
};

static void
fail(struct guard *g, const char *why)
{
	if (g->bad == NULL)
		g->bad = why;
}

/* Close every definite container whose last item just completed. */
static void
pop_full(struct guard *g)
{
	while (g->depth > 0 && g->rem[g->depth - 1] == 0)
		g->depth--;
	if (g->depth == 0)
		g->done = true;
}

/* Account for one item start in the enclosing container. */
static void
take(struct guard *g)
{
	g->tagged = false;
	if (++g->items > g->max_items)
		fail(g, "too many items");
	if (g->depth > 0 && g->rem[g->depth - 1] != INDEF) {
		g->rem[g->depth - 1]--;
		g->pending--;
	}
}

static void
leaf(struct guard *g)
{
	take(g);
	pop_full(g);
}

static void
open_container(struct guard *g, size_t n, bool map, bool indef)
{
	size_t slots = n, left = g->len - g->off;

	take(g);
	if (!indef) {
		if (map && n > SIZE_MAX / 2)
			slots = SIZE_MAX;
		else if (map)
			slots = 2 * n;
		/* Each promised item takes at least one byte. */
		if (slots > left || g->pending + slots > left) {
			fail(g, "declared length exceeds the body");
			return;
		}
		if (slots == 0) {
			pop_full(g);
			return;
		}
	}
	if (g->depth >= CBOR_GUARD_MAX_DEPTH) {
		fail(g, "nesting too deep");
		return;
	}
	g->rem[g->depth++] = indef ? INDEF : slots;
	if (!indef)
		g->pending += slots;
}

static void cb_u8(void *c, uint8_t v) { (void)v; leaf(c); }
static void cb_u16(void *c, uint16_t v) { (void)v; leaf(c); }
static void cb_u32(void *c, uint32_t v) { (void)v; leaf(c); }
static void cb_u64(void *c, uint64_t v) { (void)v; leaf(c); }
static void cb_simple(void *c) { leaf(c); }
static void cb_bool(void *c, bool v) { (void)v; leaf(c); }
static void cb_float(void *c, float v) { (void)v; leaf(c); }
static void cb_double(void *c, double v) { (void)v; leaf(c); }
static void cb_string(void *c, cbor_data d, size_t n) { (void)d; (void)n; leaf(c); }

static void
cb_indef_string(void *c)
{
	fail(c, "indefinite-length string");
}

static void
cb_array(void *c, size_t n)
{
	open_container(c, n, false, false);
}

static void
cb_map(void *c, size_t n)
{
	open_container(c, n, true, false);
}

static void
cb_indef_array(void *c)
{
	open_container(c, 0, false, true);
}

static void
cb_indef_map(void *c)
{
	open_container(c, 0, true, true);
}

static void
cb_break(void *c)
{
	struct guard *g = c;

	if (g->depth == 0 || g->rem[g->depth - 1] != INDEF || g->tagged) {
		fail(g, "unexpected break");
		return;
	}
	g->depth--;
	pop_full(g);
}

/* Only tag 4 (decimal fraction, RFC 9132 decimal64) has a use in DOTS. */
static void
cb_tag(void *c, uint64_t tag)
{
	struct guard *g = c;

	if (tag != 4 || g->tagged)
		fail(g, "unsupported tag");
	g->tagged = true;
}

static const struct cbor_callbacks guard_cb = {
	.uint8 = cb_u8, .uint16 = cb_u16, .uint32 = cb_u32, .uint64 = cb_u64,
	.negint8 = cb_u8, .negint16 = cb_u16, .negint32 = cb_u32,
	.negint64 = cb_u64,
	.byte_string_start = cb_indef_string, .byte_string = cb_string,
	.string = cb_string, .string_start = cb_indef_string,
	.indef_array_start = cb_indef_array, .array_start = cb_array,
	.indef_map_start = cb_indef_map, .map_start = cb_map,
	.tag = cb_tag,
	.float2 = cb_float, .float4 = cb_float, .float8 = cb_double,
	.undefined = cb_simple, .null = cb_simple, .boolean = cb_bool,
	.indef_break = cb_break,
};

int
cbor_guard_check(const uint8_t *buf, size_t len, struct dots_err *err)
{
	return cbor_guard_check_limits(buf, len, CBOR_GUARD_MAX_LEN,
	    CBOR_GUARD_MAX_ITEMS, err);
}

int
cbor_guard_check_limits(const uint8_t *buf, size_t len, size_t max_len,
    size_t max_items, struct dots_err *err)
{
	struct guard g;
	struct cbor_decoder_result r;

	if (len > max_len)
		return dots_errf(err, 400, "CBOR body too large (%zu bytes)",
		    len);
	if (len == 0 || buf == NULL)
		return dots_errf(err, 400, "empty CBOR body");
	memset(&g, 0, sizeof(g));
	g.len = len;
	g.max_items = max_items;
	while (!g.done) {
		if (g.off >= len)
			return dots_errf(err, 400,
			    "truncated CBOR at byte %zu", g.off);
		r = cbor_stream_decode(buf + g.off, len - g.off, &guard_cb,
		    &g);
		if (r.status == CBOR_DECODER_NEDATA)
			return dots_errf(err, 400,
			    "truncated CBOR at byte %zu", g.off);
		if (r.status != CBOR_DECODER_FINISHED || r.read == 0)
			return dots_errf(err, 400,
			    "malformed CBOR at byte %zu", g.off);
		if (g.bad != NULL)
			return dots_errf(err, 400, "%s at byte %zu", g.bad,
			    g.off);
		g.off += r.read;
	}
	if (g.off != len)
		return dots_errf(err, 400,
		    "trailing bytes after the CBOR item at byte %zu", g.off);
	return 0;
}
