/*
 * The control socket's "usage [SINCE UNTIL]" (ctl_sock.h): the usage
 * accounting (gateway/state/usage.h) over a time range, as JSON, for
 * `dotsctl usage`. Read-only: both sockets serve it.
 */
#ifndef DOTSGW_USAGE_CMD_H
#define DOTSGW_USAGE_CMD_H

#include <stddef.h>
#include <stdint.h>

/*
 * The JSON text (malloc'd, *len set) of the sums of every peer and
 * direction over the buckets that overlap [since, until) (Unix seconds;
 * until 0: up to now), arg being the struct gw. NULL when out of memory.
 *   {"since": S, "until": U, "bucket-seconds": 3600, "now": N,
 *    "usage": [{"peer": P, "direction": "downstream"|"upstream",
 *               "executions", "mitigation-seconds", "attack-bps-peak",
 *               "attack-pps-peak", "normal-bps-peak", "normal-pps-peak",
 *               "dropped-bps-peak", "dropped-pps-peak", "bytes-dropped",
 *               "packets-dropped"}, ...]}
 */
char	*usage_cmd_json(void *arg, int64_t since, int64_t until, size_t *len);

#endif
