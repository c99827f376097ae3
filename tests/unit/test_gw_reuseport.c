/*
 * gateway/core/reuseport.c: one UDP listen address as several libcoap
 * endpoints of one context, all bound with SO_REUSEPORT (NOTES.md,
 * "Shards"). A plain CoAP over UDP server (the same endpoint and session
 * code as DTLS, without handshakes) with K endpoints on one port.
 *
 * What must stay true: libcoap binds its endpoint sockets through its PLT,
 * so our bind() gives each SO_REUSEPORT (else the sockets share the port
 * by SO_REUSEADDR only and one of them gets every datagram: the checks of
 * the option, of the spread and of reuseport_count() fail); the kernel
 * spreads sources over the endpoints, and keeps one source on one endpoint
 * (one libcoap session per client, requests all answered); bind() is
 * libc's outside reuseport_endpoints(); nothing that came while the group
 * grew is left where its source no longer goes (it fails without
 * reuseport.c's drain()).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "gateway/core/reuseport.h"
#include "gateway/core/udp_rcvbuf.h"
#include "unit.h"
#include "unit_net.h"

#define K		4
#define SOURCES		64
#define PER_SOURCE	5
#define CLIENTS		16
#define REQS		6
#define RCVBUF		(1024 * 1024)

static struct {
	int	 requests, answers, sessions_new;
} T;

static int
opt(int fd, int name)
{
	int v = -1;
	socklen_t len = sizeof(v);

	(void)getsockopt(fd, SOL_SOCKET, name, &v, &len);
	return v;
}

/* What the kernel grants for RCVBUF: twice min(RCVBUF, rmem_max). */
static int
granted(void)
{
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
	int max = RCVBUF;

	if (f != NULL) {
		if (fscanf(f, "%d", &max) != 1)
			max = RCVBUF;
		fclose(f);
	}
	return 2 * (max < RCVBUF ? max : RCVBUF);
}

/* The UDP sockets of ctx's epoll set bound to port (its endpoints). */
static int
endpoint_fds(coap_context_t *ctx, uint16_t port, int *fds, int max)
{
	char path[64], line[256];
	FILE *f;
	int fd, n = 0;
	coap_address_t a;
	socklen_t len;

	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d",
	    coap_context_get_coap_fd(ctx));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL && n < max) {
		if (sscanf(line, "tfd: %d", &fd) != 1 ||
		    opt(fd, SO_TYPE) != SOCK_DGRAM)
			continue;
		len = sizeof(a.addr);
		if (getsockname(fd, &a.addr.sa, &len) == 0 &&
		    a.addr.sa.sa_family == AF_INET &&
		    ntohs(a.addr.sin.sin_port) == port)
			fds[n++] = fd;
	}
	fclose(f);
	return n;
}

static void
on_get(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	T.requests++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE_CONTENT);
}

/* The soft limit raised to the hard one; room for k above FD_SETSIZE? */
static bool
room_above_fd_setsize(unsigned k)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return false;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	return getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur > FD_SETSIZE + 2 * (rlim_t)k;
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
	if (ev == COAP_EVENT_SERVER_SESSION_NEW)
		T.sessions_new++;
	return 0;
}

static void
send_get(coap_session_t *s)
{
	coap_pdu_t *pdu = coap_new_pdu(COAP_MESSAGE_CON, COAP_REQUEST_CODE_GET,
	    s);
	uint8_t tok[8];
	size_t len;

	coap_session_new_token(s, &len, tok);
	coap_add_token(pdu, len, tok);
	coap_add_option(pdu, COAP_OPTION_URI_PATH, 1, (const uint8_t *)"r");
	coap_send(s, pdu);
}

/*
 * While reuseport_endpoints() makes its endpoints, after the first one:
 * an "x" to that port from each of SOURCES sources (libcoap logs each
 * endpoint it made, and the handler is called then).
 */
static struct {
	uint16_t port;
	int	 src[SOURCES];
	int	 sent;
} G;

static void
send_while_growing(coap_log_t level, const char *msg)
{
	coap_address_t dst = loopback(G.port);

	(void)level;
	if (G.sent > 0 || strncmp(msg, "created ", 8) != 0)
		return;
	for (int i = 0; i < SOURCES; i++)
		if ((G.src[i] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0 &&
		    sendto(G.src[i], "x", 1, 0, &dst.addr.sa, dst.size) == 1)
			G.sent++;
}

/*
 * One datagram from whichever of the n sockets has one, waiting 100 ms at
 * most: its byte (0 when none came), the socket's index and the source's
 * port.
 */
static char
recv_any(const int *fds, int n, int *e, uint16_t *sport)
{
	struct pollfd p[K + 1];
	coap_address_t from;
	socklen_t len = sizeof(from.addr);
	char b[16];

	for (int k = 0; k < n; k++)
		p[k] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
	if (poll(p, (nfds_t)n, 100) <= 0)
		return 0;
	for (*e = 0; *e < n; (*e)++)
		if ((p[*e].revents & POLLIN) && recvfrom(fds[*e], b, sizeof(b),
		    MSG_DONTWAIT, &from.addr.sa, &len) == 1) {
			*sport = ntohs(from.addr.sin.sin_port);
			return b[0];
		}
	return 0;
}

/*
 * Then a "y" from each source, to the whole group: every "x" still queued
 * must sit where its source's "y" does. Without the drop each "x" sits on
 * the first socket, where ~3 sources of 4 no longer go. (An "x" the kernel
 * delivered only after the group was whole is where its "y" is.)
 */
static void
check_growing(const int *fds, int n)
{
	coap_address_t dst = loopback(G.port);
	int x_at[SOURCES], y_at[SOURCES], ys = 0, astray = 0;
	uint16_t sport[SOURCES];

	for (int i = 0; i < SOURCES; i++) {
		coap_address_t a;
		socklen_t len = sizeof(a.addr);

		x_at[i] = y_at[i] = -1;
		CHECK(getsockname(G.src[i], &a.addr.sa, &len) == 0 &&
		    sendto(G.src[i], "y", 1, 0, &dst.addr.sa, dst.size) == 1);
		sport[i] = ntohs(a.addr.sin.sin_port);
	}
	for (uint64_t end = now_ms() + 5000; ys < SOURCES && now_ms() < end; ) {
		uint16_t from;
		int e;
		char b = recv_any(fds, n, &e, &from);

		for (int i = 0; b != 0 && i < SOURCES; i++)
			if (sport[i] == from) {
				ys += b == 'y';
				*(b == 'y' ? &y_at[i] : &x_at[i]) = e;
			}
	}
	CHECK(ys == SOURCES);
	for (int i = 0; i < SOURCES; i++) {
		astray += x_at[i] != -1 && x_at[i] != y_at[i];
		close(G.src[i]);
	}
	CHECK(astray == 0);
}

/*
 * SOURCES sockets send PER_SOURCE datagrams each to the port; every
 * endpoint socket is then drained: each source must have been read whole
 * from one socket, and more than one socket must have read some.
 */
static void
spread(const int *fds, int n, uint16_t port)
{
	coap_address_t dst = loopback(port);
	int src[SOURCES], got[SOURCES], where[SOURCES], used[K + 1] = { 0 };
	int sockets_used = 0, total = 0, short_sources = 0;
	uint16_t sport[SOURCES];

	for (int i = 0; i < SOURCES; i++) {
		coap_address_t a = loopback(0);
		socklen_t len = sizeof(a.addr.sin);

		got[i] = 0;
		where[i] = -1;
		src[i] = socket(AF_INET, SOCK_DGRAM, 0);
		CHECK(src[i] >= 0 && bind(src[i], &a.addr.sa, len) == 0 &&
		    getsockname(src[i], &a.addr.sa, &len) == 0);
		sport[i] = ntohs(a.addr.sin.sin_port);
		for (int j = 0; j < PER_SOURCE; j++)
			CHECK(sendto(src[i], "x", 1, 0, &dst.addr.sa,
			    dst.size) == 1);
	}
	for (uint64_t end = now_ms() + 5000; total < SOURCES * PER_SOURCE &&
	    now_ms() < end; ) {
		uint16_t from;
		int e;

		if (recv_any(fds, n, &e, &from) == 0)
			continue;
		total++;
		for (int i = 0; i < SOURCES; i++) {
			if (sport[i] != from)
				continue;
			got[i]++;
			if (where[i] == -1)
				where[i] = e;
			CHECK(where[i] == e);	/* one source, one socket */
		}
		used[e]++;
	}
	CHECK(total == SOURCES * PER_SOURCE);
	for (int i = 0; i < SOURCES; i++) {
		short_sources += got[i] != PER_SOURCE;
		close(src[i]);
	}
	CHECK(short_sources == 0);
	for (int e = 0; e < n; e++)
		sockets_used += used[e] > 0;
	printf("  %d sources over %d of %d endpoints (", SOURCES,
	    sockets_used, n);
	for (int e = 0; e < n; e++)
		printf("%s%d", e ? " " : "", used[e] / PER_SOURCE);
	printf(")\n");
	CHECK(sockets_used > 1);
}

int
main(void)
{
	coap_context_t *srv, *cli;
	coap_resource_t *r;
	coap_address_t a;
	int fds[K + 1], n;
	uint16_t port;

	coap_startup();
	coap_set_log_level(LOG_EMERG);

	TEST("bind() outside reuseport_endpoints() is libc's") {
		coap_address_t any = loopback(0);
		int fd = socket(AF_INET, SOCK_DGRAM, 0);
		unsigned long c0 = reuseport_count();

		CHECK(fd >= 0 && bind(fd, &any.addr.sa, any.size) == 0);
		CHECK(opt(fd, SO_REUSEPORT) == 0);
		CHECK(reuseport_count() == c0);
		close(fd);
		/* and so is libcoap's own, for an endpoint made directly */
		srv = coap_new_context(NULL);
		port = free_udp_port();
		a = loopback(port);
		CHECK(srv != NULL && coap_new_endpoint(srv, &a,
		    COAP_PROTO_UDP) != NULL);
		CHECK(endpoint_fds(srv, port, fds, K + 1) == 1);
		CHECK(opt(fds[0], SO_REUSEPORT) == 0);
		CHECK(reuseport_count() == c0);
		/* one shard: one plain endpoint, as before shards */
		port = free_udp_port();
		a = loopback(port);
		CHECK(reuseport_endpoints(srv, &a, COAP_PROTO_UDP, 1) == 0);
		CHECK(endpoint_fds(srv, port, fds, K + 1) == 1);
		CHECK(opt(fds[0], SO_REUSEPORT) == 0);
		CHECK(reuseport_count() == c0);
		coap_free_context(srv);
	}

	memset(&T, 0, sizeof(T));
	srv = coap_new_context(NULL);
	cli = coap_new_context(NULL);
	port = free_udp_port();
	a = loopback(port);

	TEST("K endpoints on one port, each socket with SO_REUSEPORT") {
		unsigned long c0 = reuseport_count();

		CHECK(srv != NULL && cli != NULL && port != 0);
		CHECK(reuseport_endpoints(srv, &a, COAP_PROTO_UDP, K) == 0);
		n = endpoint_fds(srv, port, fds, K + 1);
		CHECK(n == K);
		for (int e = 0; e < n; e++)
			CHECK(opt(fds[e], SO_REUSEPORT) == 1);
		/* above FD_SETSIZE, where RLIMIT_NOFILE has room (raised to
		 * its hard limit, as dotsgwd does): low ones stay for
		 * client sessions, which libcoap select()s on */
		if (room_above_fd_setsize(K)) {
			int low = socket(AF_INET, SOCK_DGRAM, 0);

			for (int e = 0; e < n; e++)
				CHECK(fds[e] >= FD_SETSIZE);
			CHECK(low >= 0 && low < FD_SETSIZE);
			if (low >= 0)
				close(low);
		} else
			printf("SKIP shard sockets above FD_SETSIZE: "
			    "RLIMIT_NOFILE too low\n");
		/* our bind() ran for each, the first one included */
		CHECK(reuseport_count() == c0 + K);
		CHECK(reuseport_endpoints(srv, &a, COAP_PROTO_UDP,
		    REUSEPORT_MAX + 1) == -1);
		/* a second group (another dotsgwd) on the port is refused,
		 * as is one endpoint: neither would get all of its clients */
		c0 = reuseport_count();
		CHECK(reuseport_endpoints(srv, &a, COAP_PROTO_UDP, 2) == -1);
		CHECK(reuseport_endpoints(srv, &a, COAP_PROTO_DTLS, 1) == -1);
		CHECK(reuseport_count() == c0);
		CHECK(endpoint_fds(srv, port, fds, K + 1) == K);
		/* coap_loop_attach()'s receive buffers reach every shard */
		CHECK(udp_rcvbuf_grow(coap_context_get_coap_fd(srv),
		    RCVBUF) >= 0);
		for (int e = 0; e < n; e++)
			CHECK(opt(fds[e], SO_RCVBUF) >= granted());
	}

	/*
	 * A datagram that came while the group grew was hashed over the
	 * sockets bound then, and its source's next ones go elsewhere: a
	 * ClientHello's cookie then never verified (reuseport.c, drain()).
	 */
	TEST("datagrams that came while the endpoints were made are dropped") {
		coap_context_t *c2 = coap_new_context(NULL);
		coap_address_t a2;
		int f2[K + 1], n2;

		G.port = free_udp_port();
		a2 = loopback(G.port);
		coap_set_log_handler(send_while_growing);
		coap_set_log_level(LOG_DEBUG);
		CHECK(c2 != NULL && reuseport_endpoints(c2, &a2,
		    COAP_PROTO_UDP, K) == 0);
		coap_set_log_level(LOG_EMERG);
		coap_set_log_handler(NULL);
		CHECK(G.sent == SOURCES);
		n2 = endpoint_fds(c2, G.port, f2, K + 1);
		CHECK(n2 == K);
		if (G.sent == SOURCES && n2 == K)
			check_growing(f2, n2);
		coap_free_context(c2);
	}

	TEST("sources spread over the endpoints, one source on one endpoint")
		spread(fds, n, port);

	TEST("each client keeps one session: every request answered") {
		coap_session_t *cs[CLIENTS];
		int want = CLIENTS * REQS;

		coap_context_set_session_timeout(srv, 60);
		coap_register_event_handler(srv, on_event);
		r = coap_resource_init(coap_make_str_const("r"), 0);
		coap_register_request_handler(r, COAP_REQUEST_GET, on_get);
		coap_add_resource(srv, r);
		coap_register_response_handler(cli, on_response);
		for (int i = 0; i < CLIENTS; i++)
			CHECK((cs[i] = coap_new_client_session(cli, NULL, &a,
			    COAP_PROTO_UDP)) != NULL);
		for (int k = 0; k < REQS; k++) {
			for (int i = 0; i < CLIENTS; i++)
				if (cs[i] != NULL)
					send_get(cs[i]);
			for (uint64_t end = now_ms() + 5000; T.answers <
			    CLIENTS * (k + 1) && now_ms() < end; ) {
				coap_io_process(srv, 5);
				coap_io_process(cli, 5);
			}
		}
		CHECK(T.requests == want);
		CHECK(T.answers == want);
		/* a client whose datagrams reached another endpoint would
		 * have a second server session there */
		CHECK(T.sessions_new == CLIENTS);
		for (int i = 0; i < CLIENTS; i++)
			if (cs[i] != NULL)
				coap_session_release(cs[i]);
	}
	coap_free_context(cli);
	coap_free_context(srv);
	coap_cleanup();
	return UNIT_EXIT();
}
