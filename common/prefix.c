/*
 * IP prefixes and port ranges. inet_pton/inet_ntop do the address syntax;
 * everything else is bit arithmetic on the network-order bytes.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "prefix.h"

static unsigned
family_bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* Zero every bit past len so equal prefixes compare equal bytewise. */
static void
clear_host_bits(struct prefix *p)
{
	unsigned i, bits = family_bits(p->family);

	for (i = p->len; i < bits; i++)
		p->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	if (p->family == AF_INET)
		memset(p->addr + 4, 0, 12);
}

int
prefix_parse_addr(const char *s, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (s == NULL)
		return -1;
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, p->addr) != 1)
			return -1;
		p->family = AF_INET6;
		p->len = 128;
	} else {
		if (inet_pton(AF_INET, s, p->addr) != 1)
			return -1;
		p->family = AF_INET;
		p->len = 32;
	}
	return 0;
}

/* Strict decimal, 1-3 digits: "/", "/+8" and "/ 8" are all malformed. */
static int
parse_len(const char *s, unsigned max, uint8_t *len)
{
	unsigned v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9' || n >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || v > max)
		return -1;
	*len = (uint8_t)v;
	return 0;
}

int
prefix_parse(const char *s, struct prefix *p)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash;
	size_t alen;

	if (s == NULL)
		return -1;
	if ((slash = strchr(s, '/')) == NULL)
		return prefix_parse_addr(s, p);
	alen = (size_t)(slash - s);
	if (alen == 0 || alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (prefix_parse_addr(buf, p) == -1)
		return -1;
	if (parse_len(slash + 1, family_bits(p->family), &p->len) == -1)
		return -1;
	clear_host_bits(p);
	return 0;
}

char *
prefix_format(const struct prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	int af = p->family == AF_INET ? AF_INET : AF_INET6;

	if (len == 0)
		return buf;
	if (inet_ntop(af, p->addr, a, sizeof(a)) == NULL) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, len, "%s/%u", a, (unsigned)p->len);
	return buf;
}

bool
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	    memcmp(a->addr, b->addr, 16) == 0;
}

/* The first n bits of x and y agree. */
static bool
bits_match(const uint8_t *x, const uint8_t *y, unsigned n)
{
	unsigned full = n / 8, rest = n % 8;
	uint8_t mask;

	if (memcmp(x, y, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff00u >> rest);
	return (x[full] & mask) == (y[full] & mask);
}

bool
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	return bits_match(outer->addr, inner->addr, outer->len);
}

bool
prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

static bool
inside(const struct prefix *p, int family, const char *net)
{
	struct prefix n;

	if (p->family != family || prefix_parse(net, &n) == -1)
		return false;
	return prefix_contains(&n, p);
}

bool
prefix_is_invalid_target(const struct prefix *p, const char **why)
{
	static const uint8_t zero[16];
	const char *r = NULL;
	unsigned bits = family_bits(p->family);

	if (p->family != AF_INET && p->family != AF_INET6)
		r = "unknown address family";
	else if (inside(p, AF_INET, "127.0.0.0/8") ||
	    inside(p, AF_INET6, "::1/128"))
		r = "loopback";
	else if (inside(p, AF_INET, "224.0.0.0/4") ||
	    inside(p, AF_INET6, "ff00::/8"))
		r = "multicast";
	else if (inside(p, AF_INET, "255.255.255.255/32"))
		r = "limited broadcast";
	/* 0.0.0.0/0 is "everything", a valid (if broad) target; /32 is not. */
	else if (p->len == bits && memcmp(p->addr, zero, bits / 8) == 0)
		r = "unspecified address";
	if (r != NULL && why != NULL)
		*why = r;
	return r != NULL;
}

bool
port_range_valid(const struct port_range *r)
{
	return r->lower <= r->upper;
}

bool
port_range_contains(const struct port_range *outer,
    const struct port_range *inner)
{
	return outer->lower <= inner->lower && inner->upper <= outer->upper;
}

bool
port_range_overlaps(const struct port_range *a, const struct port_range *b)
{
	return a->lower <= b->upper && b->lower <= a->upper;
}
