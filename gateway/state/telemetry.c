/*
 * RFC 9244 telemetry state (telemetry.h). Lists: a peer holds at most a
 * few dozen setups and reports, so every walk is short.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/conf.h"
#include "common/dots_json.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/state/telemetry.h"

#define SETUP_KEY	"tm-setup:"
#define REPORT_KEY	"tm:"
#define TM_PEER_MAX	128
#define TM_LISTENERS	4

struct setup_rt {
	TAILQ_ENTRY(setup_rt) entry;
	char		 peer[TM_PEER_MAX + 1];
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 tsid;
	struct dots_tm_setup *s;
	json_t		*body;
};

struct report_rt {
	TAILQ_ENTRY(report_rt) entry;
	char		 peer[TM_PEER_MAX + 1];
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 tmid;
	struct dots_tm_report *r;
	json_t		*body;
	uint64_t	 at_ms;
	uint8_t		 hop_limit;
};

/* The highest tmid a cuid used since its last DELETE-all. */
struct tmid_mark {
	TAILQ_ENTRY(tmid_mark) entry;
	char		 peer[TM_PEER_MAX + 1];
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 highest;
};

struct tm_table {
	struct gw	*gw;
	TAILQ_HEAD(, setup_rt) setups;
	TAILQ_HEAD(, report_rt) reports;
	TAILQ_HEAD(, tmid_mark) marks;
	struct { struct tm_events ev; void *arg; } l[TM_LISTENERS];
	size_t		 n_l;
};

static bool
owner_is(const char *peer, const char *cuid, const char *p, const char *c)
{
	return strcmp(peer, p) == 0 && (c == NULL || strcmp(cuid, c) == 0);
}

static void
setup_rec(const struct setup_rt *x, struct tm_setup_rec *out)
{
	out->peer = x->peer;
	out->cuid = x->cuid;
	out->tsid = x->tsid;
	out->s = x->s;
	out->entry = json_array_get(json_object_get(json_object_get(x->body,
	    "ietf-dots-telemetry:telemetry-setup"), "telemetry"), 0);
}

static void
report_rec(const struct report_rt *x, struct tm_report_rec *out)
{
	out->peer = x->peer;
	out->cuid = x->cuid;
	out->tmid = x->tmid;
	out->r = x->r;
	out->body = x->body;
	out->at_ms = x->at_ms;
	out->hop_limit = x->hop_limit;
}

static void
tell_report(struct tm_table *t, const struct report_rt *x, bool gone)
{
	struct tm_report_rec rec;

	report_rec(x, &rec);
	if (gone) {
		rec.r = NULL;
		rec.body = NULL;
	}
	for (size_t i = 0; i < t->n_l; i++)
		if (t->l[i].ev.report != NULL)
			t->l[i].ev.report(&rec, t->l[i].arg);
}

static void
tell_setup(struct tm_table *t, const struct setup_rt *x, bool gone)
{
	struct tm_setup_rec rec;

	setup_rec(x, &rec);
	if (gone) {
		rec.s = NULL;
		rec.entry = NULL;
	}
	for (size_t i = 0; i < t->n_l; i++)
		if (t->l[i].ev.setup != NULL)
			t->l[i].ev.setup(&rec, t->l[i].arg);
}

/* ---- the store ---- */

static void
store_key(char *buf, size_t len, const char *prefix, const char *peer,
    const char *cuid, uint32_t id)
{
	snprintf(buf, len, "%s%s/%s/%u", prefix, peer, cuid, id);
}

static void
save(struct tm_table *t, const char *prefix, const char *peer,
    const char *cuid, uint32_t id, const json_t *body)
{
	struct dots_err err = { 0 };
	char key[320];
	uint8_t *buf;
	size_t len;

	store_key(key, sizeof(key), prefix, peer, cuid, id);
	if (dots_json_to_cbor(body, &buf, &len, &err) == -1) {
		log_warnx("telemetry: cannot store %s: %s", key, err.msg);
		return;
	}
	(void)store_reg_put(t->gw->store, key, buf, len);
	free(buf);
}

static void
unsave(struct tm_table *t, const char *prefix, const char *peer,
    const char *cuid, uint32_t id)
{
	char key[320];

	store_key(key, sizeof(key), prefix, peer, cuid, id);
	(void)store_reg_del(t->gw->store, key);
}

static void
setup_free(struct tm_table *t, struct setup_rt *x, bool forget)
{
	TAILQ_REMOVE(&t->setups, x, entry);
	if (forget) {
		unsave(t, SETUP_KEY, x->peer, x->cuid, x->tsid);
		tell_setup(t, x, true);
	}
	json_decref(x->body);
	free(x->s);
	free(x);
}

static void
report_free(struct tm_table *t, struct report_rt *x, bool forget)
{
	TAILQ_REMOVE(&t->reports, x, entry);
	if (forget) {
		unsave(t, REPORT_KEY, x->peer, x->cuid, x->tmid);
		tell_report(t, x, true);
	}
	json_decref(x->body);
	free(x->r);
	free(x);
}

static struct tmid_mark *
mark_of(struct tm_table *t, const char *peer, const char *cuid, bool make)
{
	struct tmid_mark *m;

	TAILQ_FOREACH(m, &t->marks, entry)
		if (owner_is(m->peer, m->cuid, peer, cuid))
			return m;
	if (!make || (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	snprintf(m->peer, sizeof(m->peer), "%s", peer);
	snprintf(m->cuid, sizeof(m->cuid), "%s", cuid);
	TAILQ_INSERT_TAIL(&t->marks, m, entry);
	return m;
}

/* "prefix" peer "/" cuid "/" id: cuids and ids hold no '/'. */
static int
split_key(const char *key, const char *prefix, char *peer, char *cuid,
    uint32_t *id)
{
	const char *rest = key + strlen(prefix), *s1, *s2;
	char *end;
	unsigned long v;

	if ((s2 = strrchr(rest, '/')) == NULL || s2 == rest)
		return -1;
	for (s1 = s2 - 1; s1 > rest && *s1 != '/'; s1--)
		;
	if (*s1 != '/' || (size_t)(s1 - rest) > TM_PEER_MAX ||
	    (size_t)(s2 - s1 - 1) > DOTS_ID_MAX || s2 - s1 < 2)
		return -1;
	v = strtoul(s2 + 1, &end, 10);
	if (*end != '\0' || end == s2 + 1 || v > UINT32_MAX)
		return -1;
	memcpy(peer, rest, (size_t)(s1 - rest));
	peer[s1 - rest] = '\0';
	memcpy(cuid, s1 + 1, (size_t)(s2 - s1 - 1));
	cuid[s2 - s1 - 1] = '\0';
	*id = (uint32_t)v;
	return 0;
}

static int
load_one(const char *key, const uint8_t *v, size_t len, void *arg)
{
	struct tm_table *t = arg;
	struct dots_err err = { 0 };
	bool setup = strncmp(key, SETUP_KEY, strlen(SETUP_KEY)) == 0;
	char peer[TM_PEER_MAX + 1], cuid[DOTS_ID_MAX + 1];
	uint32_t id;
	json_t *j;

	if (!setup && strncmp(key, REPORT_KEY, strlen(REPORT_KEY)) != 0)
		return 0;
	if (split_key(key, setup ? SETUP_KEY : REPORT_KEY, peer, cuid,
	    &id) == -1) {
		log_warnx("telemetry: stored key %s is malformed", key);
		return 0;
	}
	if (setup) {
		struct setup_rt *x = calloc(1, sizeof(*x));

		if (x == NULL || (x->s = malloc(sizeof(*x->s))) == NULL ||
		    dots_tm_decode_setup(v, len, x->s, &j, &err) == -1) {
			log_warnx("telemetry: stored %s: %s", key, err.msg);
			if (x != NULL)
				free(x->s);
			free(x);
			return 0;
		}
		snprintf(x->peer, sizeof(x->peer), "%s", peer);
		snprintf(x->cuid, sizeof(x->cuid), "%s", cuid);
		x->tsid = id;
		x->body = j;
		TAILQ_INSERT_TAIL(&t->setups, x, entry);
	} else {
		struct report_rt *x = calloc(1, sizeof(*x));
		struct tmid_mark *m;

		if (x == NULL || (x->r = malloc(sizeof(*x->r))) == NULL ||
		    dots_tm_decode_report(v, len, x->r, &j, &err) == -1) {
			log_warnx("telemetry: stored %s: %s", key, err.msg);
			if (x != NULL)
				free(x->r);
			free(x);
			return 0;
		}
		snprintf(x->peer, sizeof(x->peer), "%s", peer);
		snprintf(x->cuid, sizeof(x->cuid), "%s", cuid);
		x->tmid = id;
		x->body = j;
		x->at_ms = gw_now_ms();
		TAILQ_INSERT_TAIL(&t->reports, x, entry);
		if ((m = mark_of(t, peer, cuid, true)) != NULL &&
		    m->highest < id)
			m->highest = id;
	}
	return 0;
}

struct tm_table *
tm_table_new(struct gw *gw)
{
	struct tm_table *t;
	struct setup_rt *s;
	struct report_rt *r;
	size_t ns = 0, nr = 0;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->gw = gw;
	TAILQ_INIT(&t->setups);
	TAILQ_INIT(&t->reports);
	TAILQ_INIT(&t->marks);
	if (store_reg_foreach(gw->store, load_one, t) == -1)
		log_warnx("telemetry: cannot read the stored state");
	TAILQ_FOREACH(s, &t->setups, entry)
		ns++;
	TAILQ_FOREACH(r, &t->reports, entry)
		nr++;
	if (ns + nr > 0)
		log_info("telemetry: restored %zu setups and %zu reports",
		    ns, nr);
	return t;
}

void
tm_table_free(struct tm_table *t)
{
	struct tmid_mark *m;

	if (t == NULL)
		return;
	while (!TAILQ_EMPTY(&t->setups))
		setup_free(t, TAILQ_FIRST(&t->setups), false);
	while (!TAILQ_EMPTY(&t->reports))
		report_free(t, TAILQ_FIRST(&t->reports), false);
	while ((m = TAILQ_FIRST(&t->marks)) != NULL) {
		TAILQ_REMOVE(&t->marks, m, entry);
		free(m);
	}
	free(t);
}

int
tm_subscribe(struct tm_table *t, const struct tm_events *ev, void *arg)
{
	if (t->n_l == TM_LISTENERS)
		return -1;
	t->l[t->n_l].ev = *ev;
	t->l[t->n_l++].arg = arg;
	return 0;
}

/* ---- setups ---- */

static bool
links_overlap(const struct dots_tm_setup *a, const struct dots_tm_setup *b)
{
	for (size_t i = 0; i < a->n_links; i++)
		for (size_t j = 0; j < b->n_links; j++)
			if (a->links[i].unit == b->links[j].unit &&
			    strcmp(a->links[i].link_id,
			    b->links[j].link_id) == 0)
				return true;
	return false;
}

static bool
baselines_overlap(const struct dots_tm_setup *a, const struct dots_tm_setup *b)
{
	for (size_t i = 0; i < a->n_baselines; i++)
		for (size_t j = 0; j < b->n_baselines; j++)
			if (dots_tm_target_overlaps(&a->baselines[i].target,
			    &b->baselines[j].target))
				return true;
	return false;
}

static bool
setups_overlap(const struct dots_tm_setup *a, const struct dots_tm_setup *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case DOTS_TM_CONFIG:
		return true;
	case DOTS_TM_PIPE:
		return links_overlap(a, b);
	case DOTS_TM_BASELINE:
		return baselines_overlap(a, b);
	}
	return false;
}

int
tm_setup_put(struct tm_table *t, const char *peer, const char *cuid,
    uint32_t tsid, struct dots_tm_setup *s, json_t *body, bool *created,
    struct dots_err *err)
{
	struct setup_rt *x, *next, *same = NULL;
	size_t n = 0;

	TAILQ_FOREACH(x, &t->setups, entry) {
		if (strcmp(x->peer, peer) != 0)
			continue;
		n++;
		if (strcmp(x->cuid, cuid) != 0)
			continue;
		if (x->tsid == tsid)
			same = x;
		else if (x->tsid > tsid && setups_overlap(x->s, s)) {
			dots_errf(err, 409, "tsid %u is lower than tsid %u, "
			    "which overlaps it", tsid, x->tsid);
			goto refused;
		}
	}
	if (same == NULL && n >= t->gw->conf->telemetry.max_setups) {
		dots_errf(err, 503, "peer %s holds %u telemetry setups, its "
		    "most (telemetry: max-setups-per-peer)", peer,
		    t->gw->conf->telemetry.max_setups);
		goto refused;
	}
	/* the higher tsid overrides the lower ones it overlaps */
	for (x = TAILQ_FIRST(&t->setups); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (x != same && owner_is(x->peer, x->cuid, peer, cuid) &&
		    x->tsid < tsid && setups_overlap(x->s, s))
			setup_free(t, x, true);
	}
	*created = same == NULL;
	if (same == NULL) {
		if ((same = calloc(1, sizeof(*same))) == NULL) {
			dots_errf(err, 500, "out of memory");
			goto refused;
		}
		snprintf(same->peer, sizeof(same->peer), "%s", peer);
		snprintf(same->cuid, sizeof(same->cuid), "%s", cuid);
		same->tsid = tsid;
		TAILQ_INSERT_TAIL(&t->setups, same, entry);
	} else {
		free(same->s);
		json_decref(same->body);
	}
	same->s = s;
	same->body = body;
	save(t, SETUP_KEY, peer, cuid, tsid, body);
	tell_setup(t, same, false);
	return 0;
refused:
	free(s);
	json_decref(body);
	return -1;
}

int
tm_setup_get(struct tm_table *t, const char *peer, const char *cuid,
    uint32_t tsid, struct tm_setup_rec *out)
{
	struct setup_rt *x;

	TAILQ_FOREACH(x, &t->setups, entry)
		if (owner_is(x->peer, x->cuid, peer, cuid) && x->tsid == tsid) {
			setup_rec(x, out);
			return 0;
		}
	return -1;
}

size_t
tm_setup_del(struct tm_table *t, const char *peer, const char *cuid,
    bool has_tsid, uint32_t tsid)
{
	struct setup_rt *x, *next;
	size_t n = 0;

	for (x = TAILQ_FIRST(&t->setups); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (owner_is(x->peer, x->cuid, peer, cuid) &&
		    (!has_tsid || x->tsid == tsid)) {
			setup_free(t, x, true);
			n++;
		}
	}
	return n;
}

void
tm_setup_foreach(struct tm_table *t, const char *peer, const char *cuid,
    void (*fn)(const struct tm_setup_rec *, void *), void *arg)
{
	struct setup_rt *x;
	struct tm_setup_rec rec;

	TAILQ_FOREACH(x, &t->setups, entry)
		if ((peer == NULL || owner_is(x->peer, x->cuid, peer, cuid))) {
			setup_rec(x, &rec);
			fn(&rec, arg);
		}
}

/* ---- reports ---- */

static bool
reports_overlap(const struct dots_tm_report *a, const struct dots_tm_report *b)
{
	for (size_t i = 0; i < a->n_entries; i++)
		for (size_t j = 0; j < b->n_entries; j++)
			if (a->entries[i].filter_only ==
			    b->entries[j].filter_only &&
			    dots_tm_target_overlaps(&a->entries[i].target,
			    &b->entries[j].target))
				return true;
	return false;
}

int
tm_report_put(struct tm_table *t, const char *peer, const char *cuid,
    uint32_t tmid, uint8_t hop_limit, struct dots_tm_report *r, json_t *body,
    struct dots_err *err)
{
	struct report_rt *x, *next, *same = NULL;
	struct tmid_mark *m = mark_of(t, peer, cuid, false);
	size_t n = 0;

	TAILQ_FOREACH(x, &t->reports, entry) {
		if (strcmp(x->peer, peer) != 0)
			continue;
		n++;
		if (strcmp(x->cuid, cuid) == 0 && x->tmid == tmid)
			same = x;
	}
	if (same == NULL && m != NULL && tmid <= m->highest) {
		dots_errf(err, 409, "tmid reuse: tmid %u is not above %u, the "
		    "highest cuid %s used (DELETE all its telemetry to start "
		    "again)", tmid, m->highest, cuid);
		goto refused;
	}
	if (same == NULL && n >= t->gw->conf->telemetry.max_reports) {
		dots_errf(err, 503, "peer %s holds %u telemetry reports, its "
		    "most (telemetry: max-reports-per-peer)", peer,
		    t->gw->conf->telemetry.max_reports);
		goto refused;
	}
	if (m == NULL && (m = mark_of(t, peer, cuid, true)) == NULL) {
		dots_errf(err, 500, "out of memory");
		goto refused;
	}
	for (x = TAILQ_FIRST(&t->reports); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (x != same && owner_is(x->peer, x->cuid, peer, cuid) &&
		    x->tmid < tmid && reports_overlap(x->r, r))
			report_free(t, x, true);
	}
	if (same == NULL) {
		if ((same = calloc(1, sizeof(*same))) == NULL) {
			dots_errf(err, 500, "out of memory");
			goto refused;
		}
		snprintf(same->peer, sizeof(same->peer), "%s", peer);
		snprintf(same->cuid, sizeof(same->cuid), "%s", cuid);
		same->tmid = tmid;
		TAILQ_INSERT_TAIL(&t->reports, same, entry);
	} else {
		free(same->r);
		json_decref(same->body);
	}
	if (m->highest < tmid)
		m->highest = tmid;
	same->r = r;
	same->body = body;
	same->at_ms = gw_now_ms();
	same->hop_limit = hop_limit;
	save(t, REPORT_KEY, peer, cuid, tmid, body);
	tell_report(t, same, false);
	return 0;
refused:
	free(r);
	json_decref(body);
	return -1;
}

int
tm_report_get(struct tm_table *t, const char *peer, const char *cuid,
    uint32_t tmid, struct tm_report_rec *out)
{
	struct report_rt *x;

	TAILQ_FOREACH(x, &t->reports, entry)
		if (owner_is(x->peer, x->cuid, peer, cuid) && x->tmid == tmid) {
			report_rec(x, out);
			return 0;
		}
	return -1;
}

size_t
tm_report_del(struct tm_table *t, const char *peer, const char *cuid,
    bool has_tmid, uint32_t tmid)
{
	struct report_rt *x, *next;
	struct tmid_mark *m;
	size_t n = 0;

	for (x = TAILQ_FIRST(&t->reports); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (owner_is(x->peer, x->cuid, peer, cuid) &&
		    (!has_tmid || x->tmid == tmid)) {
			report_free(t, x, true);
			n++;
		}
	}
	if (!has_tmid && (m = mark_of(t, peer, cuid, false)) != NULL) {
		TAILQ_REMOVE(&t->marks, m, entry);
		free(m);
	}
	return n;
}

void
tm_report_foreach(struct tm_table *t, const char *peer, const char *cuid,
    void (*fn)(const struct tm_report_rec *, void *), void *arg)
{
	struct report_rt *x, *next;
	struct tm_report_rec rec;

	for (x = TAILQ_FIRST(&t->reports); x != NULL; x = next) {
		next = TAILQ_NEXT(x, entry);
		if (peer == NULL || owner_is(x->peer, x->cuid, peer, cuid)) {
			report_rec(x, &rec);
			fn(&rec, arg);
		}
	}
}

/* ---- what policies read ---- */

void
tm_attack_volume(struct tm_table *t, const struct dots_tm_target *tg,
    uint64_t *bps, uint64_t *pps)
{
	struct report_rt *x;
	uint64_t b, p;

	*bps = *pps = 0;
	if (t == NULL)
		return;
	TAILQ_FOREACH(x, &t->reports, entry) {
		dots_tm_report_volume(x->r, tg, &b, &p);
		if (b > *bps)
			*bps = b;
		if (p > *pps)
			*pps = p;
	}
}

uint64_t
tm_pipe_bps(struct tm_table *t, const char *peer)
{
	struct setup_rt *x;
	uint64_t sum = 0, v;

	if (t == NULL)
		return 0;
	TAILQ_FOREACH(x, &t->setups, entry) {
		if (strcmp(x->peer, peer) != 0 || x->s->kind != DOTS_TM_PIPE)
			continue;
		for (size_t i = 0; i < x->s->n_links; i++) {
			if (dots_tm_unit_class(x->s->links[i].unit) == 1)
				continue;
			v = dots_tm_unit_scale(x->s->links[i].unit,
			    x->s->links[i].capacity);
			sum = sum > UINT64_MAX - v ? UINT64_MAX : sum + v;
		}
	}
	return sum;
}

uint64_t
tm_baseline_bps(struct tm_table *t, const char *peer,
    const struct dots_tm_target *tg)
{
	struct setup_rt *x;
	uint64_t best = 0, v;

	if (t == NULL)
		return 0;
	TAILQ_FOREACH(x, &t->setups, entry) {
		if (strcmp(x->peer, peer) != 0 ||
		    x->s->kind != DOTS_TM_BASELINE)
			continue;
		for (size_t i = 0; i < x->s->n_baselines; i++) {
			const struct dots_tm_baseline *b = &x->s->baselines[i];

			if (tg != NULL &&
			    !dots_tm_target_overlaps(&b->target, tg))
				continue;
			for (size_t j = 0; j < b->n_normal; j++) {
				if (dots_tm_unit_class(b->normal[j].unit) == 1)
					continue;
				v = dots_tm_gauge_max(&b->normal[j]);
				if (v > best)
					best = v;
			}
		}
	}
	return best;
}

bool
tm_wants_server_telemetry(struct tm_table *t, const char *peer)
{
	struct setup_rt *x;

	if (t == NULL)
		return false;
	TAILQ_FOREACH(x, &t->setups, entry)
		if (strcmp(x->peer, peer) == 0 &&
		    x->s->kind == DOTS_TM_CONFIG && x->s->has_sot)
			return x->s->sot;
	return false;
}

unsigned
tm_notify_interval(struct tm_table *t, const char *peer)
{
	struct setup_rt *x;

	if (t == NULL)
		return 0;
	TAILQ_FOREACH(x, &t->setups, entry)
		if (strcmp(x->peer, peer) == 0 &&
		    x->s->kind == DOTS_TM_CONFIG && x->s->notify_interval != 0)
			return x->s->notify_interval;
	return 0;
}
