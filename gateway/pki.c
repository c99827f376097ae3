#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pki.h"

int
pki_files_readable(const char *ca, const char *cert, const char *key,
    char *err, size_t errlen)
{
	const char *files[] = { ca, cert, key };
	const char *what[] = { "CA", "certificate", "key" };

	for (size_t i = 0; i < 3; i++) {
		if (files[i] == NULL) {
			snprintf(err, errlen, "no %s file configured", what[i]);
			return -1;
		}
		if (access(files[i], R_OK) == -1) {
			snprintf(err, errlen, "cannot read %s: %s", files[i],
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

void
pki_setup(coap_dtls_pki_t *p, const char *ca, const char *cert,
    const char *key, coap_dtls_cn_callback_t cn_cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->version = COAP_DTLS_PKI_SETUP_VERSION;
	p->verify_peer_cert = 1;
	p->check_common_ca = 1;
	p->cert_chain_validation = 1;
	p->cert_chain_verify_depth = 3;
	p->allow_no_crl = 1;
	p->allow_expired_crl = 1;
	p->validate_cn_call_back = cn_cb;
	p->cn_call_back_arg = arg;
	p->pki_key.key_type = COAP_PKI_KEY_PEM;
	p->pki_key.key.pem.ca_file = ca;
	p->pki_key.key.pem.public_cert = cert;
	p->pki_key.key.pem.private_key = key;
}
