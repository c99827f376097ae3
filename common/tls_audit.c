#include <stdio.h>
#include <string.h>

#include <gnutls/gnutls.h>

#include "common/log.h"
#include "common/tls_audit.h"

static void
tls_audit(gnutls_session_t s, const char *text)
{
	char line[256];
	size_t n;

	n = strlen(text);
	snprintf(line, sizeof(line), "%.*s", (int)(n > 0 &&
	    text[n - 1] == '\n' ? n - 1 : n), text);
	log_warnx("TLS: %s", line);
}

void
tls_audit_install(void)
{
	gnutls_global_set_audit_log_function(tls_audit);
}
