/*
 * Per-peer authorization of a mitigation scope: may this peer ask to
 * protect these targets? Pure functions of (peer policy, scope).
 */
#ifndef DOTSGW_AUTHZ_H
#define DOTSGW_AUTHZ_H

#include <stdint.h>

#include "common/conf.h"
#include "common/dots_err.h"
#include "common/dots_msg.h"

/*
 * Every target-prefix inside one of the peer's prefixes, every port range
 * inside an allowed range, every protocol allowed, every FQDN (and the host
 * of every URI) under an allowed suffix or, for a URI with an address
 * literal, inside a prefix. 0, or -1 with err = 4.01 and a diagnostic
 * naming the target and the rule ("target-prefix 203.0.113.0/24 is outside
 * the prefixes of peer customer1").
 */
int	pol_authorize_scope(const struct conf_peer *peer,
	    const struct dots_scope *scope, struct dots_err *err);

/* The lifetime we grant for a requested one (-1 = indefinite). */
int64_t	pol_grant_lifetime(const struct conf_policy *pol, int64_t requested);

#endif
