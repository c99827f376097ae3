/*
 * Counters for the admin endpoint's /metrics (Prometheus text exposition
 * format 0.0.4). struct gw owns one struct gw_metrics; the hot path only
 * increments it (requests, relay latency, decisions, reloads). Everything
 * else shown (mitigations, upstream state, placements, capacity, peers)
 * is read from the daemon's state when /metrics is asked for. Every
 * function accepts a NULL struct gw_metrics (nothing is counted).
 */
#ifndef DOTSGW_COUNTERS_H
#define DOTSGW_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Relay latency buckets, microseconds (shown in seconds). */
#define METRICS_N_LAT	14
extern const uint64_t metrics_lat_bounds[METRICS_N_LAT];

struct req_count {
	char		*peer;
	int		 method;
	int		 code;
	uint64_t	 n;
};

/* Read by the /metrics rendering (gateway/control/metrics.c). */
struct gw_metrics {
	struct req_count *req;
	size_t		 n_req, cap_req;
	uint64_t	 lat_bucket[METRICS_N_LAT + 1];	/* last is +Inf */
	uint64_t	 lat_count, lat_sum_us;
	uint64_t	 dec_local, dec_upstream, dec_exceeded;
	uint64_t	 reload_ok, reload_failed;
	uint64_t	 dc_up_sent, dc_up_failed;	/* data channel upstream */
	uint64_t	 tm_received, tm_relayed, tm_relay_failed; /* RFC 9244 */
};

struct gw_metrics *metrics_new(void);
void	metrics_free(struct gw_metrics *);

/* One answered downstream request: COAP_REQUEST_CODE_* and the response
 * code as libcoap holds it (class << 5 | detail). */
void	metrics_request(struct gw_metrics *, const char *peer, int method,
	    int code);
/* Downstream request to an upstream's first answer, microseconds. */
void	metrics_relay_latency(struct gw_metrics *, uint64_t usec);
/* A relay decision: "local", "upstream" or "exceeded". */
void	metrics_decision(struct gw_metrics *, const char *result);
void	metrics_reload(struct gw_metrics *, bool ok);
/* A data-channel request sent to an upstream, and (failed) one that got
 * no 2xx answer. */
void	metrics_dc_upstream(struct gw_metrics *, bool failed);
/* RFC 9244 telemetry: a setup or report accepted from a downstream peer;
 * one relayed upstream (ok: answered 2.xx). */
void	metrics_tm_received(struct gw_metrics *);
void	metrics_tm_relayed(struct gw_metrics *, bool ok);

/* CLOCK_MONOTONIC in microseconds, for latencies. */
uint64_t metrics_now_us(void);

#endif
