/*
 * loadgen: a DOTS signal-channel load generator over libcoap 4.3.1 (DTLS
 * PSK), for the tests/bench/ scripts only; never part of make test.
 *
 * It opens many DTLS sessions (a bounded number of handshakes at a time),
 * then sends mitigation PUTs as NON requests (RFC 9132 §4.4.1), several
 * outstanding per session and a bounded number in all, each with its own
 * cuid (one per session), mid and target (one /32 per request). Bodies are
 * built before the clock starts, with the project's codec. Each answer's
 * latency is taken from its first send; a request unanswered for the
 * timeout is sent again (NON is never repeated by libcoap). Optionally the
 * sessions are then held open, with heartbeats, and the server's own
 * heartbeats are answered. With -P PID it also reads that process's CPU
 * time and memory from /proc around the request phase. Sessions are
 * spread over worker processes, ~900 each (see struct lg_res), which claim
 * them one at a time (struct lg_shared).
 *
 * Output: one line of key=value pairs on stdout (read by the tests/bench/ scripts);
 * progress and the first error answers on stderr.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <coap3/coap.h>
#include <jansson.h>

#include "common/dots_codec.h"
#include "common/dots_json.h"
#include "common/prefix.h"

#define DOTS_CF		271
#define HB_TOKEN_BIT	0x80000000u	/* heartbeat tokens: session index */
#define MAX_ERR_PRINT	5
/* sessions one worker holds at most: its descriptors below FD_SETSIZE */
#define WORKER_MAX	1000
/* client sessions per libcoap context (see ctx_for) */
#define CTX_SESSIONS	100
#define CTX_MAX		(WORKER_MAX / CTX_SESSIONS)
#ifndef SESSIONS_PER_ADDR
#define SESSIONS_PER_ADDR 12500	/* see local_addr */
#endif

enum sess_state { S_IDLE, S_CONNECTING, S_UP, S_FAILED };
enum req_state { R_UNSENT, R_OUT, R_DONE, R_FAILED };

struct lg_session {
	coap_session_t	*s;
	uint8_t		 state;
	uint64_t	 t_start;	/* handshake started, us */
	unsigned	 next_k;	/* next request of this session */
	uint64_t	 next_hb;	/* us */
	char		 cuid[40];
};

struct lg_req {
	uint64_t	 t_first;	/* first send, us */
	uint64_t	 t_sent;	/* latest send, us */
	uint32_t	 lat_us;
	uint32_t	 slot;		/* index in the outstanding array */
	uint16_t	 code;		/* e.g. 201 */
	uint8_t		 state;
	uint8_t		 tries;
};

struct lg {
	/* options */
	coap_address_t	 dst;
	const char	*identity, *key, *cuid_prefix;
	unsigned	 n_sessions, pipeline, window, handshakes, total;
	unsigned	 timeout_ms, retries, hold_s, hb_s, lifetime;
	uint32_t	 mid_base;
	uint32_t	 target_base;	/* host order IPv4 */
	const char	*gbps;		/* total-attack-traffic peak-g, or NULL */
	int		 pid;		/* measured daemon, or 0 */
	bool		 quiet;
	unsigned	 drain_mib;	/* -D: see drain_pool() */
	unsigned	 per_worker;	/* sessions per process, on average */
	uint32_t	*mine;		/* this worker's sessions, claimed */
	unsigned	 n_mine;

	coap_context_t	*ctx[CTX_MAX];
	unsigned	 n_ctx;
	int		 epfd;		/* the contexts' own epoll sets */
	uint64_t	 last_walk;	/* us */
	struct lg_session *sess;
	struct lg_req	*req;
	uint8_t		*bodies;	/* total bodies, body_off[i]..[i+1] */
	size_t		*body_off;

	/* sessions with a free pipeline slot (may repeat): a ring */
	uint32_t	*ready;
	size_t		 ready_cap, ready_head, ready_len;
	uint32_t	*outv;		/* outstanding request indexes */
	unsigned	 n_out;

	/* counters */
	unsigned	 up, failed_hs, slow_hs, connecting;
	unsigned	 done, failed, sent, resent, code_2xx, code_err;
	unsigned	 hb_sent, hb_ok, srv_hb;
	unsigned	 err_printed;
	unsigned	 still_up;
	struct lg_shared *shared;
};

/*
 * Shared by the workers (an anonymous shared mapping): the sessions up in
 * all of them, and the next session to start. A worker claims sessions
 * one at a time until none is left, so every worker keeps handshaking
 * until the table is full. With fixed shares a worker that finished early
 * stopped and the handshakes in flight fell with it: late in 50,000 the
 * two cores were 30 % idle (perf -a), 16 % with claims.
 */
struct lg_shared {
	unsigned	 all_up;
	unsigned	 next;
};

/*
 * The handshake rate, the daemon's CPU and loadgen's own per handshake over
 * each tenth of the whole table, sampled by the parent (every 50 ms at
 * most) on the count of sessions up that the workers share: mark[k] is
 * when k tenths were up, mark[0] the start (every worker forked and
 * ready: the first tenth is handshakes only, not ~56 forks and libcoap's
 * start), mark[10] the end of the handshake phase. The tenths between
 * show where a fall comes from: a cost that grows with the table grows in
 * every tenth; one the CPU caches set stops growing once the table has
 * outgrown them.
 */
struct hs_mark {
	unsigned	 up;
	uint64_t	 t;		/* us */
	uint64_t	 daemon;	/* CPU ticks */
	uint64_t	 own;		/* the workers' CPU, ns */
};

struct hs_probe {
	int		 pid;
	const unsigned	*all_up;
	unsigned	 n;
	struct hs_mark	 mark[11];
	unsigned	 next;		/* the next tenth to mark */
	bool		 timeline;	/* -T: sessions up every 250 ms */
	uint64_t	 t_line;
	const pid_t	*pids;		/* the workers */
	unsigned	 nw;
};

/*
 * What a worker reports to the parent, followed by nlat latencies (us).
 * Workers exist because libcoap 4.3.1's GnuTLS client waits for DTLS
 * records with select(), so a process's sockets must stay below
 * FD_SETSIZE (1024): fortified FD_SET aborts on a larger descriptor.
 */
struct lg_res {
	unsigned	 up, failed_hs, slow_hs, done, failed, sent, resent;
	unsigned	 code_2xx, code_err, hb_sent, hb_ok, srv_hb, still_up;
	size_t		 nlat;
};

static struct lg *G;	/* for the libcoap handlers, which take no arg */

/*
 * libcoap 4.3.1 walks every session of the context in
 * coap_io_prepare_epoll(), twice per coap_io_process(), i.e. per datagram
 * here: loadgen's CPU per handshake grew with its workers' tables (947 to
 * 1,722 µs from early to late in the handshakes of 30,000 sessions), and
 * on cores shared with the daemon the rate measured fell for loadgen's
 * reasons. So the walk runs only in io_turn(), over every context, at
 * most every WALK_US: while connecting only once a handshake has waited
 * OVERDUE_US (the walk is wanted for the client's DTLS retransmission
 * timers, 1 s and more: the handshakes go on in the read path); while
 * requests are out (NON: loadgen sends them again itself) and while the
 * sessions are held, always. With every worker sending, a walk of ~900
 * sessions per datagram in each of 56 workers had held a request ~0.7 s
 * (p50) at 50,000 sessions. Defined here, it takes the place of
 * libcoap's for libcoap's own calls (as in gateway/core/coap_loop.c).
 */
#define OVERDUE_US	500000
#define WALK_US		100000
typedef unsigned int (*prepare_fn)(coap_context_t *, coap_tick_t);
static uint64_t	 now_us(void);
static bool	 walking;	/* io_turn() walks */

unsigned int
coap_io_prepare_epoll(coap_context_t *ctx, coap_tick_t now)
{
	static prepare_fn real;

	if (real == NULL && (real = (prepare_fn)dlsym(RTLD_NEXT,
	    "coap_io_prepare_epoll")) == NULL)
		abort();
	return walking ? real(ctx, now) : 0;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
usage(void)
{
	fprintf(stderr,
"usage: loadgen -s ADDR:PORT -i PSK-IDENTITY -k PSK-KEY [options]\n"
"  -c N   DTLS sessions (1)               -p N  outstanding per session (1)\n"
"  -w N   outstanding in all (256)        -j N  handshakes at a time (32)\n"
"  -n N   mitigation PUTs in all (0)      -t MS resend after MS (3000)\n"
"  -r N   resends at most (3)             -l S  lifetime (3600)\n"
"  -m N   first mid (1)                   -a A  first target address (10.0.0.1)\n"
"  -u S   cuid prefix (lg)                -g G  total-attack-traffic peak-g\n"
"  -H S   hold sessions S seconds after   -b S  heartbeat every S s while held\n"
"  -P PID report CPU and memory of PID    -q    no progress on stderr\n"
"  -W N   sessions per worker process, on average (900; at most 1000)\n"
"  -T     sessions up every 250 ms while connecting, on stderr\n"
"  -D MIB before the handshakes, hold this VM's cheap free memory, at\n"
"         most MIB (see drain_pool)\n");
	exit(2);
}

static unsigned
num(const char *s, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v > max) {
		fprintf(stderr, "loadgen: bad number '%s'\n", s);
		exit(2);
	}
	return (unsigned)v;
}

static void
parse_addr(struct lg *lg, const char *arg)
{
	char host[64];
	const char *colon = strrchr(arg, ':');
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - arg)) >= sizeof(host)) {
		fprintf(stderr, "loadgen: -s wants ADDR:PORT\n");
		exit(2);
	}
	memcpy(host, arg, n);
	host[n] = '\0';
	coap_address_init(&lg->dst);
	lg->dst.addr.sin.sin_family = AF_INET;
	lg->dst.addr.sin.sin_port = htons((uint16_t)num(colon + 1, 65535));
	lg->dst.size = sizeof(lg->dst.addr.sin);
	if (inet_pton(AF_INET, host, &lg->dst.addr.sin.sin_addr) != 1) {
		fprintf(stderr, "loadgen: -s wants an IPv4 address\n");
		exit(2);
	}
}

/* ---------------------------------------------------------------- */
/* /proc readings of the measured process */

static uint64_t
proc_cpu_ticks(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the command name, which may hold spaces */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return 0;
	return (uint64_t)ut + st;
}

/*
 * A worker's CPU in ns (the first field of /proc/PID/schedstat: one
 * thread, which a worker is). /proc/PID/stat rounds each process down
 * to a tick (10 ms): summed over ~56 workers that is ~0.28 s missing
 * from every reading but the first, when the workers had not run yet,
 * so loadgen's first tenth of 50,000 handshakes read 60-90 µs a
 * handshake cheaper than the tenths after it.
 */
static uint64_t
proc_cpu_ns(int pid)
{
	char path[64];
	unsigned long long ns = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/schedstat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return ns;
}

static unsigned long
proc_status_kb(int pid, const char *field)
{
	char path[64], line[256];
	unsigned long v = 0;
	size_t flen = strlen(field);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, flen) == 0 && line[flen] == ':') {
			v = strtoul(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* ---------------------------------------------------------------- */
/* Bodies: one template through the codec, then one target per request. */

static void
build_bodies(struct lg *lg)
{
	char json[512];
	json_t *j;
	json_error_t jerr;
	struct dots_err err = { 0 };
	struct dots_mitigation m = { 0 };
	uint8_t *cbor, *buf;
	size_t len, cap = 0;

	snprintf(json, sizeof(json),
	    "{\"ietf-dots-signal-channel:mitigation-scope\":{\"scope\":[{"
	    "\"target-prefix\":[\"10.0.0.1/32\"],\"lifetime\":%u%s%s%s}]}}",
	    lg->lifetime, lg->gbps ? ",\"ietf-dots-telemetry:total-attack-"
	    "traffic\":[{\"unit\":\"gigabit-ps\",\"peak-g\":\"" : "",
	    lg->gbps ? lg->gbps : "", lg->gbps ? "\"}]" : "");
	if ((j = json_loads(json, 0, &jerr)) == NULL ||
	    dots_json_to_cbor(j, &cbor, &len, &err) == -1 ||
	    dots_decode_mitigation(cbor, len, DOTS_REQ, &m, &err) == -1) {
		fprintf(stderr, "loadgen: template: %s\n", err.msg);
		exit(1);
	}
	json_decref(j);
	free(cbor);
	lg->body_off = calloc((size_t)lg->total + 1, sizeof(size_t));
	if (lg->body_off == NULL)
		exit(1);
	lg->bodies = NULL;
	for (unsigned i = 0; i < lg->total; i++) {
		struct prefix *p = &m.scope[0].target_prefix[0];
		uint32_t a = htonl(lg->target_base + i);

		memcpy(p->addr, &a, 4);
		if (dots_encode_mitigation(&m, &buf, &len) == -1)
			exit(1);
		if (lg->body_off[i] + len > cap) {
			cap = cap ? cap * 2 : 1 << 16;
			if ((lg->bodies = realloc(lg->bodies, cap)) == NULL)
				exit(1);
		}
		memcpy(lg->bodies + lg->body_off[i], buf, len);
		lg->body_off[i + 1] = lg->body_off[i] + len;
		free(buf);
	}
	dots_mitigation_free(&m);
}

/* ---------------------------------------------------------------- */
/* Sending */

static void
add_token(coap_pdu_t *pdu, uint32_t v)
{
	uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	coap_add_token(pdu, sizeof(t), t);
}

static void
add_path(coap_pdu_t *pdu, const char *seg)
{
	coap_add_option(pdu, COAP_OPTION_URI_PATH, strlen(seg),
	    (const uint8_t *)seg);
}

static void
add_cf(coap_pdu_t *pdu)
{
	uint8_t cf[2];

	coap_add_option(pdu, COAP_OPTION_CONTENT_FORMAT,
	    coap_encode_var_safe(cf, sizeof(cf), DOTS_CF), cf);
}

/* Request i belongs to session i % S and is that session's (i / S)th. */
static int
send_req(struct lg *lg, uint32_t i)
{
	struct lg_session *ss = &lg->sess[i % lg->n_sessions];
	struct lg_req *r = &lg->req[i];
	coap_pdu_t *pdu;
	char mid[24];

	pdu = coap_new_pdu(COAP_MESSAGE_NON, COAP_REQUEST_CODE_PUT, ss->s);
	if (pdu == NULL)
		return -1;
	add_token(pdu, i);
	add_path(pdu, ".well-known");
	add_path(pdu, "dots");
	add_path(pdu, "mitigate");
	add_path(pdu, ss->cuid);
	snprintf(mid, sizeof(mid), "mid=%u", lg->mid_base + i /
	    lg->n_sessions);
	add_path(pdu, mid);
	add_cf(pdu);
	coap_add_data(pdu, lg->body_off[i + 1] - lg->body_off[i],
	    lg->bodies + lg->body_off[i]);
	r->t_sent = now_us();
	if (r->tries == 0)
		r->t_first = r->t_sent;
	r->tries++;
	if (coap_send(ss->s, pdu) == COAP_INVALID_MID)
		return -1;
	return 0;
}

static void
ready_push(struct lg *lg, uint32_t s)
{
	lg->ready[(lg->ready_head + lg->ready_len) % lg->ready_cap] = s;
	lg->ready_len++;
}

static void
out_remove(struct lg *lg, uint32_t i)
{
	uint32_t slot = lg->req[i].slot, last = lg->outv[--lg->n_out];

	lg->outv[slot] = last;
	lg->req[last].slot = slot;
}

/* A request finished (answered or given up): free its slot. */
static void
finish(struct lg *lg, uint32_t i, uint8_t state)
{
	struct lg_session *ss = &lg->sess[i % lg->n_sessions];
	uint32_t si = i % lg->n_sessions;

	lg->req[i].state = state;
	out_remove(lg, i);
	if (state == R_DONE)
		lg->done++;
	else
		lg->failed++;
	if (ss->state == S_UP && si + (uint64_t)ss->next_k * lg->n_sessions <
	    lg->total)
		ready_push(lg, si);
}

static void
pump(struct lg *lg)
{
	while (lg->n_out < lg->window && lg->ready_len > 0) {
		uint32_t si = lg->ready[lg->ready_head];
		struct lg_session *ss = &lg->sess[si];
		uint64_t i = si + (uint64_t)ss->next_k * lg->n_sessions;

		lg->ready_head = (lg->ready_head + 1) % lg->ready_cap;
		lg->ready_len--;
		if (ss->state != S_UP || i >= lg->total)
			continue;
		ss->next_k++;
		lg->req[i].state = R_OUT;
		lg->req[i].slot = lg->n_out;
		lg->outv[lg->n_out++] = (uint32_t)i;
		lg->sent++;
		if (send_req(lg, (uint32_t)i) == -1)
			finish(lg, (uint32_t)i, R_FAILED);
	}
}

static void
check_timeouts(struct lg *lg, uint64_t now)
{
	for (unsigned k = 0; k < lg->n_out; k++) {
		uint32_t i = lg->outv[k];
		struct lg_req *r = &lg->req[i];

		if (now - r->t_sent < (uint64_t)lg->timeout_ms * 1000)
			continue;
		if (r->tries > lg->retries) {
			finish(lg, i, R_FAILED);
			k--;	/* the slot now holds another request */
			continue;
		}
		lg->resent++;
		if (send_req(lg, i) == -1) {
			finish(lg, i, R_FAILED);
			k--;
		}
	}
}

static void
send_hb(struct lg *lg, uint32_t si)
{
	struct lg_session *ss = &lg->sess[si];
	struct dots_heartbeat hb = { .peer_hb_status = true };
	coap_pdu_t *pdu;
	uint8_t *body;
	size_t len;

	if (dots_encode_heartbeat(&hb, &body, &len) == -1)
		return;
	if ((pdu = coap_new_pdu(COAP_MESSAGE_NON, COAP_REQUEST_CODE_PUT,
	    ss->s)) != NULL) {
		add_token(pdu, HB_TOKEN_BIT | si);
		add_path(pdu, ".well-known");
		add_path(pdu, "dots");
		add_path(pdu, "hb");
		add_cf(pdu);
		coap_add_data(pdu, len, body);
		if (coap_send(ss->s, pdu) != COAP_INVALID_MID)
			lg->hb_sent++;
	}
	free(body);
}

/* ---------------------------------------------------------------- */
/* libcoap handlers */

static uint32_t
token_value(const coap_pdu_t *pdu, bool *ok)
{
	coap_bin_const_t t = coap_pdu_get_token(pdu);

	*ok = t.length == 4;
	if (!*ok)
		return 0;
	return (uint32_t)t.s[0] << 24 | (uint32_t)t.s[1] << 16 |
	    (uint32_t)t.s[2] << 8 | t.s[3];
}

static coap_response_t
on_response(coap_session_t *s, const coap_pdu_t *sent,
    const coap_pdu_t *rcvd, const coap_mid_t id)
{
	struct lg *lg = G;
	coap_pdu_code_t c = coap_pdu_get_code(rcvd);
	int code = (c >> 5) * 100 + (c & 31);
	struct lg_req *r;
	bool ok;
	uint32_t i = token_value(rcvd, &ok);

	if (!ok)
		return COAP_RESPONSE_OK;
	if (i & HB_TOKEN_BIT) {
		if (code == 204)
			lg->hb_ok++;
		return COAP_RESPONSE_OK;
	}
	if (i >= lg->total || (r = &lg->req[i])->state != R_OUT ||
	    lg->sess[i % lg->n_sessions].s != s)
		return COAP_RESPONSE_OK;	/* late duplicate */
	r->code = (uint16_t)code;
	r->lat_us = (uint32_t)(now_us() - r->t_first);
	if (code >= 200 && code < 300) {
		lg->code_2xx++;
	} else {
		lg->code_err++;
		if (lg->err_printed++ < MAX_ERR_PRINT) {
			size_t len;
			const uint8_t *data;

			if (!coap_get_data(rcvd, &len, &data))
				len = 0;
			fprintf(stderr, "loadgen: request %u: %d.%02d %.*s\n",
			    i, code / 100, code % 100, (int)len,
			    (const char *)data);
		}
	}
	finish(lg, i, R_DONE);
	return COAP_RESPONSE_OK;
}

static void
on_nack(coap_session_t *s, const coap_pdu_t *sent, const coap_nack_reason_t
    reason, const coap_mid_t id)
{
	struct lg_session *ss = coap_session_get_app_data(s);

	if (ss != NULL && (reason == COAP_NACK_TLS_FAILED ||
	    reason == COAP_NACK_NOT_DELIVERABLE) && ss->state == S_CONNECTING)
		ss->state = S_FAILED;
}

static int
on_event(coap_session_t *s, const coap_event_t ev)
{
	struct lg_session *ss = coap_session_get_app_data(s);

	if (ss == NULL)
		return 0;
	if (ev == COAP_EVENT_DTLS_CLOSED || ev == COAP_EVENT_DTLS_ERROR ||
	    ev == COAP_EVENT_SESSION_FAILED) {
		if (ss->state == S_UP)
			G->up--;
		if (ss->state == S_UP || ss->state == S_CONNECTING)
			ss->state = S_FAILED;
	}
	return 0;
}

/* The server's heartbeats to us (RFC 9132 §4.7): 2.04. */
static void
on_hb(coap_resource_t *r, coap_session_t *s, const coap_pdu_t *req,
    const coap_string_t *q, coap_pdu_t *resp)
{
	G->srv_hb++;
	coap_pdu_set_code(resp, COAP_RESPONSE_CODE(204));
}

/* ---------------------------------------------------------------- */
/* Phases */

/*
 * Each session is a UDP socket with an ephemeral port, and one local
 * address has ~28,000 of them (ip_local_port_range 32768-60999): against
 * 127.0.0.1, with more than SESSIONS_PER_ADDR sessions, every second (or
 * third, ...) session comes from 127.0.0.2 (.3, ...), so that every tenth
 * of the table has the same mix (one address after the other, the rate
 * fell at the 25,000th session: 1,750 -> 1,500/s, -T). Those get a port of
 * their own, below the ephemeral range: libcoap binds a client's local
 * address with SO_REUSEADDR, and with it a bind to port 0 may be given a
 * port another such socket holds, so two sessions would share one 4-tuple
 * and break each other's handshakes (1 in 60 of 1,500 sessions from
 * 127.0.0.2 failed; sessions from 127.0.0.1 are bound by connect(), which
 * never does that).
 * 12,500 per address keeps 127.0.0.1's ephemeral range under half full:
 * the kernel's search for a free port (udp_lib_get_port()) probes more
 * slots as the range fills. With 25,000 (89 % of it) loadgen's cost over
 * the last tenth of 50,000 handshakes rose to 393 µs in one run of three
 * (~310 before); with 12,500, 306-329 in three.
 */
#define SPREAD_PORT_BASE 2000

static const coap_address_t *
local_addr(const struct lg *lg, uint32_t si, coap_address_t *a)
{
	unsigned n_addr = (lg->n_sessions + SESSIONS_PER_ADDR - 1) /
	    SESSIONS_PER_ADDR;

	if (lg->dst.addr.sa.sa_family != AF_INET ||
	    (ntohl(lg->dst.addr.sin.sin_addr.s_addr) >> 24) != 127 ||
	    si % n_addr == 0)
		return NULL;
	coap_address_init(a);
	a->addr.sin.sin_family = AF_INET;
	a->addr.sin.sin_addr.s_addr = htonl(0x7f000001u + si % n_addr);
	a->addr.sin.sin_port = htons(SPREAD_PORT_BASE + si / n_addr);
	a->size = sizeof(a->addr.sin);
	return a;
}

/*
 * The context for the session just claimed. libcoap 4.3.1 walks every
 * session of a context each time it makes a client session there (for
 * one with the same addresses): with ~900 sessions in one context that
 * walk was 6.5 % of loadgen's CPU early in 50,000 handshakes and 16 %
 * late (perf), so the rate measured fell for loadgen's reasons. A worker
 * spreads its sessions over contexts of CTX_SESSIONS, polled through one
 * epoll set (io_turn).
 */
static coap_context_t *
ctx_for(struct lg *lg)
{
	unsigned i = (lg->n_mine - 1) / CTX_SESSIONS;
	struct epoll_event ev = { .events = EPOLLIN };
	coap_context_t *ctx;
	coap_resource_t *hb;

	if (i < lg->n_ctx)
		return lg->ctx[i];
	if ((ctx = coap_new_context(NULL)) == NULL)
		_exit(1);
	coap_register_response_handler(ctx, on_response);
	coap_register_nack_handler(ctx, on_nack);
	coap_register_event_handler(ctx, on_event);
	hb = coap_resource_init(coap_make_str_const(".well-known/dots/hb"), 0);
	coap_register_request_handler(hb, COAP_REQUEST_PUT, on_hb);
	coap_add_resource(ctx, hb);
	ev.data.ptr = ctx;
	if (epoll_ctl(lg->epfd, EPOLL_CTL_ADD, coap_context_get_coap_fd(ctx),
	    &ev) == -1)
		_exit(1);
	lg->ctx[lg->n_ctx++] = ctx;
	return ctx;
}

/* One turn of a worker's loop: the contexts with something to read, then,
 * when walk and at most every WALK_US, libcoap's walk in each (timers,
 * retransmissions). */
static void
io_turn(struct lg *lg, int ms, bool walk)
{
	struct epoll_event ev[CTX_MAX];
	uint64_t t;
	int n;

	n = epoll_wait(lg->epfd, ev, CTX_MAX, ms);
	for (int i = 0; i < n; i++)
		coap_io_process(ev[i].data.ptr, COAP_IO_NO_WAIT);
	t = now_us();
	if (!walk || t - lg->last_walk < WALK_US)
		return;
	lg->last_walk = t;
	walking = true;
	for (unsigned i = 0; i < lg->n_ctx; i++)
		coap_io_process(lg->ctx[i], COAP_IO_NO_WAIT);
	walking = false;
}

static void
start_session(struct lg *lg, uint32_t si)
{
	struct lg_session *ss = &lg->sess[si];
	coap_address_t local;
	coap_dtls_cpsk_t cpsk;
	uint8_t tok[8];

	memset(&cpsk, 0, sizeof(cpsk));
	cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
	cpsk.psk_info.identity.s = (const uint8_t *)lg->identity;
	cpsk.psk_info.identity.length = strlen(lg->identity);
	cpsk.psk_info.key.s = (const uint8_t *)lg->key;
	cpsk.psk_info.key.length = strlen(lg->key);
	snprintf(ss->cuid, sizeof(ss->cuid), "cuid=%s%06u", lg->cuid_prefix,
	    si);
	ss->t_start = now_us();
	ss->s = coap_new_client_session_psk2(ctx_for(lg), local_addr(lg, si,
	    &local), &lg->dst, COAP_PROTO_DTLS, &cpsk);
	if (ss->s == NULL) {
		ss->state = S_FAILED;
		lg->failed_hs++;
		return;
	}
	coap_prng(tok, sizeof(tok));
	coap_session_init_token(ss->s, sizeof(tok), tok);
	coap_session_set_app_data(ss->s, ss);
	ss->state = S_CONNECTING;
	lg->connecting++;
}

/* The next session nobody has claimed, or -1 (struct lg_shared). */
static int64_t
claim(struct lg *lg)
{
	unsigned si;

	if (lg->n_mine == WORKER_MAX)
		return -1;
	si = __atomic_fetch_add(&lg->shared->next, 1, __ATOMIC_RELAXED);
	if (si >= lg->n_sessions)
		return -1;
	lg->mine[lg->n_mine++] = si;
	return si;
}

/* Handshakes, at most lg->handshakes at a time; 30 s each at most. */
static void
connect_all(struct lg *lg)
{
	uint32_t *cv = calloc(lg->handshakes, sizeof(*cv));
	unsigned ncv = 0, last_report = 0;
	bool more = true, walk_wanted = false;

	if (cv == NULL || (lg->mine = calloc(WORKER_MAX,
	    sizeof(*lg->mine))) == NULL)
		exit(1);
	while (more || ncv > 0) {
		uint64_t now;

		while (more && ncv < lg->handshakes) {
			int64_t si = claim(lg);

			if (si == -1) {
				more = false;
				break;
			}
			start_session(lg, (uint32_t)si);
			if (lg->sess[si].state == S_CONNECTING)
				cv[ncv++] = si;
		}
		io_turn(lg, 5, walk_wanted);
		now = now_us();
		walk_wanted = false;
		for (unsigned k = 0; k < ncv; k++) {
			struct lg_session *ss = &lg->sess[cv[k]];

			if (ss->state == S_CONNECTING && coap_session_get_state(
			    ss->s) == COAP_SESSION_STATE_ESTABLISHED) {
				ss->state = S_UP;
				lg->up++;
				/* a flight lost: DTLS retransmits after 1 s */
				lg->slow_hs += now - ss->t_start >= 1000000;
				__atomic_add_fetch(&lg->shared->all_up, 1,
				    __ATOMIC_RELAXED);
			} else if (ss->state == S_CONNECTING &&
			    now - ss->t_start > 30000000) {
				ss->state = S_FAILED;
			}
			if (ss->state == S_CONNECTING) {
				walk_wanted |= now - ss->t_start > OVERDUE_US;
				continue;
			}
			if (ss->state == S_FAILED)
				lg->failed_hs++;
			cv[k--] = cv[--ncv];
		}
		if (!lg->quiet && lg->up / 1000 != last_report) {
			last_report = lg->up / 1000;
			fprintf(stderr, "loadgen: %u sessions up\n", lg->up);
		}
	}
	free(cv);
}

static void
run_requests(struct lg *lg)
{
	uint64_t last_check = now_us(), last_report = 0;

	lg->ready_cap = (size_t)lg->n_mine * lg->pipeline + 1;
	if ((lg->ready = calloc(lg->ready_cap, sizeof(uint32_t))) == NULL ||
	    (lg->outv = calloc(lg->window, sizeof(uint32_t))) == NULL)
		exit(1);
	for (unsigned p = 0; p < lg->pipeline; p++)
		for (unsigned k = 0; k < lg->n_mine; k++) {
			uint32_t si = lg->mine[k];

			if (lg->sess[si].state == S_UP &&
			    si + (uint64_t)p * lg->n_sessions < lg->total)
				ready_push(lg, si);
		}
	while (lg->done + lg->failed < lg->sent || lg->ready_len > 0) {
		uint64_t now;

		pump(lg);
		io_turn(lg, lg->n_out > 0 ? 1 : 0, true);
		now = now_us();
		if (now - last_check > 100000) {
			last_check = now;
			check_timeouts(lg, now);
		}
		if (!lg->quiet && (lg->done + lg->failed) / 10000 !=
		    last_report) {
			last_report = (lg->done + lg->failed) / 10000;
			fprintf(stderr, "loadgen: %u requests answered\n",
			    lg->done);
		}
		if (lg->up == 0 && lg->n_out == 0)
			break;
		if (lg->up == 0) {	/* every session is gone */
			while (lg->n_out > 0)
				finish(lg, lg->outv[0], R_FAILED);
			break;
		}
	}
}

static void
hold(struct lg *lg)
{
	uint64_t end = now_us() + (uint64_t)lg->hold_s * 1000000;
	uint64_t iv = (uint64_t)lg->hb_s * 1000000;

	for (unsigned k = 0; k < lg->n_mine; k++)
		lg->sess[lg->mine[k]].next_hb = now_us() + (iv ?
		    (uint64_t)random() % iv : 0);
	while (now_us() < end) {
		uint64_t now = now_us();

		io_turn(lg, 10, true);
		if (iv == 0)
			continue;
		/* cheap enough: one pass per loop turn over the sessions */
		for (unsigned k = 0; k < lg->n_mine; k++) {
			struct lg_session *ss = &lg->sess[lg->mine[k]];

			if (ss->state == S_UP && ss->next_hb <= now) {
				ss->next_hb = now + iv;
				send_hb(lg, lg->mine[k]);
			}
		}
	}
	for (unsigned k = 0; k < lg->n_mine; k++) {
		struct lg_session *ss = &lg->sess[lg->mine[k]];

		if (ss->state == S_UP && coap_session_get_state(ss->s) ==
		    COAP_SESSION_STATE_ESTABLISHED)
			lg->still_up++;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const uint32_t *v, size_t n, double p)
{
	size_t k;

	if (n == 0)
		return 0;
	k = (size_t)(p * (double)n);
	if (k >= n)
		k = n - 1;
	return v[k] / 1000.0;
}

static void
xwrite(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n <= 0 && errno != EINTR)
			_exit(1);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
}

static int
xread(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);

		if (n == 0 || (n < 0 && errno != EINTR))
			return -1;
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		}
	}
	return 0;
}

/*
 * The parent says go: one byte on each worker's own pipe (on a shared one
 * a fast worker could take a slow one's byte and run a phase early).
 */
static void
barrier(int ready_w, int go_r)
{
	char b = 0;

	xwrite(ready_w, &b, 1);
	if (xread(go_r, &b, 1) == -1)
		_exit(1);
}

/* One process: the sessions it claims and their requests. */
static void
worker(struct lg *lg, int ready_w, int go_r, int res_w)
{
	struct lg_res res = { 0 };
	uint32_t *lat;

	coap_startup();
	coap_set_log_level(getenv("LOADGEN_DEBUG") ? LOG_DEBUG : LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	srandom((unsigned)getpid());
	if ((lg->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		_exit(1);
	/* the clock starts once every worker is ready: struct hs_probe */
	barrier(ready_w, go_r);

	connect_all(lg);
	barrier(ready_w, go_r);
	if (lg->total > 0)
		run_requests(lg);
	barrier(ready_w, go_r);
	if (lg->hold_s > 0)
		hold(lg);

	if ((lat = calloc((size_t)lg->total + 1, sizeof(*lat))) == NULL)
		_exit(1);
	for (unsigned k = 0; k < lg->n_mine; k++)
		for (uint64_t j = lg->mine[k]; j < lg->total;
		    j += lg->n_sessions)
			if (lg->req[j].state == R_DONE &&
			    lg->req[j].code >= 200 && lg->req[j].code < 300)
				lat[res.nlat++] = lg->req[j].lat_us;
	res.up = lg->up;
	res.failed_hs = lg->failed_hs;
	res.slow_hs = lg->slow_hs;
	res.done = lg->done;
	res.failed = lg->failed;
	res.sent = lg->sent;
	res.resent = lg->resent;
	res.code_2xx = lg->code_2xx;
	res.code_err = lg->code_err;
	res.hb_sent = lg->hb_sent;
	res.hb_ok = lg->hb_ok;
	res.srv_hb = lg->srv_hb;
	res.still_up = lg->still_up;
	xwrite(res_w, &res, sizeof(res));
	xwrite(res_w, lat, res.nlat * sizeof(*lat));
	/* exit without closing 1000 sessions one by one: the server's
	 * idle timeout reaps them, and the next run is not slowed */
	_exit(0);
}

static uint64_t
workers_cpu_ns(const struct hs_probe *p)
{
	uint64_t own = 0;

	for (unsigned w = 0; w < p->nw; w++)
		if (p->pids[w] > 0)
			own += proc_cpu_ns(p->pids[w]);
	return own;
}

static void
probe_mark(struct hs_probe *p, unsigned k, unsigned up)
{
	p->mark[k] = (struct hs_mark){ .up = up, .t = now_us(),
	    .daemon = p->pid > 0 ? proc_cpu_ticks(p->pid) : 0,
	    .own = workers_cpu_ns(p) };
}

static void
probe_step(struct hs_probe *p)
{
	unsigned up = __atomic_load_n(p->all_up, __ATOMIC_RELAXED);
	uint64_t t = now_us();

	/* -T: the table's fill, the daemon's CPU (ticks), the workers' (ms) */
	if (p->timeline && t - p->t_line >= 250000) {
		p->t_line = t;
		fprintf(stderr, "loadgen: t_ms=%llu up=%u daemon_ticks=%llu "
		    "loadgen_ms=%llu\n", (unsigned long long)(t -
		    p->mark[0].t) / 1000, up, (unsigned long long)(p->pid > 0 ?
		    proc_cpu_ticks(p->pid) : 0),
		    (unsigned long long)workers_cpu_ns(p) / 1000000);
	}
	while (p->next < 10 && up > 0 && up >= (uint64_t)p->n * p->next / 10)
		probe_mark(p, p->next++, up);
}

/*
 * Per tenth, as key=a/b/...: handshakes/s, and the daemon's and loadgen's
 * CPU per handshake; nothing when a tenth lasted less than the probe's
 * step (50 ms).
 */
static void
probe_print(const struct hs_probe *p, double hz)
{
	static const char *key[3] = { "hs_per_s_tenths", "hs_cpu_us_tenths",
	    "lg_cpu_us_tenths" };

	if (p->next != 11)
		return;
	for (unsigned k = 1; k <= 10; k++)
		if (p->mark[k].up <= p->mark[k - 1].up ||
		    p->mark[k].t - p->mark[k - 1].t < 50000)
			return;
	for (unsigned v = 0; v < 3; v++) {
		if (v == 1 && p->pid <= 0)
			continue;
		printf(" %s=", key[v]);
		for (unsigned k = 1; k <= 10; k++) {
			const struct hs_mark *a = &p->mark[k - 1];
			const struct hs_mark *b = &p->mark[k];
			double n = b->up - a->up;

			printf("%s%.0f", k > 1 ? "/" : "", v == 0 ?
			    n / ((double)(b->t - a->t) / 1e6) :
			    v == 1 ? (double)(b->daemon - a->daemon) / hz *
			    1e6 / n : (double)(b->own - a->own) / 1e3 / n);
		}
	}
}

/*
 * This VM (Firecracker, free page reporting) hands its host back the free
 * memory it does not need, but for a pool that it keeps backed (0.5-3 GiB
 * seen once freed memory had settled); the first touch of a page handed
 * back costs a host fault. A 4 KiB page of the pool costs ~1.3 µs to
 * touch, one handed back ~11 µs; a 2 MiB huge page never comes from the
 * pool (~5 ms). So a wave of handshakes, whose daemon and workers touch
 * ~1.6 GiB, ran cheaply until the pool was gone, at a point set by what
 * ran before it, and read as a rate falling with the table
 * (tests/bench/README.md, "Tenth pass"). -D takes the pool before the
 * clock starts and holds it until the handshakes end, so every tenth pays
 * the same for its memory: touch 4 KiB pages DRAIN_STEP at a time until
 * two steps in a row cost DRAIN_JUMP times the cheapest, or max_mib, or a
 * quarter of the free memory. On a machine that backs all of its memory
 * nothing jumps: that much is touched, cheaply, and given back (run.sh
 * passes -D only where the kernel reports free pages).
 */
#define DRAIN_STEP	((size_t)16 << 20)
#define DRAIN_JUMP	4

struct drain {
	void		*p;
	size_t		 len;		/* mapped */
	size_t		 touched;
	uint64_t	 us_min, us_last;	/* per step */
};

static void
drain_pool(struct drain *d, unsigned max_mib)
{
	unsigned dear = 0;
	size_t free_quarter = (size_t)sysconf(_SC_AVPHYS_PAGES) / 4 *
	    (size_t)sysconf(_SC_PAGESIZE);

	memset(d, 0, sizeof(*d));
	d->len = (size_t)max_mib << 20;
	if (d->len > free_quarter)
		d->len = free_quarter;
	if (d->len < DRAIN_STEP)
		return;
	d->p = mmap(NULL, d->len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (d->p == MAP_FAILED) {
		d->p = NULL;
		return;
	}
	madvise(d->p, d->len, MADV_NOHUGEPAGE);
	while (d->touched + DRAIN_STEP <= d->len && dear < 2) {
		volatile char *c = (char *)d->p + d->touched;
		uint64_t t = now_us();

		for (size_t i = 0; i < DRAIN_STEP; i += 4096)
			c[i] = 1;
		d->us_last = now_us() - t;
		d->touched += DRAIN_STEP;
		if (d->us_min == 0 || d->us_last < d->us_min)
			d->us_min = d->us_last;
		dear = d->us_last >= DRAIN_JUMP * d->us_min ? dear + 1 : 0;
	}
}

static void
drain_release(struct drain *d)
{
	if (d->p != NULL)
		munmap(d->p, d->len);
	d->p = NULL;
}

/*
 * Wait for one byte from each live worker; -1 if one has died (the others
 * hold the pipe open, so no end of file says so). A dead worker's pid is
 * zeroed and *alive lowered, so the next barrier does not wait for it.
 */
static int
gather(int ready_r, pid_t *pids, unsigned nw, unsigned *alive,
    struct hs_probe *probe)
{
	struct pollfd pfd = { .fd = ready_r, .events = POLLIN };
	unsigned k = 0;
	int rc = 0;
	char b;

	while (k < *alive) {
		int st;

		if (probe != NULL)
			probe_step(probe);
		if (poll(&pfd, 1, probe != NULL ? 50 : 1000) == 1) {
			if (xread(ready_r, &b, 1) == -1)
				return -1;
			k++;
			continue;
		}
		for (unsigned w = 0; w < nw; w++)
			if (pids[w] > 0 && waitpid(pids[w], &st, WNOHANG) ==
			    pids[w]) {
				fprintf(stderr, "loadgen: worker %u died (%s "
				    "%d)\n", w, WIFSIGNALED(st) ? "signal" :
				    "exit", WIFSIGNALED(st) ? WTERMSIG(st) :
				    WEXITSTATUS(st));
				pids[w] = 0;
				(*alive)--;
				rc = -1;
			}
	}
	return rc;
}

static void
release(const int *go_w, const pid_t *pids, unsigned nw)
{
	char b = 0;

	for (unsigned w = 0; w < nw; w++)
		if (pids[w] > 0)
			xwrite(go_w[w], &b, 1);
}

int
main(int argc, char **argv)
{
	struct lg lg;
	struct lg_res tot = { 0 };
	struct in_addr ta;
	uint64_t t0, t1, th0, th1, tk0, tk1, cpu0 = 0, cpu1 = 0, cpuh0 = 0, cpuh1 = 0;
	const struct hs_mark *m;
	uint32_t *lat;
	size_t nlat = 0;
	unsigned long rss_req = 0;
	/* the daemon over the handshake phase: CPU, VmRSS before and after */
	uint64_t cpus0 = 0;
	unsigned long rss_hs0 = 0, rss_hs1 = 0;
	struct hs_probe probe;
	struct drain drain;
	double secs, hz = (double)sysconf(_SC_CLK_TCK);
	int ch, ready[2], *go_w, *res_r;
	unsigned nw, alive;
	pid_t *pids;
	bool broken = false, show_timeline = false;
	struct rlimit rl;

	memset(&lg, 0, sizeof(lg));
	G = &lg;
	/* the workers' sockets, and the parent's three pipes per worker */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lg.n_sessions = 1;
	lg.pipeline = 1;
	lg.window = 256;
	lg.handshakes = 32;
	lg.timeout_ms = 3000;
	lg.retries = 3;
	lg.lifetime = 3600;
	lg.mid_base = 1;
	lg.per_worker = 900;
	lg.cuid_prefix = "lg";
	inet_pton(AF_INET, "10.0.0.1", &ta);
	lg.target_base = ntohl(ta.s_addr);
	while ((ch = getopt(argc, argv,
	    "s:i:k:c:p:w:j:n:t:r:l:m:a:u:g:H:b:P:W:D:qT")) != -1) {
		switch (ch) {
		case 's': parse_addr(&lg, optarg); break;
		case 'i': lg.identity = optarg; break;
		case 'k': lg.key = optarg; break;
		case 'c': lg.n_sessions = num(optarg, 1000000); break;
		case 'p': lg.pipeline = num(optarg, 1000); break;
		case 'w': lg.window = num(optarg, 1000000); break;
		case 'j': lg.handshakes = num(optarg, 10000); break;
		case 'n': lg.total = num(optarg, 100000000); break;
		case 't': lg.timeout_ms = num(optarg, 600000); break;
		case 'r': lg.retries = num(optarg, 100); break;
		case 'l': lg.lifetime = num(optarg, 100000000); break;
		case 'm': lg.mid_base = num(optarg, 2000000000); break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &ta) != 1)
				usage();
			lg.target_base = ntohl(ta.s_addr);
			break;
		case 'u': lg.cuid_prefix = optarg; break;
		case 'g': lg.gbps = optarg; break;
		case 'H': lg.hold_s = num(optarg, 86400); break;
		case 'b': lg.hb_s = num(optarg, 86400); break;
		case 'P': lg.pid = (int)num(optarg, 1 << 30); break;
		case 'W': lg.per_worker = num(optarg, WORKER_MAX); break;
		case 'q': lg.quiet = true; break;
		case 'T': show_timeline = true; break;
		case 'D': lg.drain_mib = num(optarg, 1 << 20); break;
		default: usage();
		}
	}
	if (lg.dst.size == 0 || lg.identity == NULL || lg.key == NULL ||
	    lg.n_sessions == 0 || lg.pipeline == 0 || lg.window == 0 ||
	    lg.handshakes == 0 || lg.per_worker == 0)
		usage();
	if ((lg.sess = calloc(lg.n_sessions, sizeof(*lg.sess))) == NULL ||
	    (lg.req = calloc((size_t)lg.total + 1, sizeof(*lg.req))) == NULL)
		exit(1);
	build_bodies(&lg);

	/* workers share the window and the handshake budget */
	nw = (lg.n_sessions + lg.per_worker - 1) / lg.per_worker;
	lg.window = lg.window / nw ? lg.window / nw : 1;
	lg.handshakes = lg.handshakes / nw ? lg.handshakes / nw : 1;
	if (pipe(ready) == -1 ||
	    (go_w = calloc(nw, sizeof(*go_w))) == NULL ||
	    (res_r = calloc(nw, sizeof(*res_r))) == NULL ||
	    (pids = calloc(nw, sizeof(*pids))) == NULL)
		exit(1);
	if ((lg.shared = mmap(NULL, sizeof(*lg.shared), PROT_READ |
	    PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)) == MAP_FAILED)
		exit(1);
	memset(lg.shared, 0, sizeof(*lg.shared));
	probe = (struct hs_probe){ .pid = lg.pid, .all_up = &lg.shared->all_up,
	    .n = lg.n_sessions, .next = 1, .timeline = show_timeline,
	    .pids = pids, .nw = nw };
	for (unsigned w = 0; w < nw; w++) {
		int rp[2], gp[2];

		if (pipe(rp) == -1 || pipe(gp) == -1)
			exit(1);
		if ((pids[w] = fork()) == -1)
			exit(1);
		if (pids[w] == 0) {
			/* the others' pipes: below FD_SETSIZE, see lg_res */
			for (unsigned k = 0; k < w; k++) {
				close(go_w[k]);
				close(res_r[k]);
			}
			close(rp[0]);
			close(gp[1]);
			close(ready[0]);
			lg.quiet |= w > 0;
			worker(&lg, ready[1], gp[0], rp[1]);
		}
		close(rp[1]);
		close(gp[0]);
		res_r[w] = rp[0];
		go_w[w] = gp[1];
	}
	close(ready[1]);
	alive = nw;

	/* every worker started, the pool held: the clock starts */
	broken |= gather(ready[0], pids, nw, &alive, NULL) == -1;
	drain_pool(&drain, lg.drain_mib);
	if (lg.pid > 0) {
		cpus0 = proc_cpu_ticks(lg.pid);
		rss_hs0 = proc_status_kb(lg.pid, "VmRSS");
	}
	probe.mark[0] = (struct hs_mark){ .t = now_us(), .daemon = cpus0,
	    .own = workers_cpu_ns(&probe) };
	th0 = probe.mark[0].t;
	release(go_w, pids, nw);
	broken |= gather(ready[0], pids, nw, &alive, &probe) == -1;
	if (probe.next == 10)	/* else a tenth never came: nothing said */
		probe_mark(&probe, probe.next++, lg.shared->all_up);
	th1 = now_us();
	drain_release(&drain);
	secs = (double)(th1 - th0) / 1e6;
	if (lg.pid > 0) {
		cpu0 = proc_cpu_ticks(lg.pid);
		rss_hs1 = proc_status_kb(lg.pid, "VmRSS");
	}
	t0 = now_us();
	release(go_w, pids, nw);
	broken |= gather(ready[0], pids, nw, &alive, NULL) == -1;
	t1 = now_us();
	if (lg.pid > 0) {
		cpu1 = proc_cpu_ticks(lg.pid);
		rss_req = proc_status_kb(lg.pid, "VmRSS");
	}
	if (lg.pid > 0)
		cpuh0 = proc_cpu_ticks(lg.pid);
	tk0 = now_us();
	release(go_w, pids, nw);

	if ((lat = calloc((size_t)lg.total + 1, sizeof(*lat))) == NULL)
		exit(1);
	for (unsigned w = 0; w < nw; w++) {
		struct lg_res r;

		if (xread(res_r[w], &r, sizeof(r)) == -1 ||
		    nlat + r.nlat > lg.total + (size_t)1 ||
		    xread(res_r[w], lat + nlat, r.nlat * sizeof(*lat)) == -1) {
			broken = true;
			continue;
		}
		nlat += r.nlat;
		tot.up += r.up;
		tot.failed_hs += r.failed_hs;
		tot.slow_hs += r.slow_hs;
		tot.done += r.done;
		tot.failed += r.failed;
		tot.sent += r.sent;
		tot.resent += r.resent;
		tot.code_2xx += r.code_2xx;
		tot.code_err += r.code_err;
		tot.hb_sent += r.hb_sent;
		tot.hb_ok += r.hb_ok;
		tot.srv_hb += r.srv_hb;
		tot.still_up += r.still_up;
	}
	tk1 = now_us();
	if (lg.pid > 0)
		cpuh1 = proc_cpu_ticks(lg.pid);
	for (unsigned w = 0; w < nw; w++)
		if (pids[w] > 0)
			waitpid(pids[w], NULL, 0);
	if (broken)
		fprintf(stderr, "loadgen: a worker died\n");

	printf("sessions=%u workers=%u up=%u handshake_failed=%u "
	    "handshakes_over_1s=%u handshake_s=%.2f handshakes_per_s=%.0f",
	    lg.n_sessions, nw, tot.up, tot.failed_hs, tot.slow_hs, secs,
	    secs > 0 ? tot.up / secs : 0);
	/* each tenth over 50 ms at least (the probe's step), else unsaid */
	m = probe.mark;
	if (probe.next == 11 && m[1].up > 0 && m[1].t - m[0].t >= 50000 &&
	    m[10].up > m[9].up && m[10].t - m[9].t >= 50000)
		printf(" hs_first_per_s=%.0f hs_last_per_s=%.0f", m[1].up /
		    ((double)(m[1].t - m[0].t) / 1e6), (m[10].up - m[9].up) /
		    ((double)(m[10].t - m[9].t) / 1e6));
	if (lg.drain_mib > 0)
		printf(" drained_mib=%zu drain_us_per_mib=%.0f/%.0f",
		    drain.touched >> 20, (double)drain.us_min / (DRAIN_STEP >>
		    20), (double)drain.us_last / (DRAIN_STEP >> 20));
	qsort(lat, nlat, sizeof(*lat), cmp_u32);
	secs = (double)(t1 - t0) / 1e6;
	printf(" requests=%u ok=%u errors=%u lost=%u resent=%u req_s=%.3f "
	    "rps=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f", lg.total,
	    tot.code_2xx, tot.code_err, lg.total - tot.code_2xx -
	    tot.code_err, tot.resent, secs, secs > 0 ? tot.code_2xx / secs :
	    0, pct(lat, nlat, 0.5), pct(lat, nlat, 0.99),
	    nlat ? lat[nlat - 1] / 1000.0 : 0);
	if (lg.pid > 0)
		printf(" cpu_s=%.2f cpu_us_per_req=%.1f rss_kb=%lu",
		    (double)(cpu1 - cpu0) / hz, tot.code_2xx ? (double)(cpu1 -
		    cpu0) / hz * 1e6 / tot.code_2xx : 0, rss_req);
	if (lg.hold_s > 0)
		printf(" held_s=%u still_up=%u hb_sent=%u hb_ok=%u "
		    "server_hb_answered=%u", lg.hold_s, tot.still_up,
		    tot.hb_sent, tot.hb_ok, tot.srv_hb);
	if (lg.hold_s > 0 && lg.pid > 0)
		printf(" hold_cpu_s=%.2f hold_cpu_pct=%.1f", (double)(cpuh1 -
		    cpuh0) / hz, (double)(cpuh1 - cpuh0) / hz * 100 /
		    ((double)(tk1 - tk0) / 1e6));
	if (lg.pid > 0 && tot.up > 0)
		printf(" hs_cpu_s=%.2f hs_cpu_us_per_session=%.1f "
		    "hs_rss0_kb=%lu hs_rss1_kb=%lu hs_kb_per_session=%.1f",
		    (double)(cpu0 - cpus0) / hz, (double)(cpu0 - cpus0) / hz *
		    1e6 / tot.up, rss_hs0, rss_hs1, ((double)rss_hs1 -
		    (double)rss_hs0) / tot.up);
	if (lg.pid > 0 && probe.next == 11 && m[1].up > 0 &&
	    m[10].up > m[9].up)
		printf(" hs_cpu_us_first_tenth=%.1f hs_cpu_us_last_tenth=%.1f",
		    (double)(m[1].daemon - m[0].daemon) / hz * 1e6 / m[1].up,
		    (double)(m[10].daemon - m[9].daemon) / hz * 1e6 /
		    (m[10].up - m[9].up));
	probe_print(&probe, hz);
	if (lg.pid > 0)
		printf(" vmrss_kb=%lu vmhwm_kb=%lu", proc_status_kb(lg.pid,
		    "VmRSS"), proc_status_kb(lg.pid, "VmHWM"));
	printf("\n");
	free(lat);
	free(lg.sess);
	free(lg.req);
	free(lg.bodies);
	free(lg.body_off);
	free(res_r);
	free(go_w);
	free(pids);
	munmap(lg.shared, sizeof(*lg.shared));
	return broken || tot.up == 0 || (lg.total > 0 && tot.code_2xx == 0);
}
