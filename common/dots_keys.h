/*
 * The one table of DOTS signal-channel CBOR keys: RFC 9132 Table 5 (1-51),
 * RFC 9133 (52-53), RFC 9244 telemetry (128-210), RFC 9066 call home
 * (32768-32775). Used by the codec for diagnostics and by the generic
 * CBOR <-> JSON translation.
 */
#ifndef DOTSGW_DOTS_KEYS_H
#define DOTSGW_DOTS_KEYS_H

#include <stdbool.h>
#include <stdint.h>

/* Named keys that the codec handles by number. */
enum dots_key_num {
	DK_MITIGATION_SCOPE = 1, DK_SCOPE = 2, DK_CDID = 3, DK_CUID = 4,
	DK_MID = 5, DK_TARGET_PREFIX = 6, DK_TARGET_PORT_RANGE = 7,
	DK_LOWER_PORT = 8, DK_UPPER_PORT = 9, DK_TARGET_PROTOCOL = 10,
	DK_TARGET_FQDN = 11, DK_TARGET_URI = 12, DK_ALIAS_NAME = 13,
	DK_LIFETIME = 14, DK_MITIGATION_START = 15, DK_STATUS = 16,
	DK_CONFLICT_INFORMATION = 17, DK_CONFLICT_STATUS = 18,
	DK_CONFLICT_CAUSE = 19, DK_RETRY_TIMER = 20, DK_CONFLICT_SCOPE = 21,
	DK_ACL_LIST = 22, DK_ACL_NAME = 23, DK_ACL_TYPE = 24,
	DK_BYTES_DROPPED = 25, DK_BPS_DROPPED = 26, DK_PKTS_DROPPED = 27,
	DK_PPS_DROPPED = 28, DK_ATTACK_STATUS = 29, DK_SIGNAL_CONFIG = 30,
	DK_SID = 31, DK_MITIGATING_CONFIG = 32, DK_HEARTBEAT_INTERVAL = 33,
	DK_MAX_VALUE = 34, DK_MIN_VALUE = 35, DK_CURRENT_VALUE = 36,
	DK_MISSING_HB_ALLOWED = 37, DK_MAX_RETRANSMIT = 38,
	DK_ACK_TIMEOUT = 39, DK_ACK_RANDOM_FACTOR = 40,
	DK_MAX_VALUE_DECIMAL = 41, DK_MIN_VALUE_DECIMAL = 42,
	DK_CURRENT_VALUE_DECIMAL = 43, DK_IDLE_CONFIG = 44,
	DK_TRIGGER_MITIGATION = 45, DK_REDIRECTED_SIGNAL = 46,
	DK_ALT_SERVER = 47, DK_ALT_SERVER_RECORD = 48, DK_HEARTBEAT = 49,
	DK_PROBING_RATE = 50, DK_PEER_HB_STATUS = 51,
	DK_ACTIVATION_TYPE = 52, DK_ACL_LIST_9133 = 53,
	DK_SOURCE_PREFIX = 32768, DK_SOURCE_PORT_RANGE = 32769,
	DK_SOURCE_ICMP_TYPE_RANGE = 32770,
	/* dotsgw private use: the orchestrator registration (README.md) */
	DK_REGISTRATION = 49153, DK_REG_SERVER_ADDRESS = 49154,
	DK_REG_SERVER_PORT = 49155, DK_REG_SERVER_TRANSPORT = 49156,
	DK_REG_CAPACITY_BPS = 49157, DK_REG_CAPACITY_PPS = 49158,
	DK_REG_ATTACK_TYPE = 49159, DK_REG_COUNTERMEASURE = 49160,
	DK_REG_THRESHOLD_BPS = 49161, DK_REG_THRESHOLD_PPS = 49162,
	DK_REG_THRESHOLD_DURATION = 49163, DK_REG_SERVED_PREFIX = 49164,
	DK_REG_TIME = 49165,
	DK_REG_TUNNEL = 49166, DK_REG_NEXT_HOP = 49167,
	DK_REG_DC_CUID = 49168,
};

/* How a key's value is encoded: CBOR type on the wire, JSON type in text. */
enum dots_ktype {
	DKT_MAP,	/* map <-> object */
	DKT_ARRAY,	/* array <-> array, elements of type elem */
	DKT_UINT,	/* uint <-> number */
	DKT_UINT64STR,	/* uint <-> decimal string (64-bit counters, times) */
	DKT_LIFETIME,	/* uint or -1 <-> number */
	DKT_TEXT,	/* text <-> string */
	DKT_BOOL,	/* true/false <-> true/false */
	DKT_DEC64,	/* tag 4 [-2, m] <-> "12.34" */
	DKT_ENUM,	/* uint <-> label string (enum_labels) */
};

struct dots_key {
	uint32_t	 key;
	const char	*name;		/* JSON member name, module-qualified
					   where the RFC qualifies it */
	enum dots_ktype	 type;
	enum dots_ktype	 elem;		/* element type when type == DKT_ARRAY */
	const char *const *enum_labels;	/* index = value; NULL-terminated */
};

const struct dots_key *dots_key_by_num(uint64_t key);
const struct dots_key *dots_key_by_name(const char *name);

/* RFC 9132 §6: 128-255, 16384-65535 may be ignored by a receiver. */
bool	dots_key_is_optional(uint64_t key);

/* "target-prefix (6)" or "key 100" into buf; returns buf. */
const char *dots_key_describe(uint64_t key, char *buf, unsigned len);

#endif
