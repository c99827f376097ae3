/*
 * Usage accounting: runs, buckets and their store records (usage.h).
 *
 * Records in the store's generic table, as text (put_bucket, put_run):
 *   "usage-b:DIR:START:PEER"  a bucket's sums
 *   "usage-r:KEY"             a run: who, since when accounted, last
 *                             counters, declared rates, expiry
 * Both kinds are marked dirty in memory and written together by
 * usage_flush(), in one transaction: a counter delta and the run's new
 * last value commit at once or not at all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "common/log.h"
#include "gateway/state/store.h"
#include "gateway/state/usage.h"

#define HASH_MIN	1024	/* chains, for runs and for buckets; doubled
				   when they average more than one each */
#define BUCKET_KEY	"usage-b:"
#define RUN_KEY		"usage-r:"
#define PEER_MAX	128	/* conf_impl.h CONF_NAME_MAX */
#define RKEY_MAX	200

struct bucket {
	TAILQ_ENTRY(bucket) entry;
	struct bucket	*hnext;
	uint32_t	 h;
	char		 peer[PEER_MAX + 1];
	enum usage_dir	 dir;
	int64_t		 start;
	struct usage_sums s;
	bool		 dirty;
};

/* Strings on the heap: a gateway holds one run per mitigation and per
 * placement. */
struct run {
	TAILQ_ENTRY(run) entry;
	struct run	*hnext;
	struct run	*onext;		/* in ohash, when it has an owner */
	uint32_t	 h, oh;
	char		*key;
	char		*peer;
	char		*owner;		/* "" none */
	char		*also_down;	/* "" none */
	enum usage_dir	 dir;
	bool		 active;
	int64_t		 since;		/* accounted up to here */
	int64_t		 expires;	/* 0 never */
	uint64_t	 bytes, pkts;	/* last readings */
	struct usage_rates decl;	/* attack and normal held */
	bool		 claimed;	/* seen since the restart */
	bool		 dirty;
};

/* A run that is forgotten or a bucket pruned: its record goes at the
 * next flush. */
struct gone {
	TAILQ_ENTRY(gone) entry;
	const char	*prefix;	/* RUN_KEY or BUCKET_KEY */
	char		*key;		/* taken from the run, or the bucket's */
};

struct usage {
	struct store	*st;
	int64_t		 bucket_s;
	TAILQ_HEAD(, bucket) buckets;
	TAILQ_HEAD(, run) runs;
	TAILQ_HEAD(, gone) gone;
	struct bucket	**bhash;
	size_t		 bsize, nb;
	struct run	**rhash;
	struct run	**ohash;	/* by owner: a mitigation's withdrawal
					 * must not walk every run */
	size_t		 rsize, nr;
};

/* FNV-1a */
static uint32_t
fnv(uint32_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n-- > 0)
		h = (h ^ *c++) * 16777619u;
	return h;
}

static uint32_t
bucket_hash(const char *peer, enum usage_dir dir, int64_t start)
{
	uint32_t h = 2166136261u;
	int d = (int)dir;

	h = fnv(h, &d, sizeof(d));
	h = fnv(h, &start, sizeof(start));
	return fnv(h, peer, strlen(peer));
}

static uint32_t
run_hash(const char *key)
{
	return fnv(2166136261u, key, strlen(key));
}

/* Twice the chains once there are more entries than chains (out of
 * memory: the chains stay, longer, still right). */
static void
grow_buckets(struct usage *u)
{
	struct bucket **v, *b;
	size_t n = u->bsize * 2;

	if (u->nb <= u->bsize || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	TAILQ_FOREACH(b, &u->buckets, entry) {
		b->hnext = v[b->h & (n - 1)];
		v[b->h & (n - 1)] = b;
	}
	free(u->bhash);
	u->bhash = v;
	u->bsize = n;
}

static void
grow_runs(struct usage *u)
{
	struct run **v, **o, *r;
	size_t n = u->rsize * 2;

	if (u->nr <= u->rsize || (v = calloc(n, sizeof(*v))) == NULL)
		return;
	if ((o = calloc(n, sizeof(*o))) == NULL) {
		free(v);
		return;
	}
	TAILQ_FOREACH(r, &u->runs, entry) {
		r->hnext = v[r->h & (n - 1)];
		v[r->h & (n - 1)] = r;
		if (r->owner[0] != '\0') {
			r->onext = o[r->oh & (n - 1)];
			o[r->oh & (n - 1)] = r;
		}
	}
	free(u->rhash);
	free(u->ohash);
	u->rhash = v;
	u->ohash = o;
	u->rsize = n;
}

const char *
usage_dir_name(enum usage_dir dir)
{
	return dir == USAGE_UP ? "upstream" : "downstream";
}

int64_t
usage_bucket_s(const struct usage *u)
{
	return u->bucket_s;
}

static int64_t
floor_to(int64_t t, int64_t s)
{
	int64_t q = t / s;

	if (t % s != 0 && t < 0)
		q--;
	return q * s;
}

static struct bucket *
bucket_get(struct usage *u, const char *peer, enum usage_dir dir,
    int64_t start)
{
	uint32_t h = bucket_hash(peer, dir, start);
	struct bucket *b;

	for (b = u->bhash[h & (u->bsize - 1)]; b != NULL; b = b->hnext)
		if (b->h == h && b->start == start && b->dir == dir &&
		    strcmp(b->peer, peer) == 0)
			return b;
	if (strlen(peer) > PEER_MAX || (b = calloc(1, sizeof(*b))) == NULL) {
		log_warnx("usage: cannot account for peer %s: out of memory",
		    peer);
		return NULL;
	}
	snprintf(b->peer, sizeof(b->peer), "%s", peer);
	b->dir = dir;
	b->start = start;
	b->h = h;
	b->hnext = u->bhash[h & (u->bsize - 1)];
	u->bhash[h & (u->bsize - 1)] = b;
	TAILQ_INSERT_TAIL(&u->buckets, b, entry);
	u->nb++;
	grow_buckets(u);
	return b;
}

/* Its record's key: prefix, then "DIR:START:PEER". */
static void
bucket_name(const struct bucket *b, char *buf, size_t len, const char *prefix)
{
	snprintf(buf, len, "%s%d:%lld:%s", prefix, (int)b->dir,
	    (long long)b->start, b->peer);
}

size_t
usage_prune(struct usage *u, int64_t before)
{
	struct bucket *b, *next, **pp;
	struct gone *g;
	char name[PEER_MAX + 48];
	size_t n = 0;

	for (b = TAILQ_FIRST(&u->buckets); b != NULL; b = next) {
		next = TAILQ_NEXT(b, entry);
		if (b->start + u->bucket_s > before)
			continue;
		for (pp = &u->bhash[b->h & (u->bsize - 1)]; *pp != b;
		    pp = &(*pp)->hnext)
			;
		*pp = b->hnext;
		TAILQ_REMOVE(&u->buckets, b, entry);
		u->nb--;
		bucket_name(b, name, sizeof(name), "");
		/* out of memory: the record stays, pruned after the next
		 * load */
		if (u->st != NULL) {
			if ((g = calloc(1, sizeof(*g))) != NULL &&
			    (g->key = strdup(name)) != NULL) {
				g->prefix = BUCKET_KEY;
				TAILQ_INSERT_TAIL(&u->gone, g, entry);
			} else
				free(g);
		}
		free(b);
		n++;
	}
	return n;
}

/* The bucket of peer/dir that holds time t, dirty. */
static struct bucket *
bucket_at(struct usage *u, const char *peer, enum usage_dir dir, int64_t t)
{
	struct bucket *b = bucket_get(u, peer, dir, floor_to(t, u->bucket_s));

	if (b != NULL)
		b->dirty = true;
	return b;
}

static void
max_in(uint64_t *v, uint64_t x)
{
	if (x > *v)
		*v = x;
}

static void
sums_add(struct usage_sums *to, const struct usage_sums *s)
{
	to->executions += s->executions;
	to->seconds += s->seconds;
	to->bytes += s->bytes;
	to->pkts += s->pkts;
	max_in(&to->attack_bps, s->attack_bps);
	max_in(&to->attack_pps, s->attack_pps);
	max_in(&to->normal_bps, s->normal_bps);
	max_in(&to->normal_pps, s->normal_pps);
	max_in(&to->drop_bps, s->drop_bps);
	max_in(&to->drop_pps, s->drop_pps);
}

static void
decl_in(struct usage_sums *s, const struct usage_rates *r)
{
	max_in(&s->attack_bps, r->attack_bps);
	max_in(&s->attack_pps, r->attack_pps);
	max_in(&s->normal_bps, r->normal_bps);
	max_in(&s->normal_pps, r->normal_pps);
}

/* ---- runs ------------------------------------------------------------- */

static struct run *
run_find(const struct usage *u, const char *key)
{
	uint32_t h = run_hash(key);
	struct run *r;

	for (r = u->rhash[h & (u->rsize - 1)]; r != NULL; r = r->hnext)
		if (r->h == h && strcmp(r->key, key) == 0)
			return r;
	return NULL;
}

bool
usage_known(const struct usage *u, const char *key)
{
	return run_find(u, key) != NULL;
}

static void
run_free(struct run *r)
{
	free(r->key);
	free(r->peer);
	free(r->owner);
	free(r->also_down);
	free(r);
}

/* A new run with its names; NULL when out of memory (logged). */
static struct run *
run_new(struct usage *u, const char *key, const char *peer,
    const char *owner, const char *also_down)
{
	uint32_t h = run_hash(key);
	struct run *r;

	if (strlen(key) > RKEY_MAX || strlen(peer) > PEER_MAX ||
	    strlen(owner) > RKEY_MAX || strlen(also_down) > PEER_MAX ||
	    (r = calloc(1, sizeof(*r))) == NULL) {
		log_warnx("usage: cannot account for %s", key);
		return NULL;
	}
	if ((r->key = strdup(key)) == NULL || (r->peer = strdup(peer)) ==
	    NULL || (r->owner = strdup(owner)) == NULL ||
	    (r->also_down = strdup(also_down)) == NULL) {
		log_warnx("usage: cannot account for %s: out of memory", key);
		run_free(r);
		return NULL;
	}
	r->h = h;
	r->hnext = u->rhash[h & (u->rsize - 1)];
	u->rhash[h & (u->rsize - 1)] = r;
	if (owner[0] != '\0') {
		r->oh = run_hash(owner);
		r->onext = u->ohash[r->oh & (u->rsize - 1)];
		u->ohash[r->oh & (u->rsize - 1)] = r;
	}
	TAILQ_INSERT_TAIL(&u->runs, r, entry);
	u->nr++;
	grow_runs(u);
	return r;
}

static void
run_unlink(struct usage *u, struct run *r)
{
	struct run **pp;

	for (pp = &u->rhash[r->h & (u->rsize - 1)]; *pp != r;
	    pp = &(*pp)->hnext)
		;
	*pp = r->hnext;
	if (r->owner[0] != '\0') {
		for (pp = &u->ohash[r->oh & (u->rsize - 1)]; *pp != r;
		    pp = &(*pp)->onext)
			;
		*pp = r->onext;
	}
	TAILQ_REMOVE(&u->runs, r, entry);
	u->nr--;
}

/* Active time of r from since to `to`, split over the buckets it spans,
 * each of which sees its declared rates. Nothing when the clock went
 * back (since stays: that time is counted once the clock passes it). */
static void
run_account(struct usage *u, struct run *r, int64_t to)
{
	struct bucket *b;
	int64_t t, end;

	if (!r->active || to <= r->since)
		return;
	for (t = r->since; t < to; t = end) {
		end = floor_to(t, u->bucket_s) + u->bucket_s;
		if (end > to)
			end = to;
		if ((b = bucket_at(u, r->peer, r->dir, t)) == NULL)
			break;
		b->s.seconds += (uint64_t)(end - t);
		decl_in(&b->s, &r->decl);
	}
	r->since = to;
	r->dirty = true;
}

void
usage_start(struct usage *u, const char *key, enum usage_dir dir,
    const char *peer, const char *owner, const char *also_down, int64_t now,
    bool execution)
{
	struct run *r = run_find(u, key);
	struct bucket *b;

	if (r != NULL) {
		r->claimed = true;
		if (!r->active) {
			r->active = true;
			r->since = now;
			r->dirty = true;
			if ((b = bucket_at(u, r->peer, r->dir, now)) != NULL)
				decl_in(&b->s, &r->decl);
		}
		return;
	}
	if ((r = run_new(u, key, peer, owner, also_down)) == NULL)
		return;
	r->dir = dir;
	r->active = true;
	r->claimed = true;
	r->since = now;
	r->dirty = true;
	if (execution && (b = bucket_at(u, peer, dir, now)) != NULL)
		b->s.executions++;
}

void
usage_stop(struct usage *u, const char *key, int64_t now)
{
	struct run *r = run_find(u, key);

	if (r == NULL || !r->active)
		return;
	run_account(u, r, now);
	r->active = false;
	r->dirty = true;
}

static void
run_forget(struct usage *u, struct run *r)
{
	struct gone *g;

	run_unlink(u, r);
	if (u->st != NULL && (g = calloc(1, sizeof(*g))) != NULL) {
		g->prefix = RUN_KEY;
		g->key = r->key;
		r->key = NULL;
		TAILQ_INSERT_TAIL(&u->gone, g, entry);
	}
	run_free(r);
}

void
usage_end(struct usage *u, const char *key, int64_t now)
{
	struct run *r = run_find(u, key);

	if (r == NULL)
		return;
	run_account(u, r, now);
	run_forget(u, r);
}

void
usage_stop_owned(struct usage *u, const char *owner, int64_t now)
{
	struct run *r;

	for (r = u->ohash[run_hash(owner) & (u->rsize - 1)]; r != NULL;
	    r = r->onext)
		if (strcmp(r->owner, owner) == 0 && r->active) {
			run_account(u, r, now);
			r->active = false;
		}
}

void
usage_end_owned(struct usage *u, const char *owner, int64_t now)
{
	struct run *r, *next;

	for (r = u->ohash[run_hash(owner) & (u->rsize - 1)]; r != NULL;
	    r = next) {
		next = r->onext;
		if (strcmp(r->owner, owner) == 0) {
			run_account(u, r, now);
			run_forget(u, r);
		}
	}
}

void
usage_expires(struct usage *u, const char *key, int64_t expires)
{
	struct run *r = run_find(u, key);

	/* a second either way is the rounding of a monotonic deadline */
	if (r != NULL && (expires == 0 || r->expires == 0 ||
	    expires > r->expires + 2 || expires + 2 < r->expires)) {
		if (r->expires == expires)
			return;
		r->expires = expires;
		r->dirty = true;
	}
}

/* How much a cumulative counter grew since last: a reading below the
 * last one is a reset (it counts from zero). */
static uint64_t
delta(uint64_t last, uint64_t now)
{
	return now >= last ? now - last : now;
}

void
usage_counters(struct usage *u, const char *key, uint64_t bytes,
    uint64_t pkts, int64_t now)
{
	struct run *r = run_find(u, key);
	uint64_t db, dp;
	struct bucket *b;

	if (r == NULL || (bytes == 0 && pkts == 0) ||
	    (bytes == r->bytes && pkts == r->pkts))
		return;
	db = delta(r->bytes, bytes);
	dp = delta(r->pkts, pkts);
	r->bytes = bytes;
	r->pkts = pkts;
	r->dirty = true;
	if ((b = bucket_at(u, r->peer, r->dir, now)) != NULL) {
		b->s.bytes += db;
		b->s.pkts += dp;
	}
	if (r->also_down[0] != '\0' &&
	    (b = bucket_at(u, r->also_down, USAGE_DOWN, now)) != NULL) {
		b->s.bytes += db;
		b->s.pkts += dp;
	}
}

void
usage_rates(struct usage *u, const char *key, const struct usage_rates *x,
    int64_t now)
{
	struct run *r = run_find(u, key);
	struct bucket *b;

	if (r == NULL)
		return;
	if (r->decl.attack_bps != x->attack_bps ||
	    r->decl.attack_pps != x->attack_pps ||
	    r->decl.normal_bps != x->normal_bps ||
	    r->decl.normal_pps != x->normal_pps) {
		/* the time so far was under the old ones */
		run_account(u, r, now);
		r->decl.attack_bps = x->attack_bps;
		r->decl.attack_pps = x->attack_pps;
		r->decl.normal_bps = x->normal_bps;
		r->decl.normal_pps = x->normal_pps;
		r->dirty = true;
	}
	if (!r->active && x->drop_bps == 0 && x->drop_pps == 0)
		return;
	if ((b = bucket_at(u, r->peer, r->dir, now)) == NULL)
		return;
	if (r->active)
		decl_in(&b->s, &r->decl);
	max_in(&b->s.drop_bps, x->drop_bps);
	max_in(&b->s.drop_pps, x->drop_pps);
}

bool
usage_declared(const struct usage *u, const char *key, struct usage_rates *x)
{
	const struct run *r = run_find(u, key);

	if (r == NULL)
		return false;
	*x = r->decl;
	x->drop_bps = x->drop_pps = 0;
	return true;
}

void
usage_settle(struct usage *u, int64_t now)
{
	struct run *r;

	TAILQ_FOREACH(r, &u->runs, entry)
		run_account(u, r, now);
}

void
usage_claim(struct usage *u, const char *key)
{
	struct run *r = run_find(u, key);

	if (r != NULL)
		r->claimed = true;
}

void
usage_orphans(struct usage *u, int64_t now)
{
	struct run *r, *next, *o;
	size_t closed = 0;

	TAILQ_FOREACH(r, &u->runs, entry)
		if (!r->claimed && r->owner[0] != '\0' &&
		    (o = run_find(u, r->owner)) != NULL && o->claimed)
			r->claimed = true;
	for (r = TAILQ_FIRST(&u->runs); r != NULL; r = next) {
		next = TAILQ_NEXT(r, entry);
		if (r->claimed)
			continue;
		if (r->expires > r->since)
			run_account(u, r, r->expires < now ? r->expires : now);
		run_forget(u, r);
		closed++;
	}
	if (closed > 0)
		log_info("usage: %zu run(s) ended while down, closed", closed);
}

/* ---- sums ------------------------------------------------------------- */

struct total {
	char		 peer[PEER_MAX + 1];
	enum usage_dir	 dir;
	struct usage_sums s;
};

static int
total_cmp(const void *a, const void *b)
{
	const struct total *x = a, *y = b;
	int c = strcmp(x->peer, y->peer);

	return c != 0 ? c : (int)x->dir - (int)y->dir;
}

static struct total *
total_of(struct total **v, size_t *n, const char *peer, enum usage_dir dir)
{
	struct total *t;

	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].dir == dir && strcmp((*v)[i].peer, peer) == 0)
			return &(*v)[i];
	if ((t = realloc(*v, (*n + 1) * sizeof(**v))) == NULL)
		return NULL;
	*v = t;
	t = &(*v)[(*n)++];
	memset(t, 0, sizeof(*t));
	snprintf(t->peer, sizeof(t->peer), "%s", peer);
	t->dir = dir;
	return t;
}

static bool
overlaps(const struct usage *u, int64_t start, int64_t since, int64_t until)
{
	return start + u->bucket_s > since && (until == 0 || start < until);
}

int
usage_sum(struct usage *u, int64_t since, int64_t until, int64_t now,
    int (*fn)(const char *, enum usage_dir, const struct usage_sums *, void *),
    void *arg)
{
	struct total *v = NULL, *t;
	const struct bucket *b;
	const struct run *r;
	size_t n = 0;
	int rc = 0;

	TAILQ_FOREACH(b, &u->buckets, entry) {
		if (!overlaps(u, b->start, since, until))
			continue;
		if ((t = total_of(&v, &n, b->peer, b->dir)) == NULL)
			goto oom;
		sums_add(&t->s, &b->s);
	}
	/* what running runs have not accounted yet, bucket by bucket */
	TAILQ_FOREACH(r, &u->runs, entry) {
		int64_t tt, end;

		if (!r->active)
			continue;
		for (tt = r->since; tt < now; tt = end) {
			end = floor_to(tt, u->bucket_s) + u->bucket_s;
			if (end > now)
				end = now;
			if (!overlaps(u, floor_to(tt, u->bucket_s), since,
			    until))
				continue;
			if ((t = total_of(&v, &n, r->peer, r->dir)) == NULL)
				goto oom;
			t->s.seconds += (uint64_t)(end - tt);
			decl_in(&t->s, &r->decl);
		}
	}
	if (n > 0)
		qsort(v, n, sizeof(*v), total_cmp);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(v[i].peer, v[i].dir, &v[i].s, arg);
	free(v);
	return rc;
oom:
	free(v);
	return -1;
}

/* ---- the store -------------------------------------------------------- */

/*
 * Values are text, not JSON: a gateway holding 100,000 mitigations writes
 * and reads as many runs, and JSON took half of that time. A bucket:
 * "1 E S AB AP NB NP DB DP BYTES PKTS"; a run:
 * "1 DIR ACTIVE SINCE EXPIRES BYTES PKTS AB AP NB NP\tPEER\tALSO\tOWNER"
 * (names are configuration names; the owner, a run key, goes last and
 * takes the rest). "1" is the format's version.
 */
static int
put_text(struct store *st, const char *key, const char *v, int n)
{
	if (n < 0)
		return -1;
	return store_reg_put(st, key, (const uint8_t *)v, (size_t)n);
}

static int
put_bucket(struct store *st, const char *key, const struct usage_sums *s)
{
	char v[320];

	return put_text(st, key, v, snprintf(v, sizeof(v), "1 %" PRIu64
	    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	    " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64, s->executions,
	    s->seconds, s->attack_bps, s->attack_pps, s->normal_bps,
	    s->normal_pps, s->drop_bps, s->drop_pps, s->bytes, s->pkts));
}

/* Decimal v at p, like %PRIu64; the end. */
static char *
fmt_u64(char *p, uint64_t v)
{
	char d[20];
	size_t n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	while (n > 0)
		*p++ = d[--n];
	return p;
}

static char *
fmt_i64(char *p, int64_t v)
{
	if (v >= 0)
		return fmt_u64(p, (uint64_t)v);
	*p++ = '-';
	return fmt_u64(p, (uint64_t)0 - (uint64_t)v);
}

/* c then str at p, if they fit before end; NULL when not. */
static char *
fmt_str(char *p, const char *end, char c, const char *str)
{
	size_t n = strlen(str);

	if (p == NULL || (size_t)(end - p) < n + 2)
		return NULL;
	*p++ = c;
	memcpy(p, str, n);
	return p + n;
}

/*
 * What snprintf("1 %d %d %" PRId64 " %" PRId64 " %" PRIu64 " ... \t%s\t%s
 * \t%s") wrote, digit by digit: every dirty run is written at each flush,
 * two per relayed mitigation, and printf's number formatting was most of
 * a flush (tests/bench/README.md).
 */
static int
put_run(struct store *st, const char *key, const struct run *r)
{
	const uint64_t u[6] = { r->bytes, r->pkts, r->decl.attack_bps,
	    r->decl.attack_pps, r->decl.normal_bps, r->decl.normal_pps };
	char v[1024], *p = v;

	/* the numbers take at most 2 + 4 * 21 + 6 * 21 characters */
	*p++ = '1';
	*p++ = ' ';
	p = fmt_i64(p, (int64_t)r->dir);
	*p++ = ' ';
	p = fmt_i64(p, r->active ? 1 : 0);
	*p++ = ' ';
	p = fmt_i64(p, r->since);
	*p++ = ' ';
	p = fmt_i64(p, r->expires);
	for (size_t i = 0; i < 6; i++) {
		*p++ = ' ';
		p = fmt_u64(p, u[i]);
	}
	p = fmt_str(p, v + sizeof(v), '\t', r->peer);
	p = fmt_str(p, v + sizeof(v), '\t', r->also_down);
	p = fmt_str(p, v + sizeof(v), '\t', r->owner);
	return put_text(st, key, v, p == NULL ? -1 : (int)(p - v));
}

/* n numbers of a stored value into v (as uint64_t bits); the rest, or
 * NULL when it is not that. */
static const char *
numbers(const char *p, uint64_t *v, size_t n)
{
	char *end;

	for (size_t i = 0; i < n; i++) {
		if (*p != ' ' && i > 0)
			return NULL;
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return NULL;
		errno = 0;
		v[i] = *p == '-' ? (uint64_t)strtoll(p, &end, 10) :
		    strtoull(p, &end, 10);
		if (errno != 0 || end == p)
			return NULL;
		p = end;
	}
	return p;
}

static void
gone_clear(struct usage *u)
{
	struct gone *g;

	while ((g = TAILQ_FIRST(&u->gone)) != NULL) {
		TAILQ_REMOVE(&u->gone, g, entry);
		free(g->key);
		free(g);
	}
}

/* RUN_KEY and the run's key, without printf (every flush, every dirty
 * run); NULL when it does not fit. */
static const char *
run_name(const struct run *r, char *buf, size_t len)
{
	size_t n = strlen(r->key);

	if (sizeof(RUN_KEY) + n > len)
		return NULL;
	memcpy(buf, RUN_KEY, sizeof(RUN_KEY) - 1);
	memcpy(buf + sizeof(RUN_KEY) - 1, r->key, n + 1);
	return buf;
}

int
usage_flush(struct usage *u)
{
	char key[RKEY_MAX + PEER_MAX + 64];
	struct bucket *b;
	struct run *r;
	struct gone *g;
	int rc = 0;

	if (u->st == NULL) {
		gone_clear(u);
		return 0;
	}
	if (store_begin(u->st) == -1)
		return -1;
	/* deletes first: a key forgotten and started again is put after */
	TAILQ_FOREACH(g, &u->gone, entry) {
		snprintf(key, sizeof(key), "%s%s", g->prefix, g->key);
		if (store_reg_del(u->st, key) == -1)
			rc = -1;
	}
	TAILQ_FOREACH(b, &u->buckets, entry) {
		if (!b->dirty)
			continue;
		bucket_name(b, key, sizeof(key), BUCKET_KEY);
		if (put_bucket(u->st, key, &b->s) == -1)
			rc = -1;
	}
	TAILQ_FOREACH(r, &u->runs, entry) {
		if (!r->dirty)
			continue;
		if (run_name(r, key, sizeof(key)) == NULL ||
		    put_run(u->st, key, r) == -1)
			rc = -1;
	}
	if (store_end(u->st) == -1 || rc == -1) {
		log_warnx("usage: cannot write the accounting: %s; kept, "
		    "tried again", store_error(u->st));
		return -1;
	}
	TAILQ_FOREACH(b, &u->buckets, entry)
		b->dirty = false;
	TAILQ_FOREACH(r, &u->runs, entry)
		r->dirty = false;
	gone_clear(u);
	return 0;
}

static void
load_bucket(struct usage *u, const char *name, const char *v)
{
	uint64_t n[11];
	int dir, off = 0;
	long long start;
	struct bucket *b;

	if (sscanf(name, "%d:%lld:%n", &dir, &start, &off) != 2 || off == 0 ||
	    (dir != USAGE_DOWN && dir != USAGE_UP) ||
	    numbers(v, n, 11) == NULL || n[0] != 1) {
		log_warnx("usage: stored bucket %s is not ours; ignored", name);
		return;
	}
	if ((b = bucket_get(u, name + off, (enum usage_dir)dir, start)) ==
	    NULL)
		return;
	b->s.executions = n[1];
	b->s.seconds = n[2];
	b->s.attack_bps = n[3];
	b->s.attack_pps = n[4];
	b->s.normal_bps = n[5];
	b->s.normal_pps = n[6];
	b->s.drop_bps = n[7];
	b->s.drop_pps = n[8];
	b->s.bytes = n[9];
	b->s.pkts = n[10];
}

static void
load_run(struct usage *u, const char *key, const char *v)
{
	char peer[PEER_MAX + 1], also[PEER_MAX + 1];
	const char *p, *t1, *t2;
	uint64_t n[11];
	struct run *r;

	if ((p = numbers(v, n, 11)) == NULL || n[0] != 1 || n[1] > 1 ||
	    *p != '\t' || (t1 = strchr(p + 1, '\t')) == NULL ||
	    (t2 = strchr(t1 + 1, '\t')) == NULL ||
	    (size_t)(t1 - p - 1) > PEER_MAX || (size_t)(t2 - t1 - 1) > PEER_MAX) {
		log_warnx("usage: stored run %s is not ours; ignored", key);
		return;
	}
	if (run_find(u, key) != NULL)
		return;
	memcpy(peer, p + 1, (size_t)(t1 - p - 1));
	peer[t1 - p - 1] = '\0';
	memcpy(also, t1 + 1, (size_t)(t2 - t1 - 1));
	also[t2 - t1 - 1] = '\0';
	if ((r = run_new(u, key, peer, t2 + 1, also)) == NULL)
		return;
	r->dir = (enum usage_dir)n[1];
	r->active = n[2] != 0;
	r->since = (int64_t)n[3];
	r->expires = (int64_t)n[4];
	r->bytes = n[5];
	r->pkts = n[6];
	r->decl.attack_bps = n[7];
	r->decl.attack_pps = n[8];
	r->decl.normal_bps = n[9];
	r->decl.normal_pps = n[10];
}

static int
load_one(const char *name, const uint8_t *v, size_t len, void *arg)
{
	struct usage *u = arg;
	char buf[1024];

	if (strncmp(name, BUCKET_KEY, strlen(BUCKET_KEY)) != 0 &&
	    strncmp(name, RUN_KEY, strlen(RUN_KEY)) != 0)
		return 0;
	if (len >= sizeof(buf) || memchr(v, '\0', len) != NULL) {
		log_warnx("usage: stored record %s is not ours; ignored", name);
		return 0;
	}
	memcpy(buf, v, len);
	buf[len] = '\0';
	if (strncmp(name, BUCKET_KEY, strlen(BUCKET_KEY)) == 0)
		load_bucket(u, name + strlen(BUCKET_KEY), buf);
	else
		load_run(u, name + strlen(RUN_KEY), buf);
	return 0;
}

struct usage *
usage_new(struct store *st, int64_t bucket_s)
{
	struct usage *u;

	if (bucket_s <= 0 || (u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	u->st = st;
	u->bucket_s = bucket_s;
	u->bsize = u->rsize = HASH_MIN;
	if ((u->bhash = calloc(u->bsize, sizeof(*u->bhash))) == NULL ||
	    (u->rhash = calloc(u->rsize, sizeof(*u->rhash))) == NULL ||
	    (u->ohash = calloc(u->rsize, sizeof(*u->ohash))) == NULL) {
		free(u->bhash);
		free(u->rhash);
		free(u);
		return NULL;
	}
	TAILQ_INIT(&u->buckets);
	TAILQ_INIT(&u->runs);
	TAILQ_INIT(&u->gone);
	if (st != NULL && store_reg_foreach(st, load_one, u) == -1)
		log_warnx("usage: cannot read the stored accounting");
	return u;
}

void
usage_free(struct usage *u)
{
	struct bucket *b;
	struct run *r;

	if (u == NULL)
		return;
	while ((b = TAILQ_FIRST(&u->buckets)) != NULL) {
		TAILQ_REMOVE(&u->buckets, b, entry);
		free(b);
	}
	while ((r = TAILQ_FIRST(&u->runs)) != NULL) {
		TAILQ_REMOVE(&u->runs, r, entry);
		run_free(r);
	}
	gone_clear(u);
	free(u->bhash);
	free(u->rhash);
	free(u->ohash);
	free(u);
}
