/* Unit tests of gateway/exabgp_cmd.c: the command lines the exabgp
 * back-end sends for rules policies/flowspec.c builds, and the reading of
 * exabgp 4.2.21's `show adj-rib out extensive` lines (copied from a real
 * exabgp, NOTES.md) back into routes and their withdrawals. */
#include <sys/socket.h>

#include <string.h>

#include "gateway/mitigator/exabgp_cmd.h"
#include "unit.h"

#define OWNER	305419896u	/* 0x12345678 */
#define MARK	((64512u << 16) | 4646u)

static struct conf_mitigator
mc_of(void)
{
	struct conf_mitigator mc;

	memset(&mc, 0, sizeof(mc));
	mc.community_asn = 64512;
	mc.community_value = 4646;
	strcpy(mc.rtbh_next_hop, "192.0.2.1");
	return mc;
}

static struct pol_rule
rule(const char *dst, unsigned act)
{
	struct pol_rule r;

	memset(&r, 0, sizeof(r));
	r.action = act;
	prefix_parse(dst, &r.dst);
	return r;
}

/* A line of the listing as exabgp 4.2.21 prints it for neighbor
 * 127.0.0.1 (local-as 64512, peer-as 64513). */
#define NB "neighbor 127.0.0.1 local-ip 127.0.0.1 local-as 64512 peer-as " \
	"64513 router-id 10.255.0.1 family-allowed in-open "

int
main(void)
{
	struct conf_mitigator mc = mc_of();
	char buf[EXA_CMD_MAX];
	struct exa_route rt;

	TEST("flowspec discard: every component, marker and owner tag") {
		struct pol_rule r = rule("192.0.2.0/28", CONF_ACT_DISCARD);

		r.has_src = true;
		prefix_parse("198.51.100.0/24", &r.src);
		r.proto[0] = 6;
		r.proto[1] = 17;
		r.n_proto = 2;
		r.dport[0] = (struct port_range){ 53, 53 };
		r.dport[1] = (struct port_range){ 80, 90 };
		r.n_dport = 2;
		r.sport[0] = (struct port_range){ 1024, 65535 };
		r.n_sport = 1;
		r.icmp[0] = (struct pol_type_range){ 8, 8 };
		r.n_icmp = 1;
		CHECK(exa_rule_cmd(&r, true, &mc, OWNER, 7, buf, sizeof(buf)) >
		    0);
		CHECK_STR(buf, "announce flow route destination 192.0.2.0/28 "
		    "source 198.51.100.0/24 protocol [ =6 =17 ] destination-port "
		    "[ =53 >=80&<=90 ] source-port [ >=1024&<=65535 ] icmp-type "
		    "[ =8 ] discard community [ 64512:4646 ] large-community "
		    "[ 64512:305419896:7 ]\n");
		CHECK(exa_rule_cmd(&r, false, &mc, OWNER, 7, buf, sizeof(buf)) >
		    0);
		CHECK_STR(buf, "withdraw flow route destination 192.0.2.0/28 "
		    "source 198.51.100.0/24 protocol [ =6 =17 ] destination-port "
		    "[ =53 >=80&<=90 ] source-port [ >=1024&<=65535 ] icmp-type "
		    "[ =8 ]\n");
	}

	TEST("flowspec rate-limit, IPv6") {
		struct pol_rule r = rule("2001:db8:6401::/48",
		    CONF_ACT_RATE_LIMIT);

		r.rate = 125000;
		CHECK(exa_rule_cmd(&r, true, &mc, OWNER, 1, buf, sizeof(buf)) >
		    0);
		CHECK_STR(buf, "announce flow route destination "
		    "2001:db8:6401::/48 rate-limit 125000 community "
		    "[ 64512:4646 ] large-community [ 64512:305419896:1 ]\n");
	}

	TEST("RTBH: BLACKHOLE, marker, owner tag, discard next hop") {
		struct pol_rule r = rule("192.0.2.64/28", CONF_ACT_RTBH);
		struct pol_rule r6 = rule("2001:db8:6401::/48", CONF_ACT_RTBH);

		CHECK(exa_rule_cmd(&r, true, &mc, OWNER, 4, buf, sizeof(buf)) >
		    0);
		CHECK_STR(buf, "announce route 192.0.2.64/28 next-hop 192.0.2.1 "
		    "community [ 65535:666 64512:4646 ] large-community "
		    "[ 64512:305419896:4 ]\n");
		CHECK(exa_rule_cmd(&r, false, &mc, OWNER, 4, buf, sizeof(buf)) >
		    0);
		CHECK_STR(buf, "withdraw route 192.0.2.64/28\n");
		CHECK(exa_rule_cmd(&r6, true, &mc, OWNER, 4, buf, sizeof(buf)) >
		    0);
		CHECK(strstr(buf, " next-hop 100::1 ") != NULL);
	}

	TEST("a buffer too small gives 0, never a cut command") {
		struct pol_rule r = rule("192.0.2.0/28", CONF_ACT_DISCARD);

		CHECK(exa_rule_cmd(&r, true, &mc, OWNER, 1, buf, 40) == 0);
	}

	TEST("listing: a flowspec route of ours") {
		CHECK(exa_parse_route(NB "ipv4 flow flow destination-ipv4 "
		    "192.0.2.0/28 source-ipv4 198.51.100.0/24 protocol =udp "
		    "destination-port =53 source-port [ >=1024&<=65535 ] "
		    "community 64512:4646 extended-community rate-limit:0 "
		    "large-community 64512:305419896:1", MARK, 64512, &rt) == 0);
		CHECK(rt.family == EXA_FLOW4);
		CHECK_STR(rt.nlri, "flow destination-ipv4 192.0.2.0/28 "
		    "source-ipv4 198.51.100.0/24 protocol =udp destination-port "
		    "=53 source-port [ >=1024&<=65535 ]");
		CHECK(rt.marked && rt.tagged);
		CHECK(rt.owner == OWNER && rt.mid == 1);
		CHECK(exa_withdraw_listed(&rt, buf, sizeof(buf)) > 0);
		CHECK_STR(buf, "withdraw flow route destination 192.0.2.0/28 "
		    "source 198.51.100.0/24 protocol =udp destination-port =53 "
		    "source-port [ >=1024&<=65535 ]\n");
	}

	TEST("listing: RTBH with several communities, BLACKHOLE by name") {
		CHECK(exa_parse_route(NB "ipv4 unicast 192.0.2.64/28 next-hop "
		    "192.0.2.1 community [ 64512:4646 blackhole ] "
		    "large-community [ 65000:1:2 64512:305419896:4 ]", MARK,
		    64512, &rt) == 0);
		CHECK(rt.family == EXA_INET4);
		CHECK_STR(rt.nlri, "192.0.2.64/28");
		CHECK(rt.marked && rt.tagged && rt.owner == OWNER &&
		    rt.mid == 4);
		CHECK(exa_withdraw_listed(&rt, buf, sizeof(buf)) > 0);
		CHECK_STR(buf, "withdraw route 192.0.2.64/28\n");
	}

	TEST("listing: the operator's route (no marker, no tag) is not ours") {
		CHECK(exa_parse_route(NB "ipv4 flow flow destination-ipv4 "
		    "192.0.2.32/28 extended-community rate-limit:0", MARK, 64512,
		    &rt) == 0);
		CHECK(!rt.marked && !rt.tagged);
		CHECK(exa_parse_route(NB "ipv4 flow flow destination-ipv4 "
		    "192.0.2.32/28 community 64512:1 large-community "
		    "64513:305419896:1", MARK, 64512, &rt) == 0);
		CHECK(!rt.marked && !rt.tagged);
	}

	TEST("listing: IPv6 with a value exabgp has no name for") {
		CHECK(exa_parse_route(NB "ipv6 flow flow destination-ipv6 "
		    "2001:db8:6401::/48/0 source-ipv6 2001:db8:1::/48/0 protocol "
		    "=udp icmp-type =unknown icmp type type 128 community "
		    "64512:4646 extended-community rate-limit:0 large-community "
		    "64512:305419896:3", MARK, 64512, &rt) == 0);
		CHECK(rt.family == EXA_FLOW6 && rt.marked && rt.mid == 3);
		CHECK(exa_withdraw_listed(&rt, buf, sizeof(buf)) > 0);
		CHECK_STR(buf, "withdraw flow route destination "
		    "2001:db8:6401::/48/0 source 2001:db8:1::/48/0 protocol =udp "
		    "icmp-type =128\n");
	}

	TEST("listing: ranges of unnamed values, protocol by number") {
		CHECK(exa_parse_route(NB "ipv6 flow flow destination-ipv6 "
		    "2001:db8::/32/0 protocol =unknown protocol type 253 "
		    "icmp-type [ >=unknown icmp type type 128&<=unknown icmp "
		    "type type 130 ] community 64512:4646", MARK, 64512,
		    &rt) == 0);
		CHECK(exa_withdraw_listed(&rt, buf, sizeof(buf)) > 0);
		CHECK_STR(buf, "withdraw flow route destination 2001:db8::/32/0 "
		    "protocol =253 icmp-type [ >=128&<=130 ]\n");
	}

	TEST("listing: which rule a listed route can be") {
		struct pol_rule f = rule("192.0.2.0/28", CONF_ACT_DISCARD);
		struct pol_rule b = rule("192.0.2.0/28", CONF_ACT_RTBH);
		struct pol_rule f6 = rule("2001:db8:6401::/48",
		    CONF_ACT_DISCARD);

		CHECK(exa_parse_route(NB "ipv4 flow flow destination-ipv4 "
		    "192.0.2.0/28 source-ipv4 198.51.100.0/24 protocol =udp "
		    "community 64512:4646", MARK, 64512, &rt) == 0);
		CHECK(!exa_route_is_rule(&rt, &f));	/* f has no source */
		f.has_src = true;
		prefix_parse("198.51.100.0/24", &f.src);
		CHECK(exa_route_is_rule(&rt, &f));
		CHECK(!exa_route_is_rule(&rt, &b));	/* RTBH now */
		prefix_parse("198.51.100.0/25", &f.src);
		CHECK(!exa_route_is_rule(&rt, &f));
		CHECK(exa_parse_route(NB "ipv4 unicast 192.0.2.0/28 next-hop "
		    "192.0.2.1 community [ 64512:4646 blackhole ]", MARK, 64512,
		    &rt) == 0);
		CHECK(exa_route_is_rule(&rt, &b));
		CHECK(!exa_route_is_rule(&rt, &f));
		CHECK(exa_parse_route(NB "ipv6 flow flow destination-ipv6 "
		    "2001:db8:6401::/48/0 protocol =udp community 64512:4646",
		    MARK, 64512, &rt) == 0);
		CHECK(exa_route_is_rule(&rt, &f6));
	}

	TEST("listing: not a route") {
		CHECK(exa_parse_route("done", MARK, 64512, &rt) == -1);
		CHECK(exa_parse_route("neighbor 127.0.0.1 up", MARK, 64512,
		    &rt) == -1);
		CHECK(exa_parse_route("neighbor 127.0.0.1 ipv4 unicast", MARK,
		    64512, &rt) == -1);
		CHECK(exa_parse_route("", MARK, 64512, &rt) == -1);
		CHECK(exa_parse_route(NB "l2vpn vpls something", MARK, 64512,
		    &rt) == -1);
	}
	return UNIT_EXIT();
}
