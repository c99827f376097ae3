/* Unit tests of policies/flowspec.c and policies/offload.c: severity,
 * actions under peer policy, rules from a scope, limits, offload
 * hysteresis. */
#include <stdlib.h>

#include <jansson.h>

#include "common/dots_codec.h"
#include "common/dots_json.h"
#include "policies/flowspec.h"
#include "policies/offload.h"
#include "unit.h"
#include "unit_request.h"

/* The first scope of an RFC-style JSON scope member list. */
static int decode(const char *members, struct dots_mitigation *m)
{
	char		 text[4096];

	snprintf(text, sizeof(text), "{\"ietf-dots-signal-channel:"
	    "mitigation-scope\":{\"scope\":[{%s}]}}", members);
	return unit_request(text, m);
}

static struct conf_mitigator mc_default(void)
{
	struct conf_mitigator mc;

	memset(&mc, 0, sizeof(mc));
	for (int i = 0; i < CONF_SEVERITIES; i++)
		mc.severity_action[i] = CONF_ACT_DISCARD;
	mc.severity_action[2] = CONF_ACT_RATE_LIMIT;	/* low */
	mc.severity_action[4] = CONF_ACT_RTBH;		/* high */
	mc.max_rules = 10;
	mc.rate_limit = 125000;
	return mc;
}

static unsigned severity_of(const char *detail)
{
	struct dots_mitigation m;
	char	 buf[1024];
	unsigned s;

	snprintf(buf, sizeof(buf), "\"target-prefix\":[\"192.0.2.0/24\"]%s%s",
	    detail ? ",\"ietf-dots-telemetry:attack-detail\":" : "",
	    detail ? detail : "");
	if (decode(buf, &m) == -1)
		return 99;
	s = pol_attack_severity(&m.scope[0]);
	dots_mitigation_free(&m);
	return s;
}

static void test_severity(void)
{
	CHECK(severity_of(NULL) == 0);
	CHECK(severity_of("[{\"vendor-id\":1,\"attack-id\":1,"
	    "\"attack-severity\":\"low\"}]") == 2);
	CHECK(severity_of("[{\"vendor-id\":1,\"attack-id\":1,"
	    "\"attack-severity\":\"unknown\"},{\"vendor-id\":1,\"attack-id\":2,"
	    "\"attack-severity\":\"medium\"}]") == 3);
	CHECK(severity_of("[{\"vendor-id\":1,\"attack-id\":1,"
	    "\"attack-severity\":\"high\"},{\"vendor-id\":1,\"attack-id\":2,"
	    "\"attack-severity\":\"unknown\"}]") == 4);
	CHECK(severity_of("[{\"vendor-id\":1,\"attack-id\":1,"
	    "\"attack-severity\":\"unknown\"}]") == 5);
	CHECK(severity_of("[{\"vendor-id\":1,\"attack-id\":1}]") == 0);
}

static void test_action(void)
{
	struct conf_mitigator mc = mc_default();
	struct conf_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.mitigation_actions = CONF_ACT_RATE_LIMIT | CONF_ACT_DISCARD |
	    CONF_ACT_RTBH;
	CHECK(pol_action(&mc, &pol, 4) == CONF_ACT_RTBH);
	CHECK(pol_action(&mc, &pol, 2) == CONF_ACT_RATE_LIMIT);
	CHECK(pol_action(&mc, &pol, 0) == CONF_ACT_DISCARD);
	CHECK(pol_action(&mc, &pol, 77) == CONF_ACT_DISCARD);
	/* rtbh not allowed: the strongest weaker one */
	pol.mitigation_actions = CONF_ACT_RATE_LIMIT | CONF_ACT_DISCARD;
	CHECK(pol_action(&mc, &pol, 4) == CONF_ACT_DISCARD);
	pol.mitigation_actions = CONF_ACT_RATE_LIMIT;
	CHECK(pol_action(&mc, &pol, 4) == CONF_ACT_RATE_LIMIT);
	/* never a stronger one than configured */
	pol.mitigation_actions = CONF_ACT_RTBH;
	CHECK(pol_action(&mc, &pol, 2) == 0);
	CHECK_STR(pol_action_name(CONF_ACT_RTBH), "rtbh");
}

static void test_rules(void)
{
	struct conf_mitigator mc = mc_default();
	struct pol_rule r[POL_RULES_MAX];
	struct dots_mitigation m;
	const char *why = NULL;
	size_t	 n;
	char	 p[PREFIX_STRLEN];

	CHECK(decode("\"target-prefix\":[\"192.0.2.0/28\",\"2001:db8::/48\"],"
	    "\"target-protocol\":[6,17],\"target-port-range\":[{\"lower-port\":"
	    "80,\"upper-port\":90},{\"lower-port\":443}],"
	    "\"ietf-dots-call-home:source-prefix\":[\"198.51.100.0/24\","
	    "\"203.0.113.0/24\",\"2001:db8:1::/48\"],"
	    "\"ietf-dots-call-home:source-port-range\":[{\"lower-port\":1024}],"
	    "\"ietf-dots-call-home:source-icmp-type-range\":[{\"lower-type\":0,"
	    "\"upper-type\":8}]", &m) == 0);
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_RATE_LIMIT, &mc, r, &n,
	    &why) == 0);
	/* two v4 sources x one v4 target, one v6 source x one v6 target */
	CHECK(n == 3);
	CHECK_STR(prefix_format(&r[0].dst, p, sizeof(p)), "192.0.2.0/28");
	CHECK(r[0].has_src);
	CHECK_STR(prefix_format(&r[1].src, p, sizeof(p)), "203.0.113.0/24");
	CHECK_STR(prefix_format(&r[2].dst, p, sizeof(p)), "2001:db8::/48");
	CHECK_STR(prefix_format(&r[2].src, p, sizeof(p)), "2001:db8:1::/48");
	CHECK(r[0].n_proto == 2 && r[0].proto[1] == 17);
	CHECK(r[0].n_dport == 2 && r[0].dport[0].lower == 80 &&
	    r[0].dport[0].upper == 90 && r[0].dport[1].upper == 443);
	CHECK(r[0].n_sport == 1 && r[0].sport[0].lower == 1024 &&
	    r[0].sport[0].upper == 1024);
	CHECK(r[0].n_icmp == 1 && r[0].icmp[0].upper == 8);
	CHECK(r[0].rate == 125000 && r[0].action == CONF_ACT_RATE_LIMIT);
	/* RTBH: one route per target prefix, nothing else */
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_RTBH, &mc, r, &n,
	    &why) == 0);
	CHECK(n == 2 && !r[0].has_src && r[0].n_proto == 0);
	dots_mitigation_free(&m);

	CHECK(decode("\"target-fqdn\":[\"www.example.com\"]", &m) == 0);
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_DISCARD, &mc, r, &n,
	    &why) == -1);
	CHECK(why != NULL && strstr(why, "target-prefix") != NULL);
	dots_mitigation_free(&m);

	CHECK(decode("\"target-prefix\":[\"192.0.2.0/28\"],"
	    "\"ietf-dots-call-home:source-prefix\":[\"not-a-prefix\"]",
	    &m) == 0);
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_DISCARD, &mc, r, &n,
	    &why) == -1);
	CHECK(why != NULL && strstr(why, "source-prefix") != NULL);
	dots_mitigation_free(&m);

	CHECK(decode("\"target-prefix\":[\"192.0.2.0/28\"],"
	    "\"ietf-dots-call-home:source-port-range\":[{\"lower-port\":90,"
	    "\"upper-port\":80}]", &m) == 0);
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_DISCARD, &mc, r, &n,
	    &why) == -1);
	dots_mitigation_free(&m);

	/* only v6 sources for a v4 target: nothing to match */
	CHECK(decode("\"target-prefix\":[\"192.0.2.0/28\"],"
	    "\"ietf-dots-call-home:source-prefix\":[\"2001:db8::/32\"]",
	    &m) == 0);
	CHECK(pol_rules_build(&m.scope[0], CONF_ACT_DISCARD, &mc, r, &n,
	    &why) == -1);
	dots_mitigation_free(&m);
}

static void test_fit(void)
{
	struct conf_mitigator mc = mc_default();
	struct conf_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.max_rules = 3;
	CHECK(pol_rules_fit(&mc, &pol, 0, 0, 3));
	CHECK(!pol_rules_fit(&mc, &pol, 1, 1, 3));
	CHECK(pol_rules_fit(&mc, &pol, 2, 9, 1));
	CHECK(!pol_rules_fit(&mc, &pol, 0, 10, 1));	/* total 10 */
	CHECK(!pol_rules_fit(&mc, &pol, 0, 0, 4));
}

static void test_offload(void)
{
	struct conf_capacity cap = { .bps = 1000, .pps = 0, .rules = 10 };
	struct conf_offload o = { .high = 80, .low = 50 };
	struct pol_offload st = { false };
	struct pol_usage u = { 0 };
	struct pol_volume v = { .bps = 300 };

	CHECK(pol_utilization(&cap, &u) == 0);
	u.bps = 600;
	CHECK(pol_utilization(&cap, &u) == 60);
	u.rules = 9;
	CHECK(pol_utilization(&cap, &u) == 90);	/* fullest dimension */
	u.rules = 1;
	u.bps = UINT64_MAX;
	CHECK(pol_utilization(&cap, &u) == 100000);
	u.bps = 600;
	/* not offloading: new ones stay (capacity is pol_decide's) */
	CHECK(pol_offload_keep(&st, &o));
	/* 600 + 300 = 90% >= 80: not taken back; 600 + 100 = 70%: taken */
	CHECK(!pol_offload_take_back(&st, &o, &cap, &u, &v));
	v.bps = 100;
	CHECK(pol_offload_take_back(&st, &o, &cap, &u, &v));
	/* hysteresis: on at 80, stays on down to 50, off below 50 */
	CHECK(!pol_offload_update(&st, &o, 79) && !st.active);
	CHECK(pol_offload_update(&st, &o, 80) && st.active);
	CHECK(!pol_offload_keep(&st, &o));
	CHECK(!pol_offload_take_back(&st, &o, &cap, &u, &v));
	CHECK(!pol_offload_update(&st, &o, 60) && st.active);
	CHECK(!pol_offload_update(&st, &o, 50) && st.active);
	CHECK(pol_offload_update(&st, &o, 49) && !st.active);
	CHECK(!pol_offload_update(&st, &o, 79) && !st.active);
	/* off: everything stays */
	o.high = 0;
	CHECK(pol_offload_keep(&st, &o));
	CHECK(!pol_offload_update(&st, &o, 100) && !st.active);
	CHECK(!pol_offload_shed(&o, 100));
	o.high = 80;
	o.running = true;
	CHECK(pol_offload_shed(&o, 80) && !pol_offload_shed(&o, 79));
}

int main(void)
{
	TEST("flowspec: attack severity from attack-detail") test_severity();
	TEST("flowspec: action by severity under peer policy") test_action();
	TEST("flowspec: rules from a scope with call-home sources")
		test_rules();
	TEST("flowspec: per-peer and total rule limits") test_fit();
	TEST("offload: utilization and hysteresis") test_offload();
	return UNIT_EXIT();
}
