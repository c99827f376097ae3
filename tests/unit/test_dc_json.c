/*
 * The data channel's JSON decoders (common/dc_json.c): the RFC 8783
 * example bodies decode, each kind of bad input gets its status and
 * error-tag, and an alias encodes back to what was sent.
 */
#include <stdlib.h>
#include <string.h>

#include "common/dc_json.h"
#include "unit.h"

static int
aliases(const char *body, const char *one, struct dc_aliases *as,
    struct dc_err *e)
{
	json_t *j = dc_json_parse(body, strlen(body), e);
	int rc;

	memset(as, 0, sizeof(*as));
	if (j == NULL)
		return -1;
	rc = dc_decode_aliases(j, one, as, e);
	json_decref(j);
	return rc;
}

/* The error of body: its status and tag. */
static int
bad(const char *body, const char *one, int status, const char *tag)
{
	struct dc_aliases as;
	struct dc_err e = { 0 };
	int ok;

	ok = aliases(body, one, &as, &e) == -1 && e.status == status &&
	    e.tag != NULL && strcmp(e.tag, tag) == 0;
	if (!ok)
		printf("  got %d %s: %s\n", e.status, e.tag ? e.tag : "-",
		    e.msg);
	dc_aliases_free(&as);
	return ok;
}

#define A1 "{\"ietf-dots-data-channel:alias\":[{\"name\":\"a\","

int
main(void)
{
	TEST("RFC 8783 alias example decodes and encodes back") {
		const char *body = "{\"ietf-dots-data-channel:aliases\":"
		    "{\"alias\":[{\"name\":\"https1\",\"target-protocol\":[6],"
		    "\"target-prefix\":[\"2001:db8:6401::1/128\","
		    "\"2001:db8:6401::2/128\"],\"target-port-range\":"
		    "[{\"lower-port\":443}]}]}}";
		struct dc_aliases as;
		struct dc_err e;
		json_t *o;
		char *s;

		CHECK(aliases(body, NULL, &as, &e) == 0);
		CHECK(as.n == 1 && strcmp(as.v[0].name, "https1") == 0);
		CHECK(as.v[0].targets.n_target_prefix == 2);
		CHECK(as.v[0].targets.n_target_port_range == 1 &&
		    as.v[0].targets.target_port_range[0].upper == 443);
		o = as.n == 1 ? dc_encode_alias(&as.v[0], DC_CONTENT_ALL, 7) :
		    NULL;
		s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
		CHECK_STR(s, "{\"name\":\"https1\",\"target-prefix\":"
		    "[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],"
		    "\"target-port-range\":[{\"lower-port\":443}],"
		    "\"target-protocol\":[6],\"pending-lifetime\":7}");
		free(s);
		json_decref(o);
		dc_aliases_free(&as);
	}
	TEST("registration: cuid, cdid, strict") {
		struct dc_client_req c;
		struct dc_err e;
		const char *ok = "{\"ietf-dots-data-channel:dots-client\":"
		    "[{\"cuid\":\"dz6pHjaADkaFTbjr0JGBpw\",\"cdid\":\"x\"}]}";
		const char *unk = "{\"ietf-dots-data-channel:dots-client\":"
		    "[{\"cuid\":\"a\",\"colour\":1}]}";
		const char *none = "{\"ietf-dots-data-channel:dots-client\":"
		    "[{}]}";
		json_t *j;

		j = dc_json_parse(ok, strlen(ok), &e);
		CHECK(j != NULL && dc_decode_client(j, &c, &e) == 0 &&
		    strcmp(c.cuid, "dz6pHjaADkaFTbjr0JGBpw") == 0 &&
		    strcmp(c.cdid, "x") == 0);
		json_decref(j);
		j = dc_json_parse(unk, strlen(unk), &e);
		CHECK(j != NULL && dc_decode_client(j, &c, &e) == -1 &&
		    strcmp(e.tag, "unknown-element") == 0);
		json_decref(j);
		j = dc_json_parse(none, strlen(none), &e);
		CHECK(j != NULL && dc_decode_client(j, &c, &e) == -1 &&
		    strcmp(e.tag, "missing-attribute") == 0);
		json_decref(j);
	}
	TEST("bad alias bodies: status and error-tag") {
		CHECK(bad("{", NULL, 400, "malformed-message"));
		CHECK(bad("[1]", NULL, 400, "malformed-message"));
		CHECK(bad("{\"x\":1}", NULL, 400, "unknown-element"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1/32\"],\"c\":1}]}",
		    "a", 400, "unknown-element"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1\"]}]}", "a", 400,
		    "invalid-value"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1/32\"],"
		    "\"target-protocol\":[256]}]}", "a", 400, "invalid-value"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1/32\"],"
		    "\"target-port-range\":[{\"lower-port\":9,"
		    "\"upper-port\":8}]}]}", "a", 400, "invalid-value"));
		CHECK(bad(A1 "\"target-protocol\":[6]}]}", "a", 400,
		    "missing-attribute"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1/32\"],"
		    "\"pending-lifetime\":5}]}", "a", 400, "invalid-value"));
		CHECK(bad(A1 "\"target-prefix\":[\"192.0.2.1/32\"]}]}", "b",
		    400, "invalid-value"));
		CHECK(bad("{\"ietf-dots-data-channel:alias\":[{\"name\":\"a/b\","
		    "\"target-prefix\":[\"192.0.2.1/32\"]}]}", "a/b", 400,
		    "invalid-value"));
		CHECK(bad("{\"ietf-dots-data-channel:aliases\":{\"alias\":["
		    "{\"name\":\"a\",\"target-fqdn\":[\"x\"]},"
		    "{\"name\":\"a\",\"target-fqdn\":[\"y\"]}]}}", NULL, 400,
		    "invalid-value"));
	}
	return UNIT_EXIT();
}
