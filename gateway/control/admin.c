#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/control/admin.h"
#include "gateway/gw.h"
#include "gateway/control/metrics.h"
#include "gateway/control/reload.h"
#include "gateway/control/status.h"

#define ADMIN_MAX_BODY	4096	/* nothing we take has a body of its own */

struct admin {
	struct gw	*gw;
	struct evhttp	*http;
};

static void
reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", type);
	if (b != NULL)
		evbuffer_add(b, body, len);
	evhttp_send_reply(req, code, reason, b);
	if (b != NULL)
		evbuffer_free(b);
}

static void
reply_text(struct evhttp_request *req, int code, const char *reason,
    const char *text)
{
	reply(req, code, reason, "text/plain; charset=utf-8", text,
	    strlen(text));
}

static void
reply_json(struct evhttp_request *req, int code, const char *reason,
    json_t *j)
{
	char *s = j != NULL ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) :
	    NULL;

	if (s == NULL) {
		reply_text(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	reply(req, code, reason, "application/json", s, strlen(s));
	free(s);
}

static bool
method_is(struct evhttp_request *req, enum evhttp_cmd_type m)
{
	if (evhttp_request_get_command(req) == m)
		return true;
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
	    m == EVHTTP_REQ_GET ? "GET" : "POST");
	reply_text(req, 405, "Method Not Allowed", m == EVHTTP_REQ_GET ?
	    "GET only\n" : "POST only\n");
	return false;
}

static void
on_metrics(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	size_t len;
	char *text;

	if (!method_is(req, EVHTTP_REQ_GET))
		return;
	if ((text = metrics_render(a->gw, &len)) == NULL) {
		reply_text(req, 500, "Internal Server Error", "out of memory\n");
		return;
	}
	reply(req, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
	    text, len);
	free(text);
}

static void
on_status(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	json_t *j;

	if (!method_is(req, EVHTTP_REQ_GET))
		return;
	j = status_json(a->gw);
	reply_json(req, 200, "OK", j);
	json_decref(j);
}

/* POST /reload: as SIGHUP; the answer says what changed, or why not. */
static void
on_reload(struct evhttp_request *req, void *arg)
{
	struct admin *a = arg;
	char msg[CONF_ERRLEN + 64];
	size_t len;

	if (!method_is(req, EVHTTP_REQ_POST))
		return;
	log_info("admin: reload requested");
	if (gw_reload(a->gw, msg, sizeof(msg) - 1) == -1) {
		len = strlen(msg);
		msg[len++] = '\n';
		reply(req, 422, "Unprocessable Entity",
		    "text/plain; charset=utf-8", msg, len);
		return;
	}
	len = strlen(msg);
	msg[len++] = '\n';
	reply(req, 200, "OK", "text/plain; charset=utf-8", msg, len);
}

static void
on_other(struct evhttp_request *req, void *arg)
{
	reply_text(req, 404, "Not Found",
	    "admin endpoint: GET /metrics, GET /status, POST /reload\n");
}

int
admin_start(struct gw *gw)
{
	const struct conf_admin *c = &gw->conf->admin;
	struct admin *a;

	gw->admin = NULL;
	if (c->port == 0)
		return 0;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	a->gw = gw;
	if ((a->http = evhttp_new(gw->base)) == NULL) {
		free(a);
		return -1;
	}
	evhttp_set_max_body_size(a->http, ADMIN_MAX_BODY);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_timeout(a->http, 10);
	evhttp_set_cb(a->http, "/metrics", on_metrics, a);
	evhttp_set_cb(a->http, "/status", on_status, a);
	evhttp_set_cb(a->http, "/reload", on_reload, a);
	evhttp_set_gencb(a->http, on_other, a);
	if (evhttp_bind_socket(a->http, c->address, c->port) != 0) {
		log_warn("admin: cannot listen on %s port %u", c->address,
		    c->port);
		admin_free(a);
		return -1;
	}
	if (c->allow_remote)
		log_warnx("admin: listening on http://%s:%u (allow-remote: "
		    "no authentication)", c->address, c->port);
	else
		log_info("admin: listening on http://%s:%u", c->address,
		    c->port);
	gw->admin = a;
	return 0;
}

void
admin_free(struct admin *a)
{
	if (a == NULL)
		return;
	if (a->http != NULL)
		evhttp_free(a->http);
	free(a);
}
