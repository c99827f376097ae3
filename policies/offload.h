/*
 * Mitigation offload by utilization (draft-hayashi-dots-dms-offload):
 * when what our mitigator holds reaches a high share of its declared
 * capacity, new mitigations go to the orchestrator or upstream instead,
 * and, optionally, the overflow of running ones too; once utilization is
 * below a lower threshold, offloaded mitigations are taken back. The gap
 * between the two thresholds is the hysteresis: one mitigation coming and
 * going near a single threshold cannot make it flap. Pure functions.
 */
#ifndef DOTSGW_OFFLOAD_H
#define DOTSGW_OFFLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "common/conf.h"
#include "capacity.h"

struct pol_offload {
	bool		 active;	/* above high, not yet below low */
};

/* Percent of the capacity used in its fullest dimension (bps, pps,
 * rules; a dimension with no capacity does not count). */
uint32_t pol_utilization(const struct conf_capacity *,
	    const struct pol_usage *);

/*
 * Move the state along with today's utilization: active from high up,
 * inactive again below low. Returns true when the state changed.
 */
bool	pol_offload_update(struct pol_offload *, const struct conf_offload *,
	    uint32_t util);

/* Whether a new mitigation may stay local: not while offloading (the
 * capacity check itself is pol_decide's). */
bool	pol_offload_keep(const struct pol_offload *, const struct conf_offload *);

/* Whether an offloaded mitigation of volume vol comes back: not
 * offloading, and taking it keeps utilization below high. */
bool	pol_offload_take_back(const struct pol_offload *,
	    const struct conf_offload *, const struct conf_capacity *,
	    const struct pol_usage *used, const struct pol_volume *vol);

/* Running ones must go: offloading of running overflow is on and
 * utilization is at or above high. */
bool	pol_offload_shed(const struct conf_offload *, uint32_t util);

#endif
