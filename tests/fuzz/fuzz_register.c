/*
 * libFuzzer target for the orchestrator registration decoder (untrusted:
 * any authenticated ISP sends it). Whatever decodes must encode, and the
 * encoding must decode again to the same bytes (abort() otherwise). The
 * same bytes as the raw attack-detail (key 207) the orchestrator reads
 * attack names from (policies/capable.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_codec.h"
#include "policies/capable.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
once(const uint8_t *data, size_t size, enum dots_dir dir)
{
	struct dots_registration r, r2;
	struct dots_err err;
	uint8_t *b1, *b2;
	size_t l1, l2;

	if (dots_decode_registration(data, size, dir, &r, &err) == -1) {
		if (err.coap != 400 && err.coap != 422 && err.coap != 500)
			abort();
		return;
	}
	if (dots_encode_registration(&r, &b1, &l1) == -1)
		abort();
	if (dots_decode_registration(b1, l1, DOTS_RESP, &r2, &err) == -1) {
		fprintf(stderr, "re-decode failed: %s\n", err.msg);
		abort();
	}
	if (dots_encode_registration(&r2, &b2, &l2) == -1 || l1 != l2 ||
	    memcmp(b1, b2, l1) != 0)
		abort();
	free(b1);
	free(b2);
	dots_registration_free(&r);
	dots_registration_free(&r2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dots_opt o = { 207, (uint8_t *)data, size };
	struct dots_scope sc;
	struct pol_attacks at;

	once(data, size, DOTS_REQ);
	once(data, size, DOTS_RESP);
	memset(&sc, 0, sizeof(sc));
	sc.opt.v = &o;
	sc.opt.n = 1;
	pol_attacks_of(&sc, &at);
	if (at.n > POL_MAX_ATTACK_NAMES)
		abort();
	for (size_t i = 0; i < at.n; i++)
		if (strlen(at.name[i]) == 0 ||
		    strlen(at.name[i]) > DOTS_REG_MAX_TEXT)
			abort();
	return 0;
}
