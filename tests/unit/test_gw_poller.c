/*
 * gateway/poller.c: the waits between polls of a resource its server
 * does not let us observe: the base interval while polls succeed,
 * doubling while they fail (up to 60 s, or the base when longer), the
 * base again after a good one; and the timer fires its callback.
 */
#include <sys/time.h>

#include <event2/event.h>

#include "gateway/relay/poller.h"
#include "unit.h"

static int fired;

static void
on_fire(void *arg)
{
	fired++;
	event_base_loopbreak(arg);
}

static void
test_backoff(struct event_base *base)
{
	struct poller *pl = poller_new(base, on_fire, base);
	unsigned want[] = { 2, 4, 8, 16, 32, 60, 60 };

	CHECK(pl != NULL);
	if (pl == NULL)
		return;
	CHECK(poller_schedule(pl, 1, false) == 1);
	CHECK(poller_schedule(pl, 1, false) == 1);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(poller_schedule(pl, 1, true) == want[i]);
	CHECK(poller_schedule(pl, 1, false) == 1);	/* good again */
	CHECK(poller_schedule(pl, 1, true) == 2);
	/* the base is read at every call (a new heartbeat interval) */
	CHECK(poller_schedule(pl, 30, false) == 30);
	CHECK(poller_schedule(pl, 30, true) == 60);
	CHECK(poller_schedule(pl, 30, true) == 60);
	/* a base above the cap is the cap; 0 counts as 1 */
	CHECK(poller_schedule(pl, 300, true) == 300);
	CHECK(poller_schedule(pl, 0, false) == 1);
	poller_stop(pl);
	CHECK(poller_schedule(pl, 5, true) == 10);	/* stop forgets */
	poller_free(pl);
}

static void
test_fires(struct event_base *base)
{
	struct poller *pl = poller_new(base, on_fire, base);
	struct timeval guard = { 3, 0 };

	CHECK(pl != NULL);
	if (pl == NULL)
		return;
	fired = 0;
	(void)poller_schedule(pl, 1, false);
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	CHECK(fired == 1);
	/* stopped: nothing fires */
	(void)poller_schedule(pl, 1, false);
	poller_stop(pl);
	guard.tv_sec = 1;
	guard.tv_usec = 500000;
	event_base_loopexit(base, &guard);
	event_base_dispatch(base);
	CHECK(fired == 1);
	poller_free(pl);
}

int
main(void)
{
	struct event_base *base = event_base_new();

	if (base == NULL)
		return 1;
	TEST("poller: base interval, doubling backoff, cap") test_backoff(base);
	TEST("poller: fires once, not after stop") test_fires(base);
	event_base_free(base);
	return UNIT_EXIT();
}
