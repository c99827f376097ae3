/*
 * Unit tests of the generic CBOR <-> JSON translation (common/dots_json.c):
 * every JSON body of test-vectors.md sections 1-4 must become the CBOR hex
 * given there, and that CBOR must come back as the same JSON.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "common/dots_json.h"
#include "unit.h"
#include "vectors.h"

static void
tohex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

/* JSON text -> CBOR; NULL with err on failure. */
static const char *
j2h(const char *js, struct dots_err *err)
{
	static char hex[8192];
	json_t *j = json_loads(js, 0, NULL);
	uint8_t *b;
	size_t n;
	int rc;

	if (j == NULL)
		return NULL;
	rc = dots_json_to_cbor(j, &b, &n, err);
	json_decref(j);
	if (rc == -1)
		return NULL;
	tohex(b, n, hex);
	free(b);
	return hex;
}

static bool
h2j_equal(const char *hex, const char *js)
{
	uint8_t b[4096];
	size_t n = unhex(hex, b);
	struct dots_err err;
	json_t *got = dots_cbor_to_json(b, n, &err), *want;
	bool eq;

	want = json_loads(js, 0, NULL);
	eq = got != NULL && want != NULL && json_equal(got, want);
	if (!eq && got != NULL) {
		char *s = json_dumps(got, JSON_COMPACT);
		printf("  got %s\n", s);
		free(s);
	}
	json_decref(got);
	json_decref(want);
	return eq;
}

static bool
j2c_fails(const char *js, const char *want)
{
	struct dots_err err = { 0 };

	if (j2h(js, &err) != NULL)
		return false;
	if (err.coap != 400 || strstr(err.msg, want) == NULL) {
		printf("  %d \"%s\" lacks \"%s\"\n", err.coap, err.msg, want);
		return false;
	}
	return true;
}

/* js becomes hex, and hex comes back as js. */
static void
check_both_ways(const char *js, const char *hex)
{
	struct dots_err err;

	CHECK_STR(j2h(js, &err), hex);
	CHECK(h2j_equal(hex, js));
}

#define MS "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{"
#define ME "}]}}"

int
main(void)
{
	char name[64];
	size_t i;

	for (i = 0; i < NVECS; i++) {
		snprintf(name, sizeof(name), "%s: JSON -> CBOR byte-exact",
		    vecs[i].id);
		TEST(name) {
			struct dots_err err = { 0 };
			const char *h = j2h(vecs[i].json, &err);

			CHECK_STR(h, vecs[i].hex);
			if (h == NULL)
				printf("  %s\n", err.msg);
		}
		snprintf(name, sizeof(name), "%s: CBOR -> JSON equals the RFC "
		    "JSON", vecs[i].id);
		TEST(name)
			CHECK(h2j_equal(vecs[i].hex, vecs[i].json));
	}
	TEST("json: unknown member is named") {
		CHECK(j2c_fails(MS "\"target-prefixx\":[\"1.2.3.4\"]" ME,
		    "unknown member 'target-prefixx'"));
	}
	TEST("json: wrong JSON types are named") {
		CHECK(j2c_fails(MS "\"lifetime\":\"3600\"" ME,
		    "'lifetime' must be a number"));
		CHECK(j2c_fails(MS "\"lifetime\":-2" ME,
		    "'lifetime' must be a number"));
		CHECK(j2c_fails(MS "\"target-prefix\":\"1.2.3.4\"" ME,
		    "'target-prefix' must be an array"));
		CHECK(j2c_fails(MS "\"trigger-mitigation\":1" ME,
		    "'trigger-mitigation' must be true or false"));
		CHECK(j2c_fails(MS "\"bytes-dropped\":\"12x\"" ME,
		    "'bytes-dropped' must be a decimal string"));
		CHECK(j2c_fails(MS "\"status\":\"attack-won\"" ME,
		    "'status': unknown value 'attack-won'"));
		CHECK(j2c_fails("{\"ietf-dots-signal-channel:signal-config\":"
		    "{\"mitigating-config\":{\"ack-timeout\":{"
		    "\"current-value-decimal\":\"2.001\"}}}}",
		    "'current-value-decimal' must be a decimal"));
		CHECK(j2c_fails("{\"ietf-dots-signal-channel:heartbeat\":7}",
		    "'ietf-dots-signal-channel:heartbeat' must be an object"));
	}
	TEST("json: lifetime -1 is CBOR 20; decimals scale to hundredths") {
		struct dots_err err;

		check_both_ways(MS "\"lifetime\":-1" ME, "a101a10281a10e20");
		CHECK_STR(j2h("{\"ietf-dots-signal-channel:signal-config\":"
		    "{\"idle-config\":{\"ack-timeout\":{"
		    "\"current-value-decimal\":\"2.5\"}}}}", &err),
		    "a1181ea1182ca11827a1182bc4822118fa");
	}
	TEST("json: unknown numeric keys render as numbers and come back")
		check_both_ways(MS "\"32999\":[1,\"a\",true],\"lifetime\":1" ME,
		    "a101a10281a21980e783016161f50e01");
	TEST("json: unknown enum value renders as its number") {
		CHECK(h2j_equal("a101a10281a1101863", MS "\"status\":99" ME));
	}
	TEST("json: negative decimal and large uint64 strings") {
		check_both_ways(MS "\"bytes-dropped\":\"18446744073709551615\""
		    ME, "a101a10281a118191bffffffffffffffff");
		CHECK(h2j_equal("a118cba1188181a11882c482213824",
		    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":"
		    "[{\"low-percentile\":\"-0.37\"}]}}"));
	}
	TEST("json: malformed CBOR is refused through the guard") {
		uint8_t b[] = { 0x9a, 0x10, 0x00, 0x00, 0x00 };
		uint8_t dup[] = { 0xa2, 0x01, 0x00, 0x01, 0x00 };
		struct dots_err err;

		CHECK(dots_cbor_to_json(b, sizeof(b), &err) == NULL &&
		    err.coap == 400);
		CHECK(dots_cbor_to_json(dup, sizeof(dup), &err) == NULL &&
		    strstr(err.msg, "duplicate") != NULL);
	}
	return UNIT_EXIT();
}
