/*
 * RFC 8783 ACLs from their JSON (common/dc_acl.h).
 *
 * One walker with a node path: every error names the node at fault
 * ("ietf-dots-data-channel:acls/acl[0]/aces/ace[1]/matches/ipv4/
 * destination-ipv4-network: not an IPv4 prefix"), with the RESTCONF
 * error-tag RFC 8783 §7.2 asks for: unknown-element, invalid-value or
 * missing-attribute. Names, types and ranges are the YANG's
 * (ietf-dots-data-channel@2020-05-28, ietf-packet-fields@2019-03-04).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dc_acl_impl.h"

/* decimal64 with 2 fraction digits, a string (RFC 7951 §6.1) */
static int
rate(struct dctx *c, const json_t *o, struct dc_ace *a)
{
	const char	*s, *p;
	uint64_t	 v = 0;
	int		 r, frac = -1;

	if ((r = dcw_get_str(c, o, "rate-limit", &s)) != 1)
		return r;
	for (p = s; *p != '\0'; p++) {
		if (*p == '.' && frac < 0 && p > s) {
			frac = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || frac == 2 ||
		    v > (uint64_t)INT64_MAX / 10)
			return dcw_fail_at(c, "rate-limit", "invalid-value",
			    "not a decimal64 with 2 fraction digits in "
			    "bytes/s");
		v = v * 10 + (uint64_t)(*p - '0');
		if (frac >= 0)
			frac++;
	}
	if (p == s || frac == 0)
		return dcw_fail_at(c, "rate-limit", "invalid-value", "not a "
		    "decimal64 with 2 fraction digits in bytes/s");
	for (; frac < 2; frac++) {
		if (v > (uint64_t)INT64_MAX / 10)
			return dcw_fail_at(c, "rate-limit", "invalid-value",
			    "too large");
		v *= 10;
	}
	a->has_rate = true;
	a->rate_centi = v;
	return 1;
}

static int
actions(struct dctx *c, const json_t *o, struct dc_ace *a)
{
	static const char *const names[] = { "forwarding", "rate-limit",
	    NULL };
	const char	*f;
	int		 r;

	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1 ||
	    (r = dcw_get_str(c, o, "forwarding", &f)) == -1)
		return -1;
	if (r == 0)
		return dcw_fail_at(c, "forwarding", "missing-attribute",
		    "missing");
	if (dcw_ident_is(f, "accept"))
		a->forwarding = DC_FWD_ACCEPT;
	else if (dcw_ident_is(f, "drop"))
		a->forwarding = DC_FWD_DROP;
	else if (dcw_ident_is(f, "reject"))
		a->forwarding = DC_FWD_REJECT;
	else
		return dcw_fail_at(c, "forwarding", "invalid-value", "unknown "
		    "action '%.40s' (accept, drop or reject)", f);
	if (rate(c, o, a) == -1)
		return -1;
	if (a->has_rate && a->forwarding != DC_FWD_ACCEPT)
		return dcw_fail_at(c, "rate-limit", "invalid-value", "goes with "
		    "forwarding accept only (RFC 8783 §7.1)");
	return 0;
}

static int
ace(struct dctx *c, const json_t *o, unsigned type, struct dc_ace *a)
{
	static const char *const names[] = { "name", "matches", "actions",
	    NULL };
	json_t	*m = json_object_get(o, "matches"),
		*act = json_object_get(o, "actions");
	size_t	 old;

	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1 ||
	    dcw_get_name(c, o, a->name) == -1)
		return -1;
	if (m != NULL) {
		old = dcw_push(c, "matches");
		if (dc_matches(c, m, type, a) == -1)
			return -1;
		dcw_pop(c, old);
	}
	if (act == NULL)
		return dcw_fail_at(c, "actions", "missing-attribute", "missing "
		    "(forwarding is mandatory)");
	old = dcw_push(c, "actions");
	if (actions(c, act, a) == -1)
		return -1;
	dcw_pop(c, old);
	return 0;
}

static int
aces(struct dctx *c, const json_t *o, struct dc_acl *acl)
{
	static const char *const names[] = { "ace", NULL };
	json_t	*arr = json_object_get(o, "ace");
	size_t	 n, i, j, old;

	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1)
		return -1;
	acl->has_aces = true;
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr))
		return dcw_fail_at(c, "ace", "invalid-value", "expected an array");
	if ((n = json_array_size(arr)) > DC_ACES_MAX)
		return dcw_fail_at(c, "ace", "invalid-value", "%zu ACEs, at most %d "
		    "in one ACL", n, DC_ACES_MAX);
	if (n == 0)
		return 0;
	if ((acl->aces = calloc(n, sizeof(*acl->aces))) == NULL)
		return dc_errf(c->err, 500, "operation-failed", "out of "
		    "memory");
	acl->n_aces = n;
	for (i = 0; i < n; i++) {
		old = dcw_push(c, "ace[%zu]", i);
		if (ace(c, json_array_get(arr, i), acl->type,
		    &acl->aces[i]) == -1)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(acl->aces[j].name, acl->aces[i].name) == 0)
				return dcw_fail_at(c, "name", "invalid-value",
				    "duplicate ace name '%s'",
				    acl->aces[i].name);
		dcw_pop(c, old);
	}
	return 0;
}

static int
acl(struct dctx *c, const json_t *o, struct dc_acl *a)
{
	static const char *const names[] = { "name", "type",
	    "activation-type", "pending-lifetime", "aces", NULL };
	const char	*s;
	json_t		*x;
	int64_t		 pl;
	int		 r;
	size_t		 old;

	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1 ||
	    dcw_get_name(c, o, a->name) == -1 ||
	    (r = dcw_get_str(c, o, "type", &s)) == -1)
		return -1;
	if (r == 1) {
		if (dcw_ident_is(s, "ipv4-acl-type"))
			a->type = DC_TYPE_IPV4;
		else if (dcw_ident_is(s, "ipv6-acl-type"))
			a->type = DC_TYPE_IPV6;
		else
			return dcw_fail_at(c, "type", "invalid-value", "'%.40s' is "
			    "not supported (ipv4-acl-type or ipv6-acl-type)",
			    s);
	}
	if ((r = dcw_get_str(c, o, "activation-type", &s)) == -1)
		return -1;
	if (r == 1) {
		for (a->activation = DC_ACT_WHEN_MITIGATING;
		    a->activation <= DC_ACT_DEACTIVATE; a->activation++)
			if (strcmp(s, dc_activation_name(a->activation)) == 0)
				break;
		if (a->activation > DC_ACT_DEACTIVATE)
			return dcw_fail_at(c, "activation-type", "invalid-value",
			    "unknown activation-type '%.40s'", s);
	}
	if (json_object_get(o, "pending-lifetime") != NULL &&
	    c->mode == DC_REQUEST)
		return dcw_fail_at(c, "pending-lifetime", "invalid-value",
		    "config false: the server sets it");
	if ((r = dcw_get_int(c, o, "pending-lifetime", INT32_MIN, INT32_MAX, &pl))
	    == -1)
		return -1;
	a->has_pending = r == 1;
	a->pending_lifetime = (int32_t)(r == 1 ? pl : 0);
	if ((x = json_object_get(o, "aces")) != NULL) {
		old = dcw_push(c, "aces");
		if (aces(c, x, a) == -1)
			return -1;
		dcw_pop(c, old);
	}
	return 0;
}

int
dc_acls_decode_json(const json_t *root, enum dc_mode mode,
    struct dc_acls *out, struct dc_err *err)
{
	static const char *const rootnames[] = { DC_ACLS_ROOT, NULL };
	static const char *const aclsnames[] = { "acl", NULL };
	struct dctx	 c = { .mode = mode, .err = err };
	json_t		*acls, *arr;
	size_t		 n, i, j, old;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(root))
		return dc_errf(err, 400, "malformed-message", "the body is not "
		    "a JSON object");
	if (dcw_members(&c, root, rootnames) == -1)
		return -1;
	if ((acls = json_object_get(root, DC_ACLS_ROOT)) == NULL)
		return dc_errf(err, 400, "missing-attribute", "%s: missing",
		    DC_ACLS_ROOT);
	dcw_push(&c, DC_ACLS_ROOT);
	if (dcw_need_object(&c, acls) == -1 || dcw_members(&c, acls, aclsnames) == -1)
		return -1;
	if ((arr = json_object_get(acls, "acl")) == NULL)
		return dcw_fail_at(&c, "acl", "missing-attribute", "missing");
	if (!json_is_array(arr))
		return dcw_fail_at(&c, "acl", "invalid-value", "expected an array");
	n = json_array_size(arr);
	if (n == 0 || n > DC_ACLS_MAX)
		return dcw_fail_at(&c, "acl", "invalid-value", "%zu ACLs, 1..%d in "
		    "one body", n, DC_ACLS_MAX);
	if ((out->v = calloc(n, sizeof(*out->v))) == NULL)
		return dc_errf(err, 500, "operation-failed", "out of memory");
	out->n = n;
	for (i = 0; i < n; i++) {
		old = dcw_push(&c, "acl[%zu]", i);
		if (acl(&c, json_array_get(arr, i), &out->v[i]) == -1)
			goto fail;
		for (j = 0; j < i; j++)
			if (strcmp(out->v[j].name, out->v[i].name) == 0) {
				dcw_fail_at(&c, "name", "invalid-value", "duplicate "
				    "acl name '%s'", out->v[i].name);
				goto fail;
			}
		dcw_pop(&c, old);
	}
	return 0;
fail:
	dc_acls_free(out);
	return -1;
}

int
dc_acls_decode(const char *buf, size_t len, enum dc_mode mode,
    struct dc_acls *out, struct dc_err *err)
{
	json_error_t	 jerr;
	json_t		*root;
	int		 r;

	memset(out, 0, sizeof(*out));
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL)
		return dc_errf(err, 400, "malformed-message", "not JSON: %s "
		    "at offset %d", jerr.text, jerr.position);
	r = dc_acls_decode_json(root, mode, out, err);
	json_decref(root);
	return r;
}

