/*
 * Load for tests/bench/restore.sh: N mitigation requests over one DTLS PSK
 * session, one after the other (CON), each for its own /32 so none
 * overlaps another, mids FIRST..FIRST+N-1. Prints how many were accepted
 * and the mean and worst round trip. With -g it GETs each of those mids
 * instead and counts the 2.05 answers whose lifetime is at least
 * LIFETIME; with -d it DELETEs each (a withdrawal wave) and counts the
 * 2.02 answers. Usage:
 *   put_many [-g | -d] URI PSK-ID PSK-KEY FIRST-MID N BASE-ADDRESS LIFETIME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "common/cuid.h"
#include "common/dots_codec.h"
#include "client/client.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A GET answer for mid with a lifetime left of at least min seconds. */
static bool
lifetime_at_least(const struct dc_resp *r, uint32_t mid, int64_t min)
{
	struct dots_mitigation msg;
	struct dots_err err;
	bool ok;

	if (dots_decode_mitigation(r->payload, r->len, DOTS_RESP, &msg,
	    &err) == -1)
		return false;
	ok = msg.n_scope == 1 && msg.scope[0].mid == mid &&
	    msg.scope[0].lifetime >= min;
	dots_mitigation_free(&msg);
	return ok;
}

int
main(int argc, char *argv[])
{
	struct dc_opts o = { 0 };
	struct dots_client *dc;
	char err[DC_ERRLEN], cuid[CUID_BUFLEN], cpath[64], mpath[32];
	unsigned long first, n, ok = 0;
	struct in_addr base;
	double worst = 0, total = 0;
	int said = 0, get = 0, del = 0;

	if (argc > 1 && strcmp(argv[1], "-g") == 0)
		get = 1;
	else if (argc > 1 && strcmp(argv[1], "-d") == 0)
		del = 1;
	if (get || del) {
		argc--;
		argv++;
	}
	if (argc != 8 || inet_pton(AF_INET, argv[6], &base) != 1) {
		fprintf(stderr, "usage: put_many [-g | -d] URI PSK-ID PSK-KEY "
		    "FIRST-MID N BASE-ADDRESS LIFETIME\n");
		return 64;
	}
	first = strtoul(argv[4], NULL, 10);
	n = strtoul(argv[5], NULL, 10);
	coap_startup();
	coap_set_log_level(LOG_ERR);
	o.uri = argv[1];
	o.psk_identity = argv[2];
	o.psk_key = (const uint8_t *)argv[3];
	o.psk_key_len = strlen(argv[3]);
	if ((dc = dc_new(&o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "put_many: %s\n", err);
		return 2;
	}
	(void)cuid_from_psk_identity(argv[2], strlen(argv[2]), cuid);
	snprintf(cpath, sizeof(cpath), "cuid=%s", cuid);
	for (unsigned long i = 0; i < n; i++) {
		struct dots_scope s = { 0 };
		struct dots_mitigation msg = { .scope = &s, .n_scope = 1 };
		struct prefix pfx = { 0 };
		struct dc_req req = { 0 };
		struct dc_resp r;
		char addr[INET_ADDRSTRLEN];
		struct in_addr a;
		uint8_t *body;
		size_t len;
		double t0, dt;

		a.s_addr = htonl(ntohl(base.s_addr) + (uint32_t)i);
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		strncat(addr, "/32", sizeof(addr) - strlen(addr) - 1);
		if (prefix_parse(addr, &pfx) == -1)
			return 2;
		s.target_prefix = &pfx;
		s.n_target_prefix = 1;
		s.present = DOTS_SCOPE_LIFETIME;
		s.lifetime = strtol(argv[7], NULL, 10);
		if (dots_encode_mitigation(&msg, &body, &len) == -1)
			return 2;
		snprintf(mpath, sizeof(mpath), "mid=%lu", first + i);
		req.method = get ? COAP_REQUEST_CODE_GET : del ?
		    COAP_REQUEST_CODE_DELETE : COAP_REQUEST_CODE_PUT;
		req.con = true;
		req.path[0] = ".well-known";
		req.path[1] = "dots";
		req.path[2] = "mitigate";
		req.path[3] = cpath;
		req.path[4] = mpath;
		req.npath = 5;
		req.content_format = get || del ? -1 : 271;
		req.observe = -1;
		req.payload = get || del ? NULL : body;
		req.len = get || del ? 0 : len;
		t0 = now_s();
		if (dc_request(dc, &req, 10000, &r) == DC_OK) {
			bool good = get ? r.code == 205 && lifetime_at_least(&r,
			    (uint32_t)first + (uint32_t)i, s.lifetime) :
			    r.code == (del ? 202 : 201);

			ok += good;
			if (!good && !said++)
				fprintf(stderr, "put_many: mid %lu: %d %.*s\n",
				    first + i, r.code, (int)r.len, r.payload);
			dc_resp_free(&r);
		}
		dt = now_s() - t0;
		total += dt;
		if (dt > worst)
			worst = dt;
		free(body);
	}
	printf("%s %lu of %lu, mean %.2f ms, worst %.2f ms, %.0f/s\n",
	    get ? "found" : del ? "withdrawn" : "accepted", ok, n, total / (double)n * 1000,
	    worst * 1000, (double)n / total);
	dc_free(dc);
	coap_cleanup();
	return ok == n ? 0 : 1;
}
