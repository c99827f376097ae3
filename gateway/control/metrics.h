/*
 * Counters for the admin endpoint's /metrics (Prometheus text exposition
 * format 0.0.4). struct gw owns one struct gw_metrics; the hot path only
 * increments it (requests, relay latency, decisions, reloads). Everything
 * else shown (mitigations, upstream state, placements, capacity, peers)
 * is read from the daemon's state when /metrics is asked for. Every
 * function accepts a NULL struct gw_metrics (nothing is counted).
 */
#ifndef DOTSGW_METRICS_H
#define DOTSGW_METRICS_H

#include <stdbool.h>
#include <stdint.h>

struct gw;
struct gw_metrics;

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

/* CLOCK_MONOTONIC in microseconds, for latencies. */
uint64_t metrics_now_us(void);

/* Everything as Prometheus text; NULL on allocation failure (free it). */
char	*metrics_render(struct gw *, size_t *len);

#endif
