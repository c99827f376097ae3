/*
 * GnuTLS's check that a private key matches its certificate, once per key
 * instead of once per DTLS session (NOTES.md, "The key check per
 * session"). libcoap 4.3.1 loads the server's certificate and key into
 * fresh GnuTLS credentials for every server session of a context with
 * PKI, PSK sessions too, and GnuTLS then signs and verifies with the pair
 * to check it. pki_pem_check() has checked the pair at start or reload
 * before the server hands the buffers to libcoap.
 *
 * libcoap calls gnutls_certificate_set_x509_key_mem() through its PLT
 * (objdump -R: a JUMP_SLOT for it), so the executable's definition below
 * is the one it reaches (ELF interposition, as bind() in
 * gateway/core/reuseport.c). For the key buffer named by pki_pem_checked()
 * it sets GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH on the credentials first
 * (libcoap has just allocated them and set no flag); for any other key it
 * is GnuTLS's own. The name is the buffer's address, not the key's bytes:
 * a buffer pki_pem_check() has not seen is checked even if it holds the
 * same key. tests/unit/test_gw_pki_checked.c fails if libcoap stops
 * calling it so.
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <gnutls/gnutls.h>

#include "client/pki.h"

typedef int (*set_key_fn)(gnutls_certificate_credentials_t,
    const gnutls_datum_t *, const gnutls_datum_t *, gnutls_x509_crt_fmt_t);

/* Process-wide because GnuTLS's call has no room for them. */
static const void	*checked_key;
static unsigned long	 skips;
static set_key_fn	 gnutls_set_key;

void
pki_pem_checked(const struct pki_pem *pem)
{
	checked_key = pem != NULL ? pem->key : NULL;
}

unsigned long
pki_checked_skips(void)
{
	return skips;
}

static set_key_fn
gnutls_own(void)
{
	if (gnutls_set_key == NULL && (gnutls_set_key = (set_key_fn)dlsym(
	    RTLD_NEXT, "gnutls_certificate_set_x509_key_mem")) == NULL)
		abort();	/* no GnuTLS: nothing could have called us */
	return gnutls_set_key;
}

int
pki_set_key_checking(gnutls_certificate_credentials_t res,
    const gnutls_datum_t *cert, const gnutls_datum_t *key)
{
	return gnutls_own()(res, cert, key, GNUTLS_X509_FMT_PEM);
}

int
gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res,
    const gnutls_datum_t *cert, const gnutls_datum_t *key,
    gnutls_x509_crt_fmt_t type)
{
	set_key_fn own = gnutls_own();

	if (checked_key != NULL && key != NULL && key->data == checked_key) {
		gnutls_certificate_set_flags(res,
		    GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
		skips++;
	}
	return own(res, cert, key, type);
}
