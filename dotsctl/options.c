/*
 * dotsctl's command line: global options (before or after the command),
 * the command's options parsed into struct args, the usage text.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "common/version.h"
#include "dotsctl/ctl_admin.h"
#include "dotsctl/dotsctl.h"

static const char usage_text[] =
"usage: dotsctl [global options] command [command options]\n"
"\n"
"A DOTS signal-channel client (RFC 9132).\n"
"\n"
"Global options (before or after the command):\n"
"  -s, --server URI        coaps://HOST:PORT (DTLS) or coaps+tcp://HOST:PORT\n"
"                          (TLS); default " DEFAULT_URI "; given again (or\n"
"                          A,B): the next one when no answer comes (cluster)\n"
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
"  --socket PATH           dotsgwd's control socket, for status and reload\n"
"                          (default " CTL_SOCKET_DEFAULT ")\n"
"  --data-channel URL      https://HOST:PORT of the data channel (RFC 8783);\n"
"                          default " DEFAULT_DATA_URI "\n"
"  --admin PATH            the same (an absolute path; HOST:PORT is gone:\n"
"                          the HTTP endpoint serves /metrics only)\n"
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
"      dotsgwd's state from its control socket (--socket): peers,\n"
"      sessions and negotiated configuration, upstreams, mitigations with\n"
"      their relay path and placements, capacity; --json prints it as is.\n"
"  reload\n"
"      Reload dotsgwd's configuration (as SIGHUP) over the control socket;\n"
"      prints what changed, or the error (FILE:LINE) and exits 1 (also\n"
"      on the read-only socket, which refuses it).\n"
"  usage [--peer P] [--since T] [--until T]\n"
"      Usage accounting for billing from the control socket (also the\n"
"      read-only one): per peer, downstream (what it asked of us) and\n"
"      upstream (what we placed there), executions, mitigation-seconds,\n"
"      attack/normal/drop rate peaks, bytes and packets dropped, over the\n"
"      hourly buckets overlapping [T, T) (Unix seconds or RFC 3339);\n"
"      --json prints the daemon's JSON.\n"
"  register get | put --file reg.json | delete\n"
"      An ISP's registration at a dotsgw orchestrator (CON, the dotsgw\n"
"      extension .well-known/dots/register; JSON names as in README.md).\n"
"  data register [FILE] | unregister | capabilities\n"
"  data alias put FILE | get [NAME] | delete NAME\n"
"  data acl put FILE | get [NAME] | delete NAME\n"
"      [--content config|nonconfig|all]  (get)\n"
"      [--if-match ETAG] [--if-none-match ETAG]  (put, delete)\n"
"      The data channel (RFC 8783) at --data-channel over HTTPS, mutual\n"
"      X.509 (--cert/--key/--ca; --server-name N: the URL names N, which\n"
"      resolves to the URL's host). FILEs are bodies in the RFC's own form,\n"
"      sent as they are: a list (aliases, acls) is POSTed to the\n"
"      dots-client, one entry (alias, acl) PUT to its name. register\n"
"      without FILE sends the --cuid (default derived from --cert).\n"
"      get --content: RFC 8040 content= (default all); put/delete\n"
"      --if-match/--if-none-match: the precondition (412 when it fails);\n"
"      the answer's ETag is printed (--json: \"etag\").\n"
"      Output \"201 Created\" and the body; --json {\"code\":\"201\",...};\n"
"      exit 0 for 2xx, 1 for 4xx/5xx, 2 without an answer.\n"
"  telemetry setup --tsid N --file F | --cbor-file F\n"
"  telemetry report --tmid N (--file F | --cbor-file F |\n"
"      --prefix P... --attack-bps N)\n"
"  telemetry get | delete [--tsid N | --setup | --tmid N]\n"
"      RFC 9244 telemetry (CON): setups (.well-known/dots/tm-setup/cuid=X\n"
"      [/tsid=N]) and pre-or-ongoing-mitigation telemetry (.../tm/cuid=X\n"
"      [/tmid=N]); bodies as in the RFC's JSON. Global options go before\n"
"      'telemetry'.\n"
"\n"
"Output: \"<code> <reason>\" (e.g. \"2.01 Created\") then the body as JSON or\n"
"the diagnostic text. Exit status: 0 when the last response is 2.xx, 1 for\n"
"4.xx/5.xx, 2 for no response/timeout/handshake failure, 64 usage error.\n";

void __attribute__((noreturn, format(printf, 1, 2)))
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

json_t *
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
	{ "socket", required_argument, NULL, 'U' },
	{ "data-channel", required_argument, NULL, 'D' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* "A", or "A,B,...": each a server to try in turn (failover.c). */
static void
add_servers(struct ctl *c, char *arg)
{
	char *p, *save = NULL;

	for (p = strtok_r(arg, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (c->n_servers == CTL_MAX_SERVERS)
			usage_err("--server: at most %d servers",
			    CTL_MAX_SERVERS);
		c->servers[c->n_servers++] = p;
	}
	if (c->n_servers == 0)
		usage_err("--server: empty");
	c->o.uri = c->servers[0];
}

/* One global option (ch as in global_opts), wherever it was given. */
static void
global_opt(struct ctl *c, int ch, char *arg)
{
	switch (ch) {
	case 's': add_servers(c, arg); break;
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
	case 'U': c->socket = arg; break;
	case 'D': c->data_uri = arg; break;
	case 'A':
		/* --admin HOST:PORT named the HTTP endpoint, which no longer
		 * serves status or reload; a path is the control socket */
		if (arg[0] != '/')
			usage_err("--admin %s: status and reload use the control "
			    "socket now: --socket PATH (or --admin /PATH)", arg);
		c->socket = arg;
		break;
	case 'h':
		fputs(usage_text, stdout);
		exit(0);
	case 'V':
		printf("dotsctl %s (%s, GnuTLS %s)\n", DOTSGW_VERSION,
		    coap_package_version(), gnutls_check_version(NULL));
		exit(0);
	}
}

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
void
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

void
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

void
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
