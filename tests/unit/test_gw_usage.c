/*
 * gateway/state/usage.c with a store and a clock of our own: time split
 * over buckets, executions counted once, cumulative counters by deltas
 * (repeats, zero readings, resets), a placement's drops counted for the
 * downstream peer too, ends that follow the owner, and a restart in the
 * middle (flushed, loaded again, claimed or closed as orphans).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/conf.h"
#include "gateway/state/store.h"
#include "gateway/state/usage.h"
#include "unit.h"
#include "unit_tmpdb.h"

#define B	100	/* bucket seconds */

struct got {
	struct usage_sums s[8];
	char		 peer[8][32];
	enum usage_dir	 dir[8];
	size_t		 n;
};

static int
collect(const char *peer, enum usage_dir dir, const struct usage_sums *s,
    void *arg)
{
	struct got *g = arg;

	if (g->n == 8)
		return -1;
	snprintf(g->peer[g->n], sizeof(g->peer[0]), "%s", peer);
	g->dir[g->n] = dir;
	g->s[g->n++] = *s;
	return 0;
}

/* The sums of peer/dir over [since, until) at now (zeroes when none). */
static struct usage_sums
sum(struct usage *u, const char *peer, enum usage_dir dir, int64_t since,
    int64_t until, int64_t now)
{
	struct got g = { .n = 0 };
	struct usage_sums z;

	memset(&z, 0, sizeof(z));
	if (usage_sum(u, since, until, now, collect, &g) == -1)
		return z;
	for (size_t i = 0; i < g.n; i++)
		if (g.dir[i] == dir && strcmp(g.peer[i], peer) == 0)
			return g.s[i];
	return z;
}

int
main(void)
{
	char dir[] = "/tmp/dotsgw-usage.XXXXXX", path[64], err[CONF_ERRLEN];
	struct usage_rates r;
	struct usage_sums s;
	struct store *st;
	struct usage *u;

	if (tmpdb_make(dir, path, sizeof(path)) == -1)
		return 1;
	if ((st = store_open(path, err, sizeof(err))) == NULL) {
		printf("FAIL store: %s\n", err);
		return 1;
	}

	TEST("usage: time split over buckets, one execution") {
		CHECK((u = usage_new(NULL, B)) != NULL);
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 50, true);
		/* a refresh, a retransmission: the same run */
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 70, true);
		usage_stop(u, "d c 1", 260);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 1000);
		CHECK(s.executions == 1 && s.seconds == 210);
		s = sum(u, "cust", USAGE_DOWN, 100, 200, 1000);
		CHECK(s.executions == 0 && s.seconds == 100);
		s = sum(u, "cust", USAGE_DOWN, 150, 250, 1000);
		CHECK(s.seconds == 160);	/* buckets 100 and 200 */
		s = sum(u, "cust", USAGE_DOWN, 0, 100, 1000);
		CHECK(s.executions == 1 && s.seconds == 50);
		/* stopped twice: nothing more */
		usage_stop(u, "d c 1", 900);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 1000);
		CHECK(s.seconds == 210);
		/* resumed (a refresh out of active-but-terminating): time
		 * again, no execution */
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 300, true);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 330);
		CHECK(s.executions == 1 && s.seconds == 240);
		/* running: summed up to now, not beyond */
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 305);
		CHECK(s.seconds == 215);
		usage_end(u, "d c 1", 330);
		CHECK(!usage_known(u, "d c 1"));
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 5000);
		CHECK(s.seconds == 240);
		/* the clock went back: nothing, and nothing counted twice */
		usage_start(u, "d c 2", USAGE_DOWN, "cust", "", "", 400, false);
		usage_settle(u, 390);
		usage_end(u, "d c 2", 410);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 5000);
		CHECK(s.executions == 1 && s.seconds == 250);
		usage_free(u);
	}

	TEST("usage: counters by deltas, repeats, zeroes, resets") {
		CHECK((u = usage_new(NULL, B)) != NULL);
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 0, true);
		usage_counters(u, "d c 1", 1000, 10, 5);
		usage_counters(u, "d c 1", 1000, 10, 6);	/* the same */
		usage_counters(u, "d c 1", 1500, 15, 150);
		usage_counters(u, "d c 1", 0, 0, 151);	/* says nothing */
		usage_counters(u, "d c 1", 1500, 15, 152);
		usage_counters(u, "d c 1", 300, 3, 160);	/* a reset */
		usage_counters(u, "d c 1", 400, 4, 170);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 200);
		CHECK(s.bytes == 1900 && s.pkts == 19);
		s = sum(u, "cust", USAGE_DOWN, 100, 200, 200);
		CHECK(s.bytes == 900 && s.pkts == 9);
		/* an unknown run counts nothing */
		usage_counters(u, "d c 9", 5000, 50, 170);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 200);
		CHECK(s.bytes == 1900);
		usage_free(u);
	}

	TEST("usage: a placement's drops count up and down; owner ends it") {
		CHECK((u = usage_new(NULL, B)) != NULL);
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 0, true);
		usage_start(u, "u up 7", USAGE_UP, "up", "d c 1", "cust", 10,
		    true);
		usage_counters(u, "u up 7", 800, 8, 20);
		usage_counters(u, "d c 1", 200, 2, 20);	/* our own */
		s = sum(u, "up", USAGE_UP, 0, 0, 50);
		CHECK(s.executions == 1 && s.bytes == 800 && s.seconds == 40);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 50);
		CHECK(s.executions == 1 && s.bytes == 1000 && s.pkts == 10);
		CHECK(sum(u, "cust", USAGE_UP, 0, 0, 50).executions == 0);
		usage_stop_owned(u, "d c 1", 60);
		usage_stop(u, "d c 1", 60);
		s = sum(u, "up", USAGE_UP, 0, 0, 500);
		CHECK(s.seconds == 50);
		usage_end_owned(u, "d c 1", 70);
		CHECK(!usage_known(u, "u up 7") && usage_known(u, "d c 1"));
		usage_free(u);
	}

	TEST("usage: runs found by owner after the tables grew (3,000 "
	    "mitigations, two placements each)") {
		enum { N = 3000 };	/* 9,000 runs: past 1,024 chains */
		char down[32], up[32];
		uint64_t want = 0;
		int known = 0;

		CHECK((u = usage_new(NULL, B)) != NULL);
		for (int i = 0; i < N; i++) {
			snprintf(down, sizeof(down), "d c %d", i);
			usage_start(u, down, USAGE_DOWN, "cust", "", "", 0,
			    true);
			for (int k = 0; k < 2; k++) {
				snprintf(up, sizeof(up), "u up%d %d", k, i);
				usage_start(u, up, USAGE_UP, "up", down,
				    "cust", 0, true);
			}
		}
		/* the odd ones stop, then every third one ends */
		for (int i = 1; i < N; i += 2) {
			snprintf(down, sizeof(down), "d c %d", i);
			usage_stop_owned(u, down, 10);
		}
		for (int i = 0; i < N; i += 3) {
			snprintf(down, sizeof(down), "d c %d", i);
			usage_end_owned(u, down, 15);
		}
		for (int i = 0; i < N; i++)
			for (int k = 0; k < 2; k++) {
				snprintf(up, sizeof(up), "u up%d %d", k, i);
				known += usage_known(u, up) == (i % 3 != 0);
			}
		CHECK(known == 2 * N);
		/* each ran till it stopped (10, odd), ended (15, the even
		 * third ones) or now (20) */
		for (int i = 0; i < N; i++)
			want += 2 * (i % 2 ? 10 : i % 3 == 0 ? 15 : 20);
		s = sum(u, "up", USAGE_UP, 0, 0, 20);
		CHECK(s.seconds == want);
		usage_free(u);
	}

	TEST("usage: declared rates reach every bucket; drop peaks at once") {
		CHECK((u = usage_new(NULL, B)) != NULL);
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 50, true);
		memset(&r, 0, sizeof(r));
		r.attack_bps = 5000000000ull;
		r.attack_pps = 900;
		r.normal_bps = 1000;
		r.drop_bps = 77;
		usage_rates(u, "d c 1", &r, 60);
		r.drop_bps = 33;
		usage_rates(u, "d c 1", &r, 70);
		usage_stop(u, "d c 1", 250);
		s = sum(u, "cust", USAGE_DOWN, 200, 300, 1000);
		CHECK(s.attack_bps == 5000000000ull && s.attack_pps == 900 &&
		    s.normal_bps == 1000 && s.drop_bps == 0);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 1000);
		CHECK(s.drop_bps == 77 && s.seconds == 200);
		usage_free(u);
	}

	TEST("usage: a restart keeps sums and runs; orphans close") {
		CHECK((u = usage_new(st, B)) != NULL);
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 0, true);
		usage_start(u, "u up 3", USAGE_UP, "up", "d c 1", "cust", 0,
		    true);
		usage_start(u, "d c 2", USAGE_DOWN, "cust", "", "", 0, true);
		usage_expires(u, "d c 2", 130);
		usage_start(u, "d c 3", USAGE_DOWN, "cust", "", "", 0, true);
		usage_counters(u, "u up 3", 1000, 10, 50);
		usage_counters(u, "d c 1", 100, 1, 50);
		usage_settle(u, 120);
		CHECK(usage_flush(u) == 0);
		/* after the flush: lost in a crash, not counted */
		usage_counters(u, "d c 1", 9999, 99, 121);
		usage_free(u);

		CHECK((u = usage_new(st, B)) != NULL);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 0);
		CHECK(s.executions == 3 && s.seconds == 360 &&
		    s.bytes == 1100 && s.pkts == 11);
		/* d c 1 is restored (its placement with it); 2 expired while
		 * down, 3 is gone without an expiry */
		usage_claim(u, "d c 1");
		usage_orphans(u, 200);
		CHECK(usage_known(u, "d c 1") && usage_known(u, "u up 3"));
		CHECK(!usage_known(u, "d c 2") && !usage_known(u, "d c 3"));
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 0);
		CHECK(s.seconds == 370);	/* 120 + 130 + 120 */
		/* the same cumulative readings again: nothing; then more */
		usage_counters(u, "u up 3", 1000, 10, 210);
		usage_counters(u, "d c 1", 100, 1, 210);
		usage_counters(u, "u up 3", 1500, 15, 220);
		/* a restart does not count a new execution */
		usage_start(u, "d c 1", USAGE_DOWN, "cust", "", "", 220, true);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 0);
		CHECK(s.executions == 3 && s.bytes == 1600);
		s = sum(u, "up", USAGE_UP, 0, 0, 0);
		CHECK(s.executions == 1 && s.bytes == 1500);
		/* the downtime counts for a restored run: it went on */
		usage_end_owned(u, "d c 1", 300);
		usage_end(u, "d c 1", 300);
		CHECK(usage_flush(u) == 0);
		usage_free(u);

		/* records that are not ours are skipped, not trusted */
		CHECK(store_reg_put(st, "usage-r:d x 1", (const uint8_t *)
		    "1 7 1 2", 7) == 0);
		CHECK(store_reg_put(st, "usage-r:d x 2", (const uint8_t *)
		    "1 0 1 0 0 0 0 0 0 0 0\tp", 22) == 0);
		CHECK(store_reg_put(st, "usage-b:0:0:", (const uint8_t *)
		    "2 1 1 1 1 1 1 1 1 1 1", 21) == 0);
		CHECK(store_reg_put(st, "usage-b:9:0:p", (const uint8_t *)
		    "1 1 1 1 1 1 1 1 1 1 1", 21) == 0);
		CHECK((u = usage_new(st, B)) != NULL);
		CHECK(!usage_known(u, "d x 1") && !usage_known(u, "d x 2"));
		usage_orphans(u, 400);
		s = sum(u, "cust", USAGE_DOWN, 0, 0, 0);
		CHECK(s.seconds == 550 && s.bytes == 1600);	/* +180 */
		s = sum(u, "up", USAGE_UP, 0, 0, 0);
		CHECK(s.seconds == 300 && s.bytes == 1500);
		CHECK(sum(u, "p", USAGE_DOWN, 0, 0, 0).executions == 0);
		CHECK(sum(u, "", USAGE_DOWN, 0, 0, 0).executions == 0);
		usage_free(u);
	}

	TEST("usage: a retention prunes old buckets, in memory and stored") {
		CHECK((u = usage_new(st, B)) != NULL);
		/* the test before left buckets before 600: they all go */
		CHECK(sum(u, "cust", USAGE_DOWN, 0, 0, 1000).seconds == 550);
		CHECK(usage_prune(u, 1000) >= 2);
		CHECK(sum(u, "cust", USAGE_DOWN, 0, 0, 1000).seconds == 0);
		CHECK(sum(u, "up", USAGE_UP, 0, 0, 1000).bytes == 0);
		/* 1000..1250 spans buckets 1000, 1100, 1200 */
		usage_start(u, "d r 1", USAGE_DOWN, "ret", "", "", 1000, true);
		usage_counters(u, "d r 1", 10, 1, 1050);
		usage_counters(u, "d r 1", 30, 3, 1150);
		usage_end(u, "d r 1", 1250);
		CHECK(usage_flush(u) == 0);
		s = sum(u, "ret", USAGE_DOWN, 0, 0, 1300);
		CHECK(s.executions == 1 && s.seconds == 250 && s.bytes == 30);
		/* the hour that ends at `before` goes, the next stays */
		CHECK(usage_prune(u, 1099) == 0);
		CHECK(usage_prune(u, 1100) == 1);
		s = sum(u, "ret", USAGE_DOWN, 0, 0, 1300);
		CHECK(s.executions == 0 && s.seconds == 150 && s.bytes == 20);
		/* still there: a bucket made again after it is pruned */
		usage_start(u, "d r 2", USAGE_DOWN, "ret", "", "", 1010, true);
		usage_end(u, "d r 2", 1020);
		CHECK(sum(u, "ret", USAGE_DOWN, 0, 1100, 1300).seconds == 10);
		CHECK(usage_prune(u, 1100) == 1);
		CHECK(usage_flush(u) == 0);
		usage_free(u);

		CHECK((u = usage_new(st, B)) != NULL);
		usage_orphans(u, 1300);
		s = sum(u, "ret", USAGE_DOWN, 0, 0, 1300);
		CHECK(s.executions == 0 && s.seconds == 150 && s.bytes == 20);
		CHECK(sum(u, "cust", USAGE_DOWN, 0, 0, 1300).seconds == 0);
		CHECK(sum(u, "up", USAGE_UP, 0, 0, 1300).bytes == 0);
		CHECK(usage_prune(u, 1300) == 2);
		CHECK(usage_flush(u) == 0);
		usage_free(u);
		CHECK((u = usage_new(st, B)) != NULL);
		CHECK(sum(u, "ret", USAGE_DOWN, 0, 0, 1300).seconds == 0);
		usage_free(u);
	}

	store_close(st);
	tmpdb_remove(dir, path);
	return UNIT_EXIT();
}
