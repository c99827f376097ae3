/*
 * /metrics: the counters of gateway/state/counters.h and what is read from
 * the daemon's state when it is asked for, as Prometheus text (exposition
 * format 0.0.4).
 */
#ifndef DOTSGW_METRICS_H
#define DOTSGW_METRICS_H

#include <stddef.h>

struct gw;

/* Everything as Prometheus text; NULL on allocation failure (free it). */
char	*metrics_render(struct gw *, size_t *len);

#endif
