/*
 * X.509 setup shared by the downstream server and every client session:
 * mutual authentication, the peer must chain to our CA (no CRL required),
 * PEM files. One definition so both sides verify the same way.
 */
#ifndef DOTSGW_PKI_H
#define DOTSGW_PKI_H

#include <stddef.h>

#include <coap3/coap.h>

/* 0 when all three files are readable, else -1 with err naming the file. */
int	pki_files_readable(const char *ca, const char *cert, const char *key,
	    char *err, size_t errlen);

/* Fill p. The strings and arg must outlive the libcoap session or
 * context the setup is given to; cn_cb may be NULL. */
void	pki_setup(coap_dtls_pki_t *p, const char *ca, const char *cert,
	    const char *key, coap_dtls_cn_callback_t cn_cb, void *arg);

#endif
