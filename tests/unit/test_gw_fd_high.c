/*
 * gateway/core/fd_limit.c: descriptors libcoap never select()s on go
 * above FD_SETSIZE. fd_move_high() keeps the socket and its close-on-exec
 * flag; a CoAP-over-TCP session libcoap accepts lands above FD_SETSIZE
 * (accept() reaches our definition: fails if libcoap stops calling it
 * through its PLT) and is served there, while the client's socket, which
 * libcoap's GnuTLS client would select() on, stays low.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include <coap3/coap.h>

#include "gateway/core/fd_limit.h"
#include "unit.h"
#include "unit_net.h"

static int answered;

/* Sockets of this process at descriptors >= FD_SETSIZE. */
static int
high_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[64], target[64];
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);
		ssize_t len;

		if (fd < FD_SETSIZE)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		len = readlink(path, target, sizeof(target) - 1);
		if (len > 0 && strncmp(target, "socket:", 7) == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void
on_get(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(205));
}

static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent,
    const coap_pdu_t *rcvd, const coap_mid_t id)
{
	answered += coap_pdu_get_code(rcvd) == COAP_RESPONSE_CODE(205);
	return COAP_RESPONSE_OK;
}

int
main(void)
{
	rlim_t lim;
	int room;

	room = fd_limit_raise(&lim) == 0 && lim > FD_SETSIZE + 16;
	if (!room) {
		printf("SKIP fd_high: RLIMIT_NOFILE %llu leaves no room above "
		    "FD_SETSIZE\n", (unsigned long long)lim);
		return 0;
	}

	TEST("fd_move_high keeps the socket and its close-on-exec flag") {
		int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		int hi = fd_move_high(fd);

		CHECK(fd >= 0 && fd < FD_SETSIZE);
		CHECK(hi >= FD_SETSIZE);
		CHECK(fcntl(fd, F_GETFD) == -1);	/* closed */
		CHECK((fcntl(hi, F_GETFD) & FD_CLOEXEC) != 0);
		CHECK(fd_move_high(hi) == hi);
		close(hi);
		CHECK(fd_move_high(-1) == -1);
	}

	TEST("an accepted CoAP-over-TCP session is served above FD_SETSIZE") {
		coap_context_t *srv, *cli;
		coap_resource_t *r;
		coap_session_t *s;
		coap_address_t a;
		coap_pdu_t *pdu;
		int h0 = high_sockets();

		coap_startup();
		coap_set_log_level(LOG_EMERG);
		srv = coap_new_context(NULL);
		cli = coap_new_context(NULL);
		CHECK(srv != NULL && cli != NULL);
		a = loopback(free_udp_port());
		CHECK(coap_new_endpoint(srv, &a, COAP_PROTO_TCP) != NULL);
		r = coap_resource_init(coap_make_str_const("x"), 0);
		coap_register_request_handler(r, COAP_REQUEST_GET, on_get);
		coap_add_resource(srv, r);
		coap_register_response_handler(cli, on_response);
		s = coap_new_client_session(cli, NULL, &a, COAP_PROTO_TCP);
		CHECK(s != NULL);
		pdu = s != NULL ? coap_new_pdu(COAP_MESSAGE_CON,
		    COAP_REQUEST_CODE_GET, s) : NULL;
		CHECK(pdu != NULL);
		if (pdu != NULL) {
			coap_add_option(pdu, COAP_OPTION_URI_PATH, 1,
			    (const uint8_t *)"x");
			CHECK(coap_send(s, pdu) != COAP_INVALID_MID);
		}
		for (uint64_t end = now_ms() + 5000; now_ms() < end &&
		    answered == 0; ) {
			coap_io_process(srv, 5);
			coap_io_process(cli, 5);
		}
		CHECK(answered == 1);
		/* the accepted one went up; the client's stayed low */
		CHECK(high_sockets() == h0 + 1);
		if (s != NULL)
			coap_session_release(s);
		coap_free_context(cli);
		coap_free_context(srv);
		coap_cleanup();
	}
	return UNIT_EXIT();
}
