/*
 * cuid derivation (RFC 9132 §4.4.1.1): the SC-15 vector of
 * test-vectors.md, a PSK identity and an embedded certificate, all
 * checked against digests computed offline with sha256sum and openssl.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "common/cuid.h"
#include "unit.h"

/* ECDSA P-256 self-signed, CN=cuidtest. Offline:
 * openssl x509 -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum
 * = c315593001643fe36e1ff6bc1ebad99ea8ddc29193c611227c9a5b7eda8d2343 */
static const char test_pem[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBVjCB/KADAgECAgEBMAoGCCqGSM49BAMCMBMxETAPBgNVBAMTCGN1aWR0ZXN0\n"
    "MCAXDTI2MTEyMjA1NDU1NloYDzIxMjYxMDI5MDU0NTU2WjATMREwDwYDVQQDEwhj\n"
    "dWlkdGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAeUvlB7358RehqaBaVx\n"
    "ki+Ju4GY7Gbk2Q4sYL+jkpaTsEphizohb45tC05CaKJjrhdK05vDXtFtMIGMizat\n"
    "3FGjPzA9MAwGA1UdEwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMB0GA1UdDgQWBBSo\n"
    "DHYTpLq6E8ZRQXVr1yhm2B4/JjAKBggqhkjOPQQDAgNJADBGAiEA3BJFRPhGLVyC\n"
    "/CVLtiB7lytRlD3fwMBbgDXNG7acWhcCIQC46iL//K6MaQJnXcLWIHzynx5r4V/l\n"
    "tfRw0AFCPFi/Mw==\n"
    "-----END CERTIFICATE-----\n";
#define TEST_PEM_CUID "wxVZMAFkP-NuH_a8HrrZng"

static int
hex2bin(const char *hex, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return 0;
}

int
main(void)
{
	char cuid[CUID_BUFLEN];
	uint8_t d[CUID_DIGEST_LEN];

	TEST("cuid SC-15 digest encoding") {
		/* test-vectors.md SC-15: go-dots client-cert.pem SPKI */
		CHECK(hex2bin("1e8b444174ad3ccfb6ab87282223ae59"
		    "3101fc86e465f58dfaecdc68b8a037b6", d, sizeof(d)) == 0);
		cuid_from_digest(d, cuid);
		CHECK_STR(cuid, "HotEQXStPM-2q4coIiOuWQ");
		CHECK(strlen(cuid) == CUID_LEN);
	}
	TEST("cuid base64url alphabet edges") {
		memset(d, 0xff, sizeof(d));
		cuid_from_digest(d, cuid);
		CHECK_STR(cuid, "_____________________w");
		memset(d, 0, sizeof(d));
		cuid_from_digest(d, cuid);
		CHECK_STR(cuid, "AAAAAAAAAAAAAAAAAAAAAA");
	}
	TEST("cuid from PSK identity") {
		/* printf customer1 | sha256sum = dea26157fa355301663174eac36853
		 * 8c... -> base64url of the first 16 bytes */
		CHECK(cuid_from_psk_identity("customer1", 9, cuid) == 0);
		CHECK_STR(cuid, "3qJhV_o1UwFmMXTqw2hTjA");
		CHECK(cuid_from_psk_identity("", 0, cuid) == -1);
	}
	TEST("cuid from certificate SPKI") {
		char path[] = "/tmp/test_cuid.XXXXXX";
		int fd = mkstemp(path);
		CHECK(fd >= 0);
		if (fd >= 0) {
			CHECK(write(fd, test_pem, sizeof(test_pem) - 1) ==
			    (ssize_t)(sizeof(test_pem) - 1));
			close(fd);
			memset(cuid, 0, sizeof(cuid));
			CHECK(cuid_from_cert_file(path, cuid) == 0);
			CHECK_STR(cuid, TEST_PEM_CUID);
			unlink(path);
		}
		gnutls_datum_t pem = { (unsigned char *)(uintptr_t)test_pem,
		    sizeof(test_pem) - 1 }, der = { NULL, 0 };
		CHECK(gnutls_pem_base64_decode2("CERTIFICATE", &pem, &der) ==
		    0);
		memset(cuid, 0, sizeof(cuid));
		CHECK(cuid_from_cert_der(der.data, der.size, cuid) == 0);
		CHECK_STR(cuid, TEST_PEM_CUID);
		CHECK(cuid_from_cert_der(der.data, der.size / 2, cuid) == -1);
		gnutls_free(der.data);
		CHECK(cuid_from_cert_file("/nonexistent/x.pem", cuid) == -1);
	}
	return UNIT_EXIT();
}
