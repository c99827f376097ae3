/*
 * What the unit tests that run libcoap over 127.0.0.1 share: a monotonic
 * clock for their bounded waits, a loopback address and a UDP port that
 * was free a moment ago.
 */
#ifndef DOTSGW_UNIT_NET_H
#define DOTSGW_UNIT_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>

static inline uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static inline coap_address_t
loopback(uint16_t port)
{
	coap_address_t a;

	coap_address_init(&a);
	a.addr.sin.sin_family = AF_INET;
	a.addr.sin.sin_port = htons(port);
	a.addr.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.size = sizeof(a.addr.sin);
	return a;
}

/* 0 if none could be had */
static inline uint16_t
free_udp_port(void)
{
	coap_address_t a = loopback(0);
	socklen_t len = sizeof(a.addr.sin);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	uint16_t port = 0;

	if (fd >= 0 && bind(fd, &a.addr.sa, len) == 0 &&
	    getsockname(fd, &a.addr.sa, &len) == 0)
		port = ntohs(a.addr.sin.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

#endif
