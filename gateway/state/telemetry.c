/*
 * RFC 9244 telemetry state (telemetry.h): a tm_list of setups and one of
 * reports, and the rules each kind adds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/state/telemetry.h"
#include "gateway/state/tm_list.h"

#define TM_LISTENERS	4

/* The highest tmid a cuid used since its last DELETE-all. */
struct tmid_mark {
	TAILQ_ENTRY(tmid_mark) entry;
	char		 peer[TM_PEER_MAX + 1];
	char		 cuid[DOTS_ID_MAX + 1];
	uint32_t	 highest;
};

static int
decode_setup(const uint8_t *v, size_t len, void *obj, json_t **j,
    struct dots_err *err)
{
	return dots_tm_decode_setup(v, len, obj, j, err);
}

static int
decode_report(const uint8_t *v, size_t len, void *obj, json_t **j,
    struct dots_err *err)
{
	return dots_tm_decode_report(v, len, obj, j, err);
}

static bool	setups_overlap(const void *, const void *);
static bool	reports_overlap(const void *, const void *);
static void	tell(const struct tm_list *, const struct tm_ent *, bool);
static const struct tm_kind setup_kind, report_kind;

struct tm_table {
	struct gw	*gw;
	struct tm_list	 setups, reports;
	TAILQ_HEAD(, tmid_mark) marks;
	struct { struct tm_events ev; void *arg; } l[TM_LISTENERS];
	size_t		 n_l;
};

/* Calls ev's member for l's kind, if set, with x; gone: only its keys. */
static void
give(const struct tm_list *l, const struct tm_ent *x, bool gone,
    const struct tm_events *ev, void *arg)
{
	if (l->kind == &setup_kind && ev->setup != NULL) {
		struct tm_setup_rec rec = { .peer = x->peer, .cuid = x->cuid,
		    .tsid = x->id };

		if (!gone) {
			rec.s = x->obj;
			rec.entry = json_array_get(json_object_get(
			    json_object_get(x->body,
			    "ietf-dots-telemetry:telemetry-setup"), "telemetry"),
			    0);
		}
		ev->setup(&rec, arg);
	} else if (l->kind == &report_kind && ev->report != NULL) {
		struct tm_report_rec rec = { .peer = x->peer, .cuid = x->cuid,
		    .tmid = x->id, .at_ms = x->at_ms,
		    .hop_limit = x->hop_limit };

		if (!gone) {
			rec.r = x->obj;
			rec.body = x->body;
		}
		ev->report(&rec, arg);
	}
}

static void
tell(const struct tm_list *l, const struct tm_ent *x, bool gone)
{
	const struct tm_table *t = l->arg;

	for (size_t i = 0; i < t->n_l; i++)
		give(l, x, gone, &t->l[i].ev, t->l[i].arg);
}

static const struct tm_kind setup_kind = {
	"tm-setup:", "setups", sizeof(struct dots_tm_setup), decode_setup,
	setups_overlap, tell
};
static const struct tm_kind report_kind = {
	"tm:", "reports", sizeof(struct dots_tm_report), decode_report,
	reports_overlap, tell
};

static struct tmid_mark *
mark_of(struct tm_table *t, const char *peer, const char *cuid, bool make)
{
	struct tmid_mark *m;

	TAILQ_FOREACH(m, &t->marks, entry)
		if (strcmp(m->peer, peer) == 0 && strcmp(m->cuid, cuid) == 0)
			return m;
	if (!make || (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	snprintf(m->peer, sizeof(m->peer), "%s", peer);
	snprintf(m->cuid, sizeof(m->cuid), "%s", cuid);
	TAILQ_INSERT_TAIL(&t->marks, m, entry);
	return m;
}

static int
load_one(const char *key, const uint8_t *v, size_t len, void *arg)
{
	struct tm_table *t = arg;
	struct tm_ent *x;
	struct tmid_mark *m;

	/* a key not the setups' (or a bad one) is tried as a report's */
	if (tm_list_load(&t->setups, key, v, len) == NULL &&
	    (x = tm_list_load(&t->reports, key, v, len)) != NULL &&
	    (m = mark_of(t, x->peer, x->cuid, true)) != NULL &&
	    m->highest < x->id)
		m->highest = x->id;
	return 0;
}

struct tm_table *
tm_table_new(struct gw *gw)
{
	struct tm_table *t;
	size_t ns, nr;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->gw = gw;
	tm_list_init(&t->setups, &setup_kind, gw->store, t);
	tm_list_init(&t->reports, &report_kind, gw->store, t);
	TAILQ_INIT(&t->marks);
	if (store_reg_foreach(gw->store, load_one, t) == -1)
		log_warnx("telemetry: cannot read the stored state");
	ns = tm_list_count(&t->setups, NULL);
	nr = tm_list_count(&t->reports, NULL);
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
	tm_list_clear(&t->setups);
	tm_list_clear(&t->reports);
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

/* Calls ev (one kind's member set) with each entry of l's peer and
 * cuid (tm_list_next), safe against a callee removing the one it has. */
static void
walk(struct tm_list *l, const char *peer, const char *cuid,
    const struct tm_events *ev, void *arg)
{
	struct tm_ent *x, *next;

	for (x = tm_list_next(l, NULL, peer, cuid); x != NULL; x = next) {
		next = tm_list_next(l, x, peer, cuid);
		give(l, x, false, ev, arg);
	}
}

static void
copy_setup(const struct tm_setup_rec *rec, void *out)
{
	*(struct tm_setup_rec *)out = *rec;
}

static void
copy_report(const struct tm_report_rec *rec, void *out)
{
	*(struct tm_report_rec *)out = *rec;
}

/* 0 with ev called on (peer, cuid, id) of l, or -1: no such entry. */
static int
get(struct tm_list *l, const char *peer, const char *cuid, uint32_t id,
    const struct tm_events *ev, void *arg)
{
	struct tm_ent *x = tm_list_find(l, peer, cuid, id);

	if (x == NULL)
		return -1;
	give(l, x, false, ev, arg);
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
setups_overlap(const void *va, const void *vb)
{
	const struct dots_tm_setup *a = va, *b = vb;

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
	struct tm_ent *x = NULL, *same = tm_list_find(&t->setups, peer, cuid,
	    tsid);

	while ((x = tm_list_next(&t->setups, x, peer, cuid)) != NULL)
		if (x->id > tsid && setups_overlap(x->obj, s)) {
			dots_errf(err, 409, "tsid %u is lower than tsid %u, "
			    "which overlaps it", tsid, x->id);
			goto refused;
		}
	if (tm_list_quota(&t->setups, peer, same,
	    t->gw->conf->telemetry.max_setups, err) == -1)
		goto refused;
	*created = same == NULL;
	if (tm_list_put(&t->setups, same, peer, cuid, tsid, s, body, 0,
	    err) == NULL)
		goto refused;
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
	struct tm_events ev = { .setup = copy_setup };

	return get(&t->setups, peer, cuid, tsid, &ev, out);
}

size_t
tm_setup_del(struct tm_table *t, const char *peer, const char *cuid,
    bool has_tsid, uint32_t tsid)
{
	return tm_list_del(&t->setups, peer, cuid, has_tsid, tsid);
}

void
tm_setup_foreach(struct tm_table *t, const char *peer, const char *cuid,
    void (*fn)(const struct tm_setup_rec *, void *), void *arg)
{
	struct tm_events ev = { .setup = fn };

	walk(&t->setups, peer, cuid, &ev, arg);
}

/* ---- reports ---- */

static bool
reports_overlap(const void *va, const void *vb)
{
	const struct dots_tm_report *a = va, *b = vb;

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
	struct tm_ent *same = tm_list_find(&t->reports, peer, cuid, tmid);
	struct tmid_mark *m = mark_of(t, peer, cuid, false);

	if (same == NULL && m != NULL && tmid <= m->highest) {
		dots_errf(err, 409, "tmid reuse: tmid %u is not above %u, the "
		    "highest cuid %s used (DELETE all its telemetry to start "
		    "again)", tmid, m->highest, cuid);
		goto refused;
	}
	if (tm_list_quota(&t->reports, peer, same,
	    t->gw->conf->telemetry.max_reports, err) == -1)
		goto refused;
	if (m == NULL && (m = mark_of(t, peer, cuid, true)) == NULL) {
		dots_errf(err, 500, "out of memory");
		goto refused;
	}
	if (tm_list_put(&t->reports, same, peer, cuid, tmid, r, body,
	    hop_limit, err) == NULL)
		goto refused;
	if (m->highest < tmid)
		m->highest = tmid;
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
	struct tm_events ev = { .report = copy_report };

	return get(&t->reports, peer, cuid, tmid, &ev, out);
}

size_t
tm_report_del(struct tm_table *t, const char *peer, const char *cuid,
    bool has_tmid, uint32_t tmid)
{
	struct tmid_mark *m;
	size_t n = tm_list_del(&t->reports, peer, cuid, has_tmid, tmid);

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
	struct tm_events ev = { .report = fn };

	walk(&t->reports, peer, cuid, &ev, arg);
}

/* ---- what policies read ---- */

void
tm_attack_volume(struct tm_table *t, const struct dots_tm_target *tg,
    uint64_t *bps, uint64_t *pps)
{
	struct tm_ent *x;
	uint64_t b, p;

	*bps = *pps = 0;
	if (t == NULL)
		return;
	TAILQ_FOREACH(x, &t->reports.head, entry) {
		dots_tm_report_volume(x->obj, tg, &b, &p);
		if (b > *bps)
			*bps = b;
		if (p > *pps)
			*pps = p;
	}
}

/* The next of peer's setups of kind after *x (NULL: the first). */
static const struct dots_tm_setup *
next_setup(struct tm_table *t, const char *peer, enum dots_tm_kind kind,
    struct tm_ent **x)
{
	const struct dots_tm_setup *s;

	while ((*x = tm_list_next(&t->setups, *x, peer, NULL)) != NULL)
		if ((s = (*x)->obj)->kind == kind)
			return s;
	return NULL;
}

uint64_t
tm_pipe_bps(struct tm_table *t, const char *peer)
{
	struct tm_ent *x = NULL;
	const struct dots_tm_setup *s;
	uint64_t sum = 0, v;

	if (t == NULL)
		return 0;
	while ((s = next_setup(t, peer, DOTS_TM_PIPE, &x)) != NULL) {
		for (size_t i = 0; i < s->n_links; i++) {
			if (dots_tm_unit_class(s->links[i].unit) == 1)
				continue;
			v = dots_tm_unit_scale(s->links[i].unit,
			    s->links[i].capacity);
			sum = sum > UINT64_MAX - v ? UINT64_MAX : sum + v;
		}
	}
	return sum;
}

uint64_t
tm_baseline_bps(struct tm_table *t, const char *peer,
    const struct dots_tm_target *tg)
{
	struct tm_ent *x = NULL;
	const struct dots_tm_setup *s;
	uint64_t best = 0, v;

	if (t == NULL)
		return 0;
	while ((s = next_setup(t, peer, DOTS_TM_BASELINE, &x)) != NULL) {
		for (size_t i = 0; i < s->n_baselines; i++) {
			const struct dots_tm_baseline *b = &s->baselines[i];

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
	struct tm_ent *x = NULL;
	const struct dots_tm_setup *s;

	while (t != NULL &&
	    (s = next_setup(t, peer, DOTS_TM_CONFIG, &x)) != NULL)
		if (s->has_sot)
			return s->sot;
	return false;
}

unsigned
tm_notify_interval(struct tm_table *t, const char *peer)
{
	struct tm_ent *x = NULL;
	const struct dots_tm_setup *s;

	while (t != NULL &&
	    (s = next_setup(t, peer, DOTS_TM_CONFIG, &x)) != NULL)
		if (s->notify_interval != 0)
			return s->notify_interval;
	return 0;
}
