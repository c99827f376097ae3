/*
 * dotsctl usage [--peer P] [--since T] [--until T] [--json]: dotsgwd's
 * usage accounting (gateway/control/usage_cmd.h) from its control socket,
 * as a table or as the daemon's JSON (filtered by --peer). T is Unix
 * seconds or RFC 3339 (2026-12-05T01:00:00Z, +01:00 offsets, fractions
 * dropped). The daemon sums whole buckets (an hour): those that overlap
 * [since, until).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "dotsctl/ctl_admin.h"
#include "dotsctl/dotsctl.h"

/* Unix seconds or RFC 3339; -1 when it is neither. */
static long long
parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	char *end;
	long long v;
	int sign, hh, mm;

	if (isdigit((unsigned char)s[0]) && strchr(s, '-') == NULL) {
		v = strtoll(s, &end, 10);
		return *end == '\0' && v >= 0 ? v : -1;
	}
	memset(&tm, 0, sizeof(tm));
	if ((p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL &&
	    (p = strptime(s, "%Y-%m-%dt%H:%M:%S", &tm)) == NULL &&
	    (p = strptime(s, "%Y-%m-%d %H:%M:%S", &tm)) == NULL)
		return -1;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	v = (long long)timegm(&tm);
	if (*p == 'Z' || *p == 'z')
		return p[1] == '\0' ? v : -1;
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &hh,
	    &mm) != 2 || strlen(p) != 6 || hh > 23 || mm > 59)
		return -1;
	sign = *p == '+' ? 1 : -1;
	v -= sign * (hh * 3600LL + mm * 60LL);
	return v >= 0 ? v : -1;
}

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void
fmt_time(long long t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", t);
}

static void
print_table(json_t *j, json_t *rows)
{
	char a[32], b[32];
	size_t i;
	json_t *r;

	fmt_time(jint(j, "since"), a, sizeof(a));
	if (jint(j, "until") != 0)
		fmt_time(jint(j, "until"), b, sizeof(b));
	else
		fmt_time(jint(j, "now"), b, sizeof(b));
	printf("usage from %s to %s (%lld s buckets that overlap)\n\n", a, b,
	    jint(j, "bucket-seconds"));
	printf("%-16s %-10s %5s %9s %14s %12s %14s %12s %14s %12s %14s %12s\n",
	    "PEER", "DIRECTION", "EXEC", "MIT-SEC", "ATTACK-BPS", "ATTACK-PPS",
	    "NORMAL-BPS", "NORMAL-PPS", "DROP-BPS", "DROP-PPS",
	    "BYTES-DROPPED", "PKTS-DROPPED");
	json_array_foreach(rows, i, r)
		printf("%-16s %-10s %5lld %9lld %14lld %12lld %14lld %12lld "
		    "%14lld %12lld %14lld %12lld\n",
		    json_string_value(json_object_get(r, "peer")),
		    json_string_value(json_object_get(r, "direction")),
		    jint(r, "executions"), jint(r, "mitigation-seconds"),
		    jint(r, "attack-bps-peak"), jint(r, "attack-pps-peak"),
		    jint(r, "normal-bps-peak"), jint(r, "normal-pps-peak"),
		    jint(r, "dropped-bps-peak"), jint(r, "dropped-pps-peak"),
		    jint(r, "bytes-dropped"), jint(r, "packets-dropped"));
	if (json_array_size(rows) == 0)
		printf("(nothing recorded)\n");
}

int
cmd_usage(struct ctl *c, int argc, char **argv)
{
	const char *peer = NULL, *path;
	long long since = 0, until = 0;
	char req[80], *body;
	json_error_t e;
	json_t *j, *rows, *r;
	size_t i;
	int code;

	for (int k = 1; k < argc; k++) {
		const char *o = argv[k], *v = k + 1 < argc ? argv[k + 1] : NULL;

		if (strcmp(o, "--json") == 0) {
			c->json = true;
			continue;
		}
		if (strcmp(o, "--peer") && strcmp(o, "--since") &&
		    strcmp(o, "--until") && strcmp(o, "--socket"))
			usage_err("usage: unknown option '%s' (--peer P, "
			    "--since T, --until T, --json)", o);
		if (v == NULL)
			usage_err("usage: %s wants a value", o);
		k++;
		if (strcmp(o, "--peer") == 0)
			peer = v;
		else if (strcmp(o, "--socket") == 0)
			c->socket = v;
		else if (strcmp(o, "--since") == 0 &&
		    (since = parse_time(v)) == -1)
			usage_err("usage: --since %s: want Unix seconds or RFC "
			    "3339 (2026-12-05T01:00:00Z)", v);
		else if (strcmp(o, "--until") == 0 &&
		    (until = parse_time(v)) == -1)
			usage_err("usage: --until %s: want Unix seconds or RFC "
			    "3339 (2026-12-05T01:00:00Z)", v);
	}
	if (until != 0 && until <= since)
		usage_err("usage: --until must be after --since");
	path = c->socket ? c->socket : CTL_SOCKET_DEFAULT;
	snprintf(req, sizeof(req), "usage %lld %lld", since, until);
	if (ctl_request(path, req, c->timeout, &code, &body) == -1)
		return 2;
	if (code != 200) {
		fprintf(stderr, "dotsctl: usage: %d: %s", code, body);
		if (body[0] == '\0' || body[strlen(body) - 1] != '\n')
			fputc('\n', stderr);
		free(body);
		return 1;
	}
	j = json_loads(body, 0, &e);
	free(body);
	if (j == NULL || !json_is_array(rows = json_object_get(j, "usage"))) {
		fprintf(stderr, "dotsctl: usage: bad JSON from the daemon\n");
		json_decref(j);
		return 2;
	}
	if (peer != NULL)
		for (i = json_array_size(rows); i-- > 0; ) {
			const char *name;

			r = json_array_get(rows, i);
			name = json_string_value(json_object_get(r, "peer"));
			if (name == NULL || strcmp(name, peer) != 0)
				json_array_remove(rows, i);
		}
	if (c->json) {
		char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else
		print_table(j, rows);
	json_decref(j);
	return 0;
}
