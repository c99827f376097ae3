/*
 * gateway/state/store_pg.c through store.h against a real PostgreSQL:
 * the server named by DOTSGW_TEST_PG (a libpq conninfo), whose database
 * it empties first. tests/integration/store_pg.sh runs it against a
 * throwaway server; without one it says SKIP.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "gateway/state/store.h"
#include "store_checks.h"
#include "unit.h"

static const char *conninfo;
static PGconn *admin;		/* the test's own connection */

static int
sql(const char *q)
{
	PGresult *r = PQexec(admin, q);
	int ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK;

	if (!ok)
		printf("  sql: %s: %s", q, PQerrorMessage(admin));
	PQclear(r);
	return ok ? 0 : -1;
}

/* The first cell of q's one row as a number, or -1. */
static long
value(const char *q)
{
	PGresult *r = PQexec(admin, q);
	long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = strtol(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return v;
}

/* Until value(q) is want, polled every 50 ms for ms at most: 0, or -1. */
static int
wait_value(const char *q, long want, int ms)
{
	for (; ms > 0; ms -= 50) {
		if (value(q) == want)
			return 0;
		usleep(50000);
	}
	return value(q) == want ? 0 : -1;
}

/* How often undo_fn ran, and was freed (each call frees). */
struct undo_count {
	int	 ran, freed;
};

static void
undo_fn(void *arg, bool run)
{
	struct undo_count *c = arg;

	c->ran += run;
	c->freed++;
}

static struct store *
reopen(struct store *s)
{
	char err[512] = "";
	struct store *n;

	store_close(s);
	if ((n = store_open_pg(conninfo, err, sizeof(err))) == NULL)
		printf("  store_open_pg: %s\n", err);
	return n;
}

static struct store_mit
mit(const char *cuid, uint32_t mid)
{
	return mit_of(cuid, mid, -1, true);
}

static int
count_mit(const struct store_mit *m, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	char err[512];
	struct store *s;

	if ((conninfo = getenv("DOTSGW_TEST_PG")) == NULL) {
		printf("SKIP test_gw_store_pg: DOTSGW_TEST_PG not set "
		    "(tests/integration/store_pg.sh runs it against a "
		    "throwaway PostgreSQL)\n");
		return 0;
	}
	admin = PQconnectdb(conninfo);
	if (PQstatus(admin) != CONNECTION_OK) {
		printf("FAIL test_gw_store_pg: %s", PQerrorMessage(admin));
		PQfinish(admin);
		return 1;
	}
	(void)sql("SET client_min_messages TO warning");
	if (sql("DROP TABLE IF EXISTS placement, mitigation, upstream, "
	    "sigconfig, registration, schema_version, cluster, node_lease, "
	    "mit_change") == -1)
		return 1;

	TEST("store_pg: creates its schema, version 2 (the cluster's "
	    "tables, owner column and triggers included)") {
		PGresult *r;

		s = store_open_pg(conninfo, err, sizeof(err));
		CHECK(s != NULL);
		CHECK_STR(store_backend(s), "postgresql");
		r = PQexec(admin, "SELECT version FROM schema_version");
		CHECK(PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0),
		    "2") == 0);
		PQclear(r);
		r = PQexec(admin, "SELECT count(*) FROM pg_trigger WHERE "
		    "tgname IN ('mitigation_owner', 'mitigation_change') "
		    "AND to_regclass('node_lease') IS NOT NULL AND "
		    "to_regclass('mit_change') IS NOT NULL AND "
		    "to_regclass('cluster') IS NOT NULL");
		CHECK(PQntuples(r) == 1 && strcmp(PQgetvalue(r, 0, 0),
		    "2") == 0);
		PQclear(r);
	}

	TEST("store_pg: a mitigation survives close and reopen, every "
	    "field") {
		struct store_mit m = mit("cuidA", 4294967295u);
		struct seen v = { 0 };

		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_synced(s) == store_committed(s));
		s = reopen(s);
		CHECK(s != NULL);
		CHECK(store_mit_foreach(s, see_mit, &v) == 0);
		CHECK(v.n == 1);
		CHECK_STR(v.cuid, "cuidA");
		CHECK(v.mid == 4294967295u && v.status == 2);
		CHECK(v.lifetime == -1 && v.expires == 1800000000);
		CHECK(v.start == 1700000000 && v.trigger == -1);
		CHECK(v.hop_limit == 16 && v.local);
		CHECK(v.scope_ok && v.cdid_null);
		CHECK_STR(v.cdid_up, "cd1");
	}

	TEST("store_pg: upsert keeps placements, delete cascades, a "
	    "placement needs its mitigation") {
		struct store_mit m = mit("cuidB", 1);
		struct store_pl p = { "cuidB", 1, "gw-b", 17, 1, 600 };
		struct store_pl bad = { "nobody", 9, "gw-b", 31, 1, 600 };
		int n = 0;

		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put(s, &p) == 0);
		m.status = 5;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0 && n == 1);
		CHECK(store_pl_put(s, &bad) == -1);
		CHECK(strstr(store_error(s), "foreign key") != NULL);
		CHECK(store_mit_del(s, "cuidB", 1) == 0);
		n = 0;
		CHECK(store_pl_foreach(s, count_pl, &n) == 0 && n == 0);
	}

	TEST("store_pg: one transaction per bracket; a failed write rolls "
	    "it all back, and runs the undos given inside it") {
		struct store_mit m = mit("cuidC", 1);
		struct store_pl bad = { "nobody", 9, "gw-b", 32, 1, 600 };
		struct store_stats a, b;
		struct undo_count undos = { 0, 0 };
		int n = 0;

		store_stats(s, &a);
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_put(s, &m) == 0);
		m.mid = 2;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_end(s) == 0);
		store_stats(s, &b);
		CHECK(b.commits == a.commits + 1 && b.syncs == a.syncs);
		/* an undo given inside a bracket: freed at its commit, run
		 * (at store_undo_lost()) when it fails */
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_on_undo(s, undo_fn, &undos) == 0);
		CHECK(undos.freed == 0);
		CHECK(store_end(s) == 0);
		CHECK(undos.freed == 1 && undos.ran == 0);
		CHECK(store_begin(s) == 0);
		m.mid = 3;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_on_undo(s, undo_fn, &undos) == 0);
		CHECK(store_pl_put(s, &bad) == -1);
		CHECK(store_end(s) == -1);
		CHECK(undos.freed == 1 && undos.ran == 0);
		store_undo_lost(s);
		CHECK(undos.freed == 2 && undos.ran == 1);
		CHECK(store_mit_foreach(s, count_mit, &n) == 0);
		CHECK(n == 3);	/* cuidA, cuidC 1 and 2; not 3 */
		/* the connection is fine after it */
		CHECK(store_mit_del(s, "cuidC", 2) == 0);
	}

	TEST("store_pg: a lazy write waits for the next commit; a failed "
	    "one rolls back what waited") {
		struct store_mit m = mit("cuidL", 1);
		struct store_pl p = { "cuidL", 1, "gw-b", 50, 2, 600 };
		struct store_pl bad = { "nobody", 9, "gw-b", 61, 2, 600 };
		int n = 0;

		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(store_pending(s));
		CHECK(store_begin(s) == 0);
		CHECK(store_next_mid_put(s, "gw-b", 51) == 0);
		CHECK(store_end(s) == 0);
		CHECK(!store_pending(s));
		p.umid = 52;
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(store_pl_put_lazy(s, &bad) == -1);
		CHECK(!store_pending(s));
		s = reopen(s);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 1);
		CHECK(store_mit_del(s, "cuidL", 1) == 0);
	}

	TEST("store_pg: next mid, signal configuration, registrations") {
		const uint8_t cfg[] = { 0xa1, 0x18, 0x1e, 0xa0 };
		const uint8_t a[] = { 0x82, 0x01 };
		struct seen v = { 0 };
		uint32_t next = 0;

		CHECK(store_next_mid_get(s, "gw-x", &next) == 1);
		CHECK(store_next_mid_put(s, "gw-b", 4000000000u) == 0);
		CHECK(store_sigcfg_put(s, "customer1", 8, cfg,
		    sizeof(cfg)) == 0);
		CHECK(store_reg_put(s, "orch/gw-x", a, sizeof(a)) == 0);
		CHECK(store_reg_put(s, "orch/gw-y", NULL, 0) == 0);
		s = reopen(s);
		CHECK(store_next_mid_get(s, "gw-b", &next) == 0);
		CHECK(next == 4000000000u);
		CHECK(store_sigcfg_foreach(s, see_cfg, &v) == 0);
		CHECK(v.n == 1 && v.mid == 8 && v.len == sizeof(cfg));
		v.n = 0;
		CHECK(store_reg_foreach(s, see_reg, &v) == 0);
		CHECK(v.n == 2 && v.len == 0);	/* the empty one last */
		CHECK_STR(v.cuid, "orch/gw-y");
		CHECK(store_reg_del(s, "orch/gw-y") == 0);
		CHECK(store_sigcfg_del(s, "customer1") == 0);
	}

	TEST("store_pg: a lost connection is reconnected at the next "
	    "write") {
		struct store_mit m = mit("cuidR", 1);
		int n = 0;

		CHECK(sql("SELECT pg_terminate_backend(pid) FROM "
		    "pg_stat_activity WHERE pid <> pg_backend_pid() AND "
		    "backend_type = 'client backend'") == 0);
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_mit_foreach(s, count_mit, &n) == 0 && n == 3);
		CHECK(store_mit_del(s, "cuidR", 1) == 0);
	}

	TEST("store_pg: a write blocked in the server fails after the "
	    "statement timeout, and the store goes on") {
		struct store_mit m = mit("cuidT", 1);
		int n = 0;

		CHECK(sql("BEGIN") == 0);
		CHECK(sql("LOCK TABLE mitigation IN ACCESS EXCLUSIVE MODE") ==
		    0);
		CHECK(store_mit_put(s, &m) == -1);
		CHECK(strstr(store_error(s), "statement timeout") != NULL);
		CHECK(sql("ROLLBACK") == 0);
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_mit_foreach(s, count_mit, &n) == 0 && n == 3);
		CHECK(store_mit_del(s, "cuidT", 1) == 0);
	}

	TEST("store_pg: a transaction left open is ended by the server "
	    "(idle_in_transaction_session_timeout), what waited in it is "
	    "rolled back, and the store reconnects") {
		static const char idle[] = "SELECT count(*) FROM "
		    "pg_stat_activity WHERE state = 'idle in transaction' AND "
		    "pid <> pg_backend_pid()";
		static const char placed[] = "SELECT count(*) FROM placement "
		    "WHERE cuid = 'cuidI'";
		struct store_mit m = mit("cuidI", 1);
		struct store_pl p = { "cuidI", 1, "gw-b", 70, 2, 600 };
		int tries = 0;

		/* a lazy write opens the transaction it waits in: a node
		 * stopped then holds it, and in a cluster the cluster lock
		 * with it, against every peer (store_pg.c) */
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(wait_value(idle, 1, 2000) == 0);
		CHECK(wait_value(idle, 0, 10000) == 0);
		CHECK(store_flush(s) == -1);
		CHECK(value(placed) == 0);
		while (store_pl_put(s, &p) == -1 && ++tries < 40)
			usleep(100000);
		CHECK(tries < 40);
		CHECK(value(placed) == 1);
		CHECK(store_mit_del(s, "cuidI", 1) == 0);
	}

	TEST("store_pg: a newer schema is refused, naming both versions") {
		store_close(s);
		s = NULL;
		CHECK(sql("UPDATE schema_version SET version = 99") == 0);
		err[0] = '\0';
		s = store_open_pg(conninfo, err, sizeof(err));
		CHECK(s == NULL);
		CHECK(strstr(err, "schema version 99 is newer than this "
		    "dotsgwd's (2)") != NULL);
		CHECK(sql("UPDATE schema_version SET version = 2") == 0);
	}

	TEST("store_pg: a bad conninfo or no server is an error, not a "
	    "crash") {
		s = store_open_pg("host=127.0.0.1 port=1 connect_timeout=2",
		    err, sizeof(err));
		CHECK(s == NULL && strstr(err, "cannot connect") != NULL);
		s = store_open_pg("nokey", err, sizeof(err));
		CHECK(s == NULL && strstr(err, "conninfo") != NULL);
	}

	(void)sql("DROP TABLE IF EXISTS placement, mitigation, upstream, "
	    "sigconfig, registration, schema_version, cluster, node_lease, "
	    "mit_change");
	PQfinish(admin);
	return UNIT_EXIT();
}
