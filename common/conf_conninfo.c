#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/conf.h"

/*
 * A libpq conninfo with its password hidden, for printing and logging.
 * Both of libpq's forms: "key=value key='quoted \' value'" and
 * postgresql://user:password@host/db?password=... . What is not a
 * password is copied as it is.
 */

#define REDACTED	"<redacted>"

struct out {
	char	*buf;
	size_t	 len, off;
};

static void
put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->off + 1 < o->len; i++)
		o->buf[o->off++] = s[i];
	if (o->len > 0)
		o->buf[o->off < o->len ? o->off : o->len - 1] = '\0';
}

static void
redact_uri(const char *s, struct out *o)
{
	const char *p = strstr(s, "://") + 3;
	const char *end = p + strcspn(p, "/?");
	const char *at = NULL, *colon;

	/* userinfo ends at the last '@' of the authority */
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			at = q;
	put(o, s, (size_t)(p - s));
	if (at != NULL && (colon = memchr(p, ':', (size_t)(at - p))) != NULL) {
		put(o, p, (size_t)(colon - p) + 1);
		put(o, REDACTED, strlen(REDACTED));
		p = at;
	}
	/* the query: password=... up to the next '&' */
	while (*p != '\0') {
		size_t n = strcspn(p, "?&");

		put(o, p, n);
		p += n;
		if (*p == '\0')
			break;
		put(o, p, 1);
		p++;
		if (strncmp(p, "password=", 9) == 0) {
			put(o, p, 9);
			put(o, REDACTED, strlen(REDACTED));
			p += 9 + strcspn(p + 9, "&");
		}
	}
}

static void
redact_kv(const char *s, struct out *o)
{
	const char *p = s;

	while (*p != '\0') {
		const char *k, *v;
		size_t klen;
		bool pw;

		while (isspace((unsigned char)*p))
			put(o, p++, 1);
		k = p;
		while (*p != '\0' && *p != '=' && !isspace((unsigned char)*p))
			p++;
		klen = (size_t)(p - k);
		pw = klen == 8 && strncmp(k, "password", 8) == 0;
		put(o, k, klen);
		while (isspace((unsigned char)*p))
			put(o, p++, 1);
		if (*p != '=')
			continue;	/* libpq refuses it; shown as it is */
		put(o, p++, 1);
		while (isspace((unsigned char)*p))
			put(o, p++, 1);
		v = p;
		if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\''; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\'')
				p++;
		} else
			while (*p != '\0' && !isspace((unsigned char)*p))
				p++;
		if (pw)
			put(o, REDACTED, strlen(REDACTED));
		else
			put(o, v, (size_t)(p - v));
	}
}

void
conf_conninfo_redact(const char *conninfo, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (len == 0)
		return;
	buf[0] = '\0';
	if (strncmp(conninfo, "postgresql://", 13) == 0 ||
	    strncmp(conninfo, "postgres://", 11) == 0)
		redact_uri(conninfo, &o);
	else
		redact_kv(conninfo, &o);
}
