/*
 * The orchestrator's capability filter (policies/capable.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cbor.h>

#include "common/cbor_guard.h"
#include "capable.h"

#define TM_ATTACK_DETAIL	207	/* ietf-dots-telemetry:attack-detail */
#define ATTACK_DESCRIPTION	165
#define ATTACK_ID		164
#define VENDOR_ID		202

void
pol_attacks_add(struct pol_attacks *out, const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > DOTS_REG_MAX_TEXT || out->n == POL_MAX_ATTACK_NAMES)
		return;
	for (size_t i = 0; i < out->n; i++)
		if (strcasecmp(out->name[i], name) == 0)
			return;
	memcpy(out->name[out->n++], name, n + 1);
}

/* RFC 9244 §8.1.6 vendor attack mapping: "vendor-id:attack-id". */
void
pol_attacks_add_ids(struct pol_attacks *out, uint32_t vendor,
    uint32_t attack)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu32 ":%" PRIu32, vendor, attack);
	pol_attacks_add(out, buf);
}

static void
detail_ids(cbor_item_t *d, struct pol_attacks *out)
{
	struct cbor_pair *p = cbor_map_handle(d);
	uint64_t vendor = 0, attack = 0;
	bool has_v = false, has_a = false;

	for (size_t i = 0; i < cbor_map_size(d); i++) {
		if (!cbor_isa_uint(p[i].key) || !cbor_isa_uint(p[i].value))
			continue;
		if (cbor_get_int(p[i].key) == VENDOR_ID) {
			vendor = cbor_get_int(p[i].value);
			has_v = true;
		} else if (cbor_get_int(p[i].key) == ATTACK_ID) {
			attack = cbor_get_int(p[i].value);
			has_a = true;
		}
	}
	if (has_v && has_a && vendor <= UINT32_MAX && attack <= UINT32_MAX)
		pol_attacks_add_ids(out, (uint32_t)vendor, (uint32_t)attack);
}

static void
one_detail(cbor_item_t *d, struct pol_attacks *out)
{
	struct cbor_pair *p;
	size_t n;

	if (!cbor_isa_map(d))
		return;
	p = cbor_map_handle(d);
	for (size_t i = 0; i < cbor_map_size(d); i++) {
		if (!cbor_isa_uint(p[i].key) ||
		    cbor_get_int(p[i].key) != ATTACK_DESCRIPTION ||
		    !cbor_isa_string(p[i].value) ||
		    !cbor_string_is_definite(p[i].value) ||
		    (n = cbor_string_length(p[i].value)) == 0 ||
		    n > DOTS_REG_MAX_TEXT || out->n == POL_MAX_ATTACK_NAMES)
			continue;
		memcpy(out->name[out->n], cbor_string_handle(p[i].value), n);
		out->name[out->n][n] = '\0';
		if (strlen(out->name[out->n]) == n)	/* no NUL inside */
			out->n++;
	}
	/* an attack-detail without a description names its attack by the
	 * mapping the agents exchanged (RFC 9244 §8.1.6) */
	for (size_t i = 0; i < cbor_map_size(d); i++)
		if (cbor_isa_uint(p[i].key) &&
		    cbor_get_int(p[i].key) == ATTACK_DESCRIPTION)
			return;
	detail_ids(d, out);
}

void
pol_attacks_of(const struct dots_scope *sc, struct pol_attacks *out)
{
	const struct dots_opt *o;
	struct cbor_load_result res;
	struct dots_err err;
	cbor_item_t *it;

	memset(out, 0, sizeof(*out));
	if (sc == NULL ||
	    (o = dots_optv_get(&sc->opt, TM_ATTACK_DETAIL)) == NULL ||
	    o->cbor == NULL || cbor_guard_check(o->cbor, o->len, &err) == -1 ||
	    (it = cbor_load(o->cbor, o->len, &res)) == NULL)
		return;
	if (cbor_isa_array(it) && cbor_array_is_definite(it))
		for (size_t i = 0; i < cbor_array_size(it); i++)
			one_detail(cbor_array_handle(it)[i], out);
	cbor_decref(&it);
}

static bool
registered(const struct dots_registration *r, const char *name)
{
	for (size_t i = 0; i < r->attack_types.n; i++)
		if (strcasecmp(r->attack_types.v[i], name) == 0)
			return true;
	return false;
}

bool
pol_capable(const struct dots_registration *r, const struct pol_volume *vol,
    const struct pol_attacks *at, char *why, size_t whylen)
{
	if (r->threshold_bps != 0 && vol->bps > r->threshold_bps) {
		snprintf(why, whylen, "%" PRIu64 " bit/s above its threshold "
		    "%" PRIu64, vol->bps, r->threshold_bps);
		return false;
	}
	if (r->threshold_pps != 0 && vol->pps > r->threshold_pps) {
		snprintf(why, whylen, "%" PRIu64 " pkt/s above its threshold "
		    "%" PRIu64, vol->pps, r->threshold_pps);
		return false;
	}
	if (at->n == 0 || r->attack_types.n == 0)
		return true;
	for (size_t i = 0; i < at->n; i++)
		if (registered(r, at->name[i]))
			return true;
	snprintf(why, whylen, "not capable of %s%s", at->name[0],
	    at->n > 1 ? " (nor the others named)" : "");
	return false;
}
