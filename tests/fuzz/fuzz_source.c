/*
 * libFuzzer target for the RFC 9066 source-prefix reader of upstream
 * selection (policies/select.c): any bytes as the raw CBOR of key 32768,
 * then every strategy over the result. Never crashes, never more than
 * POL_MAX_SOURCES sources.
 */
#include <stdlib.h>
#include <string.h>

#include "policies/select.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dots_opt o = { 32768, (uint8_t *)data, size };
	struct dots_scope sc;
	struct pol_request rq;
	struct pol_selection s;
	struct prefix near;
	struct pol_candidate c = { .name = "c", .up = true,
	    .capacity_known = true, .headroom_bps = 1 };
	struct conf_select sel;

	memset(&sc, 0, sizeof(sc));
	sc.opt.v = &o;
	sc.opt.n = 1;
	pol_request_of(&sc, 1, 1, &rq);
	if (rq.n_sources > POL_MAX_SOURCES)
		abort();
	prefix_parse("0.0.0.0/1", &near);
	c.sources = c.serves = &near;
	c.n_sources = c.n_serves = 1;
	memset(&sel, 0, sizeof(sel));
	for (int st = SEL_ALL; st <= SEL_NONE; st++) {
		sel.strategy = (enum conf_strategy)st;
		pol_select(&sel, &c, 1, &rq, &s);
		if (s.n > 1 || strlen(s.reason) >= sizeof(s.reason))
			abort();
	}
	return 0;
}
