/*
 * RFC 8783 ACE matches from their JSON: the l3 choice (ipv4, ipv6 with
 * the data channel's fragment container), the l4 choice (tcp with
 * flags-bitmask, udp, icmp) and the port-range-or-operator containers.
 * The YANG's exclusions are checked here: one container per choice, an
 * l3 container only under the ACL type it belongs to, ipv4 'flags' not
 * with 'fragment', tcp 'flags' not with 'flags-bitmask', 'df' not in
 * IPv6, and an l3 protocol that agrees with the l4 container.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dc_acl_impl.h"

static int
fragment(struct dctx *c, const json_t *ip, bool v6, struct dc_ip *m)
{
	json_t		*f = json_object_get(ip, "fragment");
	static const char *const names[] = { "operator", "type", NULL };
	size_t		 old;
	int		 r;

	if (f == NULL)
		return 0;
	old = dcw_push(c, "fragment");
	if (dcw_need_object(c, f) == -1 || dcw_members(c, f, names) == -1)
		return -1;
	m->has |= DC_IP_FRAG;
	if ((r = dcw_get_op(c, f, &m->frag_op)) == -1)
		return -1;
	if (r == 1)
		m->has |= DC_IP_FRAG_OP;
	if ((r = dcw_get_bits(c, f, "type", dc_frag_bits, &m->frag_type, NULL))
	    == -1)
		return -1;
	if (r == 0)
		return dcw_fail_at(c, "type", "missing-attribute", "missing");
	if (v6 && (m->frag_type & DC_FRAG_DF))
		return dcw_fail_at(c, "type", "invalid-value", "'df' is for IPv4 "
		    "only");
	dcw_pop(c, old);
	return 0;
}

static int
l3(struct dctx *c, const json_t *ip, bool v6, struct dc_ip *m)
{
	static const char *const v4names[] = { "dscp", "ecn", "length", "ttl",
	    "protocol", "ihl", "flags", "offset", "identification",
	    "destination-ipv4-network", "source-ipv4-network", "fragment",
	    NULL };
	static const char *const v6names[] = { "dscp", "ecn", "length", "ttl",
	    "protocol", "destination-ipv6-network", "source-ipv6-network",
	    "flow-label", "fragment", NULL };
	int	 family = v6 ? AF_INET6 : AF_INET, r;

	if (dcw_need_object(c, ip) == -1 ||
	    dcw_members(c, ip, v6 ? v6names : v4names) == -1)
		return -1;
	if (LEAF(c, ip, "dscp", 0, 63, &m->has, DC_IP_DSCP, m->dscp) ||
	    LEAF(c, ip, "ecn", 0, 3, &m->has, DC_IP_ECN, m->ecn) ||
	    LEAF(c, ip, "length", 0, 65535, &m->has, DC_IP_LENGTH,
	    m->length) ||
	    LEAF(c, ip, "ttl", 0, 255, &m->has, DC_IP_TTL, m->ttl) ||
	    LEAF(c, ip, "protocol", 0, 255, &m->has, DC_IP_PROTOCOL,
	    m->protocol))
		return -1;
	if (!v6 && (LEAF(c, ip, "ihl", 5, 60, &m->has, DC_IP_IHL, m->ihl) ||
	    LEAF(c, ip, "offset", 20, 65535, &m->has, DC_IP_OFFSET,
	    m->offset) ||
	    LEAF(c, ip, "identification", 0, 65535, &m->has, DC_IP_IDENT,
	    m->identification)))
		return -1;
	if (v6 && LEAF(c, ip, "flow-label", 0, 1048575, &m->has, DC_IP_FLOW,
	    m->flow_label))
		return -1;
	if (!v6) {
		if ((r = dcw_get_bits(c, ip, "flags", dc_ipflag_bits, &m->flags,
		    NULL)) == -1)
			return -1;
		if (r == 1)
			m->has |= DC_IP_FLAGS;
	}
	if ((r = dcw_get_prefix(c, ip, v6 ? "destination-ipv6-network" :
	    "destination-ipv4-network", family, &m->dst)) == -1)
		return -1;
	if (r == 1)
		m->has |= DC_IP_DST;
	if ((r = dcw_get_prefix(c, ip, v6 ? "source-ipv6-network" :
	    "source-ipv4-network", family, &m->src)) == -1)
		return -1;
	if (r == 1)
		m->has |= DC_IP_SRC;
	if (fragment(c, ip, v6, m) == -1)
		return -1;
	if ((m->has & DC_IP_FLAGS) && (m->has & DC_IP_FRAG))
		return dcw_fail(c, "invalid-value", "'flags' and 'fragment' must "
		    "not be set together (RFC 8783 §7.1)");
	return 0;
}

static int
port(struct dctx *c, const json_t *l4, const char *key, struct dc_port *p)
{
	static const char *const names[] = { "lower-port", "upper-port",
	    "operator", "port", NULL };
	json_t		*o = json_object_get(l4, key);
	const char	*op;
	int64_t		 lo, hi;
	int		 rl, ru, ro, rp;
	size_t		 old;

	if (o == NULL)
		return 0;
	old = dcw_push(c, "%s", key);
	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1 ||
	    (rl = dcw_get_int(c, o, "lower-port", 0, 65535, &lo)) == -1 ||
	    (ru = dcw_get_int(c, o, "upper-port", 0, 65535, &hi)) == -1 ||
	    (ro = dcw_get_str(c, o, "operator", &op)) == -1 ||
	    (rp = dcw_get_int(c, o, "port", 0, 65535, &lo)) == -1)
		return -1;
	if ((rl || ru) && (ro || rp))
		return dcw_fail(c, "invalid-value", "lower-port/upper-port and "
		    "operator/port are the two cases of one choice");
	if (rl || ru) {
		if (!rl || !ru)
			return dcw_fail_at(c, rl ? "upper-port" : "lower-port",
			    "missing-attribute", "missing");
		if (lo > hi)
			return dcw_fail(c, "invalid-value", "lower-port %" PRId64
			    " is above upper-port %" PRId64, lo, hi);
		p->op = DC_PORT_RANGE;
		p->lower = (uint16_t)lo;
		p->upper = (uint16_t)hi;
	} else {
		if (!rp)
			return dcw_fail(c, "missing-attribute", "needs lower-port "
			    "and upper-port, or port");
		p->op = DC_PORT_EQ;
		if (ro) {
			p->has_op = true;
			if (strcmp(op, "lte") == 0)
				p->op = DC_PORT_LTE;
			else if (strcmp(op, "gte") == 0)
				p->op = DC_PORT_GTE;
			else if (strcmp(op, "neq") == 0)
				p->op = DC_PORT_NEQ;
			else if (strcmp(op, "eq") != 0)
				return dcw_fail_at(c, "operator", "invalid-value",
				    "unknown operator (lte, gte, eq or neq)");
		}
		p->lower = p->upper = (uint16_t)lo;
	}
	dcw_pop(c, old);
	return 0;
}

static int
tcp(struct dctx *c, const json_t *o, struct dc_ace *a)
{
	static const char *const names[] = { "sequence-number",
	    "acknowledgement-number", "data-offset", "reserved", "flags",
	    "window-size", "urgent-pointer", "options", "flags-bitmask",
	    "source-port-range-or-operator",
	    "destination-port-range-or-operator", NULL };
	static const char *const fbnames[] = { "operator", "bitmask", NULL };
	struct dc_tcp	*t = &a->tcp;
	json_t		*fb;
	int		 r;

	if (dcw_need_object(c, o) == -1 || dcw_members(c, o, names) == -1)
		return -1;
	if (LEAF(c, o, "sequence-number", 0, UINT32_MAX, &t->has,
	    DC_TCP_SEQ, t->seq) ||
	    LEAF(c, o, "acknowledgement-number", 0, UINT32_MAX, &t->has,
	    DC_TCP_ACK, t->ack) ||
	    LEAF(c, o, "data-offset", 5, 15, &t->has, DC_TCP_DOFF,
	    t->data_offset) ||
	    LEAF(c, o, "reserved", 0, 255, &t->has, DC_TCP_RSVD,
	    t->reserved) ||
	    LEAF(c, o, "window-size", 0, 65535, &t->has, DC_TCP_WINDOW,
	    t->window) ||
	    LEAF(c, o, "urgent-pointer", 0, 65535, &t->has, DC_TCP_URGENT,
	    t->urgent))
		return -1;
	if ((r = dcw_get_bits(c, o, "flags", dc_tcpflag_bits, NULL, &t->flags))
	    == -1)
		return -1;
	if (r == 1)
		t->has |= DC_TCP_FLAGS;
	if ((r = dcw_get_binary(c, o, "options", t->options, DC_TCP_OPTIONS_MAX,
	    &t->n_options)) == -1)
		return -1;
	if (r == 1)
		t->has |= DC_TCP_OPTIONS;
	if ((fb = json_object_get(o, "flags-bitmask")) != NULL) {
		size_t	 old = dcw_push(c, "flags-bitmask");
		int64_t	 m;

		if (dcw_need_object(c, fb) == -1 || dcw_members(c, fb, fbnames) == -1 ||
		    (r = dcw_get_op(c, fb, &t->fb_op)) == -1)
			return -1;
		t->has |= DC_TCP_FBMASK | (r == 1 ? DC_TCP_FB_OP : 0);
		if ((r = dcw_get_int(c, fb, "bitmask", 0, 65535, &m)) == -1)
			return -1;
		if (r == 0)
			return dcw_fail_at(c, "bitmask", "missing-attribute",
			    "missing");
		t->fb_mask = (uint16_t)m;
		dcw_pop(c, old);
	}
	if ((t->has & DC_TCP_FLAGS) && (t->has & DC_TCP_FBMASK))
		return dcw_fail(c, "invalid-value", "'flags' and 'flags-bitmask' "
		    "must not be set together (RFC 8783 §7.1)");
	return 0;
}

static int
l4(struct dctx *c, const json_t *m, struct dc_ace *a)
{
	static const char *const udpnames[] = { "length",
	    "source-port-range-or-operator",
	    "destination-port-range-or-operator", NULL };
	static const char *const icmpnames[] = { "type", "code",
	    "rest-of-header", NULL };
	static const char *const l4names[] = { "tcp", "udp", "icmp" };
	json_t	*o = NULL;
	size_t	 old, i;
	int64_t	 v;
	int	 r;

	for (i = 0; i < 3; i++) {
		json_t *x = json_object_get(m, l4names[i]);

		if (x == NULL)
			continue;
		if (o != NULL)
			return dcw_fail(c, "invalid-value", "tcp, udp and icmp are "
			    "one choice (l4): at most one");
		o = x;
		a->l4 = (uint8_t)(DC_L4_TCP + i);
	}
	if (o == NULL)
		return 0;
	old = dcw_push(c, "%s", l4names[a->l4 - DC_L4_TCP]);
	if (a->l4 == DC_L4_TCP) {
		if (tcp(c, o, a) == -1)
			return -1;
	} else if (a->l4 == DC_L4_UDP) {
		if (dcw_need_object(c, o) == -1 || dcw_members(c, o, udpnames) == -1 ||
		    (r = dcw_get_int(c, o, "length", 0, 65535, &v)) == -1)
			return -1;
		a->has_udp_length = r == 1;
		a->udp_length = (uint16_t)(r == 1 ? v : 0);
	} else {
		if (dcw_need_object(c, o) == -1 || dcw_members(c, o, icmpnames) == -1 ||
		    LEAF(c, o, "type", 0, 255, &a->icmp_has, DC_ICMP_TYPE,
		    a->icmp_type) ||
		    LEAF(c, o, "code", 0, 255, &a->icmp_has, DC_ICMP_CODE,
		    a->icmp_code) ||
		    (r = dcw_get_binary(c, o, "rest-of-header", a->roh, DC_ROH_MAX,
		    &a->n_roh)) == -1)
			return -1;
		if (r == 1)
			a->icmp_has |= DC_ICMP_ROH;
	}
	if (a->l4 != DC_L4_ICMP &&
	    (port(c, o, "source-port-range-or-operator", &a->sport) == -1 ||
	    port(c, o, "destination-port-range-or-operator", &a->dport) == -1))
		return -1;
	dcw_pop(c, old);
	return 0;
}

/* The protocol an l4 container implies, 0 for none. */
static uint8_t
l4_protocol(const struct dc_ace *a)
{
	switch (a->l4) {
	case DC_L4_TCP:
		return 6;
	case DC_L4_UDP:
		return 17;
	case DC_L4_ICMP:
		return a->l3 == 6 ? 58 : a->l3 == 4 ? 1 : 0;
	default:
		return 0;
	}
}

int
dc_matches(struct dctx *c, const json_t *m, unsigned type, struct dc_ace *a)
{
	static const char *const names[] = { "ipv4", "ipv6", "tcp", "udp",
	    "icmp", NULL };
	json_t	*v4 = json_object_get(m, "ipv4"), *v6 = json_object_get(m,
	    "ipv6");
	size_t	 old;

	if (dcw_need_object(c, m) == -1 || dcw_members(c, m, names) == -1)
		return -1;
	a->has_matches = true;
	if (v4 != NULL && v6 != NULL)
		return dcw_fail(c, "invalid-value", "ipv4 and ipv6 are one choice "
		    "(l3): at most one");
	if (v4 != NULL || v6 != NULL) {
		bool is6 = v6 != NULL;

		if (type != (is6 ? DC_TYPE_IPV6 : DC_TYPE_IPV4))
			return dcw_fail_at(c, is6 ? "ipv6" : "ipv4",
			    "invalid-value", "needs the ACL's type %s",
			    is6 ? "ipv6-acl-type" : "ipv4-acl-type");
		old = dcw_push(c, is6 ? "ipv6" : "ipv4");
		a->l3 = is6 ? 6 : 4;
		if (l3(c, is6 ? v6 : v4, is6, &a->ip) == -1)
			return -1;
		dcw_pop(c, old);
	}
	if (l4(c, m, a) == -1)
		return -1;
	if ((a->ip.has & DC_IP_PROTOCOL) && l4_protocol(a) != 0 &&
	    a->ip.protocol != l4_protocol(a))
		return dcw_fail_at(c, a->l3 == 6 ? "ipv6/protocol" :
		    "ipv4/protocol", "invalid-value", "%u contradicts the %s "
		    "container", a->ip.protocol, a->l4 == DC_L4_TCP ? "tcp" :
		    a->l4 == DC_L4_UDP ? "udp" : "icmp");
	return 0;
}
