/*
 * Unit tests of the RFC 9244 telemetry codec (common/dots_tm.c) and the
 * RFC 9244 rows of the key table (common/dots_keys.c): one vector per key
 * (CBOR built with python3-cbor2 from RFC 9244 §11's table: key number,
 * major type, JSON type), the RFC's example bodies (vectors.h TM-*), and
 * bad input with the code the RFC asks for.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "common/dots_json.h"
#include "common/dots_keys.h"
#include "common/dots_tm.h"
#include "unit.h"
#include "vectors.h"

/* { key, RFC name, JSON of {name: sample}, CBOR hex of {key: sample} } */
static const struct keyvec {
	unsigned	 key;
	const char	*name, *json, *hex;
} keyvecs[] = {
	{ 128, "tsid", "{\"tsid\": 7}", "a1188007" },
	{ 129, "telemetry", "{\"telemetry\": [{}]}", "a1188181a0" },
	{ 130, "low-percentile", "{\"low-percentile\": \"5.00\"}", "a11882c482211901f4" },
	{ 131, "mid-percentile", "{\"mid-percentile\": \"5.00\"}", "a11883c482211901f4" },
	{ 132, "high-percentile", "{\"high-percentile\": \"5.00\"}", "a11884c482211901f4" },
	{ 133, "unit-config", "{\"unit-config\": [{}]}", "a1188581a0" },
	{ 134, "unit", "{\"unit\": \"packet-ps\"}", "a1188601" },
	{ 135, "unit-status", "{\"unit-status\": true}", "a11887f5" },
	{ 136, "total-pipe-capacity", "{\"total-pipe-capacity\": [{}]}", "a1188881a0" },
	{ 137, "link-id", "{\"link-id\": \"a\"}", "a118896161" },
	{ 138, "pre-or-ongoing-mitigation", "{\"pre-or-ongoing-mitigation\": [{}]}", "a1188a81a0" },
	{ 139, "total-traffic-normal", "{\"total-traffic-normal\": [{}]}", "a1188b81a0" },
	{ 140, "low-percentile-g", "{\"low-percentile-g\": \"7\"}", "a1188c07" },
	{ 141, "mid-percentile-g", "{\"mid-percentile-g\": \"7\"}", "a1188d07" },
	{ 142, "high-percentile-g", "{\"high-percentile-g\": \"7\"}", "a1188e07" },
	{ 143, "peak-g", "{\"peak-g\": \"7\"}", "a1188f07" },
	{ 144, "total-attack-traffic", "{\"total-attack-traffic\": [{}]}", "a1189081a0" },
	{ 145, "total-traffic", "{\"total-traffic\": [{}]}", "a1189181a0" },
	{ 146, "total-connection-capacity", "{\"total-connection-capacity\": [{}]}", "a1189281a0" },
	{ 147, "connection", "{\"connection\": \"7\"}", "a1189307" },
	{ 148, "connection-client", "{\"connection-client\": \"7\"}", "a1189407" },
	{ 149, "embryonic", "{\"embryonic\": \"7\"}", "a1189507" },
	{ 150, "embryonic-client", "{\"embryonic-client\": \"7\"}", "a1189607" },
	{ 151, "connection-ps", "{\"connection-ps\": \"7\"}", "a1189707" },
	{ 152, "connection-client-ps", "{\"connection-client-ps\": \"7\"}", "a1189807" },
	{ 153, "request-ps", "{\"request-ps\": \"7\"}", "a1189907" },
	{ 154, "request-client-ps", "{\"request-client-ps\": \"7\"}", "a1189a07" },
	{ 155, "partial-request-max", "{\"partial-request-max\": \"7\"}", "a1189b07" },
	{ 156, "partial-request-client-max", "{\"partial-request-client-max\": \"7\"}", "a1189c07" },
	{ 157, "total-attack-connection", "{\"total-attack-connection\": {}}", "a1189da0" },
	{ 158, "connection-c", "{\"connection-c\": {}}", "a1189ea0" },
	{ 159, "embryonic-c", "{\"embryonic-c\": {}}", "a1189fa0" },
	{ 160, "connection-ps-c", "{\"connection-ps-c\": {}}", "a118a0a0" },
	{ 161, "request-ps-c", "{\"request-ps-c\": {}}", "a118a1a0" },
	{ 162, "attack-detail", "{\"attack-detail\": [{}]}", "a118a281a0" },
	{ 163, "id", "{\"id\": 7}", "a118a307" },
	{ 164, "attack-id", "{\"attack-id\": 7}", "a118a407" },
	{ 165, "attack-description", "{\"attack-description\": \"a\"}", "a118a56161" },
	{ 166, "attack-severity", "{\"attack-severity\": \"none\"}", "a118a601" },
	{ 167, "start-time", "{\"start-time\": \"7\"}", "a118a707" },
	{ 168, "end-time", "{\"end-time\": \"7\"}", "a118a807" },
	{ 169, "source-count", "{\"source-count\": {}}", "a118a9a0" },
	{ 170, "top-talker", "{\"top-talker\": {}}", "a118aaa0" },
	{ 171, "spoofed-status", "{\"spoofed-status\": true}", "a118abf5" },
	{ 172, "partial-request-c", "{\"partial-request-c\": {}}", "a118aca0" },
	{ 173, "total-attack-connection-protocol", "{\"total-attack-connection-protocol\": [{}]}", "a118ad81a0" },
	{ 174, "baseline", "{\"baseline\": [{}]}", "a118ae81a0" },
	{ 175, "current-config", "{\"current-config\": {}}", "a118afa0" },
	{ 176, "max-config-values", "{\"max-config-values\": {}}", "a118b0a0" },
	{ 177, "min-config-values", "{\"min-config-values\": {}}", "a118b1a0" },
	{ 178, "supported-unit-classes", "{\"supported-unit-classes\": {}}", "a118b2a0" },
	{ 179, "server-originated-telemetry", "{\"server-originated-telemetry\": true}", "a118b3f5" },
	{ 180, "telemetry-notify-interval", "{\"telemetry-notify-interval\": 7}", "a118b407" },
	{ 181, "tmid", "{\"tmid\": 7}", "a118b507" },
	{ 182, "measurement-interval", "{\"measurement-interval\": \"5-minutes\"}", "a118b601" },
	{ 183, "measurement-sample", "{\"measurement-sample\": \"second\"}", "a118b701" },
	{ 184, "talker", "{\"talker\": [{}]}", "a118b881a0" },
	{ 185, "source-prefix", "{\"source-prefix\": \"a\"}", "a118b96161" },
	{ 186, "mid-list", "{\"mid-list\": [7]}", "a118ba8107" },
	{ 187, "source-port-range", "{\"source-port-range\": [{}]}", "a118bb81a0" },
	{ 188, "source-icmp-type-range", "{\"source-icmp-type-range\": [{}]}", "a118bc81a0" },
	{ 189, "target", "{\"target\": {}}", "a118bda0" },
	{ 190, "capacity", "{\"capacity\": \"7\"}", "a118be07" },
	{ 191, "protocol", "{\"protocol\": 7}", "a118bf07" },
	{ 192, "total-traffic-normal-per-protocol", "{\"total-traffic-normal-per-protocol\": [{}]}", "a118c081a0" },
	{ 193, "total-traffic-normal-per-port", "{\"total-traffic-normal-per-port\": [{}]}", "a118c181a0" },
	{ 194, "total-connection-capacity-per-port", "{\"total-connection-capacity-per-port\": [{}]}", "a118c281a0" },
	{ 195, "total-traffic-protocol", "{\"total-traffic-protocol\": [{}]}", "a118c381a0" },
	{ 196, "total-traffic-port", "{\"total-traffic-port\": [{}]}", "a118c481a0" },
	{ 197, "total-attack-traffic-protocol", "{\"total-attack-traffic-protocol\": [{}]}", "a118c581a0" },
	{ 198, "total-attack-traffic-port", "{\"total-attack-traffic-port\": [{}]}", "a118c681a0" },
	{ 199, "total-attack-connection-port", "{\"total-attack-connection-port\": [{}]}", "a118c781a0" },
	{ 200, "port", "{\"port\": 7}", "a118c807" },
	{ 201, "supported-query-type", "{\"supported-query-type\": [\"target-prefix\"]}", "a118c98101" },
	{ 202, "vendor-id", "{\"vendor-id\": 7}", "a118ca07" },
	{ 203, "ietf-dots-telemetry:telemetry-setup", "{\"ietf-dots-telemetry:telemetry-setup\": {}}", "a118cba0" },
	{ 204, "ietf-dots-telemetry:total-traffic", "{\"ietf-dots-telemetry:total-traffic\": [{}]}", "a118cc81a0" },
	{ 205, "ietf-dots-telemetry:total-attack-traffic", "{\"ietf-dots-telemetry:total-attack-traffic\": [{}]}", "a118cd81a0" },
	{ 206, "ietf-dots-telemetry:total-attack-connection", "{\"ietf-dots-telemetry:total-attack-connection\": {}}", "a118cea0" },
	{ 207, "ietf-dots-telemetry:attack-detail", "{\"ietf-dots-telemetry:attack-detail\": [{}]}", "a118cf81a0" },
	{ 208, "ietf-dots-telemetry:telemetry", "{\"ietf-dots-telemetry:telemetry\": {}}", "a118d0a0" },
	{ 209, "current-g", "{\"current-g\": \"7\"}", "a118d107" },
	{ 210, "description-lang", "{\"description-lang\": \"a\"}", "a118d26161" },
};

static void
tohex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	out[2 * n] = '\0';
}

static const char *
vec_json(const char *id)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		if (strcmp(vecs[i].id, id) == 0)
			return vecs[i].json;
	return NULL;
}

static const char *
vec_hex(const char *id)
{
	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		if (strcmp(vecs[i].id, id) == 0)
			return vecs[i].hex;
	return NULL;
}

/* JSON text -> CBOR, then the setup decoder on those bytes. */
static int
setup_of(const char *js, struct dots_tm_setup *s, struct dots_err *err)
{
	json_t *j = json_loads(js, 0, NULL), *got = NULL;
	uint8_t *b = NULL;
	size_t n;
	int rc = -1;

	if (j != NULL && dots_json_to_cbor(j, &b, &n, err) == 0)
		rc = dots_tm_decode_setup(b, n, s, &got, err);
	json_decref(j);
	json_decref(got);
	free(b);
	return rc;
}

static int
report_of(const char *js, struct dots_tm_report *r, struct dots_err *err)
{
	json_t *j = json_loads(js, 0, NULL), *got = NULL;
	uint8_t *b = NULL;
	size_t n;
	int rc = -1;

	if (j != NULL && dots_json_to_cbor(j, &b, &n, err) == 0)
		rc = dots_tm_decode_report(b, n, r, &got, err);
	json_decref(j);
	json_decref(got);
	free(b);
	return rc;
}

/* A setup body around one telemetry entry given as JSON text. */
static int
setup_entry(const char *entry, struct dots_tm_setup *s, struct dots_err *err)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"ietf-dots-telemetry:telemetry-setup\":"
	    "{\"telemetry\":[%s]}}", entry);
	memset(err, 0, sizeof(*err));
	return setup_of(buf, s, err);
}

static int
report_entry(const char *entry, struct dots_tm_report *r,
    struct dots_err *err)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"ietf-dots-telemetry:telemetry\":"
	    "{\"pre-or-ongoing-mitigation\":[%s]}}", entry);
	memset(err, 0, sizeof(*err));
	return report_of(buf, r, err);
}

static struct dots_tm_path
path_of(const char *const *p, size_t n, int *rc, struct dots_err *err)
{
	struct dots_seg sg[8];
	struct dots_tm_path tp;

	for (size_t i = 0; i < n; i++) {
		sg[i].s = (const uint8_t *)p[i];
		sg[i].len = strlen(p[i]);
	}
	*rc = dots_tm_path_parse(sg, n, &tp, err);
	return tp;
}

int
main(void)
{
	struct dots_tm_setup *s = calloc(1, sizeof(*s));
	struct dots_tm_report *r = calloc(1, sizeof(*r));
	struct dots_err err;
	char hex[512];

	if (s == NULL || r == NULL)
		return 1;

	TEST("tm keys: each RFC 9244 key has its name and its CBOR") {
		for (size_t i = 0; i < sizeof(keyvecs) / sizeof(keyvecs[0]);
		    i++) {
			const struct keyvec *kv = &keyvecs[i];
			const struct dots_key *k = dots_key_by_num(kv->key);
			json_t *j = json_loads(kv->json, 0, NULL), *back;
			uint8_t *b;
			size_t n;

			CHECK(k != NULL);
			if (k == NULL || j == NULL)
				continue;
			if (strcmp(k->name, kv->name) != 0)
				printf("  key %u: %s != %s\n", kv->key,
				    k->name, kv->name);
			CHECK_STR(k->name, kv->name);
			CHECK(dots_key_is_optional(kv->key));
			if (dots_json_to_cbor(j, &b, &n, &err) == -1) {
				printf("  key %u: %s\n", kv->key, err.msg);
				CHECK(0);
				json_decref(j);
				continue;
			}
			tohex(b, n, hex);
			if (strcmp(hex, kv->hex) != 0)
				printf("  key %u: %s != %s\n", kv->key, hex,
				    kv->hex);
			CHECK_STR(hex, kv->hex);
			back = dots_cbor_to_json(b, n, &err);
			CHECK(back != NULL && json_equal(back, j));
			json_decref(back);
			json_decref(j);
			free(b);
		}
		CHECK(sizeof(keyvecs) / sizeof(keyvecs[0]) == 83);
	}

	TEST("tm: RFC 9244 setup examples decode (Figures 4-6, 11-20)") {
		CHECK(setup_of(vec_json("TM-02"), s, &err) == 0);
		CHECK(s->kind == DOTS_TM_CONFIG && s->pct[0] == 500 &&
		    s->pct[1] == 6500 && s->pct[2] == 9500);
		CHECK(setup_of(vec_json("TM-03"), s, &err) == 0);
		CHECK(s->pct[0] == 0 && s->pct[1] == 0 && s->pct[2] == 9500);
		CHECK(setup_of(vec_json("TM-04"), s, &err) == 0);
		CHECK(s->has_sot && s->sot);
		CHECK(setup_of(vec_json("TM-06"), s, &err) == 0);
		CHECK(s->kind == DOTS_TM_PIPE && s->n_links == 1 &&
		    s->links[0].capacity == 500 && s->links[0].unit == 8);
		CHECK(dots_tm_unit_scale(s->links[0].unit,
		    s->links[0].capacity) == 500000000ull);
		CHECK(setup_of(vec_json("TM-07"), s, &err) == 0);
		CHECK_STR(s->links[0].link_id, "aggregate");
		CHECK(setup_of(vec_json("TM-08"), s, &err) == 0);
		CHECK(s->n_links == 2 && s->links[0].capacity == 0);
		CHECK(setup_of(vec_json("TM-09"), s, &err) == 0);
		CHECK(s->kind == DOTS_TM_BASELINE && s->n_baselines == 1 &&
		    s->baselines[0].id == 1 &&
		    s->baselines[0].target.n_prefix == 2 &&
		    s->baselines[0].n_normal == 1 &&
		    s->baselines[0].normal[0].peak == 60);
		CHECK(setup_of(vec_json("TM-10"), s, &err) == 0);
		CHECK(s->baselines[0].n_normal == 2 &&
		    s->baselines[0].normal[1].has_protocol &&
		    s->baselines[0].normal[1].protocol == 17);
	}

	TEST("tm: RFC 9244 telemetry examples decode (Figures 36, 39)") {
		uint64_t bps, pps;

		CHECK(report_of(vec_json("TM-11"), r, &err) == 0);
		CHECK(r->n_entries == 1 && !r->entries[0].filter_only &&
		    r->entries[0].n_attack_traffic == 1 &&
		    r->entries[0].n_attacks == 1 &&
		    r->entries[0].attacks[0].vendor_id == 32473 &&
		    r->entries[0].attacks[0].attack_id == 77 &&
		    r->entries[0].attacks[0].severity == 4);
		dots_tm_report_volume(r, NULL, &bps, &pps);
		CHECK(bps == 900000000ull && pps == 0);
		CHECK(report_of(vec_json("TM-12"), r, &err) == 0);
		CHECK(r->entries[0].filter_only);
		/* the notification forms carry tmid: the server's */
		memset(&err, 0, sizeof(err));
		CHECK(report_of(vec_json("TM-13b"), r, &err) == -1 &&
		    err.coap == 400 && strstr(err.msg, "tmid") != NULL);
		{
			json_t *j = json_loads(vec_json("TM-13b"), 0, NULL);
			CHECK(dots_tm_check_report(j, true, r, &err) == 0);
			json_decref(j);
		}
	}

	TEST("tm: the RFC examples' CBOR is the digest's, byte for byte") {
		static const char *const ids[] = { "TM-02", "TM-03", "TM-04",
		    "TM-06", "TM-07", "TM-08", "TM-09", "TM-10", "TM-11",
		    "TM-12", "TM-13", "TM-13b", "TM-14", "TM-15" };
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
			json_t *j = json_loads(vec_json(ids[i]), 0, NULL);
			uint8_t *b;
			size_t n;
			static char big[4096];

			CHECK(j != NULL && dots_json_to_cbor(j, &b, &n,
			    &err) == 0);
			if (j == NULL)
				continue;
			tohex(b, n, big);
			CHECK_STR(big, vec_hex(ids[i]));
			free(b);
			json_decref(j);
		}
	}

	TEST("tm: bad setups get the RFC's code and a diagnostic") {
		uint8_t b[64];
		size_t n;
		json_t *got;

		/* unit 99 is no unit (CBOR: only the number travels) */
		n = unhex("a118cba1188181a11888" "81a3188965" "6c696e6b31"
		    "18be1901f4" "18861863", b);
		memset(&err, 0, sizeof(err));
		CHECK(dots_tm_decode_setup(b, n, s, &got, &err) == -1 &&
		    err.coap == 400);
		CHECK_STR(err.msg, "unknown unit 99");
		/* a link-id "a\0b": a NUL in a text string (fuzz_tm found a
		 * body whose string a C-string reader saw shorter) */
		n = unhex("a118cba1188181a11888" "81a3188963" "610062"
		    "18be1901f4" "188608", b);
		memset(&err, 0, sizeof(err));
		CHECK(dots_tm_decode_setup(b, n, s, &got, &err) == -1 &&
		    err.coap == 400);
		CHECK_STR(err.msg, "text string contains a NUL byte");
		CHECK(setup_entry("{\"current-config\":{\"low-percentile\":"
		    "\"50.00\",\"mid-percentile\":\"40.00\"}}", s, &err) ==
		    -1 && err.coap == 400 &&
		    strstr(err.msg, "percentile out of order") != NULL);
		CHECK(setup_entry("{\"current-config\":{\"mid-percentile\":"
		    "\"50.00\",\"high-percentile\":\"40.00\"}}", s, &err) ==
		    -1 && err.coap == 400 &&
		    strstr(err.msg, "percentile out of order") != NULL);
		CHECK(setup_entry("{\"current-config\":{\"high-percentile\":"
		    "\"100.01\"}}", s, &err) == -1 && err.coap == 422);
		CHECK(setup_entry("{\"current-config\":{"
		    "\"telemetry-notify-interval\":0}}", s, &err) == -1 &&
		    err.coap == 422);
		CHECK(setup_entry("{\"current-config\":{"
		    "\"measurement-interval\":\"5-minutes\","
		    "\"measurement-sample\":\"hour\"}}", s, &err) == -1 &&
		    err.coap == 422);
		CHECK(setup_entry("{\"current-config\":{\"unit-config\":["
		    "{\"unit\":\"bit-ps\",\"unit-status\":true},"
		    "{\"unit\":\"byte-ps\",\"unit-status\":true}]}}", s,
		    &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "bit-ps and byte-ps") != NULL);
		CHECK(setup_entry("{\"current-config\":{\"unit-config\":["
		    "{\"unit\":\"megabit-ps\",\"unit-status\":true}]}}", s,
		    &err) == -1 && err.coap == 400);
		CHECK(setup_entry("{\"current-config\":{},"
		    "\"total-pipe-capacity\":[{\"link-id\":\"l\","
		    "\"capacity\":\"1\",\"unit\":\"bit-ps\"}]}", s, &err) ==
		    -1 && err.coap == 400 && strstr(err.msg, "exactly one")
		    != NULL);
		CHECK(setup_entry("{\"total-pipe-capacity\":[{\"link-id\":"
		    "\"l\",\"capacity\":\"0\",\"unit\":\"bit-ps\"}]}", s,
		    &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "capacity 0") != NULL);
		CHECK(setup_entry("{\"total-pipe-capacity\":[{\"link-id\":"
		    "\"l\",\"unit\":\"bit-ps\"}]}", s, &err) == -1 &&
		    err.coap == 400 && strstr(err.msg, "'capacity'") != NULL);
		CHECK(setup_entry("{\"tsid\":3,\"current-config\":{}}", s,
		    &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "tsid") != NULL);
		CHECK(setup_entry("{\"baseline\":[{\"id\":1,\"target-prefix\":"
		    "[\"127.0.0.1/32\"]}]}", s, &err) == -1 &&
		    err.coap == 400);
		CHECK(setup_entry("{\"baseline\":[{\"id\":1,\"peak-g\":\"1\"}]}",
		    s, &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "unexpected 'peak-g'") != NULL);
		CHECK(setup_entry("{\"baseline\":[{\"id\":1,"
		    "\"total-traffic-normal\":[{\"unit\":\"bit-ps\","
		    "\"peak-g\":\"x\"}]}]}", s, &err) == -1 &&
		    err.coap == 400);
	}

	TEST("tm: bad telemetry reports get 4.00") {
		CHECK(report_entry("{\"total-traffic\":[{\"unit\":\"bit-ps\","
		    "\"peak-g\":\"1\"}]}", r, &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "'target'") != NULL);
		CHECK(report_entry("{\"target\":{\"target-protocol\":[6]}}",
		    r, &err) == -1 && err.coap == 400);
		CHECK(report_entry("{\"target\":{\"target-prefix\":"
		    "[\"192.0.2.0/24\"]},\"attack-detail\":[{\"attack-id\":1}]}",
		    r, &err) == -1 && err.coap == 400 &&
		    strstr(err.msg, "vendor-id") != NULL);
		CHECK(report_entry("{\"target\":{\"target-prefix\":"
		    "[\"192.0.2.0/24\"]},\"total-attack-traffic\":[{\"unit\":"
		    "\"bit-ps\",\"peak-g\":\"1\",\"bogus\":1}]}", r, &err) ==
		    -1 && err.coap == 400);
		CHECK(report_entry("{\"target\":{\"target-prefix\":"
		    "[\"192.0.2.0/24\"]},\"total-attack-traffic\":[{\"unit\":"
		    "\"kilobyte-ps\",\"peak-g\":\"2\"}]}", r, &err) == 0);
		{
			uint64_t bps, pps;
			struct dots_tm_target t = { 0 };

			prefix_parse("192.0.2.7/32", &t.prefix[0]);
			t.n_prefix = 1;
			dots_tm_report_volume(r, &t, &bps, &pps);
			CHECK(bps == 16000);
			prefix_parse("198.51.100.0/24", &t.prefix[0]);
			dots_tm_report_volume(r, &t, &bps, &pps);
			CHECK(bps == 0);
		}
	}

	TEST("tm: units scale by class and saturate") {
		CHECK(dots_tm_unit_class(1) == 1 && dots_tm_unit_class(2) == 2 &&
		    dots_tm_unit_class(3) == 3 && dots_tm_unit_class(7) == 1 &&
		    dots_tm_unit_class(11) == 2 && dots_tm_unit_class(24) == 3 &&
		    dots_tm_unit_class(0) == 0 && dots_tm_unit_class(25) == 0);
		CHECK(dots_tm_unit_scale(5, 3) == 3000);	/* kilobit */
		CHECK(dots_tm_unit_scale(12, 1) == 8000000000ull); /* GB/s */
		CHECK(dots_tm_unit_scale(24, 1000) == UINT64_MAX);
	}

	TEST("tm: paths") {
		static const char *const p1[] = { ".well-known", "dots",
		    "tm-setup", "cuid=dz6pHjaADkaFTbjr0JGBpw", "tsid=123" };
		static const char *const p2[] = { ".well-known", "dots", "tm",
		    "cuid=abc" };
		static const char *const p3[] = { ".well-known", "dots", "tm",
		    "cuid=abc", "tmid=x" };
		static const char *const p4[] = { ".well-known", "dots",
		    "mitigate", "cuid=abc" };
		static const char *const p5[] = { ".well-known", "dots",
		    "tm-setup", "cuid=abc", "mid=1" };
		static const char *const p6[] = { ".well-known", "dots", "tm" };
		struct dots_tm_path tp;
		char buf[256];
		int rc;

		tp = path_of(p1, 5, &rc, &err);
		CHECK(rc == 1 && tp.res == DOTS_TM_RES_SETUP && tp.has_id &&
		    tp.id == 123);
		CHECK(dots_tm_path_format(&tp, buf, sizeof(buf)) == 0);
		CHECK_STR(buf, ".well-known/dots/tm-setup/"
		    "cuid=dz6pHjaADkaFTbjr0JGBpw/tsid=123");
		tp = path_of(p2, 4, &rc, &err);
		CHECK(rc == 1 && tp.res == DOTS_TM_RES_TM && !tp.has_id);
		tp = path_of(p3, 5, &rc, &err);
		CHECK(rc == -1 && err.coap == 400);
		tp = path_of(p4, 4, &rc, &err);
		CHECK(rc == 0);
		tp = path_of(p5, 5, &rc, &err);
		CHECK(rc == -1 && err.coap == 400);
		tp = path_of(p6, 3, &rc, &err);
		CHECK(rc == -1 && err.coap == 400);
	}

	free(s);
	free(r);
	return UNIT_EXIT();
}
