/*
 * exabgp's text API for the exabgp mitigator back-end (exabgp_cmd.h).
 * Formats seen with exabgp 4.2.21 are in NOTES.md ("exabgp 4.2").
 */
#include <sys/socket.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/mitigator/exabgp_cmd.h"

#define RTBH_V6_NEXT_HOP "100::1"	/* RFC 6666 discard-only prefix */

/* An append-only line: off grows past len on overflow, never writes
 * there; the caller checks it once at the end. */
struct line {
	char	*buf;
	size_t	 len, off;
};

static void put(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + (l->off < l->len ? l->off : l->len),
	    l->off < l->len ? l->len - l->off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->off += (size_t)n;
}

/* " name [ =a >=b&<=c ]" — exabgp's numeric operators (RFC 8955 4.2.1) */
static void
put_ranges(struct line *l, const char *name, const unsigned *lo,
    const unsigned *hi, size_t n)
{
	if (n == 0)
		return;
	put(l, " %s [", name);
	for (size_t i = 0; i < n; i++) {
		if (lo[i] == hi[i])
			put(l, " =%u", lo[i]);
		else
			put(l, " >=%u&<=%u", lo[i], hi[i]);
	}
	put(l, " ]");
}

static void
put_ports(struct line *l, const char *name, const struct port_range *r,
    size_t n)
{
	unsigned lo[POL_RULE_MAX_TERMS], hi[POL_RULE_MAX_TERMS];

	for (size_t i = 0; i < n; i++) {
		lo[i] = r[i].lower;
		hi[i] = r[i].upper;
	}
	put_ranges(l, name, lo, hi, n);
}

size_t
exa_rule_cmd(const struct pol_rule *r, bool add,
    const struct conf_mitigator *mc, uint32_t owner, uint32_t mid, char *buf,
    size_t len)
{
	struct line l = { buf, len, 0 };
	unsigned lo[POL_RULE_MAX_TERMS], hi[POL_RULE_MAX_TERMS];
	char p[PREFIX_STRLEN];
	bool v6 = r->dst.family != AF_INET;

	if (r->action == CONF_ACT_RTBH) {
		put(&l, "%s route %s", add ? "announce" : "withdraw",
		    prefix_format(&r->dst, p, sizeof(p)));
		if (add)
			put(&l, " next-hop %s community [ 65535:666 %u:%u ] "
			    "large-community [ %u:%" PRIu32 ":%" PRIu32 " ]",
			    v6 ? RTBH_V6_NEXT_HOP : mc->rtbh_next_hop,
			    mc->community_asn, mc->community_value,
			    mc->community_asn, owner, mid);
		put(&l, "\n");
		return l.off < len ? l.off : 0;
	}
	/* exabgp's one-line flow syntax: its parser costs ~17% less than
	 * with the { match { } then { } } blocks (NOTES.md) */
	put(&l, "%s flow route destination %s", add ? "announce" : "withdraw",
	    prefix_format(&r->dst, p, sizeof(p)));
	if (r->has_src)
		put(&l, " source %s", prefix_format(&r->src, p, sizeof(p)));
	for (size_t i = 0; i < r->n_proto; i++)
		lo[i] = hi[i] = r->proto[i];
	put_ranges(&l, "protocol", lo, hi, r->n_proto);
	put_ports(&l, "destination-port", r->dport, r->n_dport);
	put_ports(&l, "source-port", r->sport, r->n_sport);
	for (size_t i = 0; i < r->n_icmp; i++) {
		lo[i] = r->icmp[i].lower;
		hi[i] = r->icmp[i].upper;
	}
	put_ranges(&l, "icmp-type", lo, hi, r->n_icmp);
	if (add) {
		if (r->action == CONF_ACT_RATE_LIMIT)
			put(&l, " rate-limit %" PRIu64, r->rate);
		else
			put(&l, " discard");
		put(&l, " community [ %u:%u ] large-community [ %u:%" PRIu32
		    ":%" PRIu32 " ]", mc->community_asn, mc->community_value,
		    mc->community_asn, owner, mid);
	}
	put(&l, "\n");
	return l.off < len ? l.off : 0;
}

/* ---- the listing ----------------------------------------------------- */

/* Words that start a path attribute in exabgp's route text: the NLRI
 * ends before the first of them. */
static const char *const attr_words[] = {
	"next-hop", "origin", "as-path", "med", "local-preference",
	"atomic-aggregate", "aggregator", "community", "extended-community",
	"large-community", "originator-id", "cluster-list", "aigp",
	"attribute", "path-information", "label", "rd", "bgp-prefix-sid",
	"split", "watchdog", "withdraw", "name", NULL
};

static bool
is_attr(const char *w)
{
	for (const char *const *a = attr_words; *a != NULL; a++)
		if (strcmp(w, *a) == 0)
			return true;
	return false;
}

#define EXA_WORDS_MAX	512

/* Split s in place at spaces; the number of words. */
static size_t
split(char *s, char **w, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *t = strtok_r(s, " ", &save); t != NULL && n < max;
	    t = strtok_r(NULL, " ", &save))
		w[n++] = t;
	return n;
}

/* The values of attribute name ("X" or "[ X Y ]") from word i; calls fn
 * on each. */
static void
values(char **w, size_t n, const char *name,
    void (*fn)(const char *, void *), void *arg)
{
	for (size_t i = 0; i + 1 < n; i++) {
		if (strcmp(w[i], name) != 0)
			continue;
		if (strcmp(w[i + 1], "[") != 0) {
			fn(w[i + 1], arg);
			return;
		}
		for (size_t k = i + 2; k < n && strcmp(w[k], "]") != 0; k++)
			fn(w[k], arg);
		return;
	}
}

struct tags {
	uint32_t	 marker;
	unsigned	 asn;
	struct exa_route *rt;
};

static void
community(const char *v, void *arg)
{
	struct tags *t = arg;
	unsigned a, b;
	char c;

	if (sscanf(v, "%u:%u%c", &a, &b, &c) == 2 && a <= 65535 &&
	    b <= 65535 && (a << 16 | b) == t->marker)
		t->rt->marked = true;
}

static void
large(const char *v, void *arg)
{
	struct tags *t = arg;
	uint32_t a, o, m;
	char c;

	if (sscanf(v, "%" SCNu32 ":%" SCNu32 ":%" SCNu32 "%c", &a, &o, &m,
	    &c) == 3 && a == t->asn) {
		t->rt->tagged = true;
		t->rt->owner = o;
		t->rt->mid = m;
	}
}

int
exa_parse_route(const char *line, uint32_t marker, unsigned asn,
    struct exa_route *rt)
{
	char copy[4096], *w[EXA_WORDS_MAX];
	struct tags t = { marker, asn, rt };
	size_t n, i, first, end, off = 0;

	if (strlen(line) >= sizeof(copy))
		return -1;
	memset(rt, 0, sizeof(*rt));
	strcpy(copy, line);
	n = split(copy, w, EXA_WORDS_MAX);
	if (n < 2 || strcmp(w[0], "neighbor") != 0)
		return -1;
	/* the family words follow the neighbor's description, whose own
	 * words never pair like this ("family-allowed in-open" or
	 * "ipv4-unicast/ ...") */
	for (i = 2; i + 1 < n; i++) {
		bool v4 = strcmp(w[i], "ipv4") == 0;

		if (!v4 && strcmp(w[i], "ipv6") != 0)
			continue;
		if (strcmp(w[i + 1], "flow") == 0 && i + 2 < n &&
		    strcmp(w[i + 2], "flow") == 0) {
			rt->family = v4 ? EXA_FLOW4 : EXA_FLOW6;
			break;
		}
		if (strcmp(w[i + 1], "unicast") == 0) {
			rt->family = v4 ? EXA_INET4 : EXA_INET6;
			break;
		}
	}
	if (i + 1 >= n)
		return -1;
	first = i + 2;
	for (end = first; end < n && !is_attr(w[end]); end++)
		;
	if (end == first ||
	    (rt->family >= EXA_INET4 && end != first + 1))
		return -1;
	for (i = first; i < end; i++) {
		int k = snprintf(rt->nlri + off, sizeof(rt->nlri) - off, "%s%s",
		    i > first ? " " : "", w[i]);

		if (k < 0 || (size_t)k >= sizeof(rt->nlri) - off)
			return -1;
		off += (size_t)k;
	}
	values(w + end, n - end, "community", community, &t);
	values(w + end, n - end, "large-community", large, &t);
	return 0;
}

/* The prefix after word name in a flow NLRI ("destination-ipv6
 * 2001:db8::/48/0": exabgp adds the IPv6 offset); false when absent or
 * unreadable. */
static bool
flow_prefix(const char *nlri, const char *name, struct prefix *p)
{
	char want[32], buf[PREFIX_STRLEN + 8], *slash;
	const char *at;
	size_t n;

	snprintf(want, sizeof(want), " %s ", name);
	if ((at = strstr(nlri, want)) == NULL)
		return false;
	at += strlen(want);
	n = strcspn(at, " ");
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, at, n);
	buf[n] = '\0';
	if ((slash = strchr(buf, '/')) != NULL &&
	    (slash = strchr(slash + 1, '/')) != NULL)
		*slash = '\0';		/* the offset, always 0 from us */
	return prefix_parse(buf, p) == 0;
}

bool
exa_route_is_rule(const struct exa_route *rt, const struct pol_rule *r)
{
	bool v6 = r->dst.family != AF_INET;
	struct prefix p;

	if (r->action == CONF_ACT_RTBH)
		return rt->family == (v6 ? EXA_INET6 : EXA_INET4) &&
		    prefix_parse(rt->nlri, &p) == 0 && prefix_equal(&p, &r->dst);
	if (rt->family != (v6 ? EXA_FLOW6 : EXA_FLOW4) ||
	    !flow_prefix(rt->nlri, v6 ? "destination-ipv6" : "destination-ipv4",
	    &p) || !prefix_equal(&p, &r->dst))
		return false;
	if (!flow_prefix(rt->nlri, v6 ? "source-ipv6" : "source-ipv4", &p))
		return !r->has_src;
	return r->has_src && prefix_equal(&p, &r->src);
}

/* Remove exabgp's names for values it has none for ("=unknown icmp type
 * type 128" is "=128") in place. */
static void
unknown_to_number(char *s)
{
	char *u, *p;

	while ((u = strstr(s, "unknown ")) != NULL) {
		for (p = u; (p = strstr(p, " type ")) != NULL; p++)
			if (isdigit((unsigned char)p[6]))
				break;
		if (p == NULL)
			return;
		memmove(u, p + 6, strlen(p + 6) + 1);
	}
}

size_t
exa_withdraw_listed(const struct exa_route *rt, char *buf, size_t len)
{
	struct line l = { buf, len, 0 };
	char nlri[EXA_NLRI_MAX], *w[EXA_WORDS_MAX];
	size_t n;

	if (rt->family >= EXA_INET4) {
		put(&l, "withdraw route %s\n", rt->nlri);
		return l.off < len ? l.off : 0;
	}
	/* "flow destination-ipv4 P source-ipv4 S protocol =udp ..." is
	 * exabgp's one-line flow syntax but for the prefix components'
	 * names */
	snprintf(nlri, sizeof(nlri), "%s", rt->nlri);
	unknown_to_number(nlri);
	n = split(nlri, w, EXA_WORDS_MAX);
	if (n < 2 || strcmp(w[0], "flow") != 0)
		return 0;
	put(&l, "withdraw flow route");
	for (size_t i = 1; i < n; i++) {
		const char *v = w[i];

		if (strncmp(v, "destination-ipv", 15) == 0)
			v = "destination";
		else if (strncmp(v, "source-ipv", 10) == 0)
			v = "source";
		put(&l, " %s", v);
	}
	put(&l, "\n");
	return l.off < len ? l.off : 0;
}
