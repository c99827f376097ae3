/*
 * Generic, table-driven translation between application/dots+cbor and the
 * RFC's JSON notation. The key table says how each value is typed on both
 * sides; a CBOR value whose type does not match its key is rendered
 * generically rather than refused, since this serves logs and the CLI.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>

#include "cbor_guard.h"
#include "dots_json.h"
#include "dots_keys.h"

static json_t *c2j(const cbor_item_t *, const struct dots_key *,
    enum dots_ktype, struct dots_err *);
static cbor_item_t *j2c(json_t *, const struct dots_key *, enum dots_ktype,
    const char *, struct dots_err *);

/* ---- CBOR -> JSON ---- */

static json_t *
c2j_uint(uint64_t u)
{
	char buf[24];

	if (u <= INT64_MAX)
		return json_integer((json_int_t)u);
	snprintf(buf, sizeof(buf), "%" PRIu64, u);
	return json_string(buf);
}

/* tag 4 [-2, m] -> "m/100" with two fraction digits; NULL otherwise. */
static json_t *
c2j_dec(const cbor_item_t *v)
{
	cbor_item_t *t, **a;
	json_t *j = NULL;
	uint64_t m;
	char buf[32];

	if (!cbor_isa_tag(v) || cbor_tag_value(v) != 4)
		return NULL;
	t = cbor_tag_item(v);
	if (cbor_isa_array(t) && cbor_array_size(t) == 2) {
		a = cbor_array_handle(t);
		if (cbor_isa_negint(a[0]) && cbor_get_int(a[0]) == 1 &&
		    (cbor_isa_uint(a[1]) || cbor_isa_negint(a[1]))) {
			m = cbor_get_int(a[1]);
			if (cbor_isa_uint(a[1]))
				snprintf(buf, sizeof(buf), "%" PRIu64 ".%02u",
				    m / 100, (unsigned)(m % 100));
			else	/* value is -1 - m */
				snprintf(buf, sizeof(buf), "-%" PRIu64 ".%02u",
				    (m / 100) + ((m % 100 + 1) / 100),
				    (unsigned)((m % 100 + 1) % 100));
			j = json_string(buf);
		}
	}
	cbor_decref(&t);
	return j;
}

static json_t *
c2j_map(const cbor_item_t *m, struct dots_err *err)
{
	struct cbor_pair *p = cbor_map_handle(m);
	const struct dots_key *k;
	json_t *obj, *val;
	char nbuf[24];
	const char *name;
	size_t i;

	if ((obj = json_object()) == NULL)
		return NULL;
	for (i = 0; i < cbor_map_size(m); i++) {
		if (!cbor_isa_uint(p[i].key)) {
			dots_errf(err, 400, "non-integer map key");
			goto fail;
		}
		k = dots_key_by_num(cbor_get_int(p[i].key));
		snprintf(nbuf, sizeof(nbuf), "%" PRIu64,
		    cbor_get_int(p[i].key));
		name = k != NULL ? k->name : nbuf;
		if (json_object_get(obj, name) != NULL) {
			dots_errf(err, 400, "duplicate key %s", name);
			goto fail;
		}
		val = c2j(p[i].value, k, k != NULL ? k->type : DKT_MAP, err);
		if (val == NULL || json_object_set_new(obj, name, val) == -1)
			goto fail;
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *
c2j_array(const cbor_item_t *v, const struct dots_key *k,
    enum dots_ktype elem, struct dots_err *err)
{
	cbor_item_t **a = cbor_array_handle(v);
	json_t *arr, *e;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < cbor_array_size(v); i++) {
		if ((e = c2j(a[i], k, elem, err)) == NULL ||
		    json_array_append_new(arr, e) == -1) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *
c2j_generic(const cbor_item_t *v, struct dots_err *err)
{
	json_t *j;

	switch (cbor_typeof(v)) {
	case CBOR_TYPE_UINT:
		return c2j_uint(cbor_get_int(v));
	case CBOR_TYPE_NEGINT:
		if (cbor_get_int(v) > INT64_MAX)
			break;
		return json_integer(-1 - (json_int_t)cbor_get_int(v));
	case CBOR_TYPE_STRING:
		/* no DOTS string holds a NUL, and a C string would end at
		 * it: what a check reads would not be what is kept */
		if (memchr(cbor_string_handle(v), 0,
		    cbor_string_length(v)) != NULL) {
			dots_errf(err, 400, "text string contains a NUL byte");
			return NULL;
		}
		j = json_stringn((const char *)cbor_string_handle(v),
		    cbor_string_length(v));
		if (j == NULL)
			dots_errf(err, 400, "text string is not UTF-8");
		return j;
	case CBOR_TYPE_ARRAY:
		return c2j_array(v, NULL, DKT_MAP, err);
	case CBOR_TYPE_MAP:
		return c2j_map(v, err);
	case CBOR_TYPE_TAG:
		if ((j = c2j_dec(v)) == NULL)
			dots_errf(err, 400, "unsupported tagged value");
		return j;
	case CBOR_TYPE_FLOAT_CTRL:
		/* cbor_is_null/cbor_is_bool assert() on floats (0.8). */
		if (!cbor_float_ctrl_is_ctrl(v))
			return json_real(cbor_float_get_float(v));
		if (cbor_ctrl_value(v) == CBOR_CTRL_NULL)
			return json_null();
		if (cbor_ctrl_value(v) == CBOR_CTRL_TRUE ||
		    cbor_ctrl_value(v) == CBOR_CTRL_FALSE)
			return json_boolean(cbor_ctrl_value(v) ==
			    CBOR_CTRL_TRUE);
		break;
	default:
		break;
	}
	dots_errf(err, 400, "CBOR value has no JSON form");
	return NULL;
}

static json_t *
c2j_enum(const cbor_item_t *v, const struct dots_key *k)
{
	uint64_t u = cbor_get_int(v), n;

	for (n = 0; k->enum_labels != NULL && k->enum_labels[n] != NULL; n++)
		;
	if (u > 0 && u < n)
		return json_string(k->enum_labels[u]);
	return c2j_uint(u);
}

static json_t *
c2j(const cbor_item_t *v, const struct dots_key *k, enum dots_ktype t,
    struct dots_err *err)
{
	char buf[24];
	json_t *j;

	if (k == NULL)
		return c2j_generic(v, err);
	switch (t) {
	case DKT_ARRAY:
		if (cbor_isa_array(v))
			return c2j_array(v, k, k->elem, err);
		break;
	case DKT_UINT64STR:
		if (cbor_isa_uint(v)) {
			snprintf(buf, sizeof(buf), "%" PRIu64, cbor_get_int(v));
			return json_string(buf);
		}
		break;
	case DKT_ENUM:
		if (cbor_isa_uint(v))
			return c2j_enum(v, k);
		break;
	case DKT_DEC64:
		if ((j = c2j_dec(v)) != NULL)
			return j;
		break;
	default:
		break;
	}
	/* MAP, UINT, LIFETIME, TEXT, BOOL and mismatches: the value as is. */
	if (t == DKT_MAP && cbor_isa_array(v))
		return c2j_array(v, k, DKT_MAP, err);
	return c2j_generic(v, err);
}

json_t *
dots_cbor_to_json(const uint8_t *buf, size_t len, struct dots_err *err)
{
	struct cbor_load_result res;
	cbor_item_t *it;
	json_t *j;

	/* dotsctl shows answers, GET-all ones too; the server logs requests
	 * of one PDU (Block1 is refused) */
	if (cbor_guard_check_limits(buf, len, CBOR_GUARD_RESP_MAX_LEN,
	    CBOR_GUARD_RESP_MAX_ITEMS, err) == -1)
		return NULL;
	if ((it = cbor_load(buf, len, &res)) == NULL) {
		dots_errf(err, 400, "malformed CBOR at byte %zu",
		    res.error.position);
		return NULL;
	}
	if (!cbor_isa_map(it)) {
		cbor_decref(&it);
		dots_errf(err, 400, "body must be a CBOR map");
		return NULL;
	}
	dots_errf(err, 500, "out of memory");
	j = c2j_map(it, err);
	cbor_decref(&it);
	return j;
}

/* ---- JSON -> CBOR ---- */

static cbor_item_t *
build_uint(uint64_t u)
{
	if (u <= UINT8_MAX)
		return cbor_build_uint8((uint8_t)u);
	if (u <= UINT16_MAX)
		return cbor_build_uint16((uint16_t)u);
	if (u <= UINT32_MAX)
		return cbor_build_uint32((uint32_t)u);
	return cbor_build_uint64(u);
}

/* CBOR negative integer -1 - n. */
static cbor_item_t *
build_negint(uint64_t n)
{
	if (n <= UINT8_MAX)
		return cbor_build_negint8((uint8_t)n);
	if (n <= UINT16_MAX)
		return cbor_build_negint16((uint16_t)n);
	if (n <= UINT32_MAX)
		return cbor_build_negint32((uint32_t)n);
	return cbor_build_negint64(n);
}

static cbor_item_t *
build_int(json_int_t i)
{
	if (i >= 0)
		return build_uint((uint64_t)i);
	return build_negint((uint64_t)(-(i + 1)));
}

static int
parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

/* "12.34", "2", "1.5", "-0.50" -> tag 4 [-2, hundredths]. */
static cbor_item_t *
build_dec(const char *s)
{
	cbor_item_t *a, *t;
	uint64_t ip = 0, fp = 0;
	size_t nf = 0;
	bool neg = false;
	const char *p = s;

	if (*p == '-')
		neg = true, p++;
	if (*p < '0' || *p > '9')
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (ip > UINT32_MAX)
			return NULL;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9' && nf < 2; p++, nf++)
			fp = fp * 10 + (uint64_t)(*p - '0');
		if (nf == 0)
			return NULL;
	}
	if (*p != '\0')
		return NULL;
	fp *= nf == 1 ? 10 : nf == 0 ? 100 : 1;
	ip = ip * 100 + fp;
	if ((a = cbor_new_definite_array(2)) == NULL)
		return NULL;
	if (!cbor_array_push(a, cbor_move(build_negint(1))) ||
	    !cbor_array_push(a, cbor_move(neg && ip > 0 ?
	    build_negint(ip - 1) : build_uint(ip)))) {
		cbor_decref(&a);
		return NULL;
	}
	t = cbor_build_tag(4, a);
	cbor_decref(&a);
	return t;
}

static cbor_item_t *
j2c_map(json_t *obj, const char *name, struct dots_err *err)
{
	const struct dots_key *k;
	cbor_item_t *m, *key, *val;
	const char *mn;
	json_t *v;
	uint64_t num;

	if (!json_is_object(obj)) {
		dots_errf(err, 400, "'%s' must be an object", name);
		return NULL;
	}
	if ((m = cbor_new_definite_map(json_object_size(obj))) == NULL)
		goto oom;
	json_object_foreach(obj, mn, v) {
		if ((k = dots_key_by_name(mn)) != NULL)
			num = k->key;
		else if (parse_u64(mn, &num) == -1) {
			dots_errf(err, 400, "unknown member '%s'", mn);
			goto fail;
		}
		if ((val = j2c(v, k, k != NULL ? k->type : DKT_MAP, mn, err))
		    == NULL)
			goto fail;
		if ((key = build_uint(num)) == NULL ||
		    !cbor_map_add(m, (struct cbor_pair){ .key = cbor_move(key),
		    .value = cbor_move(val) })) {
			dots_errf(err, 500, "out of memory");
			goto fail;
		}
	}
	return m;
oom:
	dots_errf(err, 500, "out of memory");
fail:
	if (m != NULL)
		cbor_decref(&m);
	return NULL;
}

static cbor_item_t *
j2c_array(json_t *arr, const struct dots_key *k, enum dots_ktype elem,
    const char *name, struct dots_err *err)
{
	cbor_item_t *a, *e;
	json_t *v;
	size_t i;

	if (!json_is_array(arr)) {
		dots_errf(err, 400, "'%s' must be an array", name);
		return NULL;
	}
	if ((a = cbor_new_definite_array(json_array_size(arr))) == NULL) {
		dots_errf(err, 500, "out of memory");
		return NULL;
	}
	json_array_foreach(arr, i, v) {
		if ((e = j2c(v, k, elem, name, err)) == NULL) {
			cbor_decref(&a);
			return NULL;
		}
		if (!cbor_array_push(a, cbor_move(e))) {
			cbor_decref(&a);
			dots_errf(err, 500, "out of memory");
			return NULL;
		}
	}
	return a;
}

static cbor_item_t *
j2c_generic(json_t *v, const char *name, struct dots_err *err)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return j2c_map(v, name, err);
	case JSON_ARRAY:
		return j2c_array(v, NULL, DKT_MAP, name, err);
	case JSON_STRING:
		return cbor_build_stringn(json_string_value(v),
		    json_string_length(v));
	case JSON_INTEGER:
		return build_int(json_integer_value(v));
	case JSON_REAL:
		return cbor_build_float8(json_real_value(v));
	case JSON_TRUE:
	case JSON_FALSE:
		return cbor_build_bool(json_is_true(v));
	case JSON_NULL:
		return cbor_new_null();
	}
	return NULL;
}

static cbor_item_t *
j2c_enum(json_t *v, const struct dots_key *k, const char *name,
    struct dots_err *err)
{
	size_t i;

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return build_uint((uint64_t)json_integer_value(v));
	if (!json_is_string(v)) {
		dots_errf(err, 400, "'%s' must be a string", name);
		return NULL;
	}
	for (i = 1; k->enum_labels != NULL && k->enum_labels[i] != NULL; i++)
		if (strcmp(k->enum_labels[i], json_string_value(v)) == 0)
			return build_uint(i);
	dots_errf(err, 400, "'%s': unknown value '%.40s'", name,
	    json_string_value(v));
	return NULL;
}

static cbor_item_t *
j2c_u64str(json_t *v, const char *name, struct dots_err *err)
{
	uint64_t u;

	if (json_is_integer(v) && json_integer_value(v) >= 0)
		return build_uint((uint64_t)json_integer_value(v));
	if (!json_is_string(v) || parse_u64(json_string_value(v), &u) == -1) {
		dots_errf(err, 400, "'%s' must be a decimal string", name);
		return NULL;
	}
	return build_uint(u);
}

static cbor_item_t *
j2c(json_t *v, const struct dots_key *k, enum dots_ktype t,
    const char *name, struct dots_err *err)
{
	cbor_item_t *c;

	if (k == NULL || json_is_null(v))
		return j2c_generic(v, name, err);
	switch (t) {
	case DKT_MAP:
		return j2c_map(v, name, err);
	case DKT_ARRAY:
		return j2c_array(v, k, k->elem, name, err);
	case DKT_UINT:
		if (json_is_integer(v) && json_integer_value(v) >= 0)
			return build_uint((uint64_t)json_integer_value(v));
		break;
	case DKT_LIFETIME:
		if (json_is_integer(v) && json_integer_value(v) >= -1)
			return build_int(json_integer_value(v));
		break;
	case DKT_UINT64STR:
		return j2c_u64str(v, name, err);
	case DKT_TEXT:
		if (!json_is_string(v)) {
			dots_errf(err, 400, "'%s' must be a string", name);
			return NULL;
		}
		return j2c_generic(v, name, err);
	case DKT_BOOL:
		if (json_is_boolean(v))
			return cbor_build_bool(json_is_true(v));
		dots_errf(err, 400, "'%s' must be true or false", name);
		return NULL;
	case DKT_DEC64:
		if (json_is_string(v) &&
		    (c = build_dec(json_string_value(v))) != NULL)
			return c;
		dots_errf(err, 400, "'%s' must be a decimal string such as "
		    "\"2.00\"", name);
		return NULL;
	case DKT_ENUM:
		return j2c_enum(v, k, name, err);
	}
	dots_errf(err, 400, "'%s' must be a number", name);
	return NULL;
}

int
dots_json_to_cbor(const json_t *root, uint8_t **buf, size_t *len,
    struct dots_err *err)
{
	cbor_item_t *it;
	unsigned char *out = NULL;
	size_t cap = 0, n;

	/* jansson's iteration API takes non-const objects; we only read. */
	if ((it = j2c_map((json_t *)(uintptr_t)root, "(top)", err)) == NULL)
		return -1;
	n = cbor_serialize_alloc(it, &out, &cap);
	cbor_decref(&it);
	if (n == 0)
		return dots_errf(err, 500, "out of memory");
	*buf = out;
	*len = n;
	return 0;
}
