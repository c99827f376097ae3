/*
 * Usage accounting for billing between organisations (the inter-domain
 * draft §2.5: a provider charges by attack volume, dropped traffic,
 * normal traffic or number of executions, so all of them are recorded).
 *
 * Per peer and direction: downstream is what a peer asked of us (its
 * accepted mitigations), upstream is what we placed at a peer (our
 * placements there). Sums live in time buckets (bucket_s, an hour in the
 * daemon) per (peer, direction), in the state store, so that a range can
 * be asked for and a restart keeps them.
 *
 * What is summed is driven by runs: a run is one mitigation or one
 * placement, from its start (an execution) until it ends. A run
 * remembers when its active time was last accounted and the last value
 * of each cumulative drop counter, so that time is split over buckets
 * exactly once and counters count by deltas: a refresh, a retransmission
 * or the same report twice adds nothing; a counter that goes backwards
 * was reset and counts from zero; a zero reading says nothing (a restarted
 * source reports 0 before it reports again) and is ignored. Runs are kept
 * in the store with the buckets, written together in one transaction, so
 * a restart neither loses nor repeats what was flushed.
 *
 * This part takes the time as an argument (unit tests drive it);
 * usage_events.c is its wiring to the mitigation table and the relay.
 */
#ifndef DOTSGW_USAGE_H
#define DOTSGW_USAGE_H

#include <stdbool.h>
#include <stdint.h>

struct gw;
struct mitigation;
struct store;
struct usage;

#define USAGE_BUCKET_S	3600	/* the daemon's buckets: an hour */

enum usage_dir {
	USAGE_DOWN,	/* what the peer asked of us */
	USAGE_UP,	/* what we placed at the peer */
};

/* What a bucket, or a range of them, holds. Peaks are maxima, the rest
 * sums. */
struct usage_sums {
	uint64_t	 executions;	/* mitigations started */
	uint64_t	 seconds;	/* mitigation-seconds */
	uint64_t	 attack_bps, attack_pps;	/* declared: RFC 9244
						   total-attack-traffic */
	uint64_t	 normal_bps, normal_pps;	/* declared: total-traffic */
	uint64_t	 drop_bps, drop_pps;	/* reported drop rates */
	uint64_t	 bytes, pkts;		/* dropped, by deltas */
};

/* What a run declares (the request's RFC 9244 attributes, held while it
 * runs: each bucket it spans sees them) or reports (drop rates: the bucket
 * of the report). */
struct usage_rates {
	uint64_t	 attack_bps, attack_pps;
	uint64_t	 normal_bps, normal_pps;
	uint64_t	 drop_bps, drop_pps;
};

/* Loads what st holds (NULL st: memory only). NULL when out of memory. */
struct usage *usage_new(struct store *st, int64_t bucket_s);
void	usage_free(struct usage *);
/* Writes what changed since the last flush, in one transaction: 0 or -1
 * (kept dirty, tried again). */
int	usage_flush(struct usage *);

/*
 * A run (key: unique, e.g. "d cuid mid") of peer in dir mitigates from
 * now. A new run counts an execution when execution is true; a known one
 * resumes (its time counts again, no execution). owner: the key of the
 * run whose end ends this one too ("" none); also_down: a peer whose
 * downstream sums take this run's drop counters too ("" none: for a
 * placement, the downstream peer that asked for the mitigation).
 */
void	usage_start(struct usage *, const char *key, enum usage_dir,
	    const char *peer, const char *owner, const char *also_down,
	    int64_t now, bool execution);
/* Stops counting time (it may resume); nothing when unknown. */
void	usage_stop(struct usage *, const char *key, int64_t now);
/* Stopped and forgotten: it will not resume. */
void	usage_end(struct usage *, const char *key, int64_t now);
/* usage_stop / usage_end of every run owned by owner. */
void	usage_stop_owned(struct usage *, const char *owner, int64_t now);
void	usage_end_owned(struct usage *, const char *owner, int64_t now);
bool	usage_known(const struct usage *, const char *key);
/* Its wall-clock expiry (0 never): a run not claimed after a restart
 * (usage_claim) is closed no later than that. */
void	usage_expires(struct usage *, const char *key, int64_t expires);
/* Cumulative drop counters (bytes, packets) as its source reports them. */
void	usage_counters(struct usage *, const char *key, uint64_t bytes,
	    uint64_t pkts, int64_t now);
/* Declared rates replace the held ones; drop rates are peaks at now. */
void	usage_rates(struct usage *, const char *key,
	    const struct usage_rates *, int64_t now);
/* The declared rates a run holds into r (drop rates 0); false when it
 * is unknown. */
bool	usage_declared(const struct usage *, const char *key,
	    struct usage_rates *r);
/* Forgets the buckets whose time ended at or before `before` (a
 * retention), their records deleted at the next flush. How many went. A
 * run accounting time that far back later makes its bucket again. */
size_t	usage_prune(struct usage *, int64_t before);
/* Accounts the active time of every run up to now (usage_sum counts it
 * without this; the daemon leaves it to the events). */
void	usage_settle(struct usage *, int64_t now);

/* After a restart: a loaded run is still there (a restored mitigation or
 * placement). usage_orphans() closes the others: at their expiry when it
 * is before now, else at the time last accounted (the time while down is
 * not known to have been mitigated); a run whose owner is claimed is
 * claimed with it. */
void	usage_claim(struct usage *, const char *key);
void	usage_orphans(struct usage *, int64_t now);

/* Calls fn for every (peer, direction) with a bucket overlapping
 * [since, until) (until 0: no end), with their sums; the active time of
 * running runs up to now is included. Ascending by peer, then direction. */
int	usage_sum(struct usage *, int64_t since, int64_t until, int64_t now,
	    int (*fn)(const char *peer, enum usage_dir,
	    const struct usage_sums *, void *), void *arg);
int64_t	usage_bucket_s(const struct usage *);
const char *usage_dir_name(enum usage_dir);	/* "downstream", "upstream" */

/* ---- the wiring (usage_events.c) ----------------------------------- */

/* gw->usage from the store, subscribed to the mitigation table; a timer
 * writes what changed. -1 when out of memory. */
int	usage_wire(struct gw *);
/* Flushed, then freed (daemon exit). */
void	usage_close(struct gw *);
/* The relay's view of a placement of m at upstream (our mid umid there):
 * accepted and not ended (active), and the counters it reports (bytes,
 * packets, bps, pps dropped; cumulative). */
void	usage_placement(struct gw *, const struct mitigation *,
	    const char *upstream, uint32_t umid, bool active,
	    const uint64_t c[4]);
/* The placement is freed: its run ends (not at shutdown: it goes on). */
void	usage_placement_gone(struct gw *, const char *upstream, uint32_t umid);

#endif
