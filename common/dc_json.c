/*
 * RFC 8783 JSON bodies (dc_json.h). Every member is checked against the
 * YANG module's types before anything is kept: names of RFC 7951 (the
 * module-qualified top-level member, plain names below), lists bounded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dc_json.h"
#include "common/prefix.h"

#define MOD	"ietf-dots-data-channel:"

json_t *
dc_json_parse(const char *body, size_t len, struct dc_err *e)
{
	json_error_t je;
	json_t *j;

	j = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	if (j == NULL) {
		dc_errf(e, 400, "malformed-message", "malformed JSON at "
		    "line %d column %d: %.80s", je.line, je.column, je.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		dc_errf(e, 400, "malformed-message", "the body is not a JSON "
		    "object");
		return NULL;
	}
	return j;
}

/* The single member of a top-level object, named MOD name. */
static const json_t *
top_member(const json_t *j, const char *name, struct dc_err *e)
{
	const char *key;
	json_t *v;

	if (json_object_size(j) != 1)
		goto bad;
	json_object_foreach((json_t *)j, key, v) {
		if (strncmp(key, MOD, strlen(MOD)) == 0 &&
		    strcmp(key + strlen(MOD), name) == 0)
			return v;
	}
bad:
	dc_errf(e, 400, "unknown-element", "expected one member \"" MOD
	    "%s\"", name);
	return NULL;
}

static int
safe_string(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return -1;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == '/' || *s == '"' ||
		    *s == '\\' || *s == '?' || *s == '&' || *s == '=' ||
		    *s == '%' || *s == ',')
			return -1;
	return 0;
}

int
dc_decode_client(const json_t *j, struct dc_client_req *out,
    struct dc_err *e)
{
	const json_t *list, *c;
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if ((list = top_member(j, "dots-client", e)) == NULL)
		return -1;
	if (!json_is_array(list) || json_array_size(list) != 1 ||
	    !json_is_object(c = json_array_get(list, 0)))
		return dc_errf(e, 400, "invalid-value", "dots-client: a list "
		    "of one entry");
	json_object_foreach((json_t *)c, key, v) {
		char *dst;

		if (strcmp(key, "cuid") == 0)
			dst = out->cuid;
		else if (strcmp(key, "cdid") == 0)
			dst = out->cdid;
		else
			return dc_errf(e, 400, "unknown-element",
			    "dots-client: unknown member \"%.60s\"", key);
		if (!json_is_string(v) ||
		    safe_string(json_string_value(v), DC_CUID_MAX) == -1)
			return dc_errf(e, 400, "invalid-value", "dots-client: "
			    "%s: a string of 1 to %d characters, no "
			    "delimiters", key, DC_CUID_MAX);
		strcpy(dst, json_string_value(v));
	}
	if (out->cuid[0] == '\0')
		return dc_errf(e, 400, "missing-attribute", "dots-client: "
		    "cuid is needed");
	return 0;
}

static int
str_list(const json_t *v, const char *key, struct strv *sv, size_t max,
    struct dc_err *e)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > DC_TARGETS_MAX)
		return dc_errf(e, 400, "invalid-value", "%s: a list of 1 to "
		    "%d strings", key, DC_TARGETS_MAX);
	json_array_foreach(v, i, s) {
		const char *t = json_string_value(s);

		if (t == NULL || t[0] == '\0' || strlen(t) > max)
			return dc_errf(e, 400, "invalid-value", "%s: element "
			    "%zu is not a string of 1 to %zu characters", key,
			    i, max);
		if (strv_push(sv, t) == -1)
			return dc_errf(e, 500, "operation-failed",
			    "out of memory");
	}
	return 0;
}

static int
prefixes(const json_t *v, struct dots_scope *s, struct dc_err *e)
{
	size_t i;
	json_t *p;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > DC_TARGETS_MAX)
		return dc_errf(e, 400, "invalid-value", "target-prefix: a "
		    "list of 1 to %d prefixes", DC_TARGETS_MAX);
	if ((s->target_prefix = calloc(json_array_size(v),
	    sizeof(*s->target_prefix))) == NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	json_array_foreach(v, i, p) {
		const char *t = json_string_value(p);

		if (t == NULL || strchr(t, '/') == NULL ||
		    prefix_parse(t, &s->target_prefix[i]) == -1)
			return dc_errf(e, 400, "invalid-value", "target-prefix: "
			    "element %zu is not an IP prefix", i);
		s->n_target_prefix++;
	}
	return 0;
}

static int
port(const json_t *v, uint16_t *out)
{
	json_int_t n;

	if (!json_is_integer(v) || (n = json_integer_value(v)) < 0 ||
	    n > 65535)
		return -1;
	*out = (uint16_t)n;
	return 0;
}

static int
port_ranges(const json_t *v, struct dots_scope *s, struct dc_err *e)
{
	size_t i;
	json_t *r;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > DC_TARGETS_MAX)
		return dc_errf(e, 400, "invalid-value", "target-port-range: a "
		    "list of 1 to %d ranges", DC_TARGETS_MAX);
	if ((s->target_port_range = calloc(json_array_size(v),
	    sizeof(*s->target_port_range))) == NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	json_array_foreach(v, i, r) {
		struct port_range *pr = &s->target_port_range[i];
		const char *key;
		json_t *m;
		bool lower = false, upper = false;

		if (!json_is_object(r))
			return dc_errf(e, 400, "invalid-value",
			    "target-port-range: element %zu is not an object",
			    i);
		json_object_foreach(r, key, m) {
			if (strcmp(key, "lower-port") == 0 &&
			    port(m, &pr->lower) == 0)
				lower = true;
			else if (strcmp(key, "upper-port") == 0 &&
			    port(m, &pr->upper) == 0)
				upper = true;
			else if (strcmp(key, "lower-port") == 0 ||
			    strcmp(key, "upper-port") == 0)
				return dc_errf(e, 400, "invalid-value",
				    "target-port-range: %s: a port number",
				    key);
			else
				return dc_errf(e, 400, "unknown-element",
				    "target-port-range: unknown member "
				    "\"%.60s\"", key);
		}
		if (!lower)
			return dc_errf(e, 400, "missing-attribute",
			    "target-port-range: lower-port is needed");
		if (!upper)
			pr->upper = pr->lower;
		if (pr->upper < pr->lower)
			return dc_errf(e, 400, "invalid-value",
			    "target-port-range: upper-port below lower-port");
		s->n_target_port_range++;
	}
	return 0;
}

static int
protocols(const json_t *v, struct dots_scope *s, struct dc_err *e)
{
	size_t i;
	json_t *p;

	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > DC_TARGETS_MAX)
		return dc_errf(e, 400, "invalid-value", "target-protocol: a "
		    "list of 1 to %d numbers", DC_TARGETS_MAX);
	if ((s->target_protocol = calloc(json_array_size(v), 1)) == NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	json_array_foreach(v, i, p) {
		if (!json_is_integer(p) || json_integer_value(p) < 0 ||
		    json_integer_value(p) > 255)
			return dc_errf(e, 400, "invalid-value",
			    "target-protocol: element %zu is not a uint8", i);
		s->target_protocol[s->n_target_protocol++] =
		    (uint8_t)json_integer_value(p);
	}
	return 0;
}

static int
decode_alias(const json_t *j, struct dc_alias *a, struct dc_err *e)
{
	struct dots_scope *s = &a->targets;
	const char *key;
	json_t *v;
	int rc;

	if (!json_is_object(j))
		return dc_errf(e, 400, "invalid-value", "alias: an entry is "
		    "not an object");
	json_object_foreach((json_t *)j, key, v) {
		if (strcmp(key, "name") == 0) {
			if (!json_is_string(v) || safe_string(
			    json_string_value(v), DC_NAME_MAX) == -1)
				return dc_errf(e, 400, "invalid-value",
				    "alias: name: a string of 1 to %d "
				    "characters, no delimiters", DC_NAME_MAX);
			strcpy(a->name, json_string_value(v));
			continue;
		}
		if (strcmp(key, "target-prefix") == 0)
			rc = prefixes(v, s, e);
		else if (strcmp(key, "target-port-range") == 0)
			rc = port_ranges(v, s, e);
		else if (strcmp(key, "target-protocol") == 0)
			rc = protocols(v, s, e);
		else if (strcmp(key, "target-fqdn") == 0)
			rc = str_list(v, key, &s->target_fqdn, 253, e);
		else if (strcmp(key, "target-uri") == 0)
			rc = str_list(v, key, &s->target_uri, 1024, e);
		else if (strcmp(key, "pending-lifetime") == 0)
			return dc_errf(e, 400, "invalid-value", "alias: "
			    "pending-lifetime is not configuration data");
		else
			return dc_errf(e, 400, "unknown-element", "alias: "
			    "unknown member \"%.60s\"", key);
		if (rc == -1)
			return -1;
	}
	if (a->name[0] == '\0')
		return dc_errf(e, 400, "missing-attribute", "alias: name is "
		    "needed");
	if (s->n_target_prefix == 0 && s->target_fqdn.n == 0 &&
	    s->target_uri.n == 0)
		return dc_errf(e, 400, "missing-attribute", "alias %s: one of "
		    "target-prefix, target-fqdn, target-uri is needed",
		    a->name);
	return 0;
}

int
dc_decode_aliases(const json_t *j, const char *one_name,
    struct dc_aliases *out, struct dc_err *e)
{
	const json_t *list, *top;
	size_t i;
	json_t *v;

	memset(out, 0, sizeof(*out));
	if (one_name != NULL) {
		if ((list = top_member(j, "alias", e)) == NULL)
			return -1;
	} else {
		if ((top = top_member(j, "aliases", e)) == NULL)
			return -1;
		if (!json_is_object(top) || json_object_size(top) != 1 ||
		    (list = json_object_get(top, "alias")) == NULL)
			return dc_errf(e, 400, "unknown-element", "aliases: "
			    "one member \"alias\" is expected");
	}
	if (!json_is_array(list) || json_array_size(list) == 0 ||
	    json_array_size(list) > DC_TARGETS_MAX ||
	    (one_name != NULL && json_array_size(list) != 1))
		return dc_errf(e, 400, "invalid-value", "alias: a list of %s",
		    one_name != NULL ? "one entry" : "1 to 64 entries");
	if ((out->v = calloc(json_array_size(list), sizeof(*out->v))) == NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	json_array_foreach(list, i, v) {
		out->n++;
		if (decode_alias(v, &out->v[i], e) == -1)
			return -1;
		for (size_t k = 0; k < i; k++)
			if (strcmp(out->v[k].name, out->v[i].name) == 0)
				return dc_errf(e, 400, "invalid-value",
				    "alias %s: twice in the body",
				    out->v[i].name);
	}
	if (one_name != NULL && strcmp(out->v[0].name, one_name) != 0)
		return dc_errf(e, 400, "invalid-value", "alias: name \"%s\" is "
		    "not the URI's \"%s\"", out->v[0].name, one_name);
	return 0;
}

void
dc_alias_free(struct dc_alias *a)
{
	dots_scope_free(&a->targets);
	memset(a, 0, sizeof(*a));
}

void
dc_aliases_free(struct dc_aliases *as)
{
	for (size_t i = 0; i < as->n; i++)
		dc_alias_free(&as->v[i]);
	free(as->v);
	memset(as, 0, sizeof(*as));
}

static json_t *
strv_json(const struct strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

json_t *
dc_encode_alias(const struct dc_alias *al, unsigned content, int64_t pending)
{
	const struct dots_scope *s = &al->targets;
	json_t *o = json_object(), *a;
	char buf[PREFIX_STRLEN];

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "name", json_string(al->name));
	if (content & DC_CONTENT_CONFIG) {
		if (s->n_target_prefix > 0) {
			a = json_array();
			for (size_t i = 0; i < s->n_target_prefix; i++)
				json_array_append_new(a, json_string(
				    prefix_format(&s->target_prefix[i], buf,
				    sizeof(buf))));
			json_object_set_new(o, "target-prefix", a);
		}
		if (s->n_target_port_range > 0) {
			a = json_array();
			for (size_t i = 0; i < s->n_target_port_range; i++) {
				const struct port_range *r =
				    &s->target_port_range[i];
				json_t *r_j = json_object();

				json_object_set_new(r_j, "lower-port",
				    json_integer(r->lower));
				if (r->upper != r->lower)
					json_object_set_new(r_j, "upper-port",
					    json_integer(r->upper));
				json_array_append_new(a, r_j);
			}
			json_object_set_new(o, "target-port-range", a);
		}
		if (s->n_target_protocol > 0) {
			a = json_array();
			for (size_t i = 0; i < s->n_target_protocol; i++)
				json_array_append_new(a, json_integer(
				    s->target_protocol[i]));
			json_object_set_new(o, "target-protocol", a);
		}
		if (s->target_fqdn.n > 0)
			json_object_set_new(o, "target-fqdn",
			    strv_json(&s->target_fqdn));
		if (s->target_uri.n > 0)
			json_object_set_new(o, "target-uri",
			    strv_json(&s->target_uri));
	}
	if (content & DC_CONTENT_NONCONFIG)
		json_object_set_new(o, "pending-lifetime",
		    json_integer(pending));
	return o;
}
