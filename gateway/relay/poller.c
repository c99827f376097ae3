#include <stdlib.h>

#include "gateway/relay/poller.h"

struct poller {
	struct event	*ev;
	poller_fn	 fn;
	void		*arg;
	unsigned	 wait_s;	/* the last wait scheduled */
	bool		 failing;	/* the last poll failed */
};

static void
poller_cb(evutil_socket_t fd, short what, void *arg)
{
	struct poller *pl = arg;

	pl->fn(pl->arg);
}

struct poller *
poller_new(struct event_base *base, poller_fn fn, void *arg)
{
	struct poller *pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return NULL;
	if ((pl->ev = evtimer_new(base, poller_cb, pl)) == NULL) {
		free(pl);
		return NULL;
	}
	pl->fn = fn;
	pl->arg = arg;
	return pl;
}

void
poller_free(struct poller *pl)
{
	if (pl == NULL)
		return;
	event_free(pl->ev);
	free(pl);
}

unsigned
poller_schedule(struct poller *pl, unsigned base_s, bool failed)
{
	unsigned max = base_s > POLLER_BACKOFF_MAX_S ? base_s :
	    POLLER_BACKOFF_MAX_S;
	struct timeval tv = { 0, 0 };

	if (base_s == 0)
		base_s = 1;
	/* the first failure after good polls waits twice the base; each
	 * further one twice the last wait */
	if (!failed)
		pl->wait_s = base_s;
	else if (!pl->failing)
		pl->wait_s = base_s * 2;
	else
		pl->wait_s = pl->wait_s * 2;
	if (pl->wait_s > max || pl->wait_s < base_s)
		pl->wait_s = max;
	pl->failing = failed;
	tv.tv_sec = pl->wait_s;
	evtimer_add(pl->ev, &tv);
	return pl->wait_s;
}

void
poller_stop(struct poller *pl)
{
	if (pl == NULL)
		return;
	evtimer_del(pl->ev);
	pl->failing = false;
}
