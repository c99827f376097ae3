/*
 * Attack volume from RFC 9244 telemetry when a request carries none: a
 * pure function of what the telemetry table says about the request's
 * targets and its client's setup (gateway/state/telemetry.h reads them).
 */
#ifndef DOTSGW_POL_TM_VOLUME_H
#define DOTSGW_POL_TM_VOLUME_H

#include <stdbool.h>
#include <stdint.h>

#include "policies/capacity.h"

/* What telemetry knows for one request, 0 = not known. */
struct pol_tm {
	uint64_t	attack_bps, attack_pps;	/* reported toward the targets */
	uint64_t	pipe_bps;		/* the client's total pipe */
	uint64_t	baseline_bps;		/* its normal peak toward them */
};

/*
 * A volume the request gave stays. Else the attack traffic reported
 * toward its targets; else, with a pipe capacity above the normal
 * baseline, what the baseline leaves of the pipe (a flood fills it);
 * else the configured default stays. Returns true when vol changed.
 */
bool	pol_volume_from_telemetry(struct pol_volume *vol,
	    const struct pol_tm *tm);

#endif
