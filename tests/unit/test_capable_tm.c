/*
 * Unit tests of the RFC 9244 parts of policies/capable.c: an ISP that
 * registered an attack type as a vendor attack mapping id
 * ("vendor-id:attack-id") is capable of a request whose attack-detail
 * carries that pair and no description; names are added once.
 */
#include <stdlib.h>

#include "policies/capable.h"
#include "unit.h"

int
main(void)
{
	/* [{202: 32473, 164: 77, 166: 4}] */
	static uint8_t detail[] = { 0x81, 0xa3, 0x18, 0xca, 0x19, 0x7e, 0xd9,
	    0x18, 0xa4, 0x18, 0x4d, 0x18, 0xa6, 0x04 };
	struct dots_opt o = { 207, detail, sizeof(detail) };
	struct dots_scope sc;
	struct pol_attacks at;
	struct pol_volume v = { 1000, 10, true };
	struct dots_registration r;
	char *types[] = { "32473:77" }, *other[] = { "32473:78" };
	char why[160];

	memset(&sc, 0, sizeof(sc));
	sc.opt.v = &o;
	sc.opt.n = 1;
	TEST("capable: attack-detail ids become vendor-id:attack-id") {
		pol_attacks_of(&sc, &at);
		CHECK(at.n == 1);
		CHECK_STR(at.name[0], "32473:77");
	}
	TEST("capable: an ISP registered by mapping id is capable") {
		memset(&r, 0, sizeof(r));
		r.attack_types.v = types;
		r.attack_types.n = 1;
		CHECK(pol_capable(&r, &v, &at, why, sizeof(why)));
		r.attack_types.v = other;
		CHECK(!pol_capable(&r, &v, &at, why, sizeof(why)));
		CHECK_STR(why, "not capable of 32473:77");
	}
	TEST("capable: names are added once, case-insensitively") {
		memset(&at, 0, sizeof(at));
		pol_attacks_add(&at, "DNS-AMP");
		pol_attacks_add(&at, "dns-amp");
		pol_attacks_add(&at, "");
		CHECK(at.n == 1);
	}
	return UNIT_EXIT();
}
