#include <endian.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "common/log.h"
#include "gateway/state/store.h"
#include "gateway/state/store_be.h"
#include "gateway/state/store_pg_cluster.h"

/*
 * The cluster's statements (store_pg_cluster.h; its objects are schema
 * version 2 of store_pg.c). Statements
 * run on the store's connection inside its transactions (store_native());
 * only the listener has a connection of its own. Values travel as
 * parameters, results come back in binary.
 */

#define CHANGES_BATCH	1000

struct pgc {
	struct store	*store;
	PGconn		*listen;	/* LISTEN, and node-id's lock */
	bool		 listening;
	char		*conninfo;
	char		*cluster;
	char		*node;
};

static void
set_err(char *err, size_t len, const char *what, const char *msg)
{
	size_t n;

	snprintf(err, len, "%s: %s", what, msg != NULL ? msg : "?");
	n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	for (char *p = err; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
}

static PGconn *
store_conn(struct pgc *c)
{
	return store_pg_conn(store_native(c->store));
}

/* Text parameters, binary results. NULL when conn is NULL. */
static PGresult *
run(PGconn *conn, const char *sql, int n, const char *const *vals)
{
	if (conn == NULL)
		return NULL;
	return PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 1);
}

static bool
ok(PGresult *r, ExecStatusType want, PGconn *conn, const char *what,
    char *err, size_t len)
{
	if (r != NULL && PQresultStatus(r) == want)
		return true;
	set_err(err, len, what, conn == NULL ? "postgresql unreachable" :
	    PQerrorMessage(conn));
	PQclear(r);
	return false;
}

static int64_t
col_int(const PGresult *r, int row, int col)
{
	uint64_t v;

	if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
		return 0;
	memcpy(&v, PQgetvalue(r, row, col), 8);
	return (int64_t)be64toh(v);
}

static const char *
col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? NULL : PQgetvalue(r, row, col);
}

static PGconn *
connect_db(const char *conninfo)
{
	const char *const keys[] = { "connect_timeout", "dbname", NULL };
	const char *const vals[] = { "2", conninfo, NULL };

	return PQconnectdbParams(keys, vals, 1);
}

static int
listen_start(struct pgc *c, char *err, size_t errlen)
{
	const char *v[1] = { c->node };
	PGresult *r;

	if (c->listen == NULL)
		c->listen = connect_db(c->conninfo);
	else
		PQreset(c->listen);
	if (c->listen == NULL || PQstatus(c->listen) != CONNECTION_OK) {
		set_err(err, errlen, "postgresql: cannot connect",
		    c->listen != NULL ? PQerrorMessage(c->listen) : "no memory");
		return -1;
	}
	r = run(c->listen, "SELECT pg_try_advisory_lock(hashtext('dotsgw.node.'"
	    " || $1))", 1, v);
	if (!ok(r, PGRES_TUPLES_OK, c->listen, "node lock", err, errlen))
		return -1;
	if (PQntuples(r) != 1 || PQgetlength(r, 0, 0) != 1 ||
	    PQgetvalue(r, 0, 0)[0] == 0) {
		PQclear(r);
		snprintf(err, errlen, "cluster %s: node-id %s is already "
		    "running on this database", c->cluster, c->node);
		return -1;
	}
	PQclear(r);
	r = PQexec(c->listen, "LISTEN dotsgw_mit");
	if (!ok(r, PGRES_COMMAND_OK, c->listen, "LISTEN", err, errlen))
		return -1;
	PQclear(r);
	if (PQsetnonblocking(c->listen, 1) == -1) {
		snprintf(err, errlen, "LISTEN: cannot go non-blocking");
		return -1;
	}
	c->listening = true;
	return 0;
}

/* The cluster's name, unowned rows claimed, in one transaction. */
static int
setup(struct pgc *c, char *err, size_t errlen)
{
	PGconn *conn = store_conn(c);
	const char *v[1] = { c->cluster };
	const char *vn[1] = { c->node };
	const char *other;
	PGresult *r;

	if (conn == NULL) {
		snprintf(err, errlen, "postgresql unreachable");
		return -1;
	}
	r = PQexec(conn, "BEGIN");
	if (!ok(r, PGRES_COMMAND_OK, conn, "BEGIN", err, errlen))
		return -1;
	PQclear(r);
	r = run(conn, "INSERT INTO cluster(name) SELECT $1 WHERE NOT EXISTS "
	    "(SELECT 1 FROM cluster)", 1, v);
	if (!ok(r, PGRES_COMMAND_OK, conn, "cluster", err, errlen))
		goto fail;
	PQclear(r);
	r = run(conn, "SELECT name FROM cluster WHERE name <> $1", 1, v);
	if (!ok(r, PGRES_TUPLES_OK, conn, "cluster", err, errlen))
		goto fail;
	if (PQntuples(r) > 0) {
		other = col_text(r, 0, 0);
		snprintf(err, errlen, "the database belongs to cluster %s, "
		    "not %s", other != NULL ? other : "?", c->cluster);
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	/* a database a single node used before: its rows are ours */
	r = run(conn, "UPDATE mitigation SET owner = $1 WHERE owner IS NULL",
	    1, vn);
	if (!ok(r, PGRES_COMMAND_OK, conn, "owner", err, errlen))
		goto fail;
	PQclear(r);
	r = PQexec(conn, "COMMIT");
	if (!ok(r, PGRES_COMMAND_OK, conn, "COMMIT", err, errlen))
		return -1;
	PQclear(r);
	return 0;
fail:
	PQclear(PQexec(conn, "ROLLBACK"));
	return -1;
}

struct pgc *
pgc_open(struct store *store, const char *conninfo, const char *cluster,
    const char *node, char *err, size_t errlen)
{
	struct pgc *c;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->conninfo = strdup(conninfo)) == NULL ||
	    (c->cluster = strdup(cluster)) == NULL ||
	    (c->node = strdup(node)) == NULL) {
		snprintf(err, errlen, "out of memory");
		pgc_close(c);
		return NULL;
	}
	c->store = store;
	if (setup(c, err, errlen) == -1 || listen_start(c, err, errlen) == -1) {
		pgc_close(c);
		return NULL;
	}
	return c;
}

void
pgc_close(struct pgc *c)
{
	if (c == NULL)
		return;
	if (c->listen != NULL)
		PQfinish(c->listen);
	free(c->conninfo);
	free(c->cluster);
	free(c->node);
	free(c);
}

int
pgc_fd(const struct pgc *c)
{
	return c->listening ? PQsocket(c->listen) : -1;
}

int
pgc_drain(struct pgc *c)
{
	PGnotify *n;
	int count = 0;

	if (!c->listening)
		return -1;
	if (PQconsumeInput(c->listen) == 0 ||
	    PQstatus(c->listen) != CONNECTION_OK) {
		log_warnx("cluster %s: the listening connection is lost: %s",
		    c->cluster, PQerrorMessage(c->listen));
		c->listening = false;
		return -1;
	}
	/* "node cuid/mid": our own commits are no news */
	while ((n = PQnotifies(c->listen)) != NULL) {
		size_t l = strlen(c->node);

		if (strncmp(n->extra, c->node, l) != 0 || n->extra[l] != ' ')
			count++;
		PQfreemem(n);
	}
	return count;
}

int
pgc_relisten(struct pgc *c, char *err, size_t errlen)
{
	if (c->listening)
		return 0;
	return listen_start(c, err, errlen);
}

int
pgc_lock(struct pgc *c, char *err, size_t errlen)
{
	PGconn *conn = store_conn(c);
	const char *v[2] = { c->cluster, c->node };
	PGresult *r;

	r = run(conn, "SELECT pg_advisory_xact_lock(hashtext('dotsgw.cluster.'"
	    " || $1)), set_config('dotsgw.node', $2, true)", 2, v);
	if (!ok(r, PGRES_TUPLES_OK, conn, "cluster lock", err, errlen))
		return -1;
	PQclear(r);
	return 0;
}

static const char changes_sql[] =
	"SELECT c.seq, c.node, c.cuid, c.mid, m.peer, m.cdid, m.path_cdid,"
	" m.scope, m.lifetime, m.expires, m.start, m.status,"
	" m.trigger_mitigation, m.attack_status, m.local, m.cdid_up,"
	" m.hop_limit FROM mit_change c LEFT JOIN mitigation m"
	" ON m.cuid = c.cuid AND m.mid = c.mid"
	" WHERE c.seq > $1 ORDER BY c.seq LIMIT 1000";

/* Columns 2.. of changes_sql (and of pgc_mit_get's): 0, or -1 (none). */
static int
row_mit(const PGresult *r, int i, struct store_mit *out)
{
	struct store_mit m;

	memset(&m, 0, sizeof(m));
	m.cuid = col_text(r, i, 2);
	m.mid = (uint32_t)col_int(r, i, 3);
	m.peer = col_text(r, i, 4);
	m.cdid = col_text(r, i, 5);
	m.path_cdid = col_text(r, i, 6);
	m.scope = (const uint8_t *)PQgetvalue(r, i, 7);
	m.scope_len = (size_t)PQgetlength(r, i, 7);
	m.lifetime = col_int(r, i, 8);
	m.expires = col_int(r, i, 9);
	m.start = (uint64_t)col_int(r, i, 10);
	m.status = (uint32_t)col_int(r, i, 11);
	m.trigger = (int)col_int(r, i, 12);
	m.attack_status = (uint32_t)col_int(r, i, 13);
	m.local = col_int(r, i, 14) != 0;
	m.cdid_up = col_text(r, i, 15);
	m.hop_limit = (uint32_t)col_int(r, i, 16);
	if (m.peer == NULL || m.cuid == NULL)
		return -1;
	*out = m;
	return 0;
}

static int
change_row(const PGresult *r, int i, const char *self,
    int (*fn)(const char *, uint32_t, const struct store_mit *, void *),
    void *arg)
{
	struct store_mit m;
	const char *node = col_text(r, i, 1), *cuid = col_text(r, i, 2);
	uint32_t mid = (uint32_t)col_int(r, i, 3);

	if (node == NULL || cuid == NULL || strcmp(node, self) == 0)
		return 0;
	if (PQgetisnull(r, i, 4))
		return fn(cuid, mid, NULL, arg);
	if (row_mit(r, i, &m) == -1)
		return 0;
	return fn(cuid, mid, &m, arg);
}

int
pgc_changes(struct pgc *c, uint64_t *seq, int (*fn)(const char *,
    uint32_t, const struct store_mit *, void *), void *arg, char *err,
    size_t errlen)
{
	PGconn *conn = store_conn(c);
	char num[24];
	const char *v[1] = { num };
	PGresult *r;
	int n, rc;

	do {
		snprintf(num, sizeof(num), "%" PRIu64, *seq);
		r = run(conn, changes_sql, 1, v);
		if (!ok(r, PGRES_TUPLES_OK, conn, "changes", err, errlen))
			return -1;
		n = PQntuples(r);
		for (int i = 0; i < n; i++) {
			*seq = (uint64_t)col_int(r, i, 0);
			if ((rc = change_row(r, i, c->node, fn, arg)) != 0) {
				PQclear(r);
				return rc;
			}
		}
		PQclear(r);
	} while (n == CHANGES_BATCH);
	return 0;
}

int
pgc_last_seq(struct pgc *c, uint64_t *seq)
{
	PGconn *conn = store_conn(c);
	PGresult *r = run(conn, "SELECT coalesce(max(seq), 0)::bigint FROM "
	    "mit_change", 0, NULL);
	char err[160];

	if (!ok(r, PGRES_TUPLES_OK, conn, "changes", err, sizeof(err))) {
		log_warnx("cluster %s: %s", c->cluster, err);
		return -1;
	}
	*seq = (uint64_t)col_int(r, 0, 0);
	PQclear(r);
	return 0;
}

int
pgc_next_mids(struct pgc *c, int (*fn)(const char *, uint32_t, void *),
    void *arg)
{
	PGconn *conn = store_conn(c);
	PGresult *r = run(conn, "SELECT name, next_mid FROM upstream", 0,
	    NULL);
	char err[160];

	if (!ok(r, PGRES_TUPLES_OK, conn, "upstream", err, sizeof(err)))
		return -1;
	for (int i = 0; i < PQntuples(r); i++)
		if (col_text(r, i, 0) != NULL)
			(void)fn(col_text(r, i, 0), (uint32_t)col_int(r, i, 1),
			    arg);
	PQclear(r);
	return 0;
}

/* The owner node of the row sql selects by ($1 key, $2 id): 1 with it in
 * buf, 0 when there is none, -1 on error. */
static int
owner_of(struct pgc *c, const char *sql, const char *key, uint32_t id,
    char *buf, size_t len)
{
	PGconn *conn = store_conn(c);
	char num[16], err[160];
	const char *v[2] = { key, num };
	PGresult *r;
	int found = 0;

	snprintf(num, sizeof(num), "%u", id);
	r = run(conn, sql, 2, v);
	if (!ok(r, PGRES_TUPLES_OK, conn, "owner", err, sizeof(err)))
		return -1;
	if (PQntuples(r) == 1 && col_text(r, 0, 0) != NULL) {
		snprintf(buf, len, "%s", col_text(r, 0, 0));
		found = 1;
	}
	PQclear(r);
	return found;
}

int
pgc_owner(struct pgc *c, const char *cuid, uint32_t mid, char *buf,
    size_t len)
{
	return owner_of(c, "SELECT owner FROM mitigation WHERE cuid = $1 AND "
	    "mid = $2", cuid, mid, buf, len);
}

int
pgc_pl_owner(struct pgc *c, const char *upstream, uint32_t umid, char *buf,
    size_t len)
{
	return owner_of(c, "SELECT m.owner FROM placement p JOIN mitigation m "
	    "ON m.cuid = p.cuid AND m.mid = p.mid WHERE p.upstream = $1 AND "
	    "p.umid = $2", upstream, umid, buf, len);
}

int
pgc_prune(struct pgc *c, unsigned seconds)
{
	PGconn *conn = store_conn(c);
	char num[16], err[160];
	const char *v[1] = { num };
	PGresult *r;

	snprintf(num, sizeof(num), "%u", seconds);
	r = run(conn, "DELETE FROM mit_change WHERE at < now() - "
	    "make_interval(secs => $1::int)", 1, v);
	if (!ok(r, PGRES_COMMAND_OK, conn, "prune", err, sizeof(err)))
		return -1;
	PQclear(r);
	return 0;
}

/* ---------------------------------------------------------------- */
/* Leases: the server's clock, never the nodes' */

int
pgc_renew(struct pgc *c, unsigned seconds, bool first)
{
	PGconn *conn = store_conn(c);
	char num[16], err[160];
	const char *v[2] = { c->node, num };
	PGresult *r;
	int n;

	snprintf(num, sizeof(num), "%u", seconds);
	r = run(conn, first ?
	    "INSERT INTO node_lease(node, expires) VALUES($1, now() + "
	    "make_interval(secs => $2::int)) ON CONFLICT(node) DO UPDATE "
	    "SET expires = EXCLUDED.expires" :
	    "UPDATE node_lease SET expires = now() + "
	    "make_interval(secs => $2::int) WHERE node = $1", 2, v);
	if (!ok(r, PGRES_COMMAND_OK, conn, "lease", err, sizeof(err))) {
		log_debug("cluster %s: %s", c->cluster, err);
		return -1;
	}
	n = atoi(PQcmdTuples(r));
	PQclear(r);
	return n > 0 ? 1 : 0;
}

int
pgc_take_expired(struct pgc *c, unsigned margin, int (*fn)(const char *node,
    const char *cuid, uint32_t mid, void *), void *arg)
{
	PGconn *conn = store_conn(c);
	char num[16];
	const char *v[2] = { c->node, num };
	PGresult *r, *m;
	char err[160];
	int rc = 0;

	snprintf(num, sizeof(num), "%u", margin);
	r = run(conn, "DELETE FROM node_lease WHERE expires < now() - "
	    "make_interval(secs => $2::int) AND node <> $1 RETURNING node",
	    2, v);
	if (!ok(r, PGRES_TUPLES_OK, conn, "lease", err, sizeof(err))) {
		log_warnx("cluster %s: %s", c->cluster, err);
		return -1;
	}
	for (int i = 0; i < PQntuples(r) && rc == 0; i++) {
		const char *dead = col_text(r, i, 0);
		const char *vm[2] = { c->node, dead };

		m = run(conn, "UPDATE mitigation SET owner = $1 WHERE "
		    "owner = $2 RETURNING cuid, mid", 2, vm);
		if (!ok(m, PGRES_TUPLES_OK, conn, "take over", err,
		    sizeof(err))) {
			log_warnx("cluster %s: %s", c->cluster, err);
			rc = -1;
			break;
		}
		log_info("cluster %s: node %s's lease expired: taking over "
		    "its %d mitigations", c->cluster, dead, PQntuples(m));
		for (int j = 0; j < PQntuples(m) && rc == 0; j++)
			rc = fn(dead, col_text(m, j, 0),
			    (uint32_t)col_int(m, j, 1), arg);
		PQclear(m);
	}
	PQclear(r);
	return rc;
}

int
pgc_mit_get(struct pgc *c, const char *cuid, uint32_t mid,
    int (*fn)(const struct store_mit *, const struct store_pl *, size_t,
    void *), void *arg)
{
	PGconn *conn = store_conn(c);
	char num[16], err[160];
	const char *v[2] = { cuid, num };
	struct store_pl *pl = NULL;
	PGresult *r, *p;
	struct store_mit m;
	size_t n = 0;
	int rc;

	snprintf(num, sizeof(num), "%u", mid);
	r = run(conn, "SELECT 0::bigint, owner, cuid, mid, peer, cdid, "
	    "path_cdid, scope, lifetime, expires, start, status, "
	    "trigger_mitigation, attack_status, local, cdid_up, hop_limit "
	    "FROM mitigation WHERE cuid = $1 AND mid = $2", 2, v);
	if (!ok(r, PGRES_TUPLES_OK, conn, "mitigation", err, sizeof(err)))
		return -1;
	if (PQntuples(r) != 1) {
		PQclear(r);
		return 0;
	}
	p = run(conn, "SELECT upstream, umid, state, lifetime FROM placement "
	    "WHERE cuid = $1 AND mid = $2", 2, v);
	if (!ok(p, PGRES_TUPLES_OK, conn, "placement", err, sizeof(err))) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(p) > 0 &&
	    (pl = calloc((size_t)PQntuples(p), sizeof(*pl))) == NULL) {
		PQclear(p);
		PQclear(r);
		return -1;
	}
	for (int i = 0; i < PQntuples(p); i++) {
		if (col_text(p, i, 0) == NULL)
			continue;
		pl[n].cuid = cuid;
		pl[n].mid = mid;
		pl[n].upstream = col_text(p, i, 0);
		pl[n].umid = (uint32_t)col_int(p, i, 1);
		pl[n].state = (int)col_int(p, i, 2);
		pl[n].lifetime = col_int(p, i, 3);
		n++;
	}
	memset(&m, 0, sizeof(m));
	rc = row_mit(r, 0, &m) == 0 ? fn(&m, pl, n, arg) : 0;
	free(pl);
	PQclear(p);
	PQclear(r);
	return rc;
}
