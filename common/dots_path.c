#include <stdio.h>
#include <string.h>

#include "dots_path.h"

static bool
id_char(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') ||
	    (c != '\0' && strchr("-_.~+=:", c) != NULL);
}

/* "name=value": copy value into out (NUL-terminated) when it matches. */
static int
seg_param(const struct dots_seg *sg, const char *name, char *out,
    size_t outlen, struct dots_err *err)
{
	size_t nlen = strlen(name), vlen;

	if (sg->len <= nlen || memcmp(sg->s, name, nlen) != 0 ||
	    sg->s[nlen] != '=')
		return 0;
	vlen = sg->len - nlen - 1;
	if (vlen == 0)
		return dots_errf(err, 400, "empty value for Uri-Path '%s'",
		    name);
	if (vlen >= outlen)
		return dots_errf(err, 400, "Uri-Path '%s' value too long",
		    name);
	/*
	 * Identifiers become part of resource paths joined with '/', so only
	 * URI-safe characters: base64url (RFC 9132 cuid), UUIDs and the
	 * like. A '/' in a cuid would alias another client's resource.
	 */
	for (size_t i = 0; i < vlen; i++) {
		uint8_t c = sg->s[nlen + 1 + i];
		if (!id_char(c))
			return dots_errf(err, 400, "Uri-Path '%s' may hold "
			    "only letters, digits and -_.~+=:", name);
	}
	memcpy(out, sg->s + nlen + 1, vlen);
	out[vlen] = '\0';
	return 1;
}

static int
parse_u32(const char *name, const char *s, uint32_t *v, struct dots_err *err)
{
	uint64_t n = 0;

	if (*s == '\0')
		return dots_errf(err, 400, "empty value for Uri-Path '%s'",
		    name);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return dots_errf(err, 400,
			    "Uri-Path '%s' is not a decimal number", name);
		n = n * 10 + (uint64_t)(*s - '0');
		if (n > UINT32_MAX)
			return dots_errf(err, 400,
			    "Uri-Path '%s' exceeds 4294967295", name);
	}
	*v = (uint32_t)n;
	return 0;
}

static bool
seg_is(const struct dots_seg *sg, const char *lit)
{
	return sg->len == strlen(lit) && memcmp(sg->s, lit, sg->len) == 0;
}

static int
parse_mitigate(const struct dots_seg *sg, size_t n, struct dots_path *p,
    struct dots_err *err)
{
	char num[16];
	size_t i = 0;
	int r;

	if (i < n && (r = seg_param(&sg[i], "cdid", p->cdid,
	    sizeof(p->cdid), err)) != 0) {
		if (r < 0)
			return -1;
		i++;
	}
	if (i == n)
		return dots_errf(err, 400, "missing Uri-Path 'cuid'");
	if ((r = seg_param(&sg[i], "cuid", p->cuid, sizeof(p->cuid),
	    err)) <= 0)
		return r < 0 ? -1 : dots_errf(err, 400, "expected Uri-Path "
		    "'cuid=' (cdid, when present, must come first)");
	i++;
	if (i < n) {
		if ((r = seg_param(&sg[i], "mid", num, sizeof(num), err)) <= 0)
			return r < 0 ? -1 : dots_errf(err, 400,
			    "unexpected Uri-Path after cuid (only 'mid=')");
		if (parse_u32("mid", num, &p->mid, err) == -1)
			return -1;
		p->has_mid = true;
		i++;
	}
	if (i < n)
		return dots_errf(err, 400, "unexpected Uri-Path after mid");
	return 0;
}

int
dots_path_parse(const struct dots_seg *sg, size_t n, struct dots_path *p,
    struct dots_err *err)
{
	char num[16];
	int r;

	memset(p, 0, sizeof(*p));
	if (n < 3 || !seg_is(&sg[0], ".well-known") || !seg_is(&sg[1], "dots"))
		return dots_errf(err, 404, "not a DOTS resource");
	if (seg_is(&sg[2], "mitigate")) {
		p->resource = DOTS_RES_MITIGATE;
		return parse_mitigate(sg + 3, n - 3, p, err);
	}
	if (seg_is(&sg[2], "config")) {
		p->resource = DOTS_RES_CONFIG;
		if (n == 3)
			return 0;
		if ((r = seg_param(&sg[3], "sid", num, sizeof(num), err)) <= 0)
			return r < 0 ? -1 : dots_errf(err, 400,
			    "expected Uri-Path 'sid='");
		if (n > 4)
			return dots_errf(err, 400,
			    "unexpected Uri-Path after sid");
		p->has_sid = true;
		return parse_u32("sid", num, &p->sid, err);
	}
	if (seg_is(&sg[2], "hb")) {
		p->resource = DOTS_RES_HB;
		if (n > 3)
			return dots_errf(err, 400, "heartbeats carry no "
			    "cuid, cdid or mid (RFC 9132 §4.7)");
		return 0;
	}
	if (seg_is(&sg[2], "register")) {
		p->resource = DOTS_RES_REGISTER;
		if (n > 3)
			return dots_errf(err, 400, "a registration is the "
			    "peer's own: no Uri-Path after 'register'");
		return 0;
	}
	return dots_errf(err, 404, "not a DOTS resource");
}

int
dots_path_format(const struct dots_path *p, char *buf, size_t len)
{
	static const char *const names[] = { "mitigate", "config", "hb",
	    "register" };
	int n;

	n = snprintf(buf, len, ".well-known/dots/%s", names[p->resource]);
	if (p->cdid[0] != '\0')
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
		    "/cdid=%s", p->cdid);
	if (p->cuid[0] != '\0')
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
		    "/cuid=%s", p->cuid);
	if (p->has_mid)
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
		    "/mid=%u", p->mid);
	if (p->has_sid)
		n += snprintf(buf + n, len > (size_t)n ? len - n : 0,
		    "/sid=%u", p->sid);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
