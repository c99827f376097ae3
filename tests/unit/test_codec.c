/*
 * Unit tests of the CBOR codec (common/dots_codec.c, cbor_guard.c) and the
 * message model helpers (dots_msg.c, dots_keys.c). The vectors (vectors.h)
 * are those of shared/spec/test-vectors.md.
 */
#include <stdlib.h>
#include <time.h>

#include "common/cbor_guard.h"
#include "common/dots_codec.h"
#include "common/dots_json.h"
#include "common/dots_keys.h"
#include "unit.h"
#include "vectors.h"

static const struct vec *
vec(const char *id)
{
	size_t i;

	for (i = 0; i < NVECS; i++)
		if (strcmp(vecs[i].id, id) == 0)
			return &vecs[i];
	abort();
}

static uint8_t vb[4096];
static size_t vlen;

static const uint8_t *
vbytes(const char *id)
{
	vlen = unhex(vec(id)->hex, vb);
	return vb;
}

static bool
same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/* Decode vector id (left in vb) as a mitigation body. */
static int
mit_vec(const char *id, enum dots_dir dir, struct dots_mitigation *m)
{
	struct dots_err err = { 0 };

	vbytes(id);
	if (dots_decode_mitigation(vb, vlen, dir, m, &err) == -1) {
		printf("  %s: %d %s\n", id, err.coap, err.msg);
		return -1;
	}
	return 0;
}

/* Decode id as a mitigation body, encode again, compare with the vector. */
static bool
mitigation_roundtrip(const char *id, enum dots_dir dir, bool exact)
{
	struct dots_mitigation m, m2;
	struct dots_err err = { 0 };
	uint8_t *out, *out2;
	size_t len, len2;
	bool ok;

	if (mit_vec(id, dir, &m) == -1)
		return false;
	if (dots_encode_mitigation(&m, &out, &len) == -1)
		return false;
	ok = !exact || same_bytes(out, len, vb, vlen);
	if (dots_decode_mitigation(out, len, dir, &m2, &err) == -1)
		ok = false;
	else if (dots_encode_mitigation(&m2, &out2, &len2) == 0) {
		ok = ok && same_bytes(out, len, out2, len2);
		free(out2);
	}
	dots_mitigation_free(&m);
	dots_mitigation_free(&m2);
	free(out);
	return ok;
}

/* Decode hex as a request mitigation; expect failure naming "want". */
static bool
mit_fails(const char *hex, enum dots_dir dir, const char *want)
{
	struct dots_mitigation m;
	struct dots_err err = { 0 };
	uint8_t b[512];
	size_t n = unhex(hex, b);

	if (dots_decode_mitigation(b, n, dir, &m, &err) == 0) {
		dots_mitigation_free(&m);
		printf("  decoded unexpectedly: %s\n", hex);
		return false;
	}
	if (err.coap != 400 || strstr(err.msg, want) == NULL) {
		printf("  %d \"%s\" lacks \"%s\"\n", err.coap, err.msg, want);
		return false;
	}
	return m.n_scope == 0 && m.scope == NULL;
}

/* JSON text -> CBOR through dots_json, for building odd inputs. */
static size_t
jc(const char *js, uint8_t *out)
{
	struct dots_err err;
	json_t *j = json_loads(js, 0, NULL);
	uint8_t *b;
	size_t n = 0;

	if (j != NULL && dots_json_to_cbor(j, &b, &n, &err) == 0) {
		memcpy(out, b, n);
		free(b);
	}
	json_decref(j);
	return n;
}

static int
mit_json(const char *js, enum dots_dir dir, struct dots_mitigation *m,
    struct dots_err *err)
{
	uint8_t b[1024];
	size_t n = jc(js, b);

	return dots_decode_mitigation(b, n, dir, m, err);
}

#define MS "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{"
#define ME "}]}}"

static void
test_vectors(void)
{
	TEST("SC-01 decodes as a request and re-encodes to the RFC's 73 bytes")
		CHECK(mitigation_roundtrip("SC-01", DOTS_REQ, true));
	TEST("SC-02 response (mid, lifetime) round trips byte-exact")
		CHECK(mitigation_roundtrip("SC-02", DOTS_RESP, true));
	TEST("SC-03 cuid-collision conflict round trips byte-exact")
		CHECK(mitigation_roundtrip("SC-03", DOTS_RESP, true));
	TEST("SC-05 GET response with two scopes round trips, 171 bytes")
		CHECK(mitigation_roundtrip("SC-05", DOTS_RESP, true));
	TEST("SC-07 efficacy update round trips byte-exact")
		CHECK(mitigation_roundtrip("SC-07", DOTS_REQ, true));
	TEST("SC-14a indefinite preconfigured request round trips")
		CHECK(mitigation_roundtrip("SC-14a", DOTS_REQ, true));
	TEST("TM-14 telemetry key 205 kept raw and written back after known "
	    "members")
		CHECK(mitigation_roundtrip("TM-14", DOTS_REQ, true));
	TEST("TM-15 notification with keys 205/207 round trips byte-exact")
		CHECK(mitigation_roundtrip("TM-15", DOTS_RESP, true));
	TEST("FC-01 RFC 9133 acl-list (53) round trips byte-exact")
		CHECK(mitigation_roundtrip("FC-01", DOTS_REQ, true));
	TEST("CH-01 call-home source-prefix kept raw, decode/encode stable")
		CHECK(mitigation_roundtrip("CH-01", DOTS_REQ, false));
	TEST("SC-01 model fields decode as printed") {
		struct dots_mitigation m;
		char buf[PREFIX_STRLEN];

		CHECK(mit_vec("SC-01", DOTS_REQ, &m) == 0);
		CHECK(m.n_scope == 1);
		if (m.n_scope == 1) {
			struct dots_scope *s = &m.scope[0];

			CHECK(s->n_target_prefix == 2);
			CHECK_STR(prefix_format(&s->target_prefix[1], buf,
			    sizeof(buf)), "2001:db8:6401::2/128");
			CHECK(s->n_target_port_range == 3);
			CHECK(s->target_port_range[2].lower == 8080 &&
			    s->target_port_range[2].upper == 8080);
			CHECK(s->n_target_protocol == 1 &&
			    s->target_protocol[0] == 6);
			CHECK(s->present == DOTS_SCOPE_LIFETIME);
			CHECK(s->lifetime == 3600);
		}
		dots_mitigation_free(&m);
	}
	TEST("SC-01 encoded from a hand-built model is the RFC's 73 bytes") {
		struct prefix p[2];
		struct port_range r[3] = { { 80, 80 }, { 443, 443 },
		    { 8080, 8080 } };
		uint8_t proto = 6, *out;
		size_t len;
		struct dots_scope s = { 0 };
		struct dots_mitigation m = { &s, 1, { 0 } };

		prefix_parse("2001:db8:6401::1/128", &p[0]);
		prefix_parse("2001:db8:6401::2/128", &p[1]);
		s.target_prefix = p;
		s.n_target_prefix = 2;
		s.target_port_range = r;
		s.n_target_port_range = 3;
		s.target_protocol = &proto;
		s.n_target_protocol = 1;
		s.present = DOTS_SCOPE_LIFETIME;
		s.lifetime = 3600;
		vbytes("SC-01");
		CHECK(dots_encode_mitigation(&m, &out, &len) == 0);
		CHECK(same_bytes(out, len, vb, vlen) && len == 73);
		free(out);
	}
	TEST("SC-05 model: counters, mitigation-start and status decode") {
		struct dots_mitigation m;

		CHECK(mit_vec("SC-05", DOTS_RESP, &m) == 0);
		CHECK(m.n_scope == 2);
		if (m.n_scope == 2) {
			CHECK(m.scope[0].mid == 12332);
			CHECK(m.scope[0].mitigation_start == 1507818434ull);
			CHECK(m.scope[0].status == DOTS_STATUS_MITIGATED);
			CHECK(m.scope[0].pkts_dropped == 333334444ull);
			CHECK(m.scope[1].status == DOTS_STATUS_STOPPED);
			CHECK(m.scope[1].present & DOTS_SCOPE_PPS_DROPPED);
		}
		dots_mitigation_free(&m);
	}
	TEST("SC-14a: lifetime -1 and trigger-mitigation false") {
		struct dots_mitigation m;

		CHECK(mit_vec("SC-14a", DOTS_REQ, &m) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].lifetime == -1);
		CHECK(m.n_scope == 1 && !m.scope[0].trigger_mitigation &&
		    (m.scope[0].present & DOTS_SCOPE_TRIGGER));
		dots_mitigation_free(&m);
	}
	TEST("FC-01: acl-list 53 goes to acl_list with activation-type") {
		struct dots_mitigation m;

		CHECK(mit_vec("FC-01", DOTS_REQ, &m) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].n_acl_list == 1);
		if (m.n_scope == 1 && m.scope[0].n_acl_list == 1) {
			CHECK(m.scope[0].acl_list_rfc9133);
			CHECK_STR(m.scope[0].acl_list[0].acl_name,
			    "sample-ipv4-acl");
			CHECK(m.scope[0].acl_list[0].activation_type ==
			    DOTS_ACT_DEACTIVATE);
		}
		dots_mitigation_free(&m);
	}
	TEST("TM-14: key 205 is kept in scope->opt as raw CBOR") {
		struct dots_mitigation m;
		const struct dots_opt *o;

		CHECK(mit_vec("TM-14", DOTS_REQ, &m) == 0);
		o = m.n_scope ? dots_optv_get(&m.scope[0].opt, 205) : NULL;
		CHECK(o != NULL && o->len == 10 && o->cbor[0] == 0x81);
		dots_mitigation_free(&m);
	}
}

/* Decode vector id (left in vb) as a signal-config body. */
static int
sc_vec(const char *id, enum dots_dir dir, struct dots_signal_config *sc)
{
	struct dots_err err;

	vbytes(id);
	return dots_decode_signal_config(vb, vlen, dir, sc, &err);
}

/* sc encodes to the want bytes in vb. */
static void
check_sc_encodes(const struct dots_signal_config *sc, size_t want)
{
	uint8_t *out = NULL;
	size_t len = 0;

	CHECK(dots_encode_signal_config(sc, &out, &len) == 0);
	CHECK(len == want && same_bytes(out, len, vb, vlen));
	free(out);
}

/* b is refused as a signal-config request, 4.00 naming want. */
static void
check_sc_refused(const uint8_t *b, size_t n, const char *want)
{
	struct dots_signal_config sc;
	struct dots_err err;

	CHECK(dots_decode_signal_config(b, n, DOTS_REQ, &sc, &err) == -1);
	CHECK(err.coap == 400 && strstr(err.msg, want) != NULL);
}

/*
 * {30:{32:{39:{43: 4(dec)}}}}: mitigating-config ack-timeout
 * current-value-decimal, with dec the tag's content (an array [e, m]).
 */
static size_t
sc_with_decimal(const char *dec_hex, uint8_t *b)
{
	static const uint8_t head[] = { 0xa1, 0x18, 0x1e, 0xa1, 0x18, 0x20,
	    0xa1, 0x18, 0x27, 0xa1, 0x18, 0x2b, 0xc4 };

	memcpy(b, head, sizeof(head));
	return sizeof(head) + unhex(dec_hex, b + sizeof(head));
}

/* dec_hex decodes to want hundredths and is answered as 4([-2, want]). */
static bool
decimal_is(const char *dec_hex, uint32_t want)
{
	struct dots_signal_config sc, back;
	const struct dots_cfg_param *p;
	struct dots_err err = { 0 };
	uint8_t b[64], *out = NULL, canon[16];
	size_t n = sc_with_decimal(dec_hex, b), len = 0, cn = 0;
	bool ok;

	if (dots_decode_signal_config(b, n, DOTS_REQ, &sc, &err) == -1) {
		printf("  %s: %d %s\n", dec_hex, err.coap, err.msg);
		return false;
	}
	p = &sc.mitigating.p[DOTS_CFG_ACK_TIMEOUT];
	ok = p->has_cur && p->cur == want;
	if (!ok)
		printf("  %s: %u, not %u\n", dec_hex, p->cur, want);
	/* canonical: tag 4, [-2 (0x21), want in the shortest head] */
	canon[cn++] = 0xc4;
	canon[cn++] = 0x82;
	canon[cn++] = 0x21;
	if (want < 24)
		canon[cn++] = (uint8_t)want;
	else if (want < 256) {
		canon[cn++] = 0x18;
		canon[cn++] = (uint8_t)want;
	} else if (want < 65536) {
		canon[cn++] = 0x19;
		canon[cn++] = (uint8_t)(want >> 8);
		canon[cn++] = (uint8_t)want;
	} else {
		canon[cn++] = 0x1a;
		for (int i = 3; i >= 0; i--)
			canon[cn++] = (uint8_t)(want >> (8 * i));
	}
	if (dots_encode_signal_config(&sc, &out, &len) == -1)
		return false;
	ok = ok && len == 12 + cn && memcmp(out + 12, canon, cn) == 0;
	/* and that answer decodes to the same value */
	ok = ok && dots_decode_signal_config(out, len, DOTS_REQ, &back,
	    &err) == 0 && back.mitigating.p[DOTS_CFG_ACK_TIMEOUT].cur == want;
	free(out);
	return ok;
}

/* dec_hex is refused, 4.00 naming the parameter and saying want. */
static bool
decimal_refused(const char *dec_hex, const char *want)
{
	struct dots_signal_config sc;
	struct dots_err err = { 0 };
	uint8_t b[64];
	size_t n = sc_with_decimal(dec_hex, b);

	if (dots_decode_signal_config(b, n, DOTS_REQ, &sc, &err) == 0) {
		printf("  %s: accepted\n", dec_hex);
		return false;
	}
	if (err.coap != 400 || strstr(err.msg, want) == NULL ||
	    strstr(err.msg, "current-value-decimal") == NULL) {
		printf("  %s: %d %s\n", dec_hex, err.coap, err.msg);
		return false;
	}
	return true;
}

/* dec_hex is refused before decoding (cbor_guard.c), saying want. */
static bool
decimal_refused_guard(const char *dec_hex, const char *want)
{
	struct dots_signal_config sc;
	struct dots_err err = { 0 };
	uint8_t b[64];
	size_t n = sc_with_decimal(dec_hex, b);

	return dots_decode_signal_config(b, n, DOTS_REQ, &sc, &err) == -1 &&
	    err.coap == 400 && strstr(err.msg, want) != NULL;
}

static void
test_decimals(void)
{
	TEST("decimal: [-2, m] as sent by RFC 9132 peers") {
		CHECK(decimal_is("822118cd", 205));		/* 2.05 */
		CHECK(decimal_is("822100", 0));
		CHECK(decimal_is("82211affffffff", UINT32_MAX));
	}
	TEST("decimal: other exponents exactly in hundredths are accepted") {
		CHECK(decimal_is("822018cd", 2050));		/* [-1, 205] 20.5 */
		CHECK(decimal_is("820003", 300));		/* [0, 3] 3.00 */
		CHECK(decimal_is("820102", 2000));		/* [1, 2] 20 */
		CHECK(decimal_is("8222190802", 205));		/* [-3, 2050] */
		CHECK(decimal_is("82241a000493e0", 300));	/* [-5, 300000] */
		CHECK(decimal_is("820704", 4000000000u));	/* [7, 4] */
		/* [-1, 429496729]: the largest below UINT32_MAX */
		CHECK(decimal_is("82201a19999999", 4294967290u));
		/* [-21, 10^19]: 0.01 */
		CHECK(decimal_is("82341b8ac7230489e80000", 1));
	}
	TEST("decimal: zero at any exponent is 0") {
		CHECK(decimal_is("82381d00", 0));		/* [-30, 0] */
		CHECK(decimal_is("821bffffffffffffffff00", 0));	/* [2^64-1, 0] */
		CHECK(decimal_is("823bffffffffffffffff00", 0));	/* [-2^64, 0] */
	}
	TEST("decimal: a third fraction digit is not representable (4.00)") {
		CHECK(decimal_refused("8222190803", "not representable with "
		    "two fraction digits"));			/* [-3, 2051] */
		CHECK(decimal_refused("822301", "not representable"));	/* [-4, 1] */
		/* [-22, 10^19]: 0.001 */
		CHECK(decimal_refused("82351b8ac7230489e80000",
		    "not representable"));
		CHECK(decimal_refused("823bffffffffffffffff05",
		    "not representable"));			/* [-2^64, 5] */
	}
	TEST("decimal: above UINT32_MAX hundredths is out of range (4.00)") {
		CHECK(decimal_refused("82211b0000000100000000", "out of range"));
		CHECK(decimal_refused("820705", "out of range"));	/* [7, 5] */
		CHECK(decimal_refused("820801", "out of range"));	/* [8, 1] */
		CHECK(decimal_refused("821bffffffffffffffff01",
		    "out of range"));				/* [2^64-1, 1] */
		/* [-1, 429496730] */
		CHECK(decimal_refused("82201a1999999a", "out of range"));
	}
	TEST("decimal: malformed decimal fractions are refused (4.00)") {
		CHECK(decimal_refused("82617a01", "exponent must be an "
		    "integer"));				/* ["z", 1] */
		CHECK(decimal_refused("822124", "mantissa must be an unsigned "
		    "integer"));				/* [-2, -5] */
		/* a bignum mantissa: the untrusted-CBOR guard takes no tag
		 * but 4 */
		CHECK(decimal_refused_guard("8221c24101", "unsupported tag"));
		CHECK(decimal_refused("83212100", "decimal fraction (tag 4)"));
		CHECK(decimal_refused("8121", "decimal fraction (tag 4)"));
		CHECK(decimal_refused("a0", "decimal fraction (tag 4)"));
	}
}

static void
test_config_hb_redirect(void)
{
	TEST("SC-09 signal-config response round trips, 210 bytes") {
		struct dots_signal_config sc;

		CHECK(sc_vec("SC-09", DOTS_RESP, &sc) == 0);
		CHECK(sc.has_mitigating && sc.has_idle && !sc.has_sid);
		CHECK(sc.idle.p[DOTS_CFG_ACK_TIMEOUT].max == 3000);
		CHECK(sc.idle.p[DOTS_CFG_ACK_RANDOM_FACTOR].min == 110);
		CHECK(sc.mitigating.p[DOTS_CFG_HEARTBEAT_INTERVAL].cur == 30);
		CHECK(sc.mitigating.p[DOTS_CFG_PROBING_RATE].min == 5);
		check_sc_encodes(&sc, 210);
	}
	TEST("SC-10 signal-config PUT round trips, 87 bytes") {
		struct dots_signal_config sc;

		CHECK(sc_vec("SC-10", DOTS_REQ, &sc) == 0);
		CHECK(sc.idle.p[DOTS_CFG_HEARTBEAT_INTERVAL].has_cur &&
		    sc.idle.p[DOTS_CFG_HEARTBEAT_INTERVAL].cur == 0);
		CHECK(!sc.idle.p[DOTS_CFG_PROBING_RATE].has_cur);
		CHECK(sc.mitigating.p[DOTS_CFG_ACK_RANDOM_FACTOR].cur == 150);
		check_sc_encodes(&sc, 87);
	}
	TEST("signal-config: sid in the body is accepted (has_sid)") {
		struct dots_signal_config sc;
		struct dots_err err;
		uint8_t b[] = { 0xa1, 0x18, 0x1e, 0xa1, 0x18, 0x1f, 0x18, 0x7b };

		CHECK(dots_decode_signal_config(b, sizeof(b), DOTS_REQ, &sc,
		    &err) == 0);
		CHECK(sc.has_sid && sc.sid == 123);
	}
	TEST("signal-config: integer key in a decimal parameter is refused") {
		/* {30:{32:{39:{36: 2}}}} */
		uint8_t b[] = { 0xa1, 0x18, 0x1e, 0xa1, 0x18, 0x20, 0xa1, 0x18,
		    0x27, 0xa1, 0x18, 0x24, 0x02 };

		check_sc_refused(b, sizeof(b), "current-value");
	}
	TEST("SC-09 encoded from a hand-built model") {
		struct dots_signal_config sc = { 0 };
		struct dots_cfg_set *set;
		int i;

		sc.has_mitigating = sc.has_idle = true;
		for (i = 0; i < 2; i++) {
			set = i ? &sc.idle : &sc.mitigating;
			set->p[DOTS_CFG_HEARTBEAT_INTERVAL] = (struct dots_cfg_param){ true, true, true, 240, 15, 30 };
			set->p[DOTS_CFG_MISSING_HB_ALLOWED] = (struct dots_cfg_param){ true, true, true, 20, 3, 15 };
			set->p[DOTS_CFG_PROBING_RATE] = (struct dots_cfg_param){ true, true, true, 20, 5, 15 };
			set->p[DOTS_CFG_MAX_RETRANSMIT] = (struct dots_cfg_param){ true, true, true, 15, 2, 3 };
			set->p[DOTS_CFG_ACK_TIMEOUT] = (struct dots_cfg_param){ true, true, true, 3000, 100, 200 };
			set->p[DOTS_CFG_ACK_RANDOM_FACTOR] = (struct dots_cfg_param){ true, true, true, 400, 110, 150 };
		}
		vbytes("SC-09");
		check_sc_encodes(&sc, 210);
	}
	TEST("SC-13 heartbeat decodes and the model encodes to 7 bytes") {
		struct dots_heartbeat hb = { true };
		struct dots_err err;
		uint8_t *out;
		size_t len;

		vbytes("SC-13");
		CHECK(dots_encode_heartbeat(&hb, &out, &len) == 0);
		CHECK(len == 7 && same_bytes(out, len, vb, vlen));
		free(out);
		hb.peer_hb_status = false;
		CHECK(dots_decode_heartbeat(vb, vlen, &hb, &err) == 0);
		CHECK(hb.peer_hb_status);
	}
	TEST("heartbeat: peer-hb-status missing or not a boolean is 4.00") {
		struct dots_heartbeat hb;
		struct dots_err err;
		uint8_t none[] = { 0xa1, 0x18, 0x31, 0xa0 };
		uint8_t num[] = { 0xa1, 0x18, 0x31, 0xa1, 0x18, 0x33, 0x01 };

		CHECK(dots_decode_heartbeat(none, sizeof(none), &hb, &err) == -1);
		CHECK(strstr(err.msg, "peer-hb-status") != NULL);
		CHECK(dots_decode_heartbeat(num, sizeof(num), &hb, &err) == -1);
		CHECK(err.coap == 400 && strstr(err.msg, "boolean") != NULL);
	}
	TEST("SC-12 redirect round trips byte-exact; alt-server mandatory") {
		struct dots_redirect r;
		struct dots_err err;
		uint8_t *out, no47[] = { 0xa1, 0x18, 0x2e, 0xa0 };
		size_t len;

		vbytes("SC-12");
		CHECK(dots_decode_redirect(vb, vlen, &r, &err) == 0);
		CHECK_STR(r.alt_server, "alt-server.example");
		CHECK(r.alt_server_record.n == 2);
		CHECK(dots_encode_redirect(&r, &out, &len) == 0);
		CHECK(same_bytes(out, len, vb, vlen));
		free(out);
		dots_redirect_free(&r);
		CHECK(dots_decode_redirect(no47, sizeof(no47), &r, &err) == -1);
		CHECK(strstr(err.msg, "alt-server") != NULL);
	}
}

static void
test_guard(void)
{
	TEST("guard: truncated body is 4.00 with an offset") {
		struct dots_err err;

		vbytes("SC-01");
		CHECK(cbor_guard_check(vb, vlen - 1, &err) == -1);
		CHECK(err.coap == 400 && strstr(err.msg, "byte") != NULL);
		CHECK(mit_fails("a101a10281a10b81656161", DOTS_REQ, "truncated"));
	}
	TEST("guard: trailing bytes after the item are refused") {
		vbytes("SC-13");
		vb[vlen++] = 0x00;
		CHECK(cbor_guard_check(vb, vlen, NULL) == -1);
		CHECK(mit_fails("a101a102f600", DOTS_REQ, "trailing"));
	}
	TEST("guard: 9a 10 00 00 00 (array of 2^28) rejected fast") {
		uint8_t b[] = { 0x9a, 0x10, 0x00, 0x00, 0x00 };
		struct dots_err err;
		clock_t t0 = clock();

		CHECK(cbor_guard_check(b, sizeof(b), &err) == -1);
		CHECK(strstr(err.msg, "declared length") != NULL);
		CHECK(mit_fails("a101a1029a10000000", DOTS_REQ, "declared"));
		CHECK(clock() - t0 < CLOCKS_PER_SEC / 10);
	}
	TEST("guard: map declaring more pairs than bytes remain") {
		CHECK(mit_fails("a101bb00000000ffffffff", DOTS_REQ, "declared"));
		CHECK(mit_fails("a101a50102", DOTS_REQ, "declared"));
	}
	TEST("guard: 100 nested arrays rejected as too deep") {
		uint8_t b[101];
		struct dots_err err;

		memset(b, 0x81, 100);
		b[100] = 0x00;
		CHECK(cbor_guard_check(b, sizeof(b), &err) == -1);
		CHECK(strstr(err.msg, "deep") != NULL);
	}
	TEST("guard: indefinite text and byte strings refused") {
		uint8_t t[] = { 0x7f, 0x61, 0x61, 0xff };
		uint8_t y[] = { 0x5f, 0x41, 0x61, 0xff };

		CHECK(cbor_guard_check(t, sizeof(t), NULL) == -1);
		CHECK(cbor_guard_check(y, sizeof(y), NULL) == -1);
		CHECK(mit_fails("a101a10281a10b817f6161ff", DOTS_REQ,
		    "indefinite"));
	}
	TEST("guard: huge declared text length is truncation, not a malloc") {
		CHECK(mit_fails("a101a10281a10b817affffffff41", DOTS_REQ,
		    "truncated"));
		CHECK(mit_fails("a101a10281a10b817bffffffffffffffff", DOTS_REQ,
		    "truncated"));
	}
	TEST("guard: tags other than 4 refused; tag 4 accepted") {
		uint8_t t1[] = { 0xc1, 0x00 }, t4[] = { 0xc4, 0x82, 0x21, 0x01 };

		CHECK(cbor_guard_check(t1, sizeof(t1), NULL) == -1);
		CHECK(cbor_guard_check(t4, sizeof(t4), NULL) == 0);
	}
	TEST("guard: empty and oversized bodies refused") {
		static uint8_t big[CBOR_GUARD_MAX_LEN + 1];

		CHECK(cbor_guard_check(big, 0, NULL) == -1);
		CHECK(cbor_guard_check(big, sizeof(big), NULL) == -1);
	}
	TEST("guard: indefinite arrays and maps are well-formed") {
		uint8_t b[] = { 0xbf, 0x01, 0x9f, 0x01, 0x02, 0xff, 0xff };
		uint8_t nobreak[] = { 0x9f, 0x01 };
		uint8_t stray[] = { 0xff };

		CHECK(cbor_guard_check(b, sizeof(b), NULL) == 0);
		CHECK(cbor_guard_check(nobreak, sizeof(nobreak), NULL) == -1);
		CHECK(cbor_guard_check(stray, sizeof(stray), NULL) == -1);
	}
	TEST("guard: more than CBOR_GUARD_MAX_ITEMS items refused") {
		static uint8_t b[3 + CBOR_GUARD_MAX_ITEMS + 1];

		b[0] = 0x99;
		b[1] = (CBOR_GUARD_MAX_ITEMS + 1) >> 8;
		b[2] = (CBOR_GUARD_MAX_ITEMS + 1) & 0xff;
		CHECK(cbor_guard_check(b, sizeof(b), NULL) == -1);
	}
	TEST("guard: an answer listing 3,000 mitigations decodes, a request "
	    "that large does not") {
		enum { N = 3000 };	/* 7 items each: above the request limit */
		struct dots_scope *sc = calloc(N, sizeof(*sc));
		struct dots_mitigation m = { .scope = sc, .n_scope = N }, out;
		struct dots_err err;
		uint8_t *buf = NULL;
		size_t len = 0;
		bool order = true;

		for (size_t i = 0; sc != NULL && i < N; i++) {
			sc[i].present = DOTS_SCOPE_MID | DOTS_SCOPE_LIFETIME |
			    DOTS_SCOPE_STATUS;
			sc[i].mid = (uint32_t)i + 1;
			sc[i].lifetime = 3600;
			sc[i].status = DOTS_STATUS_IN_PROGRESS;
		}
		CHECK(sc != NULL && dots_encode_mitigation(&m, &buf, &len) == 0);
		CHECK(dots_decode_mitigation(buf, len, DOTS_RESP, &out,
		    &err) == 0);
		CHECK(out.n_scope == N);
		for (size_t i = 0; i < out.n_scope; i++)
			order = order && out.scope[i].mid == i + 1;
		CHECK(order);
		dots_mitigation_free(&out);
		CHECK(dots_decode_mitigation(buf, len, DOTS_REQ, &out,
		    &err) == -1 && strstr(err.msg, "too many items") != NULL);
		free(buf);
		free(sc);
	}
}

static void
test_decode_errors(void)
{
	TEST("decode: duplicate key names the key") {
		CHECK(mit_fails("a101a10281a206800680", DOTS_REQ,
		    "duplicate key target-prefix (6)"));
		CHECK(mit_fails("a201a0" "01a0", DOTS_REQ, "duplicate key"));
	}
	TEST("decode: wrong major type names the key") {
		CHECK(mit_fails("a101a10281a10e6161", DOTS_REQ, "lifetime (14)"));
		CHECK(mit_fails("a101a10281a1066161", DOTS_REQ,
		    "target-prefix (6) must be an array"));
		CHECK(mit_fails("a101a10281a1068101", DOTS_REQ,
		    "target-prefix (6) must be a text"));
		CHECK(mit_fails("a101a10281a1182d01", DOTS_REQ,
		    "trigger-mitigation (45)"));
		CHECK(mit_fails("a10101", DOTS_REQ, "must be a map"));
		CHECK(mit_fails("a101a10201", DOTS_REQ, "scope (2)"));
		CHECK(mit_fails("80", DOTS_REQ, "map"));
	}
	TEST("decode: non-integer keys refused") {
		CHECK(mit_fails("a16161a0", DOTS_REQ, "non-integer"));
		CHECK(mit_fails("a101a10281a12001", DOTS_REQ, "non-integer"));
	}
	TEST("decode: unknown comprehension-required key 100 is 4.00") {
		CHECK(mit_fails("a101a10281a21864010e01", DOTS_REQ,
		    "unknown comprehension-required key 100"));
		CHECK(mit_fails("a101a11901f401", DOTS_REQ,
		    "unknown comprehension-required key 500"));
		CHECK(mit_fails("a20101" "01a0", DOTS_REQ,
		    "duplicate"));
		CHECK(mit_fails("a218640101a0", DOTS_REQ, "key 100"));
	}
	TEST("decode: known key in the wrong container is 4.00") {
		/* heartbeat key 51 inside a scope; acl-type (24) in an RFC
		 * 9133 acl-list entry */
		CHECK(mit_fails("a101a10281a11833f5", DOTS_REQ,
		    "peer-hb-status (51)"));
		CHECK(mit_fails("a101a10281a1183581a217616118186161", DOTS_REQ,
		    "acl-type (24)"));
		/* key 22 (conflict-scope form) in a request scope */
		CHECK(mit_fails("a101a10281a1168101", DOTS_REQ, "acl-list (22)"));
	}
	TEST("decode: unknown comprehension-optional key kept, decode ok") {
		struct dots_mitigation m;
		struct dots_err err;

		CHECK(mit_json(MS "\"target-prefix\":[\"192.0.2.0/24\"],"
		    "\"lifetime\":60,\"200\":443,\"49999\":[1,2]" ME, DOTS_REQ,
		    &m, &err) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].opt.n == 2);
		CHECK(dots_optv_get(&m.scope[0].opt, 49999) != NULL);
		dots_mitigation_free(&m);
	}
	TEST("decode: cuid, cdid and mid refused in a request body") {
		CHECK(mit_fails("a101a10281a10461" "61", DOTS_REQ,
		    "cuid, cdid and mid must not appear in a request body"));
		CHECK(mit_fails("a101a10281a1036161", DOTS_REQ,
		    "must not appear in a request body"));
		CHECK(mit_fails("a101a10281a1050c", DOTS_REQ,
		    "must not appear in a request body"));
		CHECK(mit_fails("a101a10281a1046161", DOTS_RESP,
		    "must not appear in a response body"));
	}
	TEST("decode: response-only keys refused in a request scope") {
		CHECK(mit_fails("a101a10281a11002", DOTS_REQ, "status (16)"));
		CHECK(mit_fails("a101a10281a10f01", DOTS_REQ,
		    "mitigation-start (15)"));
		CHECK(mit_fails("a101a10281a1181900", DOTS_REQ,
		    "bytes-dropped (25)"));
		CHECK(mit_fails("a101a10281a111a0", DOTS_REQ,
		    "conflict-information (17)"));
	}
	TEST("decode: mid and status accepted in a response") {
		struct dots_mitigation m;
		struct dots_err err;
		uint8_t b[] = { 0xa1, 0x01, 0xa1, 0x02, 0x81, 0xa2, 0x05, 0x0c,
		    0x10, 0x08 };

		CHECK(dots_decode_mitigation(b, sizeof(b), DOTS_RESP, &m,
		    &err) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].mid == 12 &&
		    m.scope[0].status == DOTS_STATUS_SIGNAL_LOSS);
		dots_mitigation_free(&m);
	}
	TEST("decode: null values and empty arrays are absent") {
		struct dots_mitigation m;
		struct dots_err err;
		/* {1:{2:[{6:null, 11:[], 13:["a"], 14:null}]}} */
		uint8_t b[] = { 0xa1, 0x01, 0xa1, 0x02, 0x81, 0xa4, 0x06, 0xf6,
		    0x0b, 0x80, 0x0d, 0x81, 0x61, 0x61, 0x0e, 0xf6 };

		CHECK(dots_decode_mitigation(b, sizeof(b), DOTS_REQ, &m,
		    &err) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].n_target_prefix == 0 &&
		    m.scope[0].target_fqdn.n == 0 &&
		    m.scope[0].alias_name.n == 1 && m.scope[0].present == 0);
		dots_mitigation_free(&m);
	}
	TEST("decode: float values do not trip libcbor's assert()") {
		struct dots_mitigation m;
		struct dots_err err;
		uint8_t b[] = { 0xa1, 0x01, 0xa1, 0x02, 0x81, 0xa1, 0x18, 0xc8,
		    0xfa, 0x3f, 0x80, 0x00, 0x00 };

		CHECK(mit_fails("a101a10281a1182dfa3f800000", DOTS_REQ,
		    "trigger-mitigation (45) must be a boolean"));
		CHECK(mit_fails("a101a10281a10ef93c00", DOTS_REQ,
		    "lifetime (14)"));
		CHECK(dots_decode_mitigation(b, sizeof(b), DOTS_REQ, &m,
		    &err) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].opt.n == 1);
		dots_mitigation_free(&m);
		{
			json_t *j = dots_cbor_to_json(b, sizeof(b), &err);

			CHECK(j != NULL);
			json_decref(j);
		}
	}
	TEST("decode: empty text string is 4.00 naming the key") {
		CHECK(mit_fails("a101a10281a10b8160", DOTS_REQ,
		    "empty value for target-fqdn (11)"));
	}
	TEST("decode: invalid target-prefix names the value") {
		CHECK(mit_fails("a101a10281a106816c3139322e302e322e302f3333",
		    DOTS_REQ, "'192.0.2.0/33'"));
	}
	TEST("decode: lifetime uint32 or -1 only") {
		CHECK(mit_fails("a101a10281a10e21", DOTS_REQ, "lifetime (14)"));
		CHECK(mit_fails("a101a10281a10e1b0000000100000000", DOTS_REQ,
		    "lifetime (14)"));
	}
	TEST("decode: ports <= 65535, protocol <= 255, upper >= lower") {
		CHECK(mit_fails("a101a10281a10781a1081a00010000", DOTS_REQ,
		    "lower-port (8) out of range"));
		CHECK(mit_fails("a101a10281a10a81190100", DOTS_REQ,
		    "target-protocol (10) out of range"));
		CHECK(mit_fails("a101a10281a10781a208185009184f", DOTS_REQ,
		    "upper-port below lower-port"));
		CHECK(mit_fails("a101a10281a10781a1091850", DOTS_REQ,
		    "missing lower-port"));
	}
	TEST("decode: port range with upper-port decodes") {
		struct dots_mitigation m;
		struct dots_err err;

		CHECK(mit_json(MS "\"target-port-range\":[{\"lower-port\":10,"
		    "\"upper-port\":20}]" ME, DOTS_REQ, &m, &err) == 0);
		CHECK(m.n_scope == 1 && m.scope[0].n_target_port_range == 1 &&
		    m.scope[0].target_port_range[0].upper == 20);
		dots_mitigation_free(&m);
	}
	TEST("decode: any number of scopes; mandatory members not judged") {
		struct dots_mitigation m;
		struct dots_err err;
		uint8_t b[] = { 0xa1, 0x01, 0xa1, 0x02, 0x82, 0xa0, 0xa0 };

		CHECK(dots_decode_mitigation(b, sizeof(b), DOTS_REQ, &m,
		    &err) == 0);
		CHECK(m.n_scope == 2);
		dots_mitigation_free(&m);
	}
	TEST("decode: missing mitigation-scope container is 4.00") {
		CHECK(mit_fails("a0", DOTS_REQ, "mitigation-scope (1)"));
		CHECK(mit_fails("a1181ea0", DOTS_REQ, "signal-config (30)"));
	}
	TEST("decode: conflict-information with conflict-scope and acl-list") {
		struct dots_mitigation m;
		struct dots_err err;
		struct dots_conflict *c;
		uint8_t *out;
		size_t len;

		CHECK(mit_json(MS "\"mid\":7,\"conflict-information\":{"
		    "\"conflict-status\":\"request-inactive-other-active\","
		    "\"conflict-cause\":\"conflict-with-acceptlist\","
		    "\"retry-timer\":30,\"conflict-scope\":{"
		    "\"target-prefix\":[\"192.0.2.0/24\"],\"mid\":9,"
		    "\"acl-list\":[{\"acl-name\":\"a1\",\"acl-type\":"
		    "\"ipv4-acl-type\"}]}}" ME, DOTS_RESP, &m, &err) == 0);
		c = m.n_scope ? m.scope[0].conflict : NULL;
		CHECK(c != NULL && c->conflict_status == 1 &&
		    c->conflict_cause == 2 && c->has_retry_timer &&
		    c->retry_timer == 30);
		CHECK(c != NULL && c->conflict_scope != NULL &&
		    c->conflict_scope->mid == 9 &&
		    c->conflict_scope->n_acl_list == 1 &&
		    !c->conflict_scope->acl_list_rfc9133);
		CHECK(dots_encode_mitigation(&m, &out, &len) == 0);
		free(out);
		dots_mitigation_free(&m);
	}
	TEST("decode: conflict-scope refuses lifetime (not a member there)") {
		struct dots_mitigation m;
		struct dots_err err;

		CHECK(mit_json(MS "\"conflict-information\":{\"conflict-scope\":"
		    "{\"lifetime\":5}}" ME, DOTS_RESP, &m, &err) == -1);
		CHECK(strstr(err.msg, "lifetime (14)") != NULL);
	}
	TEST("decode: RFC 9133 acl-list needs acl-name, activation 1..3") {
		CHECK(mit_fails("a101a10281a1183581a1183401", DOTS_REQ,
		    "missing acl-name"));
		CHECK(mit_fails("a101a10281a1183581a2176161183404", DOTS_REQ,
		    "activation-type (52)"));
	}
}

static void
test_model(void)
{
	TEST("keys: by number, by name, optional ranges, describe") {
		char buf[64];

		CHECK_STR(dots_key_by_num(6)->name, "target-prefix");
		CHECK(dots_key_by_name("ietf-dots-telemetry:total-attack-"
		    "traffic")->key == 205);
		CHECK(dots_key_by_name("total-attack-traffic")->key == 144);
		CHECK(dots_key_by_name("ietf-dots-call-home:source-prefix")->key
		    == 32768);
		CHECK(dots_key_by_name("ietf-dots-signal-control:acl-list")->key
		    == 53);
		CHECK(dots_key_by_num(100) == NULL);
		CHECK(dots_key_by_name("target-prefixx") == NULL);
		CHECK(dots_key_is_optional(128) && dots_key_is_optional(255));
		CHECK(dots_key_is_optional(16384) && dots_key_is_optional(65535));
		CHECK(!dots_key_is_optional(127) && !dots_key_is_optional(256));
		CHECK(!dots_key_is_optional(16383));
		CHECK_STR(dots_key_describe(6, buf, sizeof(buf)),
		    "target-prefix (6)");
		CHECK_STR(dots_key_describe(100, buf, sizeof(buf)), "key 100");
		CHECK_STR(dots_key_by_num(16)->enum_labels[3], "attack-stopped");
	}
	TEST("keys: every table entry is found again by its name") {
		uint64_t k;
		const struct dots_key *d;
		int n = 0;

		for (k = 0; k < 65536; k++) {
			if ((d = dots_key_by_num(k)) == NULL)
				continue;
			n++;
			CHECK(dots_key_by_name(d->name) == d);
		}
		/* RFC 9132+9133, RFC 9244, RFC 9066, dotsgw relay path,
		 * dotsgw registration (13, + tunnel-information, next-hop,
		 * data-channel-cuid) */
		CHECK(n == 53 + 83 + 8 + 1 + 13 + 3);
		CHECK(dots_key_is_optional(49152));
	}
	TEST("dots_status_name") {
		CHECK_STR(dots_status_name(2), "attack-successfully-mitigated");
		CHECK_STR(dots_status_name(8), "attack-mitigation-signal-loss");
		CHECK_STR(dots_status_name(0), "unknown");
		CHECK_STR(dots_status_name(9), "unknown");
	}
	TEST("scope_same_target is order-insensitive; copy is deep") {
		struct dots_mitigation a, b;
		struct dots_scope c;
		struct dots_err err;

		CHECK(mit_json(MS "\"target-prefix\":[\"192.0.2.0/24\","
		    "\"2001:db8::/32\"],\"alias-name\":[\"x\",\"y\"],"
		    "\"lifetime\":5" ME, DOTS_REQ, &a, &err) == 0);
		CHECK(mit_json(MS "\"alias-name\":[\"y\",\"x\"],"
		    "\"target-prefix\":[\"2001:db8::/32\",\"192.0.2.0/24\"],"
		    "\"lifetime\":9" ME, DOTS_REQ, &b, &err) == 0);
		CHECK(dots_scope_same_target(&a.scope[0], &b.scope[0]));
		CHECK(dots_scope_copy(&c, &a.scope[0]) == 0);
		dots_mitigation_free(&a);
		CHECK(dots_scope_same_target(&c, &b.scope[0]));
		c.alias_name.n = 1;
		CHECK(!dots_scope_same_target(&c, &b.scope[0]));
		c.alias_name.n = 2;
		dots_scope_free(&c);
		dots_mitigation_free(&b);
	}
	TEST("scope_overlaps: shared prefix, ports and protocols intersect") {
		struct dots_mitigation a, b, c, d;
		struct dots_err err;

		CHECK(mit_json(MS "\"target-prefix\":[\"192.0.2.0/24\"],"
		    "\"target-port-range\":[{\"lower-port\":80}],"
		    "\"target-protocol\":[6]" ME, DOTS_REQ, &a, &err) == 0);
		CHECK(mit_json(MS "\"target-prefix\":[\"192.0.2.9\"]" ME,
		    DOTS_REQ, &b, &err) == 0);
		CHECK(mit_json(MS "\"target-prefix\":[\"192.0.2.9\"],"
		    "\"target-port-range\":[{\"lower-port\":443}]" ME,
		    DOTS_REQ, &c, &err) == 0);
		CHECK(mit_json(MS "\"target-prefix\":[\"198.51.100.0/24\"],"
		    "\"alias-name\":[\"z\"]" ME, DOTS_REQ, &d, &err) == 0);
		CHECK(dots_scope_overlaps(&a.scope[0], &b.scope[0]));
		CHECK(!dots_scope_overlaps(&a.scope[0], &c.scope[0]));
		CHECK(!dots_scope_overlaps(&a.scope[0], &d.scope[0]));
		dots_mitigation_free(&d);
		CHECK(mit_json(MS "\"target-fqdn\":[\"q\"],\"alias-name\":"
		    "[\"z\"]" ME, DOTS_REQ, &d, &err) == 0);
		CHECK(dots_scope_overlaps(&d.scope[0], &d.scope[0]));
		dots_mitigation_free(&a);
		dots_mitigation_free(&b);
		dots_mitigation_free(&c);
		dots_mitigation_free(&d);
	}
	TEST("strv and optv helpers copy and free") {
		struct strv a = { 0 }, b;
		struct dots_optv o = { 0 }, p;
		uint8_t raw[] = { 0x01 };
		struct dots_opt one = { 200, raw, 1 };

		CHECK(strv_push(&a, "x") == 0 && strv_push(&a, "y") == 0);
		CHECK(strv_copy(&b, &a) == 0 && b.n == 2);
		CHECK_STR(b.v[1], "y");
		strv_free(&a);
		strv_free(&b);
		CHECK(a.n == 0 && a.v == NULL);
		o.v = &one;
		o.n = 1;
		CHECK(dots_optv_copy(&p, &o) == 0 && p.n == 1);
		CHECK(dots_optv_get(&p, 200) != NULL &&
		    dots_optv_get(&p, 201) == NULL);
		dots_optv_free(&p);
	}
}

int
main(void)
{
	test_vectors();
	test_config_hb_redirect();
	test_decimals();
	test_guard();
	test_decode_errors();
	test_model();
	return UNIT_EXIT();
}
