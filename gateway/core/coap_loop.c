#include <stdlib.h>

#include "gateway/core/coap_loop.h"
#include "common/log.h"

struct coap_loop {
	coap_context_t	*ctx;
	struct event	*ev;
};

static void
coap_loop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coap_loop *l = arg;

	if (coap_io_process(l->ctx, COAP_IO_NO_WAIT) < 0)
		log_warnx("coap_io_process failed");
}

struct coap_loop *
coap_loop_attach(struct event_base *base, coap_context_t *ctx)
{
	struct coap_loop *l;
	int fd;

	if ((fd = coap_context_get_coap_fd(ctx)) < 0)
		return NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->ctx = ctx;
	l->ev = event_new(base, fd, EV_READ | EV_PERSIST, coap_loop_cb, l);
	if (l->ev == NULL || event_add(l->ev, NULL) == -1) {
		if (l->ev != NULL)
			event_free(l->ev);
		free(l);
		return NULL;
	}
	coap_loop_kick(l);
	return l;
}

void
coap_loop_kick(struct coap_loop *l)
{
	event_active(l->ev, EV_READ, 0);
}

void
coap_loop_detach(struct coap_loop *l)
{
	if (l == NULL)
		return;
	event_free(l->ev);
	free(l);
}
