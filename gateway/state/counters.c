#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gateway/state/counters.h"

const uint64_t metrics_lat_bounds[METRICS_N_LAT] = { 500, 1000, 2500, 5000,
	10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000,
	5000000, 10000000 };
#define N_LAT	METRICS_N_LAT
#define lat_bounds metrics_lat_bounds

struct gw_metrics *
metrics_new(void)
{
	return calloc(1, sizeof(struct gw_metrics));
}

void
metrics_free(struct gw_metrics *mx)
{
	if (mx == NULL)
		return;
	for (size_t i = 0; i < mx->n_req; i++)
		free(mx->req[i].peer);
	free(mx->req);
	free(mx);
}

uint64_t
metrics_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Peers x methods x codes stays small: a linear scan is enough. */
void
metrics_request(struct gw_metrics *mx, const char *peer, int method,
    int code)
{
	struct req_count *r;

	if (mx == NULL || code == 0)
		return;		/* no answer yet (held, or silently ignored) */
	for (size_t i = 0; i < mx->n_req; i++) {
		r = &mx->req[i];
		if (r->method == method && r->code == code &&
		    strcmp(r->peer, peer) == 0) {
			r->n++;
			return;
		}
	}
	if (mx->n_req == mx->cap_req) {
		size_t ncap = mx->cap_req ? mx->cap_req * 2 : 16;

		if ((r = reallocarray(mx->req, ncap, sizeof(*r))) == NULL)
			return;
		mx->req = r;
		mx->cap_req = ncap;
	}
	r = &mx->req[mx->n_req];
	if ((r->peer = strdup(peer)) == NULL)
		return;
	r->method = method;
	r->code = code;
	r->n = 1;
	mx->n_req++;
}

void
metrics_relay_latency(struct gw_metrics *mx, uint64_t usec)
{
	size_t i;

	if (mx == NULL)
		return;
	for (i = 0; i < N_LAT && usec > lat_bounds[i]; i++)
		;
	mx->lat_bucket[i]++;
	mx->lat_count++;
	mx->lat_sum_us += usec;
}

void
metrics_decision(struct gw_metrics *mx, const char *result)
{
	if (mx == NULL)
		return;
	if (strcmp(result, "local") == 0)
		mx->dec_local++;
	else if (strcmp(result, "upstream") == 0)
		mx->dec_upstream++;
	else
		mx->dec_exceeded++;
}

void
metrics_dc_upstream(struct gw_metrics *mx, bool failed)
{
	if (mx == NULL)
		return;
	if (failed)
		mx->dc_up_failed++;
	else
		mx->dc_up_sent++;
}

void
metrics_reload(struct gw_metrics *mx, bool ok)
{
	if (mx != NULL)
		(*(ok ? &mx->reload_ok : &mx->reload_failed))++;
}

void
metrics_tm_received(struct gw_metrics *mx)
{
	if (mx != NULL)
		mx->tm_received++;
}

void
metrics_tm_relayed(struct gw_metrics *mx, bool ok)
{
	if (mx != NULL)
		(*(ok ? &mx->tm_relayed : &mx->tm_relay_failed))++;
}
