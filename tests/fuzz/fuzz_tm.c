/*
 * libFuzzer target for the RFC 9244 telemetry decoders (untrusted: any
 * authenticated downstream peer PUTs tm-setup and tm bodies). Whatever
 * decodes must encode back (the generic JSON -> CBOR the gateway uses to
 * answer GETs and to relay), and those bytes must decode again to the
 * same JSON and the same extracted values (abort() otherwise).
 */
#include <stdlib.h>
#include <string.h>

#include "common/dots_json.h"
#include "common/dots_tm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dots_tm_setup s1, s2;
static struct dots_tm_report r1, r2;

static void
roundtrip(json_t *j, bool setup)
{
	struct dots_err err;
	json_t *j2;
	uint8_t *b;
	size_t n;
	uint64_t bps, pps, bps2, pps2;

	if (dots_json_to_cbor(j, &b, &n, &err) == -1)
		abort();
	if (setup) {
		if (dots_tm_decode_setup(b, n, &s2, &j2, &err) == -1 ||
		    s1.kind != s2.kind || s1.n_links != s2.n_links ||
		    s1.n_baselines != s2.n_baselines ||
		    memcmp(s1.pct, s2.pct, sizeof(s1.pct)) != 0)
			abort();
	} else {
		if (dots_tm_decode_report(b, n, &r2, &j2, &err) == -1 ||
		    r1.n_entries != r2.n_entries)
			abort();
		dots_tm_report_volume(&r1, NULL, &bps, &pps);
		dots_tm_report_volume(&r2, NULL, &bps2, &pps2);
		if (bps != bps2 || pps != pps2)
			abort();
	}
	if (!json_equal(j, j2))
		abort();
	json_decref(j2);
	free(b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dots_err err;
	json_t *j;

	if (dots_tm_decode_setup(data, size, &s1, &j, &err) == 0) {
		roundtrip(j, true);
		json_decref(j);
	} else if (err.coap != 400 && err.coap != 422)
		abort();
	if (dots_tm_decode_report(data, size, &r1, &j, &err) == 0) {
		roundtrip(j, false);
		json_decref(j);
	} else if (err.coap != 400)
		abort();
	return 0;
}
