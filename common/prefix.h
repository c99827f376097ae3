/*
 * IP prefixes and port ranges: parsing, formatting, containment, overlap.
 * Pure functions, no allocation, no logging.
 */
#ifndef DOTSGW_PREFIX_H
#define DOTSGW_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PREFIX_STRLEN 50	/* "ffff:...:ffff/128" plus NUL, rounded up */

struct prefix {
	uint8_t	family;		/* AF_INET or AF_INET6 */
	uint8_t	len;		/* prefix length in bits */
	uint8_t	addr[16];	/* network order; bits past len are zero */
};

struct port_range {
	uint16_t lower;
	uint16_t upper;		/* == lower for a single port */
};

/*
 * Parse "192.0.2.0/24" or "2001:db8::/32". A bare address is a host prefix
 * (/32 or /128). Host bits past the length are cleared. Returns 0, or -1 on
 * a malformed string or a length beyond the family's maximum.
 */
int	prefix_parse(const char *s, struct prefix *p);

/* Canonical text form into buf (at least PREFIX_STRLEN bytes). Returns buf. */
char	*prefix_format(const struct prefix *p, char *buf, size_t len);

/* Parse a bare IP address (no "/len") into a host prefix. 0 or -1. */
int	prefix_parse_addr(const char *s, struct prefix *p);

bool	prefix_equal(const struct prefix *a, const struct prefix *b);
/* Every address of inner lies inside outer (same family). */
bool	prefix_contains(const struct prefix *outer, const struct prefix *inner);
/* The two prefixes share at least one address. */
bool	prefix_overlaps(const struct prefix *a, const struct prefix *b);
/*
 * A prefix that must never be a mitigation target (RFC 9132 §4.4.1.2):
 * loopback, multicast, IPv4 limited broadcast, unspecified. Returns true
 * and points *why at a short reason when it is one.
 */
bool	prefix_is_invalid_target(const struct prefix *p, const char **why);

bool	port_range_valid(const struct port_range *r);	/* lower <= upper */
bool	port_range_contains(const struct port_range *outer,
	    const struct port_range *inner);
bool	port_range_overlaps(const struct port_range *a,
	    const struct port_range *b);

#endif
