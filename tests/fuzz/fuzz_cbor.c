/*
 * libFuzzer target for the DOTS CBOR decoders and the JSON translation.
 * Whatever decodes must encode, and the encoding must decode again to the
 * same encoding (abort() otherwise): the codec is a fixed point after one
 * pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_codec.h"
#include "common/dots_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_same(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
    const char *what)
{
	if (alen != blen || memcmp(a, b, alen) != 0) {
		fprintf(stderr, "%s: re-encoding differs\n", what);
		abort();
	}
}

static void
fuzz_mitigation(const uint8_t *data, size_t size, enum dots_dir dir)
{
	struct dots_mitigation m, m2;
	struct dots_err err;
	uint8_t *b1, *b2;
	size_t l1, l2;

	if (dots_decode_mitigation(data, size, dir, &m, &err) == -1)
		return;
	if (dots_encode_mitigation(&m, &b1, &l1) == -1)
		abort();
	if (dots_decode_mitigation(b1, l1, dir, &m2, &err) == -1) {
		fprintf(stderr, "re-decode failed: %s\n", err.msg);
		abort();
	}
	if (dots_encode_mitigation(&m2, &b2, &l2) == -1)
		abort();
	check_same(b1, l1, b2, l2, "mitigation");
	free(b1);
	free(b2);
	dots_mitigation_free(&m);
	dots_mitigation_free(&m2);
}

static void
fuzz_config(const uint8_t *data, size_t size, enum dots_dir dir)
{
	struct dots_signal_config c, c2;
	struct dots_err err;
	uint8_t *b1, *b2;
	size_t l1, l2;

	if (dots_decode_signal_config(data, size, dir, &c, &err) == -1)
		return;
	if (dots_encode_signal_config(&c, &b1, &l1) == -1)
		abort();
	if (dots_decode_signal_config(b1, l1, dir, &c2, &err) == -1)
		abort();
	if (dots_encode_signal_config(&c2, &b2, &l2) == -1)
		abort();
	check_same(b1, l1, b2, l2, "signal-config");
	free(b1);
	free(b2);
}

static void
fuzz_hb_redirect(const uint8_t *data, size_t size)
{
	struct dots_heartbeat hb, hb2;
	struct dots_redirect r, r2;
	struct dots_err err;
	uint8_t *b1, *b2;
	size_t l1, l2;

	if (dots_decode_heartbeat(data, size, &hb, &err) == 0) {
		if (dots_encode_heartbeat(&hb, &b1, &l1) == -1 ||
		    dots_decode_heartbeat(b1, l1, &hb2, &err) == -1 ||
		    hb.peer_hb_status != hb2.peer_hb_status)
			abort();
		free(b1);
	}
	if (dots_decode_redirect(data, size, &r, &err) == 0) {
		if (dots_encode_redirect(&r, &b1, &l1) == -1 ||
		    dots_decode_redirect(b1, l1, &r2, &err) == -1 ||
		    dots_encode_redirect(&r2, &b2, &l2) == -1)
			abort();
		check_same(b1, l1, b2, l2, "redirect");
		free(b1);
		free(b2);
		dots_redirect_free(&r);
		dots_redirect_free(&r2);
	}
}

/* CBOR -> JSON -> CBOR must succeed for whatever the guard let through. */
static void
fuzz_json(const uint8_t *data, size_t size)
{
	struct dots_err err;
	json_t *j;
	uint8_t *b;
	size_t l;

	if ((j = dots_cbor_to_json(data, size, &err)) == NULL)
		return;
	if (dots_json_to_cbor(j, &b, &l, &err) == 0)
		free(b);
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_mitigation(data, size, DOTS_REQ);
	fuzz_mitigation(data, size, DOTS_RESP);
	fuzz_config(data, size, DOTS_REQ);
	fuzz_config(data, size, DOTS_RESP);
	fuzz_hb_redirect(data, size);
	fuzz_json(data, size);
	return 0;
}
