/*
 * Attack volume and local capacity (policies/capacity.h).
 *
 * The volume comes from RFC 9244 total-attack-traffic (key 205), which
 * the codec keeps raw in scope->opt: an array of entries, each a unit
 * (134) and gauges low/mid/high-percentile-g and peak-g (140-143). An
 * entry yields its peak, else its high, mid or low percentile, scaled by
 * its unit; a client may send one entry in bits and one in packets, so
 * the largest bps and the largest pps across entries win. A dimension no
 * entry gives keeps the configured default: a request that says 2 Gbit/s
 * but nothing of packets still costs the default packet rate.
 */
#include <cbor.h>

#include "common/cbor_guard.h"
#include "capacity.h"

#define TM_TOTAL_ATTACK_TRAFFIC	205
#define TM_UNIT			134
#define TM_LOW_G		140
#define TM_PEAK_G		143

enum unit_class { UC_PACKET, UC_BIT, UC_BYTE };

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
	if (a != 0 && b > UINT64_MAX / a)
		return UINT64_MAX;
	return a * b;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/*
 * Units 1..24 run packet, bit, byte per decade of 10^3, from "-ps" to
 * zetta; zetta (10^21) does not fit in 64 bits and saturates.
 */
static int scale(uint64_t unit, uint64_t v, enum unit_class *cls,
    uint64_t *out)
{
	uint64_t	 m = 1;
	unsigned	 e;

	if (unit < 1 || unit > 24)
		return -1;
	*cls = (enum unit_class)((unit - 1) % 3);
	for (e = (unsigned)((unit - 1) / 3); e > 0; e--)
		m = mul_sat(m, 1000);
	*out = mul_sat(v, m);
	if (*cls == UC_BYTE)
		*out = mul_sat(*out, 8);
	return 0;
}

bool pol_map_uint(const cbor_item_t *map, uint64_t key, uint64_t *v)
{
	struct cbor_pair *pairs;

	if (!cbor_isa_map(map) || !cbor_map_is_definite(map))
		return false;
	pairs = cbor_map_handle(map);
	size_t		 i;

	for (i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_uint(pairs[i].key) &&
		    cbor_get_int(pairs[i].key) == key) {
			if (!cbor_isa_uint(pairs[i].value))
				return false;
			*v = cbor_get_int(pairs[i].value);
			return true;
		}
	return false;
}

/* One entry: its class and value, or -1 when it says nothing usable. */
static int entry_rate(const cbor_item_t *e, enum unit_class *cls,
    uint64_t *rate)
{
	uint64_t	 unit, v;
	uint64_t	 key;

	if (!cbor_isa_map(e) || !cbor_map_is_definite(e) ||
	    !pol_map_uint(e, TM_UNIT, &unit))
		return -1;
	for (key = TM_PEAK_G; key >= TM_LOW_G; key--)
		if (pol_map_uint(e, key, &v))
			return scale(unit, v, cls, rate);
	return -1;
}

void pol_attack_volume(const struct dots_scope *sc,
    const struct conf_capacity *cap, struct pol_volume *vol)
{
	const struct dots_opt *o;
	struct cbor_load_result res;
	struct dots_err	 err;
	cbor_item_t	*arr;
	enum unit_class	 cls;
	uint64_t	 r, bps = 0, pps = 0;
	bool		 has_bps = false, has_pps = false;
	size_t		 i;

	vol->bps = cap->default_attack_bps;
	vol->pps = cap->default_attack_pps;
	vol->from_request = false;
	o = sc != NULL ? dots_optv_get(&sc->opt, TM_TOTAL_ATTACK_TRAFFIC) :
	    NULL;
	if (o == NULL || o->cbor == NULL ||
	    cbor_guard_check(o->cbor, o->len, &err) == -1)
		return;
	if ((arr = cbor_load(o->cbor, o->len, &res)) == NULL)
		return;
	for (i = 0; cbor_isa_array(arr) && cbor_array_is_definite(arr) &&
	    i < cbor_array_size(arr); i++) {
		if (entry_rate(cbor_array_handle(arr)[i], &cls, &r) == -1)
			continue;
		if (cls == UC_PACKET) {
			pps = has_pps && pps > r ? pps : r;
			has_pps = true;
		} else {
			bps = has_bps && bps > r ? bps : r;
			has_bps = true;
		}
	}
	cbor_decref(&arr);
	if (has_bps)
		vol->bps = bps;
	if (has_pps)
		vol->pps = pps;
	vol->from_request = has_bps || has_pps;
}

static bool fits(uint64_t cap, uint64_t used, uint64_t v)
{
	return v <= cap && used <= cap - v;
}

bool pol_capacity_fits(const struct conf_capacity *cap,
    const struct pol_usage *used, const struct pol_volume *vol)
{
	if (!fits(cap->bps, used->bps, vol->bps) ||
	    !fits(cap->pps, used->pps, vol->pps))
		return false;
	return cap->rules == 0 || used->rules < cap->rules;
}

void pol_usage_add(struct pol_usage *u, const struct pol_volume *vol)
{
	u->bps = add_sat(u->bps, vol->bps);
	u->pps = add_sat(u->pps, vol->pps);
	if (u->rules < UINT32_MAX)
		u->rules++;
}

void pol_usage_sub(struct pol_usage *u, const struct pol_volume *vol)
{
	u->bps = u->bps > vol->bps ? u->bps - vol->bps : 0;
	u->pps = u->pps > vol->pps ? u->pps - vol->pps : 0;
	if (u->rules > 0)
		u->rules--;
}
