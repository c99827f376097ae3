/*
 * The configuration schema: one table of keys per YAML mapping (name,
 * expected node type, required flag, bounds, field offset, handler), the
 * handlers specific to one key, the cross-key checks of each mapping and
 * the defaults. conf_walk.c walks the tables; conf_print.c walks them
 * again to print a loaded configuration.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_impl.h"

/* ---- listen ----------------------------------------------------------- */

const struct word conf_transport_flags[] = {
	{ "dtls", offsetof(struct conf_listen, dtls) },
	{ "tls", offsetof(struct conf_listen, tls) },
	{ NULL, 0 }
};

int h_transports(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return flag_list(ld, n, "at least one transport is needed",
	    conf_transport_flags, obj);
}

static const struct key listen_keys[] = {
	{ "address", KT_SCALAR, true, 0, ADDRLEN(conf_listen),
	    offsetof(struct conf_listen, address), h_address, NULL },
	{ "port", KT_SCALAR, false, 1, 65535,
	    offsetof(struct conf_listen, port), h_u16, NULL },
	{ "transports", KT_LIST, false, 0, 0, 0, h_transports, NULL },
	{ "shards", KT_SCALAR, false, 1, CONF_SHARDS_MAX,
	    offsetof(struct conf_listen, shards), h_u16, NULL },
	KEY_END
};
const struct schema conf_listen_schema = { listen_keys, NULL };

static void listen_default(struct conf_listen *l)
{
	memset(l, 0, sizeof(*l));
	strcpy(l->address, "127.0.0.1");
	l->port = DOTS_DEFAULT_PORT;
	l->dtls = l->tls = true;
	l->shards = CONF_SHARDS_DEFAULT;
}

/* Two numeric addresses and ports name the same endpoint ("::1" is
 * "0::1"). */
static bool addr_same(const char *a, uint16_t aport, const char *b,
    uint16_t bport)
{
	uint8_t	 x[16], y[16];
	int	 af = strchr(a, ':') != NULL ? AF_INET6 : AF_INET;

	if (aport != bport || (strchr(b, ':') != NULL) != (af == AF_INET6))
		return false;
	if (inet_pton(af, a, x) != 1 || inet_pton(af, b, y) != 1)
		return false;
	return memcmp(x, y, af == AF_INET6 ? 16 : 4) == 0;
}

static int item_listen(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	struct conf_listen *l = arr;
	size_t		 j;

	listen_default(&l[i]);
	l[i].address[0] = '\0';
	if (walk_map(ld, n, &conf_listen_schema, &l[i]) == -1)
		return -1;
	for (j = 0; j < i; j++)
		if (addr_same(l[i].address, l[i].port, l[j].address,
		    l[j].port))
			return lerr(ld, line_of(n), "duplicate of listen[%zu]",
			    j);
	return 0;
}

int h_listen(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf	*c = obj;

	return walk_items(ld, n, "at least one listener is needed",
	    sizeof(*c->listen), (void **)&c->listen, &c->n_listen,
	    item_listen);
}

/* ---- credentials ------------------------------------------------------ */

/* ca, cert and key: our X.509 files, at the top and per upstream. */
#define X509_KEYS(st)							\
	{ "ca", KT_SCALAR, false, 0, PATH_MAX,				\
	    offsetof(struct st, ca_file), h_str, NULL },		\
	{ "cert", KT_SCALAR, false, 0, PATH_MAX,			\
	    offsetof(struct st, cert_file), h_str, NULL },		\
	{ "key", KT_SCALAR, false, 0, PATH_MAX,				\
	    offsetof(struct st, key_file), h_str, NULL }

static const struct key cred_keys[] = {
	X509_KEYS(conf_credentials),
	{ "psk-hint", KT_SCALAR, false, 0, CONF_PSK_MAX,
	    offsetof(struct conf_credentials, psk_hint), h_str, NULL },
	KEY_END
};

static int cred_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_credentials *cr = obj;

	return cert_key_check(ld, map, cr->cert_file, cr->key_file);
}
static const struct schema cred_schema = { cred_keys, cred_check };

/* ---- signal-config ---------------------------------------------------- */

static void fmt_sig(char *buf, size_t len, uint32_t v, bool dec)
{
	if (dec)
		snprintf(buf, len, "%u.%02u", v / 100, v % 100);
	else
		snprintf(buf, len, "%u", v);
}

static int sig_check(struct ld *ld, yaml_node_t *map,
    struct conf_sigparam *p, bool dec)
{
	char		 a[16], b[16], d[16];
	yaml_node_t	*vn;

	fmt_sig(a, sizeof(a), p->min, dec);
	fmt_sig(b, sizeof(b), p->max, dec);
	fmt_sig(d, sizeof(d), p->def, dec);
	if (p->min > p->max) {
		vn = map_find(ld, map, "min", NULL);
		path_push_key(ld, "min");
		return lerr(ld, line_of(vn ? vn : map), "%s exceeds max %s",
		    a, b);
	}
	if (p->def < p->min || p->def > p->max) {
		if ((vn = map_find(ld, map, "default", NULL)) == NULL)
			return lerr(ld, line_of(map), "the implied default %s "
			    "is outside min..max %s..%s; set default", d, a, b);
		path_push_key(ld, "default");
		return lerr(ld, line_of(vn), "%s is outside min..max %s..%s",
		    d, a, b);
	}
	return 0;
}

static int sig_int_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	return sig_check(ld, map, obj, false);
}

static int sig_dec_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	return sig_check(ld, map, obj, true);
}

/* min, max and default of one parameter: the same bounds and type. */
#define SIG_KEYS(lo, hi, fn) {						\
	{ "min", KT_SCALAR, false, lo, hi,				\
	    offsetof(struct conf_sigparam, min), fn, NULL },		\
	{ "max", KT_SCALAR, false, lo, hi,				\
	    offsetof(struct conf_sigparam, max), fn, NULL },		\
	{ "default", KT_SCALAR, false, lo, hi,				\
	    offsetof(struct conf_sigparam, def), fn, NULL },		\
	KEY_END								\
}

/* Integer parameters are uint16 in the YANG module. */
static const struct key sig_int_keys[] = SIG_KEYS(1, 65535, h_u32);
static const struct schema sig_int_schema = { sig_int_keys, sig_int_check };

static const struct key sig_ackto_keys[] = SIG_KEYS(1, 100000, h_dec);
static const struct schema sig_ackto_schema = { sig_ackto_keys,
    sig_dec_check };

/* CoAP: ACK_RANDOM_FACTOR MUST NOT be below 1.0 (RFC 7252 §4.8). */
static const struct key sig_ackrf_keys[] = SIG_KEYS(100, 100000, h_dec);
static const struct schema sig_ackrf_schema = { sig_ackrf_keys,
    sig_dec_check };

static const struct key sig_keys[] = {
	{ "heartbeat-interval", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_HEARTBEAT_INTERVAL), h_map, &sig_int_schema },
	{ "missing-hb-allowed", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_MISSING_HB_ALLOWED), h_map, &sig_int_schema },
	{ "max-retransmit", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_MAX_RETRANSMIT), h_map, &sig_int_schema },
	{ "ack-timeout", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_ACK_TIMEOUT), h_map, &sig_ackto_schema },
	{ "ack-random-factor", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_ACK_RANDOM_FACTOR), h_map, &sig_ackrf_schema },
	{ "probing-rate", KT_MAP, false, 0, 0,
	    SIGOFF(DOTS_CFG_PROBING_RATE), h_map, &sig_int_schema },
	{ "max-age", KT_SCALAR, false, 0, UINT32_MAX,
	    offsetof(struct conf, config_max_age), h_u32, NULL },
	KEY_END
};
static const struct schema sig_schema = { sig_keys, NULL };

static const struct key mitigation_keys[] = {
	{ "active-but-terminating", KT_SCALAR, false, 0, 300,
	    offsetof(struct conf, active_but_terminating), h_u32, NULL },
	KEY_END
};
static const struct schema mitigation_schema = { mitigation_keys, NULL };

/* ---- capacity and gateway ---------------------------------------------- */

static const struct key capacity_keys[] = {
	{ "bps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_capacity, bps), h_u64, NULL },
	{ "pps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_capacity, pps), h_u64, NULL },
	{ "rules", KT_SCALAR, false, 0, UINT32_MAX,
	    offsetof(struct conf_capacity, rules), h_u32, NULL },
	{ "default-attack-bps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_capacity, default_attack_bps), h_u64, NULL },
	{ "default-attack-pps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_capacity, default_attack_pps), h_u64, NULL },
	KEY_END
};
const struct schema conf_capacity_schema = { capacity_keys, NULL };

const struct word conf_cdid_words[] = {
	{ "insert", CDID_INSERT }, { "keep", CDID_KEEP },
	{ "off", CDID_OFF }, { NULL, 0 }
};

int h_cdid(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_cdid_words, false, &v) == -1)
		return -1;
	((struct conf_gateway *)obj)->cdid = (enum conf_cdid_mode)v;
	return 0;
}

static const struct key gateway_keys[] = {
	{ "cdid", KT_SCALAR, false, 0, 0, 0, h_cdid, NULL },
	{ "hop-limit", KT_SCALAR, false, 1, 255,
	    offsetof(struct conf_gateway, hop_limit), h_u32, NULL },
	{ "relay-timeout", KT_SCALAR, false, 100, 60000,
	    offsetof(struct conf_gateway, relay_timeout_ms), h_u32, NULL },
	KEY_END
};
static const struct schema gateway_schema = { gateway_keys, NULL };

static const struct key overload_rate_keys[] = {
	{ "per-second", KT_SCALAR, false, 1, 10000000,
	    offsetof(struct conf_overload, rate_per_s), h_u32, NULL },
	{ "burst", KT_SCALAR, false, 1, 10000000,
	    offsetof(struct conf_overload, rate_burst), h_u32, NULL },
	KEY_END
};
static const struct schema overload_rate_schema = { overload_rate_keys,
	NULL };

static const struct key overload_keys[] = {
	{ "rate", KT_MAP, false, 0, 0, 0, h_map, &overload_rate_schema },
	{ "max-clients-per-peer", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_overload, max_clients), h_u32, NULL },
	KEY_END
};
static const struct schema overload_schema = { overload_keys, NULL };

/* ---- admin endpoint and audit log ------------------------------------- */

static bool addr_loopback(const char *a)
{
	uint8_t	 b[16];
	static const uint8_t v6lo[16] = { [15] = 1 };

	if (inet_pton(AF_INET, a, b) == 1)
		return b[0] == 127;
	return inet_pton(AF_INET6, a, b) == 1 && memcmp(b, v6lo, 16) == 0;
}

static const struct key admin_keys[] = {
	{ "address", KT_SCALAR, false, 0, ADDRLEN(conf_admin),
	    offsetof(struct conf_admin, address), h_address, NULL },
	{ "port", KT_SCALAR, false, 0, 65535,
	    offsetof(struct conf_admin, port), h_u16, NULL },
	{ "allow-remote", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_admin, allow_remote), h_bool, NULL },
	KEY_END
};

/* The admin endpoint can reload the configuration: loopback only, unless
 * the operator says otherwise. */
static int admin_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_admin *a = obj;

	if (a->port == 0 || a->allow_remote || addr_loopback(a->address))
		return 0;
	return key_err(ld, map, "address", "is not a loopback address; the "
	    "admin endpoint is unauthenticated (allow-remote: true to "
	    "expose it anyway)");
}
static const struct schema admin_schema = { admin_keys, admin_check };

static const struct key data_channel_keys[] = {
	{ "address", KT_SCALAR, false, 0, ADDRLEN(conf_data_channel),
	    offsetof(struct conf_data_channel, address), h_address, NULL },
	{ "port", KT_SCALAR, false, 0, 65535,
	    offsetof(struct conf_data_channel, port), h_u16, NULL },
	{ "max-aliases-per-peer", KT_SCALAR, false, 1, 100000,
	    offsetof(struct conf_data_channel, max_aliases), h_u32, NULL },
	{ "max-acls-per-peer", KT_SCALAR, false, 1, 100000,
	    offsetof(struct conf_data_channel, max_acls), h_u32, NULL },
	{ "max-clients-per-peer", KT_SCALAR, false, 1, 100000,
	    offsetof(struct conf_data_channel, max_clients), h_u32, NULL },
	{ "alias-lifetime", KT_SCALAR, false, 1, 525600,
	    offsetof(struct conf_data_channel, lifetime), h_u32, NULL },
	KEY_END
};

static const struct schema data_channel_schema = { data_channel_keys, NULL };

static const struct key telemetry_keys[] = {
	{ "max-setups-per-peer", KT_SCALAR, false, 1, 100000,
	    offsetof(struct conf_telemetry, max_setups), h_u32, NULL },
	{ "max-reports-per-peer", KT_SCALAR, false, 1, 100000,
	    offsetof(struct conf_telemetry, max_reports), h_u32, NULL },
	KEY_END
};
static const struct schema telemetry_schema = { telemetry_keys, NULL };

static const struct key usage_keys[] = {
	{ "retention-days", KT_SCALAR, false, 0, 36500,
	    offsetof(struct conf_usage, retention_days), h_u32, NULL },
	KEY_END
};
static const struct schema usage_schema = { usage_keys, NULL };

#define CONTROL_KEYS(pre)						\
	{ pre "socket", KT_SCALAR, false, 0, 107,			\
	    offsetof(struct conf_control_sock, path), h_str, NULL },	\
	{ pre "mode", KT_SCALAR, false, 0, 0,				\
	    offsetof(struct conf_control_sock, mode), h_mode, NULL },	\
	{ pre "group", KT_SCALAR, false, 0, CONF_NAME_MAX,		\
	    offsetof(struct conf_control_sock, group), h_name, NULL }
static const struct key control_ro_keys[] = {
	CONTROL_KEYS(""),
	KEY_END
};
static const struct schema control_ro_schema = { control_ro_keys, NULL };
/* The full socket's keys at the top (struct conf_control starts with it). */
static const struct key control_keys[] = {
	CONTROL_KEYS(""),
	{ "read-only", KT_MAP, false, 0, 0, offsetof(struct conf_control, ro),
	    h_map, &control_ro_schema },
	KEY_END
};
static const struct schema control_schema = { control_keys, NULL };
/* ---- mitigator and offload --------------------------------------------- */

const struct word conf_act_words[] = {
	{ "rate-limit", CONF_ACT_RATE_LIMIT }, { "discard", CONF_ACT_DISCARD },
	{ "rtbh", CONF_ACT_RTBH }, { NULL, 0 }
};

const struct word conf_mitigator_words[] = {
	{ "log", MITIGATOR_LOG }, { "bgp", MITIGATOR_BGP },
	{ "exabgp", MITIGATOR_EXABGP }, { NULL, 0 }
};

int h_mitigator_type(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_mitigator_words, false, &v) == -1)
		return -1;
	((struct conf_mitigator *)obj)->type = (enum conf_mitigator_type)v;
	return 0;
}

/* "ASN:VALUE", both 0..65535 (RFC 1997). */
int h_community(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_mitigator *m = obj;
	const char	*s;
	unsigned	 a, v;
	char		 c;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (sscanf(s, "%5u:%5u%c", &a, &v, &c) != 2 || a > 65535 ||
	    v > 65535 || *s < '0' || *s > '9')
		return lerr(ld, line_of(n), "expected ASN:VALUE (each 0..65535),"
		    " not \"%.40s\"", s);
	if (a == 65535 && v == 666)
		return lerr(ld, line_of(n), "65535:666 is BLACKHOLE (RFC "
		    "7999), not a marker");
	m->community_asn = (uint16_t)a;
	m->community_value = (uint16_t)v;
	return 0;
}

const char *const conf_severity_names[CONF_SEVERITIES] = {
	"default", "none", "low", "medium", "high", "unknown"
};

/* One action per severity: "none", "low", "medium", "high", "unknown"
 * (RFC 9244 attack-severity 1..5) and "default" (no attack-detail). */
int h_severity(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	unsigned	*act = ((struct conf_mitigator *)obj)->severity_action;
	yaml_node_pair_t *pr;
	const char	*name;
	size_t		 save;
	int		 i, v;

	if (n->type != YAML_MAPPING_NODE)
		return lerr(ld, line_of(n), "expected a mapping");
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	    pr++) {
		if ((name = ld_scalar(ld, node_get(ld, pr->key))) == NULL)
			return -1;
		save = path_push_key(ld, name);
		for (i = 0; i < CONF_SEVERITIES; i++)
			if (strcmp(name, conf_severity_names[i]) == 0)
				break;
		if (i == CONF_SEVERITIES)
			return lerr(ld, line_of(node_get(ld, pr->key)),
			    "unknown severity (default, none, low, medium, "
			    "high or unknown)");
		if (ld_keyword(ld, node_get(ld, pr->value), conf_act_words,
		    false, &v) == -1)
			return -1;
		act[i] = (unsigned)v;
		path_pop(ld, save);
	}
	return 0;
}

static const struct key mitigator_keys[] = {
	{ "type", KT_SCALAR, false, 0, 0, 0, h_mitigator_type, NULL },
	{ "gobgp", KT_SCALAR, false, 0, PATH_MAX,
	    offsetof(struct conf_mitigator, gobgp), h_str, NULL },
	{ "api-address", KT_SCALAR, false, 0,
	    (int64_t)sizeof(((struct conf_mitigator *)NULL)->api_host),
	    offsetof(struct conf_mitigator, api_host), h_address, NULL },
	{ "api-port", KT_SCALAR, false, 1, 65535,
	    offsetof(struct conf_mitigator, api_port), h_u16, NULL },
	{ "socket", KT_SCALAR, false, 0, EXABGP_SOCKET_MAX,
	    offsetof(struct conf_mitigator, socket), h_str, NULL },
	{ "community", KT_SCALAR, false, 0, 0, 0, h_community, NULL },
	{ "rtbh-next-hop", KT_SCALAR, false, 0,
	    (int64_t)sizeof(((struct conf_mitigator *)NULL)->rtbh_next_hop),
	    offsetof(struct conf_mitigator, rtbh_next_hop), h_address, NULL },
	{ "timeout", KT_SCALAR, false, 100, 60000,
	    offsetof(struct conf_mitigator, timeout_ms), h_u32, NULL },
	{ "max-rules", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_mitigator, max_rules), h_u32, NULL },
	{ "rate-limit", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_mitigator, rate_limit), h_u64, NULL },
	{ "severity-actions", KT_MAP, false, 0, 0, 0, h_severity, NULL },
	{ "counters", KT_SCALAR, false, 0, PATH_MAX,
	    offsetof(struct conf_mitigator, counters), h_str, NULL },
	{ "stats-interval", KT_SCALAR, false, 1, 3600,
	    offsetof(struct conf_mitigator, stats_interval), h_u32, NULL },
	{ "reconcile-interval", KT_SCALAR, false, 1, 86400,
	    offsetof(struct conf_mitigator, reconcile_interval), h_u32, NULL },
	KEY_END
};

const char *const conf_gobgp_keys[] = {
	"gobgp", "api-address", "api-port", NULL
};
const char *const conf_exabgp_keys[] = { "socket", NULL };

/* A key of one back-end under the other is a mistake, not a no-op: the
 * operator believes it configures something it does not. ("log" takes
 * either's keys: it is the dry run of both.) */
static int mitigator_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	const struct conf_mitigator *m = obj;
	const char *name;

	if (m->type == MITIGATOR_EXABGP &&
	    (name = map_any(ld, map, conf_gobgp_keys)) != NULL)
		return key_err(ld, map, name, "is a key of type bgp (gobgp), "
		    "not of type exabgp");
	if (m->type == MITIGATOR_BGP &&
	    (name = map_any(ld, map, conf_exabgp_keys)) != NULL)
		return key_err(ld, map, name, "is a key of type exabgp, not of "
		    "type bgp");
	return 0;
}
const struct schema conf_mitigator_schema = { mitigator_keys,
	mitigator_check };

static int offload_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_offload *o = obj;

	if (o->high != 0 && o->low >= o->high)
		return key_err(ld, map, "low", "must be below high (the gap "
		    "is the hysteresis)");
	return 0;
}

static const struct key offload_keys[] = {
	{ "high", KT_SCALAR, false, 1, 100,
	    offsetof(struct conf_offload, high), h_u32, NULL },
	{ "low", KT_SCALAR, false, 0, 99,
	    offsetof(struct conf_offload, low), h_u32, NULL },
	{ "running", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_offload, running), h_bool, NULL },
	KEY_END
};
static const struct schema offload_schema = { offload_keys, offload_check };

int h_mitigation_actions(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	unsigned	*acts = &((struct conf_peer *)obj)->policy.
			    mitigation_actions;
	int		 v;

	if (n->type != YAML_SEQUENCE_NODE || seq_len(n) == 0)
		return lerr(ld, line_of(n), "expected a non-empty list of "
		    "rate-limit, discard, rtbh");
	*acts = 0;
	for (size_t i = 0; i < seq_len(n); i++) {
		size_t save = path_push_index(ld, i);

		if (ld_keyword(ld, seq_item(ld, n, i), conf_act_words, false,
		    &v) == -1)
			return -1;
		*acts |= (unsigned)v;
		path_pop(ld, save);
	}
	return 0;
}

/* ---- peers: PSK secrets, for both directions --------------------------- */

static int psk_ascii(struct ld *ld, yaml_node_t *n, uint8_t *key,
    size_t *keylen)
{
	const char	*s;
	size_t		 len;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	len = strlen(s);
	if (len == 0 || len > CONF_PSK_MAX)
		return lerr(ld, line_of(n), "must be 1..%d bytes",
		    CONF_PSK_MAX);
	if (!conf_printable(s, true))
		return lerr(ld, line_of(n), "must be printable ASCII; "
		    "use psk-key-hex for binary keys");
	memcpy(key, s, len);
	*keylen = len;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int psk_hex(struct ld *ld, yaml_node_t *n, uint8_t *key,
    size_t *keylen)
{
	const char	*s;
	size_t		 len, i;
	int		 hi, lo;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	len = strlen(s);
	if (len == 0 || len % 2 != 0 || len > 2 * CONF_PSK_MAX)
		return lerr(ld, line_of(n), "expected an even number of hex "
		    "digits for 1..%d bytes", CONF_PSK_MAX);
	for (i = 0; i < len / 2; i++) {
		if ((hi = hexval(s[2 * i])) == -1 ||
		    (lo = hexval(s[2 * i + 1])) == -1)
			return lerr(ld, line_of(n), "not a hex digit at "
			    "offset %zu", hi == -1 ? 2 * i : 2 * i + 1);
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	*keylen = len / 2;
	return 0;
}

int h_psk_key(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_peer *p = obj;

	return psk_ascii(ld, n, p->psk_key, &p->psk_key_len);
}

int h_psk_hex(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_peer *p = obj;

	return psk_hex(ld, n, p->psk_key, &p->psk_key_len);
}

/* A psk-identity needs one of psk-key and psk-key-hex, and they need it. */
static int psk_check(struct ld *ld, yaml_node_t *map, bool has_identity)
{
	bool	 key = map_find(ld, map, "psk-key", NULL) != NULL;
	bool	 hex = map_find(ld, map, "psk-key-hex", NULL) != NULL;

	if (key && hex)
		return key_err(ld, map, "psk-key-hex",
		    "give psk-key or psk-key-hex, not both");
	if (has_identity && !key && !hex)
		return key_err(ld, map, "psk-identity",
		    "needs psk-key or psk-key-hex");
	if (!has_identity && (key || hex))
		return key_err(ld, map, key ? "psk-key" : "psk-key-hex",
		    "needs psk-identity");
	return 0;
}

/* ---- peers: the upstream mapping (we are its DOTS client) -------------- */

int h_up_psk_key(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	return psk_ascii(ld, n, u->psk_key, &u->psk_key_len);
}

int h_up_psk_hex(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	return psk_hex(ld, n, u->psk_key, &u->psk_key_len);
}

const struct word conf_up_transport_words[] = {
	{ "dtls", false }, { "tls", true }, { NULL, 0 }
};

int h_transport(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_up_transport_words, false, &v) == -1)
		return -1;
	((struct conf_upstream *)obj)->tls = v;
	return 0;
}

static int item_prefix(struct ld *, yaml_node_t *, void *, size_t);

/* serves:, sources: (policies/select.h) */
int h_up_serves(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	return walk_items(ld, n, "must not be empty", sizeof(struct prefix),
	    (void **)&u->serves, &u->n_serves, item_prefix);
}

int h_up_sources(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	return walk_items(ld, n, "must not be empty", sizeof(struct prefix),
	    (void **)&u->sources, &u->n_sources, item_prefix);
}

static const struct key up_capacity_keys[] = {
	{ "bps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_upstream, capacity_bps), h_u64, NULL },
	{ "pps", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_upstream, capacity_pps), h_u64, NULL },
	KEY_END
};
static const struct schema up_capacity_schema = { up_capacity_keys, NULL };

/* ---- upstream: what we register at an orchestrator --------------------- */

static int item_prefix(struct ld *, yaml_node_t *, void *, size_t);

int h_reg_address(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct dots_registration *r = obj;
	char		 buf[64];
	struct key	 ak = { .max = sizeof(buf), .off = 0 };

	if (h_address(ld, n, buf, &ak) == -1)
		return -1;
	free(r->server_address);
	if ((r->server_address = strdup(buf)) == NULL)
		return ld_oom(ld, line_of(n));
	return 0;
}

const struct word conf_reg_transport_words[] = {
	{ "dtls", DOTS_REG_DTLS }, { "tls", DOTS_REG_TLS }, { NULL, 0 }
};

int h_reg_transport(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_reg_transport_words, false, &v) == -1)
		return -1;
	((struct dots_registration *)obj)->server_transport = (uint8_t)v;
	return 0;
}

/* An attack type or countermeasure name, as the registration carries it. */
static int item_reg_word(struct ld *ld, yaml_node_t *n, void *sv, size_t i)
{
	struct strv	*v = sv;
	const char	*s;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (*s == '\0' || strlen(s) > DOTS_REG_MAX_TEXT ||
	    !conf_printable(s, false))
		return lerr(ld, line_of(n), "1..%d printable characters "
		    "without spaces", DOTS_REG_MAX_TEXT);
	for (size_t j = 0; j < v->n; j++)
		if (strcmp(v->v[j], s) == 0)
			return lerr(ld, line_of(n), "\"%.60s\" given twice", s);
	if (strv_push(v, s) == -1)
		return ld_oom(ld, line_of(n));
	return 0;
}

static int reg_words(struct ld *ld, yaml_node_t *n, struct strv *sv)
{
	if (seq_len(n) > DOTS_REG_MAX_LIST)
		return lerr(ld, line_of(n), "at most %d values",
		    DOTS_REG_MAX_LIST);
	return walk_seq(ld, n, "must not be empty", item_reg_word, sv);
}

int h_reg_attacks(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return reg_words(ld, n, &((struct dots_registration *)obj)->
	    attack_types);
}

int h_reg_counter(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return reg_words(ld, n, &((struct dots_registration *)obj)->
	    countermeasures);
}

int h_reg_prefixes(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct dots_registration *r = obj;

	if (seq_len(n) > DOTS_REG_MAX_LIST)
		return lerr(ld, line_of(n), "at most %d prefixes",
		    DOTS_REG_MAX_LIST);
	return walk_items(ld, n, "must not be empty", sizeof(struct prefix),
	    (void **)&r->served, &r->n_served, item_prefix);
}

static const struct key reg_capacity_keys[] = {
	{ "bps", KT_SCALAR, false, 0, 0,
	    offsetof(struct dots_registration, capacity_bps), h_u64, NULL },
	{ "pps", KT_SCALAR, false, 0, 0,
	    offsetof(struct dots_registration, capacity_pps), h_u64, NULL },
	KEY_END
};
static const struct schema reg_capacity_schema = { reg_capacity_keys, NULL };

static const struct key reg_threshold_keys[] = {
	{ "bps", KT_SCALAR, false, 0, 0,
	    offsetof(struct dots_registration, threshold_bps), h_u64, NULL },
	{ "pps", KT_SCALAR, false, 0, 0,
	    offsetof(struct dots_registration, threshold_pps), h_u64, NULL },
	{ "duration", KT_SCALAR, false, 1, UINT32_MAX,
	    offsetof(struct dots_registration, threshold_duration), h_u32,
	    NULL },
	KEY_END
};
static const struct schema reg_threshold_schema = { reg_threshold_keys,
    NULL };

static const struct key register_keys[] = {
	{ "address", KT_SCALAR, false, 0, 0, 0, h_reg_address, NULL },
	{ "port", KT_SCALAR, false, 1, 65535,
	    offsetof(struct dots_registration, server_port), h_u16, NULL },
	{ "transport", KT_SCALAR, false, 0, 0, 0, h_reg_transport, NULL },
	{ "capacity", KT_MAP, false, 0, 0, 0, h_map, &reg_capacity_schema },
	{ "attack-types", KT_LIST, false, 0, 0, 0, h_reg_attacks, NULL },
	{ "countermeasures", KT_LIST, false, 0, 0, 0, h_reg_counter, NULL },
	{ "thresholds", KT_MAP, false, 0, 0, 0, h_map, &reg_threshold_schema },
	{ "prefixes", KT_LIST, false, 0, 0, 0, h_reg_prefixes, NULL },
	KEY_END
};
const struct schema conf_register_schema = { register_keys, NULL };

int h_register(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	u->has_register = true;
	return walk_map(ld, n, &conf_register_schema, &u->reg);
}

/* data-channel: its RESTCONF server (gateway/relay/dc_push.c) */
static const struct key up_dc_keys[] = {
	{ "port", KT_SCALAR, true, 1, 65535,
	    offsetof(struct conf_up_dc, port), h_u16, NULL },
	{ "address", KT_SCALAR, false, 0, ADDRLEN(conf_up_dc),
	    offsetof(struct conf_up_dc, address), h_address, NULL },
	{ "timeout", KT_SCALAR, false, 100, 120000,
	    offsetof(struct conf_up_dc, timeout_ms), h_u32, NULL },
	KEY_END
};
const struct schema conf_up_dc_schema = { up_dc_keys, NULL };

int h_up_data_channel(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_upstream *u = obj;

	u->dc.timeout_ms = 10000;
	return walk_map(ld, n, &conf_up_dc_schema, &u->dc);
}

static const struct key upstream_keys[] = {
	/* required except on an orchestrator (root_check) */
	{ "address", KT_SCALAR, false, 0, ADDRLEN(conf_upstream),
	    offsetof(struct conf_upstream, address), h_address, NULL },
	{ "port", KT_SCALAR, false, 1, 65535,
	    offsetof(struct conf_upstream, port), h_u16, NULL },
	{ "transport", KT_SCALAR, false, 0, 0, 0, h_transport, NULL },
	{ "orchestrator", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_upstream, orchestrator), h_bool, NULL },
	{ "register", KT_MAP, false, 0, 0, 0, h_register, NULL },
	{ "psk-identity", KT_SCALAR, false, 0, CONF_PSK_MAX,
	    offsetof(struct conf_upstream, psk_identity), h_str, NULL },
	{ "psk-key", KT_SCALAR, false, 0, 0, 0, h_up_psk_key, NULL },
	{ "psk-key-hex", KT_SCALAR, false, 0, 0, 0, h_up_psk_hex, NULL },
	X509_KEYS(conf_upstream),
	{ "server-name", KT_SCALAR, false, 0, CONF_FQDN_MAX,
	    offsetof(struct conf_upstream, server_name), h_str, NULL },
	{ "capacity", KT_MAP, false, 0, 0, 0, h_map, &up_capacity_schema },
	{ "hop-limit", KT_SCALAR, false, 1, 255,
	    offsetof(struct conf_upstream, hop_limit), h_u32, NULL },
	{ "poll-interval", KT_SCALAR, false, 1, 3600,
	    offsetof(struct conf_upstream, poll_interval), h_u32, NULL },
	{ "serves", KT_LIST, false, 0, 0, 0, h_up_serves, NULL },
	{ "sources", KT_LIST, false, 0, 0, 0, h_up_sources, NULL },
	{ "rfc9133", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_upstream, rfc9133), h_bool, NULL },
	{ "data-channel", KT_MAP, false, 0, 0, 0, h_up_data_channel, NULL },
	KEY_END
};

/*
 * PSK or X.509, not both: PSK cipher suites never look at certificates,
 * so a mapping with both would not do what it reads. cert and key come
 * as a pair, here or from credentials, never one from each place.
 */
static int upstream_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	static const char *const x509[] = { "ca", "cert", "key", NULL };
	struct conf_upstream *u = obj;
	const char	*name;

	if (psk_check(ld, map, u->psk_identity != NULL) == -1)
		return -1;
	if (u->has_register && !u->orchestrator)
		return key_err(ld, map, "register", "only toward an "
		    "orchestrator (orchestrator: true)");
	u->from_registration = u->address[0] == '\0';
	if (u->psk_identity != NULL && u->dc.port != 0)
		return key_err(ld, map, "data-channel", "needs X.509 toward "
		    "it (libcurl's GnuTLS back-end has no TLS-PSK)");
	if (u->psk_identity != NULL && (name = map_any(ld, map, x509)) != NULL)
		return key_err(ld, map, name, "give psk-identity or X.509 "
		    "(ca, cert, key), not both");
	return cert_key_check(ld, map, u->cert_file, u->key_file);
}
const struct schema conf_upstream_schema = { upstream_keys,
    upstream_check };

int h_upstream(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_peer *p = obj;

	p->roles |= PEER_UPSTREAM;
	p->up.port = DOTS_DEFAULT_PORT;
	p->up.hop_limit = 16;
	return walk_map(ld, n, &conf_upstream_schema, &p->up);
}

/* ---- peers: the downstream policy -------------------------------------- */

int h_lifetime(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_peer *p = obj;
	int64_t		 v;

	if (scalar_int(ld, n, -1, (int64_t)1 << 31, &v) == -1)
		return -1;
	if (v == 0)
		return lerr(ld, line_of(n), "must be -1 (indefinite) or "
		    "1..2147483648");
	p->policy.max_lifetime = v;
	return 0;
}

static int item_prefix(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	struct prefix	*p = (struct prefix *)arr + i, host;
	char		 addr[PREFIX_STRLEN], canon[PREFIX_STRLEN];
	const char	*s;
	size_t		 alen;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	alen = strcspn(s, "/");
	if (prefix_parse(s, p) == -1)
		return lerr(ld, line_of(n), "\"%.60s\" is not a valid prefix",
		    s);
	/* Host bits past the length are cleared: say so, it may be a typo. */
	if (alen < sizeof(addr)) {
		memcpy(addr, s, alen);
		addr[alen] = '\0';
		if (prefix_parse_addr(addr, &host) == 0 &&
		    memcmp(host.addr, p->addr, sizeof(p->addr)) != 0)
			lwarn(ld, line_of(n), "%s has host bits set; using %s",
			    s, prefix_format(p, canon, sizeof(canon)));
	}
	return 0;
}

int h_prefixes(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_policy *pol = &((struct conf_peer *)obj)->policy;

	return walk_items(ld, n, "must not be empty", sizeof(struct prefix),
	    (void **)&pol->prefixes, &pol->n_prefixes, item_prefix);
}

static int item_port(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	struct port_range *r = (struct port_range *)arr + i;
	char		 lo[8];
	const char	*s, *dash;
	int64_t		 a, b;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if ((dash = strchr(s, '-')) == NULL) {
		if (parse_i64(s, &a) == -1)
			goto bad;
		b = a;
	} else {
		if ((size_t)(dash - s) >= sizeof(lo))
			goto bad;
		memcpy(lo, s, (size_t)(dash - s));
		lo[dash - s] = '\0';
		if (parse_i64(lo, &a) == -1 || parse_i64(dash + 1, &b) == -1)
			goto bad;
	}
	if (a < 0 || a > 65535 || b < 0 || b > 65535)
		return lerr(ld, line_of(n), "%s is out of range 0..65535", s);
	if (a > b)
		return lerr(ld, line_of(n), "%s: lower port exceeds upper", s);
	r->lower = (uint16_t)a;
	r->upper = (uint16_t)b;
	return 0;
bad:
	return lerr(ld, line_of(n), "expected a port or \"LOW-HIGH\", not "
	    "\"%.40s\"", s);
}

int h_ports(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_policy *pol = &((struct conf_peer *)obj)->policy;

	return walk_items(ld, n, "must not be empty", sizeof(struct port_range),
	    (void **)&pol->ports, &pol->n_ports, item_port);
}

static int item_protocol(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	int64_t	 v;

	if (scalar_int(ld, n, 0, 255, &v) == -1)
		return -1;
	((uint8_t *)arr)[i] = (uint8_t)v;
	return 0;
}

int h_protocols(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_policy *pol = &((struct conf_peer *)obj)->policy;

	return walk_items(ld, n, "must not be empty", sizeof(uint8_t),
	    (void **)&pol->protocols, &pol->n_protocols, item_protocol);
}

/* Lowercase LDH labels (and '_'), 1..63 bytes each; a final dot is
 * dropped. */
static int fqdn_check(const char *s, size_t len, const char **why)
{
	size_t	 i, lab = 0;

	if (len == 0 || len > CONF_FQDN_MAX) {
		*why = "must be 1..253 characters";
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (lab == 0 || s[i - 1] == '-') {
				*why = "has an empty label or one ending "
				    "with '-'";
				return -1;
			}
			lab = 0;
			continue;
		}
		if (s[i] >= 'A' && s[i] <= 'Z') {
			*why = "must be lowercase";
			return -1;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    (s[i] == '-' && lab > 0))) {
			*why = "is not a domain name";
			return -1;
		}
		if (++lab > 63) {
			*why = "has a label longer than 63 characters";
			return -1;
		}
	}
	if (s[len - 1] == '-') {
		*why = "has a label ending with '-'";
		return -1;
	}
	return 0;
}

static int item_fqdn(struct ld *ld, yaml_node_t *n, void *sv, size_t i)
{
	const char	*s, *why;
	char		 buf[CONF_FQDN_MAX + 2];
	size_t		 len;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		len--;
	if (fqdn_check(s, len, &why) == -1)
		return lerr(ld, line_of(n), "\"%.60s\" %s", s, why);
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (strv_push(sv, buf) == -1)
		return ld_oom(ld, line_of(n));
	return 0;
}

int h_fqdns(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return walk_seq(ld, n, "must not be empty", item_fqdn,
	    &((struct conf_peer *)obj)->policy.fqdns);
}

const struct word conf_action_flags[] = {
	{ "local", offsetof(struct conf_peer, policy.allow_local) },
	{ "upstream",
	    offsetof(struct conf_peer, policy.allow_upstream) },
	{ NULL, 0 }
};

int h_actions(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return flag_list(ld, n, "must not be empty", conf_action_flags, obj);
}

/* Peer names; peer_links checks them once every peer is known. */
static int item_upstream(struct ld *ld, yaml_node_t *n, void *sv,
    size_t i)
{
	const char	*s;

	if ((s = ld_scalar(ld, n)) == NULL)
		return -1;
	if (strv_push(sv, s) == -1)
		return ld_oom(ld, line_of(n));
	return 0;
}

int h_upstreams(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return walk_seq(ld, n, "must not be empty", item_upstream,
	    &((struct conf_peer *)obj)->policy.upstreams);
}

static const struct key rate_keys[] = {
	{ "per-second", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_policy, rate_per_s), h_u32, NULL },
	{ "burst", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_policy, rate_burst), h_u32, NULL },
	KEY_END
};
static const struct schema rate_schema = { rate_keys, NULL };

/* ---- peers: upstream selection (policies/select.h) --------------------- */

const struct word conf_strategy_words[] = {
	{ "all", SEL_ALL }, { "failover", SEL_FAILOVER },
	{ "capacity", SEL_CAPACITY }, { "prefix", SEL_PREFIX },
	{ "near-source", SEL_NEAR_SOURCE }, { NULL, 0 }
};

int h_strategy(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_strategy_words, false, &v) == -1)
		return -1;
	*FIELD(obj, k, enum conf_strategy) = (enum conf_strategy)v;
	return 0;
}

const struct word conf_fallback_words[] = {
	{ "all", SEL_ALL }, { "failover", SEL_FAILOVER },
	{ "capacity", SEL_CAPACITY }, { "none", SEL_NONE },
	{ NULL, 0 }
};

/* What applies when prefix or near-source finds nobody. */
int h_fallback(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_fallback_words, false, &v) == -1)
		return -1;
	*FIELD(obj, k, enum conf_strategy) = (enum conf_strategy)v;
	return 0;
}

int h_sel_upstreams(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return walk_seq(ld, n, "must not be empty", item_upstream,
	    FIELD(obj, k, struct strv));
}

static int sel_check(struct ld *ld, yaml_node_t *map,
    const struct conf_select *sel)
{
	if (sel->strategy != SEL_PREFIX && sel->strategy != SEL_NEAR_SOURCE &&
	    map_find(ld, map, "fallback", NULL) != NULL)
		return key_err(ld, map, "fallback", "only for strategy prefix "
		    "or near-source");
	for (size_t i = 0; i < sel->upstreams.n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(sel->upstreams.v[i],
			    sel->upstreams.v[j]) == 0)
				return key_err(ld, map, "upstreams",
				    "names an upstream twice");
	return 0;
}

#define SELECT_KEYS(st, m)						\
	{ "strategy", KT_SCALAR, false, 0, 0,				\
	    offsetof(struct st, m strategy), h_strategy, NULL },	\
	{ "fallback", KT_SCALAR, false, 0, 0,				\
	    offsetof(struct st, m fallback), h_fallback, NULL },	\
	{ "upstreams", KT_LIST, false, 0, 0,				\
	    offsetof(struct st, m upstreams), h_sel_upstreams, NULL }

static int select_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	return sel_check(ld, map, obj);
}

static const struct key select_keys[] = {
	SELECT_KEYS(conf_select, ),
	KEY_END
};
const struct schema conf_select_schema = { select_keys, select_check };

int h_sel_prefix(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return item_prefix(ld, n, &((struct conf_select_target *)obj)->prefix,
	    0);
}

static int select_target_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_select_target *t = obj;

	if (map_find(ld, map, "strategy", NULL) == NULL) {
		path_push_key(ld, "strategy");
		return lerr(ld, line_of(map), "required key is missing");
	}
	return sel_check(ld, map, &t->sel);
}

static const struct key select_target_keys[] = {
	{ "prefix", KT_SCALAR, true, 0, 0, 0, h_sel_prefix, NULL },
	SELECT_KEYS(conf_select_target, sel.),
	KEY_END
};
const struct schema conf_select_target_schema = { select_target_keys,
    select_target_check };

static int item_select_target(struct ld *ld, yaml_node_t *n, void *arr,
    size_t i)
{
	return walk_map(ld, n, &conf_select_target_schema,
	    (struct conf_select_target *)arr + i);
}

int h_select_by_target(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_policy *pol = &((struct conf_peer *)obj)->policy;

	return walk_items(ld, n, "must not be empty",
	    sizeof(*pol->select_by_target), (void **)&pol->select_by_target,
	    &pol->n_select_by_target, item_select_target);
}

/* ---- staged ACLs (RFC 8783 subset, activated by RFC 9133) ------------ */

int h_ace_prefix(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	bool	*has = FIELD(obj, k, bool);
	struct prefix *p = (struct prefix *)(void *)((char *)obj + k->min);

	*has = true;
	return item_prefix(ld, n, p, 0);
}

int h_ace_port(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	*FIELD(obj, k, bool) = true;
	return item_port(ld, n, (char *)obj + k->min, 0);
}

int h_ace_byte(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	*FIELD(obj, k, bool) = true;
	return item_protocol(ld, n, (char *)obj + k->min, 0);
}

/* off: the has_ flag; min (no bounds here): the offset of the value */
#define ACEOFF(m)	(int64_t)offsetof(struct conf_ace, m)
static const struct key ace_match_keys[] = {
	{ "destination-prefix", KT_SCALAR, false, ACEOFF(dst), 0,
	    offsetof(struct conf_ace, has_dst), h_ace_prefix, NULL },
	{ "source-prefix", KT_SCALAR, false, ACEOFF(src), 0,
	    offsetof(struct conf_ace, has_src), h_ace_prefix, NULL },
	{ "protocol", KT_SCALAR, false, ACEOFF(proto), 0,
	    offsetof(struct conf_ace, has_proto), h_ace_byte, NULL },
	{ "source-port-range", KT_SCALAR, false, ACEOFF(sport), 0,
	    offsetof(struct conf_ace, has_sport), h_ace_port, NULL },
	{ "destination-port-range", KT_SCALAR, false, ACEOFF(dport), 0,
	    offsetof(struct conf_ace, has_dport), h_ace_port, NULL },
	{ "icmp-type", KT_SCALAR, false, ACEOFF(icmp_type), 0,
	    offsetof(struct conf_ace, has_icmp), h_ace_byte, NULL },
	KEY_END
};
static const struct schema ace_match_schema = { ace_match_keys, NULL };

const struct word conf_ace_action_words[] = {
	{ "drop", CONF_ACE_DROP }, { "accept", CONF_ACE_ACCEPT },
	{ "rate-limit", CONF_ACE_RATE_LIMIT }, { NULL, 0 }
};

int h_ace_action(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_ace_action_words, false, &v) == -1)
		return -1;
	((struct conf_ace *)obj)->action = (enum conf_ace_action)v;
	return 0;
}

static int ace_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_ace *a = obj;

	if (!a->has_dst) {
		path_push_key(ld, "matches");
		return lerr(ld, line_of(map), "destination-prefix is required "
		    "(the rule becomes a flowspec rule on it)");
	}
	if (a->has_src && a->src.family != a->dst.family)
		return key_err(ld, map, "matches", "source-prefix and "
		    "destination-prefix are of different address families");
	if ((a->action == CONF_ACE_RATE_LIMIT) !=
	    (map_find(ld, map, "rate-limit", NULL) != NULL))
		return key_err(ld, map, a->action == CONF_ACE_RATE_LIMIT ?
		    "action" : "rate-limit", "rate-limit (bytes/s) goes with "
		    "action rate-limit, and only with it");
	if (a->has_icmp && a->has_proto && a->proto != 1 && a->proto != 58)
		return key_err(ld, map, "matches", "icmp-type needs protocol "
		    "1 (ICMP) or 58 (ICMPv6)");
	return 0;
}

static const struct key ace_keys[] = {
	{ "name", KT_SCALAR, true, 0, CONF_NAME_MAX,
	    offsetof(struct conf_ace, name), h_name, NULL },
	{ "matches", KT_MAP, true, 0, 0, 0, h_map, &ace_match_schema },
	{ "action", KT_SCALAR, true, 0, 0, 0, h_ace_action, NULL },
	{ "rate-limit", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_ace, rate), h_u64, NULL },
	KEY_END
};
const struct schema conf_ace_schema = { ace_keys, ace_check };

static int item_ace(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	return walk_map(ld, n, &conf_ace_schema, (struct conf_ace *)arr + i);
}

int h_aces(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_acl *acl = obj;

	return walk_items(ld, n, "must not be empty", sizeof(*acl->aces),
	    (void **)&acl->aces, &acl->n_aces, item_ace);
}

const struct word conf_acl_type_words[] = {
	{ "ipv4", AF_INET }, { "ipv6", AF_INET6 }, { NULL, 0 }
};

int h_acl_type(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_acl_type_words, false, &v) == -1)
		return -1;
	((struct conf_acl *)obj)->family = (uint8_t)v;
	return 0;
}

/* The destination-prefix value of an ace, else the ace, for errors. */
static yaml_node_t *ace_dst_node(struct ld *ld, yaml_node_t *ace)
{
	yaml_node_t	*m = ace ? map_find(ld, ace, "matches", NULL) : NULL,
			*d = m && m->type == YAML_MAPPING_NODE ?
			    map_find(ld, m, "destination-prefix", NULL) : NULL;

	return d != NULL ? d : ace;
}

static int acl_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_acl *acl = obj;
	yaml_node_t	*aces = map_find(ld, map, "aces", NULL);
	size_t		 save;

	for (size_t i = 0; i < acl->n_aces; i++) {
		save = path_push_key(ld, "aces");
		path_push_index(ld, i);
		if (acl->aces[i].dst.family != acl->family)
			return lerr(ld, line_of(ace_dst_node(ld,
			    seq_item(ld, aces, i))),
			    "destination-prefix is not of the ACL's type");
		for (size_t j = 0; j < i; j++)
			if (strcmp(acl->aces[i].name, acl->aces[j].name) == 0)
				return lerr(ld, line_of(seq_item(ld, aces, i)),
				    "duplicate ace name '%s'",
				    acl->aces[i].name);
		path_pop(ld, save);
	}
	return 0;
}

static const struct key acl_keys[] = {
	{ "name", KT_SCALAR, true, 0, CONF_NAME_MAX,
	    offsetof(struct conf_acl, name), h_name, NULL },
	{ "type", KT_SCALAR, true, 0, 0, 0, h_acl_type, NULL },
	{ "aces", KT_LIST, true, 0, 0, 0, h_aces, NULL },
	KEY_END
};
const struct schema conf_acl_schema = { acl_keys, acl_check };

static int item_acl(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	return walk_map(ld, n, &conf_acl_schema, (struct conf_acl *)arr + i);
}

int h_acls(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf_peer *p = obj;

	return walk_items(ld, n, "must not be empty", sizeof(*p->acls),
	    (void **)&p->acls, &p->n_acls, item_acl);
}

/* Names unique; every destination-prefix inside the peer's prefixes: an
 * ACL must not filter traffic to someone else's addresses. */
static int acls_check(struct ld *ld, yaml_node_t *map,
    const struct conf_peer *p)
{
	yaml_node_t	*seq = map_find(ld, map, "acls", NULL), *an, *aces;
	char		 buf[PREFIX_STRLEN];
	size_t		 save, i, j, k;

	for (i = 0; i < p->n_acls; i++) {
		const struct conf_acl *acl = &p->acls[i];

		an = seq_item(ld, seq, i);
		save = path_push_key(ld, "acls");
		path_push_index(ld, i);
		for (j = 0; j < i; j++)
			if (strcmp(acl->name, p->acls[j].name) == 0)
				return lerr(ld, line_of(an), "duplicate ACL "
				    "name '%s'", acl->name);
		aces = map_find(ld, an, "aces", NULL);
		for (j = 0; j < acl->n_aces; j++) {
			unsigned need = acl->aces[j].action == CONF_ACE_DROP ?
			    CONF_ACT_DISCARD : acl->aces[j].action ==
			    CONF_ACE_RATE_LIMIT ? CONF_ACT_RATE_LIMIT : 0;

			if (need != 0 &&
			    !(p->policy.mitigation_actions & need)) {
				path_push_key(ld, "aces");
				path_push_index(ld, j);
				return lerr(ld, line_of(seq_item(ld, aces, j)),
				    "action needs %s in the peer's "
				    "mitigation-actions", need ==
				    CONF_ACT_DISCARD ? "discard" :
				    "rate-limit");
			}
			for (k = 0; k < p->policy.n_prefixes; k++)
				if (prefix_contains(&p->policy.prefixes[k],
				    &acl->aces[j].dst))
					break;
			if (k < p->policy.n_prefixes)
				continue;
			path_push_key(ld, "aces");
			path_push_index(ld, j);
			return lerr(ld, line_of(ace_dst_node(ld,
			    seq_item(ld, aces, j))),
			    "destination-prefix %s is outside the peer's "
			    "prefixes", prefix_format(&acl->aces[j].dst, buf,
			    sizeof(buf)));
		}
		path_pop(ld, save);
	}
	return 0;
}

/* ---- peers ------------------------------------------------------------- */

static const struct key peer_keys[] = {
	{ "name", KT_SCALAR, true, 0, CONF_NAME_MAX,
	    offsetof(struct conf_peer, name), h_name, NULL },
	{ "psk-identity", KT_SCALAR, false, 0, CONF_PSK_MAX,
	    offsetof(struct conf_peer, psk_identity), h_str, NULL },
	{ "psk-key", KT_SCALAR, false, 0, 0, 0, h_psk_key, NULL },
	{ "psk-key-hex", KT_SCALAR, false, 0, 0, 0, h_psk_hex, NULL },
	{ "cert-name", KT_SCALAR, false, 0, CONF_FQDN_MAX,
	    offsetof(struct conf_peer, cert_name), h_str, NULL },
	{ "upstream", KT_MAP, false, 0, 0, 0, h_upstream, NULL },
	{ "trusted-gateway", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_peer, trusted_gateway), h_bool, NULL },
	/* required for downstream peers: peer_check */
	{ "prefixes", KT_LIST, false, 0, 0, 0, h_prefixes, NULL },
	{ "ports", KT_LIST, false, 0, 0, 0, h_ports, NULL },
	{ "protocols", KT_LIST, false, 0, 0, 0, h_protocols, NULL },
	{ "fqdns", KT_LIST, false, 0, 0, 0, h_fqdns, NULL },
	{ "max-mitigations", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_peer, policy.max_mitigations), h_u32, NULL },
	{ "max-lifetime", KT_SCALAR, false, 0, 0, 0, h_lifetime, NULL },
	{ "actions", KT_LIST, false, 0, 0, 0, h_actions, NULL },
	{ "upstreams", KT_LIST, false, 0, 0, 0, h_upstreams, NULL },
	{ "rate", KT_MAP, false, 0, 0, offsetof(struct conf_peer, policy),
	    h_map, &rate_schema },
	{ "drop-optional", KT_SCALAR, false, 0, 0,
	    offsetof(struct conf_peer, policy.drop_optional), h_bool, NULL },
	{ "select", KT_MAP, false, 0, 0,
	    offsetof(struct conf_peer, policy.select), h_map,
	    &conf_select_schema },
	{ "select-by-target", KT_LIST, false, 0, 0, 0, h_select_by_target,
	    NULL },
	{ "mitigation-actions", KT_LIST, false, 0, 0, 0,
	    h_mitigation_actions, NULL },
	{ "max-rules", KT_SCALAR, false, 1, 1000000,
	    offsetof(struct conf_peer, policy.max_rules), h_u32, NULL },
	{ "acls", KT_LIST, false, 0, 0, 0, h_acls, NULL },
	KEY_END
};

/* What a downstream peer may ask for means nothing on an upstream-only
 * peer: refuse it rather than silently ignore it. */
const char *const conf_downstream_keys[] = {
	"trusted-gateway", "prefixes", "ports", "protocols", "fqdns",
	"max-mitigations", "max-lifetime", "actions", "upstreams", "rate",
	"drop-optional", "select", "select-by-target", "mitigation-actions",
	"max-rules", "acls", NULL
};

/*
 * The roles follow from the keys: an identity (psk-identity, cert-name)
 * makes a downstream peer, an "upstream:" mapping an upstream one; a
 * peer of another gateway mesh may be both.
 */
static int peer_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_peer *p = obj;
	const char	*name;

	if (psk_check(ld, map, p->psk_identity != NULL) == -1)
		return -1;
	if (p->psk_identity != NULL || p->cert_name != NULL)
		p->roles |= PEER_DOWNSTREAM;
	if (p->roles == 0)
		return lerr(ld, line_of(map), "neither an identity "
		    "(psk-identity/cert-name) nor upstream");
	if ((p->roles & PEER_DOWNSTREAM) && p->policy.n_prefixes == 0) {
		path_push_key(ld, "prefixes");
		return lerr(ld, line_of(map), "required key is missing");
	}
	if (!(p->roles & PEER_DOWNSTREAM) &&
	    (name = map_any(ld, map, conf_downstream_keys)) != NULL)
		return key_err(ld, map, name, "for downstream peers only "
		    "(this one has no psk-identity or cert-name)");
	if (acls_check(ld, map, p) == -1)
		return -1;
	if ((p->roles & PEER_UPSTREAM) && p->up.server_name == NULL &&
	    (p->up.server_name = strdup(p->name)) == NULL)
		return ld_oom(ld, line_of(map));
	return 0;
}
const struct schema conf_peer_schema = { peer_keys, peer_check };

static int peer_dup(struct ld *ld, yaml_node_t *map, size_t i)
{
	const struct conf_peer *p = &ld->conf->peers[i], *q;
	char		 msg[96];
	size_t		 j;

	for (j = 0; j < i; j++) {
		q = &ld->conf->peers[j];
		snprintf(msg, sizeof(msg), "duplicate of peers[%zu]", j);
		if (strcmp(p->name, q->name) == 0)
			return key_err(ld, map, "name", msg);
		if (p->psk_identity != NULL && q->psk_identity != NULL &&
		    strcmp(p->psk_identity, q->psk_identity) == 0)
			return key_err(ld, map, "psk-identity", msg);
		if (p->cert_name != NULL && q->cert_name != NULL &&
		    strcasecmp(p->cert_name, q->cert_name) == 0)
			return key_err(ld, map, "cert-name", msg);
		if (!(p->roles & q->roles & PEER_UPSTREAM) ||
		    p->up.tls != q->up.tls ||
		    !addr_same(p->up.address, p->up.port, q->up.address,
		    q->up.port))
			continue;
		snprintf(msg, sizeof(msg), "same address, port and transport "
		    "as peers[%zu]", j);
		return key_err(ld, map, "upstream", msg);
	}
	return 0;
}

/* Whether policy.upstreams[j] of peers[i] names an upstream peer. */
static const char *upstream_ref(const struct conf *c, size_t i, size_t j)
{
	const struct conf_peer *q;

	q = conf_peer_by_name(c, c->peers[i].policy.upstreams.v[j]);
	if (q == NULL)
		return "names no peer";
	if (q == &c->peers[i])
		return "is this peer itself";
	if (!(q->roles & PEER_UPSTREAM))
		return "is not an upstream peer (it has no upstream mapping)";
	return NULL;
}

/* Whether name, in a select list of peers[i], is an upstream it may be
 * relayed to. */
static const char *select_ref(const struct conf *c, size_t i,
    const char *name)
{
	const struct conf_peer *p = &c->peers[i], *q;
	size_t		 j;

	q = conf_peer_by_name(c, name);
	if (q == NULL)
		return "names no peer";
	if (q == p)
		return "is this peer itself";
	if (!(q->roles & PEER_UPSTREAM))
		return "is not an upstream peer (it has no upstream mapping)";
	if (p->policy.upstreams.n == 0)
		return NULL;
	for (j = 0; j < p->policy.upstreams.n; j++)
		if (strcmp(p->policy.upstreams.v[j], name) == 0)
			return NULL;
	return "is not in this peer's upstreams";
}

/* Whether an upstream peers[i] may use declares serves: or sources:. */
static bool select_has_prefixes(const struct conf *c, size_t i,
    const struct conf_select *sel)
{
	const struct conf_peer *q;

	for (size_t j = 0; j < c->n_peers; j++) {
		q = &c->peers[j];
		if (j == i || !(q->roles & PEER_UPSTREAM) ||
		    select_ref(c, i, q->name) != NULL)
			continue;
		if (sel->upstreams.n > 0) {
			size_t k;

			for (k = 0; k < sel->upstreams.n; k++)
				if (strcmp(sel->upstreams.v[k], q->name) == 0)
					break;
			if (k == sel->upstreams.n)
				continue;
		}
		if (sel->strategy == SEL_PREFIX ? q->up.n_serves > 0 :
		    q->up.n_sources > 0)
			return true;
	}
	return false;
}

/* The upstreams of one select mapping (at map) of peers[i]. */
static int select_links(struct ld *ld, size_t i, yaml_node_t *map,
    const struct conf_select *sel)
{
	yaml_node_t	*ln;
	const char	*why;
	size_t		 j;

	if ((sel->strategy == SEL_PREFIX || sel->strategy == SEL_NEAR_SOURCE) &&
	    !select_has_prefixes(ld->conf, i, sel)) {
		size_t save = path_push_key(ld, "strategy");

		lwarn(ld, line_of(map), "no candidate upstream declares %s: "
		    "every request takes the fallback",
		    sel->strategy == SEL_PREFIX ? "serves" : "sources");
		path_pop(ld, save);
	}

	for (j = 0; j < sel->upstreams.n; j++) {
		if ((why = select_ref(ld->conf, i, sel->upstreams.v[j])) ==
		    NULL)
			continue;
		ln = map_find(ld, map, "upstreams", NULL);
		path_push_key(ld, "upstreams");
		path_push_index(ld, j);
		return lerr(ld, line_of(seq_item(ld, ln, j)), "\"%.60s\" %s",
		    sel->upstreams.v[j], why);
	}
	return 0;
}

static int peer_select_links(struct ld *ld, size_t i, yaml_node_t *pn)
{
	const struct conf_policy *pol = &ld->conf->peers[i].policy;
	yaml_node_t	*sn;
	size_t		 t, save;

	if ((sn = map_find(ld, pn, "select", NULL)) != NULL) {
		save = path_push_key(ld, "select");
		if (select_links(ld, i, sn, &pol->select) == -1)
			return -1;
		path_pop(ld, save);
	}
	if ((sn = map_find(ld, pn, "select-by-target", NULL)) == NULL)
		return 0;
	for (t = 0; t < pol->n_select_by_target; t++) {
		save = path_push_key(ld, "select-by-target");
		path_push_index(ld, t);
		if (select_links(ld, i, seq_item(ld, sn, t),
		    &pol->select_by_target[t].sel) == -1)
			return -1;
		path_pop(ld, save);
	}
	return 0;
}

/* Cross-peer checks, once every peer is loaded. */
static int peer_links(struct ld *ld, yaml_node_t *seq)
{
	const struct conf *c = ld->conf;
	const struct conf_peer *p;
	yaml_node_t	*pn, *ln;
	const char	*why;
	size_t		 i, j, save, n_up = 0;

	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].roles & PEER_UPSTREAM)
			n_up++;
	for (i = 0; i < c->n_peers; i++) {
		p = &c->peers[i];
		pn = seq_item(ld, seq, i);
		save = path_push_index(ld, i);
		ln = map_find(ld, pn, "upstreams", NULL);
		for (j = 0; j < p->policy.upstreams.n; j++) {
			if ((why = upstream_ref(c, i, j)) == NULL)
				continue;
			path_push_key(ld, "upstreams");
			path_push_index(ld, j);
			return lerr(ld, line_of(seq_item(ld, ln, j)),
			    "\"%.60s\" %s", p->policy.upstreams.v[j], why);
		}
		if (peer_select_links(ld, i, pn) == -1)
			return -1;
		if ((p->roles & PEER_DOWNSTREAM) && !p->policy.allow_local &&
		    n_up == 0) {
			ln = map_find(ld, pn, "actions", NULL);
			path_push_key(ld, "actions");
			lwarn(ld, line_of(ln), "upstream only, but no peer has "
			    "an upstream mapping: every request will fail "
			    "with attack-exceeded-capability");
		}
		path_pop(ld, save);
	}
	return 0;
}

static int item_peer(struct ld *ld, yaml_node_t *n, void *arr, size_t i)
{
	struct conf_peer *p = (struct conf_peer *)arr + i;

	p->policy.max_mitigations = 64;
	p->policy.max_lifetime = 86400;
	p->policy.allow_local = p->policy.allow_upstream = true;
	p->policy.rate_per_s = 10;
	p->policy.rate_burst = 20;
	p->policy.mitigation_actions = CONF_ACT_RATE_LIMIT | CONF_ACT_DISCARD;
	p->policy.max_rules = 100;
	if (walk_map(ld, n, &conf_peer_schema, p) == -1)
		return -1;
	return peer_dup(ld, n, i);
}

int h_peers(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	struct conf	*c = obj;

	if (walk_items(ld, n, "at least one peer is required",
	    sizeof(*c->peers), (void **)&c->peers, &c->n_peers,
	    item_peer) == -1)
		return -1;
	return peer_links(ld, n);
}

/* ---- the top level ------------------------------------------------------ */

/* An error on key name of peers[i], found by a top-level check. */
static int peer_key_err(struct ld *ld, yaml_node_t *root, size_t i,
    const char *name, const char *msg)
{
	path_push_key(ld, "peers");
	path_push_index(ld, i);
	return key_err(ld, seq_item(ld, map_find(ld, root, "peers", NULL), i),
	    name, msg);
}


/*
 * Our X.509 files toward an upstream: relative to state-dir, the missing
 * ones taken from credentials (cert and key as a pair). PSK upstreams use
 * none.
 */
static int up_creds(struct ld *ld, yaml_node_t *root, size_t i)
{
	struct conf	*c = ld->conf;
	struct conf_upstream *u = &c->peers[i].up;

	if (!(c->peers[i].roles & PEER_UPSTREAM) || u->psk_identity != NULL)
		return 0;
	if (ld_resolve_x509(ld, &u->ca_file, &u->cert_file, &u->key_file,
	    c->state_dir) == -1)
		return -1;
	if (conf_dup_default(&u->ca_file, c->creds.ca_file) == -1 ||
	    (u->cert_file == NULL && u->key_file == NULL &&
	    (conf_dup_default(&u->cert_file, c->creds.cert_file) == -1 ||
	    conf_dup_default(&u->key_file, c->creds.key_file) == -1)))
		return ld_oom(ld, 1);
	if (u->ca_file != NULL && u->cert_file != NULL && u->key_file != NULL)
		return 0;
	return peer_key_err(ld, root, i, "upstream", "X.509 needs ca, cert "
	    "and key (here or in credentials), or give psk-identity and a "
	    "key");
}

/*
 * An upstream without an address is an ISP member of an orchestrator: it
 * registers itself (so it needs an identity here) and the registration
 * says where its DOTS server is. A gateway has no registrations.
 */
static int role_peer(struct ld *ld, yaml_node_t *root, size_t i)
{
	struct conf	*c = ld->conf;
	const struct conf_peer *p = &c->peers[i];
	yaml_node_t	*pn, *un;

	if (!(p->roles & PEER_UPSTREAM) || !p->up.from_registration)
		return 0;
	pn = seq_item(ld, map_find(ld, root, "peers", NULL), i);
	if (c->role != ROLE_ORCHESTRATOR) {
		un = map_find(ld, pn, "upstream", NULL);
		path_push_key(ld, "peers");
		path_push_index(ld, i);
		path_push_key(ld, "upstream");
		path_push_key(ld, "address");
		return lerr(ld, line_of(un), "required key is missing");
	}
	if (!(p->roles & PEER_DOWNSTREAM))
		return peer_key_err(ld, root, i, "upstream", "an ISP that "
		    "registers needs an identity here (psk-identity or "
		    "cert-name)");
	un = map_find(ld, pn, "upstream", NULL);
	if (map_find(ld, un, "port", NULL) != NULL) {
		path_push_key(ld, "peers");
		path_push_index(ld, i);
		path_push_key(ld, "upstream");
		return key_err(ld, un, "port", "without an address: the "
		    "registration tells the port");
	}
	return 0;
}

/* capacity: keys an orchestrator refuses */
const char *const conf_orch_refused[] = { "bps", "pps", "rules", NULL };

/* An orchestrator has no mitigator: it only fans requests out. */
static int role_check(struct ld *ld, yaml_node_t *root)
{
	struct conf	*c = ld->conf;
	yaml_node_t	*cap;
	const char	*name;

	if (c->role != ROLE_ORCHESTRATOR)
		return 0;
	if ((cap = map_find(ld, root, "capacity", NULL)) != NULL &&
	    (name = map_any(ld, cap, conf_orch_refused)) != NULL) {
		path_push_key(ld, "capacity");
		return key_err(ld, cap, name, "an orchestrator has no "
		    "mitigator of its own (only default-attack-* apply)");
	}
	c->capacity.bps = c->capacity.pps = 0;
	return 0;
}

static int root_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf	*c = obj;
	char		*rp;
	size_t		 i;

	if (c->node_id == NULL && (c->node_id = strdup("dotsgw")) == NULL)
		return ld_oom(ld, 1);
	if (c->state_dir == NULL) {
		if ((c->state_dir = strdup(ld->confdir)) == NULL)
			return ld_oom(ld, 1);
	} else {
		if (ld_resolve(ld, &c->state_dir, ld->confdir) == -1)
			return -1;
		if ((rp = realpath(c->state_dir, NULL)) != NULL) {
			free(c->state_dir);
			c->state_dir = rp;
		}
	}
	if (ld_resolve_x509(ld, &c->creds.ca_file, &c->creds.cert_file,
	    &c->creds.key_file, c->state_dir) == -1)
		return -1;
	if (c->audit_log != NULL && strcmp(c->audit_log, "off") == 0) {
		free(c->audit_log);
		c->audit_log = NULL;
	}
	if (ld_resolve(ld, &c->audit_log, c->state_dir) == -1)
		return -1;
	if (c->control.full.path == NULL &&
	    asprintf(&c->control.full.path, "%s/dotsgwd.sock",
	    c->state_dir) == -1) {
		c->control.full.path = NULL;
		return ld_oom(ld, 1);
	}
	if (ld_resolve(ld, &c->control.full.path, c->state_dir) == -1 ||
	    ld_resolve(ld, &c->control.ro.path, c->state_dir) == -1)
		return -1;
	if (strlen(c->control.full.path) > 107)
		return key_err(ld, map, "control", "the default socket path "
		    "(state-dir/dotsgwd.sock) is longer than 107 bytes: set "
		    "control.socket");
	if (c->control.ro.path != NULL &&
	    strcmp(c->control.ro.path, c->control.full.path) == 0)
		return key_err(ld, map, "control", "read-only socket is the "
		    "full socket's path");
	if (c->listen == NULL) {
		if ((c->listen = calloc(1, sizeof(*c->listen))) == NULL)
			return ld_oom(ld, 1);
		listen_default(&c->listen[0]);
		c->n_listen = 1;
	}
	for (i = 0; i < c->n_peers; i++)
		if (c->peers[i].cert_name != NULL &&
		    (c->creds.ca_file == NULL || c->creds.cert_file == NULL))
			return peer_key_err(ld, map, i, "cert-name",
			    "needs credentials ca, cert and key");
	for (i = 0; i < c->n_peers; i++)
		if (role_peer(ld, map, i) == -1 || up_creds(ld, map, i) == -1)
			return -1;
	if (conf_dup_default(&c->mitigator.gobgp, "gobgp") == -1 ||
	    conf_dup_default(&c->mitigator.socket, EXABGP_SOCKET_DEFAULT) == -1)
		return ld_oom(ld, 1);
	if (ld_resolve(ld, &c->mitigator.counters, c->state_dir) == -1 ||
	    ld_resolve(ld, &c->mitigator.socket, c->state_dir) == -1)
		return -1;
	/* sun_path holds 108 bytes with the NUL; a relative path may only
	 * outgrow it once made absolute */
	if (strlen(c->mitigator.socket) > EXABGP_SOCKET_MAX) {
		path_push_key(ld, "mitigator");
		return key_err(ld, map_find(ld, map, "mitigator", NULL),
		    "socket", "longer than 107 bytes once made absolute (a "
		    "Unix socket path)");
	}
	/* mutual X.509 is the data channel's only authentication */
	if (c->data_channel.port != 0 &&
	    (c->creds.ca_file == NULL || c->creds.cert_file == NULL)) {
		path_push_key(ld, "data-channel");
		return key_err(ld, map_find(ld, map, "data-channel", NULL),
		    "port", "the data channel needs credentials ca, cert and "
		    "key (mutual X.509)");
	}
	/* the nodes share their state through the database */
	if (c->cluster.name != NULL && c->store.type != CONF_STORE_POSTGRESQL)
		return key_err(ld, map, "cluster", "needs store: {type: "
		    "postgresql, conninfo: ...}");
	return role_check(ld, map);
}

const struct word conf_role_words[] = {
	{ "gateway", ROLE_GATEWAY },
	{ "orchestrator", ROLE_ORCHESTRATOR }, { NULL, 0 }
};

int h_role(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_role_words, false, &v) == -1)
		return -1;
	((struct conf *)obj)->role = (enum conf_role)v;
	return 0;
}

/* ---- state store ------------------------------------------------------ */

const struct word conf_store_words[] = {
	{ "sqlite", CONF_STORE_SQLITE },
	{ "postgresql", CONF_STORE_POSTGRESQL }, { NULL, 0 }
};

int h_store_type(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	int	 v;

	if (ld_keyword(ld, n, conf_store_words, false, &v) == -1)
		return -1;
	((struct conf_store *)obj)->type = (enum conf_store_type)v;
	return 0;
}

/* libpq parses it at start (store_pg.c): only libpq knows its syntax. */
int h_conninfo(struct ld *ld, yaml_node_t *n, void *obj,
    const struct key *k)
{
	return h_str(ld, n, obj, k);
}

static const struct key store_keys[] = {
	{ "type", KT_SCALAR, false, 0, 0, 0, h_store_type, NULL },
	{ "conninfo", KT_SCALAR, false, 0, 4096,
	    offsetof(struct conf_store, conninfo), h_conninfo, NULL },
	KEY_END
};

static int store_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	const struct conf_store *s = obj;

	if (s->type == CONF_STORE_POSTGRESQL && s->conninfo == NULL)
		return key_err(ld, map, "type", "postgresql needs conninfo "
		    "(e.g. \"host=/run/postgresql dbname=dotsgw\")");
	if (s->type == CONF_STORE_SQLITE && s->conninfo != NULL)
		return key_err(ld, map, "conninfo", "is a key of type "
		    "postgresql, not of type sqlite");
	return 0;
}
static const struct schema store_schema = { store_keys, store_check };

/* ---- cluster (gateway/state/cluster.c) -------------------------------- */

static const struct key cluster_keys[] = {
	{ "name", KT_SCALAR, false, 0, CONF_NAME_MAX,
	    offsetof(struct conf_cluster, name), h_name, NULL },
	{ "node-id", KT_SCALAR, false, 0, CONF_NAME_MAX,
	    offsetof(struct conf_cluster, node_id), h_name, NULL },
	{ "lease-time", KT_SCALAR, false, 2, 3600,
	    offsetof(struct conf_cluster, lease_time), h_u32, NULL },
	KEY_END
};

static int cluster_check(struct ld *ld, yaml_node_t *map, void *obj)
{
	struct conf_cluster *c = obj;

	/* "cluster: {}" (what a print of no cluster reads) is no cluster */
	if (c->name == NULL && c->node_id == NULL && c->lease_time == 0)
		return 0;
	if (c->name == NULL)
		return key_err(ld, map, "name", "a cluster needs its name "
		    "(the same on every node)");
	if (c->node_id == NULL)
		return key_err(ld, map, "node-id", "a cluster needs this "
		    "node's node-id (distinct on every node)");
	if (c->lease_time == 0)
		c->lease_time = 10;
	return 0;
}
static const struct schema cluster_schema = { cluster_keys, cluster_check };

static const struct key root_keys[] = {
	{ "role", KT_SCALAR, false, 0, 0, 0, h_role, NULL },
	{ "node-id", KT_SCALAR, false, 0, CONF_NAME_MAX,
	    offsetof(struct conf, node_id), h_name, NULL },
	{ "state-dir", KT_SCALAR, false, 0, PATH_MAX,
	    offsetof(struct conf, state_dir), h_str, NULL },
	{ "listen", KT_LIST, false, 0, 0, 0, h_listen, NULL },
	{ "credentials", KT_MAP, false, 0, 0,
	    offsetof(struct conf, creds), h_map, &cred_schema },
	{ "signal-config", KT_MAP, false, 0, 0, 0, h_map, &sig_schema },
	{ "mitigation", KT_MAP, false, 0, 0, 0, h_map, &mitigation_schema },
	{ "capacity", KT_MAP, false, 0, 0, offsetof(struct conf, capacity),
	    h_map, &conf_capacity_schema },
	{ "gateway", KT_MAP, false, 0, 0, offsetof(struct conf, gateway),
	    h_map, &gateway_schema },
	{ "overload", KT_MAP, false, 0, 0, offsetof(struct conf, overload),
	    h_map, &overload_schema },
	{ "admin", KT_MAP, false, 0, 0, offsetof(struct conf, admin),
	    h_map, &admin_schema },
	{ "data-channel", KT_MAP, false, 0, 0,
	    offsetof(struct conf, data_channel), h_map, &data_channel_schema },
	{ "control", KT_MAP, false, 0, 0, offsetof(struct conf, control),
	    h_map, &control_schema },
	{ "audit-log", KT_SCALAR, false, 0, PATH_MAX,
	    offsetof(struct conf, audit_log), h_str, NULL },
	{ "huge-pages-above", KT_SCALAR, false, 0, 1048576,
	    offsetof(struct conf, huge_pages_above), h_u32, NULL },
	{ "store", KT_MAP, false, 0, 0, offsetof(struct conf, store),
	    h_map, &store_schema },
	{ "cluster", KT_MAP, false, 0, 0, offsetof(struct conf, cluster),
	    h_map, &cluster_schema },
	{ "mitigator", KT_MAP, false, 0, 0, offsetof(struct conf, mitigator),
	    h_map, &conf_mitigator_schema },
	{ "offload", KT_MAP, false, 0, 0, offsetof(struct conf, offload),
	    h_map, &offload_schema },
	{ "telemetry", KT_MAP, false, 0, 0, offsetof(struct conf, telemetry),
	    h_map, &telemetry_schema },
	{ "usage", KT_MAP, false, 0, 0, offsetof(struct conf, usage),
	    h_map, &usage_schema },
	{ "peers", KT_LIST, true, 0, 0, 0, h_peers, NULL },
	KEY_END
};
const struct schema conf_root_schema = { root_keys, root_check };

void conf_defaults(struct conf *c)
{
	conf_sig_defaults(c->sig);
	c->config_max_age = 3600;
	c->active_but_terminating = 120;
	c->huge_pages_above = 16;	/* gateway/core/heap_pages.h */
	/* enough that the quickstart mitigates locally */
	c->capacity.bps = 10000000000ULL;
	c->capacity.pps = 10000000;
	c->capacity.default_attack_bps = 1000000000;
	c->capacity.default_attack_pps = 1000000;
	c->gateway.cdid = CDID_INSERT;
	c->gateway.hop_limit = 16;
	c->gateway.relay_timeout_ms = 2000;
	c->overload.rate_per_s = 1000;
	c->overload.rate_burst = 2000;
	c->overload.max_clients = 64;
	strcpy(c->admin.address, "127.0.0.1");
	strcpy(c->data_channel.address, "::");
	c->data_channel.max_aliases = 64;
	c->data_channel.max_acls = 64;
	c->data_channel.max_clients = 16;
	c->data_channel.lifetime = 10080;
	c->telemetry.max_setups = 32;
	c->telemetry.max_reports = 64;
	c->control.full.mode = 0660;
	c->control.ro.mode = 0660;
	c->mitigator.type = MITIGATOR_LOG;
	strcpy(c->mitigator.api_host, "127.0.0.1");
	c->mitigator.api_port = 50051;
	c->mitigator.community_asn = 65535;
	c->mitigator.community_value = 4646;
	strcpy(c->mitigator.rtbh_next_hop, "192.0.2.1");
	c->mitigator.timeout_ms = 5000;
	c->mitigator.max_rules = 1000;
	c->mitigator.rate_limit = 1000000;
	for (int i = 0; i < CONF_SEVERITIES; i++)
		c->mitigator.severity_action[i] = CONF_ACT_DISCARD;
	c->mitigator.stats_interval = 5;
	c->mitigator.reconcile_interval = 30;
}

/* RFC 9132 §4.5.2 and Figure 20: (min, max, default). */
void conf_sig_defaults(struct conf_sigparam sig[DOTS_CFG_NPARAMS])
{
	static const struct conf_sigparam d[DOTS_CFG_NPARAMS] = {
		[DOTS_CFG_HEARTBEAT_INTERVAL] = { 15, 240, 30 },
		[DOTS_CFG_MISSING_HB_ALLOWED] = { 3, 20, 15 },
		[DOTS_CFG_MAX_RETRANSMIT] = { 2, 15, 3 },
		[DOTS_CFG_ACK_TIMEOUT] = { 100, 3000, 200 },
		[DOTS_CFG_ACK_RANDOM_FACTOR] = { 110, 400, 150 },
		[DOTS_CFG_PROBING_RATE] = { 5, 20, 5 },
	};

	memcpy(sig, d, sizeof(d));
}
