/*
 * cuid derivation (RFC 9132 §4.4.1.1); see cuid.h.
 */
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "cuid.h"

#define CUID_HASHED	16	/* the digest bytes kept */

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
cuid_from_digest(const uint8_t digest[CUID_DIGEST_LEN], char out[CUID_BUFLEN])
{
	size_t i, o = 0;
	uint32_t v;

	/* 16 bytes: five full 3-byte groups, then one byte (2 chars). */
	for (i = 0; i + 3 <= CUID_HASHED; i += 3) {
		v = (uint32_t)digest[i] << 16 | (uint32_t)digest[i + 1] << 8 |
		    digest[i + 2];
		out[o++] = b64url[v >> 18 & 63];
		out[o++] = b64url[v >> 12 & 63];
		out[o++] = b64url[v >> 6 & 63];
		out[o++] = b64url[v & 63];
	}
	v = (uint32_t)digest[i] << 16;
	out[o++] = b64url[v >> 18 & 63];
	out[o++] = b64url[v >> 12 & 63];
	out[o] = '\0';
}

int
cuid_from_bytes(const void *in, size_t len, char out[CUID_BUFLEN])
{
	uint8_t d[CUID_DIGEST_LEN];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, in, len, d) < 0)
		return -1;
	cuid_from_digest(d, out);
	return 0;
}

int
cuid_from_psk_identity(const void *id, size_t len, char out[CUID_BUFLEN])
{
	if (id == NULL || len == 0)
		return -1;
	return cuid_from_bytes(id, len, out);
}

static int
cuid_from_crt(gnutls_x509_crt_t crt, char out[CUID_BUFLEN])
{
	gnutls_pubkey_t pk = NULL;
	gnutls_datum_t spki = { NULL, 0 };
	int rc = -1;

	if (gnutls_pubkey_init(&pk) < 0)
		return -1;
	if (gnutls_pubkey_import_x509(pk, crt, 0) < 0 ||
	    gnutls_pubkey_export2(pk, GNUTLS_X509_FMT_DER, &spki) < 0)
		goto out;
	rc = cuid_from_bytes(spki.data, spki.size, out);
out:
	gnutls_free(spki.data);
	gnutls_pubkey_deinit(pk);
	return rc;
}

int
cuid_from_cert_der(const uint8_t *der, size_t len, char out[CUID_BUFLEN])
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)(uintptr_t)der,
	    (unsigned int)len };
	int rc = -1;

	if (der == NULL || len == 0 || len > 1u << 20)
		return -1;
	if (gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0)
		rc = cuid_from_crt(crt, out);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

int
cuid_from_cert_file(const char *path, char out[CUID_BUFLEN])
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { NULL, 0 };
	int rc = -1;

	if (gnutls_load_file(path, &d) < 0)
		return -1;
	if (gnutls_x509_crt_init(&crt) < 0)
		goto out;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0 ||
	    gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) >= 0)
		rc = cuid_from_crt(crt, out);
	gnutls_x509_crt_deinit(crt);
out:
	gnutls_free(d.data);
	return rc;
}
