/*
 * CBOR codec for DOTS signal-channel bodies (RFC 9132 §3-4, RFC 9133).
 *
 * Decoding: cbor_guard_check() first (libcbor trusts declared lengths),
 * then cbor_load() and a walk of the item tree with one function per YANG
 * container. Encoding: a small writer of our own, so integer widths are
 * always the shortest form and kept-aside raw attributes can be spliced in
 * as they came.
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_guard.h"
#include "dots_codec.h"
#include "dots_keys.h"

/* Which container a scope map is: mitigation scope or conflict-scope. */
enum scope_kind { SCOPE_MAIN, SCOPE_CONFLICT };

struct dec {
	enum dots_dir	 dir;
	struct dots_err	*err;
	char		 kb[80];
	char		 kb2[80];
};

static int dec_scope(struct dec *, uint64_t, cbor_item_t *,
    struct dots_scope *, enum scope_kind);

static const char *
kd(struct dec *d, uint64_t key)
{
	return dots_key_describe(key, d->kb, sizeof(d->kb));
}

static int
bad(struct dec *d, const char *fmt, uint64_t key)
{
	return dots_errf(d->err, 400, fmt, kd(d, key));
}

static cbor_item_t *
load_limits(const uint8_t *buf, size_t len, size_t max_len, size_t max_items,
    struct dots_err *err)
{
	struct cbor_load_result res;
	cbor_item_t *it;

	if (cbor_guard_check_limits(buf, len, max_len, max_items, err) == -1)
		return NULL;
	it = cbor_load(buf, len, &res);
	if (it == NULL) {
		dots_errf(err, 400, "malformed CBOR at byte %zu",
		    res.error.position);
		return NULL;
	}
	if (res.read != len) {
		cbor_decref(&it);
		dots_errf(err, 400, "trailing bytes after the CBOR item at "
		    "byte %zu", res.read);
		return NULL;
	}
	return it;
}

static cbor_item_t *
load(const uint8_t *buf, size_t len, struct dots_err *err)
{
	return load_limits(buf, len, CBOR_GUARD_MAX_LEN, CBOR_GUARD_MAX_ITEMS,
	    err);
}

/*
 * libcbor 0.8's cbor_is_null() and cbor_is_bool() assert() when handed a
 * float, so untrusted items are checked for "simple value" first.
 */
static bool
is_ctrl(cbor_item_t *v, uint8_t ctrl)
{
	return cbor_isa_float_ctrl(v) && cbor_float_ctrl_is_ctrl(v) &&
	    cbor_ctrl_value(v) == ctrl;
}

/* Interop pitfall: some peers send null or [] for "not there". */
static bool
absent(cbor_item_t *v)
{
	return is_ctrl(v, CBOR_CTRL_NULL) ||
	    (cbor_isa_array(v) && cbor_array_size(v) == 0);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * A map of the container "key": integer keys only, each at most once
 * (libcbor accepts duplicates silently).
 */
static int
check_map(struct dec *d, uint64_t key, cbor_item_t *m)
{
	struct cbor_pair *p;
	uint64_t *keys;
	size_t i, n = 0;
	int rc = 0;

	if (!cbor_isa_map(m))
		return key ? bad(d, "%s must be a map", key) :
		    dots_errf(d->err, 400, "body must be a CBOR map");
	n = cbor_map_size(m);
	p = cbor_map_handle(m);
	if (n == 0)
		return 0;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (!cbor_isa_uint(p[i].key))
			rc = key ? bad(d, "non-integer key in %s", key) :
			    dots_errf(d->err, 400, "non-integer key");
		else
			keys[i] = cbor_get_int(p[i].key);
	}
	if (rc == 0)
		qsort(keys, n, sizeof(*keys), cmp_u64);
	for (i = 1; i < n && rc == 0; i++)
		if (keys[i] == keys[i - 1])
			rc = bad(d, "duplicate key %s", keys[i]);
	free(keys);
	return rc;
}

static int
keep_opt(struct dec *d, struct dots_optv *ov, uint64_t key, cbor_item_t *v)
{
	struct dots_opt *nv;
	unsigned char *raw = NULL;
	size_t cap = 0, len;

	if ((len = cbor_serialize_alloc(v, &raw, &cap)) == 0)
		return dots_errf(d->err, 500, "out of memory");
	if ((nv = reallocarray(ov->v, ov->n + 1, sizeof(*nv))) == NULL) {
		free(raw);
		return dots_errf(d->err, 500, "out of memory");
	}
	ov->v = nv;
	nv[ov->n].key = key;
	nv[ov->n].cbor = raw;
	nv[ov->n].len = len;
	ov->n++;
	return 0;
}

/*
 * A key the container does not model. Comprehension-optional keys are
 * kept (or dropped when ov is NULL); anything else is a 4.00 (§6).
 */
static int
unknown(struct dec *d, uint64_t in, uint64_t key, cbor_item_t *v,
    struct dots_optv *ov)
{
	if (dots_key_is_optional(key))
		return ov != NULL ? keep_opt(d, ov, key, v) : 0;
	if (dots_key_by_num(key) == NULL)
		return dots_errf(d->err, 400,
		    "unknown comprehension-required key %llu",
		    (unsigned long long)key);
	dots_key_describe(in, d->kb2, sizeof(d->kb2));
	return dots_errf(d->err, 400, "unexpected key %s in %s", kd(d, key),
	    in ? d->kb2 : "body");
}

/*
 * One member of a container: 0 taken, -1 error (err set), 1 not a member
 * of this container (walk() then hands it to unknown()).
 */
typedef int member_fn(struct dec *, uint64_t, cbor_item_t *, void *);

/*
 * Feed each present (not absent()) member of the checked map m of the
 * container "in" to fn; keys fn does not take go to unknown() with ov.
 */
static int
walk(struct dec *d, uint64_t in, cbor_item_t *m, member_fn *fn, void *ctx,
    struct dots_optv *ov)
{
	struct cbor_pair *p = cbor_map_handle(m);
	size_t i;
	uint64_t k;
	int rc;

	for (i = 0; i < cbor_map_size(m); i++) {
		k = cbor_get_int(p[i].key);
		if (absent(p[i].value))
			continue;
		rc = fn(d, k, p[i].value, ctx);
		if (rc == 1)
			rc = unknown(d, in, k, p[i].value, ov);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* check_map() then walk(). */
static int
dec_map(struct dec *d, uint64_t in, cbor_item_t *m, member_fn *fn,
    void *ctx, struct dots_optv *ov)
{
	if (check_map(d, in, m) == -1)
		return -1;
	return walk(d, in, m, fn, ctx, ov);
}

static int
get_uint(struct dec *d, uint64_t key, cbor_item_t *v, uint64_t max,
    uint64_t *out)
{
	if (!cbor_isa_uint(v))
		return bad(d, "%s must be an unsigned integer", key);
	*out = cbor_get_int(v);
	if (*out > max)
		return bad(d, "%s out of range", key);
	return 0;
}

static int
get_u32(struct dec *d, uint64_t key, cbor_item_t *v, uint32_t *out)
{
	uint64_t u = 0;

	if (get_uint(d, key, v, UINT32_MAX, &u) == -1)
		return -1;
	*out = (uint32_t)u;
	return 0;
}

static int
get_bool(struct dec *d, uint64_t key, cbor_item_t *v, bool *out)
{
	if (!is_ctrl(v, CBOR_CTRL_TRUE) && !is_ctrl(v, CBOR_CTRL_FALSE))
		return bad(d, "%s must be a boolean", key);
	*out = is_ctrl(v, CBOR_CTRL_TRUE);
	return 0;
}

static int
get_text(struct dec *d, uint64_t key, cbor_item_t *v, char **out)
{
	size_t n;
	const unsigned char *s;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return bad(d, "%s must be a text string", key);
	n = cbor_string_length(v);
	s = cbor_string_handle(v);
	if (n == 0)
		return bad(d, "empty value for %s", key);
	if (memchr(s, '\0', n) != NULL)
		return bad(d, "NUL byte in %s", key);
	if ((*out = strndup((const char *)s, n)) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	return 0;
}

/*
 * decimal64 with fraction-digits 2 (RFC 9132 YANG), CBOR tag 4 [exponent,
 * mantissa] (RFC 8949 §3.4.4), held as hundredths. RFC 9132 sends
 * [-2, m]; any other exponent is accepted when the value is exactly a
 * number of hundredths ([-1, 205] = 20.5 = [-2, 2050], [0, 3] = 3.00,
 * [-3, 2050] = 2.05), and we always answer [-2, m] (w_dec()). A value
 * with a third fraction digit ([-3, 2051]) or above UINT32_MAX
 * hundredths is a 4.00 saying so. The mantissa is an unsigned integer:
 * no parameter held here is negative, and no bignum is needed.
 */
static int
dec_hundredths(struct dec *d, uint64_t key, cbor_item_t *e, cbor_item_t *m,
    uint32_t *out)
{
	uint64_t v, n;

	if (!cbor_isa_uint(e) && !cbor_isa_negint(e))
		return bad(d, "%s: exponent must be an integer", key);
	if (!cbor_isa_uint(m))
		return bad(d, "%s: mantissa must be an unsigned integer", key);
	v = cbor_get_int(m);
	n = cbor_get_int(e);
	if (v == 0) {
		*out = 0;	/* 0 at any exponent */
		return 0;
	}
	if (cbor_isa_negint(e)) {
		/* exponent -1 - n: divide by 10^(n - 1) when n > 1, else
		 * multiply by 10^(1 - n); a nonzero uint64 has at most 19
		 * trailing zeros, so the loop ends within 20 turns */
		for (; n > 1; n--) {
			if (v % 10 != 0)
				return bad(d, "%s is not representable with two "
				    "fraction digits", key);
			v /= 10;
		}
		n = 1 - n;
	} else if (n > 7) {
		/* 10^(n + 2) > UINT32_MAX: beyond range for any v >= 1 */
		return bad(d, "%s out of range", key);
	} else
		n += 2;
	for (; n > 0; n--) {
		if (v > UINT32_MAX / 10)
			return bad(d, "%s out of range", key);
		v *= 10;
	}
	if (v > UINT32_MAX)
		return bad(d, "%s out of range", key);
	*out = (uint32_t)v;
	return 0;
}

static int
get_dec(struct dec *d, uint64_t key, cbor_item_t *v, uint32_t *out)
{
	cbor_item_t *t, **a;
	int rc = -1;

	if (!cbor_isa_tag(v) || cbor_tag_value(v) != 4)
		return bad(d, "%s must be a decimal fraction (tag 4)", key);
	t = cbor_tag_item(v);
	if (!cbor_isa_array(t) || cbor_array_size(t) != 2) {
		bad(d, "%s must be a decimal fraction (tag 4)", key);
		goto out;
	}
	a = cbor_array_handle(t);
	rc = dec_hundredths(d, key, a[0], a[1], out);
out:
	cbor_decref(&t);
	return rc;
}

static int
get_array(struct dec *d, uint64_t key, cbor_item_t *v, cbor_item_t ***a,
    size_t *n)
{
	if (!cbor_isa_array(v))
		return bad(d, "%s must be an array", key);
	*a = cbor_array_handle(v);
	*n = cbor_array_size(v);
	return 0;
}

static int
get_strv(struct dec *d, uint64_t key, cbor_item_t *v, struct strv *sv)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	char *s;

	if (get_array(d, key, v, &a, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (get_text(d, key, a[i], &s) == -1)
			return -1;
		if (strv_push(sv, s) == -1) {
			free(s);
			return dots_errf(d->err, 500, "out of memory");
		}
		free(s);
	}
	return 0;
}

/* An array of prefixes into a fresh *out; a bad one is a "code" error. */
static int
prefix_array(struct dec *d, uint64_t key, cbor_item_t *v, int code,
    struct prefix **out, size_t *nout)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	char *t;
	int rc = 0;

	if (get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (get_text(d, key, a[i], &t) == -1)
			return -1;
		if (prefix_parse(t, &(*out)[i]) == -1)
			rc = dots_errf(d->err, code, "invalid %s '%.60s'",
			    kd(d, key), t);
		else
			(*nout)++;
		free(t);
	}
	return rc;
}

static int
get_prefixes(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	return prefix_array(d, key, v, 400, &s->target_prefix,
	    &s->n_target_prefix);
}

static int
get_protocols(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	uint64_t u = 0;

	if (get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((s->target_protocol = calloc(n, 1)) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n; i++) {
		if (get_uint(d, key, a[i], 255, &u) == -1)
			return -1;
		s->target_protocol[s->n_target_protocol++] = (uint8_t)u;
	}
	return 0;
}

struct port_ctx {
	struct port_range	*r;
	bool			 has_lower, has_upper;
};

static int
port_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct port_ctx *pc = arg;
	uint64_t u = 0;

	if (k != DK_LOWER_PORT && k != DK_UPPER_PORT)
		return 1;
	if (get_uint(d, k, v, 65535, &u) == -1)
		return -1;
	if (k == DK_LOWER_PORT)
		pc->r->lower = (uint16_t)u, pc->has_lower = true;
	else
		pc->r->upper = (uint16_t)u, pc->has_upper = true;
	return 0;
}

/* One target-port-range entry: lower-port mandatory, upper >= lower. */
static int
get_port_range(struct dec *d, cbor_item_t *m, struct port_range *r)
{
	struct port_ctx pc = { .r = r };

	if (dec_map(d, DK_TARGET_PORT_RANGE, m, port_member, &pc, NULL) == -1)
		return -1;
	if (!pc.has_lower)
		return bad(d, "missing lower-port (8) in %s",
		    DK_TARGET_PORT_RANGE);
	if (!pc.has_upper)
		r->upper = r->lower;
	if (r->upper < r->lower)
		return bad(d, "upper-port below lower-port in %s",
		    DK_TARGET_PORT_RANGE);
	return 0;
}

static int
get_port_ranges(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;

	if (get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((s->target_port_range = calloc(n,
	    sizeof(*s->target_port_range))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n; i++) {
		if (get_port_range(d, a[i], &s->target_port_range[i]) == -1)
			return -1;
		s->n_target_port_range++;
	}
	return 0;
}

struct acl_ctx {
	uint64_t	 list;
	struct dots_acl	*acl;
};

static int
acl_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct acl_ctx *ac = arg;
	uint64_t u = 0;
	int rc;

	if (k == DK_ACL_NAME)
		return get_text(d, k, v, &ac->acl->acl_name);
	if (k == DK_ACL_TYPE && ac->list == DK_ACL_LIST)
		return get_text(d, k, v, &ac->acl->acl_type);
	if (k != DK_ACTIVATION_TYPE || ac->list != DK_ACL_LIST_9133)
		return 1;
	rc = get_uint(d, k, v, DOTS_ACT_DEACTIVATE, &u);
	if (rc == 0 && u == 0)
		rc = bad(d, "%s out of range", k);
	ac->acl->activation_type = (uint32_t)u;
	return rc;
}

/*
 * acl-list entry: {23 acl-name, 24 acl-type} in conflict-scope (key 22),
 * {23 acl-name, 52 activation-type} in an RFC 9133 request (key 53).
 */
static int
get_acl(struct dec *d, uint64_t list, cbor_item_t *m, struct dots_acl *acl)
{
	struct acl_ctx ac = { .list = list, .acl = acl };

	if (dec_map(d, list, m, acl_member, &ac, NULL) == -1)
		return -1;
	if (acl->acl_name == NULL)
		return bad(d, "missing acl-name (23) in %s", list);
	return 0;
}

static int
get_acl_list(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;

	if (s->n_acl_list > 0)
		return bad(d, "%s given twice (keys 22 and 53)", key);
	if (get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((s->acl_list = calloc(n, sizeof(*s->acl_list))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	s->acl_list_rfc9133 = key == DK_ACL_LIST_9133;
	for (i = 0; i < n; i++) {
		s->n_acl_list++;
		if (get_acl(d, key, a[i], &s->acl_list[i]) == -1)
			return -1;
	}
	return 0;
}

static int
get_lifetime(struct dec *d, uint64_t key, cbor_item_t *v, int64_t *out)
{
	if (cbor_isa_negint(v) && cbor_get_int(v) == 0) {
		*out = DOTS_LIFETIME_INDEFINITE;
		return 0;
	}
	if (!cbor_isa_uint(v) || cbor_get_int(v) > UINT32_MAX)
		return bad(d, "%s must be a uint32 or -1", key);
	*out = (int64_t)cbor_get_int(v);
	return 0;
}

static int
conflict_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_conflict *c = arg;
	int rc;

	switch (k) {
	case DK_CONFLICT_STATUS:
		return get_u32(d, k, v, &c->conflict_status);
	case DK_CONFLICT_CAUSE:
		return get_u32(d, k, v, &c->conflict_cause);
	case DK_RETRY_TIMER:
		rc = get_u32(d, k, v, &c->retry_timer);
		c->has_retry_timer = true;
		return rc;
	case DK_CONFLICT_SCOPE:
		if ((c->conflict_scope = calloc(1,
		    sizeof(*c->conflict_scope))) == NULL)
			return dots_errf(d->err, 500, "out of memory");
		return dec_scope(d, k, v, c->conflict_scope, SCOPE_CONFLICT);
	}
	return 1;
}

static int
get_conflict(struct dec *d, uint64_t key, cbor_item_t *m,
    struct dots_scope *s)
{
	if (check_map(d, key, m) == -1)
		return -1;
	if ((s->conflict = calloc(1, sizeof(*s->conflict))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	return walk(d, key, m, conflict_member, s->conflict, NULL);
}

/* Target members, shared by the mitigation scope and conflict-scope. */
static int
scope_target(struct dec *d, uint64_t k, cbor_item_t *v, struct dots_scope *s)
{
	switch (k) {
	case DK_TARGET_PREFIX:
		return get_prefixes(d, k, v, s);
	case DK_TARGET_PORT_RANGE:
		return get_port_ranges(d, k, v, s);
	case DK_TARGET_PROTOCOL:
		return get_protocols(d, k, v, s);
	case DK_TARGET_FQDN:
		return get_strv(d, k, v, &s->target_fqdn);
	case DK_TARGET_URI:
		return get_strv(d, k, v, &s->target_uri);
	case DK_ALIAS_NAME:
		return get_strv(d, k, v, &s->alias_name);
	}
	return 1;
}

static int
get_counter(struct dec *d, uint64_t k, cbor_item_t *v, struct dots_scope *s)
{
	static const struct {
		uint64_t key;
		uint32_t bit;
		size_t	 off;
	} c[] = {
		{ DK_MITIGATION_START, DOTS_SCOPE_MITIGATION_START,
		    offsetof(struct dots_scope, mitigation_start) },
		{ DK_BYTES_DROPPED, DOTS_SCOPE_BYTES_DROPPED,
		    offsetof(struct dots_scope, bytes_dropped) },
		{ DK_BPS_DROPPED, DOTS_SCOPE_BPS_DROPPED,
		    offsetof(struct dots_scope, bps_dropped) },
		{ DK_PKTS_DROPPED, DOTS_SCOPE_PKTS_DROPPED,
		    offsetof(struct dots_scope, pkts_dropped) },
		{ DK_PPS_DROPPED, DOTS_SCOPE_PPS_DROPPED,
		    offsetof(struct dots_scope, pps_dropped) },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (c[i].key != k)
			continue;
		s->present |= c[i].bit;
		return get_uint(d, k, v, UINT64_MAX,
		    (uint64_t *)(void *)((char *)s + c[i].off));
	}
	return 1;
}

/* Response-only members (status, counters, conflict) of a main scope. */
static int
scope_resp(struct dec *d, uint64_t k, cbor_item_t *v, struct dots_scope *s)
{
	int rc;

	if (k != DK_STATUS && k != DK_CONFLICT_INFORMATION &&
	    k != DK_MITIGATION_START && (k < DK_BYTES_DROPPED ||
	    k > DK_PPS_DROPPED))
		return 1;
	if (d->dir == DOTS_REQ)
		return bad(d, "%s must not appear in a request", k);
	if (k == DK_STATUS) {
		s->present |= DOTS_SCOPE_STATUS;
		return get_u32(d, k, v, &s->status);
	}
	if (k == DK_CONFLICT_INFORMATION)
		return get_conflict(d, k, v, s);
	rc = get_counter(d, k, v, s);
	return rc;
}

/* Members only a mitigation scope (not conflict-scope) may carry. */
static int
scope_main(struct dec *d, uint64_t k, cbor_item_t *v, struct dots_scope *s)
{
	int rc;

	switch (k) {
	case DK_LIFETIME:
		s->present |= DOTS_SCOPE_LIFETIME;
		return get_lifetime(d, k, v, &s->lifetime);
	case DK_ATTACK_STATUS:
		s->present |= DOTS_SCOPE_ATTACK_STATUS;
		return get_u32(d, k, v, &s->attack_status);
	case DK_TRIGGER_MITIGATION:
		s->present |= DOTS_SCOPE_TRIGGER;
		return get_bool(d, k, v, &s->trigger_mitigation);
	case DK_ACL_LIST_9133:
		return get_acl_list(d, k, v, s);
	}
	if ((rc = scope_resp(d, k, v, s)) != 1)
		return rc;
	return 1;
}

struct scope_ctx {
	struct dots_scope	*s;
	enum scope_kind		 kind;
};

static int
scope_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_scope *s = ((struct scope_ctx *)arg)->s;
	enum scope_kind kind = ((struct scope_ctx *)arg)->kind;
	int rc;

	if (k == DK_CDID || k == DK_CUID || (k == DK_MID &&
	    d->dir == DOTS_REQ && kind == SCOPE_MAIN))
		return dots_errf(d->err, 400, d->dir == DOTS_REQ ?
		    "cuid, cdid and mid must not appear in a request body" :
		    "cuid and cdid must not appear in a response body");
	if (k == DK_MID) {
		s->present |= DOTS_SCOPE_MID;
		return get_u32(d, k, v, &s->mid);
	}
	if ((rc = scope_target(d, k, v, s)) != 1)
		return rc;
	if (kind == SCOPE_CONFLICT && k == DK_ACL_LIST)
		return get_acl_list(d, k, v, s);
	if (kind == SCOPE_MAIN)
		return scope_main(d, k, v, s);
	return 1;
}

static int
dec_scope(struct dec *d, uint64_t in, cbor_item_t *m, struct dots_scope *s,
    enum scope_kind kind)
{
	struct scope_ctx sc = { .s = s, .kind = kind };

	return dec_map(d, in, m, scope_member, &sc,
	    kind == SCOPE_MAIN ? &s->opt : NULL);
}

static int
dec_scopes(struct dec *d, cbor_item_t *v, struct dots_mitigation *m)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;

	if (get_array(d, DK_SCOPE, v, &a, &n) == -1)
		return -1;
	if ((m->scope = calloc(n, sizeof(*m->scope))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n; i++) {
		m->n_scope++;
		if (dec_scope(d, DK_SCOPE, a[i], &m->scope[i], SCOPE_MAIN)
		    == -1)
			return -1;
	}
	return 0;
}

struct top_ctx {
	uint64_t	 want;
	cbor_item_t	*inner;
};

static int
top_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct top_ctx *tc = arg;

	if (k != tc->want)
		return 1;
	tc->inner = v;
	return 0;
}

/*
 * The outer map {key: {...}}: returns the inner map (borrowed), or NULL
 * with err set. Optional keys beside it are ignored.
 */
static cbor_item_t *
top_container(struct dec *d, cbor_item_t *root, uint64_t want)
{
	struct top_ctx tc = { .want = want };

	if (dec_map(d, 0, root, top_member, &tc, NULL) == -1)
		return NULL;
	if (tc.inner == NULL) {
		bad(d, "missing %s", want);
		return NULL;
	}
	if (check_map(d, want, tc.inner) == -1)
		return NULL;
	return tc.inner;
}

static int
mitigation_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	if (k != DK_SCOPE)
		return 1;
	return dec_scopes(d, v, arg);
}

static int
dec_mitigation(struct dec *d, cbor_item_t *root, struct dots_mitigation *m)
{
	cbor_item_t *c;

	if ((c = top_container(d, root, DK_MITIGATION_SCOPE)) == NULL)
		return -1;
	return walk(d, DK_MITIGATION_SCOPE, c, mitigation_member, m, &m->opt);
}

int
dots_decode_mitigation(const uint8_t *buf, size_t len, enum dots_dir dir,
    struct dots_mitigation *out, struct dots_err *err)
{
	struct dec d = { .dir = dir, .err = err };
	cbor_item_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	/* an answer may list every mitigation of a cuid (cbor_guard.h) */
	root = dir == DOTS_RESP ? load_limits(buf, len,
	    CBOR_GUARD_RESP_MAX_LEN, CBOR_GUARD_RESP_MAX_ITEMS, err) :
	    load(buf, len, err);
	if (root == NULL)
		return -1;
	rc = dec_mitigation(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		dots_mitigation_free(out);
	return rc;
}

/* Signal-config parameters in RFC 9132 Figure 20 order. */
static const struct cfg_desc {
	uint64_t	key;
	int		id;
	bool		dec;
} cfg_params[] = {
	{ DK_HEARTBEAT_INTERVAL, DOTS_CFG_HEARTBEAT_INTERVAL, false },
	{ DK_MISSING_HB_ALLOWED, DOTS_CFG_MISSING_HB_ALLOWED, false },
	{ DK_PROBING_RATE, DOTS_CFG_PROBING_RATE, false },
	{ DK_MAX_RETRANSMIT, DOTS_CFG_MAX_RETRANSMIT, false },
	{ DK_ACK_TIMEOUT, DOTS_CFG_ACK_TIMEOUT, true },
	{ DK_ACK_RANDOM_FACTOR, DOTS_CFG_ACK_RANDOM_FACTOR, true },
};
#define NCFG (sizeof(cfg_params) / sizeof(cfg_params[0]))

struct cfg_ctx {
	const struct cfg_desc	*cd;
	struct dots_cfg_param	*p;
};

static int
cfg_value(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	const struct cfg_desc *cd = ((struct cfg_ctx *)arg)->cd;
	struct dots_cfg_param *p = ((struct cfg_ctx *)arg)->p;
	uint64_t base = cd->dec ? DK_MAX_VALUE_DECIMAL : DK_MAX_VALUE;
	uint32_t *val[] = { &p->max, &p->min, &p->cur };
	bool *has[] = { &p->has_max, &p->has_min, &p->has_cur };
	uint64_t u = 0;
	size_t i;

	if (k < base || k > base + 2)
		return 1;
	i = k - base;
	*has[i] = true;
	if (cd->dec)
		return get_dec(d, k, v, val[i]);
	if (get_uint(d, k, v, 65535, &u) == -1)
		return -1;
	*val[i] = (uint32_t)u;
	return 0;
}

static int
cfg_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_cfg_set *set = arg;
	struct cfg_ctx cc;
	size_t j;

	for (j = 0; j < NCFG && cfg_params[j].key != k; j++)
		;
	if (j == NCFG)
		return 1;
	cc.cd = &cfg_params[j];
	cc.p = &set->p[cfg_params[j].id];
	return dec_map(d, k, v, cfg_value, &cc, NULL);
}

static int
sc_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_signal_config *sc = arg;

	switch (k) {
	case DK_SID:
		sc->has_sid = true;
		return get_u32(d, k, v, &sc->sid);
	case DK_MITIGATING_CONFIG:
		sc->has_mitigating = true;
		return dec_map(d, k, v, cfg_member, &sc->mitigating, NULL);
	case DK_IDLE_CONFIG:
		sc->has_idle = true;
		return dec_map(d, k, v, cfg_member, &sc->idle, NULL);
	}
	return 1;
}

static int
dec_signal_config(struct dec *d, cbor_item_t *root,
    struct dots_signal_config *sc)
{
	cbor_item_t *c;

	if ((c = top_container(d, root, DK_SIGNAL_CONFIG)) == NULL)
		return -1;
	return walk(d, DK_SIGNAL_CONFIG, c, sc_member, sc, NULL);
}

int
dots_decode_signal_config(const uint8_t *buf, size_t len, enum dots_dir dir,
    struct dots_signal_config *out, struct dots_err *err)
{
	struct dec d = { .dir = dir, .err = err };
	cbor_item_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((root = load(buf, len, err)) == NULL)
		return -1;
	rc = dec_signal_config(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	return rc;
}

struct hb_ctx {
	struct dots_heartbeat	*hb;
	bool			 seen;
};

static int
hb_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct hb_ctx *hc = arg;

	if (k != DK_PEER_HB_STATUS)
		return 1;
	hc->seen = true;
	return get_bool(d, k, v, &hc->hb->peer_hb_status);
}

int
dots_decode_heartbeat(const uint8_t *buf, size_t len,
    struct dots_heartbeat *out, struct dots_err *err)
{
	struct dec d = { .dir = DOTS_REQ, .err = err };
	struct hb_ctx hc = { .hb = out };
	cbor_item_t *root, *c;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = load(buf, len, err)) == NULL)
		return -1;
	if ((c = top_container(&d, root, DK_HEARTBEAT)) == NULL)
		goto out;
	if (walk(&d, DK_HEARTBEAT, c, hb_member, &hc, NULL) == -1)
		goto out;
	rc = hc.seen ? 0 : bad(&d, "missing %s", DK_PEER_HB_STATUS);
out:
	cbor_decref(&root);
	if (rc == -1)
		memset(out, 0, sizeof(*out));
	return rc;
}

static int
redirect_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_redirect *r = arg;

	if (k == DK_ALT_SERVER)
		return get_text(d, k, v, &r->alt_server);
	if (k == DK_ALT_SERVER_RECORD)
		return get_strv(d, k, v, &r->alt_server_record);
	return 1;
}

static int
dec_redirect(struct dec *d, cbor_item_t *root, struct dots_redirect *r)
{
	cbor_item_t *c;

	if ((c = top_container(d, root, DK_REDIRECTED_SIGNAL)) == NULL)
		return -1;
	if (walk(d, DK_REDIRECTED_SIGNAL, c, redirect_member, r, NULL) == -1)
		return -1;
	if (r->alt_server == NULL)
		return bad(d, "missing %s", DK_ALT_SERVER);
	return 0;
}

int
dots_decode_redirect(const uint8_t *buf, size_t len,
    struct dots_redirect *out, struct dots_err *err)
{
	struct dec d = { .dir = DOTS_RESP, .err = err };
	cbor_item_t *root;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((root = load(buf, len, err)) == NULL)
		return -1;
	rc = dec_redirect(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		dots_redirect_free(out);
	return rc;
}

/* ---- dotsgw:registration (private use, README.md "Orchestrator") ---- */

/* A name in a registration: short, printable, no spaces. */
static int
reg_word(struct dec *d, uint64_t k, const char *s)
{
	if (strlen(s) > DOTS_REG_MAX_TEXT)
		return dots_errf(d->err, 422, "%s longer than %d bytes",
		    kd(d, k), DOTS_REG_MAX_TEXT);
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return dots_errf(d->err, 422, "%s: only printable "
			    "ASCII without spaces", kd(d, k));
	return 0;
}

static int
reg_list(struct dec *d, uint64_t k, cbor_item_t *v, struct strv *sv)
{
	cbor_item_t **a = NULL;
	size_t i, j, n = 0;

	if (get_array(d, k, v, &a, &n) == -1)
		return -1;
	if (n > DOTS_REG_MAX_LIST)
		return dots_errf(d->err, 422, "more than %d values in %s",
		    DOTS_REG_MAX_LIST, kd(d, k));
	if (get_strv(d, k, v, sv) == -1)
		return -1;
	for (i = 0; i < sv->n; i++) {
		if (reg_word(d, k, sv->v[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(sv->v[j], sv->v[i]) == 0)
				return dots_errf(d->err, 422, "%s: '%s' given "
				    "twice", kd(d, k), sv->v[i]);
	}
	return 0;
}

static int
reg_prefixes(struct dec *d, uint64_t k, cbor_item_t *v,
    struct dots_registration *r)
{
	cbor_item_t **a = NULL;
	size_t n = 0;

	if (get_array(d, k, v, &a, &n) == -1)
		return -1;
	if (n > DOTS_REG_MAX_LIST)
		return dots_errf(d->err, 422, "more than %d values in %s",
		    DOTS_REG_MAX_LIST, kd(d, k));
	return prefix_array(d, k, v, 422, &r->served, &r->n_served);
}

static int
reg_member(struct dec *d, uint64_t k, cbor_item_t *v, void *arg)
{
	struct dots_registration *r = arg;
	struct prefix host;
	uint64_t u = 0;

	switch (k) {
	case DK_REG_SERVER_ADDRESS:
		if (get_text(d, k, v, &r->server_address) == -1 ||
		    reg_word(d, k, r->server_address) == -1)
			return -1;
		if (prefix_parse_addr(r->server_address, &host) == -1)
			return dots_errf(d->err, 422, "%s '%s' is not a "
			    "numeric IPv4 or IPv6 address", kd(d, k),
			    r->server_address);
		return 0;
	case DK_REG_SERVER_PORT:
		if (get_uint(d, k, v, 65535, &u) == -1)
			return -1;
		if (u == 0)
			return dots_errf(d->err, 422, "%s must be 1..65535",
			    kd(d, k));
		r->server_port = (uint16_t)u;
		return 0;
	case DK_REG_SERVER_TRANSPORT:
		if (get_uint(d, k, v, UINT8_MAX, &u) == -1)
			return -1;
		if (u != DOTS_REG_DTLS && u != DOTS_REG_TLS)
			return dots_errf(d->err, 422, "%s must be 1 (dtls) "
			    "or 2 (tls)", kd(d, k));
		r->server_transport = (uint8_t)u;
		return 0;
	case DK_REG_CAPACITY_BPS:
		return get_uint(d, k, v, UINT64_MAX, &r->capacity_bps);
	case DK_REG_CAPACITY_PPS:
		return get_uint(d, k, v, UINT64_MAX, &r->capacity_pps);
	case DK_REG_ATTACK_TYPE:
		return reg_list(d, k, v, &r->attack_types);
	case DK_REG_COUNTERMEASURE:
		return reg_list(d, k, v, &r->countermeasures);
	case DK_REG_THRESHOLD_BPS:
		return get_uint(d, k, v, UINT64_MAX, &r->threshold_bps);
	case DK_REG_THRESHOLD_PPS:
		return get_uint(d, k, v, UINT64_MAX, &r->threshold_pps);
	case DK_REG_THRESHOLD_DURATION:
		return get_u32(d, k, v, &r->threshold_duration);
	case DK_REG_SERVED_PREFIX:
		return reg_prefixes(d, k, v, r);
	case DK_REG_TIME:
		if (d->dir == DOTS_REQ)
			return bad(d, "%s is set by the orchestrator", k);
		return get_uint(d, k, v, UINT64_MAX, &r->registration_time);
	}
	/* strict: a registration has no optional extensions */
	return dots_errf(d->err, 400, "unexpected key %s in a registration",
	    kd(d, k));
}

int
dots_decode_registration(const uint8_t *buf, size_t len, enum dots_dir dir,
    struct dots_registration *out, struct dots_err *err)
{
	struct dec d = { .dir = dir, .err = err };
	cbor_item_t *root, *c;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((root = load(buf, len, err)) == NULL)
		return -1;
	if ((c = top_container(&d, root, DK_REGISTRATION)) != NULL)
		rc = walk(&d, DK_REGISTRATION, c, reg_member, out, NULL);
	cbor_decref(&root);
	if (rc == -1)
		dots_registration_free(out);
	return rc;
}

/* ---- encoding ---- */

struct wbuf {
	uint8_t	*b;
	size_t	 len, cap;
	bool	 oom;
};

static void
w_put(struct wbuf *w, const void *p, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (w->oom || n == 0)
		return;
	if (w->len + n > w->cap) {
		cap = w->cap ? w->cap : 64;
		while (cap < w->len + n)
			cap *= 2;
		if ((nb = realloc(w->b, cap)) == NULL) {
			w->oom = true;
			return;
		}
		w->b = nb;
		w->cap = cap;
	}
	memcpy(w->b + w->len, p, n);
	w->len += n;
}

/* The shortest head for major type mt and argument v (RFC 8949 §4.2.1). */
static void
w_head(struct wbuf *w, unsigned mt, uint64_t v)
{
	uint8_t h[9];
	size_t n, i;

	if (v < 24) {
		h[0] = (uint8_t)(mt << 5 | v);
		w_put(w, h, 1);
		return;
	}
	if (v <= 0xff)
		n = 1, h[0] = (uint8_t)(mt << 5 | 24);
	else if (v <= 0xffff)
		n = 2, h[0] = (uint8_t)(mt << 5 | 25);
	else if (v <= 0xffffffffu)
		n = 4, h[0] = (uint8_t)(mt << 5 | 26);
	else
		n = 8, h[0] = (uint8_t)(mt << 5 | 27);
	for (i = 0; i < n; i++)
		h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w_put(w, h, n + 1);
}

static void
w_text(struct wbuf *w, const char *s)
{
	size_t n = strlen(s);

	w_head(w, 3, n);
	w_put(w, s, n);
}

static void
w_bool(struct wbuf *w, bool b)
{
	uint8_t c = b ? 0xf5 : 0xf4;

	w_put(w, &c, 1);
}

static void
w_dec(struct wbuf *w, uint32_t hundredths)
{
	static const uint8_t h[] = { 0xc4, 0x82, 0x21 };

	w_put(w, h, sizeof(h));
	w_head(w, 0, hundredths);
}

/* Map members go to a side buffer first: the head needs their count. */
struct wmap {
	struct wbuf	b;
	size_t		n;
};

static struct wbuf *
member(struct wmap *m, uint64_t key)
{
	m->n++;
	w_head(&m->b, 0, key);
	return &m->b;
}

static void
w_map_end(struct wbuf *w, struct wmap *m)
{
	w_head(w, 5, m->n);
	w_put(w, m->b.b, m->b.len);
	if (m->b.oom)
		w->oom = true;
	free(m->b.b);
}

static void
w_strv(struct wmap *m, uint64_t key, const struct strv *sv)
{
	struct wbuf *w;
	size_t i;

	if (sv->n == 0)
		return;
	w = member(m, key);
	w_head(w, 4, sv->n);
	for (i = 0; i < sv->n; i++)
		w_text(w, sv->v[i]);
}

static void
w_opts(struct wmap *m, const struct dots_optv *ov)
{
	size_t i;

	for (i = 0; i < ov->n; i++)
		w_put(member(m, ov->v[i].key), ov->v[i].cbor, ov->v[i].len);
}

static void
enc_targets(struct wmap *m, const struct dots_scope *s)
{
	char buf[PREFIX_STRLEN];
	struct wbuf *w, *wr;
	struct wmap r;
	size_t i;

	if (s->n_target_prefix > 0) {
		w = member(m, DK_TARGET_PREFIX);
		w_head(w, 4, s->n_target_prefix);
		for (i = 0; i < s->n_target_prefix; i++)
			w_text(w, prefix_format(&s->target_prefix[i], buf,
			    sizeof(buf)));
	}
	if (s->n_target_port_range > 0) {
		w = member(m, DK_TARGET_PORT_RANGE);
		w_head(w, 4, s->n_target_port_range);
		for (i = 0; i < s->n_target_port_range; i++) {
			memset(&r, 0, sizeof(r));
			wr = member(&r, DK_LOWER_PORT);
			w_head(wr, 0, s->target_port_range[i].lower);
			if (s->target_port_range[i].upper !=
			    s->target_port_range[i].lower)
				w_head(member(&r, DK_UPPER_PORT), 0,
				    s->target_port_range[i].upper);
			w_map_end(w, &r);
		}
	}
	if (s->n_target_protocol > 0) {
		w = member(m, DK_TARGET_PROTOCOL);
		w_head(w, 4, s->n_target_protocol);
		for (i = 0; i < s->n_target_protocol; i++)
			w_head(w, 0, s->target_protocol[i]);
	}
	w_strv(m, DK_TARGET_FQDN, &s->target_fqdn);
	w_strv(m, DK_TARGET_URI, &s->target_uri);
	w_strv(m, DK_ALIAS_NAME, &s->alias_name);
}

static void
enc_acl_list(struct wmap *m, const struct dots_scope *s)
{
	const struct dots_acl *a;
	struct wbuf *w;
	struct wmap e;
	size_t i;

	if (s->n_acl_list == 0)
		return;
	w = member(m, s->acl_list_rfc9133 ? DK_ACL_LIST_9133 : DK_ACL_LIST);
	w_head(w, 4, s->n_acl_list);
	for (i = 0; i < s->n_acl_list; i++) {
		a = &s->acl_list[i];
		memset(&e, 0, sizeof(e));
		if (a->acl_name != NULL)
			w_text(member(&e, DK_ACL_NAME), a->acl_name);
		if (a->acl_type != NULL)
			w_text(member(&e, DK_ACL_TYPE), a->acl_type);
		if (a->activation_type != 0)
			w_head(member(&e, DK_ACTIVATION_TYPE), 0,
			    a->activation_type);
		w_map_end(w, &e);
	}
}

static void enc_scope(struct wbuf *, const struct dots_scope *);

static void
enc_conflict(struct wmap *m, const struct dots_conflict *c)
{
	struct wbuf *w;
	struct wmap cm;

	if (c == NULL)
		return;
	w = member(m, DK_CONFLICT_INFORMATION);
	memset(&cm, 0, sizeof(cm));
	if (c->conflict_status != 0)
		w_head(member(&cm, DK_CONFLICT_STATUS), 0, c->conflict_status);
	if (c->conflict_cause != 0)
		w_head(member(&cm, DK_CONFLICT_CAUSE), 0, c->conflict_cause);
	if (c->has_retry_timer)
		w_head(member(&cm, DK_RETRY_TIMER), 0, c->retry_timer);
	if (c->conflict_scope != NULL)
		enc_scope(member(&cm, DK_CONFLICT_SCOPE), c->conflict_scope);
	w_map_end(w, &cm);
}

static void
enc_counters(struct wmap *m, const struct dots_scope *s)
{
	if (s->present & DOTS_SCOPE_BYTES_DROPPED)
		w_head(member(m, DK_BYTES_DROPPED), 0, s->bytes_dropped);
	if (s->present & DOTS_SCOPE_BPS_DROPPED)
		w_head(member(m, DK_BPS_DROPPED), 0, s->bps_dropped);
	if (s->present & DOTS_SCOPE_PKTS_DROPPED)
		w_head(member(m, DK_PKTS_DROPPED), 0, s->pkts_dropped);
	if (s->present & DOTS_SCOPE_PPS_DROPPED)
		w_head(member(m, DK_PPS_DROPPED), 0, s->pps_dropped);
}

/* Member order as RFC 9132 Figures 7, 14 and 16 print them. */
static void
enc_scope(struct wbuf *w, const struct dots_scope *s)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (s->present & DOTS_SCOPE_MID)
		w_head(member(&m, DK_MID), 0, s->mid);
	if (s->present & DOTS_SCOPE_MITIGATION_START)
		w_head(member(&m, DK_MITIGATION_START), 0, s->mitigation_start);
	enc_targets(&m, s);
	enc_acl_list(&m, s);
	if (s->present & DOTS_SCOPE_LIFETIME) {
		if (s->lifetime < 0)
			w_head(member(&m, DK_LIFETIME), 1, 0);
		else
			w_head(member(&m, DK_LIFETIME), 0,
			    (uint64_t)s->lifetime);
	}
	if (s->present & DOTS_SCOPE_STATUS)
		w_head(member(&m, DK_STATUS), 0, s->status);
	enc_conflict(&m, s->conflict);
	enc_counters(&m, s);
	if (s->present & DOTS_SCOPE_ATTACK_STATUS)
		w_head(member(&m, DK_ATTACK_STATUS), 0, s->attack_status);
	if (s->present & DOTS_SCOPE_TRIGGER)
		w_bool(member(&m, DK_TRIGGER_MITIGATION), s->trigger_mitigation);
	w_opts(&m, &s->opt);
	w_map_end(w, &m);
}

static int
w_finish(struct wbuf *w, uint8_t **buf, size_t *len)
{
	if (w->oom) {
		free(w->b);
		return -1;
	}
	*buf = w->b;
	*len = w->len;
	return 0;
}

/* {key: inner} around an already encoded inner map. */
static int
w_wrap(uint64_t key, struct wmap *inner, uint8_t **buf, size_t *len)
{
	struct wbuf w = { 0 };
	struct wmap top;

	memset(&top, 0, sizeof(top));
	w_map_end(member(&top, key), inner);
	w_map_end(&w, &top);
	return w_finish(&w, buf, len);
}

int
dots_encode_mitigation(const struct dots_mitigation *mi, uint8_t **buf,
    size_t *len)
{
	struct wmap m;
	struct wbuf *w;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (mi->n_scope > 0) {
		w = member(&m, DK_SCOPE);
		w_head(w, 4, mi->n_scope);
		for (i = 0; i < mi->n_scope; i++)
			enc_scope(w, &mi->scope[i]);
	}
	w_opts(&m, &mi->opt);
	return w_wrap(DK_MITIGATION_SCOPE, &m, buf, len);
}

static void
enc_cfg_param(struct wmap *m, const struct cfg_desc *cd,
    const struct dots_cfg_param *p)
{
	uint64_t base = cd->dec ? DK_MAX_VALUE_DECIMAL : DK_MAX_VALUE;
	const uint32_t val[] = { p->max, p->min, p->cur };
	const bool has[] = { p->has_max, p->has_min, p->has_cur };
	struct wmap pm;
	size_t i;

	if (!p->has_max && !p->has_min && !p->has_cur)
		return;
	memset(&pm, 0, sizeof(pm));
	for (i = 0; i < 3; i++) {
		if (!has[i])
			continue;
		if (cd->dec)
			w_dec(member(&pm, base + i), val[i]);
		else
			w_head(member(&pm, base + i), 0, val[i]);
	}
	w_map_end(member(m, cd->key), &pm);
}

static void
enc_cfg_set(struct wbuf *w, const struct dots_cfg_set *set)
{
	struct wmap m;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < NCFG; i++)
		enc_cfg_param(&m, &cfg_params[i], &set->p[cfg_params[i].id]);
	w_map_end(w, &m);
}

int
dots_encode_signal_config(const struct dots_signal_config *sc, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (sc->has_sid)
		w_head(member(&m, DK_SID), 0, sc->sid);
	if (sc->has_mitigating)
		enc_cfg_set(member(&m, DK_MITIGATING_CONFIG), &sc->mitigating);
	if (sc->has_idle)
		enc_cfg_set(member(&m, DK_IDLE_CONFIG), &sc->idle);
	return w_wrap(DK_SIGNAL_CONFIG, &m, buf, len);
}

int
dots_encode_heartbeat(const struct dots_heartbeat *hb, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	w_bool(member(&m, DK_PEER_HB_STATUS), hb->peer_hb_status);
	return w_wrap(DK_HEARTBEAT, &m, buf, len);
}

int
dots_encode_redirect(const struct dots_redirect *r, uint8_t **buf,
    size_t *len)
{
	struct wmap m;

	memset(&m, 0, sizeof(m));
	if (r->alt_server != NULL)
		w_text(member(&m, DK_ALT_SERVER), r->alt_server);
	w_strv(&m, DK_ALT_SERVER_RECORD, &r->alt_server_record);
	return w_wrap(DK_REDIRECTED_SIGNAL, &m, buf, len);
}

int
dots_encode_registration(const struct dots_registration *r, uint8_t **buf,
    size_t *len)
{
	char pb[PREFIX_STRLEN];
	struct wmap m;
	struct wbuf *w;
	size_t i;

	memset(&m, 0, sizeof(m));
	if (r->server_address != NULL)
		w_text(member(&m, DK_REG_SERVER_ADDRESS), r->server_address);
	if (r->server_port != 0)
		w_head(member(&m, DK_REG_SERVER_PORT), 0, r->server_port);
	if (r->server_transport != 0)
		w_head(member(&m, DK_REG_SERVER_TRANSPORT), 0,
		    r->server_transport);
	if (r->capacity_bps != 0)
		w_head(member(&m, DK_REG_CAPACITY_BPS), 0, r->capacity_bps);
	if (r->capacity_pps != 0)
		w_head(member(&m, DK_REG_CAPACITY_PPS), 0, r->capacity_pps);
	w_strv(&m, DK_REG_ATTACK_TYPE, &r->attack_types);
	w_strv(&m, DK_REG_COUNTERMEASURE, &r->countermeasures);
	if (r->threshold_bps != 0)
		w_head(member(&m, DK_REG_THRESHOLD_BPS), 0, r->threshold_bps);
	if (r->threshold_pps != 0)
		w_head(member(&m, DK_REG_THRESHOLD_PPS), 0, r->threshold_pps);
	if (r->threshold_duration != 0)
		w_head(member(&m, DK_REG_THRESHOLD_DURATION), 0,
		    r->threshold_duration);
	if (r->n_served > 0) {
		w = member(&m, DK_REG_SERVED_PREFIX);
		w_head(w, 4, r->n_served);
		for (i = 0; i < r->n_served; i++)
			w_text(w, prefix_format(&r->served[i], pb, sizeof(pb)));
	}
	if (r->registration_time != 0)
		w_head(member(&m, DK_REG_TIME), 0, r->registration_time);
	return w_wrap(DK_REGISTRATION, &m, buf, len);
}
