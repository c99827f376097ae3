/*
 * Unit tests of the RFC 8783 filtering ACLs (common/dc_acl*.c): the RFC's
 * examples decoded and encoded back, exact errors for bad input, the
 * authorisation against a peer, and the flowspec rules.
 *
 * The vectors are RFC 8783's: §7.1 (sample-ipv4-acl), §7.3's GET answer
 * (test-acl-ipv6-udp, with the server's pending-lifetime), Appendix A
 * (dns-fragments, IPv4 and IPv6) and Appendix B (tcp-flags-example).
 */
#include <stdlib.h>
#include <sys/socket.h>

#include "common/dc_acl.h"
#include "policies/dc_acl_rules.h"
#include "unit.h"

static const char ex_sample[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"sample-ipv4-acl\", \"type\": \"ipv4-acl-type\","
    "\"activation-type\": \"activate-when-mitigating\","
    "\"aces\": {\"ace\": [{\"name\": \"rule1\", \"matches\": {\"ipv4\": {"
    "\"destination-ipv4-network\": \"198.51.100.0/24\","
    "\"source-ipv4-network\": \"192.0.2.0/24\"}},"
    "\"actions\": {\"forwarding\": \"drop\"}}]}}]}}";

static const char ex_frag4[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"dns-fragments\", \"type\": \"ipv4-acl-type\","
    "\"aces\": {\"ace\": [{\"name\": \"drop-all-fragments\","
    "\"matches\": {\"ipv4\": {\"fragment\": {\"operator\": \"match\","
    "\"type\": \"isf\"}}}, \"actions\": {\"forwarding\": \"drop\"}},"
    "{\"name\": \"allow-dns-packets\", \"matches\": {\"ipv4\": {"
    "\"destination-ipv4-network\": \"198.51.100.0/24\"}, \"udp\": {"
    "\"destination-port-range-or-operator\": {\"operator\": \"eq\","
    "\"port\": 53}}}, \"actions\": {\"forwarding\": \"accept\"}}]}}]}}";

static const char ex_frag6[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"dns-fragments\", \"type\": \"ipv6-acl-type\","
    "\"aces\": {\"ace\": [{\"name\": \"drop-all-fragments\","
    "\"matches\": {\"ipv6\": {\"fragment\": {\"operator\": \"match\","
    "\"type\": \"isf\"}}}, \"actions\": {\"forwarding\": \"drop\"}},"
    "{\"name\": \"allow-dns-packets\", \"matches\": {\"ipv6\": {"
    "\"destination-ipv6-network\": \"2001:db8::/32\"}, \"udp\": {"
    "\"destination-port-range-or-operator\": {\"operator\": \"eq\","
    "\"port\": 53}}}, \"actions\": {\"forwarding\": \"accept\"}}]}}]}}";

static const char ex_null[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"tcp-flags-example\","
    "\"activation-type\": \"activate-when-mitigating\","
    "\"aces\": {\"ace\": [{\"name\": \"null-attack\", \"matches\": {"
    "\"tcp\": {\"flags-bitmask\": {\"operator\": \"not any\","
    "\"bitmask\": 4095}}}, \"actions\": {\"forwarding\": \"drop\"}}]}}]}}";

static const char ex_syn[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"tcp-flags-example\", \"activation-type\": \"immediate\","
    "\"aces\": {\"ace\": [{\"name\": \"rate-limit-syn\", \"matches\": {"
    "\"tcp\": {\"flags-bitmask\": {\"operator\": \"match\","
    "\"bitmask\": 2}}}, \"actions\": {\"forwarding\": \"accept\","
    "\"rate-limit\": \"20.00\"}}]}}]}}";

static const char ex_ack[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"tcp-flags-example\", \"activation-type\": \"immediate\","
    "\"aces\": {\"ace\": [{\"name\": \"rate-limit-ack\", \"matches\": {"
    "\"tcp\": {\"flags-bitmask\": {\"operator\": \"match\","
    "\"bitmask\": 16}}}, \"actions\": {\"forwarding\": \"accept\","
    "\"rate-limit\": \"20.00\"}}]}}]}}";

/* §7.3: a GET answer, pending-lifetime set by the server */
static const char ex_udp6[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{"
    "\"name\": \"test-acl-ipv6-udp\", \"type\": \"ipv6-acl-type\","
    "\"activation-type\": \"activate-when-mitigating\","
    "\"pending-lifetime\": 9080,"
    "\"aces\": {\"ace\": [{\"name\": \"my-test-ace\", \"matches\": {"
    "\"ipv6\": {\"destination-ipv6-network\": \"2001:db8:6401::2/127\","
    "\"source-ipv6-network\": \"2001:db8:1234::/96\", \"protocol\": 17,"
    "\"flow-label\": 10000}, \"udp\": {"
    "\"source-port-range-or-operator\": {\"operator\": \"lte\","
    "\"port\": 80}, \"destination-port-range-or-operator\": {"
    "\"operator\": \"neq\", \"port\": 1010}}},"
    "\"actions\": {\"forwarding\": \"accept\"}}]}}]}}";

/* every leaf we keep, in canonical form (bits in position order) */
static const char all_v4[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{\"name\": \"t\", "
    "\"type\": \"ipv4-acl-type\", \"aces\": {\"ace\": [{\"name\": \"x\", "
    "\"matches\": {\"ipv4\": {\"dscp\": 10, \"ecn\": 1, \"length\": 100, "
    "\"ttl\": 3, \"protocol\": 6, \"ihl\": 5, \"flags\": \"reserved more\", "
    "\"offset\": 20, \"identification\": 7}, \"tcp\": {"
    "\"sequence-number\": 4294967295, \"acknowledgement-number\": 2, "
    "\"data-offset\": 15, \"reserved\": 0, \"flags\": \"cwr ack syn fin\", "
    "\"window-size\": 9, \"urgent-pointer\": 1, \"options\": \"AQID\", "
    "\"source-port-range-or-operator\": {\"lower-port\": 1, "
    "\"upper-port\": 2}, \"destination-port-range-or-operator\": {"
    "\"operator\": \"gte\", \"port\": 1024}}}, \"actions\": {"
    "\"forwarding\": \"reject\"}}]}}]}}";
static const char all_v6[] =
    "{\"ietf-dots-data-channel:acls\": {\"acl\": [{\"name\": \"i\", "
    "\"type\": \"ipv6-acl-type\", \"activation-type\": \"deactivate\", "
    "\"aces\": {\"ace\": [{\"name\": \"x\", \"matches\": {\"ipv6\": {"
    "\"dscp\": 63, \"ecn\": 3, \"length\": 0, \"ttl\": 255, \"protocol\": 58, "
    "\"flow-label\": 1048575, \"fragment\": {\"operator\": \"not match\", "
    "\"type\": \"ff lf\"}}, \"icmp\": {\"type\": 128, \"code\": 0, "
    "\"rest-of-header\": \"AAAA\"}}, \"actions\": {\"forwarding\": "
    "\"accept\", \"rate-limit\": \"0.50\"}}]}}]}}";

/* decode (CHECKed), or NULL-equivalent: returns 0/-1 like the decoder */
static int
dec(const char *s, enum dc_mode mode, struct dc_acls *out, struct dc_err *e)
{
	return dc_acls_decode(s, strlen(s), mode, out, e);
}

/* decode, encode, compare as JSON with the input */
static bool
round_trip(const char *s, enum dc_mode mode)
{
	struct dc_acls	 l;
	struct dc_err	 e;
	json_t		*in, *out;
	bool		 same;

	if (dec(s, mode, &l, &e) == -1) {
		printf("  decode: %s: %s\n", e.tag, e.msg);
		return false;
	}
	in = json_loads(s, 0, NULL);
	out = dc_acls_encode(&l);
	same = in != NULL && out != NULL && json_equal(in, out);
	if (!same) {
		char *t = json_dumps(out, JSON_COMPACT);

		printf("  encoded: %s\n", t ? t : "(null)");
		free(t);
	}
	json_decref(in);
	json_decref(out);
	dc_acls_free(&l);
	return same;
}

/* "tag: message" of decoding s, or "ok" */
static const char *
err_of(const char *s, enum dc_mode mode)
{
	static char	 buf[DC_ERR_MSGLEN + 64];
	struct dc_acls	 l;
	struct dc_err	 e;

	if (dec(s, mode, &l, &e) == 0) {
		dc_acls_free(&l);
		return "ok";
	}
	snprintf(buf, sizeof(buf), "%d %s: %s", e.status, e.tag, e.msg);
	return buf;
}

/* An ACL body with one ace of these matches and actions, type ipv4. */
static const char *
one_ace(const char *type, const char *matches, const char *actions)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf), "{\"ietf-dots-data-channel:acls\": {\"acl\":"
	    " [{\"name\": \"a\", \"type\": \"%s\", \"aces\": {\"ace\": ["
	    "{\"name\": \"e0\", \"matches\": {\"ipv4\": {"
	    "\"destination-ipv4-network\": \"198.51.100.0/24\"}},"
	    "\"actions\": {\"forwarding\": \"drop\"}},"
	    "{\"name\": \"e1\", \"matches\": %s, \"actions\": %s}]}}]}}",
	    type, matches, actions);
	return buf;
}
#define DROP	"{\"forwarding\": \"drop\"}"
#define P	"ietf-dots-data-channel:acls/acl[0]/aces/ace[1]"

/* An ACL of n drop aces without matches. */
static char *
many_aces(int n)
{
	char	*big = malloc((size_t)n * 64 + 256);
	size_t	 used;

	used = (size_t)sprintf(big, "{\"ietf-dots-data-channel:acls\": "
	    "{\"acl\": [{\"name\": \"a\", \"aces\": {\"ace\": [");
	for (int i = 0; i < n; i++)
		used += (size_t)sprintf(big + used, "%s{\"name\": \"e%d\", "
		    "\"actions\": " DROP "}", i ? "," : "", i);
	strcpy(big + used, "]}}]}}");
	return big;
}

static struct prefix pfx[2];
static uint8_t protos[] = { 17 };
static struct port_range ports[] = { { 53, 53 } };

static struct conf_peer
peer(void)
{
	struct conf_peer p;

	memset(&p, 0, sizeof(p));
	p.name = "c1";
	prefix_parse("198.51.100.0/24", &pfx[0]);
	prefix_parse("2001:db8::/32", &pfx[1]);
	p.policy.prefixes = pfx;
	p.policy.n_prefixes = 2;
	p.policy.mitigation_actions = CONF_ACT_DISCARD | CONF_ACT_RATE_LIMIT;
	return p;
}

static const char *
authz_of(const char *s, const struct conf_peer *p)
{
	static char	 buf[DC_ERR_MSGLEN + 64];
	struct dc_acls	 l;
	struct dc_err	 e;
	int		 r;

	if (dec(s, DC_REQUEST, &l, &e) == -1)
		return "decode failed";
	r = dc_acl_authorize(p, &l.v[0], 0, &e);
	dc_acls_free(&l);
	if (r == 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%d %s: %s", e.status, e.tag, e.msg);
	return buf;
}

/* rules of the first ACL of s into r (*n), "ok" or the error */
static const char *
rules_of(const char *s, const struct conf_peer *p, struct pol_rule *r,
    size_t *n)
{
	static char	 buf[DC_ERR_MSGLEN + 64];
	struct dc_acls	 l;
	struct dc_err	 e;
	int		 rc;

	*n = 0;
	if (dec(s, DC_REQUEST, &l, &e) == -1)
		return "decode failed";
	rc = dc_acl_rules(p, &l.v[0], 0, r, n, &e);
	dc_acls_free(&l);
	if (rc == 0)
		return "ok";
	snprintf(buf, sizeof(buf), "%d %s: %s", e.status, e.tag, e.msg);
	return buf;
}

static const char *
pf(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int i;

	i = (i + 1) % 4;
	return prefix_format(p, buf[i], sizeof(buf[i]));
}

int
main(void)
{
	struct conf_peer c1 = peer();
	struct pol_rule	 r[POL_RULES_MAX];
	struct dc_acls	 l;
	struct dc_err	 e;
	size_t		 n;

	TEST("dc_acl: the RFC 8783 examples decode and encode back as sent") {
		CHECK(round_trip(ex_sample, DC_REQUEST));
		CHECK(round_trip(ex_frag4, DC_REQUEST));
		CHECK(round_trip(ex_frag6, DC_REQUEST));
		CHECK(round_trip(ex_null, DC_REQUEST));
		CHECK(round_trip(ex_syn, DC_REQUEST));
		CHECK(round_trip(ex_ack, DC_REQUEST));
		CHECK(round_trip(ex_udp6, DC_STORED));
		CHECK(round_trip(all_v4, DC_REQUEST));
		CHECK(round_trip(all_v6, DC_REQUEST));
	}

	TEST("dc_acl: decoded values and defaults") {
		CHECK(dec(ex_sample, DC_REQUEST, &l, &e) == 0);
		CHECK(l.n == 1 && l.v[0].type == DC_TYPE_IPV4 &&
		    l.v[0].n_aces == 1);
		CHECK(l.v[0].aces[0].l3 == 4 &&
		    l.v[0].aces[0].ip.has == (DC_IP_DST | DC_IP_SRC));
		CHECK_STR(pf(&l.v[0].aces[0].ip.src), "192.0.2.0/24");
		CHECK(l.v[0].aces[0].forwarding == DC_FWD_DROP);
		dc_acls_free(&l);
		CHECK(dec(ex_frag4, DC_REQUEST, &l, &e) == 0);
		CHECK(l.v[0].activation == 0 &&
		    dc_acl_activation(&l.v[0]) == DC_ACT_WHEN_MITIGATING);
		CHECK(l.v[0].aces[0].ip.frag_type == DC_FRAG_ISF &&
		    l.v[0].aces[0].ip.frag_op == DC_OP_MATCH);
		CHECK(l.v[0].aces[1].l4 == DC_L4_UDP &&
		    l.v[0].aces[1].dport.op == DC_PORT_EQ &&
		    l.v[0].aces[1].dport.lower == 53);
		dc_acls_free(&l);
		CHECK(dec(ex_null, DC_REQUEST, &l, &e) == 0);
		CHECK(l.v[0].type == DC_TYPE_NONE &&
		    l.v[0].aces[0].tcp.fb_op == (DC_OP_NOT | DC_OP_ANY) &&
		    l.v[0].aces[0].tcp.fb_mask == 4095);
		dc_acls_free(&l);
		CHECK(dec(ex_syn, DC_REQUEST, &l, &e) == 0);
		CHECK(dc_acl_activation(&l.v[0]) == DC_ACT_IMMEDIATE);
		CHECK(l.v[0].aces[0].has_rate &&
		    l.v[0].aces[0].rate_centi == 2000);
		dc_acls_free(&l);
		CHECK(dec(ex_udp6, DC_STORED, &l, &e) == 0);
		CHECK(l.v[0].has_pending && l.v[0].pending_lifetime == 9080);
		CHECK(l.v[0].aces[0].sport.op == DC_PORT_LTE &&
		    l.v[0].aces[0].dport.op == DC_PORT_NEQ &&
		    l.v[0].aces[0].ip.flow_label == 10000);
		dc_acls_free(&l);
		/* module-qualified identities (RFC 7951 §6.8) are read too */
		CHECK_STR(err_of(one_ace("ietf-access-control-list:ipv4-acl-"
		    "type", "{}", "{\"forwarding\": \"ietf-access-control-"
		    "list:reject\"}"), DC_REQUEST), "ok");
	}

	TEST("dc_acl: bad input, exact error-tag and node path") {
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": "
		    "{\"foo\": 1}}", DROP), DC_REQUEST), "400 unknown-element: "
		    P "/matches/ipv4/foo: unknown node");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": "
		    "{\"protocol\": \"6\"}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/ipv4/protocol: expected "
		    "an integer");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": "
		    "{\"protocol\": 256}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/ipv4/protocol: 256 is "
		    "outside 0..255");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": "
		    "{\"destination-ipv4-network\": \"198.51.100.0/33\"}}",
		    DROP), DC_REQUEST), "400 invalid-value: " P "/matches/ipv4/"
		    "destination-ipv4-network: not an IPv4 prefix");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": "
		    "{\"source-ipv4-network\": \"2001:db8::/32\"}}", DROP),
		    DC_REQUEST), "400 invalid-value: " P "/matches/ipv4/"
		    "source-ipv4-network: not an IPv4 prefix");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"udp\": {"
		    "\"destination-port-range-or-operator\": {\"lower-port\": "
		    "2000, \"upper-port\": 1000}}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/udp/destination-port-"
		    "range-or-operator: lower-port 2000 is above upper-port "
		    "1000");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"udp\": {"
		    "\"source-port-range-or-operator\": {\"lower-port\": 1, "
		    "\"port\": 2}}}", DROP), DC_REQUEST), "400 invalid-value: "
		    P "/matches/udp/source-port-range-or-operator: lower-port/"
		    "upper-port and operator/port are the two cases of one "
		    "choice");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}",
		    "{\"forwarding\": \"police\"}"), DC_REQUEST),
		    "400 invalid-value: " P "/actions/forwarding: unknown "
		    "action 'police' (accept, drop or reject)");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}",
		    "{\"forwarding\": \"drop\", \"rate-limit\": \"20.00\"}"),
		    DC_REQUEST), "400 invalid-value: " P "/actions/rate-limit: "
		    "goes with forwarding accept only (RFC 8783 §7.1)");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}",
		    "{\"forwarding\": \"accept\", \"rate-limit\": 20}"),
		    DC_REQUEST), "400 invalid-value: " P "/actions/rate-limit: "
		    "expected a string");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}",
		    "{\"forwarding\": \"accept\", \"rate-limit\": \"2.005\"}"),
		    DC_REQUEST), "400 invalid-value: " P "/actions/rate-limit: "
		    "not a decimal64 with 2 fraction digits in bytes/s");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}", "{}"),
		    DC_REQUEST), "400 missing-attribute: " P "/actions/"
		    "forwarding: missing");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"tcp\": {"
		    "\"flags\": \"syn\", \"flags-bitmask\": {\"bitmask\": 2}}}",
		    DROP), DC_REQUEST), "400 invalid-value: " P "/matches/tcp: "
		    "'flags' and 'flags-bitmask' must not be set together (RFC "
		    "8783 §7.1)");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"tcp\": {"
		    "\"flags-bitmask\": {\"operator\": \"match any\", "
		    "\"bitmask\": 2}}}", DROP), DC_REQUEST), "400 invalid-"
		    "value: " P "/matches/tcp/flags-bitmask/operator: 'match' "
		    "and 'any' must not be set together");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"tcp\": {"
		    "\"flags\": \"syn syn\"}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/tcp/flags: bit 'syn' "
		    "given twice");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": {"
		    "\"flags\": \"more\", \"fragment\": {\"type\": \"isf\"}}}",
		    DROP), DC_REQUEST), "400 invalid-value: " P "/matches/ipv4:"
		    " 'flags' and 'fragment' must not be set together (RFC "
		    "8783 §7.1)");
		CHECK_STR(err_of(one_ace("ipv6-acl-type", "{\"ipv6\": {"
		    "\"fragment\": {\"type\": \"df isf\"}}}", DROP),
		    DC_REQUEST), "400 invalid-value: ietf-dots-data-channel:"
		    "acls/acl[0]/aces/ace[0]/matches/ipv4: needs the ACL's "
		    "type ipv4-acl-type");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"type\": \"ipv6-acl-type\", \"aces\": "
		    "{\"ace\": [{\"name\": \"e\", \"matches\": {\"ipv6\": {"
		    "\"fragment\": {\"type\": \"df isf\"}}}, \"actions\": "
		    DROP "}]}}]}}", DC_REQUEST), "400 invalid-value: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches/"
		    "ipv6/fragment/type: 'df' is for IPv4 only");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"udp\": {}, "
		    "\"tcp\": {}}", DROP), DC_REQUEST), "400 invalid-value: " P
		    "/matches: tcp, udp and icmp are one choice (l4): at most "
		    "one");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": {"
		    "\"protocol\": 17}, \"tcp\": {}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/ipv4/protocol: 17 "
		    "contradicts the tcp container");
		CHECK_STR(err_of(one_ace("eth-acl-type", "{}", DROP),
		    DC_REQUEST), "400 invalid-value: ietf-dots-data-channel:"
		    "acls/acl[0]/type: 'eth-acl-type' is not supported "
		    "(ipv4-acl-type or ipv6-acl-type)");
		/* activation: an unknown one, and two in one ACL */
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"activation-type\": \"activate-now\"}]"
		    "}}", DC_REQUEST), "400 invalid-value: ietf-dots-data-"
		    "channel:acls/acl[0]/activation-type: unknown "
		    "activation-type 'activate-now'");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"activation-type\": \"immediate\", "
		    "\"activation-type\": \"deactivate\"}]}}", DC_REQUEST),
		    "400 malformed-message: not JSON: duplicate object key near "
		    "'\"activation-type\"' at offset 104");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"activation-type\": 2}]}}", DC_REQUEST),
		    "400 invalid-value: ietf-dots-data-channel:acls/acl[0]/"
		    "activation-type: expected a string");
		CHECK_STR(err_of(ex_udp6, DC_REQUEST), "400 invalid-value: "
		    "ietf-dots-data-channel:acls/acl[0]/pending-lifetime: "
		    "config false: the server sets it");
		CHECK_STR(err_of("{\"ietf-access-control-list:acls\": {}}",
		    DC_REQUEST), "400 unknown-element: ietf-access-control-"
		    "list:acls: unknown node");
		CHECK_STR(err_of("[1]", DC_REQUEST), "400 malformed-message: "
		    "the body is not a JSON object");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\"}, {\"name\": \"a\"}]}}", DC_REQUEST),
		    "400 invalid-value: ietf-dots-data-channel:acls/acl[1]/"
		    "name: duplicate acl name 'a'");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{}", DROP)
		    , DC_REQUEST), "ok");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"aces\": {\"ace\": [{\"name\": \"x\", "
		    "\"actions\": " DROP "}, {\"name\": \"x\", \"actions\": "
		    DROP "}]}}]}}", DC_REQUEST), "400 invalid-value: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[1]/name: "
		    "duplicate ace name 'x'");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"tcp\": {"
		    "\"options\": \"AQI=\"}}", DROP), DC_REQUEST), "ok");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"tcp\": {"
		    "\"options\": \"AQJ=\"}}", DROP), DC_REQUEST),
		    "400 invalid-value: " P "/matches/tcp/options: not "
		    "canonical base64 of 1..40 bytes");
		CHECK_STR(err_of(one_ace("ipv4-acl-type", "{\"ipv4\": {"
		    "\"ihl\": 4}}", DROP), DC_REQUEST), "400 invalid-value: " P
		    "/matches/ipv4/ihl: 4 is outside 5..60");
		CHECK_STR(err_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"\"}]}}", DC_REQUEST), "400 invalid-value: "
		    "ietf-dots-data-channel:acls/acl[0]/name: must be 1..64 "
		    "characters");
	}

	TEST("dc_acl: at most 64 aces in one ACL") {
		char *big = many_aces(65);

		CHECK_STR(err_of(big, DC_REQUEST), "400 invalid-value: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace: 65 ACEs, at "
		    "most 64 in one ACL");
		free(big);
		big = many_aces(64);
		CHECK_STR(err_of(big, DC_REQUEST), "ok");
		free(big);
	}

	TEST("dc_acl: authorisation against the peer's policy") {
		struct conf_peer p = c1;
		struct prefix other;

		CHECK_STR(authz_of(ex_sample, &c1), "ok");
		CHECK_STR(authz_of(ex_frag6, &c1), "ok");
		CHECK_STR(authz_of(ex_null, &c1), "ok");
		prefix_parse("203.0.113.0/24", &other);
		p.policy.prefixes = &other;
		p.policy.n_prefixes = 1;
		CHECK_STR(authz_of(ex_sample, &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches/"
		    "ipv4/destination-ipv4-network: 198.51.100.0/24 is outside "
		    "the prefixes of peer c1");
		p = c1;
		p.policy.mitigation_actions = CONF_ACT_DISCARD;
		CHECK_STR(authz_of(ex_syn, &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/actions: "
		    "rate-limit needs rate-limit in the mitigation-actions of "
		    "peer c1");
		p = c1;
		p.policy.protocols = protos;
		p.policy.n_protocols = 1;
		CHECK_STR(authz_of(ex_syn, &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches: "
		    "protocol 6 is not among the protocols of peer c1");
		CHECK_STR(authz_of(ex_sample, &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches: "
		    "matches all protocols but peer c1 may protect only some");
		p.policy.ports = ports;
		p.policy.n_ports = 1;
		CHECK_STR(authz_of(ex_frag4, &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches: "
		    "matches all protocols but peer c1 may protect only some");
		CHECK_STR(authz_of(one_ace("ipv4-acl-type", "{\"udp\": {"
		    "\"destination-port-range-or-operator\": {\"operator\": "
		    "\"gte\", \"port\": 53}}}", DROP), &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches: "
		    "matches all protocols but peer c1 may protect only some");
		CHECK_STR(authz_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"aces\": {\"ace\": [{\"name\": \"e\", "
		    "\"matches\": {\"udp\": {\"destination-port-range-or-"
		    "operator\": {\"operator\": \"gte\", \"port\": 53}}}, "
		    "\"actions\": " DROP "}]}}]}}", &p), "403 access-denied: "
		    "ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/matches/udp/"
		    "destination-port-range-or-operator: ports 53-65535 are "
		    "outside the ports of peer c1");
		CHECK_STR(authz_of("{\"ietf-dots-data-channel:acls\": {\"acl\": "
		    "[{\"name\": \"a\", \"aces\": {\"ace\": [{\"name\": \"e\", "
		    "\"matches\": {\"udp\": {\"destination-port-range-or-"
		    "operator\": {\"port\": 53}}}, \"actions\": " DROP "}]}}]}}",
		    &p), "ok");
	}

	TEST("dc_acl: flowspec rules of the examples") {
		CHECK_STR(rules_of(ex_sample, &c1, r, &n), "ok");
		CHECK(n == 1);
		CHECK(r[0].action == CONF_ACT_DISCARD && r[0].has_src &&
		    r[0].n_proto == 0 && r[0].n_dport == 0 &&
		    r[0].n_sport == 0 && r[0].n_icmp == 0 && r[0].rate == 0);
		CHECK_STR(pf(&r[0].dst), "198.51.100.0/24");
		CHECK_STR(pf(&r[0].src), "192.0.2.0/24");
		CHECK_STR(rules_of(ex_frag4, &c1, r, &n), "501 operation-not-"
		    "supported: ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/"
		    "matches/ipv4/fragment: the mitigator's flowspec rules "
		    "carry no such match");
		CHECK(n == 0);
		CHECK_STR(rules_of(ex_null, &c1, r, &n), "501 operation-not-"
		    "supported: ietf-dots-data-channel:acls/acl[0]/aces/ace[0]/"
		    "matches/tcp/flags-bitmask: the mitigator's flowspec rules "
		    "carry no such match");
		/* a plain accept installs nothing */
		CHECK_STR(rules_of("{\"ietf-dots-data-channel:acls\": {\"acl\":"
		    " [{\"name\": \"a\", \"type\": \"ipv6-acl-type\", \"aces\": "
		    "{\"ace\": [{\"name\": \"e\", \"matches\": {\"ipv6\": {"
		    "\"destination-ipv6-network\": \"2001:db8:6401::2/127\"}},"
		    " \"actions\": {\"forwarding\": \"accept\"}}]}}]}}", &c1, r,
		    &n), "ok");
		CHECK(n == 0);
	}

	TEST("dc_acl: flowspec rules: ports, rate, icmp, peer prefixes") {
		/* no destination: one rule per peer prefix of the family;
		 * neq is two ranges; rate rounded to bytes/s */
		CHECK_STR(rules_of("{\"ietf-dots-data-channel:acls\": {\"acl\":"
		    " [{\"name\": \"a\", \"type\": \"ipv4-acl-type\", \"aces\": "
		    "{\"ace\": [{\"name\": \"dns\", \"matches\": {\"udp\": {"
		    "\"source-port-range-or-operator\": {\"operator\": \"neq\", "
		    "\"port\": 53}, \"destination-port-range-or-operator\": {"
		    "\"lower-port\": 1024, \"upper-port\": 2047}}}, "
		    "\"actions\": {\"forwarding\": \"accept\", \"rate-limit\": "
		    "\"1000.50\"}}]}}]}}", &c1, r, &n), "ok");
		CHECK(n == 1);
		CHECK_STR(pf(&r[0].dst), "198.51.100.0/24");
		CHECK(r[0].action == CONF_ACT_RATE_LIMIT && r[0].rate == 1001 &&
		    !r[0].has_src);
		CHECK(r[0].n_proto == 1 && r[0].proto[0] == 17);
		CHECK(r[0].n_dport == 1 && r[0].dport[0].lower == 1024 &&
		    r[0].dport[0].upper == 2047);
		CHECK(r[0].n_sport == 2 && r[0].sport[0].lower == 0 &&
		    r[0].sport[0].upper == 52 && r[0].sport[1].lower == 54 &&
		    r[0].sport[1].upper == 65535);
		/* no type: both families, ICMP's protocol by destination */
		CHECK_STR(rules_of("{\"ietf-dots-data-channel:acls\": {\"acl\":"
		    " [{\"name\": \"a\", \"aces\": {\"ace\": [{\"name\": \"p\", "
		    "\"matches\": {\"icmp\": {\"type\": 8}}, \"actions\": {"
		    "\"forwarding\": \"reject\"}}]}}]}}", &c1, r, &n), "ok");
		CHECK(n == 2);
		CHECK_STR(pf(&r[0].dst), "198.51.100.0/24");
		CHECK_STR(pf(&r[1].dst), "2001:db8::/32");
		CHECK(r[0].action == CONF_ACT_DISCARD && r[0].proto[0] == 1 &&
		    r[1].proto[0] == 58 && r[0].n_icmp == 1 &&
		    r[0].icmp[0].lower == 8 && r[0].icmp[0].upper == 8);
		/* an accept before an overlapping drop cannot be kept */
		CHECK_STR(rules_of("{\"ietf-dots-data-channel:acls\": {\"acl\":"
		    " [{\"name\": \"a\", \"type\": \"ipv4-acl-type\", \"aces\": "
		    "{\"ace\": [{\"name\": \"ok\", \"matches\": {\"ipv4\": {"
		    "\"source-ipv4-network\": \"192.0.2.1/32\"}}, \"actions\": "
		    "{\"forwarding\": \"accept\"}}, {\"name\": \"all\", "
		    "\"actions\": " DROP "}]}}]}}", &c1, r, &n), "501 "
		    "operation-not-supported: ietf-dots-data-channel:acls/"
		    "acl[0]/aces/ace[0]: accept before the filtering ace[1] it "
		    "may overlap: flowspec rules have no order, the exception "
		    "would be lost");
		/* ... but one for another protocol can */
		CHECK_STR(rules_of("{\"ietf-dots-data-channel:acls\": {\"acl\":"
		    " [{\"name\": \"a\", \"type\": \"ipv4-acl-type\", \"aces\": "
		    "{\"ace\": [{\"name\": \"ok\", \"matches\": {\"tcp\": {}}, "
		    "\"actions\": {\"forwarding\": \"accept\"}}, {\"name\": "
		    "\"u\", \"matches\": {\"udp\": {}}, \"actions\": " DROP
		    "}]}}]}}", &c1, r, &n), "ok");
		CHECK(n == 1 && r[0].proto[0] == 17);
		/* appended after what is there; all or nothing */
		n = POL_RULES_MAX - 1;
		CHECK(dec(ex_sample, DC_REQUEST, &l, &e) == 0);
		CHECK(dc_acl_rules(&c1, &l.v[0], 0, r, &n, &e) == 0 &&
		    n == POL_RULES_MAX);
		CHECK(dc_acl_rules(&c1, &l.v[0], 0, r, &n, &e) == -1 &&
		    n == POL_RULES_MAX && e.status == 409);
		CHECK_STR(e.msg, "ietf-dots-data-channel:acls/acl[0]/aces/"
		    "ace[0]: the rules are more than 64");
		dc_acls_free(&l);
	}
	return UNIT_EXIT();
}
