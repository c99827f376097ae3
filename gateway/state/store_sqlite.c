#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/log.h"
#include "gateway/state/store_be.h"

#define STORE_SCHEMA_VERSION	1
#define STORE_BUSY_MS		5000
#define CHECKPOINT_MS		500	/* WAL -> database, off the loop */
#define WAL_RESTART_FRAMES	4096	/* a WAL this long is made to restart */
#define WAL_TAIL_FRAMES		1024	/* the most the loop copies itself */
#define STORE_PAGE_SIZE		"1024"	/* bytes, of a new database */

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

static const char *const stmt_sql[S_COUNT] = {
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
 *
 * But SQLite restarts the WAL from its first frame only at a commit that
 * finds every frame copied, and under a steady stream of commits a
 * checkpoint made elsewhere never has copied the ones that came during
 * it: the WAL grew without end (150 MB in the 4 s of 40,000 relayed
 * requests) and each write past its end had the kernel zero a fresh
 * page-cache folio (9 % of the daemon's CPU). So the loop, once the WAL
 * is WAL_RESTART_FRAMES long, wakes the thread, and once the thread has
 * copied all but at most WAL_TAIL_FRAMES of it, copies that tail itself
 * (a few hundred KB and a sync of the database, within a group commit's
 * sync): its next commit starts the WAL again at the top.
 */
struct checkpointer {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 stop;
	bool		 kick;		/* checkpoint now, not at the tick */
	bool		 running;
	bool		 inited;	/* mu and cv */
	int		 copied;	/* frames, at the last checkpoint; mu */
	sqlite3		*db;
};

/* The statements store_be.h names, then these three. */
enum { S_BEGIN = S_COUNT, S_COMMIT, S_ROLLBACK, S_PL_STATE, S_MID_SET,
    S_ALL };

static const char *const txn_sql[] = {
	"BEGIN IMMEDIATE", "COMMIT", "ROLLBACK",
	/* S_PL_PUT of a row that exists with that key: sqlite_exec() */
	"UPDATE placement SET state = ?5, lifetime = ?6 WHERE upstream = ?1 "
	"AND umid = ?2 AND cuid = ?3 AND mid = ?4",
	/* S_MID_PUT of an upstream that has its row */
	"UPDATE upstream SET next_mid = ?2 WHERE name = ?1",
};

struct sqlite_be {
	sqlite3		*db;
	struct checkpointer ck;
	int		 wal_fd;	/* the database's -wal file */
	int		 wal_frames;	/* in the WAL, after the last commit */
	sqlite3_stmt	*st[S_ALL];
	char		 error[160];	/* the last failure */
};

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
check_version(struct sqlite_be *s, char *err, size_t errlen)
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
	int copied;

	pthread_mutex_lock(&ck->mu);
	while (!ck->stop) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_nsec += (long)CHECKPOINT_MS * 1000000;
		t.tv_sec += t.tv_nsec / 1000000000;
		t.tv_nsec %= 1000000000;
		if (!ck->kick && pthread_cond_timedwait(&ck->cv, &ck->mu,
		    &t) != ETIMEDOUT && !ck->kick)
			continue;
		ck->kick = false;
		pthread_mutex_unlock(&ck->mu);
		/* SQLITE_BUSY (another checkpoint) is tried again next time */
		if (sqlite3_wal_checkpoint_v2(ck->db, NULL,
		    SQLITE_CHECKPOINT_PASSIVE, NULL, &copied) != SQLITE_OK)
			copied = 0;
		pthread_mutex_lock(&ck->mu);
		ck->copied = copied;
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
open_wal(struct sqlite_be *s, const char *path, char *err, size_t errlen)
{
	char wal[4200];

	snprintf(wal, sizeof(wal), "%s-wal", path);
	if ((s->wal_fd = open(wal, O_RDWR | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", wal, strerror(errno));
		return -1;
	}
	return 0;
}

static void sqlite_close(void *);
static int wal_hook(void *, sqlite3 *, const char *, int);

void *
store_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_be *s;

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
	/* A new database gets small pages: a commit writes each page it
	 * changed whole to the WAL, checksummed, about four per relayed
	 * request, and with 4 KiB pages that checksum alone was 7 % of the
	 * request (tests/bench/README.md). A database that exists keeps its
	 * size (WAL mode fixes it). */
	if (exec_sql(s->db, "PRAGMA page_size=" STORE_PAGE_SIZE ";", err,
	    errlen) == -1)
		goto fail;
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
	(void)sqlite3_wal_hook(s->db, wal_hook, s);
	for (int i = 0; i < S_ALL; i++)
		if (sqlite3_prepare_v3(s->db, i < S_COUNT ? stmt_sql[i] :
		    txn_sql[i - S_COUNT], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s", sqlite3_errmsg(s->db));
			goto fail;
		}
	return s;
fail:
	sqlite_close(s);
	return NULL;
}

static void
sqlite_close(void *arg)
{
	struct sqlite_be *s = arg;

	if (s == NULL)
		return;
	checkpoint_stop(&s->ck);
	/* an open transaction holds lazy writes: keep them */
	if (s->st[S_COMMIT] != NULL && !sqlite3_get_autocommit(s->db))
		(void)sqlite3_step(s->st[S_COMMIT]);
	if (s->wal_fd >= 0) {
		(void)fdatasync(s->wal_fd);
		close(s->wal_fd);
	}
	for (int i = 0; i < S_ALL; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	free(s);
}

/* Run a statement that returns no rows; reset it for the next use. */
static int
step_done(struct sqlite_be *s, sqlite3_stmt *st)
{
	int r = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (r == SQLITE_DONE)
		return 0;
	log_warnx("store: %s: %s", sqlite3_sql(st), sqlite3_errmsg(s->db));
	snprintf(s->error, sizeof(s->error), "%s", sqlite3_errmsg(s->db));
	return -1;
}

static int
sqlite_begin(void *arg)
{
	struct sqlite_be *s = arg;

	return step_done(s, s->st[S_BEGIN]);
}

static int
sqlite_commit(void *arg)
{
	struct sqlite_be *s = arg;

	return step_done(s, s->st[S_COMMIT]);
}

static void
sqlite_rollback(void *arg)
{
	struct sqlite_be *s = arg;
	char why[sizeof(s->error)];

	/* the failure's reason, not the rollback's */
	memcpy(why, s->error, sizeof(why));
	(void)step_done(s, s->st[S_ROLLBACK]);
	memcpy(s->error, why, sizeof(why));
}

static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sqlite_be *s = arg;

	s->wal_frames = frames;
	return SQLITE_OK;
}

/* The checkpointer's comment says why. */
static void
wal_restart(struct sqlite_be *s)
{
	struct checkpointer *ck = &s->ck;
	bool tail;

	if (s->wal_frames < WAL_RESTART_FRAMES || !ck->running)
		return;
	pthread_mutex_lock(&ck->mu);
	/* copied > wal_frames: it counts in the WAL before a restart */
	tail = ck->copied <= s->wal_frames &&
	    s->wal_frames - ck->copied <= WAL_TAIL_FRAMES;
	if (!tail) {
		ck->kick = true;
		pthread_cond_signal(&ck->cv);
	}
	pthread_mutex_unlock(&ck->mu);
	if (!tail)
		return;
	/* SQLITE_BUSY (the thread's own checkpoint): the next sync */
	if (sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL) == SQLITE_OK) {
		pthread_mutex_lock(&ck->mu);
		ck->copied = 0;
		pthread_mutex_unlock(&ck->mu);
	}
}

static int
sqlite_sync(void *arg)
{
	struct sqlite_be *s = arg;

	if (fdatasync(s->wal_fd) == -1) {
		snprintf(s->error, sizeof(s->error), "fdatasync: %s",
		    strerror(errno));
		return -1;
	}
	wal_restart(s);
	return 0;
}

static void
bind_all(sqlite3_stmt *st, const struct store_val *v, int n)
{
	for (int i = 0; i < n; i++)
		switch (v[i].type) {
		case SV_NULL:
			sqlite3_bind_null(st, i + 1);
			break;
		case SV_INT:
			sqlite3_bind_int64(st, i + 1, v[i].i);
			break;
		case SV_TEXT:
			sqlite3_bind_text(st, i + 1, v[i].p, (int)v[i].len,
			    SQLITE_STATIC);
			break;
		case SV_BLOB:
			sqlite3_bind_blob64(st, i + 1, v[i].p,
			    (sqlite3_uint64)v[i].len, SQLITE_STATIC);
			break;
		}
}

/*
 * A placement's row is put again when the upstream accepts it (its state)
 * and at each refresh: the upsert's update sets its key to the
 * mitigation, an indexed foreign key, so SQLite checks the parent and
 * rewrites the index entry each time (the costliest statement of a
 * relayed request). A plain update of state and lifetime does, when the
 * row is there with the same mitigation; else the upsert. An upstream's
 * next mid (once per placement) likewise.
 */
static int
sqlite_exec(void *arg, enum store_stmt i, const struct store_val *v, int n)
{
	struct sqlite_be *s = arg;
	int up = i == S_PL_PUT && n == 6 ? S_PL_STATE :
	    i == S_MID_PUT && n == 2 ? S_MID_SET : -1;

	if (up != -1) {
		bind_all(s->st[up], v, n);
		if (step_done(s, s->st[up]) == -1)
			return -1;
		if (sqlite3_changes(s->db) == 1)
			return 0;
	}
	bind_all(s->st[i], v, n);
	return step_done(s, s->st[i]);
}

static int
sqlite_query(void *arg, enum store_stmt i, const struct store_val *v, int n,
    store_row_fn row, void *rarg)
{
	struct sqlite_be *s = arg;
	sqlite3_stmt *st = s->st[i];
	struct store_val c[STORE_MAX_COLS];
	int nc, r, stop = 0;

	bind_all(st, v, n);
	nc = sqlite3_column_count(st);
	if (nc > STORE_MAX_COLS)
		nc = STORE_MAX_COLS;
	while (stop == 0 && (r = sqlite3_step(st)) == SQLITE_ROW) {
		for (int k = 0; k < nc; k++) {
			memset(&c[k], 0, sizeof(c[k]));
			switch (sqlite3_column_type(st, k)) {
			case SQLITE_INTEGER:
				c[k].type = SV_INT;
				c[k].i = sqlite3_column_int64(st, k);
				break;
			case SQLITE_TEXT:
				c[k].type = SV_TEXT;
				c[k].p = sqlite3_column_text(st, k);
				c[k].len = (size_t)sqlite3_column_bytes(st, k);
				break;
			case SQLITE_BLOB:
				c[k].type = SV_BLOB;
				c[k].p = sqlite3_column_blob(st, k);
				c[k].len = (size_t)sqlite3_column_bytes(st, k);
				if (c[k].p == NULL)
					c[k].p = "";
				break;
			default:
				c[k].type = SV_NULL;
			}
		}
		stop = row(c, nc, rarg);
	}
	if (stop == 0 && r != SQLITE_DONE) {
		log_warnx("store: %s: %s", sqlite3_sql(st),
		    sqlite3_errmsg(s->db));
		snprintf(s->error, sizeof(s->error), "%s",
		    sqlite3_errmsg(s->db));
		stop = -1;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return stop;
}

static const char *
sqlite_error(void *arg)
{
	return ((struct sqlite_be *)arg)->error;
}

const struct store_be_ops store_sqlite_ops = {
	.name = "sqlite",
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.sync = sqlite_sync,
	.batch = true,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.error = sqlite_error,
	.close = sqlite_close,
};
