/*
 * libcoap inside libevent, with libcoap's timer walk kept off the
 * datagram path (NOTES.md, "libcoap's walk over every session").
 *
 * coap_io_process() walks every session of the context twice per call
 * (coap_io_prepare_epoll() before its epoll_wait() and again at the end of
 * coap_io_do_epoll()), and reads one datagram per ready socket: CPU per
 * request grew with the sessions held. Both walks are calls we answer
 * ourselves (coap_io_prepare_epoll() below): inside the loop's
 * coap_io_process() they are skipped, so datagrams are read and handled,
 * and held async answers sent, without them. The walk itself (due
 * retransmissions, notifications, DTLS handshake timers, idle sessions
 * reaped, libcoap's timerfd armed for the next of these) runs when
 * something asked for it: libcoap's timerfd fired (its own next timeout),
 * a kick, or datagrams were handled (a new session needs its timers) --
 * but at most once per WALK_GAP times its own last duration, so that it
 * takes a bounded share of the time however many sessions it walks (and
 * at least once a second when asked, so that libcoap's timers are late
 * by a second at most).
 *
 * coap_io_process() also loops by itself: it asks epoll_wait() for at most
 * COAP_MAX_EPOLL_EVENTS (10) events, and asks again for as long as it got
 * that many. Under a sustained load on many sockets (a wave of handshakes
 * spread over the listen shards) one call ran for seconds, and nothing
 * else of the daemon ran meanwhile: no walk, so libcoap's timers were late
 * by as much; no upstream session, store sync, admin or control socket.
 * Our epoll_wait() (below) gives it one event fewer than it asks for, so
 * it returns after one pass, and coap_loop_cb() decides how many passes a
 * wakeup gets.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <poll.h>
#include <sys/epoll.h>
#include <time.h>

#include "gateway/core/coap_loop.h"
#include "gateway/core/udp_rcvbuf.h"
#include "common/log.h"

#define ROUNDS		64	/* coap_io_process() passes per wakeup */
#define WALK_GAP	49	/* the walk takes <= 1 / (1 + WALK_GAP) */
#define MAX_GAP_US	1000000	/* libcoap's timers late by 1 s at most */

struct coap_loop {
	coap_context_t		*ctx;
	int			 epfd;
	struct event		*ev;		/* epfd readable, or a kick */
	struct event		*walk_ev;	/* a walk the budget deferred */
	bool			 walk_wanted;
	uint64_t		 walk_end_us;	/* the last walk's end */
	uint64_t		 walk_us;	/* and its duration */
	struct coap_loop_stats	 st;
};

typedef unsigned int (*prepare_fn)(coap_context_t *, coap_tick_t);

/*
 * Process-wide because libcoap calls coap_io_prepare_epoll() with the
 * context only: the loop now inside coap_io_process() (one at a time: the
 * loop never nests), and libcoap's own coap_io_prepare_epoll().
 */
static struct coap_loop	*in_io;
static prepare_fn	 libcoap_prepare;

typedef int (*epoll_wait_fn)(int, struct epoll_event *, int, int);

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static prepare_fn
real_prepare(void)
{
	if (libcoap_prepare == NULL &&
	    (libcoap_prepare = (prepare_fn)dlsym(RTLD_NEXT,
	    "coap_io_prepare_epoll")) == NULL)
		fatalx("coap_loop: libcoap's coap_io_prepare_epoll not found");
	return libcoap_prepare;
}

/*
 * Our definition takes the place of libcoap's for every caller, libcoap's
 * own included: libcoap 4.3.1 calls it through its PLT (from
 * coap_io_process_with_fds() and at the end of coap_io_do_epoll()).
 * Inside the loop's coap_io_process() the walk is skipped; everywhere else
 * it is libcoap's.
 * tests/unit/test_gw_coap_loop.c fails if libcoap stops calling it so.
 */
unsigned int
coap_io_prepare_epoll(coap_context_t *ctx, coap_tick_t now)
{
	if (in_io != NULL && in_io->ctx == ctx) {
		in_io->st.skipped++;
		in_io->walk_wanted = true;
		return 0;
	}
	return real_prepare()(ctx, now);
}

/*
 * Every epoll_wait() of the process comes here (libcoap's and libevent's
 * go through their PLTs); only libcoap's inside the loop's
 * coap_io_process() is changed: one event fewer than it asks for, never the
 * full set that makes it ask again. tests/unit/test_gw_coap_loop.c fails if
 * a wakeup over many busy sockets does not return.
 */
int
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	static epoll_wait_fn real;

	if (real == NULL && (real = (epoll_wait_fn)dlsym(RTLD_NEXT,
	    "epoll_wait")) == NULL)
		fatalx("coap_loop: libc's epoll_wait not found");
	if (in_io != NULL && epfd == in_io->epfd && maxevents > 1)
		maxevents--;
	return real(epfd, events, maxevents, timeout);
}

static void
walk(struct coap_loop *l)
{
	uint64_t t0 = mono_us(), t1;
	coap_tick_t now;

	l->walk_wanted = false;
	coap_ticks(&now);
	real_prepare()(l->ctx, now);
	t1 = mono_us();
	l->walk_us = t1 - t0;
	l->walk_end_us = t1;
	l->st.walks++;
}

/* Walk now if the budget allows, else once it does. */
static void
settle(struct coap_loop *l)
{
	uint64_t now, due;
	struct timeval tv;

	if (!l->walk_wanted)
		return;
	now = mono_us();
	due = l->walk_end_us + (WALK_GAP * l->walk_us < MAX_GAP_US ?
	    WALK_GAP * l->walk_us : MAX_GAP_US);
	if (now >= due) {
		walk(l);
		return;
	}
	if (evtimer_pending(l->walk_ev, NULL))
		return;
	l->st.deferred++;
	tv.tv_sec = (time_t)((due - now) / 1000000);
	tv.tv_usec = (suseconds_t)((due - now) % 1000000);
	evtimer_add(l->walk_ev, &tv);
}

static void
walk_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coap_loop *l = arg;

	if (l->walk_wanted)
		walk(l);
}

/*
 * coap_io_process() with both of its walks skipped: epoll_wait(0), one
 * datagram per ready socket (coap_io_do_epoll), then the async answers
 * that are due (coap_check_async, a walk of the held answers only). Again
 * while libcoap's epoll fd has more, up to ROUNDS; then the walk.
 */
static void
coap_loop_cb(evutil_socket_t fd, short what, void *arg)
{
	struct coap_loop *l = arg;
	struct pollfd p = { .fd = l->epfd, .events = POLLIN };
	int round = 0;

	do {
		in_io = l;
		coap_io_process(l->ctx, COAP_IO_NO_WAIT);
		in_io = NULL;
		l->st.rounds++;
	} while (++round < ROUNDS && poll(&p, 1, 0) == 1);
	settle(l);
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
	real_prepare();
	l->ctx = ctx;
	l->epfd = fd;
	l->ev = event_new(base, fd, EV_READ | EV_PERSIST, coap_loop_cb, l);
	l->walk_ev = evtimer_new(base, walk_cb, l);
	if (l->ev == NULL || l->walk_ev == NULL ||
	    event_add(l->ev, NULL) == -1) {
		coap_loop_detach(l);
		return NULL;
	}
	/* its sockets exist by now: endpoints, or the client's sessions */
	if (udp_rcvbuf_grow(fd, UDP_RCVBUF_BYTES) == -1)
		log_debug("coap loop: fdinfo of epoll fd %d unreadable: "
		    "UDP receive buffers left at the default", fd);
	coap_loop_kick(l);
	return l;
}

void
coap_loop_kick(struct coap_loop *l)
{
	l->walk_wanted = true;
	if (in_io != l)
		event_active(l->ev, EV_READ, 0);
}

void
coap_loop_stats(const struct coap_loop *l, struct coap_loop_stats *st)
{
	*st = l->st;
}

void
coap_loop_detach(struct coap_loop *l)
{
	if (l == NULL)
		return;
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->walk_ev != NULL)
		event_free(l->walk_ev);
	free(l);
}
