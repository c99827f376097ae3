#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

#include "common/log.h"
#include "gateway/state/store_be.h"

/*
 * The state store on PostgreSQL: the same tables as store_sqlite.c, one
 * connection, every statement prepared (values only ever travel as
 * parameters). A COMMIT answered by the server is durable
 * (synchronous_commit on, fsync), so there is no sync step: store.c's
 * group commit reduces to one transaction per bracket.
 *
 * The connection blocks: each call waits for the server's answer. The
 * server is expected on a local or nearby host; connect_timeout bounds a
 * connection attempt (CONNECT_TIMEOUT_S unless the conninfo says), and a
 * dead server on a local socket or loopback answers at once (refused).
 *
 * The server gone (restart, crash, network): a statement fails, the
 * request answers 5.03 (store.h), and the next transaction to begin
 * reconnects, no more often than the backoff allows (BACKOFF_MIN_MS
 * doubling to BACKOFF_MAX_MS): writes fail fast meanwhile.
 */

#define SCHEMA_VERSION		2
#define CONNECT_TIMEOUT_S	"2"
/* a server that stops acknowledging (a partition, not a refusal): the
 * blocking call gives up after this, not after TCP's ~15 minutes */
#define TCP_USER_TIMEOUT_MS	"5000"
/* a statement waiting this long stalls every peer: 5.03 instead */
#define STATEMENT_TIMEOUT	"5s"
/*
 * A transaction left open this long (its node stopped or cut off half-way
 * through) holds the cluster lock, and every peer's writes wait behind it:
 * the server ends that session. Far above a lazy write's window (5 ms,
 * gateway/state/persist.c), and below STATEMENT_TIMEOUT, so that a peer's
 * statement waiting for the lock gets it instead of failing.
 */
#define IDLE_IN_TXN_TIMEOUT	"3s"
#define BACKOFF_MIN_MS		50
#define BACKOFF_MAX_MS		1000
/* pg_advisory_xact_lock key of schema changes: "dots" */
#define SCHEMA_LOCK		"1685025907"

#define INT8OID		20
#define TEXTOID		25
#define BYTEAOID	17

/* The schema of each version, from the one before: migrations[v - 1]
 * takes a database from version v - 1 to v. */
static const char *const migrations[SCHEMA_VERSION] = {
	"CREATE TABLE mitigation("
	"  cuid text NOT NULL, mid bigint NOT NULL, peer text NOT NULL,"
	"  cdid text, path_cdid text NOT NULL, scope bytea NOT NULL,"
	"  lifetime bigint NOT NULL, expires bigint NOT NULL,"
	"  start bigint NOT NULL, status bigint NOT NULL,"
	"  trigger_mitigation bigint NOT NULL,"
	"  attack_status bigint NOT NULL, local bigint NOT NULL,"
	"  cdid_up text NOT NULL, hop_limit bigint NOT NULL,"
	"  PRIMARY KEY(cuid, mid));"
	"CREATE TABLE placement("
	"  upstream text NOT NULL, umid bigint NOT NULL,"
	"  cuid text NOT NULL, mid bigint NOT NULL,"
	"  state bigint NOT NULL, lifetime bigint NOT NULL,"
	"  PRIMARY KEY(upstream, umid),"
	"  FOREIGN KEY(cuid, mid) REFERENCES mitigation(cuid, mid)"
	"    ON DELETE CASCADE);"
	"CREATE INDEX placement_mit ON placement(cuid, mid);"
	"CREATE TABLE upstream("
	"  name text PRIMARY KEY, next_mid bigint NOT NULL);"
	"CREATE TABLE sigconfig("
	"  peer text PRIMARY KEY, sid bigint NOT NULL, config bytea NOT NULL);"
	"CREATE TABLE registration("
	"  name text PRIMARY KEY, value bytea NOT NULL);",
	/*
	 * 2: the cluster's (store_pg_cluster.c): which cluster the database
	 * is, node leases, each mitigation's owner node and the change log
	 * other nodes apply. The triggers do nothing outside a cluster
	 * (no dotsgw.node). IF NOT EXISTS: a version 1 database may hold
	 * them already (created at each start before they were versioned).
	 */
	"CREATE TABLE IF NOT EXISTS cluster(name text PRIMARY KEY);"
	"CREATE TABLE IF NOT EXISTS node_lease("
	"  node text PRIMARY KEY, expires timestamptz NOT NULL);"
	"ALTER TABLE mitigation ADD COLUMN IF NOT EXISTS owner text;"
	"CREATE TABLE IF NOT EXISTS mit_change("
	"  seq bigserial PRIMARY KEY, node text NOT NULL,"
	"  cuid text NOT NULL, mid bigint NOT NULL,"
	"  at timestamptz NOT NULL DEFAULT now());"
	"CREATE OR REPLACE FUNCTION dotsgw_mit_owner() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$ BEGIN"
	"  IF NEW.owner IS NULL THEN"
	"    NEW.owner := NULLIF(current_setting('dotsgw.node', true), '');"
	"  END IF; RETURN NEW; END $$;"
	"CREATE OR REPLACE FUNCTION dotsgw_mit_change() RETURNS trigger"
	"  LANGUAGE plpgsql AS $$ DECLARE n text; c text; m bigint; BEGIN"
	"  n := NULLIF(current_setting('dotsgw.node', true), '');"
	"  IF n IS NULL THEN RETURN NULL; END IF;"
	"  IF TG_OP = 'DELETE' THEN c := OLD.cuid; m := OLD.mid;"
	"  ELSE c := NEW.cuid; m := NEW.mid; END IF;"
	"  INSERT INTO mit_change(node, cuid, mid) VALUES(n, c, m);"
	"  PERFORM pg_notify('dotsgw_mit', n || ' ' || c || '/' || m);"
	"  RETURN NULL; END $$;"
	"DROP TRIGGER IF EXISTS mitigation_owner ON mitigation;"
	"CREATE TRIGGER mitigation_owner BEFORE INSERT ON mitigation"
	"  FOR EACH ROW EXECUTE FUNCTION dotsgw_mit_owner();"
	"DROP TRIGGER IF EXISTS mitigation_change ON mitigation;"
	"CREATE TRIGGER mitigation_change AFTER INSERT OR UPDATE OR DELETE"
	"  ON mitigation FOR EACH ROW EXECUTE FUNCTION dotsgw_mit_change();",
};

/* Parameter types, one letter each: T text, I bigint, B bytea. */
static const struct {
	const char	*sql;
	const char	*types;
} stmts[S_COUNT] = {
	/* an upsert: a delete and insert would cascade to the placements */
	[S_MIT_PUT] = { "INSERT INTO mitigation(cuid, mid, peer, cdid, "
	    "path_cdid, scope, lifetime, expires, start, status, "
	    "trigger_mitigation, attack_status, local, cdid_up, hop_limit) "
	    "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
	    "$14, $15) ON CONFLICT(cuid, mid) DO UPDATE SET peer = $3, "
	    "cdid = $4, path_cdid = $5, scope = $6, lifetime = $7, "
	    "expires = $8, start = $9, status = $10, trigger_mitigation = $11, "
	    "attack_status = $12, local = $13, cdid_up = $14, hop_limit = $15",
	    "TITTTBIIIIIIITI" },
	[S_MIT_DEL] = { "DELETE FROM mitigation WHERE cuid = $1 AND mid = $2",
	    "TI" },
	[S_MIT_ALL] = { "SELECT cuid, mid, peer, cdid, path_cdid, scope, "
	    "lifetime, expires, start, status, trigger_mitigation, "
	    "attack_status, local, cdid_up, hop_limit FROM mitigation "
	    "ORDER BY cuid, mid", "" },
	[S_PL_PUT] = { "INSERT INTO placement(upstream, umid, cuid, mid, "
	    "state, lifetime) VALUES($1, $2, $3, $4, $5, $6) "
	    "ON CONFLICT(upstream, umid) DO UPDATE SET cuid = $3, mid = $4, "
	    "state = $5, lifetime = $6", "TITIII" },
	[S_PL_DEL] = { "DELETE FROM placement WHERE upstream = $1 AND "
	    "umid = $2", "TI" },
	[S_PL_ALL] = { "SELECT cuid, mid, upstream, umid, state, lifetime "
	    "FROM placement ORDER BY upstream, umid", "" },
	[S_MID_PUT] = { "INSERT INTO upstream(name, next_mid) VALUES($1, $2) "
	    "ON CONFLICT(name) DO UPDATE SET next_mid = $2", "TI" },
	[S_MID_GET] = { "SELECT next_mid FROM upstream WHERE name = $1", "T" },
	[S_CFG_PUT] = { "INSERT INTO sigconfig(peer, sid, config) "
	    "VALUES($1, $2, $3) ON CONFLICT(peer) DO UPDATE SET sid = $2, "
	    "config = $3", "TIB" },
	[S_CFG_DEL] = { "DELETE FROM sigconfig WHERE peer = $1", "T" },
	[S_CFG_ALL] = { "SELECT peer, sid, config FROM sigconfig "
	    "ORDER BY peer", "" },
	[S_REG_PUT] = { "INSERT INTO registration(name, value) VALUES($1, $2) "
	    "ON CONFLICT(name) DO UPDATE SET value = $2", "TB" },
	[S_REG_DEL] = { "DELETE FROM registration WHERE name = $1", "T" },
	[S_REG_ALL] = { "SELECT name, value FROM registration ORDER BY name",
	    "" },
};

struct pg_be {
	PGconn		*conn;
	bool		 ready;		/* connected, statements prepared */
	bool		 in_txn;
	uint64_t	 next_try_ms;	/* reconnect no sooner */
	unsigned	 backoff_ms;
	char		 error[160];
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* libpq's messages end with a newline (and may span lines). */
static void
set_error(char *buf, size_t len, const char *what, const char *msg)
{
	size_t n;

	snprintf(buf, len, "%s%s%s", what, *what != '\0' ? ": " : "",
	    msg != NULL && *msg != '\0' ? msg : "unknown error");
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	for (char *p = buf; *p != '\0'; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
}

/* A statement without parameters nor rows (or whose rows are ignored). */
static int
pg_simple(PGconn *c, const char *sql, char *err, size_t errlen)
{
	PGresult *r = PQexec(c, sql);
	ExecStatusType st = PQresultStatus(r);
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		set_error(err, errlen, "", PQerrorMessage(c));
		rc = -1;
	}
	PQclear(r);
	return rc;
}

/* The version the database is at: 0 before any, -1 on error. */
static int
schema_version(PGconn *c, char *err, size_t errlen)
{
	PGresult *r;
	int v = -1;

	r = PQexec(c, "SELECT coalesce(max(version), 0) FROM schema_version");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoi(PQgetvalue(r, 0, 0));
	else
		set_error(err, errlen, "schema_version", PQerrorMessage(c));
	PQclear(r);
	return v;
}

/* what: "start" at open, "write" when a reconnection finds it */
static int
newer_schema(int v, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "the database's schema version %d is newer "
	    "than this dotsgwd's (%d): refusing to %s (run a dotsgwd that "
	    "knows version %d, or another database)", v, SCHEMA_VERSION, what,
	    v);
	return -1;
}

/*
 * Create or migrate the schema, once, under a lock: nodes starting
 * together against one database serialise here. A database newer than
 * this binary is refused: its tables may mean what we do not know.
 */
static int
migrate(PGconn *c, char *err, size_t errlen)
{
	char sql[96];
	int v;

	if (pg_simple(c, "BEGIN", err, errlen) == -1)
		return -1;
	if (pg_simple(c, "SELECT pg_advisory_xact_lock(" SCHEMA_LOCK ")",
	    err, errlen) == -1 ||
	    pg_simple(c, "CREATE TABLE IF NOT EXISTS schema_version("
	    "version integer NOT NULL)", err, errlen) == -1 ||
	    (v = schema_version(c, err, errlen)) == -1)
		goto fail;
	if (v > SCHEMA_VERSION) {
		(void)newer_schema(v, "start", err, errlen);
		goto fail;
	}
	if (v < SCHEMA_VERSION) {
		for (int i = v; i < SCHEMA_VERSION; i++)
			if (pg_simple(c, migrations[i], err, errlen) == -1)
				goto fail;
		/* a constant of ours, not a value from outside */
		snprintf(sql, sizeof(sql), "DELETE FROM schema_version; "
		    "INSERT INTO schema_version VALUES(%d)", SCHEMA_VERSION);
		if (pg_simple(c, sql, err, errlen) == -1)
			goto fail;
		log_info("state store: postgresql schema version %d -> %d",
		    v, SCHEMA_VERSION);
	}
	return pg_simple(c, "COMMIT", err, errlen);
fail:
	(void)pg_simple(c, "ROLLBACK", sql, sizeof(sql));	/* err stays */
	return -1;
}

/* SET name TO value, unless the operator chose one (options='-c name=').
 * 0 or -1 with err. */
static int
pg_default(PGconn *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	char sql[96];
	PGresult *r;
	int ok;

	snprintf(sql, sizeof(sql), "SHOW %s", name);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok && strcmp(PQgetvalue(r, 0, 0), "0") == 0) {
		snprintf(sql, sizeof(sql), "SET %s TO '%s'", name, value);
		ok = pg_simple(c, sql, err, errlen) == 0;
	} else if (!ok)
		set_error(err, errlen, name, PQerrorMessage(c));
	PQclear(r);
	return ok ? 0 : -1;
}

/* What each session needs: durable commits and the statements. */
static int
session(PGconn *c, char *err, size_t errlen)
{
	Oid types[STORE_MAX_COLS];
	PGresult *r;
	char name[16];
	int v, ok;

	/* a COMMIT answered is on disk: the guarantee store.h gives; a
	 * server set to "off" would answer before (remote_* are stronger
	 * and stay) */
	r = PQexec(c, "SHOW synchronous_commit");
	ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
	if (ok && strcmp(PQgetvalue(r, 0, 0), "off") == 0)
		ok = pg_simple(c, "SET synchronous_commit TO on", err,
		    errlen) == 0;
	else if (!ok)
		set_error(err, errlen, "synchronous_commit",
		    PQerrorMessage(c));
	PQclear(r);
	if (!ok)
		return -1;
	if (pg_default(c, "statement_timeout", STATEMENT_TIMEOUT, err,
	    errlen) == -1 || pg_default(c, "idle_in_transaction_session_timeout",
	    IDLE_IN_TXN_TIMEOUT, err, errlen) == -1)
		return -1;
	r = PQexec(c, "SHOW fsync");
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
	    strcmp(PQgetvalue(r, 0, 0), "off") == 0)
		log_warnx("state store: the postgresql server runs with "
		    "fsync off: a commit may not survive its crash");
	PQclear(r);
	/* another node may have moved the schema on since */
	if ((v = schema_version(c, err, errlen)) == -1)
		return -1;
	if (v > SCHEMA_VERSION)
		return newer_schema(v, "write", err, errlen);
	for (int i = 0; i < S_COUNT; i++) {
		int n = (int)strlen(stmts[i].types);

		for (int k = 0; k < n; k++)
			types[k] = stmts[i].types[k] == 'I' ? INT8OID :
			    stmts[i].types[k] == 'B' ? BYTEAOID : TEXTOID;
		snprintf(name, sizeof(name), "s%d", i);
		r = PQprepare(c, name, stmts[i].sql, n, types);
		ok = PQresultStatus(r) == PGRES_COMMAND_OK;
		if (!ok)
			set_error(err, errlen, "prepare", PQerrorMessage(c));
		PQclear(r);
		if (!ok)
			return -1;
	}
	return 0;
}

/* The server's NOTICEs ("relation already exists, skipping") are not
 * ours to print on stderr; its errors come back with each result. */
static void
pg_notice(void *arg, const char *msg)
{
}

/* The conninfo's own timeouts win over ours (later keywords
 * override earlier ones). The notice processor stays over PQreset. */
static PGconn *
pg_connect(const char *conninfo)
{
	const char *const keys[] = { "connect_timeout", "tcp_user_timeout",
	    "dbname", NULL };
	const char *const vals[] = { CONNECT_TIMEOUT_S, TCP_USER_TIMEOUT_MS,
	    conninfo, NULL };
	PGconn *c;

	if ((c = PQconnectdbParams(keys, vals, 1)) != NULL)
		(void)PQsetNoticeProcessor(c, pg_notice, NULL);
	return c;
}

static void pg_close(void *);

void *
store_pg_open(const char *conninfo, char *err, size_t errlen)
{
	struct pg_be *s;
	char *perr = NULL;
	PQconninfoOption *opts;

	/* a syntax error says so, not "cannot connect" */
	if ((opts = PQconninfoParse(conninfo, &perr)) == NULL) {
		set_error(err, errlen, "postgresql: conninfo",
		    perr != NULL ? perr : "out of memory");
		PQfreemem(perr);
		return NULL;
	}
	PQconninfoFree(opts);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->backoff_ms = BACKOFF_MIN_MS;
	if ((s->conn = pg_connect(conninfo)) == NULL) {
		snprintf(err, errlen, "postgresql: out of memory");
		goto fail;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		set_error(err, errlen, "postgresql: cannot connect",
		    PQerrorMessage(s->conn));
		goto fail;
	}
	if (migrate(s->conn, err, errlen) == -1 ||
	    session(s->conn, err, errlen) == -1) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err);
		snprintf(err, errlen, "postgresql: %s", why);
		goto fail;
	}
	s->ready = true;
	return s;
fail:
	pg_close(s);
	return NULL;
}

static void
pg_close(void *arg)
{
	struct pg_be *s = arg;
	char err[160];

	if (s == NULL)
		return;
	/* an open transaction holds lazy writes: keep them */
	if (s->ready && s->in_txn &&
	    pg_simple(s->conn, "COMMIT", err, sizeof(err)) == -1)
		log_warnx("state store: postgresql: %s", err);
	PQfinish(s->conn);	/* NULL: a no-op */
	free(s);
}

void *
store_pg_conn(void *arg)
{
	struct pg_be *s = arg;

	return s->ready ? s->conn : NULL;
}

/* The connection is gone: reconnect now, if the backoff allows. */
static int
pg_reconnect(struct pg_be *s)
{
	uint64_t now = now_ms();

	if (now < s->next_try_ms) {
		snprintf(s->error, sizeof(s->error), "postgresql unreachable "
		    "(next attempt in %" PRIu64 " ms)", s->next_try_ms - now);
		return -1;
	}
	PQreset(s->conn);
	if (PQstatus(s->conn) == CONNECTION_OK &&
	    session(s->conn, s->error, sizeof(s->error)) == 0) {
		log_info("state store: postgresql connection restored");
		s->ready = true;
		s->backoff_ms = BACKOFF_MIN_MS;
		s->next_try_ms = 0;
		return 0;
	}
	if (PQstatus(s->conn) != CONNECTION_OK)
		set_error(s->error, sizeof(s->error), "postgresql unreachable",
		    PQerrorMessage(s->conn));
	log_warnx("state store: %s (next attempt in %u ms)", s->error,
	    s->backoff_ms);
	s->next_try_ms = now_ms() + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS :
	    s->backoff_ms * 2;
	return -1;
}

/* After a failed call: a dead connection is reconnected at the next
 * begin. */
static void
pg_check_conn(struct pg_be *s)
{
	if (s->ready && PQstatus(s->conn) != CONNECTION_OK) {
		log_warnx("state store: postgresql connection lost: %s",
		    s->error);
		s->ready = false;
		s->in_txn = false;
	}
}

static int
pg_begin(void *arg)
{
	struct pg_be *s = arg;
	bool fresh = false;

	if (!s->ready) {
		if (pg_reconnect(s) == -1)
			return -1;
		fresh = true;
	}
	if (pg_simple(s->conn, "BEGIN", s->error, sizeof(s->error)) == 0) {
		s->in_txn = true;
		return 0;
	}
	pg_check_conn(s);
	/* the server came back since the last call: one more try at once */
	if (!fresh && !s->ready && pg_reconnect(s) == 0 &&
	    pg_simple(s->conn, "BEGIN", s->error, sizeof(s->error)) == 0) {
		s->in_txn = true;
		return 0;
	}
	pg_check_conn(s);
	return -1;
}

static int
pg_commit(void *arg)
{
	struct pg_be *s = arg;
	PGresult *r;
	int rc = -1;

	if (!s->ready) {
		snprintf(s->error, sizeof(s->error), "postgresql connection "
		    "lost");
		return -1;
	}
	r = PQexec(s->conn, "COMMIT");
	/* COMMIT of a failed transaction answers OK, saying ROLLBACK */
	if (PQresultStatus(r) == PGRES_COMMAND_OK &&
	    strcmp(PQcmdStatus(r), "COMMIT") == 0)
		rc = 0;
	else if (PQresultStatus(r) == PGRES_COMMAND_OK)
		snprintf(s->error, sizeof(s->error), "the transaction was "
		    "rolled back");
	else
		set_error(s->error, sizeof(s->error), "commit",
		    PQerrorMessage(s->conn));
	PQclear(r);
	if (rc == 0)
		s->in_txn = false;
	else
		pg_check_conn(s);
	return rc;
}

static void
pg_rollback(void *arg)
{
	struct pg_be *s = arg;
	char err[160];

	if (s->ready && s->in_txn &&
	    pg_simple(s->conn, "ROLLBACK", err, sizeof(err)) == -1)
		pg_check_conn(s);
	s->in_txn = false;
}

/* Text parameters (numbers in decimal), bytea in binary; results in
 * binary. */
static PGresult *
pg_run(struct pg_be *s, enum store_stmt i, const struct store_val *v, int n)
{
	const char *vals[STORE_MAX_COLS];
	int lens[STORE_MAX_COLS], fmts[STORE_MAX_COLS];
	char num[STORE_MAX_COLS][24], name[16];

	if (n > STORE_MAX_COLS)
		return NULL;
	for (int k = 0; k < n; k++) {
		lens[k] = 0;
		fmts[k] = 0;
		switch (v[k].type) {
		case SV_NULL:
			vals[k] = NULL;
			break;
		case SV_INT:
			snprintf(num[k], sizeof(num[k]), "%" PRId64, v[k].i);
			vals[k] = num[k];
			break;
		case SV_TEXT:
			vals[k] = v[k].p;
			break;
		case SV_BLOB:
			vals[k] = v[k].p;
			lens[k] = (int)v[k].len;
			fmts[k] = 1;
			break;
		}
	}
	snprintf(name, sizeof(name), "s%d", (int)i);
	return PQexecPrepared(s->conn, name, n, vals, lens, fmts, 1);
}

static int
pg_exec(void *arg, enum store_stmt i, const struct store_val *v, int n)
{
	struct pg_be *s = arg;
	PGresult *r;
	int rc = 0;

	if (!s->ready) {
		snprintf(s->error, sizeof(s->error), "postgresql connection "
		    "lost");
		return -1;
	}
	r = pg_run(s, i, v, n);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		set_error(s->error, sizeof(s->error), "", PQerrorMessage(
		    s->conn));
		log_warnx("store: %s: %s", stmts[i].sql, s->error);
		rc = -1;
	}
	PQclear(r);
	if (rc == -1)
		pg_check_conn(s);
	return rc;
}

static uint64_t
be64(const char *p)
{
	uint64_t v = 0;

	for (int k = 0; k < 8; k++)
		v = v << 8 | (uint8_t)p[k];
	return v;
}

static int
pg_query(void *arg, enum store_stmt i, const struct store_val *v, int n,
    store_row_fn row, void *rarg)
{
	struct pg_be *s = arg;
	struct store_val c[STORE_MAX_COLS];
	PGresult *r;
	int nc, stop = 0;

	if (!s->ready && pg_reconnect(s) == -1)
		return -1;
	r = pg_run(s, i, v, n);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		set_error(s->error, sizeof(s->error), "", PQerrorMessage(
		    s->conn));
		log_warnx("store: %s: %s", stmts[i].sql, s->error);
		PQclear(r);
		pg_check_conn(s);
		return -1;
	}
	nc = PQnfields(r);
	if (nc > STORE_MAX_COLS)
		nc = STORE_MAX_COLS;
	for (int t = 0; stop == 0 && t < PQntuples(r); t++) {
		for (int k = 0; k < nc; k++) {
			const char *p = PQgetvalue(r, t, k);
			int len = PQgetlength(r, t, k);

			memset(&c[k], 0, sizeof(c[k]));
			if (PQgetisnull(r, t, k))
				c[k].type = SV_NULL;
			else if (PQftype(r, k) == INT8OID && len == 8) {
				c[k].type = SV_INT;
				c[k].i = (int64_t)be64(p);
			} else {
				/* PQgetvalue ends every value with a NUL */
				c[k].type = PQftype(r, k) == BYTEAOID ?
				    SV_BLOB : SV_TEXT;
				c[k].p = p;
				c[k].len = (size_t)len;
			}
		}
		stop = row(c, nc, rarg);
	}
	PQclear(r);
	return stop;
}

static const char *
pg_error(void *arg)
{
	return ((struct pg_be *)arg)->error;
}

const struct store_be_ops store_pg_ops = {
	.name = "postgresql",
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.sync = NULL,		/* a commit is durable */
	.exec = pg_exec,
	.query = pg_query,
	.error = pg_error,
	.close = pg_close,
};
