/* Unit tests of policies/authz.c: allow and deny for each rule. */
#include <stdlib.h>

#include "policies/authz.h"
#include "unit.h"

static const char config[] =
    "credentials: { ca: ca.pem, cert: c.pem, key: c.key }\n"
    "peers:\n"
    "  - name: open\n"
    "    psk-identity: open\n"
    "    psk-key: k\n"
    "    prefixes: [192.0.2.0/24, \"2001:db8:6401::/48\"]\n"
    "  - name: customer2\n"
    "    cert-name: customer2.example\n"
    "    prefixes: [198.51.100.0/24]\n"
    "    ports: [80, 443, \"8000-8080\"]\n"
    "    protocols: [6, 17]\n"
    "    fqdns: [www.example.net, example.org.]\n"
    "    max-lifetime: -1\n";

static struct conf *conf;

/* A scope from compact strings; each list NULL-terminated, may be NULL. */
struct spec {
	const char	*prefixes[4];
	struct port_range ports[4];
	size_t		 n_ports;
	uint8_t		 protocols[4];
	size_t		 n_protocols;
	const char	*fqdns[4];
	const char	*uris[4];
	const char	*aliases[4];
};

static void build(struct dots_scope *sc, const struct spec *sp)
{
	size_t	 i, n;

	memset(sc, 0, sizeof(*sc));
	for (n = 0; sp->prefixes[n] != NULL; n++)
		;
	if (n > 0) {
		sc->target_prefix = calloc(n, sizeof(*sc->target_prefix));
		for (i = 0; i < n; i++)
			CHECK(prefix_parse(sp->prefixes[i],
			    &sc->target_prefix[i]) == 0);
		sc->n_target_prefix = n;
	}
	if (sp->n_ports > 0) {
		sc->target_port_range = calloc(sp->n_ports,
		    sizeof(*sc->target_port_range));
		memcpy(sc->target_port_range, sp->ports,
		    sp->n_ports * sizeof(*sp->ports));
		sc->n_target_port_range = sp->n_ports;
	}
	if (sp->n_protocols > 0) {
		sc->target_protocol = calloc(sp->n_protocols, 1);
		memcpy(sc->target_protocol, sp->protocols, sp->n_protocols);
		sc->n_target_protocol = sp->n_protocols;
	}
	for (i = 0; sp->fqdns[i] != NULL; i++)
		CHECK(strv_push(&sc->target_fqdn, sp->fqdns[i]) == 0);
	for (i = 0; sp->uris[i] != NULL; i++)
		CHECK(strv_push(&sc->target_uri, sp->uris[i]) == 0);
	for (i = 0; sp->aliases[i] != NULL; i++)
		CHECK(strv_push(&sc->alias_name, sp->aliases[i]) == 0);
}

/* want NULL: allowed; else refused with 401 and exactly that message. */
static void expect(const char *peer, const struct spec *sp, const char *want,
    int line)
{
	const struct conf_peer *p = conf_peer_by_name(conf, peer);
	struct dots_scope sc;
	struct dots_err	 err;
	int		 rc;

	build(&sc, sp);
	memset(&err, 0, sizeof(err));
	rc = pol_authorize_scope(p, &sc, &err);
	if (want == NULL && rc != 0) {
		printf("  FAIL line %d: refused: %s\n", line, err.msg);
		unit_failed_here++;
	} else if (want != NULL && (rc != -1 || err.coap != 401 ||
	    strcmp(err.msg, want) != 0)) {
		printf("  FAIL line %d: rc %d coap %d\n    want \"%s\"\n"
		    "    got  \"%s\"\n", line, rc, err.coap, want, err.msg);
		unit_failed_here++;
	}
	dots_scope_free(&sc);
}

#define ALLOW(peer, ...) do {						\
	struct spec sp_ = { __VA_ARGS__ };				\
	expect(peer, &sp_, NULL, __LINE__);				\
} while (0)
#define DENY(peer, want, ...) do {					\
	struct spec sp_ = { __VA_ARGS__ };				\
	expect(peer, &sp_, want, __LINE__);				\
} while (0)

/* customer2 with everything its policy demands */
#define C2 .ports = { { 80, 80 } }, .n_ports = 1, .protocols = { 6 }, \
	   .n_protocols = 1

static void test_prefixes(void)
{
	ALLOW("open", .prefixes = { "192.0.2.0/24" });
	ALLOW("open", .prefixes = { "192.0.2.128/25", "192.0.2.7" });
	ALLOW("open", .prefixes = { "2001:db8:6401:1::/64" });
	DENY("open", "target-prefix 192.0.0.0/16 is outside the prefixes of "
	    "peer open", .prefixes = { "192.0.2.0/24", "192.0.0.0/16" });
	DENY("open", "target-prefix 203.0.113.0/24 is outside the prefixes of "
	    "peer open", .prefixes = { "203.0.113.0/24" });
	DENY("open", "target-prefix 2001:db8:6402::/48 is outside the "
	    "prefixes of peer open", .prefixes = { "2001:db8:6402::/48" });
	/* an IPv4-mapped address is not inside an IPv4 prefix by accident */
	DENY("open", "target-prefix ::ffff:192.0.2.1/128 is outside the "
	    "prefixes of peer open", .prefixes = { "::ffff:192.0.2.1" });
	/* no targets at all is the codec's business, not ours */
	ALLOW("open", .n_ports = 0);
	/* aliases are left to the server */
	ALLOW("customer2", C2, .aliases = { "anything" });
}

static void test_ports(void)
{
	ALLOW("open", .prefixes = { "192.0.2.1" });
	ALLOW("open", .prefixes = { "192.0.2.1" }, .ports = { { 1, 65535 } },
	    .n_ports = 1);
	ALLOW("customer2", .prefixes = { "198.51.100.1" }, .protocols = { 6 },
	    .n_protocols = 1, .ports = { { 80, 80 }, { 8000, 8080 },
	    { 8010, 8020 } }, .n_ports = 3);
	DENY("customer2", "target-port-range 8000-8081 is outside the ports "
	    "of peer customer2", .prefixes = { "198.51.100.1" },
	    .protocols = { 6 }, .n_protocols = 1,
	    .ports = { { 443, 443 }, { 8000, 8081 } }, .n_ports = 2);
	DENY("customer2", "target-port-range 22 is outside the ports of peer "
	    "customer2", .prefixes = { "198.51.100.1" }, .protocols = { 6 },
	    .n_protocols = 1, .ports = { { 22, 22 } }, .n_ports = 1);
	/* protocols but no port range: all ports */
	DENY("customer2", "all ports requested but peer customer2 may protect "
	    "only ports 80, 443, 8000-8080", .prefixes = { "198.51.100.1" },
	    .protocols = { 6 }, .n_protocols = 1);
}

static void test_protocols(void)
{
	ALLOW("open", .prefixes = { "192.0.2.1" }, .protocols = { 1, 132 },
	    .n_protocols = 2);
	ALLOW("customer2", .prefixes = { "198.51.100.1" },
	    .ports = { { 443, 443 } }, .n_ports = 1, .protocols = { 17, 6 },
	    .n_protocols = 2);
	DENY("customer2", "target-protocol 1 is not among the protocols of "
	    "peer customer2", .prefixes = { "198.51.100.1" },
	    .ports = { { 443, 443 } }, .n_ports = 1, .protocols = { 6, 1 },
	    .n_protocols = 2);
	DENY("customer2", "all protocols requested but peer customer2 may "
	    "protect only protocols 6, 17", .prefixes = { "198.51.100.1" },
	    .ports = { { 443, 443 } }, .n_ports = 1);
}

static void test_fqdns(void)
{
	ALLOW("customer2", C2, .fqdns = { "www.example.net" });
	ALLOW("customer2", C2, .fqdns = { "a.b.www.example.net",
	    "WWW.Example.NET." });
	ALLOW("customer2", C2, .fqdns = { "example.org", "x.example.org." });
	DENY("customer2", "target-fqdn example.net is outside the fqdns of "
	    "peer customer2", C2, .fqdns = { "example.net" });
	DENY("customer2", "target-fqdn evilwww.example.net is outside the "
	    "fqdns of peer customer2", C2, .fqdns = { "evilwww.example.net" });
	DENY("customer2", "target-fqdn www.example.net.evil is outside the "
	    "fqdns of peer customer2", C2, .fqdns = { "www.example.net.evil" });
	DENY("customer2", "target-fqdn . is outside the fqdns of peer "
	    "customer2", C2, .fqdns = { "." });
	/* no fqdns configured: no names at all */
	DENY("open", "target-fqdn www.example.net is outside the fqdns of "
	    "peer open", .fqdns = { "www.example.net" });
}

static void test_uris(void)
{
	ALLOW("customer2", C2, .uris = { "https://www.example.net/x" });
	ALLOW("customer2", C2, .uris = { "http://a.www.example.net:8080",
	    "HTTP://u:p@WWW.EXAMPLE.NET.?q#f", "ftp://example.org" });
	ALLOW("customer2", C2, .uris = { "https://198.51.100.7:443/" });
	ALLOW("open", .uris = { "https://[2001:db8:6401::1]:8443/a",
	    "coap://192.0.2.9" });
	DENY("customer2", "target-uri https://www.example.com/: host "
	    "www.example.com is outside the fqdns of peer customer2", C2,
	    .uris = { "https://www.example.com/" });
	/* userinfo does not make a host */
	DENY("customer2", "target-uri http://www.example.net@evil.com/: host "
	    "evil.com is outside the fqdns of peer customer2", C2,
	    .uris = { "http://www.example.net@evil.com/" });
	DENY("customer2", "target-uri http://203.0.113.1/: host 203.0.113.1 "
	    "is outside the prefixes of peer customer2", C2,
	    .uris = { "http://203.0.113.1/" });
	DENY("open", "target-uri http://[2001:db8::1]/: host 2001:db8::1 is "
	    "outside the prefixes of peer open",
	    .uris = { "http://[2001:db8::1]/" });
	DENY("customer2", "target-uri www.example.net has no host we can "
	    "check", C2, .uris = { "www.example.net" });
	DENY("customer2", "target-uri http://evil.com\\@www.example.net/ has "
	    "no host we can check", C2,
	    .uris = { "http://evil.com\\@www.example.net/" });
	DENY("customer2", "target-uri http://evil%2ecom.www.example.net/ has "
	    "no host we can check", C2,
	    .uris = { "http://evil%2ecom.www.example.net/" });
	DENY("customer2", "target-uri http://www.example.net:80x/ has no host "
	    "we can check", C2, .uris = { "http://www.example.net:80x/" });
	DENY("customer2", "target-uri http:///x has no host we can check", C2,
	    .uris = { "http:///x" });
	DENY("open", "target-uri http://[2001:db8:6401::1/ has no host we can "
	    "check", .uris = { "http://[2001:db8:6401::1/" });
	DENY("open", "target-uri http://[fe80::1%25eth0]/ has no host we can "
	    "check", .uris = { "http://[fe80::1%25eth0]/" });
}

static void test_lifetime(void)
{
	const struct conf_policy *o = &conf_peer_by_name(conf, "open")->policy;
	const struct conf_policy *c2 =
	    &conf_peer_by_name(conf, "customer2")->policy;

	CHECK(pol_grant_lifetime(o, -1) == 86400);
	CHECK(pol_grant_lifetime(o, 3600) == 3600);
	CHECK(pol_grant_lifetime(o, 86400) == 86400);
	CHECK(pol_grant_lifetime(o, 86401) == 86400);
	CHECK(pol_grant_lifetime(c2, -1) == -1);
	CHECK(pol_grant_lifetime(c2, 1) == 1);
	CHECK(pol_grant_lifetime(c2, 1LL << 40) == 1LL << 40);
}

int main(void)
{
	char	 err[CONF_ERRLEN];

	if (conf_load_string("authz.yaml", config, strlen(config), &conf, err,
	    sizeof(err), NULL, NULL) == -1) {
		printf("FAIL authz: config: %s\n", err);
		return 1;
	}
	TEST("authz: prefixes") test_prefixes();
	TEST("authz: ports") test_ports();
	TEST("authz: protocols") test_protocols();
	TEST("authz: fqdns") test_fqdns();
	TEST("authz: uris") test_uris();
	TEST("authz: lifetime") test_lifetime();
	conf_free(conf);
	return UNIT_EXIT();
}
