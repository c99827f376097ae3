/* gateway/store.c against a real SQLite file in a temp directory. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "gateway/state/store.h"
#include "store_checks.h"
#include "unit.h"

static char dir[] = "/tmp/dotsgw-store.XXXXXX";
static char path[256];

static struct store *
reopen(struct store *s)
{
	char err[256] = "";
	struct store *n;

	store_close(s);
	if ((n = store_open(path, err, sizeof(err))) == NULL)
		printf("  store_open: %s\n", err);
	return n;
}

static struct store_mit
mit(const char *cuid, uint32_t mid)
{
	return mit_of(cuid, mid, 3600, false);
}

/* The row of cuidW, wherever it sorts. */
static int
see_last_w(const struct store_mit *m, void *arg)
{
	struct seen *v = arg;

	if (strcmp(m->cuid, "cuidW") != 0)
		return 0;
	v->n++;
	v->mid = m->mid;
	v->status = m->status;
	snprintf(v->cdid_up, sizeof(v->cdid_up), "%s", m->cdid_up);
	return 0;
}

struct pl_seen {
	int	 n;
	uint32_t mid, state;
	int64_t	 lifetime;
};

static int
see_pl_80(const struct store_pl *p, void *arg)
{
	struct pl_seen *v = arg;

	if (p->umid != 80)
		return 0;
	v->n++;
	v->mid = p->mid;
	v->state = (uint32_t)p->state;
	v->lifetime = p->lifetime;
	return 0;
}

static int
stop_at_first(const struct store_mit *m, void *arg)
{
	(*(int *)arg)++;
	return 7;
}

/* Undo records: the order they ran in, and whether each was freed. */
struct undo_log {
	int	 ran[8], n_ran;
	int	 freed;
	int	 lost_calls;
};

struct undo_rec {
	struct undo_log	*log;
	int		 id;
};

static void
undo_fn(void *arg, bool run)
{
	struct undo_rec *r = arg;

	if (run)
		r->log->ran[r->log->n_ran++] = r->id;
	r->log->freed++;
}

static void
lost_fn(void *arg)
{
	((struct undo_log *)arg)->lost_calls++;
}

/* Rows of the mitigation table as another connection sees them. */
static int
rows_elsewhere(const char *cuid)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM mitigation WHERE "
	    "cuid = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, cuid, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	return n;
}

int
main(void)
{
	char err[256];
	struct store *s;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/dotsgw.db", dir);

	TEST("store: opens in WAL mode") {
		sqlite3 *db;
		sqlite3_stmt *st;

		s = store_open(path, err, sizeof(err));
		CHECK(s != NULL);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st,
		    NULL) == SQLITE_OK);
		CHECK(sqlite3_step(st) == SQLITE_ROW);
		CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
		sqlite3_finalize(st);
		sqlite3_close(db);
	}

	TEST("store: mitigation survives close and reopen") {
		struct store_mit m = mit("cuidA", 5);
		struct seen v = { 0 };

		m.trigger = 0;
		CHECK(store_mit_put(s, &m) == 0);
		s = reopen(s);
		CHECK(s != NULL);
		CHECK(store_mit_foreach(s, see_mit, &v) == 0);
		CHECK(v.n == 1);
		CHECK_STR(v.cuid, "cuidA");
		CHECK(v.mid == 5 && v.status == 2 && v.lifetime == 3600);
		CHECK(v.expires == 1800000000 && v.trigger == 0);
		CHECK(v.scope_ok && v.cdid_null);
		CHECK_STR(v.cdid_up, "cd1");
	}

	TEST("store: put again updates in place, placements stay") {
		struct store_mit m = mit("cuidA", 5);
		struct store_pl p = { "cuidA", 5, "gw-b", 17, 1, 600 };
		struct seen v = { 0 };
		int n = 0;

		CHECK(store_pl_put(s, &p) == 0);
		p.umid = 18;
		p.upstream = "gw-c";
		CHECK(store_pl_put(s, &p) == 0);
		m.lifetime = 60;
		m.status = 5;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_mit_foreach(s, see_mit, &v) == 0);
		CHECK(v.n == 1 && v.lifetime == 60 && v.status == 5);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 2);
	}

	TEST("store: deleting a mitigation deletes its placements") {
		struct store_mit m = mit("cuidB", 1);
		struct store_pl p = { "cuidB", 1, "gw-b", 30, 1, 600 };
		int n = 0;

		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put(s, &p) == 0);
		CHECK(store_mit_del(s, "cuidA", 5) == 0);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 1);
		CHECK(store_pl_del(s, "gw-b", 30) == 0);
		n = 0;
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 0);
	}

	TEST("store: a placement needs its mitigation") {
		struct store_pl p = { "nobody", 9, "gw-b", 31, 1, 600 };
		int n = 0;

		CHECK(store_pl_put(s, &p) == -1);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 0);
	}

	TEST("store: one transaction for a request; a failed write rolls "
	    "it all back") {
		struct store_mit m = mit("cuidC", 1);
		struct store_pl bad = { "nobody", 9, "gw-b", 32, 1, 600 };
		struct store_stats a, b;
		struct seen v = { 0 };

		store_stats(s, &a);
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_put(s, &m) == 0);
		m.mid = 2;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_next_mid_put(s, "gw-b", 40) == 0);
		CHECK(store_end(s) == 0);
		store_stats(s, &b);
		CHECK(b.commits == a.commits + 1);

		CHECK(store_begin(s) == 0);
		m.mid = 3;
		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put(s, &bad) == -1);
		CHECK(store_end(s) == -1);
		CHECK(store_mit_foreach(s, see_mit, &v) == 0);
		CHECK(v.n == 3);	/* cuidB 1, cuidC 1 and 2; not 3 */
	}

	TEST("store: a mitigation put twice in one bracket is written once, "
	    "as put last; before a placement that names it") {
		struct store_mit m = mit("cuidW", 1);
		struct store_pl p = { "cuidW", 1, "gw-b", 70, 1, 600 };
		struct store_stats a, b;
		struct seen v = { 0 };
		char cuid[] = "cuidW";

		m.cuid = cuid;		/* the caller's buffers may change */
		store_stats(s, &a);
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_put(s, &m) == 0);
		m.status = 3;
		m.cdid_up = "cd2";
		CHECK(store_mit_put(s, &m) == 0);
		cuid[0] = 'X';
		CHECK(store_pl_put(s, &p) == 0);
		CHECK(store_end(s) == 0);
		store_stats(s, &b);
		CHECK(b.commits == a.commits + 1);
		CHECK(b.statements == a.statements + 2);
		s = reopen(s);
		CHECK(store_mit_foreach(s, see_last_w, &v) == 0);
		CHECK(v.n == 1 && v.status == 3 && v.mid == 1);
		CHECK_STR(v.cdid_up, "cd2");
		CHECK(store_mit_del(s, "cuidW", 1) == 0);
	}

	TEST("store: a placement put again takes its new state, and its new "
	    "mitigation when that changed") {
		struct store_mit m1 = mit("cuidP", 1), m2 = mit("cuidP", 2);
		struct store_pl p = { "cuidP", 1, "gw-b", 80, 1, 600 };
		struct pl_seen v = { 0 };

		CHECK(store_mit_put(s, &m1) == 0);
		CHECK(store_mit_put(s, &m2) == 0);
		CHECK(store_pl_put(s, &p) == 0);
		p.state = 2;
		p.lifetime = 300;
		CHECK(store_pl_put(s, &p) == 0);
		CHECK(store_pl_foreach(s, see_pl_80, &v) == 0);
		CHECK(v.n == 1 && v.mid == 1 && v.state == 2 &&
		    v.lifetime == 300);
		p.mid = 2;
		CHECK(store_pl_put(s, &p) == 0);
		v.n = 0;
		CHECK(store_pl_foreach(s, see_pl_80, &v) == 0);
		CHECK(v.n == 1 && v.mid == 2 && v.state == 2);
		CHECK(store_mit_del(s, "cuidP", 1) == 0);
		CHECK(store_mit_del(s, "cuidP", 2) == 0);
	}

	TEST("store: foreach stops when the callback says so") {
		int n = 0;

		CHECK(store_mit_foreach(s, stop_at_first, &n) == 7);
		CHECK(n == 1);
	}

	TEST("store: a lazy write waits for the next commit that writes") {
		struct store_mit m = mit("cuidL", 1);
		struct store_pl p = { "cuidL", 1, "gw-b", 50, 2, 600 };
		struct store_stats a, b;
		int n = 0;

		CHECK(store_mit_put(s, &m) == 0);
		store_stats(s, &a);
		CHECK(!store_pending(s));
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(store_pending(s));
		/* a bracket that writes nothing leaves it waiting */
		CHECK(store_begin(s) == 0 && store_end(s) == 0);
		CHECK(store_pending(s));
		store_stats(s, &b);
		CHECK(b.commits == a.commits);
		/* one that writes commits both at once */
		CHECK(store_begin(s) == 0);
		CHECK(store_next_mid_put(s, "gw-b", 51) == 0);
		CHECK(store_end(s) == 0);
		CHECK(!store_pending(s));
		store_stats(s, &b);
		CHECK(b.commits == a.commits + 1);
		/* store_flush() commits it alone; inside a bracket: as usual */
		p.umid = 52;
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(store_flush(s) == 0 && !store_pending(s));
		CHECK(store_flush(s) == 0);
		CHECK(store_begin(s) == 0);
		p.umid = 53;
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(!store_pending(s));
		CHECK(store_end(s) == 0);
		s = reopen(s);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 3);
		CHECK(store_mit_del(s, "cuidL", 1) == 0);
	}

	TEST("store: a failed lazy write rolls back what waited with it") {
		struct store_mit m = mit("cuidM", 1);
		struct store_pl p = { "cuidM", 1, "gw-b", 60, 2, 600 };
		struct store_pl bad = { "nobody", 9, "gw-b", 61, 2, 600 };
		int n = 0;

		CHECK(store_mit_put(s, &m) == 0);
		CHECK(store_pl_put_lazy(s, &p) == 0);
		CHECK(store_pl_put_lazy(s, &bad) == -1);
		CHECK(!store_pending(s));
		s = reopen(s);
		CHECK(store_pl_foreach(s, count_pl, &n) == 0);
		CHECK(n == 0);
		CHECK(store_mit_del(s, "cuidM", 1) == 0);
	}

	TEST("store: group commit: brackets wait for one sync, in one "
	    "transaction that another connection sees only then") {
		struct store_stats a, b;
		uint64_t c0 = store_committed(s);

		store_stats(s, &a);
		for (uint32_t i = 0; i < 3; i++) {
			struct store_mit m = mit("cuidG", i + 1);

			CHECK(store_begin(s) == 0);
			CHECK(store_mit_put(s, &m) == 0);
			CHECK(store_commit(s) == 0);
		}
		CHECK(store_committed(s) == c0 + 3);
		CHECK(store_synced(s) <= c0);
		CHECK(rows_elsewhere("cuidG") == 0);
		store_stats(s, &b);
		CHECK(b.syncs == a.syncs);
		CHECK(store_sync(s) == 0);
		CHECK(store_synced(s) == c0 + 3);
		CHECK(rows_elsewhere("cuidG") == 3);
		CHECK(store_sync(s) == 0);	/* nothing new: no fdatasync */
		store_stats(s, &b);
		CHECK(b.syncs == a.syncs + 1 && b.commits == a.commits + 1);
		/* store_end() is both */
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_del(s, "cuidG", 1) == 0);
		CHECK(store_end(s) == 0);
		CHECK(store_synced(s) == store_committed(s));
		/* a bracket that writes nothing commits nothing */
		CHECK(store_begin(s) == 0 && store_commit(s) == 0);
		CHECK(store_committed(s) == c0 + 4);
		CHECK(store_begin(s) == 0);
		CHECK(store_mit_del(s, "cuidG", 2) == 0);
		CHECK(store_mit_del(s, "cuidG", 3) == 0);
		CHECK(store_end(s) == 0);
	}

	TEST("store: batches: a failed write loses the batch; its undos run "
	    "newest first, once store_undo_lost() is called") {
		struct undo_log ul = { { 0 }, 0, 0, 0 };
		struct undo_rec r[3] = { { &ul, 1 }, { &ul, 2 }, { &ul, 3 } };
		struct store_pl bad = { "nobody", 9, "gw-b", 90, 1, 600 };
		uint64_t c0 = store_committed(s);
		struct seen v = { 0 };

		store_set_lost_hook(s, lost_fn, &ul);
		for (uint32_t i = 0; i < 2; i++) {
			struct store_mit m = mit("cuidU", i + 1);

			CHECK(store_begin(s) == 0);
			CHECK(store_mit_put(s, &m) == 0);
			CHECK(store_commit(s) == 0);
			CHECK(store_on_undo(s, undo_fn, &r[i]) == 0);
		}
		CHECK(ul.freed == 0);
		CHECK(store_begin(s) == 0);
		CHECK(store_pl_put(s, &bad) == -1);
		CHECK(store_commit(s) == -1);
		CHECK(store_lost(s) == c0 + 2);
		CHECK(ul.lost_calls == 1 && ul.n_ran == 0);
		store_undo_lost(s);
		CHECK(ul.n_ran == 2 && ul.ran[0] == 2 && ul.ran[1] == 1);
		CHECK(ul.freed == 2);
		CHECK(store_mit_foreach(s, see_mit, &v) == 0);
		CHECK(rows_elsewhere("cuidU") == 0);
		/* a batch that commits only frees its undos */
		{
			struct store_mit m = mit("cuidU", 3);

			CHECK(store_begin(s) == 0);
			CHECK(store_mit_put(s, &m) == 0);
			CHECK(store_commit(s) == 0);
			CHECK(store_on_undo(s, undo_fn, &r[2]) == 0);
			CHECK(store_sync(s) == 0);
			CHECK(ul.n_ran == 2 && ul.freed == 3);
			CHECK(rows_elsewhere("cuidU") == 1);
			CHECK(store_lost(s) == c0 + 2);
		}
		/* nothing waiting to commit: freed at once */
		CHECK(store_on_undo(s, undo_fn, &r[0]) == 0);
		CHECK(ul.freed == 4 && ul.n_ran == 2);
		/* inside the bracket that opens a batch: kept for it */
		{
			struct store_mit m = mit("cuidU", 4);

			CHECK(store_begin(s) == 0);
			CHECK(store_mit_put(s, &m) == 0);
			CHECK(store_on_undo(s, undo_fn, &r[1]) == 0);
			CHECK(store_commit(s) == 0);
			CHECK(ul.freed == 4);
			CHECK(store_sync(s) == 0);
			CHECK(ul.freed == 5 && ul.n_ran == 2);
			CHECK(store_mit_del(s, "cuidU", 4) == 0);
		}
		store_set_lost_hook(s, NULL, NULL);
		CHECK(store_mit_del(s, "cuidU", 3) == 0);
	}

	TEST("store: the WAL reaches the database file without a close") {
		char db[300], wal[300];
		struct stat before, after, w;
		bool grew = false;

		snprintf(db, sizeof(db), "%s", path);
		snprintf(wal, sizeof(wal), "%s-wal", path);
		CHECK(stat(db, &before) == 0);
		CHECK(store_begin(s) == 0);
		for (uint32_t i = 0; i < 2000; i++) {
			struct store_mit m = mit("cuidW", i + 1);

			CHECK(store_mit_put(s, &m) == 0);
		}
		CHECK(store_end(s) == 0);
		CHECK(stat(wal, &w) == 0 && w.st_size > before.st_size);
		/* only the checkpoint thread writes the database file now */
		for (int t = 0; t < 40 && !grew; t++) {
			usleep(100 * 1000);
			grew = stat(db, &after) == 0 &&
			    after.st_size > before.st_size;
		}
		CHECK(grew);
		CHECK(store_begin(s) == 0);
		for (uint32_t i = 0; i < 2000; i++)
			CHECK(store_mit_del(s, "cuidW", i + 1) == 0);
		CHECK(store_end(s) == 0);
	}

	/* after the test above: its freed pages would hide that one's growth */
	TEST("store: the WAL starts again at its top under a steady stream "
	    "of commits") {
		char wal[300];
		struct stat w;
		off_t most = 0;
		uint32_t mid = 0;

		snprintf(wal, sizeof(wal), "%s-wal", path);
		/* about 34 MB of WAL frames in all, a sync after each bracket */
		for (int b = 0; b < 2000; b++) {
			CHECK(store_begin(s) == 0);
			for (int i = 0; i < 100; i++) {
				struct store_mit m = mit("cuidR", ++mid);

				CHECK(store_mit_put(s, &m) == 0);
			}
			CHECK(store_end(s) == 0);
			if (stat(wal, &w) == 0 && w.st_size > most)
				most = w.st_size;
			if (b % 50 == 49)
				usleep(20 * 1000);	/* let the thread copy */
		}
		printf("  largest WAL: %lld bytes\n", (long long)most);
		CHECK(most > 0 && most < 12 * 1024 * 1024);
		CHECK(store_begin(s) == 0);
		for (uint32_t i = 1; i <= mid; i++)
			CHECK(store_mit_del(s, "cuidR", i) == 0);
		CHECK(store_end(s) == 0);
	}

	TEST("store: next mid per upstream") {
		uint32_t next = 0;

		CHECK(store_next_mid_get(s, "gw-x", &next) == 1);
		CHECK(store_next_mid_put(s, "gw-b", 41) == 0);
		s = reopen(s);
		CHECK(store_next_mid_get(s, "gw-b", &next) == 0);
		CHECK(next == 41);
	}

	TEST("store: signal configuration per peer") {
		const uint8_t cbor[] = { 0xa1, 0x18, 0x1e, 0xa0 };
		struct seen v = { 0 };

		CHECK(store_sigcfg_put(s, "customer1", 7, cbor,
		    sizeof(cbor)) == 0);
		CHECK(store_sigcfg_put(s, "customer1", 8, cbor,
		    sizeof(cbor)) == 0);
		s = reopen(s);
		CHECK(store_sigcfg_foreach(s, see_cfg, &v) == 0);
		CHECK(v.n == 1 && v.mid == 8 && v.len == sizeof(cbor));
		CHECK_STR(v.cuid, "customer1");
		CHECK(store_sigcfg_del(s, "customer1") == 0);
		v.n = 0;
		CHECK(store_sigcfg_foreach(s, see_cfg, &v) == 0);
		CHECK(v.n == 0);
	}

	TEST("store: generic registrations") {
		const uint8_t a[] = { 0x82, 0x01 }, b[] = { 0x82, 0x02 };
		struct seen v = { 0 };

		CHECK(store_reg_put(s, "orch/gw-x", a, sizeof(a)) == 0);
		CHECK(store_reg_put(s, "orch/gw-x", b, sizeof(b)) == 0);
		CHECK(store_reg_put(s, "orch/gw-y", NULL, 0) == 0);
		s = reopen(s);
		CHECK(store_reg_foreach(s, see_reg, &v) == 0);
		CHECK(v.n == 2);
		CHECK_STR(v.cuid, "orch/gw-y");
		CHECK(store_reg_del(s, "orch/gw-y") == 0);
		v.n = 0;
		CHECK(store_reg_foreach(s, see_reg, &v) == 0);
		CHECK(v.n == 1 && v.scope_ok);
		CHECK_STR(v.cuid, "orch/gw-x");
	}

	TEST("store: another schema version is refused") {
		sqlite3 *db;

		store_close(s);
		CHECK(sqlite3_open(path, &db) == SQLITE_OK);
		CHECK(sqlite3_exec(db, "UPDATE meta SET value = 99", NULL, NULL,
		    NULL) == SQLITE_OK);
		sqlite3_close(db);
		err[0] = '\0';
		s = store_open(path, err, sizeof(err));
		CHECK(s == NULL);
		CHECK(strstr(err, "schema version 99") != NULL);
	}

	TEST("store: an unwritable path is an error, not a crash") {
		s = store_open("/nonexistent-dir/x.db", err, sizeof(err));
		CHECK(s == NULL);
		CHECK(err[0] != '\0');
	}

	TEST("store: a NULL store does nothing") {
		uint32_t next;
		int n = 0;

		CHECK(store_begin(NULL) == 0 && store_end(NULL) == 0);
		CHECK(store_reg_put(NULL, "x", NULL, 0) == 0);
		CHECK(store_mit_foreach(NULL, stop_at_first, &n) == 0 && n == 0);
		CHECK(store_next_mid_get(NULL, "gw-b", &next) == 1);
	}

	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		printf("  cannot remove %s\n", dir);
	return UNIT_EXIT();
}
