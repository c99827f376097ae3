/*
 * The daemon's state as JSON for the control socket's status (and
 * `dotsctl status`): peers with their sessions and negotiated signal
 * configuration, upstreams, every mitigation with its relay path
 * (decision, placements upstream), capacity and counters.
 */
#ifndef DOTSGW_STATUS_H
#define DOTSGW_STATUS_H

#include <jansson.h>

struct gw;

/* A new reference; NULL on allocation failure. */
json_t	*status_json(struct gw *);

#endif
