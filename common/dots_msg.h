/*
 * The DOTS signal-channel message model (RFC 9132 §4, RFC 9133 acl-list).
 *
 * One C struct per YANG container that dotsgw acts upon. Attributes dotsgw
 * does not model but may meet (telemetry, call home, vendor keys) are kept
 * aside as raw CBOR in a struct dots_optv so that a relay can pass them on
 * unchanged. Every object here is owned by whoever holds the outermost
 * struct; the *_free functions release the members, not the struct itself.
 */
#ifndef DOTSGW_DOTS_MSG_H
#define DOTSGW_DOTS_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

/* status (RFC 9132 §5.3.3, IANA "DOTS Signal Channel Status Codes") */
enum dots_status {
	DOTS_STATUS_IN_PROGRESS = 1,		/* attack-mitigation-in-progress */
	DOTS_STATUS_MITIGATED = 2,		/* attack-successfully-mitigated */
	DOTS_STATUS_STOPPED = 3,		/* attack-stopped */
	DOTS_STATUS_EXCEEDED = 4,		/* attack-exceeded-capability */
	DOTS_STATUS_CLIENT_WITHDRAWN = 5,	/* dots-client-withdrawn-mitigation */
	DOTS_STATUS_TERMINATED = 6,		/* attack-mitigation-terminated */
	DOTS_STATUS_WITHDRAWN = 7,		/* attack-mitigation-withdrawn */
	DOTS_STATUS_SIGNAL_LOSS = 8,		/* attack-mitigation-signal-loss */
};

enum dots_conflict_status {
	DOTS_CONFLICT_INACTIVE_OTHER_ACTIVE = 1,
	DOTS_CONFLICT_REQUEST_ACTIVE = 2,
	DOTS_CONFLICT_ALL_INACTIVE = 3,
};

enum dots_conflict_cause {
	DOTS_CAUSE_OVERLAPPING_TARGETS = 1,
	DOTS_CAUSE_ACCEPTLIST = 2,
	DOTS_CAUSE_CUID_COLLISION = 3,
	DOTS_CAUSE_LEGITIMATE_TRAFFIC = 4,	/* RFC 9066 */
	DOTS_CAUSE_OVERLAPPING_PIPES = 5,	/* RFC 9244 */
};

enum dots_attack_status {
	DOTS_ATTACK_UNDER_ATTACK = 1,
	DOTS_ATTACK_MITIGATED = 2,
};

enum dots_activation_type {		/* RFC 8783, used by RFC 9133 */
	DOTS_ACT_WHEN_MITIGATING = 1,
	DOTS_ACT_IMMEDIATE = 2,
	DOTS_ACT_DEACTIVATE = 3,
};

#define DOTS_LIFETIME_INDEFINITE	(-1)
#define DOTS_MID_ROLLOVER		3221225471u

/* A list of strings; each element and the vector are heap allocated. */
struct strv {
	char	**v;
	size_t	  n;
};

/* One attribute kept aside: its key and its value as encoded CBOR. */
struct dots_opt {
	uint64_t  key;
	uint8_t	 *cbor;
	size_t	  len;
};

struct dots_optv {
	struct dots_opt *v;
	size_t		 n;
};

/* acl-list entry: RFC 9132 conflict-scope form and RFC 9133 form share it. */
struct dots_acl {
	char		*acl_name;		/* key 23 */
	char		*acl_type;		/* key 24, conflict-scope only */
	uint32_t	 activation_type;	/* key 52, 0 = absent */
};

struct dots_scope;

struct dots_conflict {			/* conflict-information, key 17 */
	uint32_t	 conflict_status;	/* key 18, 0 = absent */
	uint32_t	 conflict_cause;	/* key 19, 0 = absent */
	bool		 has_retry_timer;
	uint32_t	 retry_timer;		/* key 20 */
	struct dots_scope *conflict_scope;	/* key 21, NULL = absent */
};

/* Which optional members of a struct dots_scope are present. */
#define DOTS_SCOPE_MID			0x0001u
#define DOTS_SCOPE_LIFETIME		0x0002u
#define DOTS_SCOPE_MITIGATION_START	0x0004u
#define DOTS_SCOPE_STATUS		0x0008u
#define DOTS_SCOPE_TRIGGER		0x0010u
#define DOTS_SCOPE_ATTACK_STATUS	0x0020u
#define DOTS_SCOPE_BYTES_DROPPED	0x0040u
#define DOTS_SCOPE_BPS_DROPPED		0x0080u
#define DOTS_SCOPE_PKTS_DROPPED		0x0100u
#define DOTS_SCOPE_PPS_DROPPED		0x0200u

/*
 * One element of mitigation-scope/scope (key 2), also used for
 * conflict-scope (key 21), which has the same target members plus mid.
 * Lists with n == 0 are absent.
 */
struct dots_scope {
	uint32_t	 present;		/* DOTS_SCOPE_* bits */
	uint32_t	 mid;			/* key 5 (responses, conflict-scope) */
	struct prefix	*target_prefix;		/* key 6 */
	size_t		 n_target_prefix;
	struct port_range *target_port_range;	/* key 7 (8 lower, 9 upper) */
	size_t		 n_target_port_range;
	uint8_t		*target_protocol;	/* key 10 */
	size_t		 n_target_protocol;
	struct strv	 target_fqdn;		/* key 11 */
	struct strv	 target_uri;		/* key 12 */
	struct strv	 alias_name;		/* key 13 */
	int64_t		 lifetime;		/* key 14, -1 = indefinite */
	uint64_t	 mitigation_start;	/* key 15 */
	uint32_t	 status;		/* key 16, enum dots_status */
	struct dots_conflict *conflict;		/* key 17, NULL = absent */
	struct dots_acl	*acl_list;		/* key 22 or key 53 */
	size_t		 n_acl_list;
	bool		 acl_list_rfc9133;	/* came as key 53 */
	uint64_t	 bytes_dropped;		/* key 25 */
	uint64_t	 bps_dropped;		/* key 26 */
	uint64_t	 pkts_dropped;		/* key 27 */
	uint64_t	 pps_dropped;		/* key 28 */
	uint32_t	 attack_status;		/* key 29 */
	bool		 trigger_mitigation;	/* key 45 */
	struct dots_optv opt;			/* comprehension-optional keys */
};

/* ietf-dots-signal-channel:mitigation-scope (key 1). */
struct dots_mitigation {
	struct dots_scope *scope;		/* key 2 */
	size_t		   n_scope;
	struct dots_optv   opt;
};

/*
 * One signal-config parameter. Integer parameters hold their value as is;
 * ack-timeout and ack-random-factor (decimal64, 2 fraction digits) hold
 * hundredths: "2.00" is 200.
 */
struct dots_cfg_param {
	bool	 has_max, has_min, has_cur;
	uint32_t max, min, cur;
};

enum dots_cfg_param_id {
	DOTS_CFG_HEARTBEAT_INTERVAL,	/* key 33 */
	DOTS_CFG_MISSING_HB_ALLOWED,	/* key 37 */
	DOTS_CFG_MAX_RETRANSMIT,	/* key 38 */
	DOTS_CFG_ACK_TIMEOUT,		/* key 39, decimal */
	DOTS_CFG_ACK_RANDOM_FACTOR,	/* key 40, decimal */
	DOTS_CFG_PROBING_RATE,		/* key 50 */
	DOTS_CFG_NPARAMS
};

struct dots_cfg_set {			/* mitigating-config (32), idle-config (44) */
	struct dots_cfg_param p[DOTS_CFG_NPARAMS];
};

/* ietf-dots-signal-channel:signal-config (key 30). */
struct dots_signal_config {
	bool		    has_sid;		/* key 31: never in bodies we send */
	uint32_t	    sid;
	bool		    has_mitigating, has_idle;
	struct dots_cfg_set mitigating;		/* key 32 */
	struct dots_cfg_set idle;		/* key 44 */
};

/* ietf-dots-signal-channel:heartbeat (key 49). */
struct dots_heartbeat {
	bool	peer_hb_status;			/* key 51 */
};

/* ietf-dots-signal-channel:redirected-signal (key 46). */
struct dots_redirect {
	char		*alt_server;		/* key 47 */
	struct strv	 alt_server_record;	/* key 48 */
};

/*
 * dotsgw:registration (private-use key 49153): what an ISP gateway tells
 * an orchestrator about itself in the provisioning stage (draft-nishizuka
 * -dots-inter-domain-mechanism §4.1, carried on the signal channel).
 */
enum dots_reg_transport {
	DOTS_REG_DTLS = 1,
	DOTS_REG_TLS = 2,
};

#define DOTS_REG_MAX_LIST	32	/* attack types, countermeasures,
					   served prefixes */
#define DOTS_REG_MAX_TEXT	64

struct dots_registration {
	char		*server_address;	/* numeric; NULL = the address
						   the registration came from */
	uint16_t	 server_port;		/* 0 = 4646 */
	uint8_t		 server_transport;	/* DOTS_REG_*; 0 = dtls */
	uint64_t	 capacity_bps, capacity_pps;	/* 0 = not said */
	struct strv	 attack_types;
	struct strv	 countermeasures;
	uint64_t	 threshold_bps, threshold_pps;	/* refuses above */
	uint32_t	 threshold_duration;	/* seconds; 0 = not said */
	struct prefix	*served;		/* prefixes it serves */
	size_t		 n_served;
	uint64_t	 registration_time;	/* Unix seconds; responses */
	char		*tunnel;		/* the draft's returning path: */
	char		*next_hop;		/* tunnel-information, next-hop */
	char		*dc_cuid;		/* the data-channel dots-client that
						   carries it; NULL from /register */
};

void	dots_registration_free(struct dots_registration *);

void	strv_free(struct strv *);
int	strv_push(struct strv *, const char *);	/* copies; 0 or -1 */
int	strv_copy(struct strv *dst, const struct strv *src);

void	dots_optv_free(struct dots_optv *);
int	dots_optv_copy(struct dots_optv *dst, const struct dots_optv *src);
/* Replace the value of o->key, or add it (copied); 0 or -1. */
int	dots_optv_set(struct dots_optv *, const struct dots_opt *o);
const struct dots_opt *dots_optv_get(const struct dots_optv *, uint64_t key);

void	dots_scope_free(struct dots_scope *);	/* members only */
int	dots_scope_copy(struct dots_scope *dst, const struct dots_scope *src);
void	dots_mitigation_free(struct dots_mitigation *);
void	dots_redirect_free(struct dots_redirect *);

/*
 * The target members of a and b (prefix, port range, protocol, fqdn, uri,
 * alias) are the same sets; lifetime, trigger and status are ignored.
 * Used for the refresh and efficacy-update "unchanged" rule.
 */
bool	dots_scope_same_target(const struct dots_scope *a,
	    const struct dots_scope *b);
/* Two scopes overlap (RFC 9132 §4.4.1): they share an address, prefix,
 * FQDN, URI or alias (and, when both name ports/protocols, one of those). */
bool	dots_scope_overlaps(const struct dots_scope *a,
	    const struct dots_scope *b);

const char *dots_status_name(uint32_t status);	/* "attack-..." or "unknown" */
/* "heartbeat-interval"...; ack-timeout and ack-random-factor are decimal. */
const char *dots_cfg_param_name(enum dots_cfg_param_id);
bool	dots_cfg_param_is_decimal(enum dots_cfg_param_id);

#endif
