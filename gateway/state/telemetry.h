/*
 * RFC 9244 telemetry the downstream peers gave us: telemetry setups
 * (tsid: current-config, total-pipe-capacity, baseline) and
 * pre-or-ongoing-mitigation telemetry (tmid), each bound to the peer and
 * cuid that PUT it, so another peer's tsid or tmid is invisible (4.04).
 * Kept in the state store's generic table ("tm-setup:" and "tm:" keys),
 * restored at start. Per peer at most the configured setups and reports
 * (conf "telemetry:", read at each PUT so a reload applies); beyond, 5.03
 * with Max-Age. A lowered quota keeps what is held and refuses new ones.
 *
 * Identifier rules (RFC 9244 §7.1.2, §8.2):
 * - a setup with a higher tsid overrides lower ones it overlaps: any
 *   lower current-config; pipe links with the same link-id and unit;
 *   baselines with overlapping targets. A tsid lower than one it would
 *   be overridden by is refused with 4.09.
 * - a report's tmid only grows per cuid: the same active tmid replaces
 *   it; a new tmid not above the highest this cuid has used since its
 *   last DELETE-all is "tmid reuse", 4.09 (RFC 9132 §4.4.1's rule for
 *   mid, which RFC 9244 §8.2 makes tmid follow); a higher tmid removes
 *   lower reports whose targets overlap. DELETE without tmid ends all
 *   of the cuid's reports and lets the client start again from 0.
 */
#ifndef DOTSGW_STATE_TELEMETRY_H
#define DOTSGW_STATE_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/dots_err.h"
#include "common/dots_tm.h"

struct gw;
struct tm_table;

struct tm_setup_rec {
	const char		*peer, *cuid;
	uint32_t		 tsid;
	const struct dots_tm_setup *s;
	const json_t		*entry;	/* the "telemetry" entry, no tsid */
};

struct tm_report_rec {
	const char		*peer, *cuid;
	uint32_t		 tmid;
	const struct dots_tm_report *r;
	const json_t		*body;	/* as PUT */
	uint64_t		 at_ms;	/* gw_now_ms() of the PUT */
	uint8_t			 hop_limit; /* as received, 0 = none */
};

/* What listeners hear (arg is theirs): a report was put (r != NULL) or
 * removed (r == NULL, then only peer/cuid/tmid are set). */
struct tm_events {
	void	(*report)(const struct tm_report_rec *, void *arg);
	void	(*setup)(const struct tm_setup_rec *, void *arg);
};

/* The table, with what the store holds loaded. */
struct tm_table *tm_table_new(struct gw *);
void	tm_table_free(struct tm_table *);
/* Up to 4 listeners. */
int	tm_subscribe(struct tm_table *, const struct tm_events *, void *arg);

/* s (malloc'ed) and body (a new reference: the whole telemetry-setup
 * body, one entry) are taken; 0 with *created, or -1 with err (4.09,
 * 5.03). */
int	tm_setup_put(struct tm_table *, const char *peer, const char *cuid,
	    uint32_t tsid, struct dots_tm_setup *s, json_t *body,
	    bool *created, struct dots_err *err);
/* 0 found, -1 not */
int	tm_setup_get(struct tm_table *, const char *peer, const char *cuid,
	    uint32_t tsid, struct tm_setup_rec *out);
/* has_tsid false: all of the cuid's. Returns how many went. */
size_t	tm_setup_del(struct tm_table *, const char *peer, const char *cuid,
	    bool has_tsid, uint32_t tsid);
void	tm_setup_foreach(struct tm_table *, const char *peer, const char *cuid,
	    void (*fn)(const struct tm_setup_rec *, void *), void *arg);

/* r (malloc'ed) and body (a new reference) taken. 0, or -1 with err. */
int	tm_report_put(struct tm_table *, const char *peer, const char *cuid,
	    uint32_t tmid, uint8_t hop_limit, struct dots_tm_report *r,
	    json_t *body, struct dots_err *err);
int	tm_report_get(struct tm_table *, const char *peer, const char *cuid,
	    uint32_t tmid, struct tm_report_rec *out);
size_t	tm_report_del(struct tm_table *, const char *peer, const char *cuid,
	    bool has_tmid, uint32_t tmid);
/* peer NULL: every peer's; cuid NULL: every cuid of the peer. */
void	tm_report_foreach(struct tm_table *, const char *peer,
	    const char *cuid, void (*fn)(const struct tm_report_rec *, void *),
	    void *arg);

/* What all reports (any peer: telemetry is about targets) say of attack
 * traffic toward t, in bits/s and packets/s; 0 when nothing. */
void	tm_attack_volume(struct tm_table *, const struct dots_tm_target *t,
	    uint64_t *bps, uint64_t *pps);
/* What peer's setups say: its total pipe capacity in bits/s (sum of its
 * links of bit/byte classes; 0 unknown) and its normal peak toward t. */
uint64_t tm_pipe_bps(struct tm_table *, const char *peer);
uint64_t tm_baseline_bps(struct tm_table *, const char *peer,
	    const struct dots_tm_target *t);
/* The peer's telemetry-notify-interval, seconds; 0 when it set none. */
unsigned tm_notify_interval(struct tm_table *, const char *peer);
/* The peer asked for server-originated telemetry (current-config). */
bool	tm_wants_server_telemetry(struct tm_table *, const char *peer);

#endif
