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
 * The three PEM files, read once. libcoap 4.3.1's GnuTLS server sets up
 * the context's X.509 credentials anew for every session, a PSK one too,
 * from the first ClientHello on: from files, that is three files opened
 * and read per handshake; from these buffers, none. Each buffer ends in
 * a NUL that its length counts, so libcoap parses it in place instead of
 * copying it per session (coap_pki_key_pem_buf_t).
 */
struct pki_pem {
	uint8_t	*ca, *cert, *key;
	size_t	 ca_len, cert_len, key_len;
};

/* 0 with all three read, else -1 with err naming the file and nothing
 * held. */
int	pki_pem_load(struct pki_pem *pem, const char *ca, const char *cert,
	    const char *key, char *err, size_t errlen);
/* The key's bytes are wiped. Only once libcoap no longer uses them:
 * after coap_free_context() of the context given pki_setup_pem's p. */
void	pki_pem_free(struct pki_pem *pem);

/*
 * 0 when GnuTLS takes the three as credentials (the key matches the
 * certificate, the CA parses), else -1 with err. libcoap parses them only
 * per session, so contents it cannot use would fail every handshake.
 */
int	pki_pem_check(const struct pki_pem *pem, char *err, size_t errlen);

/*
 * pem's key and certificate have passed pki_pem_check(): libcoap's server
 * sessions share one parse of them from now on, without GnuTLS's match
 * check (client/pki_shared.c); sessions set up before keep theirs. NULL
 * before pem is freed. pki_shared_loads() counts the parses,
 * pki_shared_users() the sessions holding one (tests).
 */
void		pki_pem_checked(const struct pki_pem *pem);
unsigned long	pki_shared_loads(void);
unsigned long	pki_shared_users(void);

/* GnuTLS's own gnutls_certificate_set_x509_key_mem(), which always checks
 * (pki_pem_check() is what the skip relies on). */
int	pki_set_key_checking(gnutls_certificate_credentials_t res,
	    const gnutls_datum_t *cert, const gnutls_datum_t *key);

/* pki_setup with the buffers: pem and arg must outlive the context. */
void	pki_setup_pem(coap_dtls_pki_t *p, const struct pki_pem *pem,
	    coap_dtls_cn_callback_t cn_cb, void *arg);

/*
 * The names crt carries, for a log line: "CN x, DNS y, DNS z, IP a" (the
 * subject CN, then the SubjectAltNames in their order: DNS, IP, URI,
 * email), "no names" when it has none; cut with "..." at len.
 */
void	pki_cert_names(gnutls_x509_crt_t crt, char *buf, size_t len);

#endif
