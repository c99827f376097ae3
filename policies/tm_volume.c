#include "policies/tm_volume.h"

bool
pol_volume_from_telemetry(struct pol_volume *vol, const struct pol_tm *tm)
{
	if (vol->from_request)
		return false;
	if (tm->attack_bps != 0 || tm->attack_pps != 0) {
		if (tm->attack_bps != 0)
			vol->bps = tm->attack_bps;
		if (tm->attack_pps != 0)
			vol->pps = tm->attack_pps;
		return true;
	}
	if (tm->pipe_bps > tm->baseline_bps) {
		vol->bps = tm->pipe_bps - tm->baseline_bps;
		return true;
	}
	return false;
}
