#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dotsctl/ctl_admin.h"

#define MAX_RESPONSE	(16 * 1024 * 1024)

struct ctl_resp {
	int	 code;
	char	*body;		/* NUL-terminated */
	size_t	 len;
};

static int
dial(const char *path, unsigned timeout_s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { (time_t)timeout_s, 0 };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "dotsctl: control socket %s: path too long\n",
		    path);
		return -1;
	}
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "dotsctl: socket: %s\n", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		/* EACCES: the socket's mode and group keep us out */
		fprintf(stderr, "dotsctl: control socket %s: %s\n", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One exchange (ctl_sock.h): "CMD\n" out, "CODE REASON\n" and the body
 * back, read until the daemon closes. */
static int
exchange(const char *path, const char *cmd, unsigned timeout_s,
    struct ctl_resp *r)
{
	char req[80], *buf = NULL, *nl;
	size_t len = 0, cap = 0;
	ssize_t n;
	int fd, wfail = 0;

	memset(r, 0, sizeof(*r));
	if ((fd = dial(path, timeout_s)) == -1)
		return -1;
	n = snprintf(req, sizeof(req), "%s\n", cmd);
	/* a refused peer may be answered and closed before we write: read
	 * the answer all the same */
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n)
		wfail = errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 8192;
			if (cap > MAX_RESPONSE || (nb = realloc(buf,
			    cap)) == NULL) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len == 0) {
		errno = wfail;
		fd = -1;
		goto fail;
	}
	if (sscanf(buf, "%d ", &r->code) != 1 ||
	    (nl = strchr(buf, '\n')) == NULL) {
		fprintf(stderr, "dotsctl: control socket %s: not a control "
		    "answer\n", path);
		free(buf);
		return -1;
	}
	nl++;
	r->len = len - (size_t)(nl - buf);
	memmove(buf, nl, r->len + 1);
	r->body = buf;
	return 0;
fail:
	fprintf(stderr, "dotsctl: control socket %s: %s\n", path,
	    errno == EAGAIN ? "no answer within the timeout" : errno ?
	    strerror(errno) : "no answer");
	if (fd != -1)
		close(fd);
	free(buf);
	return -1;
}

/* ---------------------------------------------------------------- */
/* Tables */

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "-";
}

static void
fmt_ago(json_t *v, char *buf, size_t len)
{
	if (!json_is_number(v))
		snprintf(buf, len, "never");
	else
		snprintf(buf, len, "%.0fs ago", json_number_value(v));
}

/* heartbeat-interval/missing-hb-allowed/max-retransmit/ack-timeout/
 * ack-random-factor/probing-rate, compactly. */
static void
fmt_cfg(json_t *c, char *buf, size_t len)
{
	snprintf(buf, len, "hb %lld/%lld retx %lld ack %.2f/%.2f probe %lld",
	    json_integer_value(json_object_get(c, "heartbeat-interval")),
	    json_integer_value(json_object_get(c, "missing-hb-allowed")),
	    json_integer_value(json_object_get(c, "max-retransmit")),
	    json_number_value(json_object_get(c, "ack-timeout")),
	    json_number_value(json_object_get(c, "ack-random-factor")),
	    json_integer_value(json_object_get(c, "probing-rate")));
}

static void
print_peers(json_t *peers)
{
	size_t i, j;
	json_t *p, *s;

	printf("PEERS\n%-16s %-6s %-5s %-5s %6s  %-9s %s\n", "NAME", "AUTH",
	    "ROLE", "STATE", "ACTIVE", "LAST-REQ", "NEGOTIATED CONFIG");
	json_array_foreach(peers, i, p) {
		json_t *roles = json_object_get(p, "roles");
		bool down = false, up = false;
		char last[32], cfg[96];
		json_t *r;
		size_t k;

		json_array_foreach(roles, k, r) {
			down |= strcmp(json_string_value(r), "downstream") == 0;
			up |= strcmp(json_string_value(r), "upstream") == 0;
		}
		fmt_ago(json_object_get(p, "last-request-ago"), last,
		    sizeof(last));
		fmt_cfg(json_object_get(p, json_integer_value(json_object_get(
		    p, "active")) > 0 ? "mitigating-config" : "idle-config"),
		    cfg, sizeof(cfg));
		printf("%-16s %-6s %-5s %-5s %6lld  %-9s %s\n", str(p, "name"),
		    str(p, "auth"), down && up ? "both" : down ? "down" : "up",
		    !down ? "-" : json_is_true(json_object_get(p, "up")) ?
		    "up" : "down",
		    json_integer_value(json_object_get(p, "active")), last,
		    down ? cfg : "-");
		json_array_foreach(json_object_get(p, "sessions"), j, s) {
			char hb[32];

			fmt_ago(json_object_get(s, "last-heartbeat-ago"), hb,
			    sizeof(hb));
			printf("  session %-4s %-28s last heartbeat %s\n",
			    str(s, "transport"), str(s, "remote"), hb);
		}
	}
}

static void
print_upstreams(json_t *ups)
{
	size_t i;
	json_t *u;

	if (json_array_size(ups) == 0)
		return;
	printf("\nUPSTREAMS\n%-16s %-22s %-5s %-5s %-9s %6s %-9s %6s %-11s "
	    "%s\n", "NAME", "ADDRESS", "TRANS", "STATE", "HEARTBEAT",
	    "MISSED", "LAST-HB", "RECONN", "OBSERVATION", "PLACEMENTS");
	json_array_foreach(ups, i, u) {
		char addr[80], hb[32], last[32];

		snprintf(addr, sizeof(addr), "%s:%lld", str(u, "address"),
		    json_integer_value(json_object_get(u, "port")));
		snprintf(hb, sizeof(hb), "%llds/%lld",
		    json_integer_value(json_object_get(u,
		    "heartbeat-interval")),
		    json_integer_value(json_object_get(u,
		    "missing-hb-allowed")));
		fmt_ago(json_object_get(u, "last-heartbeat-ago"), last,
		    sizeof(last));
		printf("%-16s %-22s %-5s %-5s %-9s %6lld %-9s %6lld %-11s "
		    "%lld\n", str(u, "name"), addr, str(u, "transport"),
		    json_is_true(json_object_get(u, "up")) ? "up" : "down", hb,
		    json_integer_value(json_object_get(u,
		    "heartbeats-missed")), last,
		    json_integer_value(json_object_get(u, "reconnects")),
		    str(u, "observation"),
		    json_integer_value(json_object_get(u, "placements")));
	}
}

/* "192.0.2.1/32 +2 fqdn www.example.com" */
static void
fmt_targets(json_t *t, char *buf, size_t len)
{
	static const char *const lists[] = { "target-prefix", "target-fqdn",
	    "target-uri" };
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < 3 && off < len; i++) {
		json_t *a = json_object_get(t, lists[i]);
		size_t n = json_array_size(a);

		if (n == 0)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ?
		    " " : "", json_string_value(json_array_get(a, 0)));
		if (n > 1 && off < len)
			off += (size_t)snprintf(buf + off, len - off, " +%zu",
			    n - 1);
	}
	if (off == 0)
		snprintf(buf, len, "-");
}

static void
print_mitigations(json_t *mits)
{
	size_t i, j;
	json_t *m, *p;

	printf("\nMITIGATIONS\n");
	if (json_array_size(mits) == 0) {
		printf("  none\n");
		return;
	}
	printf("%-16s %-12s %6s  %-32s %8s  %-20s %s\n", "PEER", "CUID", "MID",
	    "STATUS", "LIFETIME", "TARGETS", "DROPPED (bytes/pkts)");
	json_array_foreach(mits, i, m) {
		json_t *relay = json_object_get(m, "relay");
		json_t *ctr = json_object_get(m, "counters");
		char tg[128], path[256] = "";
		size_t off = 0;
		json_t *hop;

		fmt_targets(json_object_get(m, "targets"), tg, sizeof(tg));
		printf("%-16s %-12.12s %6lld  %-32s %8lld  %-20s %lld/%lld\n",
		    str(m, "peer"), str(m, "cuid"),
		    json_integer_value(json_object_get(m, "mid")),
		    str(m, "status-name"),
		    json_integer_value(json_object_get(m, "lifetime-left")), tg,
		    json_integer_value(json_object_get(ctr, "bytes-dropped")),
		    json_integer_value(json_object_get(ctr, "pkts-dropped")));
		if (relay == NULL)
			continue;
		json_array_foreach(json_object_get(relay, "relay-path"), j,
		    hop)
			if (off < sizeof(path))
				off += (size_t)snprintf(path + off,
				    sizeof(path) - off, "%s%s", off ? " > " :
				    "", json_string_value(hop));
		printf("  path %s%s; %s\n", path, json_is_true(json_object_get(
		    relay, "local")) ? " (local)" : "", str(relay, "reason"));
		json_array_foreach(json_object_get(relay, "placements"), j, p)
			printf("  -> %-12s mid %-6lld %-8s status %lld%s%s%s%s"
			    "%s\n", str(p, "upstream"),
			    json_integer_value(json_object_get(p, "mid")),
			    str(p, "state"),
			    json_integer_value(json_object_get(p, "status")),
			    strcmp(str(p, "observation"), "polled") == 0 ?
			    " (polled)" : "",
			    json_object_get(p, "code") ? " code " : "",
			    json_object_get(p, "code") ? str(p, "code") : "",
			    json_object_get(p, "diagnostic") ? ": " : "",
			    json_object_get(p, "diagnostic") ?
			    str(p, "diagnostic") : "");
	}
}

static void
print_capacity(json_t *cap)
{
	json_t *c = json_object_get(cap, "configured");
	json_t *u = json_object_get(cap, "in-use");
	static const char *const units[] = { "bps", "pps", "rules" };

	printf("\nCAPACITY (in use / configured)\n");
	for (size_t i = 0; i < 3; i++)
		printf("  %-5s %lld / %lld%s\n", units[i],
		    json_integer_value(json_object_get(u, units[i])),
		    json_integer_value(json_object_get(c, units[i])),
		    i == 2 && json_integer_value(json_object_get(c,
		    "rules")) == 0 ? " (unlimited)" : "");
}

static int
print_status(const char *body, bool as_json)
{
	json_error_t e;
	json_t *j;

	if (as_json) {
		fputs(body, stdout);
		if (body[0] != '\0' && body[strlen(body) - 1] != '\n')
			putchar('\n');
		return 0;
	}
	if ((j = json_loads(body, 0, &e)) == NULL) {
		fprintf(stderr, "dotsctl: status: bad JSON: %s\n", e.text);
		return 2;
	}
	printf("node %s  config %s  up %.0fs\n\n", str(j, "node-id"),
	    str(j, "config"), json_number_value(json_object_get(j, "uptime")));
	print_peers(json_object_get(j, "peers"));
	print_upstreams(json_object_get(j, "upstreams"));
	print_mitigations(json_object_get(j, "mitigations"));
	print_capacity(json_object_get(j, "capacity"));
	json_decref(j);
	return 0;
}

int
ctl_admin(const char *path, const char *cmd, bool as_json, unsigned timeout_s)
{
	struct ctl_resp r;
	int st;
	bool reload = strcmp(cmd, "reload") == 0;

	if (exchange(path, cmd, timeout_s, &r) == -1)
		return 2;
	if (r.code != 200) {
		fprintf(stderr, "dotsctl: %s: %d: %s", cmd, r.code, r.body);
		if (r.len == 0 || r.body[r.len - 1] != '\n')
			fputc('\n', stderr);
		free(r.body);
		return 1;
	}
	if (reload) {
		fputs(r.body, stdout);
		st = 0;
	} else
		st = print_status(r.body, as_json);
	free(r.body);
	return st;
}

int
ctl_request(const char *path, const char *cmd, unsigned timeout_s, int *code,
    char **body)
{
	struct ctl_resp r;

	if (exchange(path, cmd, timeout_s, &r) == -1)
		return -1;
	*code = r.code;
	*body = r.body;
	return 0;
}
