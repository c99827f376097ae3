/*
 * dotsctl: a DOTS signal-channel client for operators and tests
 * (RFC 9132). It speaks to any DOTS server, dotsgwd included, over
 * coaps:// (DTLS) or coaps+tcp:// (TLS) with PSK or certificates.
 *
 * Exit status: 0 when the (last) response is 2.xx, 1 for 4.xx/5.xx,
 * 2 when no response came (timeout, handshake failure), 64 on usage errors.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <gnutls/gnutls.h>

#include "client/client.h"
#include "dotsctl/ctl_admin.h"
#include "common/cuid.h"
#include "common/dots_json.h"
#include "common/version.h"

#define EX_RESP_OK	0
#define EX_RESP_ERR	1
#define EX_NORESP	2
#define EX_USAGE	64

#define DEFAULT_URI	"coaps://127.0.0.1:4646"
#define SC		"ietf-dots-signal-channel:"

struct ctl {
	struct dc_opts	 o;
	uint8_t		 psk_key[64];
	const char	*cuid;
	char		 cuid_buf[CUID_BUFLEN];
	const char	*cdid;
	const char	*admin;		/* HOST:PORT of the admin endpoint */
	bool		 json;
	bool		 con;
	unsigned	 timeout;	/* seconds */
	int		 verbose;
	struct dots_client *dc;
	int		 status;	/* exit status so far */
};

/* A request body in the making: flags or a file. */
struct body {
	json_t		*scope;		/* target flags, NULL until one */
	const char	*json_file;
	const char	*cbor_file;
	int		 content_format;
	uint8_t		*buf;
	size_t		 len;
};

static const char usage_text[] =
"usage: dotsctl [global options] command [command options]\n"
"\n"
"A DOTS signal-channel client (RFC 9132).\n"
"\n"
"Global options (before or after the command):\n"
"  -s, --server URI        coaps://HOST:PORT (DTLS) or coaps+tcp://HOST:PORT\n"
"                          (TLS); default " DEFAULT_URI "\n"
"  --psk-identity ID       PSK identity\n"
"  --psk-key KEY           PSK key, ASCII   | --psk-key-hex HEX\n"
"  --cert F --key F --ca F client certificate, its key, the CA to verify the\n"
"                          server with (PEM)\n"
"  --server-name NAME      check the server certificate against NAME (CN or\n"
"                          DNS SubjectAltName) and send it as SNI\n"
"  --cuid X                client id; default: RFC 9132 §4.4.1.1 derivation\n"
"                          from the certificate's SPKI or the PSK identity\n"
"  --cdid X                add a cdid= Uri-Path (servers must refuse/strip it)\n"
"  --json                  one JSON object per response on one line:\n"
"                          {\"code\":\"2.01\",\"body\":{...}} or\n"
"                          {\"code\":\"4.00\",\"diagnostic\":\"...\"} (+\"observe\":N)\n"
"  --timeout SECONDS       wait per request (default 10)\n"
"  --con                   send mitigation requests Confirmable (default NON)\n"
"  --admin HOST:PORT       dotsgwd's admin endpoint, for status and reload\n"
"                          (default " CTL_ADMIN_DEFAULT ")\n"
"  -v, --verbose           libcoap logs on stderr (-vv: debug)\n"
"  -h, --help              this text\n"
"  -V, --version           the version (and libcoap's, GnuTLS's)\n"
"\n"
"Commands:\n"
"  mitigate --mid N TARGETS [--lifetime S] [--no-trigger]\n"
"  mitigate --mid N --file req.json | --cbor-file F [--content-format N]\n"
"      PUT .../mitigate/cuid=X/mid=N. TARGETS, each repeatable:\n"
"      --prefix P  --port P[-Q]  --proto N  --fqdn F  --uri U  --alias A\n"
"      --lifetime defaults to 3600 (-1 = indefinite). --file sends an\n"
"      RFC-style JSON body converted to CBOR as is; --cbor-file sends raw\n"
"      bytes; --content-format overrides 271 (\"none\" omits the option).\n"
"  get [--mid N] [--observe SECONDS | --count N [--interval S]]\n"
"      GET one or all mitigations; --observe prints each notification as it\n"
"      arrives for SECONDS, then cancels (Observe 1); --count sends N GETs\n"
"      on one session, back to back or S seconds apart, printing each.\n"
"  withdraw --mid N\n"
"      DELETE .../mitigate/cuid=X/mid=N.\n"
"  efficacy --mid N --attack-status under-attack|mitigated\n"
"      (TARGETS [--lifetime S] | --file F | --cbor-file F)\n"
"      PUT with an empty If-Match; the body repeats the request's targets\n"
"      and carries a lifetime only when --lifetime is given.\n"
"  config get [--sid N]\n"
"  config put --sid N [--hb-interval N] [--missing-hb N] [--max-retransmit N]\n"
"      [--ack-timeout D] [--ack-random-factor D] [--probing-rate N]\n"
"      [--idle | --mitigating]     (both sets by default)\n"
"  config put --sid N --file F | --cbor-file F\n"
"  config delete [--sid N]\n"
"      Session configuration (CON).\n"
"  hb [--count N] [--interval S] [--peer-hb-status true|false]\n"
"      Send heartbeats (NON PUT .../hb) and print each answer; server\n"
"      heartbeats received meanwhile are answered 2.04 and counted on\n"
"      stderr.\n"
"  status\n"
"      dotsgwd's state from its admin endpoint (HTTP GET /status): peers,\n"
"      sessions and negotiated configuration, upstreams, mitigations with\n"
"      their relay path and placements, capacity; --json prints it as is.\n"
"  reload\n"
"      Reload dotsgwd's configuration (POST /reload, as SIGHUP); prints\n"
"      what changed, or the error (FILE:LINE) and exits 1.\n"
"  register get | put --file reg.json | delete\n"
"      An ISP's registration at a dotsgw orchestrator (CON, the dotsgw\n"
"      extension .well-known/dots/register; JSON names as in README.md).\n"
"\n"
"Output: \"<code> <reason>\" (e.g. \"2.01 Created\") then the body as JSON or\n"
"the diagnostic text. Exit status: 0 when the last response is 2.xx, 1 for\n"
"4.xx/5.xx, 2 for no response/timeout/handshake failure, 64 usage error.\n";

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("dotsctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'dotsctl --help'.\n", stderr);
	exit(EX_USAGE);
}

static uint32_t
parse_u32(const char *opt, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s == '\0' || *s == '-' || *end != '\0' || errno != 0 ||
	    v > UINT32_MAX)
		usage_err("%s: '%s' is not a number in 0..4294967295", opt, s);
	return (uint32_t)v;
}

static long long
parse_ll(const char *opt, const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < lo || v > hi)
		usage_err("%s: '%s' is not a number in %lld..%lld", opt, s,
		    lo, hi);
	return v;
}

static size_t
parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = strlen(s), i;
	unsigned v;

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		usage_err("--psk-key-hex: want 1 to %zu bytes of hex", max);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1 ||
		    strspn(s + 2 * i, "0123456789abcdefABCDEF") < 2)
			usage_err("--psk-key-hex: bad hex '%s'", s);
		out[i] = (uint8_t)v;
	}
	return n / 2;
}

/* ---- output ---------------------------------------------------------- */

static json_t *
resp_body(const struct dc_resp *r, char *why, size_t whylen)
{
	struct dots_err err = { 0, "" };
	json_t *j;

	if (r->len == 0)
		return NULL;
	if (r->code / 100 != 2 && r->content_format != 271 &&
	    r->code != 409 && r->code != 503)
		return NULL;
	if ((j = dots_cbor_to_json(r->payload, r->len, &err)) == NULL)
		snprintf(why, whylen, "%s", err.msg);
	return j;
}

static char *
hexdump(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

static bool
is_text(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\n' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

static void
print_resp(struct ctl *c, const struct dc_resp *r, bool notification)
{
	char code[16], why[DOTS_ERR_MSGLEN] = "";
	json_t *body = resp_body(r, why, sizeof(why)), *o;
	char *s, *hex = NULL;

	dc_code_str(r->code, code, sizeof(code));
	c->status = r->code / 100 == 2 ? EX_RESP_OK : EX_RESP_ERR;
	if (body == NULL && r->len > 0 && !is_text(r->payload, r->len))
		hex = hexdump(r->payload, r->len);
	if (c->json) {
		o = json_object();
		json_object_set_new(o, "code", json_string(code));
		if (notification && r->has_observe)
			json_object_set_new(o, "observe",
			    json_integer(r->observe));
		if (r->has_max_age)
			json_object_set_new(o, "max-age",
			    json_integer(r->max_age));
		if (body != NULL)
			json_object_set(o, "body", body);
		else if (hex != NULL) {
			json_object_set_new(o, "raw", json_string(hex));
			if (why[0] != '\0')
				json_object_set_new(o, "error",
				    json_string(why));
		} else if (r->len > 0)
			json_object_set_new(o, "diagnostic",
			    json_stringn((const char *)r->payload, r->len));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER |
		    JSON_ENSURE_ASCII);
		printf("%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		printf("%s %s\n", code, dc_code_reason(r->code));
		if (notification && r->has_observe)
			printf("Observe: %u\n", r->observe);
		if (body != NULL) {
			s = json_dumps(body, JSON_INDENT(2) |
			    JSON_PRESERVE_ORDER);
			printf("%s\n", s ? s : "");
			free(s);
		} else if (hex != NULL)
			printf("(%zu bytes, %s) %s\n", r->len,
			    why[0] ? why : "binary", hex);
		else if (r->len > 0)
			printf("%.*s\n", (int)r->len, (const char *)r->payload);
	}
	fflush(stdout);
	free(hex);
	json_decref(body);
}

static void
report_failure(struct ctl *c, int st)
{
	const char *e = c->dc ? dc_error(c->dc) : "";

	c->status = EX_NORESP;
	if (st == DC_HANDSHAKE)
		fprintf(stderr, "dotsctl: %s: handshake failed%s%s\n",
		    c->o.uri, e[0] && strcmp(e, "handshake failed") ? ": " : "",
		    e[0] && strcmp(e, "handshake failed") ? e : "");
	else if (st == DC_TIMEOUT)
		fprintf(stderr, "dotsctl: no response from %s within %u s\n",
		    c->o.uri, c->timeout);
	else
		fprintf(stderr, "dotsctl: %s: %s\n", c->o.uri,
		    e[0] ? e : "request failed");
}

static void
run_request(struct ctl *c, struct dc_req *q)
{
	struct dc_resp r;
	int st;

	st = dc_request(c->dc, q, c->timeout * 1000, &r);
	if (st != DC_OK) {
		report_failure(c, st);
		return;
	}
	print_resp(c, &r, false);
	dc_resp_free(&r);
}

/* ---- request construction -------------------------------------------- */

static void
path_mitigate(struct ctl *c, struct dc_req *q, bool has_mid, uint32_t mid,
    char *cuidseg, char *cdidseg, char *midseg, size_t seglen)
{
	q->npath = 0;
	q->path[q->npath++] = ".well-known";
	q->path[q->npath++] = "dots";
	q->path[q->npath++] = "mitigate";
	if (c->cdid != NULL) {
		snprintf(cdidseg, seglen, "cdid=%s", c->cdid);
		q->path[q->npath++] = cdidseg;
	}
	snprintf(cuidseg, seglen, "cuid=%s", c->cuid);
	q->path[q->npath++] = cuidseg;
	if (has_mid) {
		snprintf(midseg, seglen, "mid=%u", mid);
		q->path[q->npath++] = midseg;
	}
}

static json_t *
scope_of(struct body *b)
{
	if (b->scope == NULL)
		b->scope = json_object();
	return b->scope;
}

static void
scope_push(struct body *b, const char *name, json_t *v)
{
	json_t *a = json_object_get(scope_of(b), name);

	if (a == NULL) {
		a = json_array();
		json_object_set_new(b->scope, name, a);
	}
	json_array_append_new(a, v);
}

static json_t *
parse_port(const char *s)
{
	char buf[32], *dash;
	json_t *o = json_object();
	long long lo, hi;

	if (strlen(s) >= sizeof(buf))
		usage_err("--port: bad range '%s'", s);
	strcpy(buf, s);
	if ((dash = strchr(buf, '-')) != NULL)
		*dash++ = '\0';
	lo = parse_ll("--port", buf, 0, 65535);
	json_object_set_new(o, "lower-port", json_integer(lo));
	if (dash != NULL) {
		hi = parse_ll("--port", dash, lo, 65535);
		json_object_set_new(o, "upper-port", json_integer(hi));
	}
	return o;
}

/* Global options, before or after the command (their vals are below 256,
 * the command options' from 256 up). */
#define GLOBAL_SHORT	"+s:vhV"
static const struct option global_opts[] = {
	{ "server", required_argument, NULL, 's' },
	{ "psk-identity", required_argument, NULL, 'I' },
	{ "psk-key", required_argument, NULL, 'K' },
	{ "psk-key-hex", required_argument, NULL, 'X' },
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "ca", required_argument, NULL, 'C' },
	{ "server-name", required_argument, NULL, 'N' },
	{ "cuid", required_argument, NULL, 'u' },
	{ "cdid", required_argument, NULL, 'd' },
	{ "json", no_argument, NULL, 'j' },
	{ "timeout", required_argument, NULL, 't' },
	{ "con", no_argument, NULL, 'O' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "admin", required_argument, NULL, 'A' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* One global option (ch as in global_opts), wherever it was given. */
static void
global_opt(struct ctl *c, int ch, char *arg)
{
	switch (ch) {
	case 's': c->o.uri = arg; break;
	case 'I': c->o.psk_identity = arg; break;
	case 'K':
		if (strlen(arg) == 0 || strlen(arg) > sizeof(c->psk_key))
			usage_err("--psk-key: 1 to 64 characters");
		memcpy(c->psk_key, arg, strlen(arg));
		c->o.psk_key_len = strlen(arg);
		break;
	case 'X':
		c->o.psk_key_len = parse_hex(arg, c->psk_key,
		    sizeof(c->psk_key));
		break;
	case 'c': c->o.cert_file = arg; break;
	case 'k': c->o.key_file = arg; break;
	case 'C': c->o.ca_file = arg; break;
	case 'N': c->o.server_name = arg; break;
	case 'u': c->cuid = arg; break;
	case 'd': c->cdid = arg; break;
	case 'j': c->json = true; break;
	case 't':
		c->timeout = (unsigned)parse_ll("--timeout", arg, 1, 3600);
		break;
	case 'O': c->con = true; break;
	case 'v': c->verbose++; break;
	case 'A': c->admin = arg; break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		printf("dotsctl %s (%s, GnuTLS %s)\n", DOTSGW_VERSION,
		    coap_package_version(), gnutls_check_version(NULL));
		exit(0);
	}
}

enum {
	O_MID = 256, O_PREFIX, O_PORT, O_PROTO, O_FQDN, O_URI, O_ALIAS,
	O_LIFETIME, O_NOTRIGGER, O_FILE, O_CBORFILE, O_CF, O_OBSERVE,
	O_ATTACK, O_SID, O_HB, O_MISSING, O_RETRANS, O_ACKTO, O_ACKRF,
	O_PROBING, O_IDLE, O_MITIGATING, O_COUNT, O_INTERVAL, O_PEERHB,
};

static const struct option cmd_opts[] = {
	{ "mid", required_argument, NULL, O_MID },
	{ "prefix", required_argument, NULL, O_PREFIX },
	{ "port", required_argument, NULL, O_PORT },
	{ "proto", required_argument, NULL, O_PROTO },
	{ "fqdn", required_argument, NULL, O_FQDN },
	{ "uri", required_argument, NULL, O_URI },
	{ "alias", required_argument, NULL, O_ALIAS },
	{ "lifetime", required_argument, NULL, O_LIFETIME },
	{ "no-trigger", no_argument, NULL, O_NOTRIGGER },
	{ "file", required_argument, NULL, O_FILE },
	{ "cbor-file", required_argument, NULL, O_CBORFILE },
	{ "content-format", required_argument, NULL, O_CF },
	{ "observe", required_argument, NULL, O_OBSERVE },
	{ "attack-status", required_argument, NULL, O_ATTACK },
	{ "sid", required_argument, NULL, O_SID },
	{ "hb-interval", required_argument, NULL, O_HB },
	{ "missing-hb", required_argument, NULL, O_MISSING },
	{ "max-retransmit", required_argument, NULL, O_RETRANS },
	{ "ack-timeout", required_argument, NULL, O_ACKTO },
	{ "ack-random-factor", required_argument, NULL, O_ACKRF },
	{ "probing-rate", required_argument, NULL, O_PROBING },
	{ "idle", no_argument, NULL, O_IDLE },
	{ "mitigating", no_argument, NULL, O_MITIGATING },
	{ "count", required_argument, NULL, O_COUNT },
	{ "interval", required_argument, NULL, O_INTERVAL },
	{ "peer-hb-status", required_argument, NULL, O_PEERHB },
	{ NULL, 0, NULL, 0 },
};

/* Every command option, parsed once; each command checks what it allows. */
struct args {
	const char	*cmd;
	uint64_t	 seen;		/* 1 << (O_x - 256) */
	bool		 has_mid;
	uint32_t	 mid;
	bool		 has_sid;
	uint32_t	 sid;
	long long	 lifetime;
	bool		 no_trigger;
	unsigned	 observe;
	const char	*attack;
	struct body	 body;
	json_t		*cfg;		/* signal-config params */
	bool		 idle, mitigating;
	unsigned	 count, interval;
	bool		 peer_hb;
};

#define SEEN(o)		(1ull << ((o) - 256))
#define TARGET_OPTS	(SEEN(O_PREFIX) | SEEN(O_PORT) | SEEN(O_PROTO) | \
	SEEN(O_FQDN) | SEEN(O_URI) | SEEN(O_ALIAS))
#define BODY_OPTS	(SEEN(O_FILE) | SEEN(O_CBORFILE) | SEEN(O_CF))
#define CFG_OPTS	(SEEN(O_HB) | SEEN(O_MISSING) | SEEN(O_RETRANS) | \
	SEEN(O_ACKTO) | SEEN(O_ACKRF) | SEEN(O_PROBING))

/* "2", "2.5", "2.50" -> "2.00"-style text for decimal64 leaves. */
static json_t *
parse_dec(const char *opt, const char *s)
{
	char buf[32];
	const char *dot = strchr(s, '.');
	size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
	size_t flen = dot ? strlen(dot + 1) : 0;

	if (ilen == 0 || ilen > 9 || strspn(s, "0123456789") != ilen ||
	    flen > 2 || (dot && strspn(dot + 1, "0123456789") != flen))
		usage_err("%s: '%s' is not a decimal like 2.00", opt, s);
	snprintf(buf, sizeof(buf), "%.*s.%s%s", (int)ilen, s,
	    dot ? dot + 1 : "", flen == 0 ? "00" : flen == 1 ? "0" : "");
	return json_string(buf);
}

static void
cfg_set(struct args *a, const char *name, json_t *v, bool dec)
{
	json_t *p = json_object();

	if (a->cfg == NULL)
		a->cfg = json_object();
	json_object_set_new(p, dec ? "current-value-decimal" :
	    "current-value", v);
	json_object_set_new(a->cfg, name, p);
}

#define NELEM(x)	(sizeof(x) / sizeof((x)[0]))

/*
 * The command's options, and global ones given after the command
 * ("dotsctl get --json"): one table of both (no name is in both).
 */
static void
parse_cmd_args(struct ctl *c, struct args *a, int argc, char **argv)
{
	struct option opts[NELEM(cmd_opts) + NELEM(global_opts) - 1];
	int ch;

	memcpy(opts, cmd_opts, sizeof(cmd_opts) - sizeof(cmd_opts[0]));
	memcpy(opts + NELEM(cmd_opts) - 1, global_opts, sizeof(global_opts));
	a->lifetime = 3600;
	a->body.content_format = 271;
	a->count = 1;
	a->interval = 15;
	a->peer_hb = true;
	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, GLOBAL_SHORT, opts, NULL)) !=
	    -1) {
		if (ch == '?' || ch == ':')
			usage_err("%s: unknown or incomplete option '%s'",
			    a->cmd, argv[optind - 1]);
		if (ch < 256) {
			global_opt(c, ch, optarg);
			continue;
		}
		a->seen |= SEEN(ch);
		switch (ch) {
		case O_MID:
			a->has_mid = true;
			a->mid = parse_u32("--mid", optarg);
			break;
		case O_PREFIX:
			scope_push(&a->body, "target-prefix",
			    json_string(optarg));
			break;
		case O_PORT:
			scope_push(&a->body, "target-port-range",
			    parse_port(optarg));
			break;
		case O_PROTO:
			scope_push(&a->body, "target-protocol", json_integer(
			    parse_ll("--proto", optarg, 0, 255)));
			break;
		case O_FQDN:
			scope_push(&a->body, "target-fqdn", json_string(optarg));
			break;
		case O_URI:
			scope_push(&a->body, "target-uri", json_string(optarg));
			break;
		case O_ALIAS:
			scope_push(&a->body, "alias-name", json_string(optarg));
			break;
		case O_LIFETIME:
			a->lifetime = parse_ll("--lifetime", optarg, -1,
			    UINT32_MAX);
			break;
		case O_NOTRIGGER:
			a->no_trigger = true;
			break;
		case O_FILE:
			a->body.json_file = optarg;
			break;
		case O_CBORFILE:
			a->body.cbor_file = optarg;
			break;
		case O_CF:
			a->body.content_format = strcmp(optarg, "none") == 0 ?
			    -1 : (int)parse_ll("--content-format", optarg, 0,
			    65535);
			break;
		case O_OBSERVE:
			a->observe = parse_u32("--observe", optarg);
			break;
		case O_ATTACK:
			if (strcmp(optarg, "under-attack") == 0 ||
			    strcmp(optarg, "1") == 0)
				a->attack = "under-attack";
			else if (strcmp(optarg, "mitigated") == 0 ||
			    strcmp(optarg, "attack-successfully-mitigated")
			    == 0 || strcmp(optarg, "2") == 0)
				a->attack = "attack-successfully-mitigated";
			else
				usage_err("--attack-status: want under-attack "
				    "or mitigated, not '%s'", optarg);
			break;
		case O_SID:
			a->has_sid = true;
			a->sid = parse_u32("--sid", optarg);
			break;
		case O_HB:
			cfg_set(a, "heartbeat-interval", json_integer(
			    parse_ll("--hb-interval", optarg, 0, 65535)), false);
			break;
		case O_MISSING:
			cfg_set(a, "missing-hb-allowed", json_integer(
			    parse_ll("--missing-hb", optarg, 0, 65535)), false);
			break;
		case O_RETRANS:
			cfg_set(a, "max-retransmit", json_integer(
			    parse_ll("--max-retransmit", optarg, 0, 65535)),
			    false);
			break;
		case O_PROBING:
			cfg_set(a, "probing-rate", json_integer(
			    parse_ll("--probing-rate", optarg, 0, 65535)),
			    false);
			break;
		case O_ACKTO:
			cfg_set(a, "ack-timeout", parse_dec("--ack-timeout",
			    optarg), true);
			break;
		case O_ACKRF:
			cfg_set(a, "ack-random-factor",
			    parse_dec("--ack-random-factor", optarg), true);
			break;
		case O_IDLE:
			a->idle = true;
			break;
		case O_MITIGATING:
			a->mitigating = true;
			break;
		case O_COUNT:
			a->count = (unsigned)parse_ll("--count", optarg, 1,
			    100000);
			break;
		case O_INTERVAL:
			a->interval = (unsigned)parse_ll("--interval", optarg,
			    0, 86400);
			break;
		case O_PEERHB:
			if (strcmp(optarg, "true") == 0)
				a->peer_hb = true;
			else if (strcmp(optarg, "false") == 0)
				a->peer_hb = false;
			else
				usage_err("--peer-hb-status: true or false");
			break;
		}
	}
	if (optind < argc)
		usage_err("%s: unexpected argument '%s'", a->cmd, argv[optind]);
}

static void
allow_only(const struct args *a, uint64_t allowed)
{
	const struct option *o;

	if ((a->seen & ~allowed) == 0)
		return;
	for (o = cmd_opts; o->name != NULL; o++)
		if (a->seen & ~allowed & SEEN(o->val))
			usage_err("%s: option --%s does not apply", a->cmd,
			    o->name);
}

static void
read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL, *nb;
	size_t n = 0, cap = 0, r;

	if (f == NULL)
		usage_err("%s: %s", path, strerror(errno));
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			if (cap > (1u << 24) || (nb = realloc(b, cap)) == NULL)
				usage_err("%s: too large", path);
			b = nb;
		}
		if ((r = fread(b + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	fclose(f);
	*buf = b;
	*len = n;
}

static void
body_encode(struct body *b, json_t *root)
{
	struct dots_err err = { 0, "" };

	if (dots_json_to_cbor(root, &b->buf, &b->len, &err) == -1)
		usage_err("cannot encode the body: %s", err.msg);
}

static void
body_from_file(struct body *b)
{
	json_error_t je;
	json_t *root;

	if (b->cbor_file != NULL) {
		read_file(b->cbor_file, &b->buf, &b->len);
		return;
	}
	if ((root = json_load_file(b->json_file, 0, &je)) == NULL)
		usage_err("%s:%d: %s", b->json_file, je.line, je.text);
	body_encode(b, root);
	json_decref(root);
}

/* {"ietf-dots-signal-channel:mitigation-scope":{"scope":[SCOPE]}} */
static void
body_mitigation(struct args *a, bool efficacy)
{
	json_t *root, *ms, *arr, *s = scope_of(&a->body);

	/* an efficacy update may leave lifetime out (RFC 9132 Figure 16);
	 * sending one would also refresh it */
	if (!efficacy || (a->seen & SEEN(O_LIFETIME)))
		json_object_set_new(s, "lifetime", json_integer(a->lifetime));
	if (a->no_trigger)
		json_object_set_new(s, "trigger-mitigation", json_false());
	if (efficacy)
		json_object_set_new(s, "attack-status", json_string(a->attack));
	arr = json_array();
	json_array_append(arr, s);
	ms = json_object();
	json_object_set_new(ms, "scope", arr);
	root = json_object();
	json_object_set_new(root, SC "mitigation-scope", ms);
	body_encode(&a->body, root);
	json_decref(root);
}

static void
req_body(struct dc_req *q, struct body *b)
{
	q->payload = b->buf;
	q->len = b->len;
	q->content_format = b->content_format;
}

static void
req_init(struct dc_req *q, coap_pdu_code_t method, bool con)
{
	memset(q, 0, sizeof(*q));
	q->method = method;
	q->con = con;
	q->content_format = -1;
	q->observe = -1;
}

/* ---- commands -------------------------------------------------------- */

static void
need_mid(const struct args *a)
{
	if (!a->has_mid)
		usage_err("%s: --mid N is required", a->cmd);
}

static void
one_body_source(const struct args *a, bool flags)
{
	int n = (a->body.json_file != NULL) + (a->body.cbor_file != NULL) +
	    (flags ? 1 : 0);

	if (n > 1)
		usage_err("%s: give targets, --file or --cbor-file, not "
		    "several", a->cmd);
	if (n == 0)
		usage_err("%s: no target (--prefix, --port, --proto, --fqdn, "
		    "--uri, --alias) and no --file/--cbor-file", a->cmd);
}

static void
cmd_mitigate(struct ctl *c, struct args *a, bool efficacy)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;
	uint64_t allowed = SEEN(O_MID) | TARGET_OPTS | BODY_OPTS |
	    SEEN(O_LIFETIME) | SEEN(O_NOTRIGGER);

	if (efficacy)
		allowed |= SEEN(O_ATTACK);
	allow_only(a, allowed);
	need_mid(a);
	one_body_source(a, a->body.scope != NULL);
	if (efficacy && a->attack == NULL && a->body.scope != NULL)
		usage_err("efficacy: --attack-status is required");
	if (a->body.scope != NULL)
		body_mitigation(a, efficacy);
	else {
		if (a->seen & (SEEN(O_LIFETIME) | SEEN(O_NOTRIGGER)))
			usage_err("%s: --lifetime/--no-trigger go with target "
			    "options, not with a file", a->cmd);
		body_from_file(&a->body);
	}
	req_init(&q, COAP_REQUEST_CODE_PUT, c->con);
	path_mitigate(c, &q, true, a->mid, s1, s2, s3, sizeof(s1));
	req_body(&q, &a->body);
	q.if_match = efficacy;
	run_request(c, &q);
}

static int
notify_cb(void *arg, const struct dc_resp *r)
{
	print_resp(arg, r, true);
	return 0;
}

static void
cmd_get(struct ctl *c, struct args *a)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;
	int st;

	allow_only(a, SEEN(O_MID) | SEEN(O_OBSERVE) | SEEN(O_COUNT) |
	    SEEN(O_INTERVAL) | BODY_OPTS);
	req_init(&q, COAP_REQUEST_CODE_GET, c->con);
	path_mitigate(c, &q, a->has_mid, a->mid, s1, s2, s3, sizeof(s1));
	/* A body on GET only for interop tests (an empty non-CBOR one). */
	if (a->body.json_file != NULL || a->body.cbor_file != NULL)
		body_from_file(&a->body);
	if (a->seen & (BODY_OPTS))
		req_body(&q, &a->body);
	if (!(a->seen & SEEN(O_OBSERVE))) {
		for (unsigned i = 0; i < a->count; i++) {
			if (i > 0 && (a->seen & SEEN(O_INTERVAL)))
				dc_wait(c->dc, a->interval * 1000);
			run_request(c, &q);
		}
		return;
	}
	c->status = EX_NORESP;
	st = dc_observe(c->dc, &q, c->timeout * 1000, a->observe * 1000,
	    notify_cb, c);
	if (st != DC_OK)
		report_failure(c, st);
}

static void
cmd_withdraw(struct ctl *c, struct args *a)
{
	char s1[160], s2[160], s3[32];
	struct dc_req q;

	allow_only(a, SEEN(O_MID));
	req_init(&q, COAP_REQUEST_CODE_DELETE, c->con);
	/* --mid is required; tests send a DELETE without it via coap-client. */
	need_mid(a);
	path_mitigate(c, &q, true, a->mid, s1, s2, s3, sizeof(s1));
	run_request(c, &q);
}

static void
path_config(struct dc_req *q, const struct args *a, char *sidseg, size_t n)
{
	q->npath = 0;
	q->path[q->npath++] = ".well-known";
	q->path[q->npath++] = "dots";
	q->path[q->npath++] = "config";
	if (a->has_sid) {
		snprintf(sidseg, n, "sid=%u", a->sid);
		q->path[q->npath++] = sidseg;
	}
}

static void
cmd_config(struct ctl *c, struct args *a, const char *sub)
{
	char sidseg[32];
	struct dc_req q;
	json_t *root, *sc;

	if (strcmp(sub, "get") == 0) {
		allow_only(a, SEEN(O_SID));
		req_init(&q, COAP_REQUEST_CODE_GET, true);
	} else if (strcmp(sub, "delete") == 0) {
		allow_only(a, SEEN(O_SID));
		req_init(&q, COAP_REQUEST_CODE_DELETE, true);
	} else if (strcmp(sub, "put") == 0) {
		allow_only(a, SEEN(O_SID) | CFG_OPTS | BODY_OPTS |
		    SEEN(O_IDLE) | SEEN(O_MITIGATING));
		if (!a->has_sid)
			usage_err("config put: --sid N is required");
		one_body_source(a, a->cfg != NULL);
		if (a->cfg != NULL) {
			sc = json_object();
			if (a->mitigating || !a->idle)
				json_object_set(sc, "mitigating-config", a->cfg);
			if (a->idle || !a->mitigating)
				json_object_set(sc, "idle-config", a->cfg);
			root = json_object();
			json_object_set_new(root, SC "signal-config", sc);
			body_encode(&a->body, root);
			json_decref(root);
		} else
			body_from_file(&a->body);
		req_init(&q, COAP_REQUEST_CODE_PUT, true);
		req_body(&q, &a->body);
	} else
		usage_err("config: want get, put or delete, not '%s'", sub);
	path_config(&q, a, sidseg, sizeof(sidseg));
	run_request(c, &q);
}

static void
cmd_hb(struct ctl *c, struct args *a)
{
	struct dc_req q;
	json_t *root, *hb;

	allow_only(a, SEEN(O_COUNT) | SEEN(O_INTERVAL) | SEEN(O_PEERHB) |
	    BODY_OPTS);
	if (a->body.json_file != NULL || a->body.cbor_file != NULL)
		body_from_file(&a->body);
	else {
		hb = json_object();
		json_object_set_new(hb, "peer-hb-status",
		    json_boolean(a->peer_hb));
		root = json_object();
		json_object_set_new(root, SC "heartbeat", hb);
		body_encode(&a->body, root);
		json_decref(root);
	}
	req_init(&q, COAP_REQUEST_CODE_PUT, false);
	q.npath = 3;
	q.path[0] = ".well-known";
	q.path[1] = "dots";
	q.path[2] = "hb";
	req_body(&q, &a->body);
	for (unsigned i = 0; i < a->count; i++) {
		if (i > 0)	/* keep answering server heartbeats */
			dc_wait(c->dc, a->interval * 1000);
		run_request(c, &q);
		if (c->status == EX_NORESP && !dc_established(c->dc))
			break;
	}
	if (dc_established(c->dc))
		fprintf(stderr, "dotsctl: answered %u heartbeat(s) from the "
		    "server\n", dc_heartbeats_received(c->dc));
}

/* .well-known/dots/register: the dotsgw orchestrator extension. */
static void
cmd_register(struct ctl *c, struct args *a, const char *sub)
{
	struct dc_req q;

	allow_only(a, BODY_OPTS);
	if (strcmp(sub, "put") == 0) {
		if (a->body.json_file == NULL && a->body.cbor_file == NULL)
			usage_err("register put: --file F or --cbor-file F");
		body_from_file(&a->body);
		req_init(&q, COAP_REQUEST_CODE_PUT, true);
		req_body(&q, &a->body);
	} else {
		if (a->body.json_file != NULL || a->body.cbor_file != NULL)
			usage_err("register %s takes no body", sub);
		req_init(&q, strcmp(sub, "get") == 0 ? COAP_REQUEST_CODE_GET :
		    COAP_REQUEST_CODE_DELETE, true);
	}
	q.npath = 3;
	q.path[0] = ".well-known";
	q.path[1] = "dots";
	q.path[2] = "register";
	run_request(c, &q);
}

/* ---- main ------------------------------------------------------------ */

static void
coap_log_stderr(coap_log_t level, const char *msg)
{
	fputs(msg, stderr);
}

static void
parse_global(struct ctl *c, int argc, char **argv)
{
	int ch;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, GLOBAL_SHORT, global_opts,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':')
			usage_err("unknown or incomplete option '%s'",
			    argv[optind - 1]);
		global_opt(c, ch, optarg);
	}
}

static void
check_credentials(struct ctl *c)
{
	bool psk = c->o.psk_identity != NULL || c->o.psk_key_len > 0;
	bool pki = c->o.cert_file != NULL || c->o.key_file != NULL;

	if (psk && pki)
		usage_err("give PSK or certificate options, not both");
	if (psk && (c->o.psk_identity == NULL || c->o.psk_key_len == 0))
		usage_err("--psk-identity needs --psk-key or --psk-key-hex");
	if (pki && (c->o.cert_file == NULL || c->o.key_file == NULL ||
	    c->o.ca_file == NULL))
		usage_err("--cert needs --key and --ca");
	if (!psk && !pki)
		usage_err("no credentials: --psk-identity/--psk-key or "
		    "--cert/--key/--ca");
	if (c->o.psk_identity != NULL && strlen(c->o.psk_identity) > 64)
		usage_err("--psk-identity: at most 64 characters");
	c->o.psk_key = c->psk_key;
	if (c->cuid != NULL) {
		if (c->cuid[0] == '\0' || strchr(c->cuid, '/') != NULL ||
		    strlen(c->cuid) > 128)
			usage_err("--cuid: 1 to 128 characters, no '/'");
		return;
	}
	if (pki) {
		if (cuid_from_cert_file(c->o.cert_file, c->cuid_buf) == -1)
			usage_err("%s: cannot read the certificate to derive "
			    "the cuid", c->o.cert_file);
	} else
		(void)cuid_from_psk_identity(c->o.psk_identity,
		    strlen(c->o.psk_identity), c->cuid_buf);
	c->cuid = c->cuid_buf;
}

int
main(int argc, char **argv)
{
	struct ctl c;
	struct args a;
	char err[DC_ERRLEN];
	const char *sub = NULL;
	int ci;

	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	c.o.uri = DEFAULT_URI;
	c.timeout = 10;
	parse_global(&c, argc, argv);
	if (optind >= argc)
		usage_err("no command (mitigate, get, withdraw, efficacy, "
		    "config, hb, status, reload, register)");
	ci = optind;
	a.cmd = argv[ci];
	if (strcmp(a.cmd, "status") == 0 || strcmp(a.cmd, "reload") == 0) {
		/* global options only ("dotsctl status --json") */
		parse_cmd_args(&c, &a, argc - ci, argv + ci);
		allow_only(&a, 0);
		return ctl_admin(c.admin ? c.admin : CTL_ADMIN_DEFAULT, a.cmd,
		    c.json, c.timeout);
	}
	if (strcmp(a.cmd, "config") == 0 || strcmp(a.cmd, "register") == 0) {
		if (ci + 1 >= argc)
			usage_err("%s: want get, put or delete", a.cmd);
		sub = argv[++ci];
	} else if (strcmp(a.cmd, "mitigate") && strcmp(a.cmd, "get") &&
	    strcmp(a.cmd, "withdraw") && strcmp(a.cmd, "efficacy") &&
	    strcmp(a.cmd, "hb"))
		usage_err("unknown command '%s'", a.cmd);
	parse_cmd_args(&c, &a, argc - ci, argv + ci);
	if (sub != NULL && strcmp(sub, "get") && strcmp(sub, "put") &&
	    strcmp(sub, "delete"))
		usage_err("%s: want get, put or delete, not '%s'", a.cmd, sub);
	check_credentials(&c);

	coap_startup();
	coap_set_log_handler(coap_log_stderr);
	coap_set_log_level(c.verbose >= 2 ? LOG_DEBUG : c.verbose == 1 ?
	    LOG_INFO : LOG_EMERG);
	coap_dtls_set_log_level(c.verbose >= 2 ? LOG_DEBUG : LOG_EMERG);
	coap_set_show_pdu_output(0);
	if ((c.dc = dc_new(&c.o, err, sizeof(err))) == NULL) {
		fprintf(stderr, "dotsctl: %s\n", err);
		coap_cleanup();
		return EX_USAGE;
	}
	c.status = EX_NORESP;
	if (strcmp(a.cmd, "mitigate") == 0)
		cmd_mitigate(&c, &a, false);
	else if (strcmp(a.cmd, "efficacy") == 0)
		cmd_mitigate(&c, &a, true);
	else if (strcmp(a.cmd, "get") == 0)
		cmd_get(&c, &a);
	else if (strcmp(a.cmd, "withdraw") == 0)
		cmd_withdraw(&c, &a);
	else if (strcmp(a.cmd, "config") == 0)
		cmd_config(&c, &a, sub);
	else if (strcmp(a.cmd, "register") == 0)
		cmd_register(&c, &a, sub);
	else
		cmd_hb(&c, &a);
	dc_free(c.dc);
	coap_cleanup();
	json_decref(a.body.scope);
	json_decref(a.cfg);
	free(a.body.buf);
	return c.status;
}
