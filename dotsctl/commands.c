/*
 * dotsctl's requests: Uri-Paths, bodies from flags or files, one function
 * per command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_json.h"
#include "dotsctl/dotsctl.h"

/* ---- request construction -------------------------------------------- */

static void
path_mitigate(struct ctl *c, struct dc_req *q, bool has_mid, uint32_t mid,
    char *cuidseg, char *cdidseg, char *midseg, size_t seglen)
{
	q->npath = 0;
	q->path[q->npath++] = ".well-known";
	q->path[q->npath++] = "dots";
	q->path[q->npath++] = "mitigate";
	if (c->cdid != NULL) {
		snprintf(cdidseg, seglen, "cdid=%s", c->cdid);
		q->path[q->npath++] = cdidseg;
	}
	snprintf(cuidseg, seglen, "cuid=%s", c->cuid);
	q->path[q->npath++] = cuidseg;
	if (has_mid) {
		snprintf(midseg, seglen, "mid=%u", mid);
		q->path[q->npath++] = midseg;
	}
}

static void
read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL, *nb;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		usage_err("%s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 24) || (nb = realloc(b, cap)) == NULL)
				usage_err("%s: too large", path);
			b = nb;
		}
		if ((r = fread(b + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	fclose(f);
	*buf = b;
	*len = n;
}

static void
body_encode(struct body *b, json_t *root)
{
	struct dots_err err = { 0, "" };

	if (dots_json_to_cbor(root, &b->buf, &b->len, &err) == -1)
		usage_err("cannot encode the body: %s", err.msg);
}

static void
body_from_file(struct body *b)
{
	json_error_t je;
	json_t *root;

	if (b->cbor_file != NULL) {
		read_file(b->cbor_file, &b->buf, &b->len);
		return;
	}
	if ((root = json_load_file(b->json_file, 0, &je)) == NULL)
		usage_err("%s:%d: %s", b->json_file, je.line, je.text);
	body_encode(b, root);
	json_decref(root);
}

/* {"ietf-dots-signal-channel:mitigation-scope":{"scope":[SCOPE]}} */
static void
body_mitigation(struct args *a, bool efficacy)
{
	json_t *root, *ms, *arr, *s = scope_of(&a->body);

	/* an efficacy update may leave lifetime out (RFC 9132 Figure 16);
	 * sending one would also refresh it */
	if (!efficacy || (a->seen & SEEN(O_LIFETIME)))
		json_object_set_new(s, "lifetime", json_integer(a->lifetime));
	if (a->no_trigger)
		json_object_set_new(s, "trigger-mitigation", json_false());
	if (efficacy)
		json_object_set_new(s, "attack-status", json_string(a->attack));
	arr = json_array();
	json_array_append(arr, s);
	ms = json_object();
	json_object_set_new(ms, "scope", arr);
	root = json_object();
	json_object_set_new(root, SC "mitigation-scope", ms);
	body_encode(&a->body, root);
	json_decref(root);
}

static void
req_body(struct dc_req *q, struct body *b)
{
	q->payload = b->buf;
	q->len = b->len;
	q->content_format = b->content_format;
}

static void
req_init(struct dc_req *q, coap_pdu_code_t method, bool con)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->con = con;
	q->content_format = -1;
	q->observe = -1;
}

/* ---- commands -------------------------------------------------------- */

static void
need_mid(const struct args *a)
{
	if (!a->has_mid)
		usage_err("%s: --mid N is required", a->cmd);
}

static void
one_body_source(const struct args *a, bool flags)
{
	int n = (a->body.json_file != NULL) + (a->body.cbor_file != NULL) +
	    (flags ? 1 : 0);

	if (n > 1)
		usage_err("%s: give targets, --file or --cbor-file, not "
		    "several", a->cmd);
	if (n == 0)
		usage_err("%s: no target (--prefix, --port, --proto, --fqdn, "
		    "--uri, --alias) and no --file/--cbor-file", a->cmd);
}

void
cmd_mitigate(struct ctl *c, struct args *a, bool efficacy)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;
	uint64_t allowed = SEEN(O_MID) | TARGET_OPTS | BODY_OPTS |
	    SEEN(O_LIFETIME) | SEEN(O_NOTRIGGER);

	if (efficacy)
		allowed |= SEEN(O_ATTACK);
	allow_only(a, allowed);
	need_mid(a);
	one_body_source(a, a->body.scope != NULL);
	if (efficacy && a->attack == NULL && a->body.scope != NULL)
		usage_err("efficacy: --attack-status is required");
	if (a->body.scope != NULL)
		body_mitigation(a, efficacy);
	else {
		if (a->seen & (SEEN(O_LIFETIME) | SEEN(O_NOTRIGGER)))
			usage_err("%s: --lifetime/--no-trigger go with target "
			    "options, not with a file", a->cmd);
		body_from_file(&a->body);
	}
	req_init(&q, COAP_REQUEST_CODE_PUT, c->con);
	path_mitigate(c, &q, true, a->mid, s1, s2, s3, sizeof(s1));
	req_body(&q, &a->body);
	q.if_match = efficacy;
	run_request(c, &q);
}

static int
notify_cb(void *arg, const struct dc_resp *r)
{
	print_resp(arg, r, true);
	return 0;
}

void
cmd_get(struct ctl *c, struct args *a)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;
	int st;

	allow_only(a, SEEN(O_MID) | SEEN(O_OBSERVE) | SEEN(O_COUNT) |
	    SEEN(O_INTERVAL) | BODY_OPTS);
	req_init(&q, COAP_REQUEST_CODE_GET, c->con);
	path_mitigate(c, &q, a->has_mid, a->mid, s1, s2, s3, sizeof(s1));
	/* A body on GET only for interop tests (an empty non-CBOR one). */
	if (a->body.json_file != NULL || a->body.cbor_file != NULL)
		body_from_file(&a->body);
	if (a->seen & (BODY_OPTS))
		req_body(&q, &a->body);
	if (!(a->seen & SEEN(O_OBSERVE))) {
		for (unsigned i = 0; i < a->count; i++) {
			if (i > 0 && (a->seen & SEEN(O_INTERVAL)))
				dc_wait(c->dc, a->interval * 1000);
			run_request(c, &q);
		}
		return;
	}
	c->status = EX_NORESP;
	st = dc_observe(c->dc, &q, c->timeout * 1000, a->observe * 1000,
	    notify_cb, c);
	if (st != DC_OK)
		report_failure(c, st);
}

void
cmd_withdraw(struct ctl *c, struct args *a)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;

	allow_only(a, SEEN(O_MID));
	req_init(&q, COAP_REQUEST_CODE_DELETE, c->con);
	/* --mid is required; tests send a DELETE without it via coap-client. */
	need_mid(a);
	path_mitigate(c, &q, true, a->mid, s1, s2, s3, sizeof(s1));
	run_request(c, &q);
}

static void
path_config(struct dc_req *q, const struct args *a, char *sidseg, size_t n)
{
	q->npath = 0;
	q->path[q->npath++] = ".well-known";
	q->path[q->npath++] = "dots";
	q->path[q->npath++] = "config";
	if (a->has_sid) {
		snprintf(sidseg, n, "sid=%u", a->sid);
		q->path[q->npath++] = sidseg;
	}
}

void
cmd_config(struct ctl *c, struct args *a, const char *sub)
{
	char sidseg[32];
	struct dc_req q;
	json_t *root, *sc;

	if (strcmp(sub, "get") == 0) {
		allow_only(a, SEEN(O_SID));
		req_init(&q, COAP_REQUEST_CODE_GET, true);
	} else if (strcmp(sub, "delete") == 0) {
		allow_only(a, SEEN(O_SID));
		req_init(&q, COAP_REQUEST_CODE_DELETE, true);
	} else if (strcmp(sub, "put") == 0) {
		allow_only(a, SEEN(O_SID) | CFG_OPTS | BODY_OPTS |
		    SEEN(O_IDLE) | SEEN(O_MITIGATING));
		if (!a->has_sid)
			usage_err("config put: --sid N is required");
		one_body_source(a, a->cfg != NULL);
		if (a->cfg != NULL) {
			sc = json_object();
			if (a->mitigating || !a->idle)
				json_object_set(sc, "mitigating-config", a->cfg);
			if (a->idle || !a->mitigating)
				json_object_set(sc, "idle-config", a->cfg);
			root = json_object();
			json_object_set_new(root, SC "signal-config", sc);
			body_encode(&a->body, root);
			json_decref(root);
		} else
			body_from_file(&a->body);
		req_init(&q, COAP_REQUEST_CODE_PUT, true);
		req_body(&q, &a->body);
	} else
		usage_err("config: want get, put or delete, not '%s'", sub);
	path_config(&q, a, sidseg, sizeof(sidseg));
	run_request(c, &q);
}

void
cmd_hb(struct ctl *c, struct args *a)
{
	struct dc_req q;
	json_t *root, *hb;

	allow_only(a, SEEN(O_COUNT) | SEEN(O_INTERVAL) | SEEN(O_PEERHB) |
	    BODY_OPTS);
	if (a->body.json_file != NULL || a->body.cbor_file != NULL)
		body_from_file(&a->body);
	else {
		hb = json_object();
		json_object_set_new(hb, "peer-hb-status",
		    json_boolean(a->peer_hb));
		root = json_object();
		json_object_set_new(root, SC "heartbeat", hb);
		body_encode(&a->body, root);
		json_decref(root);
	}
	req_init(&q, COAP_REQUEST_CODE_PUT, false);
	q.npath = 3;
	q.path[0] = ".well-known";
	q.path[1] = "dots";
	q.path[2] = "hb";
	req_body(&q, &a->body);
	for (unsigned i = 0; i < a->count; i++) {
		if (i > 0)	/* keep answering server heartbeats */
			dc_wait(c->dc, a->interval * 1000);
		run_request(c, &q);
		if (c->status == EX_NORESP && !dc_established(c->dc))
			break;
	}
	if (dc_established(c->dc))
		fprintf(stderr, "dotsctl: answered %u heartbeat(s) from the "
		    "server\n", dc_heartbeats_received(c->dc));
}

/* .well-known/dots/register: the dotsgw orchestrator extension. */
void
cmd_register(struct ctl *c, struct args *a, const char *sub)
{
	struct dc_req q;

	allow_only(a, BODY_OPTS);
	if (strcmp(sub, "put") == 0) {
		if (a->body.json_file == NULL && a->body.cbor_file == NULL)
			usage_err("register put: --file F or --cbor-file F");
		body_from_file(&a->body);
		req_init(&q, COAP_REQUEST_CODE_PUT, true);
		req_body(&q, &a->body);
	} else {
		if (a->body.json_file != NULL || a->body.cbor_file != NULL)
			usage_err("register %s takes no body", sub);
		req_init(&q, strcmp(sub, "get") == 0 ? COAP_REQUEST_CODE_GET :
		    COAP_REQUEST_CODE_DELETE, true);
	}
	q.npath = 3;
	q.path[0] = ".well-known";
	q.path[1] = "dots";
	q.path[2] = "register";
	run_request(c, &q);
}
