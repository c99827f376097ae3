/*
 * libFuzzer target for the data channel's JSON decoders (common/dc_json.c):
 * the input is a request body; the first byte picks the decoder
 * (registration, aliases, one alias). Whatever decodes encodes, and the
 * encoding decodes again to the same alias.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dc_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
round_trip(const struct dc_alias *a)
{
	struct dc_aliases back;
	struct dc_err e;
	json_t *o, *top;

	if ((o = dc_encode_alias(a, DC_CONTENT_CONFIG, 0)) == NULL)
		abort();
	top = json_pack("{s:[o]}", "ietf-dots-data-channel:alias", o);
	if (top == NULL)
		abort();
	if (dc_decode_aliases(top, a->name, &back, &e) == -1 ||
	    !dots_scope_same_target(&back.v[0].targets, &a->targets))
		abort();
	dc_aliases_free(&back);
	json_decref(top);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dc_client_req c;
	struct dc_aliases as;
	struct dc_err e;
	json_t *j;
	int rc;

	if (size < 1 || size > DC_BODY_MAX)
		return 0;
	if ((j = dc_json_parse((const char *)data + 1, size - 1, &e)) == NULL) {
		if (e.status != 400)
			abort();
		return 0;
	}
	switch (data[0] % 3) {
	case 0:
		if (dc_decode_client(j, &c, &e) == -1 && e.status != 400)
			abort();
		break;
	default:
		rc = dc_decode_aliases(j, data[0] % 3 == 1 ? NULL : "a", &as,
		    &e);
		if (rc == -1 && e.status != 400 && e.status != 500)
			abort();
		for (size_t i = 0; rc == 0 && i < as.n; i++)
			round_trip(&as.v[i]);
		dc_aliases_free(&as);
		break;
	}
	json_decref(j);
	return 0;
}
