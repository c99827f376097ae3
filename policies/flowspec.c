/*
 * Local mitigator rules from a mitigation scope (policies/flowspec.h).
 *
 * The call-home source attributes (RFC 9066, keys 32768-32770) and the
 * telemetry attack-detail (RFC 9244, key 207) are comprehension-optional,
 * so the codec keeps them raw in scope->opt; they are read here with the
 * same guard as every untrusted CBOR.
 */
#include <string.h>

#include <cbor.h>

#include "common/cbor_guard.h"
#include "common/dots_keys.h"
#include "capacity.h"
#include "flowspec.h"

static cbor_item_t *
opt_load(const struct dots_scope *s, uint64_t key)
{
	const struct dots_opt *o = dots_optv_get(&s->opt, key);
	struct cbor_load_result res;
	struct dots_err	 err;

	if (o == NULL || o->cbor == NULL ||
	    cbor_guard_check(o->cbor, o->len, &err) == -1)
		return NULL;
	return cbor_load(o->cbor, o->len, &res);
}

static bool
is_array(const cbor_item_t *it)
{
	return it != NULL && cbor_isa_array(it) && cbor_array_is_definite(it);
}

unsigned
pol_attack_severity(const struct dots_scope *s)
{
	cbor_item_t	*arr = opt_load(s, TM_ATTACK_DETAIL);
	uint64_t	 v;
	unsigned	 best = 0;

	for (size_t i = 0; is_array(arr) && i < cbor_array_size(arr); i++) {
		if (!pol_map_uint(cbor_array_handle(arr)[i], TM_ATTACK_SEVERITY,
		    &v) || v < 1 || v > 5)
			continue;
		/* unknown (5) only when nothing more precise is given */
		if (best == 0 || best == 5 || (v != 5 && v > best))
			best = (unsigned)v;
	}
	if (arr != NULL)
		cbor_decref(&arr);
	return best;
}

unsigned
pol_action(const struct conf_mitigator *mc, const struct conf_policy *pol,
    unsigned severity)
{
	unsigned want = mc->severity_action[severity < CONF_SEVERITIES ?
	    severity : 0];

	/* CONF_ACT_* bits are ordered weakest first */
	for (; want != 0; want >>= 1)
		if (pol->mitigation_actions & want)
			return want;
	return 0;
}

const char *
pol_action_name(unsigned action)
{
	switch (action) {
	case CONF_ACT_RATE_LIMIT:
		return "rate-limit";
	case CONF_ACT_DISCARD:
		return "discard";
	case CONF_ACT_RTBH:
		return "rtbh";
	default:
		return "none";
	}
}

/* Source prefixes (32768): an array of text, each a valid prefix. */
static int
sources(const struct dots_scope *s, struct prefix *out, size_t *n,
    const char **why)
{
	cbor_item_t	*arr;
	char		 buf[PREFIX_STRLEN];
	int		 r = 0;

	*n = 0;
	if (dots_optv_get(&s->opt, DK_SOURCE_PREFIX) == NULL)
		return 0;
	if (!is_array(arr = opt_load(s, DK_SOURCE_PREFIX))) {
		r = -1;
		goto done;
	}
	for (size_t i = 0; i < cbor_array_size(arr); i++) {
		cbor_item_t *e = cbor_array_handle(arr)[i];
		size_t len;

		if (*n == POL_RULES_MAX || !cbor_isa_string(e) ||
		    !cbor_string_is_definite(e) ||
		    (len = cbor_string_length(e)) >= sizeof(buf)) {
			r = -1;
			break;
		}
		memcpy(buf, cbor_string_handle(e), len);
		buf[len] = '\0';
		if (prefix_parse(buf, &out[*n]) == -1) {
			r = -1;
			break;
		}
		(*n)++;
	}
done:
	if (r == -1)
		*why = "malformed or too many ietf-dots-call-home:source-prefix";
	if (arr != NULL)
		cbor_decref(&arr);
	return r;
}

/* Ranges (32769: lower-port 8/upper-port 9; 32770: lower-type 32771/
 * upper-type 32772) as pairs of uint; upper defaults to lower. */
static int
ranges(const struct dots_scope *s, uint64_t key, uint64_t klo, uint64_t khi,
    uint64_t max, uint64_t lo[POL_RULE_MAX_TERMS],
    uint64_t hi[POL_RULE_MAX_TERMS], size_t *n)
{
	cbor_item_t	*arr;
	int		 r = 0;

	*n = 0;
	if (dots_optv_get(&s->opt, key) == NULL)
		return 0;
	if (!is_array(arr = opt_load(s, key)))
		r = -1;
	for (size_t i = 0; r == 0 && i < cbor_array_size(arr); i++) {
		cbor_item_t *e = cbor_array_handle(arr)[i];

		if (*n == POL_RULE_MAX_TERMS || !pol_map_uint(e, klo, &lo[*n])) {
			r = -1;
			break;
		}
		if (!pol_map_uint(e, khi, &hi[*n]))
			hi[*n] = lo[*n];
		if (lo[*n] > hi[*n] || hi[*n] > max) {
			r = -1;
			break;
		}
		(*n)++;
	}
	if (arr != NULL)
		cbor_decref(&arr);
	return r;
}

int
pol_rules_build(const struct dots_scope *s, unsigned act,
    const struct conf_mitigator *mc, struct pol_rule *out, size_t *n,
    const char **why)
{
	struct prefix	 src[POL_RULES_MAX];
	uint64_t	 lo[POL_RULE_MAX_TERMS], hi[POL_RULE_MAX_TERMS];
	struct pol_rule	 base;
	size_t		 n_src, n_sp, n_ic, i, j;

	*n = 0;
	if (s->n_target_prefix == 0) {
		*why = "a BGP rule needs a target-prefix";
		return -1;
	}
	memset(&base, 0, sizeof(base));
	base.action = act;
	if (act == CONF_ACT_RATE_LIMIT)
		base.rate = mc->rate_limit;
	if (act == CONF_ACT_RTBH) {
		if (s->n_target_prefix > POL_RULES_MAX) {
			*why = "too many target-prefix for one mitigation";
			return -1;
		}
		for (i = 0; i < s->n_target_prefix; i++) {
			out[i] = base;
			out[i].dst = s->target_prefix[i];
		}
		*n = s->n_target_prefix;
		return 0;
	}
	if (s->n_target_protocol > POL_RULE_MAX_TERMS ||
	    s->n_target_port_range > POL_RULE_MAX_TERMS) {
		*why = "too many target-protocol or target-port-range for one "
		    "flowspec rule";
		return -1;
	}
	/* memcpy's source must not be NULL, even for 0 bytes */
	for (i = 0; i < s->n_target_protocol; i++)
		base.proto[i] = s->target_protocol[i];
	base.n_proto = s->n_target_protocol;
	for (i = 0; i < s->n_target_port_range; i++)
		base.dport[i] = s->target_port_range[i];
	base.n_dport = s->n_target_port_range;
	if (sources(s, src, &n_src, why) == -1)
		return -1;
	if (ranges(s, DK_SOURCE_PORT_RANGE, DK_LOWER_PORT, DK_UPPER_PORT,
	    65535, lo, hi, &n_sp) == -1) {
		*why = "malformed or too many ietf-dots-call-home:"
		    "source-port-range";
		return -1;
	}
	for (i = 0; i < n_sp; i++) {
		base.sport[i].lower = (uint16_t)lo[i];
		base.sport[i].upper = (uint16_t)hi[i];
	}
	base.n_sport = n_sp;
	if (ranges(s, DK_SOURCE_ICMP_TYPE_RANGE, 32771, 32772, 255, lo, hi,
	    &n_ic) == -1) {
		*why = "malformed or too many ietf-dots-call-home:"
		    "source-icmp-type-range";
		return -1;
	}
	for (i = 0; i < n_ic; i++) {
		base.icmp[i].lower = (uint8_t)lo[i];
		base.icmp[i].upper = (uint8_t)hi[i];
	}
	base.n_icmp = n_ic;
	for (i = 0; i < s->n_target_prefix; i++) {
		for (j = 0; j < (n_src ? n_src : 1); j++) {
			if (n_src && src[j].family !=
			    s->target_prefix[i].family)
				continue;
			if (*n == POL_RULES_MAX) {
				*why = "more than 64 target/source prefix "
				    "pairs";
				return -1;
			}
			out[*n] = base;
			out[*n].dst = s->target_prefix[i];
			if (n_src) {
				out[*n].has_src = true;
				out[*n].src = src[j];
			}
			(*n)++;
		}
	}
	if (*n == 0) {
		*why = "no source-prefix of a target-prefix's address family";
		return -1;
	}
	return 0;
}

bool
pol_rules_fit(const struct conf_mitigator *mc, const struct conf_policy *pol,
    uint32_t peer_used, uint32_t total_used, size_t n)
{
	return n <= pol->max_rules && peer_used <= pol->max_rules - n &&
	    n <= mc->max_rules && total_used <= mc->max_rules - n;
}
