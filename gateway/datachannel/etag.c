/*
 * Entity tags of the data channel's resources (restconf.h), RFC 8040
 * §3.4.1.2 and RFC 7232 §3.1-3.2. The tag is a 64-bit FNV-1a of the
 * resource's configuration as compact JSON with sorted keys: it changes
 * with what the client put, not with pending-lifetime, and survives a
 * restart (the configuration is stored as it was put).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/datachannel/restconf.h"

void
rc_etag(const json_t *config, char out[24])
{
	uint64_t h = 14695981039346656037ULL;
	char *s;

	out[0] = '\0';
	if (config == NULL ||
	    (s = json_dumps(config, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		return;
	for (const char *p = s; *p != '\0'; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	free(s);
	snprintf(out, 24, "\"%016" PRIx64 "\"", h);
}

/* Does the header's list ("*", or entity tags separated by commas, weak
 * ones compared weakly) name tag? */
static bool
matches(const char *hdr, const char *tag)
{
	const char *p = hdr;
	size_t n = strlen(tag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return tag[0] != '\0';
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (tag[0] != '\0' && strncmp(p, tag, n) == 0 &&
		    (p[n] == '\0' || p[n] == ',' || p[n] == ' ' ||
		    p[n] == '\t'))
			return true;
		while (*p != '\0' && *p != ',')
			p++;
	}
	return false;
}

int
rc_precondition(const struct rc_request *q, const char *etag,
    struct rc_reply *r)
{
	struct dc_err e;
	bool get = strcmp(q->method, "GET") == 0 ||
	    strcmp(q->method, "HEAD") == 0;

	if (q->if_match != NULL && !matches(q->if_match, etag)) {
		dc_errf(&e, 412, "operation-failed", "If-Match: the resource's "
		    "entity tag is %s", etag[0] != '\0' ? etag : "none (it "
		    "does not exist)");
		rc_error(r, &e);
		return -1;
	}
	if (q->if_none_match != NULL && matches(q->if_none_match, etag)) {
		if (get) {
			r->status = 304;
			snprintf(r->etag, sizeof(r->etag), "%s", etag);
			return -1;
		}
		dc_errf(&e, 412, "operation-failed", "If-None-Match: the "
		    "resource exists with entity tag %s", etag);
		rc_error(r, &e);
		return -1;
	}
	return 0;
}
