/*
 * dotsctl telemetry: the RFC 9244 resources .well-known/dots/tm-setup and
 * .well-known/dots/tm (CON requests; bodies are RFC-style JSON files
 * converted to CBOR as they are, or raw CBOR, or for a report built from
 * --prefix and --attack-bps).
 *
 *   telemetry setup --tsid N (--file F | --cbor-file F)
 *   telemetry report --tmid N (--file F | --cbor-file F |
 *       --prefix P... --attack-bps N)
 *   telemetry get [--tsid N | --setup | --tmid N]
 *   telemetry delete [--tsid N | --setup | --tmid N]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/dots_json.h"
#include "dotsctl/dotsctl.h"

enum { T_TSID = 1, T_TMID, T_SETUP, T_FILE, T_CBOR, T_PREFIX, T_BPS };

static const struct option tm_opts[] = {
	{ "tsid", required_argument, NULL, T_TSID },
	{ "tmid", required_argument, NULL, T_TMID },
	{ "setup", no_argument, NULL, T_SETUP },
	{ "file", required_argument, NULL, T_FILE },
	{ "cbor-file", required_argument, NULL, T_CBOR },
	{ "prefix", required_argument, NULL, T_PREFIX },
	{ "attack-bps", required_argument, NULL, T_BPS },
	{ NULL, 0, NULL, 0 },
};

struct tm_args {
	bool		 has_tsid, has_tmid, setup;
	uint32_t	 tsid, tmid;
	const char	*file, *cbor_file, *bps;
	json_t		*prefixes;
	uint8_t		*buf;
	size_t		 len;
};

static uint32_t
tm_u32(const char *opt, const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || s[0] == '-' || v > UINT32_MAX)
		usage_err("telemetry: %s: '%s' is not 0..4294967295", opt, s);
	return (uint32_t)v;
}

static void
tm_parse(struct tm_args *t, int argc, char **argv)
{
	int ch;

	optind = 0;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", tm_opts, NULL)) != -1) {
		switch (ch) {
		case T_TSID:
			t->has_tsid = true;
			t->tsid = tm_u32("--tsid", optarg);
			break;
		case T_TMID:
			t->has_tmid = true;
			t->tmid = tm_u32("--tmid", optarg);
			break;
		case T_SETUP:
			t->setup = true;
			break;
		case T_FILE:
			t->file = optarg;
			break;
		case T_CBOR:
			t->cbor_file = optarg;
			break;
		case T_PREFIX:
			if (t->prefixes == NULL)
				t->prefixes = json_array();
			json_array_append_new(t->prefixes,
			    json_string(optarg));
			break;
		case T_BPS:
			t->bps = optarg;
			(void)tm_u32("--attack-bps", optarg);
			break;
		default:
			usage_err("telemetry: unknown or incomplete option "
			    "'%s' (global options go before the command)",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_err("telemetry: unexpected '%s'", argv[optind]);
	if (t->has_tmid && (t->has_tsid || t->setup))
		usage_err("telemetry: --tmid is tm's, --tsid and --setup "
		    "tm-setup's");
}

static void
tm_body(struct tm_args *t)
{
	struct dots_err err = { 0, "" };
	json_error_t je;
	json_t *root;
	FILE *f;
	long n;

	if (t->cbor_file != NULL) {
		if ((f = fopen(t->cbor_file, "rb")) == NULL ||
		    fseek(f, 0, SEEK_END) == -1 || (n = ftell(f)) < 0 ||
		    fseek(f, 0, SEEK_SET) == -1 ||
		    (t->buf = malloc((size_t)n + 1)) == NULL ||
		    fread(t->buf, 1, (size_t)n, f) != (size_t)n)
			usage_err("telemetry: cannot read %s", t->cbor_file);
		fclose(f);
		t->len = (size_t)n;
		return;
	}
	if (t->file != NULL) {
		if ((root = json_load_file(t->file, JSON_PRESERVE_ORDER,
		    &je)) == NULL)
			usage_err("%s:%d: %s", t->file, je.line, je.text);
	} else {
		/* a report from flags: one target, its attack traffic */
		if (t->prefixes == NULL || t->bps == NULL)
			usage_err("telemetry report: --file F, --cbor-file F "
			    "or --prefix P... --attack-bps N");
		root = json_pack("{s:{s:[{s:{s:O}, s:[{s:s, s:s}]}]}}",
		    "ietf-dots-telemetry:telemetry",
		    "pre-or-ongoing-mitigation", "target", "target-prefix",
		    t->prefixes, "total-attack-traffic", "unit", "bit-ps",
		    "peak-g", t->bps);
	}
	if (root == NULL || dots_json_to_cbor(root, &t->buf, &t->len,
	    &err) == -1)
		usage_err("telemetry: cannot encode the body: %s", err.msg);
	json_decref(root);
}

void
cmd_telemetry(struct ctl *c, const char *sub, int argc, char **argv)
{
	struct tm_args t;
	struct dc_req q;
	char cuid[8 + 129], id[24];
	bool setup;

	memset(&t, 0, sizeof(t));
	tm_parse(&t, argc, argv);
	memset(&q, 0, sizeof(q));
	q.con = true;
	q.content_format = -1;
	q.observe = -1;
	if (strcmp(sub, "setup") == 0) {
		if (!t.has_tsid || t.has_tmid || t.prefixes != NULL)
			usage_err("telemetry setup: --tsid N and a body");
		setup = true;
		q.method = COAP_REQUEST_CODE_PUT;
	} else if (strcmp(sub, "report") == 0) {
		if (!t.has_tmid)
			usage_err("telemetry report: --tmid N and a body");
		setup = false;
		q.method = COAP_REQUEST_CODE_PUT;
	} else if (strcmp(sub, "get") == 0 || strcmp(sub, "delete") == 0) {
		if (t.file != NULL || t.cbor_file != NULL || t.prefixes != NULL)
			usage_err("telemetry %s takes no body", sub);
		setup = t.has_tsid || t.setup;
		q.method = strcmp(sub, "get") == 0 ? COAP_REQUEST_CODE_GET :
		    COAP_REQUEST_CODE_DELETE;
	} else
		usage_err("telemetry: want setup, report, get or delete, not "
		    "'%s'", sub);
	if (q.method == COAP_REQUEST_CODE_PUT) {
		tm_body(&t);
		q.payload = t.buf;
		q.len = t.len;
		q.content_format = 271;
	}
	q.path[q.npath++] = ".well-known";
	q.path[q.npath++] = "dots";
	q.path[q.npath++] = setup ? "tm-setup" : "tm";
	snprintf(cuid, sizeof(cuid), "cuid=%s", c->cuid);
	q.path[q.npath++] = cuid;
	if (setup ? t.has_tsid : t.has_tmid) {
		snprintf(id, sizeof(id), "%s=%u", setup ? "tsid" : "tmid",
		    setup ? t.tsid : t.tmid);
		q.path[q.npath++] = id;
	}
	run_request(c, &q);
	free(t.buf);
	json_decref(t.prefixes);
}
