/*
 * CBOR codec for DOTS signal-channel bodies (RFC 9132 §3-4, RFC 9133):
 * the decoding machinery and the mitigation request with its scopes.
 *
 * Decoding: cbor_guard_check() first (libcbor trusts declared lengths),
 * then cbor_load() and a walk of the item tree with one function per YANG
 * container. The other bodies are decoded in dots_codec_session.c with
 * the same machinery (dots_codec_impl.h); every encoder is in
 * dots_codec_enc.c.
 */
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_guard.h"
#include "dots_codec_impl.h"
#include "dots_keys.h"

/* Which container a scope map is: mitigation scope or conflict-scope. */
enum scope_kind { SCOPE_MAIN, SCOPE_CONFLICT };

static int dec_scope(struct dec *, uint64_t, cbor_item_t *,
    struct dots_scope *, enum scope_kind);

const char *
dec_kd(struct dec *d, uint64_t key)
{
	return dots_key_describe(key, d->kb, sizeof(d->kb));
}

int
dec_bad(struct dec *d, const char *fmt, uint64_t key)
{
	return dots_errf(d->err, 400, fmt, dec_kd(d, key));
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

cbor_item_t *
dec_load(const uint8_t *buf, size_t len, struct dots_err *err)
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
		return key ? dec_bad(d, "%s must be a map", key) :
		    dots_errf(d->err, 400, "body must be a CBOR map");
	n = cbor_map_size(m);
	p = cbor_map_handle(m);
	if (n == 0)
		return 0;
	if ((keys = calloc(n, sizeof(*keys))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (!cbor_isa_uint(p[i].key))
			rc = key ? dec_bad(d, "non-integer key in %s", key) :
			    dots_errf(d->err, 400, "non-integer key");
		else
			keys[i] = cbor_get_int(p[i].key);
	}
	if (rc == 0)
		qsort(keys, n, sizeof(*keys), cmp_u64);
	for (i = 1; i < n && rc == 0; i++)
		if (keys[i] == keys[i - 1])
			rc = dec_bad(d, "duplicate key %s", keys[i]);
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
	return dots_errf(d->err, 400, "unexpected key %s in %s", dec_kd(d, key),
	    in ? d->kb2 : "body");
}

/*
 * Feed each present (not absent()) member of the checked map m of the
 * container "in" to fn; keys fn does not take go to unknown() with ov.
 */
int
dec_walk(struct dec *d, uint64_t in, cbor_item_t *m, member_fn *fn,
    void *ctx, struct dots_optv *ov)
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

/* check_map() then dec_dec_walk(). */
int
dec_map(struct dec *d, uint64_t in, cbor_item_t *m, member_fn *fn,
    void *ctx, struct dots_optv *ov)
{
	if (check_map(d, in, m) == -1)
		return -1;
	return dec_walk(d, in, m, fn, ctx, ov);
}

int
dec_get_uint(struct dec *d, uint64_t key, cbor_item_t *v, uint64_t max,
    uint64_t *out)
{
	if (!cbor_isa_uint(v))
		return dec_bad(d, "%s must be an unsigned integer", key);
	*out = cbor_get_int(v);
	if (*out > max)
		return dec_bad(d, "%s out of range", key);
	return 0;
}

int
dec_get_u32(struct dec *d, uint64_t key, cbor_item_t *v, uint32_t *out)
{
	uint64_t u = 0;

	if (dec_get_uint(d, key, v, UINT32_MAX, &u) == -1)
		return -1;
	*out = (uint32_t)u;
	return 0;
}

int
dec_get_bool(struct dec *d, uint64_t key, cbor_item_t *v, bool *out)
{
	if (!is_ctrl(v, CBOR_CTRL_TRUE) && !is_ctrl(v, CBOR_CTRL_FALSE))
		return dec_bad(d, "%s must be a boolean", key);
	*out = is_ctrl(v, CBOR_CTRL_TRUE);
	return 0;
}

int
dec_get_text(struct dec *d, uint64_t key, cbor_item_t *v, char **out)
{
	size_t n;
	const unsigned char *s;

	if (!cbor_isa_string(v) || !cbor_string_is_definite(v))
		return dec_bad(d, "%s must be a text string", key);
	n = cbor_string_length(v);
	s = cbor_string_handle(v);
	if (n == 0)
		return dec_bad(d, "empty value for %s", key);
	if (memchr(s, '\0', n) != NULL)
		return dec_bad(d, "NUL byte in %s", key);
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
		return dec_bad(d, "%s: exponent must be an integer", key);
	if (!cbor_isa_uint(m))
		return dec_bad(d, "%s: mantissa must be an unsigned integer",
		    key);
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
				return dec_bad(d, "%s is not representable with two "
				    "fraction digits", key);
			v /= 10;
		}
		n = 1 - n;
	} else if (n > 7) {
		/* 10^(n + 2) > UINT32_MAX: beyond range for any v >= 1 */
		return dec_bad(d, "%s out of range", key);
	} else
		n += 2;
	for (; n > 0; n--) {
		if (v > UINT32_MAX / 10)
			return dec_bad(d, "%s out of range", key);
		v *= 10;
	}
	if (v > UINT32_MAX)
		return dec_bad(d, "%s out of range", key);
	*out = (uint32_t)v;
	return 0;
}

int
dec_get_dec(struct dec *d, uint64_t key, cbor_item_t *v, uint32_t *out)
{
	cbor_item_t *t, **a;
	int rc = -1;

	if (!cbor_isa_tag(v) || cbor_tag_value(v) != 4)
		return dec_bad(d, "%s must be a decimal fraction (tag 4)", key);
	t = cbor_tag_item(v);
	if (!cbor_isa_array(t) || cbor_array_size(t) != 2) {
		dec_bad(d, "%s must be a decimal fraction (tag 4)", key);
		goto out;
	}
	a = cbor_array_handle(t);
	rc = dec_hundredths(d, key, a[0], a[1], out);
out:
	cbor_decref(&t);
	return rc;
}

int
dec_get_array(struct dec *d, uint64_t key, cbor_item_t *v,
    cbor_item_t ***a, size_t *n)
{
	if (!cbor_isa_array(v))
		return dec_bad(d, "%s must be an array", key);
	*a = cbor_array_handle(v);
	*n = cbor_array_size(v);
	return 0;
}

int
dec_get_strv(struct dec *d, uint64_t key, cbor_item_t *v, struct strv *sv)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	char *s;

	if (dec_get_array(d, key, v, &a, &n) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (dec_get_text(d, key, a[i], &s) == -1)
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
int
dec_prefix_array(struct dec *d, uint64_t key, cbor_item_t *v, int code,
    struct prefix **out, size_t *nout)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	char *t;
	int rc = 0;

	if (dec_get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		if (dec_get_text(d, key, a[i], &t) == -1)
			return -1;
		if (prefix_parse(t, &(*out)[i]) == -1)
			rc = dots_errf(d->err, code, "invalid %s '%.60s'",
			    dec_kd(d, key), t);
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
	return dec_prefix_array(d, key, v, 400, &s->target_prefix,
	    &s->n_target_prefix);
}

static int
get_protocols(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;
	uint64_t u = 0;

	if (dec_get_array(d, key, v, &a, &n) == -1)
		return -1;
	if ((s->target_protocol = calloc(n, 1)) == NULL)
		return dots_errf(d->err, 500, "out of memory");
	for (i = 0; i < n; i++) {
		if (dec_get_uint(d, key, a[i], 255, &u) == -1)
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
	if (dec_get_uint(d, k, v, 65535, &u) == -1)
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
		return dec_bad(d, "missing lower-port (8) in %s",
		    DK_TARGET_PORT_RANGE);
	if (!pc.has_upper)
		r->upper = r->lower;
	if (r->upper < r->lower)
		return dec_bad(d, "upper-port below lower-port in %s",
		    DK_TARGET_PORT_RANGE);
	return 0;
}

static int
get_port_ranges(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;

	if (dec_get_array(d, key, v, &a, &n) == -1)
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
		return dec_get_text(d, k, v, &ac->acl->acl_name);
	if (k == DK_ACL_TYPE && ac->list == DK_ACL_LIST)
		return dec_get_text(d, k, v, &ac->acl->acl_type);
	if (k != DK_ACTIVATION_TYPE || ac->list != DK_ACL_LIST_9133)
		return 1;
	rc = dec_get_uint(d, k, v, DOTS_ACT_DEACTIVATE, &u);
	if (rc == 0 && u == 0)
		rc = dec_bad(d, "%s out of range", k);
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
		return dec_bad(d, "missing acl-name (23) in %s", list);
	return 0;
}

static int
get_acl_list(struct dec *d, uint64_t key, cbor_item_t *v,
    struct dots_scope *s)
{
	cbor_item_t **a = NULL;
	size_t i, n = 0;

	if (s->n_acl_list > 0)
		return dec_bad(d, "%s given twice (keys 22 and 53)", key);
	if (dec_get_array(d, key, v, &a, &n) == -1)
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
		return dec_bad(d, "%s must be a uint32 or -1", key);
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
		return dec_get_u32(d, k, v, &c->conflict_status);
	case DK_CONFLICT_CAUSE:
		return dec_get_u32(d, k, v, &c->conflict_cause);
	case DK_RETRY_TIMER:
		rc = dec_get_u32(d, k, v, &c->retry_timer);
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
	return dec_walk(d, key, m, conflict_member, s->conflict, NULL);
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
		return dec_get_strv(d, k, v, &s->target_fqdn);
	case DK_TARGET_URI:
		return dec_get_strv(d, k, v, &s->target_uri);
	case DK_ALIAS_NAME:
		return dec_get_strv(d, k, v, &s->alias_name);
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
		return dec_get_uint(d, k, v, UINT64_MAX,
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
		return dec_bad(d, "%s must not appear in a request", k);
	if (k == DK_STATUS) {
		s->present |= DOTS_SCOPE_STATUS;
		return dec_get_u32(d, k, v, &s->status);
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
		return dec_get_u32(d, k, v, &s->attack_status);
	case DK_TRIGGER_MITIGATION:
		s->present |= DOTS_SCOPE_TRIGGER;
		return dec_get_bool(d, k, v, &s->trigger_mitigation);
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
		return dec_get_u32(d, k, v, &s->mid);
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

	if (dec_get_array(d, DK_SCOPE, v, &a, &n) == -1)
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
cbor_item_t *
dec_top(struct dec *d, cbor_item_t *root, uint64_t want)
{
	struct top_ctx tc = { .want = want };

	if (dec_map(d, 0, root, top_member, &tc, NULL) == -1)
		return NULL;
	if (tc.inner == NULL) {
		dec_bad(d, "missing %s", want);
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

	if ((c = dec_top(d, root, DK_MITIGATION_SCOPE)) == NULL)
		return -1;
	return dec_walk(d, DK_MITIGATION_SCOPE, c, mitigation_member, m,
	    &m->opt);
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
	    dec_load(buf, len, err);
	if (root == NULL)
		return -1;
	rc = dec_mitigation(&d, root, out);
	cbor_decref(&root);
	if (rc == -1)
		dots_mitigation_free(out);
	return rc;
}