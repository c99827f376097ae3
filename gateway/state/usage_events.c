/*
 * Usage accounting wired to the daemon (usage.h): the mitigation table's
 * events drive the downstream runs, the relay's calls the upstream ones.
 *
 * A downstream run is a mitigation while it mitigates: from acceptance
 * (or the activation of a preconfigured request, status 8 until then)
 * until it stops (status 5, 6 or 7); a refresh of the same mid that
 * takes it back from active-but-terminating resumes it. Its drop
 * counters are the local mitigator's (m's own, cumulative) plus, through
 * the placements' runs, what each upstream reports; its drop rates are
 * what the client sees (folded). An upstream run is one placement while
 * the upstream holds it (accepted, not lost or ended), owned by its
 * mitigation's run: it stops and ends with it.
 *
 * Time is accounted when a run stops, ends or its declared rates change;
 * a query adds what running runs have not accounted yet (usage_sum), so
 * the store is written only when something happened (every USAGE_FLUSH_S
 * at most, and at exit), not for the clock. At shutdown the table and the
 * relay let go of everything: the runs are kept, not ended, and the next
 * start claims those whose mitigation it restores (usage_orphans closes
 * the rest on the first loop turn, after persist_restore()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/mitigation.h"
#include "gateway/state/peer.h"
#include "gateway/state/usage.h"
#include "policies/capacity.h"

#define USAGE_FLUSH_S	10	/* what changed is written this often */
#define TM_TOTAL_TRAFFIC 204	/* RFC 9244 total-traffic (normal) */
#define TM_TOTAL_ATTACK_TRAFFIC 205

static int64_t
wall_now(void)
{
	return (int64_t)time(NULL);
}

/* "T NAME N" without printf: a mitigation's key is made at each of its
 * notifications, a placement's at each report. */
static const char *
run_key(char t, const char *name, uint32_t n, char *buf, size_t len)
{
	size_t l = strlen(name);
	char d[10], *p;
	size_t k = 0;

	if (l + 2 + sizeof(d) + 2 > len) {
		snprintf(buf, len, "%c %s %u", t, name, n);
		return buf;
	}
	buf[0] = t;
	buf[1] = ' ';
	memcpy(buf + 2, name, l);
	p = buf + 2 + l;
	*p++ = ' ';
	do {
		d[k++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0);
	while (k > 0)
		*p++ = d[--k];
	*p = '\0';
	return buf;
}

static const char *
down_key(const struct mitigation *m, char *buf, size_t len)
{
	return run_key('d', m->client->cuid, m->mid, buf, len);
}

static const char *
up_key(const char *upstream, uint32_t umid, char *buf, size_t len)
{
	return run_key('u', upstream, umid, buf, len);
}

static int64_t
wall_expiry(const struct mitigation *m)
{
	uint64_t now = gw_now_ms();

	if (m->expires_ms == 0)
		return 0;
	return wall_now() + (int64_t)(m->expires_ms > now ?
	    (m->expires_ms - now + 999) / 1000 : 0);
}

/* The request's declared rates: total-attack-traffic as the capacity
 * policy reads it (no configured default: 0 where it says nothing), and
 * total-traffic, whose entries have the same form, read the same way. */
static void
decode_declared(const struct mitigation *m, struct usage_rates *r)
{
	const struct conf_capacity none = { 0 };
	struct dots_scope tmp;
	struct dots_opt o;
	const struct dots_opt *tt;
	struct pol_volume vol;

	memset(r, 0, sizeof(*r));
	pol_attack_volume(&m->scope, &none, &vol);
	r->attack_bps = vol.bps;
	r->attack_pps = vol.pps;
	if ((tt = dots_optv_get(&m->scope.opt, TM_TOTAL_TRAFFIC)) == NULL)
		return;
	memset(&tmp, 0, sizeof(tmp));
	o = *tt;			/* borrowed */
	o.key = TM_TOTAL_ATTACK_TRAFFIC;
	tmp.opt.v = &o;
	tmp.opt.n = 1;
	pol_attack_volume(&tmp, &none, &vol);
	r->normal_bps = vol.bps;
	r->normal_pps = vol.pps;
}

/* The same, decoded once per change of scope.opt (mit_opt_set): every
 * notification of m, and each of its repeats, syncs it. */
static void
declared(struct mitigation *m, struct usage_rates *r)
{
	if (!m->declared_ok) {
		decode_declared(m, r);
		m->declared[0] = r->attack_bps;
		m->declared[1] = r->attack_pps;
		m->declared[2] = r->normal_bps;
		m->declared[3] = r->normal_pps;
		m->declared_ok = true;
		return;
	}
	memset(r, 0, sizeof(*r));
	r->attack_bps = m->declared[0];
	r->attack_pps = m->declared[1];
	r->normal_bps = m->declared[2];
	r->normal_pps = m->declared[3];
}

static bool
mitigating(const struct mitigation *m)
{
	return mit_is_active(m) && m->status != DOTS_STATUS_SIGNAL_LOSS;
}

/* m as it is now: started, resumed or stopped; expiry, rates, counters. */
static void
sync_mit(struct gw *gw, struct mitigation *m, bool execution)
{
	struct usage *u = gw->usage;
	struct usage_rates r;
	uint64_t c[4];
	char key[200];
	int64_t now = wall_now();

	if (u == NULL)
		return;
	down_key(m, key, sizeof(key));
	if (mitigating(m))
		usage_start(u, key, USAGE_DOWN, m->client->peer->conf->name, "",
		    "", now, execution);
	else if (!usage_known(u, key))
		return;
	usage_expires(u, key, wall_expiry(m));
	declared(m, &r);
	(void)mit_report(m, c);
	r.drop_bps = c[2];
	r.drop_pps = c[3];
	usage_rates(u, key, &r, now);
	usage_counters(u, key, m->bytes_dropped, m->pkts_dropped, now);
	if (!mitigating(m)) {
		usage_stop(u, key, now);
		usage_stop_owned(u, key, now);
	}
}

static void
on_created(struct mitigation *m, void *gw)
{
	sync_mit(gw, m, true);
}

static void
on_restored(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;
	char key[200];

	int64_t now = wall_now(), start = (int64_t)m->start;

	if (gw->usage == NULL)
		return;
	down_key(m, key, sizeof(key));
	/* the store has the run, or the daemon went down before it was
	 * written (its execution with it: they are written together):
	 * then it runs since the mitigation-start */
	if (!usage_known(gw->usage, key) && mitigating(m))
		usage_start(gw->usage, key, USAGE_DOWN,
		    m->client->peer->conf->name, "", "",
		    start > 0 && start < now ? start : now, true);
	usage_claim(gw->usage, key);
	sync_mit(gw, m, false);
}

static void
on_ending(struct mitigation *m, enum mit_end why, void *gw)
{
	sync_mit(gw, m, false);
}

static void
on_ended(struct mitigation *m, void *arg)
{
	struct gw *gw = arg;
	char key[200];
	int64_t now = wall_now();

	if (gw->usage == NULL)
		return;
	/* stopping: it goes on, restored at the next start, its time
	 * accounted from where the store has it */
	if (gw->stopping)
		return;
	down_key(m, key, sizeof(key));
	usage_end(gw->usage, key, now);
	usage_end_owned(gw->usage, key, now);
}

static void
on_changed(struct mitigation *m, void *gw)
{
	sync_mit(gw, m, true);
}

void
usage_placement(struct gw *gw, const struct mitigation *m,
    const char *upstream, uint32_t umid, bool active, const uint64_t c[4])
{
	struct usage *u = gw->usage;
	struct usage_rates r;
	char key[200], owner[200];
	int64_t now = wall_now();

	if (u == NULL)
		return;
	up_key(upstream, umid, key, sizeof(key));
	down_key(m, owner, sizeof(owner));
	if (active && mitigating(m))
		usage_start(u, key, USAGE_UP, upstream, owner,
		    m->client->peer->conf->name, now, true);
	else if (!usage_known(u, key))
		return;
	usage_expires(u, key, wall_expiry(m));
	/* what we asked of it is what was asked of us: the mitigation's
	 * run has it, decoded already */
	if (!usage_declared(u, owner, &r))
		decode_declared(m, &r);
	r.drop_bps = active ? c[2] : 0;
	r.drop_pps = active ? c[3] : 0;
	usage_rates(u, key, &r, now);
	usage_counters(u, key, c[0], c[1], now);
	if (!active || !mitigating(m))
		usage_stop(u, key, now);
}

void
usage_placement_gone(struct gw *gw, const char *upstream, uint32_t umid)
{
	char key[200];

	if (gw->usage == NULL || gw->stopping)
		return;
	usage_end(gw->usage, up_key(upstream, umid, key, sizeof(key)),
	    wall_now());
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;
	struct timeval tv = { USAGE_FLUSH_S, 0 };
	uint32_t days = gw->conf->usage.retention_days;
	size_t n;

	if (days > 0 && (n = usage_prune(gw->usage,
	    wall_now() - (int64_t)days * 86400)) > 0)
		log_info("usage: %zu buckets older than %u days removed "
		    "(usage: retention-days)", n, days);
	(void)usage_flush(gw->usage);
	evtimer_add(gw->usage_tick, &tv);
}

/* The first loop turn: the store's mitigations are restored by now. */
static void
first_tick(evutil_socket_t fd, short what, void *arg)
{
	struct gw *gw = arg;

	usage_orphans(gw->usage, wall_now());
	event_assign(gw->usage_tick, gw->base, -1, 0, tick, gw);
	tick(fd, what, arg);
}

int
usage_wire(struct gw *gw)
{
	const struct mit_events ev = {
		.created = on_created,
		.restored = on_restored,
		.refreshed = on_created,
		.activated = on_created,
		.ending = on_ending,
		.ended = on_ended,
		.changed = on_changed,
		.arg = gw,
	};
	struct timeval now = { 0, 0 };

	if ((gw->usage = usage_new(gw->store, USAGE_BUCKET_S)) == NULL)
		return -1;
	if ((gw->usage_tick = evtimer_new(gw->base, first_tick, gw)) ==
	    NULL || mit_subscribe(gw->mt, &ev) == -1) {
		usage_close(gw);
		return -1;
	}
	evtimer_add(gw->usage_tick, &now);
	return 0;
}

void
usage_close(struct gw *gw)
{
	if (gw->usage_tick != NULL)
		event_free(gw->usage_tick);
	gw->usage_tick = NULL;
	if (gw->usage == NULL)
		return;
	(void)usage_flush(gw->usage);
	usage_free(gw->usage);
	gw->usage = NULL;
}
