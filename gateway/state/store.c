#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "gateway/state/store.h"
#include "gateway/state/store_be.h"

/*
 * The engine-independent half of the store: the brackets and the group
 * commit (store.h), and records as rows. The back-end (store_be.h) runs
 * transactions and statements; it knows nothing of brackets.
 */
/*
 * A mitigation row put inside a bracket waits here, copied: a new
 * mitigation is put when it is created and again once the relay planned
 * it, in the same transaction, and the second put replaces the first
 * (one upsert less per request, tests/bench/README.md). It is written
 * before any other statement runs (a placement's foreign key names it),
 * before a read, and at the outermost commit: what commits is the same.
 */
struct later_mit {
	bool		 set;
	struct store_mit r;		/* its strings and scope in buf */
	char		*buf;
	size_t		 cap;
};

struct store {
	const struct store_be_ops *ops;
	void		*be;
	uint64_t	 committed;	/* commits so far */
	uint64_t	 synced;	/* of them durable */
	int		 depth;		/* store_begin() nesting */
	char		 error[160];	/* the last failure */
	bool		 open;		/* begin ran: at the first write */
	bool		 failed;	/* a write inside the transaction failed */
	bool		 wrote;		/* the outermost bracket wrote */
	bool		 pending;	/* lazy writes wait in the open
					   transaction, outside any bracket */
	bool		 muted;		/* store_mute(): mitigation writes
					   are skipped */
	/* store_set_txn_hook(): the cluster's, at each transaction start */
	int		(*txn_hook)(void *, char *, size_t);
	void		*txn_arg;
	struct store_stats stats;
	struct later_mit later;		/* a mitigation row not yet written */
	/* batches (store.h): the open transaction holds brackets already
	 * counted in committed; their undos wait for its end */
	bool		 batch;
	uint64_t	 lost;		/* the last commit a lost batch took */
	struct undo	*undo;		/* the open batch's, newest first */
	struct undo	*undo_lost;	/* lost batches', to run */
	void		(*lost_hook)(void *);
	void		*lost_arg;
};

struct undo {
	struct undo	*next;
	void		(*fn)(void *arg, bool run);
	void		*arg;
};

static int	later_flush(struct store *);
static void	undo_drop(struct undo **, bool);

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static struct store *
store_wrap(const struct store_be_ops *ops, void *be, char *err,
    size_t errlen)
{
	struct store *s;

	if (be == NULL)
		return NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		ops->close(be);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->ops = ops;
	s->be = be;
	return s;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_wrap(&store_sqlite_ops, store_sqlite_open(path, err,
	    errlen), err, errlen);
}

struct store *
store_open_pg(const char *conninfo, char *err, size_t errlen)
{
	return store_wrap(&store_pg_ops, store_pg_open(conninfo, err, errlen),
	    err, errlen);
}

const char *
store_backend(const struct store *s)
{
	return s != NULL ? s->ops->name : "none";
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	s->ops->close(s->be);	/* commits an open batch */
	undo_drop(&s->undo, false);
	undo_drop(&s->undo_lost, false);
	free(s->later.buf);
	free(s);
}

void
store_stats(const struct store *s, struct store_stats *out)
{
	if (s == NULL)
		memset(out, 0, sizeof(*out));
	else
		*out = s->stats;
}

const char *
store_error(const struct store *s)
{
	return s != NULL && s->error[0] != '\0' ? s->error :
	    "the commit failed";
}

/* A back-end call failed: keep its reason. */
static int
be_failed(struct store *s)
{
	snprintf(s->error, sizeof(s->error), "%s", s->ops->error(s->be));
	s->stats.errors++;
	return -1;
}

static int
be_begin(struct store *s)
{
	uint64_t t0 = now_ns();
	int r = s->ops->begin(s->be);

	s->stats.write_ns += now_ns() - t0;
	return r == -1 ? be_failed(s) : 0;
}

static void
be_rollback(struct store *s)
{
	uint64_t t0 = now_ns();

	s->ops->rollback(s->be);
	s->stats.write_ns += now_ns() - t0;
}

static int
be_exec(struct store *s, enum store_stmt st, const struct store_val *v,
    int n)
{
	uint64_t t0 = now_ns();
	int r = s->ops->exec(s->be, st, v, n);

	s->stats.write_ns += now_ns() - t0;
	s->stats.statements++;
	return r == -1 ? be_failed(s) : 0;
}

/* Each undo in *list, newest first, run or only freed. */
static void
undo_drop(struct undo **list, bool run)
{
	struct undo *u;

	while ((u = *list) != NULL) {
		*list = u->next;
		u->fn(u->arg, run);
		free(u);
	}
}

/*
 * What the undos were given for was rolled back: they wait for
 * store_undo_lost(), which the hook schedules (the loss can happen deep
 * inside a write, too early to undo anything).
 */
static void
undo_lose(struct store *s)
{
	struct undo **tail;

	if (s->undo == NULL)
		return;
	for (tail = &s->undo; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = s->undo_lost;		/* newer before older */
	s->undo_lost = s->undo;
	s->undo = NULL;
	if (s->lost_hook != NULL)
		s->lost_hook(s->lost_arg);
}

/*
 * The open batch is gone (its transaction rolled back, or never to be
 * committed): every commit in it is lost (store_lost()), and its
 * brackets' undos run.
 */
static void
batch_lost(struct store *s)
{
	if (s->open)
		be_rollback(s);
	s->open = s->pending = false;
	if (s->batch)
		s->lost = s->committed;
	s->batch = false;
	undo_lose(s);
}

/* The back-end's COMMIT, timed and counted: 0, or -1 with its reason. */
static int
be_commit(struct store *s)
{
	uint64_t t0 = now_ns();
	int r = s->ops->commit(s->be);

	s->stats.write_ns += now_ns() - t0;
	s->stats.commits++;
	return r == -1 ? be_failed(s) : 0;
}

/* Commit the open batch, outside any bracket: 0, or -1 with it lost. */
static int
batch_commit(struct store *s)
{
	if (!s->ops->batch || !s->open || s->depth > 0)
		return 0;
	if (be_commit(s) == -1) {
		batch_lost(s);
		return -1;
	}
	s->open = s->pending = s->batch = false;
	undo_drop(&s->undo, false);
	return 0;
}

int
store_on_undo(struct store *s, void (*fn)(void *, bool), void *arg)
{
	struct undo *u;

	/* a bracket open now commits (joins the batch), or is lost */
	if (s == NULL || (!s->batch && s->depth == 0)) {
		fn(arg, false);		/* committed already, or nothing */
		return 0;
	}
	if ((u = malloc(sizeof(*u))) == NULL) {
		fn(arg, false);
		return -1;
	}
	u->fn = fn;
	u->arg = arg;
	u->next = s->undo;
	s->undo = u;
	return 0;
}

void
store_undo_lost(struct store *s)
{
	if (s != NULL)
		undo_drop(&s->undo_lost, true);
}

void
store_set_lost_hook(struct store *s, void (*fn)(void *), void *arg)
{
	if (s == NULL)
		return;
	s->lost_hook = fn;
	s->lost_arg = arg;
}

uint64_t
store_lost(const struct store *s)
{
	return s != NULL ? s->lost : 0;
}

int
store_begin(struct store *s)
{
	/* open stays true over lazy writes: the bracket joins them */
	if (s != NULL && s->depth++ == 0)
		s->failed = s->wrote = false;
	return 0;
}

/* The transaction starts with its first write: a request that changes
 * nothing costs nothing. */
static int
store_open_txn(struct store *s)
{
	if (s->open)
		return 0;
	if (be_begin(s) == -1)
		return -1;
	s->open = true;
	if (s->txn_hook != NULL &&
	    s->txn_hook(s->txn_arg, s->error, sizeof(s->error)) == -1) {
		s->stats.errors++;
		be_rollback(s);
		s->open = s->pending = false;
		return -1;
	}
	return 0;
}

void
store_set_txn_hook(struct store *s, int (*fn)(void *, char *, size_t),
    void *arg)
{
	if (s == NULL)
		return;
	s->txn_hook = fn;
	s->txn_arg = arg;
}

void *
store_native(struct store *s)
{
	/* what the caller runs there sees every row put so far */
	if (s != NULL)
		(void)later_flush(s);
	return s != NULL ? s->be : NULL;
}

void
store_mute(struct store *s, bool on)
{
	if (s != NULL)
		s->muted = on;
}

int
store_global(struct store *s)
{
	if (s == NULL || s->txn_hook == NULL || s->depth == 0)
		return 0;
	/* committed even when nothing else is written: the lock goes */
	s->wrote = true;
	if (store_open_txn(s) == -1) {
		s->failed = true;
		return -1;
	}
	return 0;
}

/* Commit the outermost bracket; committed counts it. */
int
store_commit(struct store *s)
{
	int r;

	if (s == NULL || s->depth == 0)
		return 0;
	if (s->depth == 1)
		(void)later_flush(s);	/* a failure sets failed */
	if (--s->depth > 0)
		return 0;
	if (!s->open)
		return s->failed ? -1 : 0;
	if (!s->wrote)
		return 0;	/* lazy writes only: they keep waiting */
	if (s->ops->batch) {
		if (s->failed) {
			batch_lost(s);
			return -1;
		}
		s->committed++;
		s->batch = true;
		return 0;
	}
	s->open = s->pending = false;
	if (s->failed) {
		be_rollback(s);
		undo_lose(s);
		return -1;
	}
	if ((r = be_commit(s)) == -1) {
		be_rollback(s);
		undo_lose(s);
	} else {
		s->committed++;
		undo_drop(&s->undo, false);
	}
	return r;
}

int
store_sync(struct store *s)
{
	uint64_t t0;
	int r;

	if (s == NULL || s->synced == s->committed)
		return 0;
	if (s->ops->batch && s->depth > 0)
		return 0;	/* the batch cannot end inside a bracket */
	if (batch_commit(s) == -1) {
		log_warnx("store: %s", s->error);
		return -1;
	}
	if (s->ops->sync == NULL) {
		s->synced = s->committed;	/* each commit was durable */
		return 0;
	}
	t0 = now_ns();
	r = s->ops->sync(s->be);
	s->stats.write_ns += now_ns() - t0;
	s->stats.syncs++;
	if (r == 0)
		s->synced = s->committed;
	else {
		(void)be_failed(s);
		log_warnx("store: %s", s->error);
	}
	return r;
}

int
store_end(struct store *s)
{
	bool outermost = s != NULL && s->depth == 1;

	if (store_commit(s) == -1)
		return -1;
	return outermost ? store_sync(s) : 0;
}

uint64_t
store_committed(const struct store *s)
{
	return s != NULL ? s->committed : 0;
}

uint64_t
store_synced(const struct store *s)
{
	return s != NULL ? s->synced : 0;
}

/* A lazy write outside any bracket: into the open transaction, which
 * the next bracket's commit or store_flush() ends. A failure rolls back
 * every lazy write waiting with it. */
static int
write_lazy(struct store *s, enum store_stmt st, const struct store_val *v,
    int n)
{
	if (store_open_txn(s) == -1 || be_exec(s, st, v, n) == -1) {
		if (s->ops->batch) {
			batch_lost(s);
			return -1;
		}
		if (s->open)
			be_rollback(s);
		s->open = s->pending = false;
		return -1;
	}
	s->pending = true;
	return 0;
}

/* One write statement, in the open transaction or its own. */
static int
write_one(struct store *s, enum store_stmt st, const struct store_val *v,
    int n)
{
	int r;

	(void)later_flush(s);
	(void)store_begin(s);
	s->wrote = true;
	if (store_open_txn(s) == -1) {
		s->failed = true;
		(void)store_end(s);
		return -1;
	}
	if ((r = be_exec(s, st, v, n)) == -1)
		s->failed = true;
	if (store_end(s) == -1)
		r = -1;
	return r;
}

bool
store_pending(const struct store *s)
{
	return s != NULL && s->pending;
}

int
store_flush(struct store *s)
{
	if (s == NULL || s->depth > 0 || !s->pending)
		return 0;
	if (s->ops->batch)
		return batch_commit(s);
	(void)store_begin(s);
	s->wrote = true;
	return store_commit(s);	/* nothing waits for them: the next sync */
}

/* ---------------------------------------------------------------- */
/* Values */

static struct store_val
v_int(int64_t i)
{
	return (struct store_val){ .type = SV_INT, .i = i };
}

static struct store_val
v_text(const char *p)
{
	if (p == NULL)
		return (struct store_val){ .type = SV_NULL };
	return (struct store_val){ .type = SV_TEXT, .p = p,
	    .len = strlen(p) };
}

/* zero-length blobs are not NULL: NOT NULL columns take them */
static struct store_val
v_blob(const uint8_t *p, size_t len)
{
	return (struct store_val){ .type = SV_BLOB,
	    .p = p != NULL ? (const void *)p : "", .len = len };
}

static const char *
col_text(const struct store_val *v)
{
	return v->type == SV_TEXT ? v->p : NULL;
}

static const uint8_t *
col_blob(const struct store_val *v, size_t *len)
{
	*len = v->type == SV_BLOB || v->type == SV_TEXT ? v->len : 0;
	return v->type == SV_NULL || v->type == SV_INT ? NULL : v->p;
}

static int
query_all(struct store *s, enum store_stmt st, const struct store_val *v,
    int n, store_row_fn row, void *arg)
{
	int r;

	(void)later_flush(s);
	r = s->ops->query(s->be, st, v, n, row, arg);

	if (r == -1)
		(void)be_failed(s);
	return r;
}

#define NV(a)	((int)(sizeof(a) / sizeof((a)[0])))

/* ---------------------------------------------------------------- */
/* Mitigations and placements */

static int
mit_put_now(struct store *s, const struct store_mit *m)
{
	struct store_val v[15];

	v[0] = v_text(m->cuid);
	v[1] = v_int(m->mid);
	v[2] = v_text(m->peer);
	v[3] = v_text(m->cdid);
	v[4] = v_text(m->path_cdid ? m->path_cdid : "");
	v[5] = v_blob(m->scope, m->scope_len);
	v[6] = v_int(m->lifetime);
	v[7] = v_int(m->expires);
	v[8] = v_int((int64_t)m->start);
	v[9] = v_int(m->status);
	v[10] = v_int(m->trigger);
	v[11] = v_int(m->attack_status);
	v[12] = v_int(m->local);
	v[13] = v_text(m->cdid_up ? m->cdid_up : "");
	v[14] = v_int(m->hop_limit);
	return write_one(s, S_MIT_PUT, v, NV(v));
}

/* The waiting row, written now (struct later_mit). */
static int
later_flush(struct store *s)
{
	if (!s->later.set)
		return 0;
	s->later.set = false;		/* write_one() flushes first */
	if (s->failed)
		return -1;		/* rolled back anyway */
	return mit_put_now(s, &s->later.r);
}

/* str copied to *p, advanced; NULL stays NULL. */
static const char *
later_str(char **p, const char *str)
{
	size_t n;
	char *d = *p;

	if (str == NULL)
		return NULL;
	n = strlen(str) + 1;
	memcpy(d, str, n);
	*p += n;
	return d;
}

static size_t
str_size(const char *str)
{
	return str != NULL ? strlen(str) + 1 : 0;
}

/* m copied to wait in the open bracket; -1 when it cannot be copied. */
static int
later_put(struct store *s, const struct store_mit *m)
{
	struct later_mit *l = &s->later;
	size_t need = str_size(m->peer) + str_size(m->cuid) +
	    str_size(m->cdid) + str_size(m->path_cdid) + str_size(m->cdid_up) +
	    m->scope_len;
	char *p;

	if (need > l->cap) {
		if ((p = realloc(l->buf, need)) == NULL)
			return -1;
		l->buf = p;
		l->cap = need;
	}
	p = l->buf;
	l->r = *m;
	l->r.peer = later_str(&p, m->peer);
	l->r.cuid = later_str(&p, m->cuid);
	l->r.cdid = later_str(&p, m->cdid);
	l->r.path_cdid = later_str(&p, m->path_cdid);
	l->r.cdid_up = later_str(&p, m->cdid_up);
	if (m->scope != NULL && m->scope_len > 0)
		memcpy(p, m->scope, m->scope_len);
	l->r.scope = m->scope != NULL ? (const uint8_t *)p : NULL;
	l->set = true;
	return 0;
}

static bool
later_same(const struct later_mit *l, const struct store_mit *m)
{
	return l->set && l->r.mid == m->mid && m->cuid != NULL &&
	    strcmp(l->r.cuid, m->cuid) == 0;
}

/*
 * Inside a bracket the row waits (struct later_mit); not in a cluster,
 * whose transaction hook and queries on the native connection read the
 * table as they go. A failure to write it then fails the bracket.
 */
int
store_mit_put(struct store *s, const struct store_mit *m)
{
	if (s == NULL || s->muted)
		return 0;
	if (s->depth == 0 || s->txn_hook != NULL || m->cuid == NULL)
		return mit_put_now(s, m);
	if (!later_same(&s->later, m) && later_flush(s) == -1)
		return -1;
	if (later_put(s, m) == -1)
		return mit_put_now(s, m);
	s->wrote = true;
	return 0;
}

int
store_mit_del(struct store *s, const char *cuid, uint32_t mid)
{
	struct store_val v[2];

	if (s == NULL || s->muted)
		return 0;
	v[0] = v_text(cuid);
	v[1] = v_int(mid);
	return write_one(s, S_MIT_DEL, v, NV(v));
}

/* The caller's callback, whichever table it reads. */
struct cb_arg {
	union {
		int	(*mit)(const struct store_mit *, void *);
		int	(*pl)(const struct store_pl *, void *);
		int	(*cfg)(const char *, uint32_t, const uint8_t *, size_t,
			    void *);
		int	(*reg)(const char *, const uint8_t *, size_t, void *);
	} fn;
	void	*arg;
};

static int
mit_row(const struct store_val *c, int n, void *p)
{
	struct cb_arg *a = p;
	struct store_mit m;

	if (n != 15)
		return 0;
	m.cuid = col_text(&c[0]);
	m.mid = (uint32_t)c[1].i;
	m.peer = col_text(&c[2]);
	m.cdid = col_text(&c[3]);
	m.path_cdid = col_text(&c[4]);
	m.scope = col_blob(&c[5], &m.scope_len);
	m.lifetime = c[6].i;
	m.expires = c[7].i;
	m.start = (uint64_t)c[8].i;
	m.status = (uint32_t)c[9].i;
	m.trigger = (int)c[10].i;
	m.attack_status = (uint32_t)c[11].i;
	m.local = c[12].i != 0;
	m.cdid_up = col_text(&c[13]);
	m.hop_limit = (uint32_t)c[14].i;
	if (m.cuid == NULL || m.peer == NULL)
		return 0;	/* NOT NULL columns: cannot happen */
	return a->fn.mit(&m, a->arg);
}

int
store_mit_foreach(struct store *s, int (*fn)(const struct store_mit *,
    void *), void *arg)
{
	struct cb_arg a = { .arg = arg };

	if (s == NULL)
		return 0;
	a.fn.mit = fn;
	return query_all(s, S_MIT_ALL, NULL, 0, mit_row, &a);
}

static int
pl_put(struct store *s, const struct store_pl *p, bool lazy)
{
	struct store_val v[6];

	if (s == NULL)
		return 0;
	v[0] = v_text(p->upstream);
	v[1] = v_int(p->umid);
	v[2] = v_text(p->cuid);
	v[3] = v_int(p->mid);
	v[4] = v_int(p->state);
	v[5] = v_int(p->lifetime);
	return lazy && s->depth == 0 ? write_lazy(s, S_PL_PUT, v, NV(v)) :
	    write_one(s, S_PL_PUT, v, NV(v));
}

int
store_pl_put(struct store *s, const struct store_pl *p)
{
	return pl_put(s, p, false);
}

int
store_pl_put_lazy(struct store *s, const struct store_pl *p)
{
	return pl_put(s, p, true);
}

int
store_pl_del(struct store *s, const char *upstream, uint32_t umid)
{
	struct store_val v[2];

	if (s == NULL)
		return 0;
	v[0] = v_text(upstream);
	v[1] = v_int(umid);
	return write_one(s, S_PL_DEL, v, NV(v));
}

static int
pl_row(const struct store_val *c, int n, void *p)
{
	struct cb_arg *a = p;
	struct store_pl pl;

	if (n != 6)
		return 0;
	pl.cuid = col_text(&c[0]);
	pl.mid = (uint32_t)c[1].i;
	pl.upstream = col_text(&c[2]);
	pl.umid = (uint32_t)c[3].i;
	pl.state = (int)c[4].i;
	pl.lifetime = c[5].i;
	if (pl.cuid == NULL || pl.upstream == NULL)
		return 0;
	return a->fn.pl(&pl, a->arg);
}

int
store_pl_foreach(struct store *s, int (*fn)(const struct store_pl *, void *),
    void *arg)
{
	struct cb_arg a = { .arg = arg };

	if (s == NULL)
		return 0;
	a.fn.pl = fn;
	return query_all(s, S_PL_ALL, NULL, 0, pl_row, &a);
}

/* ---------------------------------------------------------------- */
/* Upstream mids */

int
store_next_mid_put(struct store *s, const char *upstream, uint32_t next)
{
	struct store_val v[2];

	if (s == NULL)
		return 0;
	v[0] = v_text(upstream);
	v[1] = v_int(next);
	return write_one(s, S_MID_PUT, v, NV(v));
}

static int
mid_row(const struct store_val *c, int n, void *arg)
{
	if (n != 1)
		return 0;
	*(uint32_t *)arg = (uint32_t)c[0].i;
	return 1;
}

int
store_next_mid_get(struct store *s, const char *upstream, uint32_t *next)
{
	struct store_val v[1];

	if (s == NULL)
		return 1;
	v[0] = v_text(upstream);
	switch (query_all(s, S_MID_GET, v, NV(v), mid_row, next)) {
	case 1:
		return 0;
	case 0:
		return 1;
	default:
		return -1;
	}
}

/* ---------------------------------------------------------------- */
/* Signal configurations */

int
store_sigcfg_put(struct store *s, const char *peer, uint32_t sid,
    const uint8_t *cbor, size_t len)
{
	struct store_val v[3];

	if (s == NULL)
		return 0;
	v[0] = v_text(peer);
	v[1] = v_int(sid);
	v[2] = v_blob(cbor, len);
	return write_one(s, S_CFG_PUT, v, NV(v));
}

int
store_sigcfg_del(struct store *s, const char *peer)
{
	struct store_val v[1];

	if (s == NULL)
		return 0;
	v[0] = v_text(peer);
	return write_one(s, S_CFG_DEL, v, NV(v));
}

static int
cfg_row(const struct store_val *c, int n, void *p)
{
	struct cb_arg *a = p;
	const char *peer;
	const uint8_t *v;
	size_t len;

	if (n != 3 || (peer = col_text(&c[0])) == NULL)
		return 0;
	v = col_blob(&c[2], &len);
	return a->fn.cfg(peer, (uint32_t)c[1].i, v, len, a->arg);
}

int
store_sigcfg_foreach(struct store *s, int (*fn)(const char *, uint32_t,
    const uint8_t *, size_t, void *), void *arg)
{
	struct cb_arg a = { .arg = arg };

	if (s == NULL)
		return 0;
	a.fn.cfg = fn;
	return query_all(s, S_CFG_ALL, NULL, 0, cfg_row, &a);
}

/* ---------------------------------------------------------------- */
/* Generic registrations */

int
store_reg_put(struct store *s, const char *name, const uint8_t *cbor,
    size_t len)
{
	struct store_val v[2];

	if (s == NULL)
		return 0;
	v[0] = v_text(name);
	v[1] = v_blob(cbor, len);
	return write_one(s, S_REG_PUT, v, NV(v));
}

int
store_reg_del(struct store *s, const char *name)
{
	struct store_val v[1];

	if (s == NULL)
		return 0;
	v[0] = v_text(name);
	return write_one(s, S_REG_DEL, v, NV(v));
}

static int
reg_row(const struct store_val *c, int n, void *p)
{
	struct cb_arg *a = p;
	const char *name;
	const uint8_t *v;
	size_t len;

	if (n != 2 || (name = col_text(&c[0])) == NULL)
		return 0;
	v = col_blob(&c[1], &len);
	return a->fn.reg(name, v, len, a->arg);
}

int
store_reg_foreach(struct store *s, int (*fn)(const char *, const uint8_t *,
    size_t, void *), void *arg)
{
	struct cb_arg a = { .arg = arg };

	if (s == NULL)
		return 0;
	a.fn.reg = fn;
	return query_all(s, S_REG_ALL, NULL, 0, reg_row, &a);
}
