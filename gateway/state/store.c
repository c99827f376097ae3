#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/log.h"
#include "gateway/state/store.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_BUSY_MS		5000
#define CHECKPOINT_MS		500	/* WAL -> database, off the loop */

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta("
	"  key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS mitigation("
	"  cuid TEXT NOT NULL, mid INTEGER NOT NULL, peer TEXT NOT NULL,"
	"  cdid TEXT, path_cdid TEXT NOT NULL, scope BLOB NOT NULL,"
	"  lifetime INTEGER NOT NULL, expires INTEGER NOT NULL,"
	"  start INTEGER NOT NULL, status INTEGER NOT NULL,"
	"  trigger_mitigation INTEGER NOT NULL,"
	"  attack_status INTEGER NOT NULL, local INTEGER NOT NULL,"
	"  cdid_up TEXT NOT NULL, hop_limit INTEGER NOT NULL,"
	"  PRIMARY KEY(cuid, mid));"
	"CREATE TABLE IF NOT EXISTS placement("
	"  upstream TEXT NOT NULL, umid INTEGER NOT NULL,"
	"  cuid TEXT NOT NULL, mid INTEGER NOT NULL,"
	"  state INTEGER NOT NULL, lifetime INTEGER NOT NULL,"
	"  PRIMARY KEY(upstream, umid),"
	"  FOREIGN KEY(cuid, mid) REFERENCES mitigation(cuid, mid)"
	"    ON DELETE CASCADE);"
	"CREATE INDEX IF NOT EXISTS placement_mit ON placement(cuid, mid);"
	"CREATE TABLE IF NOT EXISTS upstream("
	"  name TEXT PRIMARY KEY, next_mid INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS sigconfig("
	"  peer TEXT PRIMARY KEY, sid INTEGER NOT NULL, config BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS registration("
	"  name TEXT PRIMARY KEY, value BLOB NOT NULL);";

/* Every statement is prepared once at open. */
enum stmt {
	S_BEGIN, S_COMMIT, S_ROLLBACK,
	S_MIT_PUT, S_MIT_DEL, S_MIT_ALL,
	S_PL_PUT, S_PL_DEL, S_PL_ALL,
	S_MID_PUT, S_MID_GET,
	S_CFG_PUT, S_CFG_DEL, S_CFG_ALL,
	S_REG_PUT, S_REG_DEL, S_REG_ALL,
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	/* an upsert, not REPLACE: a REPLACE would delete the row and with
	 * it (cascade) its placements */
	[S_MIT_PUT] = "INSERT INTO mitigation(cuid, mid, peer, cdid, "
	    "path_cdid, scope, lifetime, expires, start, status, "
	    "trigger_mitigation, attack_status, local, cdid_up, hop_limit) "
	    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15) ON CONFLICT(cuid, mid) DO UPDATE SET peer = ?3, "
	    "cdid = ?4, path_cdid = ?5, scope = ?6, lifetime = ?7, "
	    "expires = ?8, start = ?9, status = ?10, trigger_mitigation = ?11, "
	    "attack_status = ?12, local = ?13, cdid_up = ?14, hop_limit = ?15",
	[S_MIT_DEL] = "DELETE FROM mitigation WHERE cuid = ?1 AND mid = ?2",
	[S_MIT_ALL] = "SELECT cuid, mid, peer, cdid, path_cdid, scope, "
	    "lifetime, expires, start, status, trigger_mitigation, "
	    "attack_status, local, cdid_up, hop_limit FROM mitigation "
	    "ORDER BY cuid, mid",
	[S_PL_PUT] = "INSERT INTO placement(upstream, umid, cuid, mid, state, "
	    "lifetime) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
	    "ON CONFLICT(upstream, umid) DO UPDATE SET cuid = ?3, mid = ?4, "
	    "state = ?5, lifetime = ?6",
	[S_PL_DEL] = "DELETE FROM placement WHERE upstream = ?1 AND umid = ?2",
	[S_PL_ALL] = "SELECT cuid, mid, upstream, umid, state, lifetime "
	    "FROM placement ORDER BY upstream, umid",
	[S_MID_PUT] = "INSERT INTO upstream(name, next_mid) VALUES(?1, ?2) "
	    "ON CONFLICT(name) DO UPDATE SET next_mid = ?2",
	[S_MID_GET] = "SELECT next_mid FROM upstream WHERE name = ?1",
	[S_CFG_PUT] = "INSERT INTO sigconfig(peer, sid, config) "
	    "VALUES(?1, ?2, ?3) ON CONFLICT(peer) DO UPDATE SET sid = ?2, "
	    "config = ?3",
	[S_CFG_DEL] = "DELETE FROM sigconfig WHERE peer = ?1",
	[S_CFG_ALL] = "SELECT peer, sid, config FROM sigconfig ORDER BY peer",
	[S_REG_PUT] = "INSERT INTO registration(name, value) VALUES(?1, ?2) "
	    "ON CONFLICT(name) DO UPDATE SET value = ?2",
	[S_REG_DEL] = "DELETE FROM registration WHERE name = ?1",
	[S_REG_ALL] = "SELECT name, value FROM registration ORDER BY name",
};

/*
 * Group commit. The daemon's connection commits with synchronous=NORMAL
 * (the WAL written, not synced) and store_sync() fdatasyncs the WAL once
 * for every commit made since the last sync. store_end() does both;
 * store_commit() leaves the sync to the caller, who holds the answers
 * that stand for the commits until then (durable.h). The sync runs in
 * the loop's thread on purpose: a sync in another thread made each next
 * commit wait anyway (its WAL page was under writeback).
 *
 * WAL checkpoints run in a thread of their own with its own connection.
 * A checkpoint copies the WAL into the database file and fsyncs both; in
 * SQLite's default place (the commit that grows the WAL past 1,000
 * pages) it stalled about one request in 300 by milliseconds. The daemon's
 * connection never checkpoints (wal_autocheckpoint=0); a PASSIVE
 * checkpoint never blocks its commits.
 */
struct checkpointer {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 stop;
	bool		 running;
	bool		 inited;	/* mu and cv */
	sqlite3		*db;
};

struct store {
	sqlite3		*db;
	struct checkpointer ck;
	uint64_t	 committed;	/* commits so far */
	uint64_t	 synced;	/* of them on disk */
	int		 wal_fd;	/* the database's -wal file */
	sqlite3_stmt	*st[S_COUNT];
	int		 depth;		/* store_begin() nesting */
	char		 error[160];	/* the last failure */
	bool		 open;		/* BEGIN ran: at the first write */
	bool		 failed;	/* a write inside the transaction failed */
	bool		 wrote;		/* the outermost bracket wrote */
	bool		 pending;	/* lazy writes wait in the open
					   transaction, outside any bracket */
	struct store_stats stats;
};

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

static int
exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

/* journal_mode answers with a row: it must say "wal". */
static int
set_wal(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int ok;

	if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db));
		return -1;
	}
	ok = sqlite3_step(st) == SQLITE_ROW &&
	    sqlite3_column_text(st, 0) != NULL &&
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") == 0;
	sqlite3_finalize(st);
	if (!ok)
		snprintf(err, errlen, "cannot switch to WAL journal mode");
	return ok ? 0 : -1;
}

static int
check_version(struct store *s, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int r, v = -1;

	if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = "
	    "'schema'", -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
		return -1;
	}
	if ((r = sqlite3_step(st)) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (r == SQLITE_ROW && v != STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "schema version %d, this dotsgwd knows %d",
		    v, STORE_SCHEMA_VERSION);
		return -1;
	}
	if (r == SQLITE_DONE) {
		char sql[96];

		snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES('schema', "
		    "%d)", STORE_SCHEMA_VERSION);
		return exec_sql(s->db, sql, err, errlen);
	}
	return r == SQLITE_ROW ? 0 : -1;
}

static void *
checkpoint_main(void *arg)
{
	struct checkpointer *ck = arg;
	struct timespec t;

	pthread_mutex_lock(&ck->mu);
	while (!ck->stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += (long)CHECKPOINT_MS * 1000000;
		t.tv_sec += t.tv_nsec / 1000000000;
		t.tv_nsec %= 1000000000;
		if (pthread_cond_timedwait(&ck->cv, &ck->mu, &t) != ETIMEDOUT)
			continue;
		pthread_mutex_unlock(&ck->mu);
		/* SQLITE_BUSY (another checkpoint) is tried again next time */
		(void)sqlite3_wal_checkpoint_v2(ck->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&ck->mu);
	}
	pthread_mutex_unlock(&ck->mu);
	return NULL;
}

static int
checkpoint_start(struct checkpointer *ck, const char *path, char *err,
    size_t errlen)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&ck->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ck->cv, &ca);
	pthread_condattr_destroy(&ca);
	ck->inited = true;
	if (sqlite3_open_v2(path, &ck->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: checkpoint connection: %s", path,
		    ck->db ? sqlite3_errmsg(ck->db) : "cannot open");
		return -1;
	}
	sqlite3_busy_timeout(ck->db, STORE_BUSY_MS);
	/* a connection checkpoints once it has read the database (before,
	 * it does not know it is in WAL mode) */
	if (exec_sql(ck->db, "SELECT count(*) FROM meta", err, errlen) == -1)
		return -1;
	if (pthread_create(&ck->thread, NULL, checkpoint_main, ck) != 0) {
		snprintf(err, errlen, "cannot start the checkpoint thread");
		return -1;
	}
	ck->running = true;
	return 0;
}

static void
checkpoint_stop(struct checkpointer *ck)
{
	if (ck->running) {
		pthread_mutex_lock(&ck->mu);
		ck->stop = true;
		pthread_cond_signal(&ck->cv);
		pthread_mutex_unlock(&ck->mu);
		pthread_join(ck->thread, NULL);
		ck->running = false;
	}
	sqlite3_close(ck->db);		/* NULL: a no-op */
	ck->db = NULL;
	if (ck->inited) {
		pthread_cond_destroy(&ck->cv);
		pthread_mutex_destroy(&ck->mu);
		ck->inited = false;
	}
}

/* The WAL that store_sync() makes durable: it exists once a connection
 * read the database in WAL mode, and stays while one is open. */
static int
open_wal(struct store *s, const char *path, char *err, size_t errlen)
{
	char wal[4200];

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if ((s->wal_fd = open(wal, O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", wal, strerror(errno));
		return -1;
	}
	return 0;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	struct store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->wal_fd = -1;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, s->db ?
		    sqlite3_errmsg(s->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, STORE_BUSY_MS);
	/* NORMAL: a commit writes the WAL without syncing it; store_sync()
	 * does, before the response it stands for leaves: on disk, power
	 * loss included */
	if (set_wal(s->db, err, errlen) == -1 ||
	    exec_sql(s->db, "PRAGMA synchronous=NORMAL; "
	    "PRAGMA foreign_keys=ON; PRAGMA wal_autocheckpoint=0;", err,
	    errlen) == -1 ||
	    exec_sql(s->db, schema, err, errlen) == -1 ||
	    check_version(s, err, errlen) == -1 ||
	    open_wal(s, path, err, errlen) == -1 ||
	    checkpoint_start(&s->ck, path, err, errlen) == -1)
		goto fail;
	for (int i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			goto fail;
		}
	return s;
fail:
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	checkpoint_stop(&s->ck);
	if (s->open)
		(void)sqlite3_step(s->st[S_COMMIT]);
	if (s->wal_fd >= 0) {
		(void)fdatasync(s->wal_fd);
		close(s->wal_fd);
	}
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
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

/* Run a statement that returns no rows; reset it for the next use. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	uint64_t t0 = now_ns();
	int r = sqlite3_step(st);

	s->stats.write_ns += now_ns() - t0;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == SQLITE_DONE)
		return 0;
	log_warnx("store: %s: %s", sqlite3_sql(st), sqlite3_errmsg(s->db));
	snprintf(s->error, sizeof(s->error), "%s", sqlite3_errmsg(s->db));
	s->stats.errors++;
	return -1;
}

const char *
store_error(const struct store *s)
{
	return s != NULL && s->error[0] != '\0' ? s->error :
	    "the commit failed";
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
	if (step_done(s, s->st[S_BEGIN]) == -1)
		return -1;
	s->open = true;
	return 0;
}

/* Commit the outermost bracket; committed counts it. */
int
store_commit(struct store *s)
{
	int r;

	if (s == NULL || s->depth == 0)
		return 0;
	if (--s->depth > 0)
		return 0;
	if (!s->open)
		return s->failed ? -1 : 0;
	if (!s->wrote)
		return 0;	/* lazy writes only: they keep waiting */
	s->open = s->pending = false;
	if (s->failed) {
		(void)step_done(s, s->st[S_ROLLBACK]);
		return -1;
	}
	if ((r = step_done(s, s->st[S_COMMIT])) == -1) {
		char why[sizeof(s->error)];

		/* the commit's reason, not the rollback's */
		memcpy(why, s->error, sizeof(why));
		(void)step_done(s, s->st[S_ROLLBACK]);
		memcpy(s->error, why, sizeof(why));
	} else
		s->committed++;
	s->stats.commits++;
	return r;
}

int
store_sync(struct store *s)
{
	uint64_t t0;
	int r;

	if (s == NULL || s->synced == s->committed)
		return 0;
	t0 = now_ns();
	r = fdatasync(s->wal_fd);
	s->stats.write_ns += now_ns() - t0;
	s->stats.syncs++;
	if (r == 0)
		s->synced = s->committed;
	else {
		snprintf(s->error, sizeof(s->error), "fdatasync: %s",
		    strerror(errno));
		log_warnx("store: %s", s->error);
		s->stats.errors++;
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
write_lazy(struct store *s, sqlite3_stmt *st)
{
	if (store_open_txn(s) == -1 || step_done(s, st) == -1) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (s->open)
			(void)step_done(s, s->st[S_ROLLBACK]);
		s->open = s->pending = false;
		return -1;
	}
	s->pending = true;
	return 0;
}

/* One write statement, in the open transaction or its own. */
static int
write_one(struct store *s, sqlite3_stmt *st)
{
	int r;

	(void)store_begin(s);
	s->wrote = true;
	if (store_open_txn(s) == -1) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		s->failed = true;
		(void)store_end(s);
		return -1;
	}
	if ((r = step_done(s, st)) == -1)
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
	(void)store_begin(s);
	s->wrote = true;
	return store_commit(s);	/* nothing waits for them: the next sync */
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static void
bind_blob(sqlite3_stmt *st, int i, const uint8_t *v, size_t len)
{
	/* zero-length blobs are not NULL: NOT NULL columns take them */
	sqlite3_bind_blob64(st, i, v != NULL ? (const void *)v : "",
	    (sqlite3_uint64)len, SQLITE_STATIC);
}

static const char *
col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static const uint8_t *
col_blob(sqlite3_stmt *st, int i, size_t *len)
{
	const uint8_t *p = sqlite3_column_blob(st, i);

	*len = (size_t)sqlite3_column_bytes(st, i);
	return p;
}

/* Step a query, calling row() for each row until it returns != 0. */
static int
query_all(struct store *s, sqlite3_stmt *st,
    int (*row)(sqlite3_stmt *, void *), void *arg)
{
	int r, stop = 0;

	while (stop == 0 && (r = sqlite3_step(st)) == SQLITE_ROW)
		stop = row(st, arg);
	if (stop == 0 && r != SQLITE_DONE) {
		log_warnx("store: %s: %s", sqlite3_sql(st),
		    sqlite3_errmsg(s->db));
		s->stats.errors++;
		stop = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return stop;
}

/* ---------------------------------------------------------------- */
/* Mitigations and placements */

int
store_mit_put(struct store *s, const struct store_mit *m)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_MIT_PUT];
	bind_text(st, 1, m->cuid);
	sqlite3_bind_int64(st, 2, m->mid);
	bind_text(st, 3, m->peer);
	bind_text(st, 4, m->cdid);
	bind_text(st, 5, m->path_cdid ? m->path_cdid : "");
	bind_blob(st, 6, m->scope, m->scope_len);
	sqlite3_bind_int64(st, 7, m->lifetime);
	sqlite3_bind_int64(st, 8, m->expires);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)m->start);
	sqlite3_bind_int64(st, 10, m->status);
	sqlite3_bind_int(st, 11, m->trigger);
	sqlite3_bind_int64(st, 12, m->attack_status);
	sqlite3_bind_int(st, 13, m->local);
	bind_text(st, 14, m->cdid_up ? m->cdid_up : "");
	sqlite3_bind_int64(st, 15, m->hop_limit);
	return write_one(s, st);
}

int
store_mit_del(struct store *s, const char *cuid, uint32_t mid)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_MIT_DEL];
	bind_text(st, 1, cuid);
	sqlite3_bind_int64(st, 2, mid);
	return write_one(s, st);
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
mit_row(sqlite3_stmt *st, void *p)
{
	struct cb_arg *a = p;
	struct store_mit m;

	m.cuid = col_text(st, 0);
	m.mid = (uint32_t)sqlite3_column_int64(st, 1);
	m.peer = col_text(st, 2);
	m.cdid = col_text(st, 3);
	m.path_cdid = col_text(st, 4);
	m.scope = col_blob(st, 5, &m.scope_len);
	m.lifetime = sqlite3_column_int64(st, 6);
	m.expires = sqlite3_column_int64(st, 7);
	m.start = (uint64_t)sqlite3_column_int64(st, 8);
	m.status = (uint32_t)sqlite3_column_int64(st, 9);
	m.trigger = sqlite3_column_int(st, 10);
	m.attack_status = (uint32_t)sqlite3_column_int64(st, 11);
	m.local = sqlite3_column_int(st, 12) != 0;
	m.cdid_up = col_text(st, 13);
	m.hop_limit = (uint32_t)sqlite3_column_int64(st, 14);
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
	return query_all(s, s->st[S_MIT_ALL], mit_row, &a);
}

static int
pl_put(struct store *s, const struct store_pl *p, bool lazy)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_PL_PUT];
	bind_text(st, 1, p->upstream);
	sqlite3_bind_int64(st, 2, p->umid);
	bind_text(st, 3, p->cuid);
	sqlite3_bind_int64(st, 4, p->mid);
	sqlite3_bind_int(st, 5, p->state);
	sqlite3_bind_int64(st, 6, p->lifetime);
	return lazy && s->depth == 0 ? write_lazy(s, st) : write_one(s, st);
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
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_PL_DEL];
	bind_text(st, 1, upstream);
	sqlite3_bind_int64(st, 2, umid);
	return write_one(s, st);
}

static int
pl_row(sqlite3_stmt *st, void *p)
{
	struct cb_arg *a = p;
	struct store_pl pl;

	pl.cuid = col_text(st, 0);
	pl.mid = (uint32_t)sqlite3_column_int64(st, 1);
	pl.upstream = col_text(st, 2);
	pl.umid = (uint32_t)sqlite3_column_int64(st, 3);
	pl.state = sqlite3_column_int(st, 4);
	pl.lifetime = sqlite3_column_int64(st, 5);
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
	return query_all(s, s->st[S_PL_ALL], pl_row, &a);
}

/* ---------------------------------------------------------------- */
/* Upstream mids */

int
store_next_mid_put(struct store *s, const char *upstream, uint32_t next)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_MID_PUT];
	bind_text(st, 1, upstream);
	sqlite3_bind_int64(st, 2, next);
	return write_one(s, st);
}

static int
mid_row(sqlite3_stmt *st, void *arg)
{
	*(uint32_t *)arg = (uint32_t)sqlite3_column_int64(st, 0);
	return 1;
}

int
store_next_mid_get(struct store *s, const char *upstream, uint32_t *next)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 1;
	st = s->st[S_MID_GET];
	bind_text(st, 1, upstream);
	switch (query_all(s, st, mid_row, next)) {
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
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_CFG_PUT];
	bind_text(st, 1, peer);
	sqlite3_bind_int64(st, 2, sid);
	bind_blob(st, 3, cbor, len);
	return write_one(s, st);
}

int
store_sigcfg_del(struct store *s, const char *peer)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_CFG_DEL];
	bind_text(st, 1, peer);
	return write_one(s, st);
}

static int
cfg_row(sqlite3_stmt *st, void *p)
{
	struct cb_arg *a = p;
	const char *peer = col_text(st, 0);
	const uint8_t *v;
	size_t len;

	v = col_blob(st, 2, &len);
	if (peer == NULL)
		return 0;
	return a->fn.cfg(peer, (uint32_t)sqlite3_column_int64(st, 1), v, len,
	    a->arg);
}

int
store_sigcfg_foreach(struct store *s, int (*fn)(const char *, uint32_t,
    const uint8_t *, size_t, void *), void *arg)
{
	struct cb_arg a = { .arg = arg };

	if (s == NULL)
		return 0;
	a.fn.cfg = fn;
	return query_all(s, s->st[S_CFG_ALL], cfg_row, &a);
}

/* ---------------------------------------------------------------- */
/* Generic registrations */

int
store_reg_put(struct store *s, const char *name, const uint8_t *cbor,
    size_t len)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_REG_PUT];
	bind_text(st, 1, name);
	bind_blob(st, 2, cbor, len);
	return write_one(s, st);
}

int
store_reg_del(struct store *s, const char *name)
{
	sqlite3_stmt *st;

	if (s == NULL)
		return 0;
	st = s->st[S_REG_DEL];
	bind_text(st, 1, name);
	return write_one(s, st);
}

static int
reg_row(sqlite3_stmt *st, void *p)
{
	struct cb_arg *a = p;
	const char *name = col_text(st, 0);
	const uint8_t *v;
	size_t len;

	v = col_blob(st, 1, &len);
	if (name == NULL)
		return 0;
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
	return query_all(s, s->st[S_REG_ALL], reg_row, &a);
}
