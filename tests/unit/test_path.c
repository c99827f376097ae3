/* Uri-Path parsing of DOTS requests (RFC 9132 §4.2, SC-14 edge cases). */
#include <string.h>

#include "common/dots_path.h"
#include "unit.h"

/* Split "a/b/c" into segments (a test convenience; '/' never occurs
 * inside a real Uri-Path option value we test here). */
static int
parse(const char *p, struct dots_path *out, struct dots_err *err)
{
	struct dots_seg segs[16];
	size_t n = 0;
	const char *start = p;

	for (const char *c = p;; c++)
		if (*c == '/' || *c == '\0') {
			segs[n].s = (const uint8_t *)start;
			segs[n++].len = (size_t)(c - start);
			start = c + 1;
			if (*c == '\0')
				break;
		}
	return dots_path_parse(segs, n, out, err);
}

int
main(void)
{
	struct dots_path p;
	struct dots_err e;
	char buf[300];

	TEST("mitigate with cuid and mid") {
		CHECK(parse(".well-known/dots/mitigate/cuid=dz6pHjaADkaFTbjr0JGBpw/mid=123", &p, &e) == 0);
		CHECK(p.resource == DOTS_RES_MITIGATE);
		CHECK_STR(p.cuid, "dz6pHjaADkaFTbjr0JGBpw");
		CHECK(p.has_mid && p.mid == 123);
		CHECK(p.cdid[0] == '\0');
	}
	TEST("mitigate with cdid before cuid (SC-01)") {
		CHECK(parse(".well-known/dots/mitigate/cdid=7eeaf349529eb55ed50113/cuid=dz6pHjaADkaFTbjr0JGBpw/mid=123", &p, &e) == 0);
		CHECK_STR(p.cdid, "7eeaf349529eb55ed50113");
		CHECK(dots_path_format(&p, buf, sizeof(buf)) == 0);
		CHECK_STR(buf, ".well-known/dots/mitigate/cdid=7eeaf349529eb55ed50113/cuid=dz6pHjaADkaFTbjr0JGBpw/mid=123");
	}
	TEST("collection without mid") {
		CHECK(parse(".well-known/dots/mitigate/cuid=abc", &p, &e) == 0);
		CHECK(!p.has_mid);
	}
	TEST("cdid after cuid is refused") {
		CHECK(parse(".well-known/dots/mitigate/cuid=abc/cdid=x/mid=1", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("mid before cuid is refused") {
		CHECK(parse(".well-known/dots/mitigate/mid=1/cuid=abc", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("empty values are refused (SC-14)") {
		CHECK(parse(".well-known/dots/mitigate/cuid=abc/mid=", &p, &e) == -1);
		CHECK(e.coap == 400 && strstr(e.msg, "empty") != NULL);
		CHECK(parse(".well-known/dots/mitigate/cuid=/mid=1", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("mid must be a uint32 in decimal") {
		CHECK(parse(".well-known/dots/mitigate/cuid=a/mid=4294967295", &p, &e) == 0);
		CHECK(p.mid == 4294967295u);
		CHECK(parse(".well-known/dots/mitigate/cuid=a/mid=4294967296", &p, &e) == -1);
		CHECK(parse(".well-known/dots/mitigate/cuid=a/mid=-1", &p, &e) == -1);
		CHECK(parse(".well-known/dots/mitigate/cuid=a/mid=0x10", &p, &e) == -1);
	}
	TEST("trailing segments are refused") {
		CHECK(parse(".well-known/dots/mitigate/cuid=a/mid=1/x", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("missing cuid is refused") {
		CHECK(parse(".well-known/dots/mitigate", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("config with and without sid") {
		CHECK(parse(".well-known/dots/config", &p, &e) == 0);
		CHECK(p.resource == DOTS_RES_CONFIG && !p.has_sid);
		CHECK(parse(".well-known/dots/config/sid=123", &p, &e) == 0);
		CHECK(p.has_sid && p.sid == 123);
		CHECK(parse(".well-known/dots/config/cuid=a", &p, &e) == -1);
	}
	TEST("hb takes no parameters (RFC 9132 §4.7)") {
		CHECK(parse(".well-known/dots/hb", &p, &e) == 0);
		CHECK(p.resource == DOTS_RES_HB);
		CHECK(parse(".well-known/dots/hb/cuid=a", &p, &e) == -1);
		CHECK(e.coap == 400);
	}
	TEST("not a DOTS resource is 4.04") {
		CHECK(parse(".well-known/core", &p, &e) == -1);
		CHECK(e.coap == 404);
		CHECK(parse(".well-known/dots/telemetry", &p, &e) == -1);
		CHECK(e.coap == 404);
	}
	TEST("over-long and non-printable cuid are refused") {
		char longp[400] = ".well-known/dots/mitigate/cuid=";
		memset(longp + strlen(longp), 'x', 200);
		CHECK(parse(longp, &p, &e) == -1);
		CHECK(parse(".well-known/dots/mitigate/cuid=a\tb", &p, &e) == -1);
	}
	TEST("a '/' inside a cuid cannot alias another resource (fuzz find)") {
		struct dots_seg segs[4] = {
			{ (const uint8_t *)".well-known", 11 },
			{ (const uint8_t *)"dots", 4 },
			{ (const uint8_t *)"mitigate", 8 },
			{ (const uint8_t *)"cuid=a/mid=5", 12 },
		};
		CHECK(dots_path_parse(segs, 4, &p, &e) == -1);
		CHECK(e.coap == 400);
		segs[3].s = (const uint8_t *)"cuid=a\0b";
		segs[3].len = 8;
		CHECK(dots_path_parse(segs, 4, &p, &e) == -1);
	}
	return UNIT_EXIT();
}
