/*
 * The RFC 8783 ACL decoder's walker (common/dc_acl_impl.h): the node path
 * every error names, and the RFC 7951 leaf readers (numbers for uint8..
 * uint32 and int32; strings for bits, identities, binary, prefixes), each
 * returning 1 present, 0 absent, -1 with the error set.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dc_acl_impl.h"

size_t
dcw_push(struct dctx *c, const char *fmt, ...)
{
	size_t	 old = c->len;
	va_list	 ap;
	int	 r;

	if (c->len > 0 && c->len < sizeof(c->path) - 1)
		c->path[c->len++] = '/';
	va_start(ap, fmt);
	r = vsnprintf(c->path + c->len, sizeof(c->path) - c->len, fmt, ap);
	va_end(ap);
	if (r > 0)
		c->len += (size_t)r;
	if (c->len >= sizeof(c->path))
		c->len = sizeof(c->path) - 1;
	return old;
}

void
dcw_pop(struct dctx *c, size_t old)
{
	c->len = old;
	c->path[old] = '\0';
}

int
dcw_fail(struct dctx *c, const char *tag, const char *fmt, ...)
{
	char	 what[DC_ERR_MSGLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return dc_errf(c->err, 400, tag, "%s: %s", c->path, what);
}

/* fail at the member key of the current node */
int
dcw_fail_at(struct dctx *c, const char *key, const char *tag, const char *fmt,
    ...)
{
	char	 what[DC_ERR_MSGLEN];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	dcw_push(c, "%s", key);
	return dc_errf(c->err, 400, tag, "%s: %s", c->path, what);
}

/* Every member of obj is one of names[] (NULL-terminated). */
int
dcw_members(struct dctx *c, const json_t *obj, const char *const *names)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	json_object_foreach((json_t *)obj, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return dcw_fail_at(c, key, "unknown-element",
			    "unknown node");
	}
	return 0;
}

int
dcw_need_object(struct dctx *c, const json_t *v)
{
	return json_is_object(v) ? 0 : dcw_fail(c, "invalid-value",
	    "expected a JSON object");
}

/* 1 present, 0 absent, -1 error: an integer within lo..hi */
int
dcw_get_int(struct dctx *c, const json_t *obj, const char *key, int64_t lo,
    int64_t hi, int64_t *out)
{
	json_t	*v = json_object_get(obj, key);
	int64_t	 x;

	if (v == NULL)
		return 0;
	if (!json_is_integer(v))
		return dcw_fail_at(c, key, "invalid-value", "expected an integer");
	x = (int64_t)json_integer_value(v);
	if (x < lo || x > hi)
		return dcw_fail_at(c, key, "invalid-value", "%" PRId64 " is "
		    "outside %" PRId64 "..%" PRId64, x, lo, hi);
	*out = x;
	return 1;
}

int
dcw_get_str(struct dctx *c, const json_t *obj, const char *key,
    const char **out)
{
	json_t	*v = json_object_get(obj, key);

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return dcw_fail_at(c, key, "invalid-value", "expected a string");
	*out = json_string_value(v);
	if (strlen(*out) != json_string_length(v))
		return dcw_fail_at(c, key, "invalid-value", "contains NUL");
	return 1;
}

/* A YANG bits value: names from t separated by spaces, each once. */
int
dcw_get_bits(struct dctx *c, const json_t *obj, const char *key,
    const struct dc_bit *t, uint8_t *out8, uint16_t *out16)
{
	const char	*s, *p, *e;
	unsigned	 v = 0;
	size_t		 i;
	int		 r;

	if ((r = dcw_get_str(c, obj, key, &s)) != 1)
		return r;
	for (p = s; *p != '\0'; p = e) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		e = p + strcspn(p, " ");
		for (i = 0; t[i].name != NULL; i++)
			if (strlen(t[i].name) == (size_t)(e - p) &&
			    strncmp(t[i].name, p, (size_t)(e - p)) == 0)
				break;
		if (t[i].name == NULL)
			return dcw_fail_at(c, key, "invalid-value", "unknown bit "
			    "'%.*s'", (int)(e - p > 32 ? 32 : e - p), p);
		if (v & t[i].bit)
			return dcw_fail_at(c, key, "invalid-value", "bit '%s' "
			    "given twice", t[i].name);
		v |= t[i].bit;
	}
	if (out8 != NULL)
		*out8 = (uint8_t)v;
	else
		*out16 = (uint16_t)v;
	return 1;
}

/* The typedef operator: 'match' and 'any' exclude each other. */
int
dcw_get_op(struct dctx *c, const json_t *obj, uint8_t *op)
{
	int r = dcw_get_bits(c, obj, "operator", dc_op_bits, op, NULL);

	if (r == 1 && (*op & DC_OP_MATCH) && (*op & DC_OP_ANY))
		return dcw_fail_at(c, "operator", "invalid-value", "'match' and "
		    "'any' must not be set together");
	return r;
}

int
dcw_get_binary(struct dctx *c, const json_t *obj, const char *key,
    uint8_t *out, size_t max, size_t *n)
{
	const char	*s;
	int		 r;

	if ((r = dcw_get_str(c, obj, key, &s)) != 1)
		return r;
	if (dc_b64_decode(s, out, max, n) == -1)
		return dcw_fail_at(c, key, "invalid-value", "not canonical base64 "
		    "of 1..%zu bytes", max);
	return 1;
}

/* Identity names with or without their module prefix (RFC 7951 §6.8
 * wants the prefix, the RFC's examples omit it). */
bool
dcw_ident_is(const char *s, const char *name)
{
	static const char pfx[] = "ietf-access-control-list:";

	if (strncmp(s, pfx, sizeof(pfx) - 1) == 0)
		s += sizeof(pfx) - 1;
	return strcmp(s, name) == 0;
}

int
dcw_get_name(struct dctx *c, const json_t *obj, char *out)
{
	const char	*s;
	size_t		 len;
	int		 r;

	if ((r = dcw_get_str(c, obj, "name", &s)) == -1)
		return -1;
	if (r == 0)
		return dcw_fail_at(c, "name", "missing-attribute", "missing");
	len = strlen(s);
	if (len < 1 || len > DC_NAME_MAX)
		return dcw_fail_at(c, "name", "invalid-value", "must be 1..%d "
		    "characters", DC_NAME_MAX);
	/* it becomes a URI path segment and a log word */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return dcw_fail_at(c, "name", "invalid-value", "contains a "
			    "control character");
	memcpy(out, s, len + 1);
	return 0;
}

int
dcw_get_prefix(struct dctx *c, const json_t *obj, const char *key, int family,
    struct prefix *p)
{
	const char	*s;
	int		 r;

	if ((r = dcw_get_str(c, obj, key, &s)) != 1)
		return r;
	if (strchr(s, '/') == NULL || prefix_parse(s, p) == -1 ||
	    p->family != family)
		return dcw_fail_at(c, key, "invalid-value", "not an %s prefix",
		    family == AF_INET ? "IPv4" : "IPv6");
	return 1;
}

/* has |= bit for each small integer leaf present */
int
dcw_leaf_u(struct dctx *c, const json_t *obj, const char *key, int64_t lo,
    int64_t hi, uint32_t *has, uint32_t bit, void *out, size_t size)
{
	int64_t	 v = 0;
	int	 r;

	if ((r = dcw_get_int(c, obj, key, lo, hi, &v)) != 1)
		return r;
	*has |= bit;
	if (size == 1)
		*(uint8_t *)out = (uint8_t)v;
	else if (size == 2)
		*(uint16_t *)out = (uint16_t)v;
	else
		*(uint32_t *)out = (uint32_t)v;
	return 1;
}
