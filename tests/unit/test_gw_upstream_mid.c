/*
 * Unit tests of upstream_next_mid() (gateway/upstream/upstream.c): our
 * mids at an upstream keep increasing across restarts, so the store keeps
 * a mark MID_RESERVE (1,024) ahead of the next one. The mark's write waits
 * in the store's batch like every other; a batch lost to a failed write
 * must not leave us believing the mark is on disk. Built on a minimal
 * struct gw: a configuration, a SQLite store in a temp directory, one
 * upstream without a session.
 */
#include <string.h>

#include "common/conf.h"
#include "gateway/gw.h"
#include "gateway/state/store.h"
#include "gateway/upstream/upstream.h"
#include "unit.h"
#include "unit_tmpdb.h"

static const char config[] =
    "node-id: gw-a\n"
    "credentials: { ca: ca.pem, cert: gw.pem, key: gw.key }\n"
    "peers:\n"
    "  - { name: isp-b, upstream: { address: 192.0.2.11 } }\n";

static uint32_t
mark(struct store *s)
{
	uint32_t v = 0;

	return store_next_mid_get(s, "isp-b", &v) == 0 ? v : 0;
}

/* One mid taken inside a request's bracket, as placement.c takes it. */
static uint32_t
next_mid(struct gw *gw, struct upstream *us)
{
	uint32_t mid;

	if (store_begin(gw->store) == -1)
		return 0;
	mid = upstream_next_mid(us);
	return store_commit(gw->store) == 0 ? mid : 0;
}

int
main(void)
{
	static char dir[] = "/tmp/dotsgw-upmid.XXXXXX";
	char path[256], err[CONF_ERRLEN] = "";
	struct gw gw;
	struct upstream us, *usv[1] = { &us };

	if (tmpdb_make(dir, path, sizeof(path)) == -1)
		return 1;
	memset(&gw, 0, sizeof(gw));
	if (conf_load_string("t.yaml", config, strlen(config), &gw.conf, err,
	    sizeof(err), NULL, NULL) == -1 ||
	    (gw.store = store_open(path, err, sizeof(err))) == NULL) {
		printf("  setup: %s\n", err);
		return 1;
	}
	memset(&us, 0, sizeof(us));
	us.gw = &gw;
	us.peer = conf_peer_by_name(gw.conf, "isp-b");
	us.next_mid = 1;
	TAILQ_INIT(&us.placements);
	gw.ups = usv;
	gw.n_ups = 1;

	TEST("upstream: the store's mark runs 1,024 mids ahead, written "
	    "again only once reached") {
		CHECK(next_mid(&gw, &us) == 1);
		CHECK(store_sync(gw.store) == 0);
		CHECK(mark(gw.store) == 1025);
		for (uint32_t m = 2; m <= 1024; m++)
			CHECK(next_mid(&gw, &us) == m);
		CHECK(store_sync(gw.store) == 0);
		CHECK(mark(gw.store) == 1025);
		CHECK(next_mid(&gw, &us) == 1025);
		CHECK(store_sync(gw.store) == 0);
		CHECK(mark(gw.store) == 2049);
	}

	TEST("upstream: a lost batch takes the mark with it; the next mid "
	    "writes one again") {
		/* a placement of no mitigation: the store refuses it */
		struct store_pl bad = { "nobody", 9, "isp-b", 90, 1, 600 };

		us.next_mid = 2049;	/* the mark reached: 2049 writes 3073 */
		CHECK(next_mid(&gw, &us) == 2049);
		CHECK(mark(gw.store) == 3073);	/* in the open batch */
		CHECK(store_begin(gw.store) == 0);
		CHECK(store_pl_put(gw.store, &bad) == -1);
		CHECK(store_commit(gw.store) == -1);
		store_undo_lost(gw.store);
		CHECK(mark(gw.store) == 2049);	/* what the disk has */
		/* before: no write until 3073, which a restart never saw */
		CHECK(next_mid(&gw, &us) == 2050);
		CHECK(store_sync(gw.store) == 0);
		CHECK(mark(gw.store) == 3074);
		CHECK(next_mid(&gw, &us) == 2051);
		CHECK(store_sync(gw.store) == 0);
		CHECK(mark(gw.store) == 3074);
	}

	store_close(gw.store);
	conf_free(gw.conf);
	tmpdb_remove(dir, path);
	return UNIT_EXIT();
}
