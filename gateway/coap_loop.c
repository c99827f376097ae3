#include <stdbool.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "coap_loop.h"
#include "../common/log.h"

struct coap_loop {
	coap_context_t	*ctx;
	struct event	*ev;
	bool		 running;	/* in coap_loop_cb: a kick is covered */
};

/*
 * libcoap 4.3.1 walks every session of the context to arm its timer
 * (coap_io_prepare_io) at the end of coap_io_do_epoll(), and
 * coap_io_process() walks once more before it: at thousands of DTLS
 * sessions those walks were most of the daemon's CPU (bench/README.md).
 * So the loop reads the ready events itself and hands them to
 * coap_io_do_epoll(), one walk per wakeup; only a wakeup with nothing to
 * read (a kick) runs coap_io_process(). A kick from a handler run in
 * here is what the walk at the end of coap_io_do_epoll() does anyway, so
 * it is not queued.
 */
static void
coap_loop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coap_loop *l = arg;
	struct epoll_event ev[COAP_MAX_EPOLL_EVENTS];
	int n;

	l->running = true;
	if ((n = epoll_wait(fd, ev, COAP_MAX_EPOLL_EVENTS, 0)) > 0)
		coap_io_do_epoll(l->ctx, ev, (size_t)n);
	else if (coap_io_process(l->ctx, COAP_IO_NO_WAIT) < 0)
		log_warnx("coap_io_process failed");
	l->running = false;
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
	if (!l->running)
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
