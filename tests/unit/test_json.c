/*
 * Unit tests of the generic CBOR <-> JSON translation (common/dots_json.c):
 * every JSON body of test-vectors.md sections 1-4 must become the CBOR hex
 * given there, and that CBOR must come back as the same JSON.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "../../common/dots_json.h"
#include "unit.h"

static const struct vec {
	const char *id, *json, *hex;
} vecs[] = {
	{ "SC-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-port-range\":[{\"lower-port\":80},{\"lower-port\":443},{\"lower-port\":8080}],\"target-protocol\":[6],\"lifetime\":3600}]}}",
	    "a101a10281a4068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380783a1081850a1081901bba108191f900a81060e190e10" },
	{ "SC-02",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":123,\"lifetime\":3600}]}}",
	    "a101a10281a205187b0e190e10" },
	{ "SC-03",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"conflict-information\":{\"conflict-cause\":\"cuid-collision\"}}]}}",
	    "a101a10281a111a11303" },
	{ "SC-05",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":12332,\"mitigation-start\":\"1507818434\",\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-protocol\":[17],\"lifetime\":1756,\"status\":\"attack-successfully-mitigated\",\"bytes-dropped\":\"134334555\",\"bps-dropped\":\"43344\",\"pkts-dropped\":\"333334444\",\"pps-dropped\":\"432432\"},{\"mid\":12333,\"mitigation-start\":\"1507818393\",\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-protocol\":[6],\"lifetime\":1755,\"status\":\"attack-stopped\",\"bytes-dropped\":\"0\",\"bps-dropped\":\"0\",\"pkts-dropped\":\"0\",\"pps-dropped\":\"0\"}]}}",
	    "a101a10282aa0519302c0f1a59df7bc2068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380a81110e1906dc100218191a0801c85b181a19a950181b1a13de47ac181c1a00069930aa0519302d0f1a59df7b99068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380a81060e1906db1003181900181a00181b00181c00" },
	{ "SC-07",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"target-port-range\":[{\"lower-port\":80},{\"lower-port\":443},{\"lower-port\":8080}],\"target-protocol\":[6],\"attack-status\":\"under-attack\"}]}}",
	    "a101a10281a4068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f3132380783a1081850a1081901bba108191f900a8106181d01" },
	{ "SC-09",
	    "{\"ietf-dots-signal-channel:signal-config\":{\"mitigating-config\":{\"heartbeat-interval\":{\"max-value\":240,\"min-value\":15,\"current-value\":30},\"missing-hb-allowed\":{\"max-value\":20,\"min-value\":3,\"current-value\":15},\"probing-rate\":{\"max-value\":20,\"min-value\":5,\"current-value\":15},\"max-retransmit\":{\"max-value\":15,\"min-value\":2,\"current-value\":3},\"ack-timeout\":{\"max-value-decimal\":\"30.00\",\"min-value-decimal\":\"1.00\",\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"max-value-decimal\":\"4.00\",\"min-value-decimal\":\"1.10\",\"current-value-decimal\":\"1.50\"}},\"idle-config\":{\"heartbeat-interval\":{\"max-value\":240,\"min-value\":15,\"current-value\":30},\"missing-hb-allowed\":{\"max-value\":20,\"min-value\":3,\"current-value\":15},\"probing-rate\":{\"max-value\":20,\"min-value\":5,\"current-value\":15},\"max-retransmit\":{\"max-value\":15,\"min-value\":2,\"current-value\":3},\"ack-timeout\":{\"max-value-decimal\":\"30.00\",\"min-value-decimal\":\"1.00\",\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"max-value-decimal\":\"4.00\",\"min-value-decimal\":\"1.10\",\"current-value-decimal\":\"1.50\"}}}}",
	    "a1181ea21820a61821a3182218f018230f1824181e1825a318221418230318240f1832a318221418230518240f1826a318220f1823021824031827a31829c48221190bb8182ac482211864182bc4822118c81828a31829c48221190190182ac48221186e182bc482211896182ca61821a3182218f018230f1824181e1825a318221418230318240f1832a318221418230518240f1826a318220f1823021824031827a31829c48221190bb8182ac482211864182bc4822118c81828a31829c48221190190182ac48221186e182bc482211896" },
	{ "SC-10",
	    "{\"ietf-dots-signal-channel:signal-config\":{\"mitigating-config\":{\"heartbeat-interval\":{\"current-value\":30},\"missing-hb-allowed\":{\"current-value\":15},\"probing-rate\":{\"current-value\":15},\"max-retransmit\":{\"current-value\":3},\"ack-timeout\":{\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"current-value-decimal\":\"1.50\"}},\"idle-config\":{\"heartbeat-interval\":{\"current-value\":0},\"max-retransmit\":{\"current-value\":3},\"ack-timeout\":{\"current-value-decimal\":\"2.00\"},\"ack-random-factor\":{\"current-value-decimal\":\"1.50\"}}}}",
	    "a1181ea21820a61821a11824181e1825a118240f1832a118240f1826a11824031827a1182bc4822118c81828a1182bc482211896182ca41821a11824001826a11824031827a1182bc4822118c81828a1182bc482211896" },
	{ "SC-12",
	    "{\"ietf-dots-signal-channel:redirected-signal\":{\"alt-server\":\"alt-server.example\",\"alt-server-record\":[\"2001:db8:6401::1\",\"2001:db8:6401::2\"]}}",
	    "a1182ea2182f72616c742d7365727665722e6578616d706c6518308270323030313a6462383a363430313a3a3170323030313a6462383a363430313a3a32" },
	{ "SC-13",
	    "{\"ietf-dots-signal-channel:heartbeat\":{\"peer-hb-status\":true}}",
	    "a11831a11833f5" },
	{ "SC-14a",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"alias-name\":[\"https1\"],\"lifetime\":-1,\"trigger-mitigation\":false}]}}",
	    "a101a10281a30d81666874747073310e20182df4" },
	{ "TM-02",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"low-percentile\":\"5.00\",\"mid-percentile\":\"65.00\",\"high-percentile\":\"95.00\"}}]}}",
	    "a118cba1188181a118afa31882c482211901f41883c482211919641884c4822119251c" },
	{ "TM-03",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"low-percentile\":\"0.00\",\"mid-percentile\":\"0.00\",\"high-percentile\":\"95.00\"}}]}}",
	    "a118cba1188181a118afa31882c48221001883c48221001884c4822119251c" },
	{ "TM-04",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"current-config\":{\"server-originated-telemetry\":true}}]}}",
	    "a118cba1188181a118afa118b3f5" },
	{ "TM-06",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"link1\",\"capacity\":\"500\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188881a31889656c696e6b3118be1901f4188608" },
	{ "TM-07",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"aggregate\",\"capacity\":\"700\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188881a318896961676772656761746518be1902bc188608" },
	{ "TM-08",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"total-pipe-capacity\":[{\"link-id\":\"link1\",\"capacity\":\"0\",\"unit\":\"megabit-ps\"},{\"link-id\":\"link2\",\"capacity\":\"500\",\"unit\":\"megabit-ps\"}]}]}}",
	    "a118cba1188181a1188882a31889656c696e6b3118be00188608a31889656c696e6b3218be1901f4188608" },
	{ "TM-09",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"baseline\":[{\"id\":1,\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"total-traffic-normal\":[{\"unit\":\"megabit-ps\",\"peak-g\":\"60\"}]}]}]}}",
	    "a118cba1188181a118ae81a318a301068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f313238188b81a2188608188f183c" },
	{ "TM-10",
	    "{\"ietf-dots-telemetry:telemetry-setup\":{\"telemetry\":[{\"baseline\":[{\"id\":1,\"target-prefix\":[\"2001:db8:6401::1/128\",\"2001:db8:6401::2/128\"],\"total-traffic-normal-per-protocol\":[{\"unit\":\"megabit-ps\",\"protocol\":6,\"peak-g\":\"50\"},{\"unit\":\"megabit-ps\",\"protocol\":17,\"peak-g\":\"10\"}]}]}]}}",
	    "a118cba1188181a118ae81a318a301068274323030313a6462383a363430313a3a312f31323874323030313a6462383a363430313a3a322f31323818c082a318860818bf06188f1832a318860818bf11188f0a" },
	{ "TM-11",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"target\":{\"target-prefix\":[\"2001:db8::1/128\"]},\"total-attack-traffic-protocol\":[{\"protocol\":17,\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1608336568\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a318bda106816f323030313a6462383a3a312f31323818c581a318bf11188608188d19038418a281a418ca197ed918a4184d18a71a5fdd44b818a604" },
	{ "TM-12",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"target\":{\"target-prefix\":[\"2001:db8::/32\"]}}]}}",
	    "a118d0a1188a81a118bda106816d323030313a6462383a3a2f3332" },
	{ "TM-13",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"tmid\":567,\"target\":{\"target-prefix\":[\"2001:db8::1/128\"]},\"target-protocol\":[17],\"total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1618339785\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a518b519023718bda106816f323030313a6462383a3a312f3132380a8111189081a2188608188d19038418a281a418ca197ed918a4184d18a71a6075e7c918a604" },
	{ "TM-13b",
	    "{\"ietf-dots-telemetry:telemetry\":{\"pre-or-ongoing-mitigation\":[{\"tmid\":567,\"target\":{\"target-prefix\":[\"2001:db8::1/128\"],\"target-protocol\":[17]},\"total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}],\"attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"start-time\":\"1618339785\",\"attack-severity\":\"high\"}]}]}}",
	    "a118d0a1188a81a418b519023718bda206816f323030313a6462383a3a312f3132380a8111189081a2188608188d19038418a281a418ca197ed918a4184d18a71a6075e7c918a604" },
	{ "TM-14",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"alias-name\":[\"https1\",\"https2\"],\"attack-status\":\"under-attack\",\"ietf-dots-telemetry:total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}]}]}}",
	    "a101a10281a30d826668747470733166687474707332181d0118cd81a2188608188d190384" },
	{ "TM-15",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"mid\":12332,\"mitigation-start\":\"1507818434\",\"alias-name\":[\"https1\",\"https2\"],\"lifetime\":1600,\"status\":\"attack-successfully-mitigated\",\"bytes-dropped\":\"134334555\",\"bps-dropped\":\"43344\",\"pkts-dropped\":\"333334444\",\"pps-dropped\":\"432432\",\"ietf-dots-telemetry:total-attack-traffic\":[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"752\"}],\"ietf-dots-telemetry:attack-detail\":[{\"vendor-id\":32473,\"attack-id\":77,\"source-count\":{\"peak-g\":\"12683\"}}]}]}}",
	    "a101a10281ab0519302c0f1a59df7bc20d8266687474707331666874747073320e190640100218191a0801c85b181a19a950181b1a13de47ac181c1a0006993018cd81a2188608188d1902f018cf81a318ca197ed918a4184d18a9a1188f19318b" },
	{ "CH-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"2001:db8:c000::/128\"],\"ietf-dots-call-home:source-prefix\":[\"2001:db8:123::1/128\"],\"lifetime\":3600}]}}",
	    "a101a10281a3068173323030313a6462383a633030303a3a2f3132381980008173323030313a6462383a3132333a3a312f3132380e190e10" },
	{ "CH-02",
	    "{\"ietf-dots-signal-channel:redirected-signal\":{\"ietf-dots-call-home:alt-ch-client\":\"alt-call-home-client.example\",\"ietf-dots-call-home:alt-ch-client-record\":[\"2001:db8:6401::1\",\"2001:db8:6401::2\"],\"ietf-dots-call-home:ttl\":600}}",
	    "a1182ea3198005781c616c742d63616c6c2d686f6d652d636c69656e742e6578616d706c651980068270323030313a6462383a363430313a3a3170323030313a6462383a363430313a3a32198007190258" },
	{ "FC-01",
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{\"target-prefix\":[\"1.1.2.10/32\"],\"target-port-range\":[{\"lower-port\":80}],\"target-protocol\":[6],\"ietf-dots-signal-control:acl-list\":[{\"acl-name\":\"sample-ipv4-acl\",\"activation-type\":\"deactivate\"}],\"lifetime\":500,\"trigger-mitigation\":true}]}}",
	    "a101a10281a606816b312e312e322e31302f33320781a10818500a8106183581a2176f73616d706c652d697076342d61636c1834030e1901f4182df5" },
};

static void
tohex(const uint8_t *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static size_t
unhex(const char *h, uint8_t *out)
{
	size_t n = 0;
	unsigned v;

	for (; h[0] != '\0' && h[1] != '\0'; h += 2) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
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

#define MS "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{"
#define ME "}]}}"

int
main(void)
{
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
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

		CHECK_STR(j2h(MS "\"lifetime\":-1" ME, &err),
		    "a101a10281a10e20");
		CHECK_STR(j2h("{\"ietf-dots-signal-channel:signal-config\":"
		    "{\"idle-config\":{\"ack-timeout\":{"
		    "\"current-value-decimal\":\"2.5\"}}}}", &err),
		    "a1181ea1182ca11827a1182bc4822118fa");
		CHECK(h2j_equal("a101a10281a10e20", MS "\"lifetime\":-1" ME));
	}
	TEST("json: unknown numeric keys render as numbers and come back") {
		struct dots_err err;
		const char *js = MS "\"32999\":[1,\"a\",true],\"lifetime\":1" ME;

		CHECK_STR(j2h(js, &err),
		    "a101a10281a21980e783016161f50e01");
		CHECK(h2j_equal("a101a10281a21980e783016161f50e01", js));
	}
	TEST("json: unknown enum value renders as its number") {
		CHECK(h2j_equal("a101a10281a1101863", MS "\"status\":99" ME));
	}
	TEST("json: negative decimal and large uint64 strings") {
		struct dots_err err;

		CHECK_STR(j2h(MS "\"bytes-dropped\":\"18446744073709551615\"" ME,
		    &err), "a101a10281a118191bffffffffffffffff");
		CHECK(h2j_equal("a101a10281a118191bffffffffffffffff",
		    MS "\"bytes-dropped\":\"18446744073709551615\"" ME));
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
