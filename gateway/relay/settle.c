/*
 * Settling: a new request that went upstream is answered downstream once
 * its upstreams answered, or after the relay timeout, whichever comes
 * first. The answer is the downstream's (gateway/downstream/held.c); the
 * relay reports when its upstreams settled and what the answer says: 2.01,
 * or 5.08 with the path when every upstream refused it as a loop.
 */
#include <stdio.h>
#include <string.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/mitigation.h"

/* No placement is waiting for its upstream's first answer. */
bool
relay_upstreams_settled(const struct relay_state *rs)
{
	struct placement *p;

	TAILQ_FOREACH(p, &rs->placements, m_entry)
		if (p->state == PL_SENDING)
			return false;
	return true;
}

/* All upstreams refused with 5.08 and nothing else took it: a loop. */
static bool
all_looped(const struct relay_state *rs, char *path, size_t len)
{
	struct placement *p;
	bool any = false;

	path[0] = '\0';
	if (rs->local)
		return false;
	TAILQ_FOREACH(p, &rs->placements, m_entry) {
		if (p->state != PL_REFUSED || p->code != 508)
			return false;
		if (!any)
			relay_path_ids(p->diag, path, len);
		any = true;
	}
	return any;
}

static void
outcome_of(const struct mitigation *m, bool timed_out,
    struct relay_outcome *o)
{
	const struct relay_state *rs = m->relay;
	const struct placement *p;
	/* what fits after a node id (never empty) and a space */
	char path[DOTS_ERR_MSGLEN - 2];

	memset(o, 0, sizeof(*o));
	o->timed_out = timed_out;
	TAILQ_FOREACH(p, &rs->placements, m_entry)
		switch (p->state) {
		case PL_SENDING:
			o->sending++;
			break;
		case PL_ACTIVE:
			o->active++;
			break;
		case PL_REFUSED:
			o->refused++;
			break;
		case PL_LOST:
			o->lost++;
			break;
		case PL_ENDED:
			break;
		}
	if (all_looped(rs, path, sizeof(path))) {
		/* RFC 8768: each relay prepends its id on the way back */
		o->code = 508;
		snprintf(o->diag, sizeof(o->diag), "%s %s",
		    mit_gw(m)->conf->node_id, path);
	} else
		o->code = 201;
}

static void
report(struct mitigation *m, bool timed_out)
{
	struct relay_state *rs = m->relay;
	struct relay_outcome o;

	rs->await_done = true;
	evtimer_del(rs->await_timer);
	outcome_of(m, timed_out, &o);
	rs->await_fn(m, &o, rs->await_arg);	/* may end the wait */
}

static void
timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mitigation *m = arg;
	char name[200];

	log_info("%s: upstreams did not answer within the relay timeout; "
	    "answering downstream now", relay_mit_name(m, name, sizeof(name)));
	report(m, true);
}

int
relay_await(struct mitigation *m, relay_settled_fn *fn, void *arg)
{
	struct relay_state *rs = m->relay;
	struct gw *gw = mit_gw(m);
	uint32_t ms = gw->conf->gateway.relay_timeout_ms;
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	if (rs == NULL || (rs->await_timer == NULL && (rs->await_timer =
	    evtimer_new(gw->base, timeout_cb, m)) == NULL))
		return -1;
	rs->await_fn = fn;
	rs->await_arg = arg;
	rs->await_done = false;
	evtimer_add(rs->await_timer, &tv);
	return 0;
}

void *
relay_awaited(const struct mitigation *m)
{
	return m->relay != NULL && m->relay->await_fn != NULL ?
	    m->relay->await_arg : NULL;
}

void *
relay_await_end(struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	void *arg;

	if (rs == NULL || rs->await_fn == NULL)
		return NULL;
	arg = rs->await_arg;
	rs->await_fn = NULL;
	rs->await_arg = NULL;
	rs->await_done = false;
	evtimer_del(rs->await_timer);
	return arg;
}

/* Report once, when the upstreams of a waited-for m have settled. */
void
relay_settle_check(struct mitigation *m)
{
	struct relay_state *rs = m->relay;

	if (rs != NULL && rs->await_fn != NULL && !rs->await_done &&
	    relay_upstreams_settled(rs))
		report(m, false);
}

/* m goes away: the waiter forgets its arg; no report any more. */
void
relay_await_free(struct mitigation *m)
{
	struct relay_state *rs = m->relay;
	relay_settled_fn *fn = rs->await_fn;
	void *arg = rs->await_arg;

	(void)relay_await_end(m);
	if (fn != NULL)
		fn(m, NULL, arg);
	if (rs->await_timer != NULL)
		event_free(rs->await_timer);
	rs->await_timer = NULL;
}
