/*
 * Client unique identifier derivation, RFC 9132 §4.4.1.1: base64url (RFC
 * 4648 §5, no padding) of the first 16 bytes of SHA-256 over the client's
 * DER SubjectPublicKeyInfo or its (D)TLS PSK identity. Always 22 chars.
 * A server-domain gateway computes cdid the same way (§4.4.1.1, §13).
 * Pure functions: no logging, no allocation visible to the caller.
 */
#ifndef DOTSGW_CUID_H
#define DOTSGW_CUID_H

#include <stddef.h>
#include <stdint.h>

#define CUID_LEN	22
#define CUID_BUFLEN	(CUID_LEN + 1)
#define CUID_DIGEST_LEN	32	/* SHA-256 */

/* The encoding step alone: first 16 bytes of a SHA-256 digest. */
void	cuid_from_digest(const uint8_t digest[CUID_DIGEST_LEN],
	    char out[CUID_BUFLEN]);
/* SHA-256 of arbitrary bytes, then the encoding. 0 or -1. */
int	cuid_from_bytes(const void *in, size_t len, char out[CUID_BUFLEN]);
int	cuid_from_psk_identity(const void *id, size_t len,
	    char out[CUID_BUFLEN]);
/* Hash the certificate's DER SubjectPublicKeyInfo. 0 or -1. */
int	cuid_from_cert_der(const uint8_t *der, size_t len,
	    char out[CUID_BUFLEN]);
/* The first certificate of a PEM (or DER) file. 0 or -1. */
int	cuid_from_cert_file(const char *path, char out[CUID_BUFLEN]);

#endif
