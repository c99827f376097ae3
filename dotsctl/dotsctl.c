/*
 * dotsctl: a DOTS signal-channel client for operators and tests
 * (RFC 9132). It speaks to any DOTS server, dotsgwd included, over
 * coaps:// (DTLS) or coaps+tcp:// (TLS) with PSK or certificates.
 *
 * Exit status: 0 when the (last) response is 2.xx, 1 for 4.xx/5.xx,
 * 2 when no response came (timeout, handshake failure), 64 on usage errors.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "client/client.h"
#include "common/cuid.h"
#include "common/tls_audit.h"
#include "dotsctl/ctl_admin.h"
#include "dotsctl/dotsctl.h"

/* ---- main ------------------------------------------------------------ */

static void
coap_log_stderr(coap_log_t level, const char *msg)
{
	fputs(msg, stderr);
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
		    "config, hb, status, reload, register, data, usage, "
		    "telemetry)");
	ci = optind;
	a.cmd = argv[ci];
	if (strcmp(a.cmd, "status") == 0 || strcmp(a.cmd, "reload") == 0) {
		/* global options only ("dotsctl status --json") */
		parse_cmd_args(&c, &a, argc - ci, argv + ci);
		allow_only(&a, 0);
		return ctl_admin(c.socket ? c.socket : CTL_SOCKET_DEFAULT, a.cmd,
		    c.json, c.timeout);
	}
	if (strcmp(a.cmd, "data") == 0)	/* HTTPS, not CoAP: data.c */
		return cmd_data(&c, &a, argc - ci, argv + ci);
	if (strcmp(a.cmd, "usage") == 0)
		return cmd_usage(&c, argc - ci, argv + ci);
	if (strcmp(a.cmd, "telemetry") == 0) {
		if (ci + 1 >= argc)
			usage_err("telemetry: want setup, report, get or "
			    "delete");
		sub = argv[++ci];
	} else if (strcmp(a.cmd, "config") == 0 ||
	    strcmp(a.cmd, "register") == 0) {
		if (ci + 1 >= argc)
			usage_err("%s: want get, put or delete", a.cmd);
		sub = argv[++ci];
	} else if (strcmp(a.cmd, "mitigate") && strcmp(a.cmd, "get") &&
	    strcmp(a.cmd, "withdraw") && strcmp(a.cmd, "efficacy") &&
	    strcmp(a.cmd, "hb"))
		usage_err("unknown command '%s'", a.cmd);
	if (strcmp(a.cmd, "telemetry") != 0)
		parse_cmd_args(&c, &a, argc - ci, argv + ci);
	if (strcmp(a.cmd, "telemetry") != 0 && sub != NULL &&
	    strcmp(sub, "get") && strcmp(sub, "put") &&
	    strcmp(sub, "delete"))
		usage_err("%s: want get, put or delete, not '%s'", a.cmd, sub);
	check_credentials(&c);

	coap_startup();
	tls_audit_install();
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
	else if (strcmp(a.cmd, "telemetry") == 0)
		cmd_telemetry(&c, sub, argc - ci, argv + ci);
	else
		cmd_hb(&c, &a);
	dc_free(c.dc);
	coap_cleanup();
	json_decref(a.body.scope);
	json_decref(a.cfg);
	free(a.body.buf);
	return c.status;
}

