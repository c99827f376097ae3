/*
 * The provisioning augmentation's JSON (common/dc_provision_json.c): a
 * full body decodes to the registry's record and encodes back to the
 * same JSON; each kind of bad member gets its status and error-tag; the
 * record's CBOR (the signal channel's /register and the state store)
 * keeps the returning path and the carrying cuid.
 */
#include <stdlib.h>
#include <string.h>

#include "common/dc_provision_json.h"
#include "common/dots_codec.h"
#include "unit.h"

static int
decode(const char *body, struct dots_registration *r, struct dc_err *e)
{
	json_t *j = json_loads(body, 0, NULL);
	int rc;

	if (j == NULL) {
		memset(r, 0, sizeof(*r));
		return -2;
	}
	rc = dc_decode_provisioning(j, r, e);
	json_decref(j);
	return rc;
}

static int
bad(const char *body, int status, const char *tag)
{
	struct dots_registration r;
	struct dc_err e = { 0 };
	int ok;

	ok = decode(body, &r, &e) == -1 && e.status == status &&
	    e.tag != NULL && strcmp(e.tag, tag) == 0;
	if (!ok)
		printf("  %s: got %d %s: %s\n", body, e.status,
		    e.tag ? e.tag : "-", e.msg);
	dots_registration_free(&r);
	return ok;
}

#define FULL "{\"server-address\":\"192.0.2.1\",\"server-port\":4646," \
	"\"server-transport\":\"tls\",\"capacity-bps\":\"100000000000\"," \
	"\"capacity-pps\":\"5\",\"attack-type\":[\"syn-flood\",\"udp-flood\"]," \
	"\"countermeasure\":[\"scrubbing\"],\"threshold-bps\":\"7\"," \
	"\"threshold-pps\":\"8\",\"threshold-duration\":3600," \
	"\"served-prefix\":[\"203.0.113.0/25\",\"2001:db8::/32\"]," \
	"\"tunnel-information\":\"gre:198.51.100.1\"," \
	"\"next-hop\":\"2001:db8::1\"}"

int
main(void)
{
	TEST("a full provisioning object decodes and encodes back") {
		struct dots_registration r;
		struct dc_err e;
		json_t *in = json_loads(FULL, 0, NULL), *out;

		CHECK(decode(FULL, &r, &e) == 0);
		CHECK(r.capacity_bps == 100000000000ull);
		CHECK(r.server_transport == DOTS_REG_TLS);
		CHECK(r.threshold_duration == 3600);
		CHECK(r.n_served == 2 && r.attack_types.n == 2);
		CHECK_STR(r.tunnel, "gre:198.51.100.1");
		CHECK_STR(r.next_hop, "2001:db8::1");
		out = dc_encode_provisioning(&r);
		CHECK(out != NULL && json_equal(in, out));
		json_decref(in);
		json_decref(out);
		dots_registration_free(&r);
	}
	TEST("uint64 members: a decimal string or a plain number") {
		struct dots_registration r;
		struct dc_err e;

		CHECK(decode("{\"capacity-bps\":9223372036854775807,"
		    "\"threshold-bps\":\"18446744073709551615\"}", &r, &e) == 0);
		CHECK(r.threshold_bps == UINT64_MAX &&
		    r.capacity_bps == 9223372036854775807ull);
		dots_registration_free(&r);
		CHECK(decode("{}", &r, &e) == 0);
		dots_registration_free(&r);
	}
	TEST("bad members: 400 with the RFC 8040 error-tag") {
		CHECK(bad("[]", 400, "invalid-value"));
		CHECK(bad("{\"colour\":1}", 400, "unknown-element"));
		CHECK(bad("{\"capacity-bps\":true}", 400, "invalid-value"));
		CHECK(bad("{\"capacity-bps\":-1}", 400, "invalid-value"));
		CHECK(bad("{\"capacity-bps\":\"12x\"}", 400, "invalid-value"));
		CHECK(bad("{\"capacity-bps\":\"18446744073709551616\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"capacity-bps\":\"-1\"}", 400, "invalid-value"));
		CHECK(bad("{\"server-port\":0}", 400, "invalid-value"));
		CHECK(bad("{\"server-port\":65536}", 400, "invalid-value"));
		CHECK(bad("{\"server-transport\":1}", 400, "invalid-value"));
		CHECK(bad("{\"server-address\":\"gw.example\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"next-hop\":\"192.0.2.0/24\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"tunnel-information\":\"gre to b\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"tunnel-information\":\"\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"attack-type\":\"syn-flood\"}", 400,
		    "invalid-value"));
		CHECK(bad("{\"attack-type\":[\"a\",\"a\"]}", 400,
		    "invalid-value"));
		CHECK(bad("{\"attack-type\":[1]}", 400, "invalid-value"));
		CHECK(bad("{\"served-prefix\":[\"192.0.2.0/33\"]}", 400,
		    "invalid-value"));
		CHECK(bad("{\"served-prefix\":[\"192.0.2.0/24\",7]}", 400,
		    "invalid-value"));
		CHECK(bad("{\"threshold-duration\":4294967296}", 400,
		    "invalid-value"));
		CHECK(bad("{\"registration-time\":\"1\"}", 400,
		    "invalid-value"));
	}
	TEST("more than 32 values in a list: 400") {
		char body[1024] = "{\"countermeasure\":[";

		for (int i = 0; i < 33; i++)
			snprintf(body + strlen(body), sizeof(body) - strlen(body),
			    "%s\"c%d\"", i ? "," : "", i);
		strcat(body, "]}");
		CHECK(bad(body, 400, "invalid-value"));
	}
	TEST("the record's CBOR keeps tunnel, next-hop and the carrying cuid") {
		struct dots_registration r, back;
		struct dots_err de;
		struct dc_err e;
		uint8_t *buf;
		size_t len;

		CHECK(decode(FULL, &r, &e) == 0);
		r.dc_cuid = strdup("isp-b-1");
		CHECK(dots_encode_registration(&r, &buf, &len) == 0);
		CHECK(dots_decode_registration(buf, len, DOTS_RESP, &back,
		    &de) == 0);
		CHECK_STR(back.tunnel, "gre:198.51.100.1");
		CHECK_STR(back.next_hop, "2001:db8::1");
		CHECK_STR(back.dc_cuid, "isp-b-1");
		dots_registration_free(&back);
		/* a client of /register cannot claim a data-channel cuid */
		CHECK(dots_decode_registration(buf, len, DOTS_REQ, &back,
		    &de) == -1 && de.coap == 400);
		free(buf);
		dots_registration_free(&r);
	}
	return UNIT_EXIT();
}
