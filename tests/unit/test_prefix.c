/* Unit tests of common/prefix.c. */
#include <sys/socket.h>

#include "common/prefix.h"
#include "unit.h"

static const char *
fmt(const char *in)
{
	static char buf[PREFIX_STRLEN];
	struct prefix p;

	if (prefix_parse(in, &p) == -1)
		return "ERR";
	return prefix_format(&p, buf, sizeof(buf));
}

static bool
pfx_invalid(const char *s)
{
	struct prefix p;
	const char *why = NULL;

	if (prefix_parse(s, &p) == -1)
		return false;
	return prefix_is_invalid_target(&p, &why) && why != NULL;
}

static bool
ovl(const char *a, const char *b)
{
	struct prefix pa, pb;

	return prefix_parse(a, &pa) == 0 && prefix_parse(b, &pb) == 0 &&
	    prefix_overlaps(&pa, &pb);
}

static bool
cont(const char *a, const char *b)
{
	struct prefix pa, pb;

	return prefix_parse(a, &pa) == 0 && prefix_parse(b, &pb) == 0 &&
	    prefix_contains(&pa, &pb);
}

int
main(void)
{
	TEST("prefix_parse: IPv4 and IPv6 canonical forms") {
		CHECK_STR(fmt("192.0.2.0/24"), "192.0.2.0/24");
		CHECK_STR(fmt("2001:db8:6401::1/128"), "2001:db8:6401::1/128");
		CHECK_STR(fmt("2001:DB8::/32"), "2001:db8::/32");
		CHECK_STR(fmt("0.0.0.0/0"), "0.0.0.0/0");
		CHECK_STR(fmt("::/0"), "::/0");
	}
	TEST("prefix_parse: bare address is a host prefix") {
		struct prefix p;

		CHECK(prefix_parse("198.51.100.7", &p) == 0);
		CHECK(p.family == AF_INET && p.len == 32);
		CHECK(prefix_parse("2001:db8::7", &p) == 0);
		CHECK(p.family == AF_INET6 && p.len == 128);
		CHECK(prefix_parse_addr("2001:db8::7/64", &p) == -1);
	}
	TEST("prefix_parse: host bits are cleared") {
		CHECK_STR(fmt("192.0.2.77/24"), "192.0.2.0/24");
		CHECK_STR(fmt("10.255.255.255/9"), "10.128.0.0/9");
		CHECK_STR(fmt("2001:db8:ffff::1/33"), "2001:db8:8000::/33");
		CHECK_STR(fmt("1.2.3.4/0"), "0.0.0.0/0");
	}
	TEST("prefix_parse: malformed strings rejected") {
		CHECK_STR(fmt("192.0.2.0/33"), "ERR");
		CHECK_STR(fmt("2001:db8::/129"), "ERR");
		CHECK_STR(fmt("192.0.2.0/"), "ERR");
		CHECK_STR(fmt("/24"), "ERR");
		CHECK_STR(fmt("192.0.2.0/+8"), "ERR");
		CHECK_STR(fmt("192.0.2.0/24x"), "ERR");
		CHECK_STR(fmt("192.0.2.0/0024"), "ERR");
		CHECK_STR(fmt("192.0.2/24"), "ERR");
		CHECK_STR(fmt("300.0.2.0/24"), "ERR");
		CHECK_STR(fmt("example.com"), "ERR");
		CHECK_STR(fmt(""), "ERR");
		CHECK_STR(fmt("2001:db8::g/64"), "ERR");
		CHECK(prefix_parse(NULL, &(struct prefix){0}) == -1);
	}
	TEST("prefix_equal compares family, length and network") {
		struct prefix a, b;

		prefix_parse("192.0.2.1/24", &a);
		prefix_parse("192.0.2.200/24", &b);
		CHECK(prefix_equal(&a, &b));
		prefix_parse("192.0.2.0/25", &b);
		CHECK(!prefix_equal(&a, &b));
		prefix_parse("::c000:200/120", &b);
		CHECK(!prefix_equal(&a, &b));
	}
	TEST("prefix_contains and prefix_overlaps") {
		CHECK(cont("192.0.2.0/24", "192.0.2.128/25"));
		CHECK(!cont("192.0.2.128/25", "192.0.2.0/24"));
		CHECK(cont("192.0.2.0/24", "192.0.2.0/24"));
		CHECK(cont("0.0.0.0/0", "203.0.113.9"));
		CHECK(!cont("192.0.2.0/24", "198.51.100.0/24"));
		CHECK(cont("2001:db8::/32", "2001:db8:6401::/48"));
		CHECK(!cont("2001:db8::/32", "2001:db9::/48"));
		CHECK(!cont("::/0", "192.0.2.0/24"));
		CHECK(ovl("192.0.2.0/24", "192.0.2.7"));
		CHECK(ovl("192.0.2.7", "192.0.2.0/24"));
		CHECK(!ovl("192.0.2.0/25", "192.0.2.128/25"));
		CHECK(!ovl("192.0.2.0/24", "2001:db8::/32"));
	}
	TEST("prefix_is_invalid_target: loopback, multicast, broadcast, "
	    "unspecified") {
		CHECK(pfx_invalid("127.0.0.1"));
		CHECK(pfx_invalid("127.0.0.0/8"));
		CHECK(pfx_invalid("127.1.0.0/16"));
		CHECK(pfx_invalid("::1"));
		CHECK(pfx_invalid("224.0.0.0/4"));
		CHECK(pfx_invalid("239.1.2.3"));
		CHECK(pfx_invalid("ff02::1"));
		CHECK(pfx_invalid("ff00::/8"));
		CHECK(pfx_invalid("255.255.255.255"));
		CHECK(pfx_invalid("0.0.0.0"));
		CHECK(pfx_invalid("0.0.0.0/32"));
		CHECK(pfx_invalid("::"));
		CHECK(pfx_invalid("::/128"));
	}
	TEST("prefix_is_invalid_target: ordinary and default-route prefixes "
	    "are valid") {
		CHECK(!pfx_invalid("192.0.2.0/24"));
		CHECK(!pfx_invalid("2001:db8:6401::1"));
		CHECK(!pfx_invalid("0.0.0.0/0"));
		CHECK(!pfx_invalid("::/0"));
		CHECK(!pfx_invalid("128.0.0.0/1"));
		CHECK(!pfx_invalid("255.255.255.254"));
		CHECK(!pfx_invalid("::2"));
	}
	TEST("port ranges: valid, contains, overlaps") {
		struct port_range a = { 80, 80 }, b = { 1, 1024 },
		    c = { 1025, 2000 }, bad = { 10, 9 };

		CHECK(port_range_valid(&a));
		CHECK(!port_range_valid(&bad));
		CHECK(port_range_contains(&b, &a));
		CHECK(!port_range_contains(&a, &b));
		CHECK(port_range_overlaps(&a, &b));
		CHECK(!port_range_overlaps(&b, &c));
		CHECK(port_range_overlaps(&(struct port_range){ 1024, 1025 },
		    &c));
	}
	return UNIT_EXIT();
}
