/*
 * RFC 8783 §7 filtering ACLs: the ietf-access-control-list model (RFC
 * 8519) as ietf-dots-data-channel augments and restricts it, decoded from
 * and encoded to its JSON (RFC 7951), checked against a peer's
 * authorisation, and turned into the local mitigator's flowspec rules.
 * Pure code: no event loop, no I/O, no logging; the data channel server
 * (gateway/datachannel) calls it.
 *
 * Bounds (ours, the RFC gives none): at most DC_ACLS_MAX ACLs in one body
 * and DC_ACES_MAX ACEs in one ACL (an ACE becomes at most one flowspec
 * rule per peer prefix, and a mitigation carries at most POL_RULES_MAX = 64
 * rules); names 1..64 characters (the YANG length).
 *
 * What is decoded is kept as given: a defaulted leaf (activation-type,
 * the operators) is remembered as absent, so that a GET returns what was
 * PUT (RESTCONF "explicit" with-defaults); dc_acl_activation() and the
 * rule conversion apply the defaults.
 *
 * The YAML "acls:" (struct conf_acl) are a subset of this model: a
 * conf_ace is an ACE with an l3 container (dst required, src, protocol),
 * a tcp or udp container chosen by its protocol for the two port ranges,
 * an icmp container for icmp-type, and forwarding drop, accept, or accept
 * with rate-limit (YAML's "rate-limit" action). A conf_acl would become a
 * dc_acl with activation-type absent, and policies/acl.c would build its
 * rules with dc_acl_rules(); only YAML port ranges without a protocol
 * (flowspec's port component, TCP or UDP) have no RFC 8783 form.
 */
#ifndef DOTSGW_DC_ACL_H
#define DOTSGW_DC_ACL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf.h"
#include "dc_err.h"
#include "prefix.h"

#define DC_ACLS_MAX		16	/* ACLs in one request body */
#define DC_ACES_MAX		64	/* ACEs in one ACL */
#define DC_NAME_MAX		64	/* acl and ace name, YANG length */
#define DC_TCP_OPTIONS_MAX	40	/* YANG length 1..40 */
#define DC_ROH_MAX		64	/* icmp rest-of-header: ours (YANG:
					   unbounded) */
#define DC_PATH_MAX		160

#define DC_ACLS_ROOT		"ietf-dots-data-channel:acls"


/* ietf-acl:acl-type identities RFC 8783 accepts */
enum dc_acl_type {
	DC_TYPE_NONE = 0,	/* leaf absent */
	DC_TYPE_IPV4,		/* ipv4-acl-type */
	DC_TYPE_IPV6,		/* ipv6-acl-type */
};

/* typedef activation-type: the YANG enum values (= policies/acl.h) */
enum dc_activation {
	DC_ACT_WHEN_MITIGATING = 1,	/* the default */
	DC_ACT_IMMEDIATE = 2,
	DC_ACT_DEACTIVATE = 3,
};

/* ietf-acl:forwarding-action identities */
enum dc_forwarding {
	DC_FWD_ACCEPT = 1,
	DC_FWD_DROP,
	DC_FWD_REJECT,
};

/* typedef operator (bits, 1 << position); default "match" */
#define DC_OP_NOT	0x01	/* position 0 */
#define DC_OP_MATCH	0x02	/* position 1: (data & value) == value */
#define DC_OP_ANY	0x08	/* position 3: (data & value) != 0 */

/* typedef fragment-type (bits) */
#define DC_FRAG_DF	0x01	/* don't fragment, IPv4 only */
#define DC_FRAG_ISF	0x02	/* is a fragment */
#define DC_FRAG_FF	0x04	/* first fragment */
#define DC_FRAG_LF	0x08	/* last fragment */

/* RFC 8519 ipv4 flags (bits) */
#define DC_IPF_RESERVED	0x01
#define DC_IPF_FRAGMENT	0x02	/* don't fragment */
#define DC_IPF_MORE	0x04

/* RFC 8519 tcp flags (bits, positions 1..8) */
#define DC_TCPF_CWR	0x002
#define DC_TCPF_ECE	0x004
#define DC_TCPF_URG	0x008
#define DC_TCPF_ACK	0x010
#define DC_TCPF_PSH	0x020
#define DC_TCPF_RST	0x040
#define DC_TCPF_SYN	0x080
#define DC_TCPF_FIN	0x100

/* port-range-or-operator (RFC 8519 packet-fields) */
enum dc_port_op {
	DC_PORT_NONE = 0,	/* container absent */
	DC_PORT_RANGE,		/* lower-port, upper-port */
	DC_PORT_LTE,		/* operator + port; lower = the port */
	DC_PORT_GTE,
	DC_PORT_EQ,		/* the default operator */
	DC_PORT_NEQ,
};

struct dc_port {
	uint8_t		 op;		/* enum dc_port_op */
	bool		 has_op;	/* operator leaf given */
	uint16_t	 lower, upper;
};

/* matches/ipv4 or matches/ipv6: which leaves are present */
#define DC_IP_DSCP	0x0001
#define DC_IP_ECN	0x0002
#define DC_IP_LENGTH	0x0004
#define DC_IP_TTL	0x0008	/* ttl (ipv4), hop-limit is the same leaf */
#define DC_IP_PROTOCOL	0x0010
#define DC_IP_IHL	0x0020	/* ipv4 only */
#define DC_IP_FLAGS	0x0040	/* ipv4 only */
#define DC_IP_OFFSET	0x0080	/* ipv4 only */
#define DC_IP_IDENT	0x0100	/* ipv4 only */
#define DC_IP_DST	0x0200
#define DC_IP_SRC	0x0400
#define DC_IP_FLOW	0x0800	/* ipv6 only */
#define DC_IP_FRAG	0x1000
#define DC_IP_FRAG_OP	0x2000	/* fragment/operator given */

struct dc_ip {
	uint32_t	 has;		/* DC_IP_* */
	uint8_t		 dscp, ecn, ttl, protocol, ihl, flags;
	uint16_t	 length, offset, identification;
	uint32_t	 flow_label;
	struct prefix	 dst, src;
	uint8_t		 frag_op, frag_type;	/* DC_OP_*, DC_FRAG_* */
};

#define DC_TCP_SEQ	0x001
#define DC_TCP_ACK	0x002
#define DC_TCP_DOFF	0x004
#define DC_TCP_RSVD	0x008
#define DC_TCP_FLAGS	0x010
#define DC_TCP_WINDOW	0x020
#define DC_TCP_URGENT	0x040
#define DC_TCP_OPTIONS	0x080
#define DC_TCP_FBMASK	0x100	/* flags-bitmask */
#define DC_TCP_FB_OP	0x200	/* flags-bitmask/operator given */

struct dc_tcp {
	uint32_t	 has;		/* DC_TCP_* */
	uint32_t	 seq, ack;
	uint8_t		 data_offset, reserved;
	uint16_t	 flags;		/* DC_TCPF_* */
	uint16_t	 window, urgent;
	uint8_t		 options[DC_TCP_OPTIONS_MAX];
	size_t		 n_options;
	uint8_t		 fb_op;		/* DC_OP_* */
	uint16_t	 fb_mask;
};

#define DC_ICMP_TYPE	0x1
#define DC_ICMP_CODE	0x2
#define DC_ICMP_ROH	0x4

enum dc_l4 { DC_L4_NONE = 0, DC_L4_TCP, DC_L4_UDP, DC_L4_ICMP };

struct dc_ace {
	char		 name[DC_NAME_MAX + 1];
	bool		 has_matches;
	uint8_t		 l3;		/* 0, 4 or 6: which container */
	struct dc_ip	 ip;
	uint8_t		 l4;		/* enum dc_l4 */
	struct dc_tcp	 tcp;
	bool		 has_udp_length;
	uint16_t	 udp_length;
	struct dc_port	 sport, dport;	/* tcp and udp */
	uint32_t	 icmp_has;	/* DC_ICMP_* */
	uint8_t		 icmp_type, icmp_code;
	uint8_t		 roh[DC_ROH_MAX];
	size_t		 n_roh;
	uint8_t		 forwarding;	/* enum dc_forwarding; 0 = no
					   actions (stored form only) */
	bool		 has_rate;	/* rate-limit: accept only */
	uint64_t	 rate_centi;	/* bytes/s x 100 (decimal64, 2
					   fraction digits) */
};

struct dc_acl {
	char		 name[DC_NAME_MAX + 1];
	uint8_t		 type;		/* enum dc_acl_type */
	uint8_t		 activation;	/* enum dc_activation; 0 = absent */
	bool		 has_pending;	/* pending-lifetime (config false) */
	int32_t		 pending_lifetime;	/* minutes */
	bool		 has_aces;
	struct dc_ace	*aces;
	size_t		 n_aces;
};

struct dc_acls {
	struct dc_acl	*v;
	size_t		 n;
};

/* What a decoder accepts: a client's request (config true nodes only), or
 * our own encoding (a GET answer, the state store) with pending-lifetime. */
enum dc_mode { DC_REQUEST, DC_STORED };

/*
 * Decode a body {"ietf-dots-data-channel:acls": {"acl": [...]}}: 0, or -1
 * with err (400) naming the node path. Strict: unknown members, wrong JSON
 * types (RFC 7951: uint8..uint32 and int32 are numbers; decimal64, bits,
 * identities and binary are strings), values out of the YANG range, the
 * RFC's exclusions (one l3 and one l4 container; ipv4 'flags' with
 * 'fragment'; tcp 'flags' with 'flags-bitmask'; 'match' with 'any';
 * rate-limit only with accept) and duplicate names are refused.
 */
int	 dc_acls_decode(const char *buf, size_t len, enum dc_mode,
	    struct dc_acls *out, struct dc_err *err);
int	 dc_acls_decode_json(const json_t *root, enum dc_mode,
	    struct dc_acls *out, struct dc_err *err);

/* The body for a GET: a new reference, NULL only when out of memory.
 * Identities are written without module prefix, as the RFC's examples. */
json_t	*dc_acls_encode(const struct dc_acls *);

/*
 * One ACL as an element of the "acl" list (RFC 8783 §7.3), for a GET with
 * RFC 8040 content= (DC_CONTENT_* of dc_json.h): config gives what was
 * PUT; nonconfig the name, pending-lifetime (when has_pending) and each
 * ace's name, as Figure 31; all both. NULL only when out of memory. The
 * function the data channel's client (upstream) encodes a body with too.
 */
json_t	*dc_acl_encode_one(const struct dc_acl *, unsigned content);

void	 dc_acls_free(struct dc_acls *);
void	 dc_acl_free(struct dc_acl *);

/* activation-type with its default applied */
enum dc_activation dc_acl_activation(const struct dc_acl *);

/*
 * May this peer install this ACL? Every ACE's destination network inside
 * the peer's prefixes (an ACE without one applies to the peer's own
 * prefixes: allowed), its protocol among the peer's protocols and its
 * destination ports among its ports when the configuration restricts them
 * (absent means all, refused then, as on the signal channel), and its
 * action among the peer's mitigation-actions. 0, or -1 with err = 403
 * access-denied naming the node; idx is the ACL's index in its body.
 */
int	 dc_acl_authorize(const struct conf_peer *, const struct dc_acl *,
	    size_t idx, struct dc_err *err);

/* Formatting helpers the encoder and the errors share (dc_acl.c). */
const char *dc_acl_type_name(unsigned);
const char *dc_activation_name(unsigned);
const char *dc_forwarding_name(unsigned);

/* The ranges a port match covers (neq: two), 0 for none. */
size_t	 dc_port_ranges(const struct dc_port *, struct port_range out[2]);

/* The protocol an ACE matches, from its l3 protocol leaf or its l4
 * container; 0 for any. ICMP under an ACL without type: 0 (either). */
uint8_t	 dc_ace_protocol(const struct dc_ace *, unsigned acl_type);
/* The address family an ACE of acl matches (its l3 container, else the
 * ACL's type): AF_INET, AF_INET6, or 0 for either. */
int	 dc_ace_family(const struct dc_acl *, const struct dc_ace *);

#endif
