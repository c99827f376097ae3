/* The orchestrator's capability filter (policies/capable.c). */
#include <stdlib.h>
#include <string.h>

#include "policies/capable.h"
#include "unit.h"

int
main(void)
{
	struct dots_registration r;
	struct pol_volume v = { 5000000000ULL, 1000, true };
	struct pol_attacks at;
	struct dots_scope sc;
	/* [{202: 32473, 164: 1, 165: "udp-flood"}, {165: "SYN-flood"}] */
	uint8_t detail[] = { 0x82, 0xa3, 0x18, 0xca, 0x19, 0x7e, 0xd9, 0x18,
	    0xa4, 0x01, 0x18, 0xa5, 0x69, 'u', 'd', 'p', '-', 'f', 'l', 'o',
	    'o', 'd', 0xa1, 0x18, 0xa5, 0x69, 'S', 'Y', 'N', '-', 'f', 'l',
	    'o', 'o', 'd' };
	struct dots_opt o = { 207, detail, sizeof(detail) };
	char why[160];

	TEST("attack names from attack-detail") {
		memset(&sc, 0, sizeof(sc));
		sc.opt.v = &o;
		sc.opt.n = 1;
		pol_attacks_of(&sc, &at);
		CHECK(at.n == 2);
		CHECK_STR(at.name[0], "udp-flood");
		CHECK_STR(at.name[1], "SYN-flood");
		o.len = 5;		/* truncated: none, no crash */
		pol_attacks_of(&sc, &at);
		CHECK(at.n == 0);
		o.len = sizeof(detail);
	}

	TEST("capable: thresholds and attack types") {
		memset(&r, 0, sizeof(r));
		memset(&at, 0, sizeof(at));
		CHECK(pol_capable(&r, &v, &at, why, sizeof(why)));
		r.threshold_bps = 1000000000ULL;
		CHECK(!pol_capable(&r, &v, &at, why, sizeof(why)) &&
		    strstr(why, "threshold"));
		r.threshold_bps = 0;
		r.threshold_pps = 100;
		CHECK(!pol_capable(&r, &v, &at, why, sizeof(why)));
		r.threshold_pps = 0;
		strv_push(&r.attack_types, "syn-flood");
		pol_attacks_of(&sc, &at);
		CHECK(pol_capable(&r, &v, &at, why, sizeof(why)));	/* SYN */
		at.n = 1;		/* udp-flood only */
		CHECK(!pol_capable(&r, &v, &at, why, sizeof(why)) &&
		    strstr(why, "udp-flood"));
		at.n = 0;		/* the request names none */
		CHECK(pol_capable(&r, &v, &at, why, sizeof(why)));
		dots_registration_free(&r);
	}
	return UNIT_EXIT();
}
