/*
 * Following an accepted placement: observed (RFC 7641), or polled by GET
 * when the upstream does not let us observe it (RFC 7641 §4.1) or its
 * registration failed. Each answer's report is taken in (placement.c).
 */
#include <stdio.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/relay/poller.h"
#include "gateway/relay/relay_impl.h"
#include "gateway/state/mitigation.h"
#include "gateway/upstream/upstream.h"

static void poll_fire(void *);

/* An answer about p, a notification or a poll's: its report is taken
 * in; 4.04 means the upstream no longer has it. */
static void
take_answer(struct placement *p, const struct dc_resp *r)
{
	struct seen before = placement_seen(p);
	char name[200];

	if (r->code == 404) {
		/* gone there (expired, restarted, shut down) while we still
		 * want it: lost, placed again when the upstream is back */
		log_warnx("%s: upstream %s no longer has mid %u",
		    relay_mit_name(p->m, name, sizeof(name)),
		    p->us->peer->name, p->umid);
		p->state = PL_LOST;
		p->obs_id = 0;
		placement_poll_stop(p);
		relay_failed_over(p->m);
	} else if (r->code == 205) {
		placement_take_report(p, r);
		placement_check_exceeded(p);
		if (p->state == PL_REFUSED)
			relay_failed_over(p->m);
	}
	placement_update(p, before);
}

/* "cuid C mid N" as the upstream knows p, for its log lines. */
static const char *
up_name(const struct placement *p, char *buf, size_t len)
{
	snprintf(buf, len, "cuid %s mid %u", p->us->cuid, p->umid);
	return buf;
}

/* Follow p by GET: the next one after the upstream's poll interval, or
 * after the backoff when the last one failed (why). */
static void
poll_next(struct placement *p, const char *why)
{
	char name[80];
	unsigned wait_s;

	if (p->state != PL_ACTIVE) {
		placement_poll_stop(p);
		return;
	}
	if (p->poll == NULL && (p->poll = poller_new(mit_gw(p->m)->base,
	    poll_fire, p)) == NULL) {
		log_warnx("upstream %s %s: cannot poll: out of memory",
		    p->us->peer->name, up_name(p, name, sizeof(name)));
		return;
	}
	p->polled = true;
	wait_s = poller_schedule(p->poll, upstream_poll_interval(p->us),
	    why != NULL);
	if (why != NULL)
		log_info("upstream %s %s: poll failed (%s); next poll in %u s",
		    p->us->peer->name, up_name(p, name, sizeof(name)), why,
		    wait_s);
}

void
placement_poll_stop(struct placement *p)
{
	poller_stop(p->poll);
	upstream_cancel(p->us, p->poll_id);
	p->poll_id = 0;
	p->polled = false;
}

static void
poll_cb(void *arg, int status, const struct dc_resp *r)
{
	struct placement *p = arg;
	char why[40];

	p->poll_id = 0;
	if (status != DC_OK) {
		poll_next(p, status == DC_TIMEOUT ? "no answer" :
		    "request failed");
		return;
	}
	take_answer(p, r);
	if (!p->polled)		/* lost, refused or ended meanwhile */
		return;
	snprintf(why, sizeof(why), "%d.%02d", r->code / 100, r->code % 100);
	poll_next(p, r->code / 100 == 2 ? NULL : why);
}

static void
poll_fire(void *arg)
{
	struct placement *p = arg;
	struct dc_req req = { 0 };
	struct upath u;
	unsigned timeout_ms = upstream_poll_interval(p->us) * 1000;

	if (p->state != PL_ACTIVE) {
		placement_poll_stop(p);
		return;
	}
	if (timeout_ms < RELAY_POLL_TIMEOUT_MIN_MS)
		timeout_ms = RELAY_POLL_TIMEOUT_MIN_MS;
	if (timeout_ms > RELAY_OBS_TIMEOUT_MS)
		timeout_ms = RELAY_OBS_TIMEOUT_MS;
	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_GET;	/* no Observe */
	upstream_cancel(p->us, p->poll_id);
	if ((p->poll_id = upstream_send(p->us, &req, timeout_ms, poll_cb,
	    p)) == 0)
		poll_next(p, "not connected");
}

/*
 * The observation's answers. The first carries Observe when the upstream
 * registered us; a 2.05 without it means it did not (RFC 7641 §4.1) and
 * nothing more will come on that token (the client answers any later
 * notification with RST): the placement is polled instead. So is one
 * whose registration got an error or no answer, with backoff.
 */
static void
obs_cb(void *arg, int status, const struct dc_resp *r)
{
	struct placement *p = arg;
	char what[80];
	bool ended;

	if (status != DC_OK) {
		p->obs_id = 0;		/* upstream_down handles loss */
		if (status == DC_TIMEOUT)
			poll_next(p, "no answer to the Observe registration");
		return;
	}
	ended = !r->has_observe || r->code / 100 != 2;
	if (ended)
		p->obs_id = 0;		/* the client has finished it */
	take_answer(p, r);
	if (!ended) {
		if (!p->observed)
			upstream_observation(p->us, true, up_name(p, what,
			    sizeof(what)));
		p->observed = true;
		return;
	}
	if (p->state != PL_ACTIVE)
		return;
	if (r->code == 205 && !p->observed)
		upstream_observation(p->us, false, up_name(p, what,
		    sizeof(what)));
	else if (r->code == 205)
		log_info("upstream %s %s: observation ended; polled",
		    p->us->peer->name, up_name(p, what, sizeof(what)));
	poll_next(p, r->code == 205 ? NULL : "Observe registration refused");
}

void
placement_observe(struct placement *p)
{
	struct dc_req req = { 0 };
	struct upath u;

	if (p->obs_id != 0 || p->polled)	/* polled till it is lost */
		return;
	placement_path(p, true, &req, &u);
	req.method = COAP_REQUEST_CODE_GET;
	req.observe = 0;
	p->observed = false;
	p->obs_id = upstream_send(p->us, &req, RELAY_OBS_TIMEOUT_MS, obs_cb, p);
}

/* Accepted upstream: observe it once the loop is idle, i.e. after the
 * downstream answer this acceptance releases has left. */
void
placement_observe_soon(evutil_socket_t fd, short what, void *arg)
{
	struct placement *p = arg;

	if (p->state == PL_ACTIVE)
		placement_observe(p);
}

const char *
placement_observation(const struct placement *p)
{
	if (p->polled)
		return "polled";
	return p->obs_id != 0 && p->observed ? "observed" : "none";
}
