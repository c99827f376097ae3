/*
 * RFC 9244 telemetry bodies (dots_tm.h): a schema walk over the JSON the
 * generic translation makes of the CBOR, then extraction of what the
 * gateway uses. The schema is the YANG tree of ietf-dots-telemetry
 * (2022-06-20) for the signal channel, written as nested field tables.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cbor_guard.h"
#include "dots_json.h"
#include "dots_keys.h"
#include "dots_tm.h"

#define TM_SETUP_ROOT	"ietf-dots-telemetry:telemetry-setup"
#define TM_ROOT		"ietf-dots-telemetry:telemetry"

enum ft {
	F_U8, F_U16, F_U32, F_G64, F_DEC, F_BOOL, F_TEXT, F_ENUM,
	F_OBJ, F_LIST, F_TEXTS, F_U8S, F_U32S, F_ENUMS,
};

#define REQ	1	/* mandatory in each list entry / container */
#define RESP	2	/* only in server bodies (identifiers, capabilities) */

struct field {
	const char		*name;
	enum ft			 t;
	const struct field	*sub;	/* F_OBJ, F_LIST */
	int			 flags;
};

#define GAUGES \
	{ "low-percentile-g", F_G64, NULL, 0 }, \
	{ "mid-percentile-g", F_G64, NULL, 0 }, \
	{ "high-percentile-g", F_G64, NULL, 0 }, \
	{ "peak-g", F_G64, NULL, 0 }, \
	{ "current-g", F_G64, NULL, 0 }

static const struct field f_gauges[] = { GAUGES, { NULL, 0, NULL, 0 } };
static const struct field f_traffic[] = {
	{ "unit", F_ENUM, NULL, REQ }, GAUGES, { NULL, 0, NULL, 0 }
};
static const struct field f_traffic_proto[] = {
	{ "unit", F_ENUM, NULL, REQ }, { "protocol", F_U8, NULL, REQ },
	GAUGES, { NULL, 0, NULL, 0 }
};
static const struct field f_traffic_port[] = {
	{ "unit", F_ENUM, NULL, REQ }, { "port", F_U16, NULL, REQ },
	GAUGES, { NULL, 0, NULL, 0 }
};

#define CONNECTIONS \
	{ "connection", F_G64, NULL, 0 }, \
	{ "connection-client", F_G64, NULL, 0 }, \
	{ "embryonic", F_G64, NULL, 0 }, \
	{ "embryonic-client", F_G64, NULL, 0 }, \
	{ "connection-ps", F_G64, NULL, 0 }, \
	{ "connection-client-ps", F_G64, NULL, 0 }, \
	{ "request-ps", F_G64, NULL, 0 }, \
	{ "request-client-ps", F_G64, NULL, 0 }, \
	{ "partial-request-max", F_G64, NULL, 0 }, \
	{ "partial-request-client-max", F_G64, NULL, 0 }

static const struct field f_conn_cap[] = {
	{ "protocol", F_U8, NULL, REQ }, CONNECTIONS, { NULL, 0, NULL, 0 }
};
static const struct field f_conn_cap_port[] = {
	{ "protocol", F_U8, NULL, REQ }, { "port", F_U16, NULL, REQ },
	CONNECTIONS, { NULL, 0, NULL, 0 }
};

#define ATTACK_CONNECTIONS \
	{ "connection-c", F_OBJ, f_gauges, 0 }, \
	{ "embryonic-c", F_OBJ, f_gauges, 0 }, \
	{ "connection-ps-c", F_OBJ, f_gauges, 0 }, \
	{ "request-ps-c", F_OBJ, f_gauges, 0 }, \
	{ "partial-request-c", F_OBJ, f_gauges, 0 }

static const struct field f_att_conn[] = {
	{ "protocol", F_U8, NULL, REQ }, ATTACK_CONNECTIONS,
	{ NULL, 0, NULL, 0 }
};
static const struct field f_att_conn_port[] = {
	{ "protocol", F_U8, NULL, REQ }, { "port", F_U16, NULL, REQ },
	ATTACK_CONNECTIONS, { NULL, 0, NULL, 0 }
};

static const struct field f_port_range[] = {
	{ "lower-port", F_U16, NULL, REQ }, { "upper-port", F_U16, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_icmp_range[] = {
	{ "lower-type", F_U8, NULL, REQ }, { "upper-type", F_U8, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};

#define TARGET \
	{ "target-prefix", F_TEXTS, NULL, 0 }, \
	{ "target-port-range", F_LIST, f_port_range, 0 }, \
	{ "target-protocol", F_U8S, NULL, 0 }, \
	{ "target-fqdn", F_TEXTS, NULL, 0 }, \
	{ "target-uri", F_TEXTS, NULL, 0 }, \
	{ "alias-name", F_TEXTS, NULL, 0 }

static const struct field f_target[] = {
	TARGET, { "mid-list", F_U32S, NULL, 0 }, { NULL, 0, NULL, 0 }
};

static const struct field f_talker[] = {
	{ "spoofed-status", F_BOOL, NULL, 0 },
	{ "source-prefix", F_TEXT, NULL, REQ },
	{ "source-port-range", F_LIST, f_port_range, 0 },
	{ "source-icmp-type-range", F_LIST, f_icmp_range, 0 },
	{ "total-attack-traffic", F_LIST, f_traffic, 0 },
	{ "total-attack-connection-protocol", F_LIST, f_att_conn, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_top_talker[] = {
	{ "talker", F_LIST, f_talker, 0 }, { NULL, 0, NULL, 0 }
};
static const struct field f_attack_detail[] = {
	{ "vendor-id", F_U32, NULL, REQ },
	{ "attack-id", F_U32, NULL, REQ },
	{ "description-lang", F_TEXT, NULL, 0 },
	{ "attack-description", F_TEXT, NULL, 0 },
	{ "attack-severity", F_ENUM, NULL, 0 },
	{ "start-time", F_G64, NULL, 0 },
	{ "end-time", F_G64, NULL, 0 },
	{ "source-count", F_OBJ, f_gauges, 0 },
	{ "top-talker", F_OBJ, f_top_talker, 0 },
	{ NULL, 0, NULL, 0 }
};

static const struct field f_pre[] = {
	{ "tmid", F_U32, NULL, RESP },
	{ "target", F_OBJ, f_target, REQ },
	{ "total-traffic", F_LIST, f_traffic, 0 },
	{ "total-traffic-protocol", F_LIST, f_traffic_proto, 0 },
	{ "total-traffic-port", F_LIST, f_traffic_port, 0 },
	{ "total-attack-traffic", F_LIST, f_traffic, 0 },
	{ "total-attack-traffic-protocol", F_LIST, f_traffic_proto, 0 },
	{ "total-attack-traffic-port", F_LIST, f_traffic_port, 0 },
	{ "total-attack-connection-protocol", F_LIST, f_att_conn, 0 },
	{ "total-attack-connection-port", F_LIST, f_att_conn_port, 0 },
	{ "attack-detail", F_LIST, f_attack_detail, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_tm[] = {
	{ "pre-or-ongoing-mitigation", F_LIST, f_pre, REQ },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_tm_root[] = {
	{ TM_ROOT, F_OBJ, f_tm, REQ }, { NULL, 0, NULL, 0 }
};

static const struct field f_unit_config[] = {
	{ "unit", F_ENUM, NULL, REQ }, { "unit-status", F_BOOL, NULL, REQ },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_config[] = {
	{ "measurement-interval", F_ENUM, NULL, 0 },
	{ "measurement-sample", F_ENUM, NULL, 0 },
	{ "low-percentile", F_DEC, NULL, 0 },
	{ "mid-percentile", F_DEC, NULL, 0 },
	{ "high-percentile", F_DEC, NULL, 0 },
	{ "unit-config", F_LIST, f_unit_config, 0 },
	{ "server-originated-telemetry", F_BOOL, NULL, 0 },
	{ "telemetry-notify-interval", F_U16, NULL, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_link[] = {
	{ "link-id", F_TEXT, NULL, REQ }, { "capacity", F_G64, NULL, REQ },
	{ "unit", F_ENUM, NULL, REQ }, { NULL, 0, NULL, 0 }
};
static const struct field f_baseline[] = {
	{ "id", F_U32, NULL, REQ }, TARGET,
	{ "total-traffic-normal", F_LIST, f_traffic, 0 },
	{ "total-traffic-normal-per-protocol", F_LIST, f_traffic_proto, 0 },
	{ "total-traffic-normal-per-port", F_LIST, f_traffic_port, 0 },
	{ "total-connection-capacity", F_LIST, f_conn_cap, 0 },
	{ "total-connection-capacity-per-port", F_LIST, f_conn_cap_port, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_setup_entry[] = {
	{ "tsid", F_U32, NULL, RESP },
	{ "current-config", F_OBJ, f_config, 0 },
	{ "total-pipe-capacity", F_LIST, f_link, 0 },
	{ "baseline", F_LIST, f_baseline, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_supported_units[] = {
	{ "unit-config", F_LIST, f_unit_config, 0 }, { NULL, 0, NULL, 0 }
};
static const struct field f_setup[] = {
	{ "max-config-values", F_OBJ, f_config, RESP },
	{ "min-config-values", F_OBJ, f_config, RESP },
	{ "supported-unit-classes", F_OBJ, f_supported_units, RESP },
	{ "supported-query-type", F_ENUMS, NULL, RESP },
	{ "telemetry", F_LIST, f_setup_entry, 0 },
	{ NULL, 0, NULL, 0 }
};
static const struct field f_setup_root[] = {
	{ TM_SETUP_ROOT, F_OBJ, f_setup, REQ }, { NULL, 0, NULL, 0 }
};

/* ---- the walk ---- */

static bool
enum_ok(const char *name, const char *label)
{
	const struct dots_key *k = dots_key_by_name(name);

	if (k == NULL || k->enum_labels == NULL)
		return false;
	for (size_t i = 1; k->enum_labels[i] != NULL; i++)
		if (strcmp(k->enum_labels[i], label) == 0)
			return true;
	return false;
}

/* "12.34" -> 1234; -1 when not two-fraction-digit decimal. */
static int64_t
dec_parse(const char *s)
{
	int64_t v = 0;
	size_t i, n = strlen(s);

	if (n < 4 || n > 12 || s[n - 3] != '.')
		return -1;
	for (i = 0; i < n; i++) {
		if (i == n - 3)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
g64_parse(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' ||
		    v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

static int walk_obj(const json_t *, const struct field *, bool resp,
    const char *where, int depth, struct dots_err *);

static int
walk_uint(const json_t *v, const char *name, uint64_t max,
    struct dots_err *err)
{
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return dots_errf(err, 400, "'%s' must be an integer 0..%"
		    PRIu64, name, max);
	return 0;
}

static int
walk_value(const json_t *v, const struct field *f, bool resp,
    int depth, struct dots_err *err)
{
	const char *n = f->name;
	uint64_t g;
	size_t i;
	json_t *e;

	switch (f->t) {
	case F_U8:
		return walk_uint(v, n, UINT8_MAX, err);
	case F_U16:
		return walk_uint(v, n, UINT16_MAX, err);
	case F_U32:
		return walk_uint(v, n, UINT32_MAX, err);
	case F_G64:
		if (!json_is_string(v) || g64_parse(json_string_value(v),
		    &g) == -1)
			return dots_errf(err, 400, "'%s' must be an unsigned "
			    "64-bit integer", n);
		return 0;
	case F_DEC:
		if (!json_is_string(v) || dec_parse(json_string_value(v)) < 0)
			return dots_errf(err, 400, "'%s' must be a decimal "
			    "with two fraction digits", n);
		return 0;
	case F_BOOL:
		if (!json_is_boolean(v))
			return dots_errf(err, 400, "'%s' must be a boolean", n);
		return 0;
	case F_TEXT:
		if (!json_is_string(v) || json_string_length(v) == 0)
			return dots_errf(err, 400, "'%s' must be a non-empty "
			    "string", n);
		return 0;
	case F_ENUM:
		if (!json_is_string(v) || !enum_ok(n, json_string_value(v))) {
			if (json_is_integer(v))
				return dots_errf(err, 400, "unknown %s %"
				    JSON_INTEGER_FORMAT, n,
				    json_integer_value(v));
			return dots_errf(err, 400, "unknown %s", n);
		}
		return 0;
	case F_OBJ:
		if (!json_is_object(v))
			return dots_errf(err, 400, "'%s' must be a map", n);
		return walk_obj(v, f->sub, resp, n, depth + 1, err);
	case F_LIST:
	case F_TEXTS:
	case F_U8S:
	case F_U32S:
	case F_ENUMS:
		if (!json_is_array(v) || json_array_size(v) == 0)
			return dots_errf(err, 400, "'%s' must be a non-empty "
			    "array", n);
		json_array_foreach(v, i, e) {
			struct field ef = *f;

			ef.t = f->t == F_LIST ? F_OBJ : f->t == F_TEXTS ?
			    F_TEXT : f->t == F_U8S ? F_U8 : f->t == F_U32S ?
			    F_U32 : F_ENUM;
			if (walk_value(e, &ef, resp, depth, err) == -1)
				return -1;
		}
		return 0;
	}
	return dots_errf(err, 500, "schema");
}

static int
walk_obj(const json_t *o, const struct field *fs, bool resp,
    const char *where, int depth, struct dots_err *err)
{
	const struct field *f;
	const char *key;
	json_t *v;

	if (depth > 12)
		return dots_errf(err, 400, "nesting too deep");
	json_object_foreach((json_t *)o, key, v) {
		for (f = fs; f->name != NULL; f++)
			if (strcmp(f->name, key) == 0)
				break;
		if (f->name == NULL)
			return dots_errf(err, 400, "unexpected '%s' in '%s'",
			    key, where);
		if ((f->flags & RESP) && !resp)
			return dots_errf(err, 400, "'%s' is the server's: "
			    "not in a request body", key);
		if (walk_value(v, f, resp, depth, err) == -1)
			return -1;
	}
	for (f = fs; f->name != NULL; f++)
		if ((f->flags & REQ) && json_object_get(o, f->name) == NULL)
			return dots_errf(err, 400, "'%s' lacks mandatory '%s'",
			    where, f->name);
	return 0;
}

/* ---- units, gauges, targets ---- */

static const char *const unit_names[] = {
	"", "packet-ps", "bit-ps", "byte-ps", "kilopacket-ps", "kilobit-ps",
	"kilobyte-ps", "megapacket-ps", "megabit-ps", "megabyte-ps",
	"gigapacket-ps", "gigabit-ps", "gigabyte-ps", "terapacket-ps",
	"terabit-ps", "terabyte-ps", "petapacket-ps", "petabit-ps",
	"petabyte-ps", "exapacket-ps", "exabit-ps", "exabyte-ps",
	"zettapacket-ps", "zettabit-ps", "zettabyte-ps"
};

static uint8_t
unit_of(const char *s)
{
	for (uint8_t i = 1; i <= DOTS_TM_UNIT_MAX; i++)
		if (strcmp(unit_names[i], s) == 0)
			return i;
	return 0;
}

int
dots_tm_unit_class(uint8_t unit)
{
	if (unit == 0 || unit > DOTS_TM_UNIT_MAX)
		return 0;
	return unit <= 3 ? unit : (unit - 4) % 3 + 1;
}

uint64_t
dots_tm_unit_scale(uint8_t unit, uint64_t v)
{
	int cls = dots_tm_unit_class(unit);
	unsigned exp = unit <= 3 ? 0 : (unit - 4) / 3 + 1;	/* 1000^exp */

	if (cls == 0)
		return 0;
	if (cls == 3) {			/* bytes -> bits */
		if (v > UINT64_MAX / 8)
			return UINT64_MAX;
		v *= 8;
	}
	while (exp-- > 0) {
		if (v > UINT64_MAX / 1000)
			return UINT64_MAX;
		v *= 1000;
	}
	return v;
}

uint64_t
dots_tm_gauge_max(const struct dots_tm_gauge *g)
{
	uint64_t m = g->low;

	if (g->mid > m)
		m = g->mid;
	if (g->high > m)
		m = g->high;
	if (g->peak > m)
		m = g->peak;
	if (g->current > m)
		m = g->current;
	return dots_tm_unit_scale(g->unit, m);
}

static uint64_t
g64_of(const json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	uint64_t g = 0;

	if (json_is_string(v))
		(void)g64_parse(json_string_value(v), &g);
	return g;
}

static void
gauges_of(const json_t *list, struct dots_tm_gauge *out, size_t *n)
{
	size_t i;
	json_t *e, *v;

	json_array_foreach(list, i, e) {
		struct dots_tm_gauge *g;

		if (*n == DOTS_TM_MAX_GAUGES)
			return;		/* the rest stays in the body */
		g = &out[(*n)++];
		memset(g, 0, sizeof(*g));
		g->unit = unit_of(json_string_value(json_object_get(e,
		    "unit")));
		if ((v = json_object_get(e, "protocol")) != NULL) {
			g->has_protocol = true;
			g->protocol = (uint8_t)json_integer_value(v);
		}
		if ((v = json_object_get(e, "port")) != NULL) {
			g->has_port = true;
			g->port = (uint16_t)json_integer_value(v);
		}
		g->low = g64_of(e, "low-percentile-g");
		g->mid = g64_of(e, "mid-percentile-g");
		g->high = g64_of(e, "high-percentile-g");
		g->peak = g64_of(e, "peak-g");
		g->current = g64_of(e, "current-g");
	}
}

static int
target_of(const json_t *o, struct dots_tm_target *t, struct dots_err *err)
{
	static const char *const other[] = { "target-port-range",
	    "target-protocol", "target-fqdn", "target-uri", "alias-name" };
	const char *why;
	json_t *v, *e;
	size_t i;

	memset(t, 0, sizeof(*t));
	if ((v = json_object_get(o, "target-prefix")) != NULL) {
		if (json_array_size(v) > DOTS_TM_MAX_PREFIXES)
			return dots_errf(err, 400, "more than %d "
			    "target-prefix", DOTS_TM_MAX_PREFIXES);
		json_array_foreach(v, i, e) {
			struct prefix *p = &t->prefix[t->n_prefix++];

			if (prefix_parse(json_string_value(e), p) == -1)
				return dots_errf(err, 400, "target-prefix "
				    "'%s' is not an IP prefix",
				    json_string_value(e));
			if (prefix_is_invalid_target(p, &why))
				return dots_errf(err, 400, "target-prefix "
				    "'%s': %s", json_string_value(e), why);
		}
	}
	if ((v = json_object_get(o, "mid-list")) != NULL) {
		if (json_array_size(v) > DOTS_TM_MAX_MIDS)
			return dots_errf(err, 400, "more than %d mid-list",
			    DOTS_TM_MAX_MIDS);
		json_array_foreach(v, i, e)
			t->mid[t->n_mid++] = (uint32_t)json_integer_value(e);
	}
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++)
		if (json_object_get(o, other[i]) != NULL)
			t->has_other = true;
	return 0;
}

bool
dots_tm_target_overlaps(const struct dots_tm_target *a,
    const struct dots_tm_target *b)
{
	if (a->n_prefix == 0 || b->n_prefix == 0)
		return true;	/* no prefix: the whole client domain */
	for (size_t i = 0; i < a->n_prefix; i++)
		for (size_t j = 0; j < b->n_prefix; j++)
			if (prefix_overlaps(&a->prefix[i], &b->prefix[j]))
				return true;
	return false;
}

/* ---- setup ---- */

static int
config_of(const json_t *c, struct dots_tm_setup *s, struct dots_err *err)
{
	static const char *const pname[] = { "low-percentile",
	    "mid-percentile", "high-percentile" };
	bool seen[4] = { false, false, false, false };
	json_t *v, *e;
	size_t i;
	int cls;

	for (i = 0; i < 3; i++) {
		s->pct[i] = -1;
		if ((v = json_object_get(c, pname[i])) == NULL)
			continue;
		s->pct[i] = (int32_t)dec_parse(json_string_value(v));
		if (s->pct[i] > 10000)
			return dots_errf(err, 422, "%s %s is above 100.00",
			    pname[i], json_string_value(v));
	}
	/* RFC 9244 §7.1.2: low <= mid <= high; "0.00" (or = the one below)
	 * disables a percentile and is not out of order */
	if (s->pct[0] > 0 && s->pct[1] > 0 && s->pct[1] < s->pct[0])
		return dots_errf(err, 400, "percentile out of order: "
		    "mid-percentile below low-percentile");
	if (s->pct[2] > 0 && ((s->pct[1] > 0 && s->pct[2] < s->pct[1]) ||
	    (s->pct[0] > 0 && s->pct[2] < s->pct[0])))
		return dots_errf(err, 400, "percentile out of order: "
		    "high-percentile below %s-percentile",
		    s->pct[1] > 0 && s->pct[2] < s->pct[1] ? "mid" : "low");
	if ((v = json_object_get(c, "measurement-interval")) != NULL) {
		const struct dots_key *k = dots_key_by_name(
		    "measurement-interval");
		for (uint8_t j = 1; k->enum_labels[j] != NULL; j++)
			if (strcmp(k->enum_labels[j],
			    json_string_value(v)) == 0)
				s->interval = j;
	}
	if ((v = json_object_get(c, "measurement-sample")) != NULL) {
		const struct dots_key *k = dots_key_by_name(
		    "measurement-sample");
		for (uint8_t j = 1; k->enum_labels[j] != NULL; j++)
			if (strcmp(k->enum_labels[j],
			    json_string_value(v)) == 0)
				s->sample = j;
	}
	/* the sample must be shorter than the interval: interval n (5 min,
	 * 10 min, 30 min, hour, ...) is longer than sample n + 4 */
	if (s->interval != 0 && s->sample != 0 && s->sample >= s->interval + 4)
		return dots_errf(err, 422, "measurement-sample is not "
		    "shorter than measurement-interval");
	if ((v = json_object_get(c, "unit-config")) != NULL) {
		if (json_array_size(v) > 3)
			return dots_errf(err, 400, "unit-config has more "
			    "than the three unit classes");
		json_array_foreach(v, i, e) {
			uint8_t u = unit_of(json_string_value(
			    json_object_get(e, "unit")));

			if (u == 0 || u > 3)
				return dots_errf(err, 400, "unit-config takes "
				    "the unit classes packet-ps, bit-ps, "
				    "byte-ps");
			if (seen[u])
				return dots_errf(err, 400, "unit-config lists "
				    "%s twice", unit_names[u]);
			seen[u] = true;
			s->units[s->n_units].unit = u;
			s->units[s->n_units++].status = json_is_true(
			    json_object_get(e, "unit-status"));
		}
		for (i = 0, cls = 0; i < s->n_units; i++)
			if (s->units[i].status && s->units[i].unit != 1)
				cls++;
		if (cls > 1)
			return dots_errf(err, 400, "conflicting unit-config: "
			    "bit-ps and byte-ps both enabled");
	}
	if ((v = json_object_get(c, "server-originated-telemetry")) != NULL) {
		s->has_sot = true;
		s->sot = json_is_true(v);
	}
	if ((v = json_object_get(c, "telemetry-notify-interval")) != NULL) {
		s->notify_interval = (uint16_t)json_integer_value(v);
		if (s->notify_interval < 1 || s->notify_interval > 3600)
			return dots_errf(err, 422, "telemetry-notify-interval "
			    "must be 1..3600");
	}
	return 0;
}

static int
pipe_of(const json_t *l, struct dots_tm_setup *s, struct dots_err *err)
{
	bool any = false;
	json_t *e;
	size_t i, j;

	if (json_array_size(l) > DOTS_TM_MAX_LINKS)
		return dots_errf(err, 400, "more than %d total-pipe-capacity "
		    "links", DOTS_TM_MAX_LINKS);
	json_array_foreach(l, i, e) {
		struct dots_tm_link *k = &s->links[s->n_links];
		const char *id = json_string_value(json_object_get(e,
		    "link-id"));

		if (strlen(id) > DOTS_TM_MAX_TEXT)
			return dots_errf(err, 400, "link-id longer than %d",
			    DOTS_TM_MAX_TEXT);
		snprintf(k->link_id, sizeof(k->link_id), "%s", id);
		k->unit = unit_of(json_string_value(json_object_get(e,
		    "unit")));
		k->capacity = g64_of(e, "capacity");
		for (j = 0; j < s->n_links; j++)
			if (strcmp(s->links[j].link_id, k->link_id) == 0 &&
			    s->links[j].unit == k->unit)
				return dots_errf(err, 400, "link %s %s listed "
				    "twice", id, unit_names[k->unit]);
		any |= k->capacity != 0;
		s->n_links++;
	}
	if (!any)
		return dots_errf(err, 400, "every link has capacity 0: "
		    "DELETE the tsid instead (RFC 9244 §7.2.1)");
	return 0;
}

static int
baselines_of(const json_t *l, struct dots_tm_setup *s, struct dots_err *err)
{
	static const char *const lists[] = { "total-traffic-normal",
	    "total-traffic-normal-per-protocol",
	    "total-traffic-normal-per-port" };
	json_t *e, *v;
	size_t i, j;

	if (json_array_size(l) > DOTS_TM_MAX_BASELINES)
		return dots_errf(err, 400, "more than %d baselines",
		    DOTS_TM_MAX_BASELINES);
	json_array_foreach(l, i, e) {
		struct dots_tm_baseline *b = &s->baselines[s->n_baselines];

		b->id = (uint32_t)json_integer_value(json_object_get(e, "id"));
		for (j = 0; j < s->n_baselines; j++)
			if (s->baselines[j].id == b->id)
				return dots_errf(err, 400, "baseline id %u "
				    "listed twice", b->id);
		if (target_of(e, &b->target, err) == -1)
			return -1;
		b->n_normal = 0;
		for (j = 0; j < 3; j++)
			if ((v = json_object_get(e, lists[j])) != NULL)
				gauges_of(v, b->normal, &b->n_normal);
		s->n_baselines++;
	}
	return 0;
}

int
dots_tm_check_setup(const json_t *root, bool resp, struct dots_tm_setup *s,
    struct dots_err *err)
{
	json_t *tel, *e, *v;
	int kinds = 0;

	memset(s, 0, sizeof(*s));
	s->pct[0] = s->pct[1] = s->pct[2] = -1;
	if (!json_is_object(root))
		return dots_errf(err, 400, "body must be a map");
	if (walk_obj(root, f_setup_root, resp, "body", 0, err) == -1)
		return -1;
	tel = json_object_get(json_object_get(root, TM_SETUP_ROOT),
	    "telemetry");
	if (resp)
		return 0;	/* answers: the walk is the check */
	if (json_array_size(tel) != 1)
		return dots_errf(err, 400, "a telemetry setup PUT carries "
		    "exactly one 'telemetry' entry");
	e = json_array_get(tel, 0);
	if ((v = json_object_get(e, "current-config")) != NULL) {
		kinds++;
		s->kind = DOTS_TM_CONFIG;
		if (config_of(v, s, err) == -1)
			return -1;
	}
	if ((v = json_object_get(e, "total-pipe-capacity")) != NULL) {
		kinds++;
		s->kind = DOTS_TM_PIPE;
		if (pipe_of(v, s, err) == -1)
			return -1;
	}
	if ((v = json_object_get(e, "baseline")) != NULL) {
		kinds++;
		s->kind = DOTS_TM_BASELINE;
		if (baselines_of(v, s, err) == -1)
			return -1;
	}
	if (kinds != 1)
		return dots_errf(err, 400, "a telemetry setup carries exactly "
		    "one of current-config, total-pipe-capacity, baseline");
	return 0;
}

/* ---- pre-or-ongoing-mitigation ---- */

static int
entry_of(const json_t *e, struct dots_tm_entry *t, struct dots_err *err)
{
	static const char *const tl[] = { "total-traffic",
	    "total-traffic-protocol", "total-traffic-port" };
	static const char *const al[] = { "total-attack-traffic",
	    "total-attack-traffic-protocol", "total-attack-traffic-port" };
	json_t *v, *a;
	size_t i;

	memset(t, 0, sizeof(*t));
	if (target_of(json_object_get(e, "target"), &t->target, err) == -1)
		return -1;
	v = json_object_get(e, "target");
	if (json_object_get(v, "target-prefix") == NULL &&
	    json_object_get(v, "target-fqdn") == NULL &&
	    json_object_get(v, "target-uri") == NULL &&
	    json_object_get(v, "alias-name") == NULL &&
	    json_object_get(v, "mid-list") == NULL)
		return dots_errf(err, 400, "target needs target-prefix, "
		    "target-fqdn, target-uri, alias-name or mid-list");
	t->filter_only = json_object_size(e) == 1 ||
	    (json_object_size(e) == 2 && json_object_get(e, "tmid") != NULL);
	for (i = 0; i < 3; i++) {
		if ((v = json_object_get(e, tl[i])) != NULL)
			gauges_of(v, t->traffic, &t->n_traffic);
		if ((v = json_object_get(e, al[i])) != NULL)
			gauges_of(v, t->attack_traffic, &t->n_attack_traffic);
	}
	json_array_foreach(json_object_get(e, "attack-detail"), i, a) {
		struct dots_tm_attack *d;
		const char *s;

		if (t->n_attacks == DOTS_TM_MAX_ATTACKS)
			break;
		d = &t->attacks[t->n_attacks++];
		d->vendor_id = (uint32_t)json_integer_value(
		    json_object_get(a, "vendor-id"));
		d->attack_id = (uint32_t)json_integer_value(
		    json_object_get(a, "attack-id"));
		if ((s = json_string_value(json_object_get(a,
		    "attack-description"))) != NULL)
			snprintf(d->description, sizeof(d->description),
			    "%s", s);
		if ((s = json_string_value(json_object_get(a,
		    "attack-severity"))) != NULL) {
			const struct dots_key *k = dots_key_by_name(
			    "attack-severity");
			for (uint8_t j = 1; k->enum_labels[j] != NULL; j++)
				if (strcmp(k->enum_labels[j], s) == 0)
					d->severity = j;
		}
	}
	return 0;
}

int
dots_tm_check_report(const json_t *root, bool resp, struct dots_tm_report *r,
    struct dots_err *err)
{
	json_t *l, *e;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!json_is_object(root))
		return dots_errf(err, 400, "body must be a map");
	if (walk_obj(root, f_tm_root, resp, "body", 0, err) == -1)
		return -1;
	l = json_object_get(json_object_get(root, TM_ROOT),
	    "pre-or-ongoing-mitigation");
	if (json_array_size(l) > DOTS_TM_MAX_ENTRIES)
		return dots_errf(err, 400, "more than %d "
		    "pre-or-ongoing-mitigation entries", DOTS_TM_MAX_ENTRIES);
	json_array_foreach(l, i, e)
		if (entry_of(e, &r->entries[r->n_entries++], err) == -1)
			return -1;
	return 0;
}

/* A request body: the request limits, and values no JSON can hold (the
 * generic translation's 500: undefined, floats where none belong) are
 * the sender's fault. */
static json_t *
body_json(const uint8_t *buf, size_t len, struct dots_err *err)
{
	json_t *j;

	if (cbor_guard_check(buf, len, err) == -1)
		return NULL;
	if ((j = dots_cbor_to_json(buf, len, err)) == NULL && err != NULL &&
	    err->coap == 500)
		dots_errf(err, 400, "body holds a value of no DOTS type");
	return j;
}

int
dots_tm_decode_setup(const uint8_t *buf, size_t len, struct dots_tm_setup *s,
    json_t **json, struct dots_err *err)
{
	json_t *j;

	*json = NULL;
	if ((j = body_json(buf, len, err)) == NULL)
		return -1;
	if (dots_tm_check_setup(j, false, s, err) == -1) {
		json_decref(j);
		return -1;
	}
	*json = j;
	return 0;
}

int
dots_tm_decode_report(const uint8_t *buf, size_t len,
    struct dots_tm_report *r, json_t **json, struct dots_err *err)
{
	json_t *j;

	*json = NULL;
	if ((j = body_json(buf, len, err)) == NULL)
		return -1;
	if (dots_tm_check_report(j, false, r, err) == -1) {
		json_decref(j);
		return -1;
	}
	*json = j;
	return 0;
}

void
dots_tm_report_volume(const struct dots_tm_report *r,
    const struct dots_tm_target *t, uint64_t *bps, uint64_t *pps)
{
	*bps = *pps = 0;
	for (size_t i = 0; i < r->n_entries; i++) {
		const struct dots_tm_entry *e = &r->entries[i];

		if (t != NULL && !dots_tm_target_overlaps(&e->target, t))
			continue;
		for (size_t j = 0; j < e->n_attack_traffic; j++) {
			const struct dots_tm_gauge *g = &e->attack_traffic[j];
			uint64_t v = dots_tm_gauge_max(g);

			if (dots_tm_unit_class(g->unit) == 1) {
				if (v > *pps)
					*pps = v;
			} else if (v > *bps)
				*bps = v;
		}
	}
}

/* ---- paths ---- */

static bool
seg_is(const struct dots_seg *sg, const char *lit)
{
	return sg->len == strlen(lit) && memcmp(sg->s, lit, sg->len) == 0;
}

static int
seg_value(const struct dots_seg *sg, const char *name, char *out, size_t len)
{
	size_t nl = strlen(name);

	if (sg->len <= nl + 1 || memcmp(sg->s, name, nl) != 0 ||
	    sg->s[nl] != '=')
		return 0;
	if (sg->len - nl - 1 >= len)
		return -1;
	memcpy(out, sg->s + nl + 1, sg->len - nl - 1);
	out[sg->len - nl - 1] = '\0';
	for (char *c = out; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		    (*c >= '0' && *c <= '9') || strchr("-_.~+=:", *c) != NULL))
			return -1;
	return 1;
}

int
dots_tm_path_parse(const struct dots_seg *sg, size_t n,
    struct dots_tm_path *p, struct dots_err *err)
{
	const char *idname;
	char num[16];
	size_t i = 3;
	uint64_t v = 0;
	int r;

	memset(p, 0, sizeof(*p));
	if (n < 3 || !seg_is(&sg[0], ".well-known") || !seg_is(&sg[1], "dots"))
		return 0;
	if (seg_is(&sg[2], "tm-setup")) {
		p->res = DOTS_TM_RES_SETUP;
		idname = "tsid";
	} else if (seg_is(&sg[2], "tm")) {
		p->res = DOTS_TM_RES_TM;
		idname = "tmid";
	} else
		return 0;
	if (i < n && (r = seg_value(&sg[i], "cdid", p->cdid,
	    sizeof(p->cdid))) != 0) {
		if (r < 0)
			return dots_errf(err, 400, "bad Uri-Path 'cdid'");
		i++;
	}
	if (i == n || (r = seg_value(&sg[i], "cuid", p->cuid,
	    sizeof(p->cuid))) <= 0)
		return dots_errf(err, 400, "expected Uri-Path 'cuid=' after "
		    "'%s'", p->res == DOTS_TM_RES_SETUP ? "tm-setup" : "tm");
	if (++i < n) {
		if (seg_value(&sg[i], idname, num, sizeof(num)) <= 0)
			return dots_errf(err, 400, "unexpected Uri-Path after "
			    "cuid (only '%s=')", idname);
		for (const char *c = num; *c != '\0'; c++) {
			if (*c < '0' || *c > '9' ||
			    (v = v * 10 + (uint64_t)(*c - '0')) > UINT32_MAX)
				return dots_errf(err, 400, "Uri-Path '%s' is "
				    "not a 32-bit decimal number", idname);
		}
		p->has_id = true;
		p->id = (uint32_t)v;
		if (++i < n)
			return dots_errf(err, 400, "unexpected Uri-Path after "
			    "%s", idname);
	}
	return 1;
}

int
dots_tm_path_format(const struct dots_tm_path *p, char *buf, size_t len)
{
	int n;

	n = snprintf(buf, len, ".well-known/dots/%s%s%s/cuid=%s",
	    p->res == DOTS_TM_RES_SETUP ? "tm-setup" : "tm",
	    p->cdid[0] != '\0' ? "/cdid=" : "", p->cdid, p->cuid);
	if (n >= 0 && p->has_id && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, "/%s=%u",
		    p->res == DOTS_TM_RES_SETUP ? "tsid" : "tmid", p->id);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
