/*
 * Unit tests of policies/tm_volume.c: attack volume from telemetry only
 * when the request gave none; reported attack traffic first, then what
 * the baseline leaves of the pipe.
 */
#include "policies/tm_volume.h"
#include "unit.h"

int
main(void)
{
	TEST("tm volume: the request's own volume stays") {
		struct pol_volume v = { 5, 6, true };
		struct pol_tm tm = { 100, 200, 1000, 10 };

		CHECK(!pol_volume_from_telemetry(&v, &tm));
		CHECK(v.bps == 5 && v.pps == 6);
	}
	TEST("tm volume: reported attack traffic replaces the default") {
		struct pol_volume v = { 1, 2, false };
		struct pol_tm tm = { 900000000, 0, 1000, 10 };

		CHECK(pol_volume_from_telemetry(&v, &tm));
		CHECK(v.bps == 900000000 && v.pps == 2);
	}
	TEST("tm volume: no report: pipe minus baseline") {
		struct pol_volume v = { 1, 2, false };
		struct pol_tm tm = { 0, 0, 500000000, 60000000 };

		CHECK(pol_volume_from_telemetry(&v, &tm));
		CHECK(v.bps == 440000000 && v.pps == 2);
	}
	TEST("tm volume: nothing known: the default stays") {
		struct pol_volume v = { 1, 2, false };
		struct pol_tm tm = { 0, 0, 10, 20 };

		CHECK(!pol_volume_from_telemetry(&v, &tm));
		CHECK(v.bps == 1 && v.pps == 2);
	}
	return UNIT_EXIT();
}
