/*
 * A one-shot timer rearmed after each poll, with backoff: what follows a
 * resource by GET when its server does not let us observe it (RFC 7641
 * §4.1: a 2.05 without Observe means not registered). The caller sends
 * the request when the timer fires and says how the last poll went
 * when it schedules the next; a failed poll doubles the wait, up to
 * POLLER_BACKOFF_MAX_S or the base interval when that is longer, and a
 * good one brings it back to the base.
 */
#ifndef DOTSGW_POLLER_H
#define DOTSGW_POLLER_H

#include <stdbool.h>

#include <event2/event.h>

#define POLLER_BACKOFF_MAX_S	60

typedef void (*poller_fn)(void *arg);

struct poller;

/* NULL when out of memory. Nothing is scheduled yet. */
struct poller *poller_new(struct event_base *, poller_fn, void *arg);
void	poller_free(struct poller *);
/* Fire fn once, after base_s seconds (at least 1), or after the backoff
 * when failed. Replaces what was scheduled. Returns the wait in s. */
unsigned poller_schedule(struct poller *, unsigned base_s, bool failed);
void	poller_stop(struct poller *);

#endif
