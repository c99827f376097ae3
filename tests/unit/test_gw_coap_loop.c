/*
 * gateway/core/coap_loop.c: libcoap 4.3.1 driven from libevent without its
 * walk over every session on the datagram path (NOTES.md, "libcoap's walk
 * over every session"). A server context on 127.0.0.1 (plain CoAP over
 * UDP: the same endpoint and session code as DTLS, without handshakes) runs
 * in the loop; a client context is driven by hand with coap_io_process().
 *
 * What must stay true: libcoap calls coap_io_prepare_epoll() through its
 * PLT in coap_io_process(), before its epoll_wait() and at the end of
 * coap_io_do_epoll(), so that the loop's definition is the one called
 * (else every datagram walks again, and these counts say so); a burst of datagrams is read in one wakeup and costs one walk; CON
 * requests are still retransmitted on time, and idle server sessions are
 * still reaped, although the walk that does both no longer follows every
 * datagram; and a wakeup returns to the event loop after a bounded number
 * of datagrams however many sockets stay busy (libcoap's own loop in
 * coap_io_process() would drain them all first).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "gateway/core/coap_loop.h"
#include "unit.h"
#include "unit_net.h"

static struct {
	struct event_base	*base;
	coap_context_t		*srv, *cli;
	struct coap_loop	*loop;
	coap_session_t		*cs;		/* client -> server */
	int			 requests, answers, srv_sessions_del;
} T;

static void
on_get(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	T.requests++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
}

static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent, const coap_pdu_t *rcvd,
    const coap_mid_t mid)
{
	T.answers++;
	return COAP_RESPONSE_OK;
}

static int
on_event(coap_session_t *s, const coap_event_t ev)
{
	if (ev == COAP_EVENT_SERVER_SESSION_DEL)
		T.srv_sessions_del++;
	return 0;
}

/* A UDP socket on 127.0.0.1 that never answers, and its port. */
static int
silent_socket(uint16_t *port)
{
	coap_address_t a = loopback(0);
	socklen_t len = sizeof(a.addr.sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || bind(fd, &a.addr.sa, len) == -1 ||
	    getsockname(fd, &a.addr.sa, &len) == -1)
		return -1;
	*port = ntohs(a.addr.sin.sin_port);
	return fd;
}

static int
setup(void)
{
	coap_address_t a = loopback(free_udp_port());
	coap_resource_t *r;

	memset(&T, 0, sizeof(T));
	if (a.addr.sin.sin_port == 0 ||
	    (T.base = event_base_new()) == NULL ||
	    (T.srv = coap_new_context(NULL)) == NULL ||
	    (T.cli = coap_new_context(NULL)) == NULL ||
	    coap_new_endpoint(T.srv, &a, COAP_PROTO_UDP) == NULL)
		return -1;
	/* idle server sessions go after 1 s (default 300) */
	coap_context_set_session_timeout(T.srv, 1);
	coap_register_event_handler(T.srv, on_event);
	r = coap_resource_init(coap_make_str_const("r"), 0);
	coap_register_request_handler(r, COAP_REQUEST_GET, on_get);
	coap_add_resource(T.srv, r);
	coap_register_response_handler(T.cli, on_response);
	if ((T.cs = coap_new_client_session(T.cli, NULL, &a,
	    COAP_PROTO_UDP)) == NULL)
		return -1;
	return (T.loop = coap_loop_attach(T.base, T.srv)) == NULL ? -1 : 0;
}

static void
send_get(coap_session_t *s, coap_pdu_type_t type)
{
	coap_pdu_t *pdu = coap_new_pdu(type, COAP_REQUEST_CODE_GET, s);
	uint8_t tok[8];
	size_t len;

	coap_session_new_token(s, &len, tok);
	coap_add_token(pdu, len, tok);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 1, (const uint8_t *)"r");
	coap_send(s, pdu);
}

/* The loop and the client, until cond or ms. */
#define RUN_UNTIL(ms, cond) do {					\
	uint64_t end_ = now_ms() + (ms);				\
	while (!(cond) && now_ms() < end_) {				\
		event_base_loop(T.base, EVLOOP_NONBLOCK);		\
		coap_io_process(T.cli, 5);				\
	}								\
} while (0)

/*
 * A CON GET from a client session in the loop's context, sent outside the
 * loop (then a kick, as the gateway does), to a peer that never answers:
 * when its first three copies arrive. With ACK_TIMEOUT 1 s and
 * ACK_RANDOM_FACTOR 1 they are due at 0, 1 and 3 s (RFC 7252 §4.2).
 */
static int
con_sends(uint64_t t[3])
{
	coap_fixed_point_t one = { 1, 0 };
	coap_address_t dst;
	coap_session_t *s;
	uint16_t port;
	int fd, n = 0;

	memset(t, 0, 3 * sizeof(*t));
	if ((fd = silent_socket(&port)) == -1)
		return -1;
	dst = loopback(port);
	if ((s = coap_new_client_session(T.srv, NULL, &dst,
	    COAP_PROTO_UDP)) == NULL) {
		close(fd);
		return -1;
	}
	coap_session_set_ack_timeout(s, one);
	coap_session_set_ack_random_factor(s, one);
	send_get(s, COAP_MESSAGE_CON);
	coap_loop_kick(T.loop);
	for (uint64_t end = now_ms() + 8000; n < 3 && now_ms() < end; ) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[256];

		event_base_loop(T.base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 5) == 1 && recv(fd, buf, sizeof(buf), 0) > 0)
			t[n++] = now_ms();
	}
	coap_session_release(s);
	close(fd);
	return n;
}

/*
 * n NON GETs of /r to a new server endpoint of the loop's context, from a
 * UDP socket of their own, sent before the loop reads any: that socket
 * (open for the server session's life), or -1.
 */
static int
flood_endpoint(int n)
{
	coap_address_t a = loopback(free_udp_port());
	int fd;

	if (a.addr.sin.sin_port == 0 ||
	    coap_new_endpoint(T.srv, &a, COAP_PROTO_UDP) == NULL ||
	    (fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	if (connect(fd, &a.addr.sa, a.size) == -1) {
		close(fd);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		/* CoAP NON, no token, GET, mid i, Uri-Path "r" */
		const uint8_t m[6] = { 0x50, 0x01, (uint8_t)(i >> 8),
		    (uint8_t)i, 0xb1, 'r' };

		if (send(fd, m, sizeof(m), 0) != (ssize_t)sizeof(m)) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

int
main(void)
{
	struct coap_loop_stats a, b;

	coap_startup();
	coap_set_log_level(LOG_EMERG);
	if (setup() == -1) {
		printf("FAIL setup\n");
		return 1;
	}

	TEST("a datagram is handled by coap_io_process without its walks") {
		send_get(T.cs, COAP_MESSAGE_NON);
		RUN_UNTIL(5000, T.answers == 1);
		CHECK(T.requests == 1);
		CHECK(T.answers == 1);
		coap_loop_stats(T.loop, &a);
		/* libcoap called our coap_io_prepare_epoll (its PLT)
		 * before its epoll_wait and at the end of coap_io_do_epoll:
		 * anything else means each datagram walks every session */
		CHECK(a.rounds >= 1);
		CHECK(a.skipped == 2 * a.rounds);
		CHECK(a.walks >= 1);
	}

	TEST("40 datagrams at once: one wakeup, at most one walk") {
		int r0 = T.requests;

		coap_loop_stats(T.loop, &a);
		for (int i = 0; i < 40; i++)
			send_get(T.cs, COAP_MESSAGE_NON);
		event_base_loop(T.base, EVLOOP_ONCE);
		coap_loop_stats(T.loop, &b);
		CHECK(T.requests - r0 == 40);
		CHECK(b.rounds - a.rounds == 40);
		CHECK(b.skipped - a.skipped == 80);
		CHECK(b.walks - a.walks <= 1);
		RUN_UNTIL(5000, T.answers == 41);
		CHECK(T.answers == 41);
	}

	TEST("an idle server session is still reaped") {
		uint64_t t0 = now_ms();

		/* the server session was made by a datagram, whose handling
		 * no longer walks: only a later walk arms its idle timer */
		RUN_UNTIL(10000, T.srv_sessions_del > 0);
		CHECK(T.srv_sessions_del == 1);
		CHECK(now_ms() - t0 < 10000);
	}

	TEST("a CON request is retransmitted on time") {
		uint64_t t[3];

		CHECK(con_sends(t) == 3);
		printf("  sends at +%llu, +%llu ms\n",
		    (unsigned long long)(t[1] - t[0]),
		    (unsigned long long)(t[2] - t[0]));
		CHECK(t[1] - t[0] >= 900 && t[1] - t[0] <= 2500);
		CHECK(t[2] - t[0] >= 2900 && t[2] - t[0] <= 4500);
	}

	TEST("a wakeup over many busy sockets returns to the event loop") {
		enum { EPS = 12, PER = 60 };
		int fd[EPS], r0 = T.requests, one;

		for (int i = 0; i < EPS; i++)
			CHECK((fd[i] = flood_endpoint(PER)) != -1);
		coap_loop_stats(T.loop, &a);
		event_base_loop(T.base, EVLOOP_ONCE);
		coap_loop_stats(T.loop, &b);
		one = T.requests - r0;
		printf("  %d of %d datagrams in one wakeup, %llu passes\n",
		    one, EPS * PER, (unsigned long long)(b.rounds - a.rounds));
		/* a pass reads one datagram from each of at most 9 ready
		 * sockets, and a wakeup makes 64 passes at most: libcoap
		 * asking epoll_wait() again while it gets 10 would read
		 * nearly all 720 in the first */
		CHECK(one > 0 && one <= 64 * 9);
		CHECK(b.rounds - a.rounds <= 64);
		RUN_UNTIL(5000, T.requests - r0 == EPS * PER);
		CHECK(T.requests - r0 == EPS * PER);
		for (int i = 0; i < EPS; i++)
			if (fd[i] != -1)
				close(fd[i]);
	}

	coap_loop_detach(T.loop);
	coap_free_context(T.cli);
	coap_free_context(T.srv);
	event_base_free(T.base);
	coap_cleanup();
	return UNIT_EXIT();
}
