/*
 * dotsctl's answers: "<code> <reason>" and the body as JSON or text, or
 * one JSON object per line (--json); the exit status follows the code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_json.h"
#include "dotsctl/dotsctl.h"

static json_t *
resp_body(const struct dc_resp *r, char *why, size_t whylen)
{
	struct dots_err err = { 0, "" };
	json_t *j;

	if (r->len == 0)
		return NULL;
	if (r->code / 100 != 2 && r->content_format != 271 &&
	    r->code != 409 && r->code != 503)
		return NULL;
	if ((j = dots_cbor_to_json(r->payload, r->len, &err)) == NULL)
		snprintf(why, whylen, "%s", err.msg);
	return j;
}

static char *
hexdump(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

static bool
is_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

void
print_resp(struct ctl *c, const struct dc_resp *r, bool notification)
{
	char code[16], why[DOTS_ERR_MSGLEN] = "";
	json_t *body = resp_body(r, why, sizeof(why)), *o;
	char *s, *hex = NULL;

	dc_code_str(r->code, code, sizeof(code));
	c->status = r->code / 100 == 2 ? EX_RESP_OK : EX_RESP_ERR;
	if (body == NULL && r->len > 0 && !is_text(r->payload, r->len))
		hex = hexdump(r->payload, r->len);
	if (c->json) {
		o = json_object();
		json_object_set_new(o, "code", json_string(code));
		if (notification && r->has_observe)
			json_object_set_new(o, "observe",
			    json_integer(r->observe));
		if (r->has_max_age)
			json_object_set_new(o, "max-age",
			    json_integer(r->max_age));
		if (body != NULL)
			json_object_set(o, "body", body);
		else if (hex != NULL) {
			json_object_set_new(o, "raw", json_string(hex));
			if (why[0] != '\0')
				json_object_set_new(o, "error",
				    json_string(why));
		} else if (r->len > 0)
			json_object_set_new(o, "diagnostic",
			    json_stringn((const char *)r->payload, r->len));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENSURE_ASCII);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%s %s\n", code, dc_code_reason(r->code));
		if (notification && r->has_observe)
			printf("Observe: %u\n", r->observe);
		if (body != NULL) {
			s = json_dumps(body, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			printf("%s\n", s ? s : "");
			free(s);
		} else if (hex != NULL)
			printf("(%zu bytes, %s) %s\n", r->len,
			    why[0] ? why : "binary", hex);
		else if (r->len > 0)
			printf("%.*s\n", (int)r->len, (const char *)r->payload);
	}
	fflush(stdout);
	free(hex);
	json_decref(body);
}

void
report_failure(struct ctl *c, int st)
{
	const char *e = c->dc ? dc_error(c->dc) : "";

	c->status = EX_NORESP;
	if (st == DC_HANDSHAKE)
		fprintf(stderr, "dotsctl: %s: handshake failed%s%s\n",
		    c->o.uri, e[0] && strcmp(e, "handshake failed") ? ": " : "",
		    e[0] && strcmp(e, "handshake failed") ? e : "");
	else if (st == DC_TIMEOUT)
		fprintf(stderr, "dotsctl: no response from %s within %u s\n",
		    c->o.uri, c->timeout);
	else
		fprintf(stderr, "dotsctl: %s: %s\n", c->o.uri,
		    e[0] ? e : "request failed");
}

void
run_request(struct ctl *c, struct dc_req *q)
{
	struct dc_resp r;
	int st;

	st = dc_request(c->dc, q, c->timeout * 1000, &r);
	/* a cluster: the same request to the next node (PUT and DELETE
	 * are idempotent in RFC 9132) */
	while ((st == DC_HANDSHAKE || st == DC_TIMEOUT) &&
	    c->cur_server + 1 < c->n_servers) {
		report_failure(c, st);
		if (ctl_next_server(c) == -1)
			return;
		fprintf(stderr, "dotsctl: trying %s\n", c->o.uri);
		st = dc_request(c->dc, q, c->timeout * 1000, &r);
	}
	if (st != DC_OK) {
		report_failure(c, st);
		return;
	}
	print_resp(c, &r, false);
	dc_resp_free(&r);
}
