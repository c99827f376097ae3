/*
 * The provisioning augmentation's JSON (dc_provision_json.h). Same
 * bounds as the signal channel's CBOR decoder (dots_codec_session.c):
 * names of at most DOTS_REG_MAX_TEXT printable bytes without spaces,
 * lists of at most DOTS_REG_MAX_LIST distinct values.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dc_provision_json.h"
#include "common/prefix.h"

#define P	"provisioning: "

static int
word(const json_t *v, const char *key, char **out, struct dc_err *e)
{
	const char *s = json_string_value(v);
	size_t n;

	if (s == NULL || (n = strlen(s)) == 0 || n > DOTS_REG_MAX_TEXT)
		return dc_errf(e, 400, "invalid-value", P "%s: a string of 1 "
		    "to %d characters", key, DOTS_REG_MAX_TEXT);
	for (const char *p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e)
			return dc_errf(e, 400, "invalid-value", P "%s: only "
			    "printable ASCII without spaces", key);
	if ((*out = strdup(s)) == NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	return 0;
}

static int
address(const json_t *v, const char *key, char **out, struct dc_err *e)
{
	struct prefix host;

	if (word(v, key, out, e) == -1)
		return -1;
	if (prefix_parse_addr(*out, &host) == -1)
		return dc_errf(e, 400, "invalid-value", P "%s: \"%.64s\" is "
		    "not a numeric IPv4 or IPv6 address", key, *out);
	return 0;
}

/* RFC 7951 §6.1: uint64 is a decimal string; a plain number is taken
 * too (what a hand-written body says), nothing else. */
static int
u64(const json_t *v, const char *key, uint64_t max, uint64_t *out,
    struct dc_err *e)
{
	const char *s;
	char *end;

	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) <= max) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if ((s = json_string_value(v)) != NULL && s[0] >= '0' &&
	    s[0] <= '9') {
		errno = 0;
		*out = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0' && *out <= max)
			return 0;
	}
	return dc_errf(e, 400, "invalid-value", P "%s: an unsigned integer "
	    "up to %" PRIu64, key, max);
}

static int
list(const json_t *v, const char *key, struct strv *sv, struct dc_err *e)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v) || json_array_size(v) > DOTS_REG_MAX_LIST)
		return dc_errf(e, 400, "invalid-value", P "%s: a list of at "
		    "most %d strings", key, DOTS_REG_MAX_LIST);
	json_array_foreach(v, i, s) {
		char *w;

		if (word(s, key, &w, e) == -1)
			return -1;
		for (size_t j = 0; j < sv->n; j++)
			if (strcmp(sv->v[j], w) == 0) {
				dc_errf(e, 400, "invalid-value", P "%s: \"%s\" "
				    "given twice", key, w);
				free(w);
				return -1;
			}
		if (strv_push(sv, w) == -1) {
			free(w);
			return dc_errf(e, 500, "operation-failed",
			    "out of memory");
		}
		free(w);
	}
	return 0;
}

static int
prefixes(const json_t *v, struct dots_registration *r, struct dc_err *e)
{
	size_t i;
	json_t *s;

	if (!json_is_array(v) || json_array_size(v) > DOTS_REG_MAX_LIST)
		return dc_errf(e, 400, "invalid-value", P "served-prefix: a "
		    "list of at most %d prefixes", DOTS_REG_MAX_LIST);
	if (json_array_size(v) == 0)
		return 0;
	if ((r->served = calloc(json_array_size(v), sizeof(*r->served))) ==
	    NULL)
		return dc_errf(e, 500, "operation-failed", "out of memory");
	json_array_foreach(v, i, s) {
		const char *t = json_string_value(s);

		if (t == NULL || prefix_parse(t, &r->served[i]) == -1)
			return dc_errf(e, 400, "invalid-value", P "served-"
			    "prefix: element %zu is not an IPv4 or IPv6 prefix",
			    i);
		r->n_served = i + 1;
	}
	return 0;
}

static int
member(const char *k, const json_t *v, struct dots_registration *r,
    struct dc_err *e)
{
	uint64_t u;

	if (strcmp(k, "server-address") == 0)
		return address(v, k, &r->server_address, e);
	if (strcmp(k, "server-port") == 0) {
		if (u64(v, k, 65535, &u, e) == -1)
			return -1;
		if (u == 0)
			return dc_errf(e, 400, "invalid-value", P "server-port "
			    "must be 1..65535");
		r->server_port = (uint16_t)u;
		return 0;
	}
	if (strcmp(k, "server-transport") == 0) {
		const char *s = json_string_value(v);

		if (s != NULL && strcmp(s, "dtls") == 0)
			r->server_transport = DOTS_REG_DTLS;
		else if (s != NULL && strcmp(s, "tls") == 0)
			r->server_transport = DOTS_REG_TLS;
		else
			return dc_errf(e, 400, "invalid-value", P "server-"
			    "transport: \"dtls\" or \"tls\"");
		return 0;
	}
	if (strcmp(k, "capacity-bps") == 0)
		return u64(v, k, UINT64_MAX, &r->capacity_bps, e);
	if (strcmp(k, "capacity-pps") == 0)
		return u64(v, k, UINT64_MAX, &r->capacity_pps, e);
	if (strcmp(k, "attack-type") == 0)
		return list(v, k, &r->attack_types, e);
	if (strcmp(k, "countermeasure") == 0)
		return list(v, k, &r->countermeasures, e);
	if (strcmp(k, "threshold-bps") == 0)
		return u64(v, k, UINT64_MAX, &r->threshold_bps, e);
	if (strcmp(k, "threshold-pps") == 0)
		return u64(v, k, UINT64_MAX, &r->threshold_pps, e);
	if (strcmp(k, "threshold-duration") == 0) {
		if (u64(v, k, UINT32_MAX, &u, e) == -1)
			return -1;
		r->threshold_duration = (uint32_t)u;
		return 0;
	}
	if (strcmp(k, "served-prefix") == 0)
		return prefixes(v, r, e);
	if (strcmp(k, "tunnel-information") == 0)
		return word(v, k, &r->tunnel, e);
	if (strcmp(k, "next-hop") == 0)
		return address(v, k, &r->next_hop, e);
	if (strcmp(k, "registration-time") == 0)
		return dc_errf(e, 400, "invalid-value", P "registration-time "
		    "is config false (set by the orchestrator)");
	return dc_errf(e, 400, "unknown-element", P "unknown member "
	    "\"%.60s\"", k);
}

int
dc_decode_provisioning(const json_t *v, struct dots_registration *r,
    struct dc_err *e)
{
	const char *k;
	json_t *m;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(v))
		return dc_errf(e, 400, "invalid-value", DC_PROV_MEMBER
		    ": an object");
	json_object_foreach((json_t *)v, k, m)
		if (member(k, m, r, e) == -1) {
			dots_registration_free(r);
			return -1;
		}
	return 0;
}

static json_t *
u64s(uint64_t u)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, u);
	return json_string(buf);
}

static json_t *
strs(const struct strv *sv)
{
	json_t *a = json_array();

	for (size_t i = 0; a != NULL && i < sv->n; i++)
		json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

json_t *
dc_encode_provisioning(const struct dots_registration *r)
{
	char pb[PREFIX_STRLEN];
	json_t *o, *a;

	if ((o = json_object()) == NULL)
		return NULL;
	if (r->server_address != NULL)
		json_object_set_new(o, "server-address",
		    json_string(r->server_address));
	if (r->server_port != 0)
		json_object_set_new(o, "server-port",
		    json_integer(r->server_port));
	if (r->server_transport != 0)
		json_object_set_new(o, "server-transport", json_string(
		    r->server_transport == DOTS_REG_TLS ? "tls" : "dtls"));
	if (r->capacity_bps != 0)
		json_object_set_new(o, "capacity-bps", u64s(r->capacity_bps));
	if (r->capacity_pps != 0)
		json_object_set_new(o, "capacity-pps", u64s(r->capacity_pps));
	if (r->attack_types.n > 0)
		json_object_set_new(o, "attack-type", strs(&r->attack_types));
	if (r->countermeasures.n > 0)
		json_object_set_new(o, "countermeasure",
		    strs(&r->countermeasures));
	if (r->threshold_bps != 0)
		json_object_set_new(o, "threshold-bps", u64s(r->threshold_bps));
	if (r->threshold_pps != 0)
		json_object_set_new(o, "threshold-pps", u64s(r->threshold_pps));
	if (r->threshold_duration != 0)
		json_object_set_new(o, "threshold-duration",
		    json_integer(r->threshold_duration));
	if (r->n_served > 0 && (a = json_array()) != NULL) {
		for (size_t i = 0; i < r->n_served; i++)
			json_array_append_new(a, json_string(prefix_format(
			    &r->served[i], pb, sizeof(pb))));
		json_object_set_new(o, "served-prefix", a);
	}
	if (r->tunnel != NULL)
		json_object_set_new(o, "tunnel-information",
		    json_string(r->tunnel));
	if (r->next_hop != NULL)
		json_object_set_new(o, "next-hop", json_string(r->next_hop));
	if (r->registration_time != 0)
		json_object_set_new(o, "registration-time",
		    u64s(r->registration_time));
	return o;
}
