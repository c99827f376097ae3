/*
 * Offload by utilization with hysteresis (policies/offload.h).
 */
#include "offload.h"

static uint32_t
share(uint64_t used, uint64_t cap)
{
	uint64_t p;

	if (cap == 0)
		return 0;
	p = used <= UINT64_MAX / 100 ? used * 100 / cap :
	    used / (cap / 100 ? cap / 100 : 1);
	return p > 100000 ? 100000 : (uint32_t)p;
}

uint32_t
pol_utilization(const struct conf_capacity *cap, const struct pol_usage *u)
{
	uint32_t a = share(u->bps, cap->bps), b = share(u->pps, cap->pps),
	    c = share(u->rules, cap->rules);

	a = a > b ? a : b;
	return a > c ? a : c;
}

bool
pol_offload_update(struct pol_offload *st, const struct conf_offload *o,
    uint32_t util)
{
	bool was = st->active;

	if (o->high == 0)
		st->active = false;
	else if (util >= o->high)
		st->active = true;
	else if (util < o->low)
		st->active = false;
	return st->active != was;
}

bool
pol_offload_keep(const struct pol_offload *st, const struct conf_offload *o)
{
	return o->high == 0 || !st->active;
}

bool
pol_offload_take_back(const struct pol_offload *st,
    const struct conf_offload *o, const struct conf_capacity *cap,
    const struct pol_usage *used, const struct pol_volume *vol)
{
	struct pol_usage after = *used;

	if (st->active)
		return false;
	if (o->high == 0)
		return true;
	pol_usage_add(&after, vol);
	return pol_utilization(cap, &after) < o->high;
}

bool
pol_offload_shed(const struct conf_offload *o, uint32_t util)
{
	return o->high != 0 && o->running && util >= o->high;
}
