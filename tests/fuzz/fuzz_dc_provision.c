/*
 * libFuzzer target for the provisioning augmentation's decoder
 * (common/dc_provision_json.c): the input is the JSON value of
 * "dotsgw-provisioning:provisioning". Whatever decodes encodes, the
 * encoding decodes again to the same JSON, and its CBOR (what the
 * registry stores) decodes as a stored record.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/dc_provision_json.h"
#include "common/dots_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dots_registration r, back;
	struct dots_err de;
	struct dc_err e;
	json_t *j, *o1, *o2;
	uint8_t *buf;
	size_t len;

	if ((j = json_loadb((const char *)data, size, JSON_DECODE_ANY |
	    JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return 0;
	if (dc_decode_provisioning(j, &r, &e) == -1) {
		if (e.status != 400 && e.status != 500)
			abort();
		json_decref(j);
		return 0;
	}
	json_decref(j);
	if ((o1 = dc_encode_provisioning(&r)) == NULL)
		abort();
	if (dc_decode_provisioning(o1, &back, &e) == -1 ||
	    (o2 = dc_encode_provisioning(&back)) == NULL || !json_equal(o1, o2))
		abort();
	json_decref(o2);
	dots_registration_free(&back);
	/* what the registry stores (served prefixes canonical) */
	if (dots_encode_registration(&r, &buf, &len) == -1)
		abort();
	if (dots_decode_registration(buf, len, DOTS_RESP, &back, &de) == 0)
		dots_registration_free(&back);
	free(buf);
	json_decref(o1);
	dots_registration_free(&r);
	return 0;
}
