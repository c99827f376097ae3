/*
 * RFC 9244 telemetry bodies: the telemetry setup (tm-setup: current-config,
 * total-pipe-capacity, baseline) and pre-or-ongoing-mitigation telemetry
 * (tm), and their Uri-Paths.
 *
 * Decoding is two steps: the generic, table-driven CBOR -> JSON (guarded,
 * dots_json.h), then a strict walk of that JSON against the RFC 9244 YANG
 * tree (dots_tm.c): every member must be one the RFC puts at that place,
 * with its type; enums outside their labels ("unknown unit"), percentiles
 * out of order, bodies mixing setup kinds, and identifiers in request
 * bodies are refused with 4.00, values outside acceptable ranges with
 * 4.22. What the gateway acts on (percentiles, units, pipe capacities,
 * baselines, per-target attack traffic, attack ids) is extracted into the
 * fixed-size structs below; the checked JSON is kept as it came, so what
 * a GET returns or a relay passes on is the body as the client wrote it.
 */
#ifndef DOTSGW_DOTS_TM_H
#define DOTSGW_DOTS_TM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "dots_err.h"
#include "dots_path.h"
#include "prefix.h"

/* Bounds: anything larger is refused with 4.00 naming the list. */
#define DOTS_TM_MAX_LINKS	16
#define DOTS_TM_MAX_BASELINES	16
#define DOTS_TM_MAX_ENTRIES	16	/* pre-or-ongoing-mitigation entries */
#define DOTS_TM_MAX_PREFIXES	16	/* per target */
#define DOTS_TM_MAX_MIDS	16	/* mid-list per target */
#define DOTS_TM_MAX_GAUGES	8	/* traffic entries kept per list */
#define DOTS_TM_MAX_ATTACKS	8	/* attack-detail entries kept */
#define DOTS_TM_MAX_TEXT	64	/* link-id, attack-description kept */

enum dots_tm_res {
	DOTS_TM_RES_SETUP = 1,		/* .well-known/dots/tm-setup */
	DOTS_TM_RES_TM,			/* .well-known/dots/tm */
};

/* tm-setup[/cdid=D]/cuid=X[/tsid=N], tm[/cdid=D]/cuid=X[/tmid=N]. */
struct dots_tm_path {
	enum dots_tm_res res;
	char		cdid[DOTS_ID_MAX + 1];	/* "" = absent */
	char		cuid[DOTS_ID_MAX + 1];	/* "" = absent */
	bool		has_id;
	uint32_t	id;			/* tsid or tmid */
};

/* 1 when segs name a telemetry resource (then out is filled, or -1 with
 * err when it is one but malformed); 0 when they name something else. */
int	dots_tm_path_parse(const struct dots_seg *segs, size_t n,
	    struct dots_tm_path *out, struct dots_err *err);
int	dots_tm_path_format(const struct dots_tm_path *, char *buf,
	    size_t len);

/* unit enum (RFC 9244 §11): 1 packet-ps .. 24 zettabit-ps; class is
 * 1 packet, 2 bit, 3 byte. */
#define DOTS_TM_UNIT_MAX	24
int	dots_tm_unit_class(uint8_t unit);
/* value in unit -> packets/s (class 1) or bits/s (classes 2, 3),
 * saturating at UINT64_MAX. */
uint64_t dots_tm_unit_scale(uint8_t unit, uint64_t value);

/* One gauge entry of a traffic list (total-traffic, total-attack-traffic,
 * total-traffic-normal and their per-protocol/per-port forms). */
struct dots_tm_gauge {
	uint8_t		unit;
	bool		has_protocol, has_port;
	uint8_t		protocol;
	uint16_t	port;
	uint64_t	low, mid, high, peak, current;	/* 0 = absent */
};

/* The highest gauge of an entry, scaled: what "attack volume" means. */
uint64_t dots_tm_gauge_max(const struct dots_tm_gauge *);

struct dots_tm_target {
	size_t		n_prefix;
	struct prefix	prefix[DOTS_TM_MAX_PREFIXES];
	size_t		n_mid;
	uint32_t	mid[DOTS_TM_MAX_MIDS];
	bool		has_other;	/* fqdn, uri, alias, ports, protocols */
};

/* any prefix of a overlaps one of b (no prefix in a: whole domain) */
bool	dots_tm_target_overlaps(const struct dots_tm_target *a,
	    const struct dots_tm_target *b);

enum dots_tm_kind {
	DOTS_TM_CONFIG = 1,		/* current-config */
	DOTS_TM_PIPE,			/* total-pipe-capacity */
	DOTS_TM_BASELINE,		/* baseline */
};

struct dots_tm_link {
	char		link_id[DOTS_TM_MAX_TEXT + 1];
	uint8_t		unit;
	uint64_t	capacity;
};

struct dots_tm_baseline {
	uint32_t	id;
	struct dots_tm_target target;
	size_t		n_normal;	/* total-traffic-normal[-per-*] */
	struct dots_tm_gauge normal[DOTS_TM_MAX_GAUGES];
};

/* One telemetry setup (one tsid): exactly one kind. */
struct dots_tm_setup {
	enum dots_tm_kind kind;
	/* current-config */
	uint8_t		interval, sample;	/* 0 = absent */
	int32_t		pct[3];			/* hundredths, -1 = absent */
	size_t		n_units;
	struct { uint8_t unit; bool status; } units[3];
	bool		has_sot, sot;		/* server-originated-telemetry */
	uint16_t	notify_interval;	/* 0 = absent */
	/* total-pipe-capacity */
	size_t		n_links;
	struct dots_tm_link links[DOTS_TM_MAX_LINKS];
	/* baseline */
	size_t		n_baselines;
	struct dots_tm_baseline baselines[DOTS_TM_MAX_BASELINES];
};

struct dots_tm_attack {
	uint32_t	vendor_id, attack_id;
	uint8_t		severity;		/* 0 = absent */
	char		description[DOTS_TM_MAX_TEXT + 1];	/* "" absent */
};

/* One pre-or-ongoing-mitigation entry. */
struct dots_tm_entry {
	struct dots_tm_target target;
	bool		filter_only;	/* just a target: a subscription */
	size_t		n_traffic, n_attack_traffic;
	struct dots_tm_gauge traffic[DOTS_TM_MAX_GAUGES];
	struct dots_tm_gauge attack_traffic[DOTS_TM_MAX_GAUGES];
	size_t		n_attacks;
	struct dots_tm_attack attacks[DOTS_TM_MAX_ATTACKS];
};

struct dots_tm_report {
	size_t		n_entries;
	struct dots_tm_entry entries[DOTS_TM_MAX_ENTRIES];
};

/*
 * Decode and check a tm-setup PUT body (request: no tsid, cuid in it).
 * 0 with *json the checked body (new reference) and out filled, or -1
 * with err (4.00, 4.22). out is large: allocate it.
 */
int	dots_tm_decode_setup(const uint8_t *buf, size_t len,
	    struct dots_tm_setup *out, json_t **json, struct dots_err *err);
/* The same for a tm PUT body (no tmid in the entries). */
int	dots_tm_decode_report(const uint8_t *buf, size_t len,
	    struct dots_tm_report *out, json_t **json, struct dots_err *err);

/* The JSON walkers behind them, for bodies already in JSON (dotsctl, the
 * state store). resp allows the server-side members (tsid, tmid). */
int	dots_tm_check_setup(const json_t *, bool resp, struct dots_tm_setup *,
	    struct dots_err *);
int	dots_tm_check_report(const json_t *, bool resp,
	    struct dots_tm_report *, struct dots_err *);

/* Aggregate attack volume a report gives for targets overlapping t:
 * the highest total-attack-traffic gauge, in bits/s (bps) and packets/s
 * (pps); 0 when it says nothing. */
void	dots_tm_report_volume(const struct dots_tm_report *,
	    const struct dots_tm_target *t, uint64_t *bps, uint64_t *pps);

#endif
