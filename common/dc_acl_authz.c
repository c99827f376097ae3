/*
 * May a peer install an RFC 8783 ACL? (common/dc_acl.h)
 *
 * The signal channel's rule (policies/authz.c) applied to each ACE: the
 * destinations inside the peer's prefixes; under a ports or protocols
 * restriction, an ACE that names none asks for all and is refused; the
 * action among the peer's mitigation-actions, as for the YAML "acls:"
 * (common/conf_schema.c acls_check). An ACE without a destination network
 * filters traffic to the peer's own prefixes (RFC 8783 §7.1: the filters
 * apply to traffic destined to the client's domain) and is allowed:
 * dc_acl_rules() scopes it to those prefixes.
 */
#include <stdio.h>
#include <string.h>

#include "dc_acl_impl.h"

#define ACE_PATH	DC_ACLS_ROOT "/acl[%zu]/aces/ace[%zu]"

static bool
prefix_allowed(const struct conf_policy *pol, const struct prefix *p)
{
	for (size_t i = 0; i < pol->n_prefixes; i++)
		if (prefix_contains(&pol->prefixes[i], p))
			return true;
	return false;
}

static bool
port_allowed(const struct conf_policy *pol, const struct port_range *r)
{
	for (size_t i = 0; i < pol->n_ports; i++)
		if (port_range_contains(&pol->ports[i], r))
			return true;
	return false;
}

static int
check_ace(const struct conf_peer *peer, const struct dc_acl *acl,
    const struct dc_ace *a, size_t idx, size_t i, struct dc_err *err)
{
	const struct conf_policy *pol = &peer->policy;
	const char	*l3 = a->l3 == 6 ? "ipv6" : "ipv4";
	const char	*l4 = a->l4 == DC_L4_TCP ? "tcp" : "udp";
	struct port_range r[2];
	char		 buf[PREFIX_STRLEN];
	unsigned	 need = 0;
	uint8_t		 proto = dc_ace_protocol(a, acl->type);
	size_t		 n;

	if (a->forwarding == DC_FWD_DROP || a->forwarding == DC_FWD_REJECT)
		need = CONF_ACT_DISCARD;
	else if (a->has_rate)
		need = CONF_ACT_RATE_LIMIT;
	if (need != 0 && !(pol->mitigation_actions & need))
		return dc_errf(err, 403, "access-denied", ACE_PATH "/actions: "
		    "%s needs %s in the mitigation-actions of peer %s", idx, i,
		    need == CONF_ACT_DISCARD ? dc_forwarding_name(
		    a->forwarding) : "rate-limit", need == CONF_ACT_DISCARD ?
		    "discard" : "rate-limit", peer->name);
	if ((a->ip.has & DC_IP_DST) && !prefix_allowed(pol, &a->ip.dst))
		return dc_errf(err, 403, "access-denied", ACE_PATH "/matches/"
		    "%s/destination-%s-network: %s is outside the prefixes of "
		    "peer %s", idx, i, l3, l3, prefix_format(&a->ip.dst, buf,
		    sizeof(buf)), peer->name);
	if (pol->n_protocols > 0) {
		if (proto == 0)
			return dc_errf(err, 403, "access-denied", ACE_PATH
			    "/matches: matches all protocols but peer %s may "
			    "protect only some", idx, i, peer->name);
		if (memchr(pol->protocols, proto, pol->n_protocols) == NULL)
			return dc_errf(err, 403, "access-denied", ACE_PATH
			    "/matches: protocol %u is not among the protocols "
			    "of peer %s", idx, i, proto, peer->name);
	}
	if (pol->n_ports > 0) {
		if (a->dport.op == DC_PORT_NONE)
			return dc_errf(err, 403, "access-denied", ACE_PATH
			    "/matches: matches all destination ports but peer "
			    "%s may protect only some", idx, i, peer->name);
		n = dc_port_ranges(&a->dport, r);
		for (size_t j = 0; j < n; j++)
			if (!port_allowed(pol, &r[j]))
				return dc_errf(err, 403, "access-denied",
				    ACE_PATH "/matches/%s/destination-port-"
				    "range-or-operator: ports %u-%u are "
				    "outside the ports of peer %s", idx, i, l4,
				    r[j].lower, r[j].upper, peer->name);
	}
	return 0;
}

int
dc_acl_authorize(const struct conf_peer *peer, const struct dc_acl *acl,
    size_t idx, struct dc_err *err)
{
	for (size_t i = 0; i < acl->n_aces; i++)
		if (check_ace(peer, acl, &acl->aces[i], idx, i, err) == -1)
			return -1;
	return 0;
}
