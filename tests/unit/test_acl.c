/* Unit tests of the staged ACLs (common/conf.c "acls:") and of RFC 9133
 * acl-list activation (policies/acl.c). */
#include <stdlib.h>
#include <sys/socket.h>

#include "common/conf.h"
#include "common/dots_codec.h"
#include "policies/acl.h"
#include "unit.h"
#include "unit_request.h"

#define PEER_HEAD							\
	"peers:\n"							\
	"  - name: c1\n"						\
	"    psk-identity: c1\n"					\
	"    psk-key: secret\n"						\
	"    prefixes: [192.0.2.0/24, 2001:db8::/32]\n"

static const char good_acls[] = PEER_HEAD
	"    acls:\n"
	"      - name: block-dns\n"
	"        type: ipv4\n"
	"        aces:\n"
	"          - name: dns-amp\n"
	"            matches:\n"
	"              destination-prefix: 192.0.2.0/25\n"
	"              source-prefix: 203.0.113.0/24\n"
	"              protocol: 17\n"
	"              source-port-range: 53\n"
	"              destination-port-range: 1024-65535\n"
	"            action: drop\n"
	"          - name: allow-ops\n"
	"            matches: {destination-prefix: 192.0.2.1/32}\n"
	"            action: accept\n"
	"          - name: ping-slow\n"
	"            matches: {destination-prefix: 192.0.2.0/24, protocol: 1,"
	" icmp-type: 8}\n"
	"            action: rate-limit\n"
	"            rate-limit: 10000\n"
	"      - name: v6\n"
	"        type: ipv6\n"
	"        aces:\n"
	"          - name: all\n"
	"            matches: {destination-prefix: \"2001:db8:1::/48\"}\n"
	"            action: drop\n";

static struct conf *load(const char *text, char *err, size_t len)
{
	struct conf *c = NULL;

	if (conf_load_string("t.yaml", text, strlen(text), &c, err, len,
	    NULL, NULL) == -1)
		return NULL;
	return c;
}

static bool bad(const char *acls, const char *want)
{
	char	 text[4096], err[CONF_ERRLEN] = "";
	struct conf *c;

	snprintf(text, sizeof(text), PEER_HEAD "%s", acls);
	if ((c = load(text, err, sizeof(err))) != NULL) {
		conf_free(c);
		printf("  loaded: %s\n", acls);
		return false;
	}
	if (strstr(err, want) == NULL) {
		printf("  want \"%s\"\n  got \"%s\"\n", want, err);
		return false;
	}
	return true;
}

static int decode(const char *acl_list, struct dots_mitigation *m)
{
	char	 text[2048];

	snprintf(text, sizeof(text), "{\"ietf-dots-signal-channel:"
	    "mitigation-scope\":{\"scope\":[{\"target-prefix\":"
	    "[\"192.0.2.0/24\"],\"lifetime\":3600,"
	    "\"ietf-dots-signal-control:acl-list\":%s}]}}", acl_list);
	return unit_request(text, m);
}

static void test_load(void)
{
	char	 err[CONF_ERRLEN] = "";
	struct conf *c = load(good_acls, err, sizeof(err));
	const struct conf_acl *a;

	CHECK(c != NULL);
	if (c == NULL) {
		printf("  %s\n", err);
		return;
	}
	CHECK(c->peers[0].n_acls == 2);
	a = pol_acl_find(&c->peers[0], "block-dns");
	CHECK(a != NULL && a->n_aces == 3 && a->family == AF_INET);
	if (a != NULL && a->n_aces == 3) {
		CHECK(a->aces[0].action == CONF_ACE_DROP);
		CHECK(a->aces[0].has_src && a->aces[0].has_proto &&
		    a->aces[0].proto == 17);
		CHECK(a->aces[0].sport.lower == 53 &&
		    a->aces[0].sport.upper == 53);
		CHECK(a->aces[0].dport.lower == 1024 &&
		    a->aces[0].dport.upper == 65535);
		CHECK(a->aces[1].action == CONF_ACE_ACCEPT);
		CHECK(a->aces[2].action == CONF_ACE_RATE_LIMIT &&
		    a->aces[2].rate == 10000 && a->aces[2].has_icmp &&
		    a->aces[2].icmp_type == 8);
	}
	CHECK(pol_acl_find(&c->peers[0], "nope") == NULL);
	conf_free(c);
}

static void test_bad(void)
{
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 198.51.100.0/24}\n"
	    "            action: drop\n",
	    "t.yaml:11: peers[0].acls[0].aces[0]: destination-prefix "
	    "198.51.100.0/24 is outside the peer's prefixes"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {protocol: 6}\n"
	    "            action: drop\n",
	    "destination-prefix is required"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv6\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24}\n"
	    "            action: drop\n",
	    "peers[0].acls[0].aces[0]: destination-prefix is not of the "
	    "ACL's type"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24}\n"
	    "            action: reject\n",
	    "peers[0].acls[0].aces[0].action"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24}\n"
	    "            action: rate-limit\n",
	    "rate-limit (bytes/s) goes with action rate-limit"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24}\n"
	    "            action: drop\n"
	    "      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: y\n"
	    "            matches: {destination-prefix: 192.0.2.0/24}\n"
	    "            action: drop\n",
	    "duplicate ACL name 'a'"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24, "
	    "source-prefix: \"2001:db8::/32\"}\n"
	    "            action: drop\n",
	    "different address families"));
	CHECK(bad("    acls:\n      - name: a\n        type: ipv4\n"
	    "        aces:\n          - name: x\n"
	    "            matches: {destination-prefix: 192.0.2.0/24, "
	    "colour: red}\n"
	    "            action: drop\n",
	    "colour"));
}

static void test_activate(void)
{
	char	 err[CONF_ERRLEN] = "";
	struct conf *c = load(good_acls, err, sizeof(err));
	struct dots_mitigation m;
	struct dots_err	 e = { 0 };
	struct pol_rule	 rules[POL_RULES_MAX];
	const char	*why = NULL;
	size_t		 n;

	if (c == NULL) {
		CHECK(c != NULL);
		return;
	}
	/* default activation-type (activate-when-mitigating): drop and
	 * rate-limit aces become rules, accept adds nothing */
	CHECK(decode("[{\"acl-name\":\"block-dns\"}]", &m) == 0);
	CHECK(pol_acl_check(&c->peers[0], &m.scope[0], &e) == 0);
	n = 1;
	CHECK(pol_acl_rules(&c->peers[0], &m.scope[0], rules, &n, &why) == 0);
	CHECK(n == 3);
	CHECK(rules[1].action == CONF_ACT_DISCARD && rules[1].has_src &&
	    rules[1].n_proto == 1 && rules[1].proto[0] == 17 &&
	    rules[1].n_sport == 1 && rules[1].n_dport == 1 &&
	    rules[1].dst.len == 25);
	CHECK(rules[2].action == CONF_ACT_RATE_LIMIT && rules[2].rate == 10000 &&
	    rules[2].n_icmp == 1 && rules[2].icmp[0].lower == 8 &&
	    !rules[2].has_src);
	dots_mitigation_free(&m);

	CHECK(decode("[{\"acl-name\":\"v6\",\"activation-type\":"
	    "\"immediate\"},{\"acl-name\":\"block-dns\","
	    "\"activation-type\":\"deactivate\"}]", &m) == 0);
	CHECK(pol_acl_check(&c->peers[0], &m.scope[0], &e) == 0);
	n = 0;
	CHECK(pol_acl_rules(&c->peers[0], &m.scope[0], rules, &n, &why) == 0);
	CHECK(n == 1 && rules[0].dst.family == AF_INET6);
	dots_mitigation_free(&m);

	/* full: the 64-rule limit holds across scope and ACL rules */
	CHECK(decode("[{\"acl-name\":\"block-dns\"}]", &m) == 0);
	n = POL_RULES_MAX - 1;
	CHECK(pol_acl_rules(&c->peers[0], &m.scope[0], rules, &n, &why) == -1);
	CHECK(why != NULL);
	dots_mitigation_free(&m);

	CHECK(decode("[{\"acl-name\":\"nope\"}]", &m) == 0);
	CHECK(pol_acl_check(&c->peers[0], &m.scope[0], &e) == -1);
	CHECK(e.coap == 404 && strstr(e.msg, "'nope'") != NULL);
	dots_mitigation_free(&m);
	conf_free(c);
}

int main(void)
{
	TEST("acl load") test_load();
	TEST("acl bad configs") test_bad();
	TEST("acl activation") test_activate();
	return UNIT_EXIT();
}
