/*
 * The orchestrator registration (dotsgw:registration, keys 49153-49165):
 * codec round trip, strict decoding, and the config that declares it.
 */
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "common/dots_json.h"
#include "unit.h"

/* CBOR from a hex string. */
static size_t
hex(const char *s, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	while (s[0] != '\0' && s[1] != '\0' && sscanf(s, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		s += 2;
		while (*s == ' ')
			s++;
	}
	return n;
}

static int
dec(const char *h, enum dots_dir dir, struct dots_registration *r,
    struct dots_err *e)
{
	uint8_t buf[512];
	size_t n = hex(h, buf);

	return dots_decode_registration(buf, n, dir, r, e);
}

static int
load(const char *text, struct conf **c, char *err)
{
	return conf_load_string("t.yaml", text, strlen(text), c, err,
	    CONF_ERRLEN, NULL, NULL);
}

int
main(void)
{
	struct dots_registration r, r2;
	struct dots_err e;
	uint8_t *b, *b2;
	size_t l, l2;
	struct conf *c;
	char err[CONF_ERRLEN];

	TEST("registration: encode, decode, encode again is the same") {
		memset(&r, 0, sizeof(r));
		r.server_address = strdup("192.0.2.1");
		r.server_port = 4646;
		r.server_transport = DOTS_REG_TLS;
		r.capacity_bps = 40000000000ULL;
		r.capacity_pps = 5000000;
		strv_push(&r.attack_types, "udp-flood");
		strv_push(&r.countermeasures, "blackhole");
		r.threshold_bps = 1;
		r.threshold_pps = 2;
		r.threshold_duration = 3600;
		r.served = calloc(1, sizeof(*r.served));
		prefix_parse("203.0.113.0/24", &r.served[0]);
		r.n_served = 1;
		r.registration_time = 1700000000;
		CHECK(dots_encode_registration(&r, &b, &l) == 0);
		CHECK(dots_decode_registration(b, l, DOTS_RESP, &r2, &e) == 0);
		CHECK_STR(r2.server_address, "192.0.2.1");
		CHECK(r2.server_port == 4646 && r2.server_transport == 2);
		CHECK(r2.capacity_bps == 40000000000ULL);
		CHECK(r2.attack_types.n == 1 && r2.n_served == 1);
		CHECK(r2.threshold_duration == 3600);
		CHECK(r2.registration_time == 1700000000);
		CHECK(dots_encode_registration(&r2, &b2, &l2) == 0);
		CHECK(l == l2 && memcmp(b, b2, l) == 0);
		dots_registration_free(&r2);
		/* a client may not set the time */
		CHECK(dots_decode_registration(b, l, DOTS_REQ, &r2, &e) == -1 &&
		    e.coap == 400 && strstr(e.msg, "registration-time"));
		free(b);
		free(b2);
		dots_registration_free(&r);
	}

	TEST("registration: JSON names from the one key table") {
		memset(&r, 0, sizeof(r));
		r.server_port = 5000;
		r.server_transport = DOTS_REG_DTLS;
		CHECK(dots_encode_registration(&r, &b, &l) == 0);
		json_t *j = dots_cbor_to_json(b, l, &e);
		char *t = j ? json_dumps(j, JSON_COMPACT) : NULL;
		CHECK_STR(t, "{\"dotsgw:registration\":{\"server-port\":5000,"
		    "\"server-transport\":\"dtls\"}}");
		free(t);
		json_decref(j);
		free(b);
	}

	TEST("registration: strict decoding, each error names the key") {
		/* {49153: {}} is an empty registration: fine */
		CHECK(dec("a1 19c001 a0", DOTS_REQ, &r, &e) == 0);
		dots_registration_free(&r);
		CHECK(dec("a0", DOTS_REQ, &r, &e) == -1 && e.coap == 400 &&
		    strstr(e.msg, "missing dotsgw:registration"));
		/* unknown member 49199 */
		CHECK(dec("a1 19c001 a1 19c02f 01", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 400 && strstr(e.msg, "unexpected key"));
		/* port "1" as text */
		CHECK(dec("a1 19c001 a1 19c003 6131", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 400 && strstr(e.msg, "server-port"));
		/* port 0, port 65536 */
		CHECK(dec("a1 19c001 a1 19c003 00", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 422);
		CHECK(dec("a1 19c001 a1 19c003 1a00010000", DOTS_REQ, &r,
		    &e) == -1 && e.coap == 400 && strstr(e.msg, "range"));
		/* address "x" */
		CHECK(dec("a1 19c001 a1 19c002 6178", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 422 && strstr(e.msg, "numeric"));
		/* transport 3 */
		CHECK(dec("a1 19c001 a1 19c004 03", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 422);
		/* served prefix "nope" */
		CHECK(dec("a1 19c001 a1 19c00c 81 646e6f7065", DOTS_REQ, &r,
		    &e) == -1 && e.coap == 422 && strstr(e.msg, "served-prefix"));
		/* duplicate key 49155 */
		CHECK(dec("a1 19c001 a2 19c003 01 19c003 02", DOTS_REQ, &r,
		    &e) == -1 && strstr(e.msg, "duplicate"));
		/* attack type with a space */
		CHECK(dec("a1 19c001 a1 19c007 81 63612062", DOTS_REQ, &r,
		    &e) == -1 && e.coap == 422);
		/* trailing byte */
		CHECK(dec("a1 19c001 a0 00", DOTS_REQ, &r, &e) == -1 &&
		    e.coap == 400);
	}

	TEST("config: role, orchestrator upstreams, register declarations") {
		CHECK(load(
		    "role: orchestrator\n"
		    "credentials: { ca: /ca, cert: /c, key: /k }\n"
		    "peers:\n"
		    "  - name: isp-a\n"
		    "    cert-name: isp-a\n"
		    "    prefixes: [192.0.2.0/24]\n"
		    "    upstream: { server-name: isp-a }\n", &c, err) == 0);
		if (c != NULL) {
			CHECK(c->role == ROLE_ORCHESTRATOR);
			CHECK(c->peers[0].up.from_registration);
			CHECK(c->capacity.bps == 0 && c->capacity.pps == 0);
			conf_free(c);
		}
		CHECK(load(
		    "peers:\n"
		    "  - name: orch\n"
		    "    upstream:\n"
		    "      address: 127.0.0.1\n"
		    "      psk-identity: a\n"
		    "      psk-key: b\n"
		    "      orchestrator: true\n"
		    "      register:\n"
		    "        port: 5000\n"
		    "        transport: tls\n"
		    "        capacity: { bps: 10000000000 }\n"
		    "        attack-types: [syn-flood]\n"
		    "        thresholds: { bps: 1, duration: 60 }\n"
		    "        prefixes: [198.51.100.0/24]\n", &c, err) == 0);
		if (c != NULL) {
			const struct conf_upstream *u = &c->peers[0].up;

			CHECK(c->role == ROLE_GATEWAY && u->orchestrator &&
			    u->has_register && !u->from_registration);
			CHECK(u->reg.server_port == 5000 &&
			    u->reg.server_transport == DOTS_REG_TLS);
			CHECK(u->reg.capacity_bps == 10000000000ULL);
			CHECK(u->reg.n_served == 1 && u->reg.threshold_duration == 60);
			conf_free(c);
		}
	}
	return UNIT_EXIT();
}
