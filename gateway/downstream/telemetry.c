/*
 * /.well-known/dots/tm-setup and /.well-known/dots/tm (RFC 9244 §7, §8):
 * decode, check, keep (gateway/state/telemetry.c), answer. Bodies are
 * answered as the client wrote them, each entry led by its tsid or tmid.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/conf.h"
#include "common/dots_json.h"
#include "common/log.h"
#include "common/prefix.h"
#include "policies/rate.h"
#include "gateway/gw.h"
#include "gateway/downstream/server.h"
#include "gateway/downstream/telemetry.h"
#include "gateway/relay/relay.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/telemetry.h"

#define TM_SETUP_ROOT	"ietf-dots-telemetry:telemetry-setup"
#define TM_ROOT		"ietf-dots-telemetry:telemetry"
#define TM_RETRY_S	60	/* Max-Age of a 5.03 (RFC 9244 §8.2) */

static void
reply_json(const struct ds_request *rq, coap_pdu_t *resp, int code,
    json_t *j)
{
	struct dots_err err = { 0 };
	uint8_t *buf;
	size_t len;

	if (j == NULL || dots_json_to_cbor(j, &buf, &len, &err) == -1) {
		json_decref(j);
		reply_errf(resp, 500, "cannot encode the answer: %s", err.msg);
		return;
	}
	json_decref(j);
	reply_cbor(rq, resp, code, buf, len);
	free(buf);
}

/* {id_name: id} followed by the members of entry. */
static json_t *
tagged(const char *id_name, uint32_t id, const json_t *entry)
{
	json_t *o = json_object();

	if (o == NULL || json_object_set_new(o, id_name,
	    json_integer(id)) == -1 || json_object_update(o,
	    (json_t *)entry) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- tm-setup ---- */

static json_t *
config_limits(bool max)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:i}",
	    "measurement-interval", max ? "month" : "5-minutes",
	    "measurement-sample", max ? "hour" : "second",
	    "low-percentile", max ? "100.00" : "0.00",
	    "mid-percentile", max ? "100.00" : "0.00",
	    "high-percentile", max ? "100.00" : "0.00",
	    "server-originated-telemetry", max,
	    "telemetry-notify-interval", max ? 3600 : 1);
}

static void
add_setup(const struct tm_setup_rec *rec, void *arg)
{
	json_array_append_new(arg, tagged("tsid", rec->tsid, rec->entry));
}

static void
setup_get(const struct ds_request *rq, const struct dots_tm_path *p,
    coap_pdu_t *resp)
{
	const char *peer = rq->ds->peer->conf->name;
	struct tm_setup_rec rec;
	json_t *list = json_array(), *top;

	if (p->has_id) {
		if (tm_setup_get(rq->gw->tm, peer, p->cuid, p->id, &rec) == -1) {
			json_decref(list);
			reply_errf(resp, 404, "no telemetry setup tsid %u of "
			    "cuid %s", p->id, p->cuid);
			return;
		}
		add_setup(&rec, list);
		reply_json(rq, resp, 205, json_pack("{s:{s:o}}",
		    TM_SETUP_ROOT, "telemetry", list));
		return;
	}
	/* RFC 9244 §7.1.1: what we accept, then what is installed */
	tm_setup_foreach(rq->gw->tm, peer, p->cuid, add_setup, list);
	top = json_pack("{s:o, s:o, s:{s:[{s:s, s:b}, {s:s, s:b}, {s:s, "
	    "s:b}]}, s:[s, s, s]}",
	    "max-config-values", config_limits(true),
	    "min-config-values", config_limits(false),
	    "supported-unit-classes", "unit-config",
	    "unit", "packet-ps", "unit-status", 1,
	    "unit", "bit-ps", "unit-status", 1,
	    "unit", "byte-ps", "unit-status", 1,
	    "supported-query-type", "target-prefix", "target-protocol", "mid");
	if (top != NULL && json_array_size(list) > 0)
		json_object_set(top, "telemetry", list);
	json_decref(list);
	reply_json(rq, resp, 205, top == NULL ? NULL :
	    json_pack("{s:o}", TM_SETUP_ROOT, top));
}

/* A PUT refused: logged with what it was ("setup tsid", "tmid"); a
 * quota's 5.03 says when to try again. */
static void
refuse(coap_pdu_t *resp, const char *peer, const char *what, uint32_t id,
    const struct dots_err *err)
{
	log_warnx("peer %s: telemetry %s %u refused: %s", peer, what, id,
	    err->msg);
	if (err->coap == 503)
		reply_max_age(resp, TM_RETRY_S);
	reply_err(resp, err);
}

static void
setup_put(const struct ds_request *rq, const struct dots_tm_path *p,
    coap_pdu_t *resp)
{
	const char *peer = rq->ds->peer->conf->name;
	struct dots_err err = { 0 };
	struct dots_tm_setup *s;
	const uint8_t *body;
	size_t len;
	json_t *j;
	bool created;

	if (!p->has_id) {
		reply_errf(resp, 400, "a telemetry setup PUT needs Uri-Path "
		    "'tsid='");
		return;
	}
	if ((s = malloc(sizeof(*s))) == NULL) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_tm_decode_setup(body, len, s, &j, &err) == -1) {
		free(s);
		refuse(resp, peer, "setup tsid", p->id, &err);
		return;
	}
	if (tm_setup_put(rq->gw->tm, peer, p->cuid, p->id, s, j, &created,
	    &err) == -1) {
		refuse(resp, peer, "setup tsid", p->id, &err);
		return;
	}
	metrics_tm_received(rq->gw->metrics);
	log_info("peer %s: telemetry setup tsid %u of cuid %s %s", peer,
	    p->id, p->cuid, created ? "created" : "updated");
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(created ? 201 : 204));
}

/* ---- tm ---- */

struct tm_query {
	size_t		n_prefix;
	struct prefix	prefix[8];
	size_t		n_proto, n_mid;
	uint32_t	proto[8][2], mid[8][2];	/* ranges */
};

/* "a" or "a-b", comma-separated: ranges into r. */
static int
parse_ranges(const char *v, uint32_t r[][2], size_t *n, uint32_t max)
{
	char buf[256], *tok, *save, *dash, *end;
	unsigned long a, b;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (*n == 8)
			return -1;
		dash = strchr(tok, '-');
		a = strtoul(tok, &end, 10);
		if (end == tok || (dash == NULL ? *end != '\0' : end != dash))
			return -1;
		b = a;
		if (dash != NULL) {
			b = strtoul(dash + 1, &end, 10);
			if (end == dash + 1 || *end != '\0')
				return -1;
		}
		if (a > b || b > max)
			return -1;
		r[*n][0] = (uint32_t)a;
		r[(*n)++][1] = (uint32_t)b;
	}
	return *n > 0 ? 0 : -1;
}

static int
parse_query(const coap_string_t *q, struct tm_query *out,
    struct dots_err *err)
{
	char buf[512], *opt, *save, *val, *tok, *s2;

	memset(out, 0, sizeof(*out));
	if (q == NULL || q->length == 0)
		return 0;
	if (q->length >= sizeof(buf))
		return dots_errf(err, 400, "Uri-Query too long");
	memcpy(buf, q->s, q->length);
	buf[q->length] = '\0';
	for (opt = strtok_r(buf, "&", &save); opt != NULL;
	    opt = strtok_r(NULL, "&", &save)) {
		if ((val = strchr(opt, '=')) == NULL || val[1] == '\0')
			return dots_errf(err, 400, "Uri-Query '%s' has no "
			    "value", opt);
		*val++ = '\0';
		if (strcmp(opt, "target-prefix") == 0) {
			for (tok = strtok_r(val, ",", &s2); tok != NULL;
			    tok = strtok_r(NULL, ",", &s2)) {
				if (out->n_prefix == 8 || prefix_parse(tok,
				    &out->prefix[out->n_prefix++]) == -1)
					return dots_errf(err, 400, "Uri-Query "
					    "target-prefix '%s' is not an IP "
					    "prefix", tok);
			}
		} else if (strcmp(opt, "target-protocol") == 0) {
			if (parse_ranges(val, out->proto, &out->n_proto,
			    255) == -1)
				return dots_errf(err, 400, "Uri-Query "
				    "target-protocol '%s' is malformed", val);
		} else if (strcmp(opt, "mid") == 0) {
			if (parse_ranges(val, out->mid, &out->n_mid,
			    UINT32_MAX) == -1)
				return dots_errf(err, 400, "Uri-Query mid "
				    "'%s' is malformed", val);
		} else
			return dots_errf(err, 400, "Uri-Query '%s' is not "
			    "supported (supported-query-type: target-prefix, "
			    "target-protocol, mid)", opt);
	}
	return 0;
}

static bool
in_ranges(const json_t *list, uint32_t r[][2], size_t n)
{
	size_t i, k;
	json_t *v;

	json_array_foreach(list, i, v) {
		json_int_t x = json_integer_value(v);

		for (k = 0; k < n; k++)
			if (x >= r[k][0] && x <= r[k][1])
				return true;
	}
	return false;
}

static bool
query_matches(const struct tm_query *q, const json_t *entry)
{
	const json_t *t = json_object_get(entry, "target");
	struct prefix p;
	size_t i, k;
	json_t *v;
	bool hit = q->n_prefix == 0;

	json_array_foreach(json_object_get(t, "target-prefix"), i, v)
		for (k = 0; k < q->n_prefix && !hit; k++)
			if (prefix_parse(json_string_value(v), &p) == 0 &&
			    prefix_overlaps(&p, &q->prefix[k]))
				hit = true;
	if (!hit)
		return false;
	if (q->n_proto > 0 && !in_ranges(json_object_get(t,
	    "target-protocol"), (uint32_t (*)[2])q->proto, q->n_proto))
		return false;
	if (q->n_mid > 0 && !in_ranges(json_object_get(t, "mid-list"),
	    (uint32_t (*)[2])q->mid, q->n_mid))
		return false;
	return true;
}

struct tm_collect {
	const struct tm_query	*q;
	json_t			*list;
	struct gw		*gw;
};

/* What we drop for the peer's mitigations overlapping a target. */
struct drops {
	const char		*peer;
	const struct dots_tm_target *t;
	uint64_t		 bps, pps;
};

static int
add_drops(struct mitigation *m, void *arg)
{
	struct drops *d = arg;
	struct dots_tm_target mt;
	uint64_t ctr[4];

	if (strcmp(m->client->peer->conf->name, d->peer) != 0 ||
	    !mit_is_active(m) || m->scope.n_target_prefix == 0)
		return 0;
	memset(&mt, 0, sizeof(mt));
	for (size_t i = 0; i < m->scope.n_target_prefix &&
	    mt.n_prefix < DOTS_TM_MAX_PREFIXES; i++)
		mt.prefix[mt.n_prefix++] = m->scope.target_prefix[i];
	if (!dots_tm_target_overlaps(&mt, d->t))
		return 0;
	relay_counters(m, ctr);
	d->bps += ctr[2];
	d->pps += ctr[3];
	return 0;
}

/*
 * A subscription (an entry with only a target) is answered with what
 * the server knows of it (RFC 9244 §8.3): the rates we drop for the
 * peer's mitigations of those targets, as total-attack-traffic.
 */
static void
server_view(struct gw *gw, const char *peer, const struct dots_tm_entry *te,
    json_t *out)
{
	struct drops d = { peer, &te->target, 0, 0 };
	char b[24], p[24];
	json_t *l;

	if (te->target.n_prefix == 0)
		return;
	(void)mit_foreach(gw->mt, add_drops, &d);
	if (d.bps == 0 && d.pps == 0)
		return;
	if ((l = json_array()) == NULL)
		return;
	snprintf(b, sizeof(b), "%" PRIu64, d.bps);
	snprintf(p, sizeof(p), "%" PRIu64, d.pps);
	if (d.bps != 0)
		json_array_append_new(l, json_pack("{s:s, s:s}", "unit",
		    "bit-ps", "current-g", b));
	if (d.pps != 0)
		json_array_append_new(l, json_pack("{s:s, s:s}", "unit",
		    "packet-ps", "current-g", p));
	json_object_set_new(out, "total-attack-traffic", l);
}

static void
add_report(const struct tm_report_rec *rec, void *arg)
{
	struct tm_collect *c = arg;
	size_t i;
	json_t *e, *t;

	json_array_foreach(json_object_get(json_object_get(rec->body, TM_ROOT),
	    "pre-or-ongoing-mitigation"), i, e) {
		if (!query_matches(c->q, e) ||
		    (t = tagged("tmid", rec->tmid, e)) == NULL)
			continue;
		if (i < rec->r->n_entries && rec->r->entries[i].filter_only)
			server_view(c->gw, rec->peer, &rec->r->entries[i], t);
		json_array_append_new(c->list, t);
	}
}

static void
tm_get(const struct ds_request *rq, const struct dots_tm_path *p,
    coap_pdu_t *resp)
{
	const char *peer = rq->ds->peer->conf->name;
	struct dots_err err = { 0 };
	struct tm_report_rec rec;
	struct tm_query q;
	struct tm_collect c = { &q, json_array(), rq->gw };

	if (parse_query(rq->query, &q, &err) == -1) {
		json_decref(c.list);
		reply_err(resp, &err);
		return;
	}
	if (p->has_id) {
		if (tm_report_get(rq->gw->tm, peer, p->cuid, p->id,
		    &rec) == -1 && !rq->observe) {
			json_decref(c.list);
			reply_errf(resp, 404, "no telemetry tmid %u of cuid "
			    "%s", p->id, p->cuid);
			return;
		}
		if (tm_report_get(rq->gw->tm, peer, p->cuid, p->id, &rec) == 0)
			add_report(&rec, &c);
	} else
		tm_report_foreach(rq->gw->tm, peer, p->cuid, add_report, &c);
	if (json_array_size(c.list) == 0) {
		json_decref(c.list);
		if (rq->observe)	/* never 4.xx to a notification */
			reply_json(rq, resp, 205, json_pack("{s:{}}", TM_ROOT));
		else
			reply_errf(resp, 404, "no telemetry of cuid %s "
			    "matches", p->cuid);
		return;
	}
	reply_json(rq, resp, 205, json_pack("{s:{s:o}}", TM_ROOT,
	    "pre-or-ongoing-mitigation", c.list));
}

/* RFC 8768 Hop-Limit as received (the server checked it), 0 = none. */
static uint8_t
hop_limit(const coap_pdu_t *pdu)
{
	coap_opt_iterator_t it;
	coap_opt_t *o;

	if ((o = coap_check_option(pdu, COAP_OPTION_HOP_LIMIT, &it)) == NULL)
		return 0;
	return (uint8_t)coap_decode_var_bytes(coap_opt_value(o),
	    coap_opt_length(o));
}

static void
tm_put(const struct ds_request *rq, const struct dots_tm_path *p,
    coap_pdu_t *resp)
{
	const char *peer = rq->ds->peer->conf->name;
	struct dots_err err = { 0 };
	struct dots_tm_report *r;
	const uint8_t *body;
	size_t len, n;
	uint64_t bps, pps;
	char attack[DOTS_TM_MAX_TEXT + 48];
	json_t *j;

	if (!p->has_id) {
		reply_errf(resp, 400, "a telemetry PUT needs Uri-Path "
		    "'tmid='");
		return;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		reply_errf(resp, 500, "out of memory");
		return;
	}
	if (request_body(rq->pdu, &body, &len, &err) == -1 ||
	    dots_tm_decode_report(body, len, r, &j, &err) == -1) {
		free(r);
		refuse(resp, peer, "tmid", p->id, &err);
		return;
	}
	dots_tm_report_volume(r, NULL, &bps, &pps);
	n = r->n_entries;
	attack[0] = '\0';
	for (size_t i = 0; i < r->n_entries && attack[0] == '\0'; i++)
		if (r->entries[i].n_attacks > 0)
			snprintf(attack, sizeof(attack), ", attack-detail %u:%u"
			    "%s%s", r->entries[i].attacks[0].vendor_id,
			    r->entries[i].attacks[0].attack_id,
			    r->entries[i].attacks[0].description[0] ? " " : "",
			    r->entries[i].attacks[0].description);
	if (tm_report_put(rq->gw->tm, peer, p->cuid, p->id, hop_limit(rq->pdu),
	    r, j, &err) == -1) {
		refuse(resp, peer, "tmid", p->id, &err);
		return;
	}
	metrics_tm_received(rq->gw->metrics);
	log_info("peer %s: telemetry tmid %u of cuid %s accepted: %zu "
	    "targets, attack %" PRIu64 " bit/s %" PRIu64 " pkt/s%s", peer,
	    p->id, p->cuid, n, bps, pps, attack);
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(204));
}

void
telemetry_handle(const struct ds_request *rq, const struct dots_tm_path *p,
    coap_pdu_t *resp)
{
	const struct peer_rt *peer = rq->ds->peer;
	bool setup = p->res == DOTS_TM_RES_SETUP;
	size_t n;

	if (rq->gw->tm == NULL) {
		reply_errf(resp, 404, "telemetry is not served here");
		return;
	}
	/* each change is a store write: the peer's request rate applies */
	if (rq->method != COAP_REQUEST_CODE_GET &&
	    !pol_rate_take(&rq->ds->peer->rate, &peer->conf->policy,
	    gw_now_ms())) {
		reply_max_age(resp, pol_rate_wait(&rq->ds->peer->rate,
		    &peer->conf->policy));
		reply_errf(resp, 503, "peer %s sends requests faster than its "
		    "rate", peer->conf->name);
		return;
	}
	switch (rq->method) {
	case COAP_REQUEST_CODE_GET:
		if (setup)
			setup_get(rq, p, resp);
		else
			tm_get(rq, p, resp);
		break;
	case COAP_REQUEST_CODE_PUT:
		if (setup)
			setup_put(rq, p, resp);
		else
			tm_put(rq, p, resp);
		break;
	case COAP_REQUEST_CODE_DELETE:
		/* RFC 9244 §7.1.4, §8.2: 2.02 even when there was nothing */
		n = setup ? tm_setup_del(rq->gw->tm, peer->conf->name,
		    p->cuid, p->has_id, p->id) : tm_report_del(rq->gw->tm,
		    peer->conf->name, p->cuid, p->has_id, p->id);
		log_info("peer %s: %zu telemetry %s of cuid %s deleted",
		    peer->conf->name, n, setup ? "setups" : "reports",
		    p->cuid);
		coap_pdu_set_code(resp, COAP_RESPONSE_CODE(202));
		break;
	default:
		reply_errf(resp, 405, "%s takes PUT, GET and DELETE",
		    setup ? "tm-setup" : "tm");
		break;
	}
}

/* ---- server-originated telemetry (RFC 9244 §9.2) ---- */

/* CBOR unsigned integer (major type 0) into b. */
static size_t
cbor_uint(uint8_t *b, uint64_t v)
{
	if (v < 24) {
		b[0] = (uint8_t)v;
		return 1;
	}
	if (v <= UINT8_MAX) {
		b[0] = 0x18;
		b[1] = (uint8_t)v;
		return 2;
	}
	if (v <= UINT16_MAX) {
		b[0] = 0x19;
		b[1] = (uint8_t)(v >> 8);
		b[2] = (uint8_t)v;
		return 3;
	}
	if (v <= UINT32_MAX) {
		b[0] = 0x1a;
		for (int i = 0; i < 4; i++)
			b[1 + i] = (uint8_t)(v >> (24 - 8 * i));
		return 5;
	}
	b[0] = 0x1b;
	for (int i = 0; i < 8; i++)
		b[1 + i] = (uint8_t)(v >> (56 - 8 * i));
	return 9;
}

/* {134 (unit): unit, 209 (current-g): v} */
static size_t
gauge_entry(uint8_t *b, uint8_t unit, uint64_t v)
{
	size_t n = 0;

	b[n++] = 0xa2;
	b[n++] = 0x18;
	b[n++] = 134;
	n += cbor_uint(b + n, unit);
	b[n++] = 0x18;
	b[n++] = 209;
	n += cbor_uint(b + n, v);
	return n;
}

void
server_telemetry_add(const struct ds_request *rq, struct dots_scope *s,
    size_t n)
{
	uint8_t buf[64];
	struct dots_opt o = { 205, buf, 0 };

	if (rq->gw->tm == NULL || !tm_wants_server_telemetry(rq->gw->tm,
	    rq->ds->peer->conf->name))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!(s[i].present & DOTS_SCOPE_STATUS) ||
		    (s[i].bps_dropped == 0 && s[i].pps_dropped == 0))
			continue;
		o.len = 0;
		buf[o.len++] = (uint8_t)(0x80 | ((s[i].bps_dropped != 0) +
		    (s[i].pps_dropped != 0)));
		if (s[i].bps_dropped != 0)
			o.len += gauge_entry(buf + o.len, 2, s[i].bps_dropped);
		if (s[i].pps_dropped != 0)
			o.len += gauge_entry(buf + o.len, 1, s[i].pps_dropped);
		memset(&s[i].opt, 0, sizeof(s[i].opt));
		(void)dots_optv_set(&s[i].opt, &o);
	}
}

void
server_telemetry_drop(struct dots_scope *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].present & DOTS_SCOPE_STATUS)
			dots_optv_free(&s[i].opt);
}
