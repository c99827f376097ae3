/*
 * libFuzzer target for the YAML config loader: any input either loads
 * into a struct conf or fails with a message; nothing leaks or crashes.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_warn(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*c = NULL;
	char		 err[CONF_ERRLEN];

	if (conf_load_string("fuzz.yaml", (const char *)data, size, &c, err,
	    sizeof(err), fuzz_warn, NULL) == 0) {
		/* exercise the lookups on what loaded */
		if (c->n_peers > 0) {
			(void)conf_peer_by_name(c, c->peers[0].name);
			if (c->peers[0].cert_name != NULL)
				(void)conf_peer_by_cert_name(c,
				    c->peers[0].cert_name);
		}
		(void)conf_peer_by_psk_identity(c, data, size < 64 ? size : 64);
		conf_free(c);
	}
	return 0;
}
