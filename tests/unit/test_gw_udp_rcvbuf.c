/*
 * gateway/core/udp_rcvbuf.c: the UDP sockets of an epoll instance get
 * the receive buffer asked for (up to net.core.rmem_max), other sockets
 * are left alone; and libcoap 4.3.1's endpoint socket is one of the
 * sockets of its context's epoll fd, so that coap_loop_attach() grows it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <event2/event.h>

#include "gateway/core/coap_loop.h"
#include "gateway/core/udp_rcvbuf.h"
#include "unit.h"

#define WANT	(1024 * 1024)

static int
rcvbuf(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);

	(void)getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len);
	return v;
}

/* What the kernel grants for WANT: twice min(WANT, rmem_max). */
static int
granted(void)
{
	FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
	int max = WANT;

	if (f != NULL) {
		if (fscanf(f, "%d", &max) != 1)
			max = WANT;
		fclose(f);
	}
	return 2 * (max < WANT ? max : WANT);
}

/* The UDP sockets in epfd's fdinfo, their smallest receive buffer. */
static int
smallest_udp(int epfd, int *count)
{
	char path[64], line[256];
	FILE *f;
	int fd, type, min = -1;
	socklen_t len;

	*count = 0;
	(void)snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", epfd);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		len = sizeof(type);
		if (sscanf(line, "tfd: %d", &fd) != 1 || getsockopt(fd,
		    SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
		    type != SOCK_DGRAM)
			continue;
		(*count)++;
		if (min == -1 || rcvbuf(fd) < min)
			min = rcvbuf(fd);
	}
	fclose(f);
	return min;
}

int
main(void)
{
	TEST("UDP sockets of an epoll fd grow, others do not") {
		int ep = epoll_create1(0);
		int u = socket(AF_INET, SOCK_DGRAM, 0);
		int u2 = socket(AF_INET, SOCK_DGRAM, 0);
		int t = socket(AF_INET, SOCK_STREAM, 0);
		struct epoll_event ev = { .events = EPOLLIN };
		int t0 = rcvbuf(t), u20 = rcvbuf(u2);

		ev.data.fd = u;
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, u, &ev) == 0);
		ev.data.fd = t;
		CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev) == 0);
		CHECK(rcvbuf(u) < granted());
		CHECK(udp_rcvbuf_grow(ep, WANT) == 1);
		CHECK(rcvbuf(u) == granted());
		CHECK(rcvbuf(t) == t0);		/* not UDP */
		CHECK(rcvbuf(u2) == u20);	/* not in the epoll set */
		CHECK(udp_rcvbuf_grow(ep, WANT) == 0);	/* grown already */
		CHECK(udp_rcvbuf_grow(-1, WANT) == -1);
		close(u); close(u2); close(t); close(ep);
	}

	TEST("coap_loop_attach grows libcoap's endpoint socket") {
		struct event_base *base = event_base_new();
		coap_context_t *ctx;
		coap_address_t a;
		struct coap_loop *l;
		int n, min;

		coap_startup();
		coap_set_log_level(LOG_EMERG);
		ctx = coap_new_context(NULL);
		coap_address_init(&a);
		a.addr.sin.sin_family = AF_INET;
		a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		a.size = sizeof(a.addr.sin);
		CHECK(ctx != NULL && base != NULL);
		CHECK(coap_new_endpoint(ctx, &a, COAP_PROTO_UDP) != NULL);
		min = smallest_udp(coap_context_get_coap_fd(ctx), &n);
		CHECK(n == 1);
		CHECK(min < 2 * (UDP_RCVBUF_BYTES > WANT ? WANT : UDP_RCVBUF_BYTES));
		CHECK((l = coap_loop_attach(base, ctx)) != NULL);
		min = smallest_udp(coap_context_get_coap_fd(ctx), &n);
		CHECK(n == 1);
		CHECK(min >= granted());
		coap_loop_detach(l);
		coap_free_context(ctx);
		event_base_free(base);
		coap_cleanup();
	}
	return UNIT_EXIT();
}
