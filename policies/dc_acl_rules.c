/*
 * RFC 8783 ACLs as flowspec rules (policies/dc_acl_rules.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "common/dc_acl.h"
#include "policies/dc_acl_rules.h"

#define ACE_PATH	DC_ACLS_ROOT "/acl[%zu]/aces/ace[%zu]"

static bool
filters(const struct dc_ace *a)
{
	return a->forwarding == DC_FWD_DROP || a->forwarding == DC_FWD_REJECT ||
	    (a->forwarding == DC_FWD_ACCEPT && a->has_rate);
}

/* The first match a pol_rule cannot carry, as "l3/leaf", or NULL. */
static const char *
unsupported(const struct dc_ace *a, char *buf, size_t len)
{
	static const struct { uint32_t bit; const char *name; } ip[] = {
		{ DC_IP_DSCP, "dscp" }, { DC_IP_ECN, "ecn" },
		{ DC_IP_LENGTH, "length" }, { DC_IP_TTL, "ttl" },
		{ DC_IP_IHL, "ihl" }, { DC_IP_FLAGS, "flags" },
		{ DC_IP_OFFSET, "offset" }, { DC_IP_IDENT, "identification" },
		{ DC_IP_FLOW, "flow-label" }, { DC_IP_FRAG, "fragment" },
	}, tcp[] = {
		{ DC_TCP_SEQ, "sequence-number" },
		{ DC_TCP_ACK, "acknowledgement-number" },
		{ DC_TCP_DOFF, "data-offset" }, { DC_TCP_RSVD, "reserved" },
		{ DC_TCP_FLAGS, "flags" }, { DC_TCP_WINDOW, "window-size" },
		{ DC_TCP_URGENT, "urgent-pointer" },
		{ DC_TCP_OPTIONS, "options" },
		{ DC_TCP_FBMASK, "flags-bitmask" },
	};
	size_t i;

	for (i = 0; a->l3 != 0 && i < sizeof(ip) / sizeof(ip[0]); i++)
		if (a->ip.has & ip[i].bit) {
			snprintf(buf, len, "%s/%s", a->l3 == 6 ? "ipv6" :
			    "ipv4", ip[i].name);
			return buf;
		}
	for (i = 0; a->l4 == DC_L4_TCP && i < sizeof(tcp) / sizeof(tcp[0]);
	    i++)
		if (a->tcp.has & tcp[i].bit) {
			snprintf(buf, len, "tcp/%s", tcp[i].name);
			return buf;
		}
	if (a->l4 == DC_L4_UDP && a->has_udp_length)
		return "udp/length";
	if (a->l4 == DC_L4_ICMP && (a->icmp_has & DC_ICMP_CODE))
		return "icmp/code";
	if (a->l4 == DC_L4_ICMP && (a->icmp_has & DC_ICMP_ROH))
		return "icmp/rest-of-header";
	return NULL;
}

/* Could a packet match both? Only disjoint destinations or protocols
 * say no. */
static bool
may_overlap(const struct dc_ace *a, const struct dc_ace *b, unsigned type)
{
	uint8_t pa = dc_ace_protocol(a, type), pb = dc_ace_protocol(b, type);

	if ((a->ip.has & DC_IP_DST) && (b->ip.has & DC_IP_DST) &&
	    !prefix_overlaps(&a->ip.dst, &b->ip.dst))
		return false;
	return pa == 0 || pb == 0 || pa == pb;
}

/* The rule of ACE a toward destination dst into r. */
static void
ace_rule(const struct dc_acl *acl, const struct dc_ace *a,
    const struct prefix *dst, struct pol_rule *r)
{
	struct port_range pr[2];
	size_t k, m;
	uint8_t proto = dc_ace_protocol(a, acl->type);

	memset(r, 0, sizeof(*r));
	if (a->forwarding == DC_FWD_ACCEPT) {
		r->action = CONF_ACT_RATE_LIMIT;
		r->rate = (a->rate_centi + 50) / 100;
	} else
		r->action = CONF_ACT_DISCARD;
	r->dst = *dst;
	if (a->ip.has & DC_IP_SRC) {
		r->has_src = true;
		r->src = a->ip.src;
	}
	/* ICMP without an ACL family: the destination's says which */
	if (proto == 0 && a->l4 == DC_L4_ICMP)
		proto = dst->family == AF_INET6 ? 58 : 1;
	if (proto != 0)
		r->proto[r->n_proto++] = proto;
	m = dc_port_ranges(&a->dport, pr);
	for (k = 0; k < m; k++)
		r->dport[r->n_dport++] = pr[k];
	m = dc_port_ranges(&a->sport, pr);
	for (k = 0; k < m; k++)
		r->sport[r->n_sport++] = pr[k];
	if (a->l4 == DC_L4_ICMP && (a->icmp_has & DC_ICMP_TYPE)) {
		r->icmp[0].lower = r->icmp[0].upper = a->icmp_type;
		r->n_icmp = 1;
	}
}

int
dc_acl_rules(const struct conf_peer *peer, const struct dc_acl *acl,
    size_t idx, struct pol_rule *out, size_t *n, struct dc_err *err)
{
	const struct conf_policy *pol = &peer->policy;
	size_t		 start = *n, i, j;
	char		 buf[48];
	const char	*what;

	for (i = 0; i < acl->n_aces; i++) {
		const struct dc_ace *a = &acl->aces[i];

		if (!filters(a))
			continue;
		if ((what = unsupported(a, buf, sizeof(buf))) != NULL)
			goto unsupported;
		for (j = 0; j < i; j++)
			if (!filters(&acl->aces[j]) &&
			    may_overlap(&acl->aces[j], a, acl->type)) {
				*n = start;
				return dc_errf(err, 501,
				    "operation-not-supported", ACE_PATH ": "
				    "accept before the filtering ace[%zu] it "
				    "may overlap: flowspec rules have no "
				    "order, the exception would be lost", idx,
				    j, i);
			}
	}
	for (i = 0; i < acl->n_aces; i++) {
		const struct dc_ace *a = &acl->aces[i];
		int fam = dc_ace_family(acl, a);

		if (!filters(a))
			continue;
		for (j = 0; j < ((a->ip.has & DC_IP_DST) ? 1 :
		    pol->n_prefixes); j++) {
			const struct prefix *dst = (a->ip.has & DC_IP_DST) ?
			    &a->ip.dst : &pol->prefixes[j];

			if (fam != 0 && dst->family != fam)
				continue;
			if (*n == POL_RULES_MAX) {
				*n = start;
				return dc_errf(err, 409, "resource-denied",
				    ACE_PATH ": the rules are more than %d",
				    idx, i, POL_RULES_MAX);
			}
			ace_rule(acl, a, dst, &out[(*n)++]);
		}
	}
	return 0;
unsupported:
	*n = start;
	return dc_errf(err, 501, "operation-not-supported", ACE_PATH
	    "/matches/%s: the mitigator's flowspec rules carry no such match",
	    idx, i, what);
}
