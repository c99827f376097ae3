/* Unit tests of policies/capacity.c: attack volume, units, fits, usage. */
#include <stdlib.h>

#include <cbor.h>
#include <jansson.h>

#include "common/dots_codec.h"
#include "common/dots_json.h"
#include "policies/capacity.h"
#include "unit.h"
#include "unit_request.h"

static const struct conf_capacity defcap = {
	.bps = 10000000000ULL, .pps = 10000000, .rules = 0,
	.default_attack_bps = 1000000000, .default_attack_pps = 1000000,
};

/*
 * A request as a client sends it: RFC-style JSON with the given
 * total-attack-traffic array (NULL: none), to CBOR, through the codec.
 */
static int decode(const char *tat, struct dots_mitigation *m)
{
	char		 text[2048];

	snprintf(text, sizeof(text), "{\"ietf-dots-signal-channel:"
	    "mitigation-scope\":{\"scope\":[{\"target-prefix\":"
	    "[\"192.0.2.0/24\"],\"lifetime\":3600%s%s}]}}",
	    tat ? ",\"ietf-dots-telemetry:total-attack-traffic\":" : "",
	    tat ? tat : "");
	return unit_request(text, m);
}

/* The volume of a request carrying tat; want from_request as given. */
static void vol_of(const char *tat, uint64_t bps, uint64_t pps, bool from,
    int line)
{
	struct dots_mitigation m;
	struct pol_volume v;

	if (decode(tat, &m) == -1) {
		printf("  FAIL line %d: request did not build\n", line);
		unit_failed_here++;
		return;
	}
	pol_attack_volume(&m.scope[0], &defcap, &v);
	if (v.bps != bps || v.pps != pps || v.from_request != from) {
		printf("  FAIL line %d: %s\n    got bps %llu pps %llu from %d\n",
		    line, tat ? tat : "(none)", (unsigned long long)v.bps,
		    (unsigned long long)v.pps, v.from_request);
		unit_failed_here++;
	}
	dots_mitigation_free(&m);
}
#define VOL(tat, bps, pps, from) vol_of(tat, bps, pps, from, __LINE__)

/* A scope whose key 205 holds these raw CBOR bytes. */
static void vol_raw(const uint8_t *cb, size_t len, uint64_t bps,
    uint64_t pps, bool from, int line)
{
	struct dots_scope sc;
	struct dots_opt	 o = { 205, (uint8_t *)(uintptr_t)cb, len };
	struct pol_volume v;

	memset(&sc, 0, sizeof(sc));
	sc.opt.v = &o;
	sc.opt.n = 1;
	pol_attack_volume(&sc, &defcap, &v);
	if (v.bps != bps || v.pps != pps || v.from_request != from) {
		printf("  FAIL line %d: got bps %llu pps %llu from %d\n", line,
		    (unsigned long long)v.bps, (unsigned long long)v.pps,
		    v.from_request);
		unit_failed_here++;
	}
}
#define RAW(bytes, bps, pps, from) \
	vol_raw((const uint8_t *)(bytes), sizeof(bytes) - 1, bps, pps, from, \
	    __LINE__)

#define DB	1000000000ULL	/* the default bps */
#define DP	1000000ULL	/* the default pps */

static void test_volume_json(void)
{
	/* absent: defaults */
	VOL(NULL, DB, DP, false);
	/* RFC 9244 §7.1-style: one entry in megabit-ps */
	VOL("[{\"unit\":\"megabit-ps\",\"mid-percentile-g\":\"900\"}]",
	    900000000ULL, DP, true);
	/* peak-g wins over high, mid, low; then high over mid and low ... */
	VOL("[{\"unit\":\"gigabit-ps\",\"low-percentile-g\":\"1\","
	    "\"mid-percentile-g\":\"2\",\"high-percentile-g\":\"3\","
	    "\"peak-g\":\"12\"}]", 12000000000ULL, DP, true);
	VOL("[{\"unit\":\"gigabit-ps\",\"low-percentile-g\":\"1\","
	    "\"mid-percentile-g\":\"2\",\"high-percentile-g\":\"3\"}]",
	    3000000000ULL, DP, true);
	VOL("[{\"unit\":\"gigabit-ps\",\"low-percentile-g\":\"1\","
	    "\"mid-percentile-g\":\"2\"}]", 2000000000ULL, DP, true);
	VOL("[{\"unit\":\"gigabit-ps\",\"low-percentile-g\":\"1\"}]",
	    1000000000ULL, DP, true);
	/* one entry in bits, one in packets: both taken */
	VOL("[{\"unit\":\"megabit-ps\",\"peak-g\":\"2500\"},"
	    "{\"unit\":\"kilopacket-ps\",\"peak-g\":\"300\"}]",
	    2500000000ULL, 300000, true);
	/* several of a kind: the largest */
	VOL("[{\"unit\":\"gigabit-ps\",\"peak-g\":\"2\"},"
	    "{\"unit\":\"megabyte-ps\",\"peak-g\":\"500\"},"
	    "{\"unit\":\"packet-ps\",\"peak-g\":\"7\"},"
	    "{\"unit\":\"megapacket-ps\",\"peak-g\":\"3\"},"
	    "{\"unit\":\"kilobit-ps\",\"peak-g\":\"9\"}]",
	    4000000000ULL, 3000000, true);
	/* packets only: the bit rate stays the default */
	VOL("[{\"unit\":\"gigapacket-ps\",\"peak-g\":\"1\"}]",
	    DB, 1000000000ULL, true);
	/* an entry without a gauge yields nothing */
	VOL("[{\"unit\":\"gigabit-ps\"}]", DB, DP, false);
	VOL("[{\"unit\":\"gigabit-ps\"},{\"unit\":\"bit-ps\","
	    "\"peak-g\":\"0\"}]", 0, DP, true);
	/* a zero value is a value */
	VOL("[{\"unit\":\"gigabit-ps\",\"peak-g\":\"0\"}]", 0, DP, true);
	/* the largest gauge there is, in bytes: saturates */
	VOL("[{\"unit\":\"byte-ps\",\"peak-g\":\"18446744073709551615\"}]",
	    UINT64_MAX, DP, true);
}

/* Each of the 24 units, with the value 3. */
static void test_units(void)
{
	static const struct {
		uint8_t		 unit;
		uint64_t	 bps, pps;
	} t[] = {
		{ 1, DB, 3 }, { 2, 3, DP }, { 3, 24, DP },
		{ 4, DB, 3000 }, { 5, 3000, DP }, { 6, 24000, DP },
		{ 7, DB, 3000000 }, { 8, 3000000, DP }, { 9, 24000000, DP },
		{ 10, DB, 3000000000ULL }, { 11, 3000000000ULL, DP },
		{ 12, 24000000000ULL, DP },
		{ 13, DB, 3000000000000ULL }, { 14, 3000000000000ULL, DP },
		{ 15, 24000000000000ULL, DP },
		{ 16, DB, 3000000000000000ULL },
		{ 17, 3000000000000000ULL, DP },
		{ 18, 24000000000000000ULL, DP },
		{ 19, DB, 3000000000000000000ULL },
		{ 20, 3000000000000000000ULL, DP },
		{ 21, UINT64_MAX, DP },		/* 2.4e19 > 2^64 */
		{ 22, DB, UINT64_MAX }, { 23, UINT64_MAX, DP },
		{ 24, UINT64_MAX, DP },
	};
	uint8_t	 cb[16];
	size_t	 i, n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* [{134: unit, 143: 3}]; 24 takes a second byte */
		n = 0;
		cb[n++] = 0x81;
		cb[n++] = 0xa2;
		cb[n++] = 0x18;
		cb[n++] = 0x86;
		if (t[i].unit >= 24)
			cb[n++] = 0x18;
		cb[n++] = t[i].unit;
		cb[n++] = 0x18;
		cb[n++] = 0x8f;
		cb[n++] = 0x03;
		vol_raw(cb, n, t[i].bps, t[i].pps, true, 1000 + t[i].unit);
	}
	/* the same by name through the JSON table */
	VOL("[{\"unit\":\"terabyte-ps\",\"peak-g\":\"3\"}]",
	    24000000000000ULL, DP, true);
	VOL("[{\"unit\":\"zettabit-ps\",\"peak-g\":\"1\"}]",
	    UINT64_MAX, DP, true);
	VOL("[{\"unit\":\"exabit-ps\",\"peak-g\":\"18\"}]",
	    18000000000000000000ULL, DP, true);
	VOL("[{\"unit\":\"exabit-ps\",\"peak-g\":\"19\"}]", UINT64_MAX, DP,
	    true);
}

/* Hand-made CBOR that the codec would keep but that says nothing. */
static void test_malformed(void)
{
	struct pol_volume v;

	/* a map, not an array */
	RAW("\xa2\x18\x86\x08\x18\x8f\x03", DB, DP, false);
	/* an empty array */
	RAW("\x80", DB, DP, false);
	/* an array of a non-map */
	RAW("\x81\x03", DB, DP, false);
	/* no unit; unit 0; unit 25; unit as text */
	RAW("\x81\xa1\x18\x8f\x03", DB, DP, false);
	RAW("\x81\xa2\x18\x86\x00\x18\x8f\x03", DB, DP, false);
	RAW("\x81\xa2\x18\x86\x18\x19\x18\x8f\x03", DB, DP, false);
	RAW("\x81\xa2\x18\x86\x61\x38\x18\x8f\x03", DB, DP, false);
	/* peak-g as text: skipped, high-percentile-g (142) used */
	RAW("\x81\xa3\x18\x86\x08\x18\x8f\x61\x39\x18\x8e\x02",
	    2000000, DP, true);
	/* peak-g negative, nothing else */
	RAW("\x81\xa2\x18\x86\x08\x18\x8f\x20", DB, DP, false);
	/* a bad entry beside a good one */
	RAW("\x82\x05\xa2\x18\x86\x08\x18\x8f\x03", 3000000, DP, true);
	/* truncated, trailing bytes, indefinite array, not CBOR at all */
	RAW("\x81\xa2\x18\x86\x08\x18\x8f", DB, DP, false);
	RAW("\x81\xa2\x18\x86\x08\x18\x8f\x03\x00", DB, DP, false);
	RAW("\x9f\xa2\x18\x86\x08\x18\x8f\x03\xff", DB, DP, false);
	RAW("\xff", DB, DP, false);
	/* nothing at all; no scope at all */
	vol_raw((const uint8_t *)"", 0, DB, DP, false, __LINE__);
	pol_attack_volume(NULL, &defcap, &v);
	CHECK(v.bps == DB && v.pps == DP && !v.from_request);
}

static void test_fits(void)
{
	struct conf_capacity cap = defcap;
	struct pol_usage u = { 0, 0, 0 };
	struct pol_volume v = { 10000000000ULL, 10000000, true };

	/* exactly the capacity fits; one more bit or packet does not */
	CHECK(pol_capacity_fits(&cap, &u, &v));
	v.bps++;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	v.bps--;
	v.pps++;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	/* what is in use counts */
	u.bps = 2000000000ULL;
	v.bps = 8000000000ULL;
	v.pps = 1;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	v.bps++;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	u.bps = 0;
	u.pps = 9999999;
	v.bps = 1;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	v.pps = 2;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	/* no wrap-around near the top */
	cap.bps = UINT64_MAX;
	u.bps = UINT64_MAX - 5;
	u.pps = 0;
	v.bps = 6;
	v.pps = 1;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	v.bps = 5;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	/* more in use than the capacity (after a reload shrank it) */
	cap.bps = 100;
	u.bps = 200;
	v.bps = 0;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	/* a zero capacity absorbs nothing, but a zero volume fits */
	cap.bps = 0;
	u.bps = 0;
	v.bps = 1;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	v.bps = 0;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	cap.bps = defcap.bps;
	cap.pps = 0;
	v.bps = 1;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	/* rules: 0 is unlimited, else used + 1 <= rules */
	cap = defcap;
	u.bps = u.pps = 0;
	v.bps = v.pps = 1;
	u.rules = 4000000000U;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	cap.rules = 2;
	u.rules = 1;
	CHECK(pol_capacity_fits(&cap, &u, &v));
	u.rules = 2;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
	u.rules = 3;
	CHECK(!pol_capacity_fits(&cap, &u, &v));
}

static void test_usage(void)
{
	struct pol_usage u = { 0, 0, 0 };
	struct pol_volume a = { 3000, 30, true }, b = { 1000, 50, false };
	struct pol_volume big = { UINT64_MAX, UINT64_MAX, true };

	pol_usage_add(&u, &a);
	pol_usage_add(&u, &b);
	CHECK(u.bps == 4000 && u.pps == 80 && u.rules == 2);
	pol_usage_sub(&u, &a);
	CHECK(u.bps == 1000 && u.pps == 50 && u.rules == 1);
	/* never below zero */
	pol_usage_sub(&u, &a);
	CHECK(u.bps == 0 && u.pps == 20 && u.rules == 0);
	pol_usage_sub(&u, &b);
	CHECK(u.bps == 0 && u.pps == 0 && u.rules == 0);
	/* never past the top */
	pol_usage_add(&u, &a);
	pol_usage_add(&u, &big);
	CHECK(u.bps == UINT64_MAX && u.pps == UINT64_MAX && u.rules == 2);
	u.rules = UINT32_MAX;
	pol_usage_add(&u, &a);
	CHECK(u.rules == UINT32_MAX);
}

int main(void)
{
	TEST("capacity: volume from a CBOR-encoded request") test_volume_json();
	TEST("capacity: the 24 units") test_units();
	TEST("capacity: malformed attack information") test_malformed();
	TEST("capacity: fits") test_fits();
	TEST("capacity: usage add and sub") test_usage();
	return UNIT_EXIT();
}
