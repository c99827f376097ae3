#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <coap3/coap.h>

#include "common/conf.h"
#include "common/dots_msg.h"
#include "gateway/downstream/durable.h"
#include "gateway/downstream/observe.h"
#include "gateway/gw.h"
#include "gateway/control/metrics.h"
#include "gateway/state/counters.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/relay/relay.h"
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"

#define N_LAT	METRICS_N_LAT
#define lat_bounds metrics_lat_bounds

static const char *
method_name(int m)
{
	switch (m) {
	case COAP_REQUEST_CODE_GET:
		return "GET";
	case COAP_REQUEST_CODE_POST:
		return "POST";
	case COAP_REQUEST_CODE_PUT:
		return "PUT";
	case COAP_REQUEST_CODE_DELETE:
		return "DELETE";
	default:
		return "other";
	}
}

/* Label values are peer names (printable ASCII, no spaces) and fixed
 * words; escape what the format reserves anyway. */
static void
label(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void
head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
render_requests(FILE *f, const struct gw_metrics *mx)
{
	head(f, "dotsgw_requests_total", "counter", "Downstream DOTS requests "
	    "answered, by peer, method and response code (Observe "
	    "registrations and notifications are not counted).");
	for (size_t i = 0; mx != NULL && i < mx->n_req; i++) {
		const struct req_count *r = &mx->req[i];

		fputs("dotsgw_requests_total{peer=\"", f);
		label(f, r->peer);
		fprintf(f, "\",method=\"%s\",code=\"%d.%02d\"} %llu\n",
		    method_name(r->method), r->code >> 5, r->code & 0x1f,
		    (unsigned long long)r->n);
	}
}

static void
render_latency(FILE *f, const struct gw_metrics *mx)
{
	uint64_t cum = 0;

	head(f, "dotsgw_relay_latency_seconds", "histogram", "Time from a "
	    "downstream request to an upstream's first answer to it.");
	for (size_t i = 0; i <= N_LAT; i++) {
		cum += mx != NULL ? mx->lat_bucket[i] : 0;
		if (i < N_LAT)
			fprintf(f, "dotsgw_relay_latency_seconds_bucket"
			    "{le=\"%g\"} %llu\n", (double)lat_bounds[i] / 1e6,
			    (unsigned long long)cum);
		else
			fprintf(f, "dotsgw_relay_latency_seconds_bucket"
			    "{le=\"+Inf\"} %llu\n", (unsigned long long)cum);
	}
	fprintf(f, "dotsgw_relay_latency_seconds_sum %.6f\n"
	    "dotsgw_relay_latency_seconds_count %llu\n",
	    mx != NULL ? (double)mx->lat_sum_us / 1e6 : 0.0,
	    mx != NULL ? (unsigned long long)mx->lat_count : 0ULL);
}

static void
render_events(FILE *f, const struct gw_metrics *mx)
{
	static const struct gw_metrics zero;

	if (mx == NULL)
		mx = &zero;
	head(f, "dotsgw_decisions_total", "counter", "Relay decisions for new "
	    "mitigations: local, upstream or exceeded.");
	fprintf(f, "dotsgw_decisions_total{result=\"local\"} %llu\n"
	    "dotsgw_decisions_total{result=\"upstream\"} %llu\n"
	    "dotsgw_decisions_total{result=\"exceeded\"} %llu\n",
	    (unsigned long long)mx->dec_local,
	    (unsigned long long)mx->dec_upstream,
	    (unsigned long long)mx->dec_exceeded);
	head(f, "dotsgw_reloads_total", "counter", "Configuration reloads.");
	fprintf(f, "dotsgw_reloads_total{result=\"ok\"} %llu\n"
	    "dotsgw_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)mx->reload_ok,
	    (unsigned long long)mx->reload_failed);
	head(f, "dotsgw_dc_upstream_requests_total", "counter", "Data-channel "
	    "requests sent to upstreams (RFC 8783).");
	fprintf(f, "dotsgw_dc_upstream_requests_total %llu\n",
	    (unsigned long long)mx->dc_up_sent);
	head(f, "dotsgw_dc_upstream_failures_total", "counter", "Data-channel "
	    "requests to upstreams without a 2xx answer.");
	fprintf(f, "dotsgw_dc_upstream_failures_total %llu\n",
	    (unsigned long long)mx->dc_up_failed);
	head(f, "dotsgw_telemetry_received_total", "counter",
	    "RFC 9244 telemetry setups and reports accepted downstream.");
	fprintf(f, "dotsgw_telemetry_received_total %llu\n",
	    (unsigned long long)mx->tm_received);
	head(f, "dotsgw_telemetry_relayed_total", "counter",
	    "RFC 9244 telemetry relayed upstream, by answer.");
	fprintf(f, "dotsgw_telemetry_relayed_total{result=\"ok\"} %llu\n"
	    "dotsgw_telemetry_relayed_total{result=\"failed\"} %llu\n",
	    (unsigned long long)mx->tm_relayed,
	    (unsigned long long)mx->tm_relay_failed);
}

/* Mitigations in the table by peer and reported status. */
struct mit_census {
	struct gw	*gw;
	uint64_t	(*n)[9];	/* [peer][status 0..8] */
};

static int
census_one(struct mitigation *m, void *arg)
{
	struct mit_census *mc = arg;
	uint32_t st = mit_report_status(m);

	for (size_t i = 0; i < mc->gw->n_peers; i++)
		if (mc->gw->peers[i] == m->client->peer) {
			mc->n[i][st < 9 ? st : 0]++;
			break;
		}
	return 0;
}

static void
render_mitigations(FILE *f, struct gw *gw)
{
	struct mit_census mc = { gw, NULL };

	head(f, "dotsgw_mitigations", "gauge", "Mitigations in the table, by "
	    "peer and the status its client sees.");
	if (gw->mt == NULL || gw->n_peers == 0 ||
	    (mc.n = calloc(gw->n_peers, sizeof(*mc.n))) == NULL)
		return;
	mit_foreach(gw->mt, census_one, &mc);
	for (size_t i = 0; i < gw->n_peers; i++)
		for (uint32_t st = 1; st < 9; st++) {
			if (mc.n[i][st] == 0)
				continue;
			fputs("dotsgw_mitigations{peer=\"", f);
			label(f, gw->peers[i]->conf->name);
			fprintf(f, "\",status=\"%s\"} %llu\n",
			    dots_status_name(st),
			    (unsigned long long)mc.n[i][st]);
		}
	head(f, "dotsgw_mitigations_active", "gauge", "Mitigations not yet "
	    "terminated, by peer.");
	for (size_t i = 0; i < gw->n_peers; i++) {
		if (!(gw->peers[i]->conf->roles & PEER_DOWNSTREAM))
			continue;
		fputs("dotsgw_mitigations_active{peer=\"", f);
		label(f, gw->peers[i]->conf->name);
		fprintf(f, "\"} %zu\n", gw->peers[i]->active);
	}
	free(mc.n);
}

static void
render_observations(FILE *f, struct gw *gw)
{
	head(f, "dotsgw_observations", "gauge", "Observations of "
	    "mitigations (RFC 7641) that downstream sessions hold.");
	fprintf(f, "dotsgw_observations %zu\n", observe_count(gw->observe));
}

static void
render_upstreams(FILE *f, struct gw *gw)
{
	head(f, "dotsgw_upstream_up", "gauge", "1 while the session to an "
	    "upstream peer is up.");
	for (size_t i = 0; i < gw->n_ups; i++) {
		fputs("dotsgw_upstream_up{upstream=\"", f);
		label(f, gw->ups[i]->peer->name);
		fprintf(f, "\"} %d\n", gw->ups[i]->up ? 1 : 0);
	}
	head(f, "dotsgw_placements", "gauge", "Relayed requests (placements) "
	    "by upstream and state.");
	for (size_t i = 0; i < gw->n_ups; i++) {
		uint64_t n[PL_ENDED + 1] = { 0 };
		struct placement *p;

		TAILQ_FOREACH(p, &gw->ups[i]->placements, u_entry)
			n[p->state]++;
		for (int s = PL_SENDING; s <= PL_ENDED; s++) {
			fputs("dotsgw_placements{upstream=\"", f);
			label(f, gw->ups[i]->peer->name);
			fprintf(f, "\",state=\"%s\"} %llu\n", placement_state_name(s),
			    (unsigned long long)n[s]);
		}
	}
}

static void
render_peers(FILE *f, struct gw *gw)
{
	head(f, "dotsgw_peer_up", "gauge", "1 while a downstream peer is heard "
	    "from.");
	for (size_t i = 0; i < gw->n_peers; i++) {
		if (!(gw->peers[i]->conf->roles & PEER_DOWNSTREAM))
			continue;
		fputs("dotsgw_peer_up{peer=\"", f);
		label(f, gw->peers[i]->conf->name);
		fprintf(f, "\"} %d\n", gw->peers[i]->up ? 1 : 0);
	}
}

static void
render_capacity(FILE *f, struct gw *gw)
{
	const struct conf_capacity *c = &gw->conf->capacity;
	const struct pol_usage *u = &gw->local_usage;

	head(f, "dotsgw_capacity_configured", "gauge", "Local mitigation "
	    "capacity configured (bps, pps, rules; rules 0 = unlimited).");
	fprintf(f, "dotsgw_capacity_configured{unit=\"bps\"} %llu\n"
	    "dotsgw_capacity_configured{unit=\"pps\"} %llu\n"
	    "dotsgw_capacity_configured{unit=\"rules\"} %u\n",
	    (unsigned long long)c->bps, (unsigned long long)c->pps, c->rules);
	head(f, "dotsgw_capacity_in_use", "gauge", "Local mitigation capacity "
	    "held by local mitigations.");
	fprintf(f, "dotsgw_capacity_in_use{unit=\"bps\"} %llu\n"
	    "dotsgw_capacity_in_use{unit=\"pps\"} %llu\n"
	    "dotsgw_capacity_in_use{unit=\"rules\"} %u\n",
	    (unsigned long long)u->bps, (unsigned long long)u->pps, u->rules);
}

/* A metric with one sample and no labels. */
static void
single(FILE *f, const char *name, const char *type, const char *help,
    unsigned long long v)
{
	head(f, name, type, help);
	fprintf(f, "%s %llu\n", name, v);
}

/* The state store's group commit (store.h, durable.h). */
static void
render_store(FILE *f, struct gw *gw)
{
	struct store_stats st;

	store_stats(gw->store, &st);
	single(f, "dotsgw_store_commits_total", "counter",
	    "State store transactions committed.", st.commits);
	single(f, "dotsgw_store_syncs_total", "counter", "fdatasyncs of the "
	    "state store's WAL; one covers every commit since the last.",
	    st.syncs);
	single(f, "dotsgw_store_errors_total", "counter", "State store "
	    "writes, commits and syncs that failed.", st.errors);
	single(f, "dotsgw_answers_waiting_sync", "gauge", "Answers held "
	    "until the next sync of the state store.",
	    durable_waiting(gw->durable));
}

char *
metrics_render(struct gw *gw, size_t *len)
{
	char *buf = NULL;
	FILE *f;

	if ((f = open_memstream(&buf, len)) == NULL)
		return NULL;
	render_requests(f, gw->metrics);
	render_latency(f, gw->metrics);
	render_events(f, gw->metrics);
	render_mitigations(f, gw);
	render_observations(f, gw);
	render_upstreams(f, gw);
	render_peers(f, gw);
	render_capacity(f, gw);
	render_store(f, gw);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
