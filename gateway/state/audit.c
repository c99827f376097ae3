#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/conf.h"
#include "common/log.h"
#include "common/prefix.h"
#include "gateway/state/audit.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
/* types only: the decision and placements, the request */
#include "gateway/relay/relay.h"
#include "gateway/downstream/server.h"
#include "gateway/upstream/upstream.h"

#define AUDIT_MAX_TARGETS	8	/* prefixes listed; the rest counted */

struct audit {
	char	*path;
	FILE	*f;
};

static FILE *
open_append(const char *path)
{
	int fd;
	FILE *f;

	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640)) == -1)
		return NULL;
	if ((f = fdopen(fd, "a")) == NULL)
		close(fd);
	return f;
}

int
audit_open(struct gw *gw)
{
	const char *path = gw->conf->audit_log;
	struct audit *a;

	gw->audit = NULL;
	if (path == NULL)
		return 0;
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = strdup(path)) == NULL) {
		free(a);
		return -1;
	}
	if ((a->f = open_append(path)) == NULL) {
		log_warn("audit log %s", path);
		audit_close(a);
		return -1;
	}
	gw->audit = a;
	return 0;
}

int
audit_reopen(struct gw *gw)
{
	struct audit *old = gw->audit;

	if (audit_open(gw) == -1) {
		gw->audit = old;	/* keep writing where we were */
		return -1;
	}
	audit_close(old);
	return 0;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	if (a->f != NULL)
		fclose(a->f);
	free(a->path);
	free(a);
}

static void
emit(struct gw *gw, json_t *o)
{
	struct timeval tv;
	struct tm tm;
	char ts[40];
	char *line;

	if (o == NULL)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	json_object_set_new(o, "ts", json_sprintf("%s.%03ldZ", ts,
	    (long)tv.tv_usec / 1000));
	json_object_set_new(o, "node", json_string(gw->conf->node_id));
	if ((line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS)) != NULL) {
		if (fprintf(gw->audit->f, "%s\n", line) < 0 ||
		    fflush(gw->audit->f) != 0)
			log_warn("audit log %s", gw->audit->path);
		free(line);
	}
	json_decref(o);
}

/* The targets, summarised: the first prefixes, counts of the rest. */
static json_t *
targets(const struct dots_scope *s)
{
	json_t *o = json_object(), *a = json_array();
	char buf[PREFIX_STRLEN];

	for (size_t i = 0; i < s->n_target_prefix && i < AUDIT_MAX_TARGETS;
	    i++)
		json_array_append_new(a, json_string(prefix_format(
		    &s->target_prefix[i], buf, sizeof(buf))));
	json_object_set_new(o, "prefixes", a);
	json_object_set_new(o, "n-prefixes", json_integer(
	    (json_int_t)s->n_target_prefix));
	json_object_set_new(o, "n-port-ranges", json_integer(
	    (json_int_t)s->n_target_port_range));
	a = json_array();
	for (size_t i = 0; i < s->n_target_protocol; i++)
		json_array_append_new(a, json_integer(s->target_protocol[i]));
	json_object_set_new(o, "protocols", a);
	a = json_array();
	for (size_t i = 0; i < s->target_fqdn.n && i < AUDIT_MAX_TARGETS; i++)
		json_array_append_new(a, json_string(s->target_fqdn.v[i]));
	for (size_t i = 0; i < s->target_uri.n && i < AUDIT_MAX_TARGETS; i++)
		json_array_append_new(a, json_string(s->target_uri.v[i]));
	json_object_set_new(o, "names", a);
	return o;
}

/* decision (local/upstream/exceeded), the rule, where it went. */
static void
add_relay(json_t *o, const struct mitigation *m)
{
	const struct relay_state *rs = m->relay;
	const struct placement *p;
	json_t *ups = json_array();

	if (rs == NULL)
		return;
	json_object_set_new(o, "decision", json_string(rs->decision.local ?
	    "local" : rs->decision.n_up > 0 ? "upstream" : "exceeded"));
	json_object_set_new(o, "rule", json_string(rs->decision.reason));
	TAILQ_FOREACH(p, &rs->placements, m_entry)
		json_array_append_new(ups, json_pack("{s:s, s:I}", "upstream",
		    p->us->peer->name, "mid", (json_int_t)p->umid));
	json_object_set_new(o, "sent-to", ups);
}

static bool
has_option(const coap_pdu_t *pdu, uint16_t opt)
{
	coap_opt_iterator_t it;

	return coap_check_option(pdu, opt, &it) != NULL;
}

static json_t *
base(const char *event, const char *peer, const char *cuid, uint32_t mid)
{
	return json_pack("{s:s, s:s, s:s, s:I}", "event", event, "peer", peer,
	    "cuid", cuid, "mid", (json_int_t)mid);
}

void
audit_put(const struct ds_request *rq, const coap_pdu_t *resp,
    const struct dots_scope *s, const struct mitigation *m)
{
	int code = coap_pdu_get_code(resp);
	int c = (code >> 5) * 100 + (code & 0x1f);
	const uint8_t *data;
	size_t len;
	json_t *o;

	if (rq->gw->audit == NULL ||
	    has_option(rq->pdu, COAP_OPTION_IF_MATCH))
		return;
	if (c == 0 && (m == NULL || m->relay == NULL ||
	    m->relay->await_fn == NULL))
		return;		/* no answer and nothing decided */
	o = base(c == 204 ? "refresh" : "request", rq->ds->peer->conf->name,
	    rq->path.cuid, rq->path.mid);
	if (c == 0 || c == 201 || c == 204) {
		json_object_set_new(o, "result", json_string("accepted"));
		/* 0: the answer (2.01) waits for the upstreams, bounded */
		json_object_set_new(o, "code", json_string(c == 204 ? "2.04" :
		    "2.01"));
		json_object_set_new(o, "targets", targets(&m->scope));
		json_object_set_new(o, "lifetime", json_integer(m->lifetime));
		if (m->cdid != NULL)
			json_object_set_new(o, "cdid", json_string(m->cdid));
		add_relay(o, m);
	} else {
		json_object_set_new(o, "result", json_string("refused"));
		json_object_set_new(o, "code", json_sprintf("%d.%02d",
		    c / 100, c % 100));
		if (s != NULL)
			json_object_set_new(o, "targets", targets(s));
		/* the diagnostic is the rule's own words; a 4.09 carries
		 * conflict-information (CBOR) instead */
		if (has_option(resp, COAP_OPTION_CONTENT_FORMAT))
			json_object_set_new(o, "rule", json_string(c == 409 ?
			    "conflict: overlapping targets or cuid collision "
			    "(conflict-information in the answer)" :
			    "see the DOTS body of the answer"));
		else if (coap_get_data(resp, &len, &data) && len > 0)
			json_object_set_new(o, "rule", json_stringn(
			    (const char *)data, len));
	}
	emit(rq->gw, o);
}

void
audit_mitigation(struct gw *gw, const char *event,
    const struct mitigation *m, const char *reason)
{
	json_t *o;

	if (gw->audit == NULL)
		return;
	o = base(event, m->client->peer->conf->name, m->client->cuid, m->mid);
	json_object_set_new(o, "targets", targets(&m->scope));
	if (reason != NULL)
		json_object_set_new(o, "reason", json_string(reason));
	if (m->relay != NULL) {
		const struct placement *p;
		json_t *ups = json_array();

		TAILQ_FOREACH(p, &m->relay->placements, m_entry)
			json_array_append_new(ups, json_pack("{s:s, s:I}",
			    "upstream", p->us->peer->name, "mid",
			    (json_int_t)p->umid));
		json_object_set_new(o, "sent-to", ups);
	}
	emit(gw, o);
}

/* The table's ending event (mitigation.h): a withdrawal by the client, an
 * expiry and the end of active-but-terminating are audited; a withdrawal
 * by us or an end now is audited by whoever decided it. */
void
audit_ending(struct mitigation *m, enum mit_end why, void *arg)
{
	switch (why) {
	case MIT_END_CLIENT:
		audit_mitigation(arg, "withdrawn", m, "DELETE from the client");
		break;
	case MIT_END_EXPIRED:
		audit_mitigation(arg, "expired", m, "lifetime ran out");
		break;
	case MIT_END_TERMINATED:
		audit_mitigation(arg, "terminated", m,
		    "end of active-but-terminating");
		break;
	case MIT_END_SERVER:
	case MIT_END_NOW:
		break;
	}
}
