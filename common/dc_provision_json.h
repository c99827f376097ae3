/*
 * The provisioning stage of draft-nishizuka-dots-inter-domain-mechanism
 * (§4.1) as an augmentation of RFC 8783's dots-client: the member
 * "dotsgw-provisioning:provisioning" of a dots-client entry (README.md
 * "Provisioning on the data channel"). Its members are those of the
 * signal channel's dotsgw:registration (common/dots_msg.h) with RFC 7951
 * types: uint64 as decimal strings, enums as names. A pure decoder of
 * untrusted input (tests/fuzz/fuzz_dc_provision.c) and its encoder.
 */
#ifndef DOTSGW_DC_PROVISION_JSON_H
#define DOTSGW_DC_PROVISION_JSON_H

#include <jansson.h>

#include "common/dc_err.h"
#include "common/dots_msg.h"

#define DC_PROV_MEMBER	"dotsgw-provisioning:provisioning"

/*
 * The provisioning object v into r (zeroed first, freed on error).
 * Unknown members are 400 unknown-element; wrong types, bad addresses or
 * prefixes, repeated or too many list values, and registration-time (the
 * orchestrator's) are 400 invalid-value. Whether the served prefixes are
 * the peer's is the caller's (403). 0 or -1.
 */
int	dc_decode_provisioning(const json_t *v, struct dots_registration *r,
	    struct dc_err *);

/* r as a provisioning object (registration-time included when set);
 * NULL when out of memory. */
json_t	*dc_encode_provisioning(const struct dots_registration *r);

#endif
