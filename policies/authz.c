/*
 * Per-peer authorization of a mitigation scope (policies/authz.h).
 *
 * A peer may only ask us to protect what its configuration gives it:
 * addresses inside its prefixes, names under its FQDN suffixes and, when
 * the configuration restricts them, some ports and protocols. An absent
 * target-port-range means all ports and an absent target-protocol all
 * protocols (RFC 9132 §4.4.1.2), so under a restriction they are refused.
 * Aliases are resolved, and checked, by the server that knows them.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "authz.h"

#define AUTHZ_HOST_MAX	256

static bool prefix_allowed(const struct conf_policy *pol,
    const struct prefix *p)
{
	size_t	 i;

	for (i = 0; i < pol->n_prefixes; i++)
		if (prefix_contains(&pol->prefixes[i], p))
			return true;
	return false;
}

/* name equals suffix or ends with "." suffix; case and a final dot
 * ignored. */
static bool fqdn_under(const char *name, size_t nlen, const char *suffix)
{
	size_t	 slen = strlen(suffix);

	if (nlen > 0 && name[nlen - 1] == '.')
		nlen--;
	if (slen > 0 && suffix[slen - 1] == '.')
		slen--;
	if (nlen == 0 || slen == 0 || nlen < slen)
		return false;
	if (strncasecmp(name + nlen - slen, suffix, slen) != 0)
		return false;
	return nlen == slen || name[nlen - slen - 1] == '.';
}

static bool fqdn_allowed(const struct conf_policy *pol, const char *name,
    size_t nlen)
{
	size_t	 i;

	for (i = 0; i < pol->fqdns.n; i++)
		if (fqdn_under(name, nlen, pol->fqdns.v[i]))
			return true;
	return false;
}

static void fmt_range(char *buf, size_t len, const struct port_range *r)
{
	if (r->lower == r->upper)
		snprintf(buf, len, "%u", r->lower);
	else
		snprintf(buf, len, "%u-%u", r->lower, r->upper);
}

/* "80, 443, 8000-8080", cut short with "..." when it does not fit. */
static void fmt_ports(char *buf, size_t len, const struct conf_policy *pol)
{
	char	 one[16];
	size_t	 i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < pol->n_ports; i++) {
		fmt_range(one, sizeof(one), &pol->ports[i]);
		if (used + strlen(one) + 6 >= len) {
			snprintf(buf + used, len - used, "...");
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i > 0 ? ", " : "", one);
	}
}

static void fmt_protocols(char *buf, size_t len,
    const struct conf_policy *pol)
{
	size_t	 i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < pol->n_protocols; i++) {
		if (used + 10 >= len) {
			snprintf(buf + used, len - used, "...");
			return;
		}
		used += (size_t)snprintf(buf + used, len - used, "%s%u",
		    i > 0 ? ", " : "", pol->protocols[i]);
	}
}

static int check_ports(const struct conf_peer *peer,
    const struct dots_scope *sc, struct dots_err *err)
{
	const struct conf_policy *pol = &peer->policy;
	char	 list[96], one[16];
	size_t	 i, j;

	if (pol->n_ports == 0)
		return 0;
	if (sc->n_target_port_range == 0) {
		fmt_ports(list, sizeof(list), pol);
		return dots_errf(err, 401, "all ports requested but peer %s "
		    "may protect only ports %s", peer->name, list);
	}
	for (i = 0; i < sc->n_target_port_range; i++) {
		for (j = 0; j < pol->n_ports; j++)
			if (port_range_contains(&pol->ports[j],
			    &sc->target_port_range[i]))
				break;
		if (j == pol->n_ports) {
			fmt_range(one, sizeof(one), &sc->target_port_range[i]);
			return dots_errf(err, 401, "target-port-range %s is "
			    "outside the ports of peer %s", one, peer->name);
		}
	}
	return 0;
}

static int check_protocols(const struct conf_peer *peer,
    const struct dots_scope *sc, struct dots_err *err)
{
	const struct conf_policy *pol = &peer->policy;
	char	 list[96];
	size_t	 i;

	if (pol->n_protocols == 0)
		return 0;
	if (sc->n_target_protocol == 0) {
		fmt_protocols(list, sizeof(list), pol);
		return dots_errf(err, 401, "all protocols requested but peer "
		    "%s may protect only protocols %s", peer->name, list);
	}
	for (i = 0; i < sc->n_target_protocol; i++)
		if (memchr(pol->protocols, sc->target_protocol[i],
		    pol->n_protocols) == NULL)
			return dots_errf(err, 401, "target-protocol %u is not "
			    "among the protocols of peer %s",
			    sc->target_protocol[i], peer->name);
	return 0;
}

/* RFC 3986 authority characters (unreserved, pct-encoded, sub-delims,
 * ":", "@", "[", "]"): anything else (a backslash, white space) makes
 * parsers disagree on the host, so it is refused. */
static bool authority_char(char c)
{
	return isalnum((unsigned char)c) || strchr("-._~%!$&'()*+,;=:@[]",
	    c) != NULL;
}

/*
 * The host of "scheme://[userinfo@]host[:port][/...]" into buf, without
 * the brackets of an IPv6 literal (*literal set). 0 or -1.
 */
static int uri_host(const char *uri, char *buf, size_t len, bool *literal)
{
	const char	*p, *auth, *end, *at, *h, *he;
	size_t		 i;

	for (p = uri; isalnum((unsigned char)*p) || *p == '+' || *p == '-' ||
	    *p == '.'; p++)
		;
	if (p == uri || !isalpha((unsigned char)*uri) ||
	    strncmp(p, "://", 3) != 0)
		return -1;
	auth = p + 3;
	end = auth + strcspn(auth, "/?#");
	for (p = auth; p < end; p++)
		if (!authority_char(*p))
			return -1;
	/* userinfo ends at the last '@' of the authority */
	for (h = auth, at = auth; at < end; at++)
		if (*at == '@')
			h = at + 1;
	*literal = false;
	if (*h == '[') {
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return -1;
		h++;
		*literal = true;
		p = he + 1;
	} else {
		he = memchr(h, ':', (size_t)(end - h));
		if (he == NULL)
			he = end;
		p = he;
	}
	/* an optional ":port", digits only, then the end of the authority */
	if (p < end) {
		if (*p++ != ':')
			return -1;
		for (; p < end; p++)
			if (!isdigit((unsigned char)*p))
				return -1;
	}
	if (he == h || (size_t)(he - h) >= len)
		return -1;
	for (i = 0; h + i < he; i++) {
		/* a literal, or a DNS name: letters, digits, "-._" */
		if (*literal ? !(isxdigit((unsigned char)h[i]) ||
		    h[i] == ':' || h[i] == '.') : !(isalnum((unsigned char)h[i])
		    || h[i] == '-' || h[i] == '.' || h[i] == '_'))
			return -1;
		buf[i] = h[i];
	}
	buf[i] = '\0';
	return 0;
}

static int check_uri(const struct conf_peer *peer, const char *uri,
    struct dots_err *err)
{
	struct prefix	 addr;
	char		 host[AUTHZ_HOST_MAX];
	bool		 literal;

	if (uri_host(uri, host, sizeof(host), &literal) == -1)
		return dots_errf(err, 401, "target-uri %.120s has no host we "
		    "can check", uri);
	if (prefix_parse_addr(host, &addr) == 0) {
		if (!prefix_allowed(&peer->policy, &addr))
			return dots_errf(err, 401, "target-uri %.100s: host "
			    "%s is outside the prefixes of peer %s", uri, host,
			    peer->name);
		return 0;
	}
	if (literal)
		return dots_errf(err, 401, "target-uri %.120s has a malformed "
		    "IPv6 literal", uri);
	if (!fqdn_allowed(&peer->policy, host, strlen(host)))
		return dots_errf(err, 401, "target-uri %.100s: host %.60s is "
		    "outside the fqdns of peer %s", uri, host, peer->name);
	return 0;
}

int pol_authorize_scope(const struct conf_peer *peer,
    const struct dots_scope *sc, struct dots_err *err)
{
	char	 buf[PREFIX_STRLEN];
	size_t	 i;

	for (i = 0; i < sc->n_target_prefix; i++)
		if (!prefix_allowed(&peer->policy, &sc->target_prefix[i]))
			return dots_errf(err, 401, "target-prefix %s is "
			    "outside the prefixes of peer %s", prefix_format(
			    &sc->target_prefix[i], buf, sizeof(buf)),
			    peer->name);
	if (check_ports(peer, sc, err) == -1 ||
	    check_protocols(peer, sc, err) == -1)
		return -1;
	for (i = 0; i < sc->target_fqdn.n; i++)
		if (!fqdn_allowed(&peer->policy, sc->target_fqdn.v[i],
		    strlen(sc->target_fqdn.v[i])))
			return dots_errf(err, 401, "target-fqdn %.100s is "
			    "outside the fqdns of peer %s",
			    sc->target_fqdn.v[i], peer->name);
	for (i = 0; i < sc->target_uri.n; i++)
		if (check_uri(peer, sc->target_uri.v[i], err) == -1)
			return -1;
	return 0;
}

int64_t pol_grant_lifetime(const struct conf_policy *pol, int64_t requested)
{
	if (requested == DOTS_LIFETIME_INDEFINITE)
		return pol->max_lifetime;
	if (pol->max_lifetime != DOTS_LIFETIME_INDEFINITE &&
	    requested > pol->max_lifetime)
		return pol->max_lifetime;
	return requested;
}
