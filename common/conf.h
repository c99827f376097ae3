/*
 * dotsgw configuration: one YAML file, loaded into a fresh struct conf that
 * is fully validated before anyone uses it (a failed load changes nothing).
 * Errors read "FILE:LINE: KEY: problem". Relative paths of credentials are
 * resolved against state-dir, itself relative to the config file.
 */
#ifndef DOTSGW_CONF_H
#define DOTSGW_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dots_msg.h"
#include "prefix.h"

#define CONF_ERRLEN		512
#define CONF_PSK_MAX		64	/* libcoap COAP_DTLS_MAX_PSK(_IDENTITY) */
#define DOTS_DEFAULT_PORT	4646
#define CONF_SHARDS_DEFAULT	4096	/* tests/bench/README.md, issue 16 */
#define CONF_SHARDS_MAX		4096

struct conf_listen {
	char		 address[64];	/* numeric IPv4 or IPv6 */
	uint16_t	 port;
	bool		 dtls;		/* coaps */
	bool		 tls;		/* coaps+tcp */
	uint16_t	 shards;	/* dtls endpoints on it (SO_REUSEPORT) */
};

struct conf_credentials {
	char		*ca_file;	/* PEM; NULL = no X.509 */
	char		*cert_file;
	char		*key_file;
	char		*psk_hint;	/* server PSK hint; NULL = "dotsgw" */
};

/*
 * Which upstreams a relayed request goes to (policies/select.h; the
 * inter-domain draft §3.1 leaves it to each ISP's policy).
 */
enum conf_strategy {
	SEL_ALL,		/* every permitted upstream that is up */
	SEL_FAILOVER,		/* the first in order that is up and willing */
	SEL_CAPACITY,		/* the one with most declared headroom */
	SEL_PREFIX,		/* those whose serves: cover the request */
	SEL_NEAR_SOURCE,	/* those whose sources: cover its sources */
	SEL_NONE,		/* nobody (only as a fallback) */
};

struct conf_select {
	enum conf_strategy strategy;	/* default all */
	enum conf_strategy fallback;	/* prefix, near-source without a
					   match; default all */
	struct strv	 upstreams;	/* candidates in this order; empty =
					   every permitted, config order */
};

/* "select-by-target:" entry: requests whose targets all lie inside
 * prefix use sel instead of the peer's select. */
struct conf_select_target {
	struct prefix	 prefix;
	struct conf_select sel;
};

/*
 * What a peer may ask for (policies/ checks it). Prefixes are required;
 * empty ports or protocols mean any; empty fqdns means no names at all.
 */
struct conf_policy {
	struct prefix	*prefixes;	/* targets must lie inside one; required */
	size_t		 n_prefixes;
	struct port_range *ports;
	size_t		 n_ports;
	uint8_t		*protocols;
	size_t		 n_protocols;
	struct strv	 fqdns;		/* allowed domain suffixes */
	uint32_t	 max_mitigations;	/* active at once; default 64 */
	int64_t		 max_lifetime;	/* seconds; -1 = indefinite allowed */
	/* what may be done with its requests ("actions: [local, upstream]") */
	bool		 allow_local;	/* mitigate with our own means */
	bool		 allow_upstream;	/* re-originate to upstreams */
	struct strv	 upstreams;	/* peer names it may be relayed to;
					   empty = every upstream */
	/* request rate: token bucket ("rate: {per-second: R, burst: B}") */
	uint32_t	 rate_per_s;	/* default 10 */
	uint32_t	 rate_burst;	/* default 20 */
	bool		 drop_optional;	/* strip unknown comprehension-optional
					   attributes when relaying */
	struct conf_select select;	/* "select:" */
	struct conf_select_target *select_by_target;	/* first match wins */
	size_t		 n_select_by_target;
	/* what our local mitigator may do for it ("mitigation-actions") */
	unsigned	 mitigation_actions;	/* CONF_ACT_* bits */
	uint32_t	 max_rules;	/* mitigator rules at once; default 100 */
};

/* A peer role: downstream peers ask us, upstream peers serve us. */
#define PEER_DOWNSTREAM	0x1
#define PEER_UPSTREAM	0x2

/*
 * How we reach a peer as its DOTS client ("upstream:" mapping), and what
 * we present there. Our X.509 credentials default to the top-level ones.
 * libcoap does not check the server name: dotsgw does, against
 * server_name (default: the peer name).
 */
struct conf_upstream {
	char		 address[64];	/* numeric IPv4 or IPv6 */
	uint16_t	 port;		/* default 4646 */
	bool		 tls;		/* transport: tls (coaps+tcp); else dtls */
	char		*psk_identity;	/* ours toward it; NULL = X.509 */
	uint8_t		 psk_key[CONF_PSK_MAX];
	size_t		 psk_key_len;
	char		*ca_file;	/* absolute; default credentials.ca */
	char		*cert_file;	/* default credentials.cert */
	char		*key_file;	/* default credentials.key */
	char		*server_name;	/* expected CN/DNS SAN; default name */
	uint64_t	 capacity_bps;	/* declared headroom, 0 = unknown */
	uint64_t	 capacity_pps;
	uint32_t	 hop_limit;	/* Hop-Limit we start with, default 16 */
	/* seconds between GETs of a placement it does not let us observe
	 * (RFC 7641 §4.1); 0: its negotiated heartbeat-interval */
	uint32_t	 poll_interval;
	struct prefix	*serves;	/* targets it says it protects */
	size_t		 n_serves;
	struct prefix	*sources;	/* attack sources it is near to */
	size_t		 n_sources;
	/* an orchestrator learns the address of an ISP peer from its
	 * registration (address absent in the config) */
	bool		 from_registration;
	bool		 rfc9133;	/* takes acl-list (key 53): "rfc9133" */
	/* its DOTS data channel ("data-channel: {port, address, timeout}"),
	 * where the ACLs a relayed acl-list names are created first */
	struct conf_up_dc {
		uint16_t	 port;		/* 0 = none (key absent) */
		char		 address[64];	/* "" = the upstream's address */
		uint32_t	 timeout_ms;	/* one request at most; default
						   10000 */
	} dc;
	/* toward an orchestrator ("orchestrator: true"): what we register
	 * there on session up; without "register:" we cancel instead */
	bool		 orchestrator;
	bool		 has_register;
	struct dots_registration reg;
};

/* An RFC 8783 ACL staged by the operator for a downstream peer ("acls:");
 * RFC 9133 acl-list requests activate it (policies/acl.h). */
enum conf_ace_action {
	CONF_ACE_DROP = 1,
	CONF_ACE_ACCEPT,
	CONF_ACE_RATE_LIMIT,
};

struct conf_ace {
	char		*name;
	bool		 has_dst;	/* required: ace_check */
	struct prefix	 dst;		/* destination-prefix */
	bool		 has_src;
	struct prefix	 src;		/* source-prefix */
	bool		 has_proto;
	uint8_t		 proto;		/* protocol */
	bool		 has_sport, has_dport, has_icmp;
	struct port_range sport;	/* source-port-range */
	struct port_range dport;	/* destination-port-range */
	uint8_t		 icmp_type;	/* icmp-type */
	enum conf_ace_action action;
	uint64_t	 rate;		/* bytes/s, rate-limit only */
};

struct conf_acl {
	char		*name;
	uint8_t		 family;	/* AF_INET or AF_INET6 ("type") */
	struct conf_ace	*aces;
	size_t		 n_aces;
};

struct conf_peer {
	char		*name;
	unsigned	 roles;		/* PEER_* bits: identity => DOWNSTREAM,
					   "upstream:" => UPSTREAM */
	char		*psk_identity;	/* NULL = no PSK for this peer */
	uint8_t		 psk_key[CONF_PSK_MAX];
	size_t		 psk_key_len;
	char		*cert_name;	/* CN or DNS SAN; NULL = no X.509 */
	bool		 trusted_gateway;	/* may send cdid */
	struct conf_policy policy;	/* downstream peers only */
	struct conf_upstream up;	/* upstream peers only */
	struct conf_acl	*acls;		/* downstream peers only */
	size_t		 n_acls;
};

/* Our own mitigation capacity ("capacity:"), for the relay decision. */
struct conf_capacity {
	uint64_t	 bps;		/* 0 = nothing local */
	uint64_t	 pps;
	uint32_t	 rules;		/* mitigations at once; 0 = unlimited */
	uint64_t	 default_attack_bps;	/* volume of a request that */
	uint64_t	 default_attack_pps;	/* carries no attack information */
};

/* Local mitigator actions (policies/flowspec.h), weakest first. */
#define CONF_ACT_RATE_LIMIT	0x1	/* flowspec traffic-rate (RFC 8955) */
#define CONF_ACT_DISCARD	0x2	/* flowspec traffic-rate 0 */
#define CONF_ACT_RTBH		0x4	/* BLACKHOLE route (RFC 7999) */

enum conf_mitigator_type {
	MITIGATOR_LOG,		/* log the rules only */
	MITIGATOR_BGP,		/* a local gobgpd, driven by its CLI */
	MITIGATOR_EXABGP,	/* a local exabgp, through its process API */
};

/* the exabgp relay's Unix socket (sun_path is 108 bytes with its NUL);
 * Debian's exabgp unit makes /run/exabgp for its user */
#define EXABGP_SOCKET_DEFAULT	"/run/exabgp/dotsgw.sock"
#define EXABGP_SOCKET_MAX	107

#define CONF_SEVERITIES		6	/* attack-severity 1..5; 0 = none given */

/* The local mitigator back-end ("mitigator:"). */
struct conf_mitigator {
	enum conf_mitigator_type type;
	char		*gobgp;		/* CLI program; default "gobgp" */
	char		 api_host[64];	/* gobgpd gRPC; default 127.0.0.1 */
	uint16_t	 api_port;	/* default 50051 */
	char		*socket;	/* exabgp relay's Unix socket (absolute);
					   default /run/exabgp/dotsgw.sock */
	uint16_t	 community_asn;	/* marker community on every route */
	uint16_t	 community_value;	/* we announce, default 65535:4646 */
	char		 rtbh_next_hop[64];	/* default 192.0.2.1 */
	uint32_t	 timeout_ms;	/* one CLI run at most; default 5000 */
	uint32_t	 max_rules;	/* all peers together; default 1000 */
	uint64_t	 rate_limit;	/* bytes/s of the rate-limit action */
	/* action per attack-severity (RFC 9244 attack-detail), CONF_ACT_* */
	unsigned	 severity_action[CONF_SEVERITIES];
	char		*counters;	/* counter file (absolute); NULL = none */
	uint32_t	 stats_interval;	/* seconds; default 5 */
	uint32_t	 reconcile_interval;	/* seconds; default 30 */
};

/* Offload by utilization (draft-hayashi-dots-dms-offload). */
struct conf_offload {
	uint32_t	 high;		/* percent; 0 = never offload */
	uint32_t	 low;		/* take back below this */
	bool		 running;	/* move running overflow upstream too */
};

enum conf_cdid_mode {
	CDID_INSERT,	/* first server-domain gateway: strip, insert ours */
	CDID_KEEP,	/* pass a trusted gateway's cdid, insert none */
	CDID_OFF,	/* never send cdid upstream */
};

/* Relay behaviour ("gateway:"). */
struct conf_gateway {
	enum conf_cdid_mode cdid;	/* default insert */
	uint32_t	 hop_limit;	/* default 16 (RFC 8768) */
	uint32_t	 relay_timeout_ms;	/* longest wait for an upstream
					   before answering downstream;
					   default 2000 */
};

/*
 * The control sockets ("control:"): UNIX stream sockets for dotsctl
 * status and reload. The full socket (status, reload) and an optional
 * read-only one (status only), each with its own mode and group, like
 * bgpd's control and restricted sockets.
 */
struct conf_control_sock {
	char		*path;		/* absolute; NULL = none */
	uint32_t	 mode;		/* file mode, default 0660 */
	char		*group;		/* group name; NULL = the daemon's */
};
struct conf_control {
	struct conf_control_sock full;	/* default <state-dir>/dotsgwd.sock */
	struct conf_control_sock ro;	/* default none */
};

/* The local admin endpoint ("admin:"): HTTP /metrics (Prometheus). */
struct conf_admin {
	char		 address[64];	/* numeric; default 127.0.0.1 */
	uint16_t	 port;		/* 0 = no admin endpoint (default) */
	bool		 allow_remote;	/* a non-loopback address needs it */
};

/*
 * The DOTS data channel ("data-channel:", RFC 8783): RESTCONF over HTTPS
 * with mutual X.509 on the credentials of the signal channel, on its own
 * port. PSK is not offered (libmicrohttpd 0.9.75 has no server PSK
 * callback in Debian's build).
 */
struct conf_data_channel {
	char		 address[64];	/* numeric; default "::" */
	uint16_t	 port;		/* 0 = no data channel (default) */
	uint32_t	 max_aliases;	/* per peer, all its cuids; default 64 */
	uint32_t	 max_acls;	/* filtering ACLs per peer; default 64 */
	uint32_t	 max_clients;	/* registered cuids per peer; default 16 */
	uint32_t	 lifetime;	/* minutes an alias or ACL lives
					   unrefreshed (pending-lifetime);
					   default 10080 */
};

/*
 * Overload protection ("overload:"): one token bucket for every
 * downstream request together (5.03 with Max-Age when empty; shared
 * fairly, see policies/rate.h), and how many DOTS clients (cuids) one
 * peer may hold in the table at once.
 */
struct conf_overload {
	uint32_t	 rate_per_s;	/* default 1000 */
	uint32_t	 rate_burst;	/* default 2000 */
	uint32_t	 max_clients;	/* cuids per peer, default 64 */
};

/*
 * RFC 9244 telemetry ("telemetry:"): how many setups (tsid) and
 * pre-or-ongoing-mitigation reports (tmid) one peer may hold, all its
 * cuids together; beyond, 5.03 with Max-Age.
 */
struct conf_telemetry {
	uint32_t	 max_setups;	/* per peer, default 32 */
	uint32_t	 max_reports;	/* per peer, default 64 */
};

/* Usage accounting ("usage:"): how long hourly buckets are kept. */
struct conf_usage {
	uint32_t	 retention_days;	/* 0 = for ever (default) */
};

/* Server policy for one signal-config parameter: range and default. */
struct conf_sigparam {
	uint32_t	 min, max, def;	/* decimals in hundredths */
};

/* Where the state store lives ("store:"). */
enum conf_store_type {
	CONF_STORE_SQLITE,	/* default: <state-dir>/dotsgw-<node-id>.db */
	CONF_STORE_POSTGRESQL,
};

struct conf_store {
	enum conf_store_type type;
	char		*conninfo;	/* libpq's; postgresql only */
};

/* A cluster of nodes on one PostgreSQL database ("cluster:"); name NULL:
 * no cluster, the node owns its database alone. */
struct conf_cluster {
	char		*name;		/* the same on every node */
	char		*node_id;	/* distinct on every node */
	uint32_t	 lease_time;	/* seconds, default 10 */
};

/* conninfo with any password replaced by <redacted>, into buf. */
void	conf_conninfo_redact(const char *conninfo, char *buf, size_t len);

enum conf_role {
	ROLE_GATEWAY,		/* default */
	ROLE_ORCHESTRATOR,	/* centralized mode: ISPs register, requests
				   are fanned out to the other ISPs */
};

struct conf {
	char		*path;		/* the file loaded */
	enum conf_role	 role;
	char		*node_id;	/* our name in 5.08 paths and logs */
	char		*state_dir;	/* absolute */
	struct conf_listen *listen;
	size_t		 n_listen;
	struct conf_credentials creds;
	/* ranges and defaults, indexed by enum dots_cfg_param_id; one set
	 * serves both idle-config and mitigating-config */
	struct conf_sigparam sig[DOTS_CFG_NPARAMS];
	uint32_t	 config_max_age;	/* Max-Age on config responses */
	uint32_t	 active_but_terminating;	/* seconds, RFC 9132 §4.4.4 */
	struct conf_capacity capacity;
	struct conf_gateway gateway;
	struct conf_overload overload;
	struct conf_admin admin;
	struct conf_data_channel data_channel;
	struct conf_control control;
	char		*audit_log;	/* absolute; NULL = no audit log */
	uint32_t	 huge_pages_above; /* MiB of heap; 0 = never */
	struct conf_store store;
	struct conf_cluster cluster;
	struct conf_mitigator mitigator;
	struct conf_offload offload;
	struct conf_telemetry telemetry;
	struct conf_usage usage;
	struct conf_peer *peers;
	size_t		 n_peers;
};

/* Called for each non-fatal finding (e.g. secrets readable by others). */
typedef void (*conf_warn_fn)(void *arg, const char *msg);

/* 0 with *out set, or -1 with err holding "file:line: key: problem". */
int	conf_load(const char *path, struct conf **out, char *err, size_t errlen,
	    conf_warn_fn warn, void *warnarg);
/* The same from a string (for tests and fuzzing); name labels errors. */
int	conf_load_string(const char *name, const char *text, size_t len,
	    struct conf **out, char *err, size_t errlen,
	    conf_warn_fn warn, void *warnarg);
void	conf_free(struct conf *);

const struct conf_peer *conf_peer_by_name(const struct conf *, const char *);
const struct conf_peer *conf_peer_by_psk_identity(const struct conf *,
	    const uint8_t *id, size_t len);
const struct conf_peer *conf_peer_by_cert_name(const struct conf *,
	    const char *name);

/* Two optional strings (NULL = absent) are the same, for comparing
 * configurations. */
bool	conf_str_same(const char *, const char *);

/*
 * The effective configuration as YAML that conf_load accepts (dotsgwd
 * -nv): every key, defaults included, paths absolute; a key without a
 * value is a comment. PSK keys are printed as psk-key-hex: "<redacted>"
 * (which does not load) unless flags has CONF_PRINT_SECRETS. 0, or -1
 * on a write error or a value that cannot be printed (then the output
 * would not load back).
 */
#define CONF_PRINT_SECRETS	0x1
int	conf_print(const struct conf *, FILE *);
int	conf_print_flags(const struct conf *, FILE *, unsigned flags);

/* The RFC 9132 Appendix C defaults, as conf_load fills them. */
void	conf_sig_defaults(struct conf_sigparam sig[DOTS_CFG_NPARAMS]);

#endif
