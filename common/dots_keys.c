/*
 * The one table of DOTS signal-channel CBOR keys (signal-channel.md §4,
 * extensions.md A.7, B, C). Sorted by key number for bsearch; the name
 * index is built by a linear scan, which is fine for ~150 entries used
 * only by the JSON translation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dots_keys.h"

static const char *const status_labels[] = {
	"", "attack-mitigation-in-progress", "attack-successfully-mitigated",
	"attack-stopped", "attack-exceeded-capability",
	"dots-client-withdrawn-mitigation", "attack-mitigation-terminated",
	"attack-mitigation-withdrawn", "attack-mitigation-signal-loss", NULL
};
static const char *const conflict_status_labels[] = {
	"", "request-inactive-other-active", "request-active",
	"all-requests-inactive", NULL
};
static const char *const conflict_cause_labels[] = {
	"", "overlapping-targets", "conflict-with-acceptlist",
	"cuid-collision", "request-rejected-legitimate-traffic",
	"overlapping-pipes", NULL
};
static const char *const attack_status_labels[] = {
	"", "under-attack", "attack-successfully-mitigated", NULL
};
static const char *const activation_labels[] = {
	"", "activate-when-mitigating", "immediate", "deactivate", NULL
};
static const char *const unit_labels[] = {
	"", "packet-ps", "bit-ps", "byte-ps", "kilopacket-ps", "kilobit-ps",
	"kilobyte-ps", "megapacket-ps", "megabit-ps", "megabyte-ps",
	"gigapacket-ps", "gigabit-ps", "gigabyte-ps", "terapacket-ps",
	"terabit-ps", "terabyte-ps", "petapacket-ps", "petabit-ps",
	"petabyte-ps", "exapacket-ps", "exabit-ps", "exabyte-ps",
	"zettapacket-ps", "zettabit-ps", "zettabyte-ps", NULL
};
static const char *const severity_labels[] = {
	"", "none", "low", "medium", "high", "unknown", NULL
};
static const char *const interval_labels[] = {
	"", "5-minutes", "10-minutes", "30-minutes", "hour", "day", "week",
	"month", NULL
};
static const char *const sample_labels[] = {
	"", "second", "5-seconds", "30-seconds", "minute", "5-minutes",
	"10-minutes", "30-minutes", "hour", NULL
};
static const char *const query_type_labels[] = {
	"", "target-prefix", "target-port", "target-protocol", "target-fqdn",
	"target-uri", "target-alias", "mid", "source-prefix", "source-port",
	"source-icmp-type", "content", NULL
};

static const char *const transport_labels[] = {
	"", "dtls", "tls", NULL
};

#define SC	"ietf-dots-signal-channel:"
#define TM	"ietf-dots-telemetry:"
#define CH	"ietf-dots-call-home:"
#define K(n, name, t)		{ n, name, DKT_##t, DKT_MAP, NULL }
#define KA(n, name, e)		{ n, name, DKT_ARRAY, DKT_##e, NULL }
#define KE(n, name, l)		{ n, name, DKT_ENUM, DKT_MAP, l }

static const struct dots_key keys[] = {
	K(1, SC "mitigation-scope", MAP),
	KA(2, "scope", MAP),
	K(3, "cdid", TEXT),
	K(4, "cuid", TEXT),
	K(5, "mid", UINT),
	KA(6, "target-prefix", TEXT),
	KA(7, "target-port-range", MAP),
	K(8, "lower-port", UINT),
	K(9, "upper-port", UINT),
	KA(10, "target-protocol", UINT),
	KA(11, "target-fqdn", TEXT),
	KA(12, "target-uri", TEXT),
	KA(13, "alias-name", TEXT),
	K(14, "lifetime", LIFETIME),
	K(15, "mitigation-start", UINT64STR),
	KE(16, "status", status_labels),
	K(17, "conflict-information", MAP),
	KE(18, "conflict-status", conflict_status_labels),
	KE(19, "conflict-cause", conflict_cause_labels),
	K(20, "retry-timer", UINT),
	K(21, "conflict-scope", MAP),
	KA(22, "acl-list", MAP),
	K(23, "acl-name", TEXT),
	K(24, "acl-type", TEXT),
	K(25, "bytes-dropped", UINT64STR),
	K(26, "bps-dropped", UINT64STR),
	K(27, "pkts-dropped", UINT64STR),
	K(28, "pps-dropped", UINT64STR),
	KE(29, "attack-status", attack_status_labels),
	K(30, SC "signal-config", MAP),
	K(31, "sid", UINT),
	K(32, "mitigating-config", MAP),
	K(33, "heartbeat-interval", MAP),
	K(34, "max-value", UINT),
	K(35, "min-value", UINT),
	K(36, "current-value", UINT),
	K(37, "missing-hb-allowed", MAP),
	K(38, "max-retransmit", MAP),
	K(39, "ack-timeout", MAP),
	K(40, "ack-random-factor", MAP),
	K(41, "max-value-decimal", DEC64),
	K(42, "min-value-decimal", DEC64),
	K(43, "current-value-decimal", DEC64),
	K(44, "idle-config", MAP),
	K(45, "trigger-mitigation", BOOL),
	K(46, SC "redirected-signal", MAP),
	K(47, "alt-server", TEXT),
	KA(48, "alt-server-record", TEXT),
	K(49, SC "heartbeat", MAP),
	K(50, "probing-rate", MAP),
	K(51, "peer-hb-status", BOOL),
	KE(52, "activation-type", activation_labels),
	KA(53, "ietf-dots-signal-control:acl-list", MAP),
	/* RFC 9244 telemetry, extensions.md A.7 */
	K(128, "tsid", UINT),
	KA(129, "telemetry", MAP),
	K(130, "low-percentile", DEC64),
	K(131, "mid-percentile", DEC64),
	K(132, "high-percentile", DEC64),
	KA(133, "unit-config", MAP),
	KE(134, "unit", unit_labels),
	K(135, "unit-status", BOOL),
	KA(136, "total-pipe-capacity", MAP),
	K(137, "link-id", TEXT),
	KA(138, "pre-or-ongoing-mitigation", MAP),
	KA(139, "total-traffic-normal", MAP),
	K(140, "low-percentile-g", UINT64STR),
	K(141, "mid-percentile-g", UINT64STR),
	K(142, "high-percentile-g", UINT64STR),
	K(143, "peak-g", UINT64STR),
	KA(144, "total-attack-traffic", MAP),
	KA(145, "total-traffic", MAP),
	KA(146, "total-connection-capacity", MAP),
	K(147, "connection", UINT64STR),
	K(148, "connection-client", UINT64STR),
	K(149, "embryonic", UINT64STR),
	K(150, "embryonic-client", UINT64STR),
	K(151, "connection-ps", UINT64STR),
	K(152, "connection-client-ps", UINT64STR),
	K(153, "request-ps", UINT64STR),
	K(154, "request-client-ps", UINT64STR),
	K(155, "partial-request-max", UINT64STR),
	K(156, "partial-request-client-max", UINT64STR),
	K(157, "total-attack-connection", MAP),
	K(158, "connection-c", MAP),
	K(159, "embryonic-c", MAP),
	K(160, "connection-ps-c", MAP),
	K(161, "request-ps-c", MAP),
	KA(162, "attack-detail", MAP),
	K(163, "id", UINT),
	K(164, "attack-id", UINT),
	K(165, "attack-description", TEXT),
	KE(166, "attack-severity", severity_labels),
	K(167, "start-time", UINT64STR),
	K(168, "end-time", UINT64STR),
	K(169, "source-count", MAP),
	K(170, "top-talker", MAP),
	K(171, "spoofed-status", BOOL),
	K(172, "partial-request-c", MAP),
	KA(173, "total-attack-connection-protocol", MAP),
	KA(174, "baseline", MAP),
	K(175, "current-config", MAP),
	K(176, "max-config-values", MAP),
	K(177, "min-config-values", MAP),
	K(178, "supported-unit-classes", MAP),
	K(179, "server-originated-telemetry", BOOL),
	K(180, "telemetry-notify-interval", UINT),
	K(181, "tmid", UINT),
	KE(182, "measurement-interval", interval_labels),
	KE(183, "measurement-sample", sample_labels),
	KA(184, "talker", MAP),
	K(185, "source-prefix", TEXT),
	KA(186, "mid-list", UINT),
	KA(187, "source-port-range", MAP),
	KA(188, "source-icmp-type-range", MAP),
	K(189, "target", MAP),
	K(190, "capacity", UINT64STR),
	K(191, "protocol", UINT),
	KA(192, "total-traffic-normal-per-protocol", MAP),
	KA(193, "total-traffic-normal-per-port", MAP),
	KA(194, "total-connection-capacity-per-port", MAP),
	KA(195, "total-traffic-protocol", MAP),
	KA(196, "total-traffic-port", MAP),
	KA(197, "total-attack-traffic-protocol", MAP),
	KA(198, "total-attack-traffic-port", MAP),
	KA(199, "total-attack-connection-port", MAP),
	K(200, "port", UINT),
	{ 201, "supported-query-type", DKT_ARRAY, DKT_ENUM, query_type_labels },
	K(202, "vendor-id", UINT),
	K(203, TM "telemetry-setup", MAP),
	KA(204, TM "total-traffic", MAP),
	KA(205, TM "total-attack-traffic", MAP),
	K(206, TM "total-attack-connection", MAP),
	KA(207, TM "attack-detail", MAP),
	K(208, TM "telemetry", MAP),
	K(209, "current-g", UINT64STR),
	K(210, "description-lang", TEXT),
	/* RFC 9066 call home, extensions.md B (32773-32775 inferred) */
	KA(32768, CH "source-prefix", TEXT),
	KA(32769, CH "source-port-range", MAP),
	KA(32770, CH "source-icmp-type-range", MAP),
	K(32771, "lower-type", UINT),
	K(32772, "upper-type", UINT),
	K(32773, CH "alt-ch-client", TEXT),
	KA(32774, CH "alt-ch-client-record", TEXT),
	K(32775, CH "ttl", UINT),
	/* dotsgw private use (49152-65535, comprehension-optional): the node
	 * ids of the dotsgw relays a request passed, for loop detection */
	KA(49152, "dotsgw:relay-path", TEXT),
	/* the orchestrator registration resource .well-known/dots/register
	 * (README.md "Orchestrator"); members only valid inside 49153 */
	K(49153, "dotsgw:registration", MAP),
	K(49154, "server-address", TEXT),
	K(49155, "server-port", UINT),
	KE(49156, "server-transport", transport_labels),
	K(49157, "capacity-bps", UINT64STR),
	K(49158, "capacity-pps", UINT64STR),
	KA(49159, "attack-type", TEXT),
	KA(49160, "countermeasure", TEXT),
	K(49161, "threshold-bps", UINT64STR),
	K(49162, "threshold-pps", UINT64STR),
	K(49163, "threshold-duration", UINT),
	KA(49164, "served-prefix", TEXT),
	K(49165, "registration-time", UINT64STR),
	K(49166, "tunnel-information", TEXT),
	K(49167, "next-hop", TEXT),
	K(49168, "data-channel-cuid", TEXT),
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int
key_cmp(const void *a, const void *b)
{
	uint64_t ka = *(const uint64_t *)a;
	uint32_t kb = ((const struct dots_key *)b)->key;

	return ka < kb ? -1 : ka > kb;
}

const struct dots_key *
dots_key_by_num(uint64_t key)
{
	return bsearch(&key, keys, NKEYS, sizeof(keys[0]), key_cmp);
}

const struct dots_key *
dots_key_by_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return NULL;
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

bool
dots_key_is_optional(uint64_t key)
{
	return (key >= 128 && key <= 255) || (key >= 16384 && key <= 65535);
}

const char *
dots_key_describe(uint64_t key, char *buf, unsigned len)
{
	const struct dots_key *k = dots_key_by_num(key);

	if (k != NULL)
		snprintf(buf, len, "%s (%llu)", k->name,
		    (unsigned long long)key);
	else
		snprintf(buf, len, "key %llu", (unsigned long long)key);
	return buf;
}
