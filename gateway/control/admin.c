#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "common/conf.h"
#include "common/log.h"
#include "gateway/control/admin.h"
#include "gateway/control/ctl_sock.h"
#include "gateway/gw.h"
#include "gateway/control/metrics.h"
#include "gateway/control/reload.h"
#include "gateway/control/status.h"
#include "gateway/control/usage_cmd.h"

#define ADMIN_MAX_BODY	4096	/* nothing we take has a body of its own */

struct admin {
	struct gw	*gw;
	struct evhttp	*http;		/* NULL: no HTTP endpoint */
	struct ctl_server *ctl;		/* the control sockets */
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

/* /status and /reload were here: they moved to the control socket, which
 * only the configured group can open (customers' mitigations are in the
 * status; a reload is an operator's act). */
static void
on_moved(struct evhttp_request *req, void *arg)
{
	reply_text(req, 404, "Not Found", "status and reload are on the "
	    "control socket now (dotsctl status, dotsctl reload; control: "
	    "in dotsgw.yaml); this endpoint serves GET /metrics only\n");
}

static void
on_other(struct evhttp_request *req, void *arg)
{
	reply_text(req, 404, "Not Found", "admin endpoint: GET /metrics\n");
}

/* The control sockets' view of the daemon (ctl_sock.h). */
static char *
ctl_status(void *arg, size_t *len)
{
	struct gw *gw = arg;
	json_t *j = status_json(gw);
	char *s = j != NULL ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) :
	    NULL;

	json_decref(j);
	if (s != NULL)
		*len = strlen(s);
	return s;
}

static int
ctl_reload(void *arg, char *msg, size_t msglen)
{
	return gw_reload(arg, msg, msglen);
}

static int
http_start(struct admin *a, const struct conf_admin *c)
{
	if ((a->http = evhttp_new(a->gw->base)) == NULL)
		return -1;
	evhttp_set_max_body_size(a->http, ADMIN_MAX_BODY);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
	evhttp_set_timeout(a->http, 10);
	evhttp_set_cb(a->http, "/metrics", on_metrics, a);
	evhttp_set_cb(a->http, "/status", on_moved, a);
	evhttp_set_cb(a->http, "/reload", on_moved, a);
	evhttp_set_gencb(a->http, on_other, a);
	if (evhttp_bind_socket(a->http, c->address, c->port) != 0) {
		log_warn("admin: cannot listen on %s port %u", c->address,
		    c->port);
		return -1;
	}
	if (c->allow_remote)
		log_warnx("admin: listening on http://%s:%u (allow-remote: "
		    "no authentication; /metrics only)", c->address, c->port);
	else
		log_info("admin: listening on http://%s:%u (/metrics)",
		    c->address, c->port);
	return 0;
}

int
admin_start(struct gw *gw)
{
	const struct ctl_handlers h = { ctl_status, ctl_reload, gw,
	    usage_cmd_json };
	char err[512];
	struct admin *a;

	gw->admin = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return -1;
	a->gw = gw;
	if ((a->ctl = ctl_server_new(gw->base, &gw->conf->control, &h, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		admin_free(a);
		return -1;
	}
	if (gw->conf->admin.port != 0 &&
	    http_start(a, &gw->conf->admin) == -1) {
		admin_free(a);
		return -1;
	}
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
	ctl_server_free(a->ctl);
	free(a);
}
