/*
 * X.509 setup shared by the downstream server and every client session:
 * mutual authentication, the peer must chain to our CA (no CRL required),
 * PEM files. One definition so both sides verify the same way.
 */
#ifndef DOTSGW_PKI_H
#define DOTSGW_PKI_H

#include <stddef.h>

#include <coap3/coap.h>
#include <gnutls/x509.h>

/* 0 when all three files are readable, else -1 with err naming the file. */
int	pki_files_readable(const char *ca, const char *cert, const char *key,
	    char *err, size_t errlen);

/* Fill p. The strings and arg must outlive the libcoap session or
 * context the setup is given to; cn_cb may be NULL. */
void	pki_setup(coap_dtls_pki_t *p, const char *ca, const char *cert,
	    const char *key, coap_dtls_cn_callback_t cn_cb, void *arg);

/*
 * The names crt carries, for a log line: "CN x, DNS y, DNS z, IP a" (the
 * subject CN, then the SubjectAltNames in their order: DNS, IP, URI,
 * email), "no names" when it has none; cut with "..." at len.
 */
void	pki_cert_names(gnutls_x509_crt_t crt, char *buf, size_t len);

#endif
