/*
 * pki_pem_checked (client/pki_checked.c): GnuTLS's key/certificate match
 * check is skipped for the key buffer the server named, and only for it:
 * a mismatched pair under that name loads (so the skip is real), the same
 * pair in another buffer is refused, pki_pem_check() still refuses it;
 * and libcoap's per-session load of the server's credentials reaches our
 * definition (three DTLS PSK handshakes with X.509 on the context count
 * a skip each), which fails if libcoap stops calling
 * gnutls_certificate_set_x509_key_mem() through its PLT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include <coap3/coap.h>

#include "client/pki.h"
#include "unit.h"
#include "unit_net.h"

#define KEY	"secret-psk"

/* A PEM buffer with a NUL that its length counts, as pki_pem_load's. */
static uint8_t *
pem_buf(const gnutls_datum_t *d, size_t *len)
{
	uint8_t *b = malloc(d->size + 1);

	if (b == NULL)
		exit(1);
	memcpy(b, d->data, d->size);
	b[d->size] = '\0';
	*len = d->size + 1;
	return b;
}

/* A self-signed ECDSA P-256 certificate (its own CA) and its key. */
static void
make_pem(struct pki_pem *pem, const char *cn)
{
	gnutls_x509_privkey_t key;
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	time_t now = time(NULL);

	memset(pem, 0, sizeof(*pem));
	if (gnutls_x509_privkey_init(&key) < 0 ||
	    gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
	    GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0) < 0 ||
	    gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_set_version(crt, 3) < 0 ||
	    gnutls_x509_crt_set_serial(crt, "\x01", 1) < 0 ||
	    gnutls_x509_crt_set_activation_time(crt, now - 60) < 0 ||
	    gnutls_x509_crt_set_expiration_time(crt, now + 3600) < 0 ||
	    gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    cn, strlen(cn)) < 0 ||
	    gnutls_x509_crt_set_key(crt, key) < 0 ||
	    gnutls_x509_crt_set_basic_constraints(crt, 1, -1) < 0 ||
	    gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0) < 0)
		exit(1);
	if (gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &d) < 0)
		exit(1);
	pem->cert = pem_buf(&d, &pem->cert_len);
	pem->ca = pem_buf(&d, &pem->ca_len);
	gnutls_free(d.data);
	if (gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &d) < 0)
		exit(1);
	pem->key = pem_buf(&d, &pem->key_len);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
}

/* GnuTLS's load of pem's certificate with key (lengths without the NUL) */
static int
load(const struct pki_pem *pem, uint8_t *key, size_t key_len)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t c = { pem->cert, (unsigned)pem->cert_len - 1 };
	gnutls_datum_t k = { key, (unsigned)key_len - 1 };
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -1;
	rc = gnutls_certificate_set_x509_key_mem(cred, &c, &k,
	    GNUTLS_X509_FMT_PEM);
	gnutls_certificate_free_credentials(cred);
	return rc;
}

static int
cn_ok(const char *cn, const uint8_t *asn1, size_t len, coap_session_t *s,
    unsigned depth, int validated, void *arg)
{
	return 1;
}

int
main(void)
{
	struct pki_pem a, b, mixed;
	char err[256];
	uint8_t *copy;

	gnutls_global_init();
	make_pem(&a, "a.test");
	make_pem(&b, "b.test");
	/* a's certificate with b's key */
	mixed = a;
	mixed.key = b.key;
	mixed.key_len = b.key_len;

	TEST("a matching pair loads; a mismatched one is refused") {
		unsigned long s0 = pki_checked_skips();

		CHECK(pki_pem_check(&a, err, sizeof(err)) == 0);
		CHECK(pki_pem_check(&mixed, err, sizeof(err)) == -1);
		CHECK(load(&a, a.key, a.key_len) == 0);
		CHECK(load(&mixed, mixed.key, mixed.key_len) < 0);
		CHECK(pki_checked_skips() == s0);
	}

	TEST("the named key buffer skips the check, another buffer does not") {
		unsigned long s0 = pki_checked_skips();

		/* the skip is real: a mismatched pair under the name loads */
		pki_pem_checked(&mixed);
		CHECK(load(&mixed, mixed.key, mixed.key_len) == 0);
		CHECK(pki_checked_skips() == s0 + 1);
		/* the same bytes elsewhere are checked as always */
		copy = malloc(mixed.key_len);
		CHECK(copy != NULL);
		if (copy != NULL) {
			memcpy(copy, mixed.key, mixed.key_len);
			CHECK(load(&mixed, copy, mixed.key_len) < 0);
			free(copy);
		}
		/* pki_pem_check checks even the named buffer */
		CHECK(pki_pem_check(&mixed, err, sizeof(err)) == -1);
		CHECK(pki_checked_skips() == s0 + 1);
		pki_pem_checked(NULL);
		CHECK(load(&mixed, mixed.key, mixed.key_len) < 0);
		CHECK(pki_checked_skips() == s0 + 1);
	}

	TEST("libcoap's per-session load of the server's credentials skips it") {
		coap_context_t *srv, *cli;
		coap_session_t *cs[3];
		coap_dtls_spsk_t spsk;
		coap_dtls_pki_t pki;
		coap_dtls_cpsk_t cpsk;
		coap_address_t sa;
		unsigned long s0;
		int up = 0;

		coap_startup();
		coap_set_log_level(LOG_EMERG);
		coap_dtls_set_log_level(LOG_EMERG);
		srv = coap_new_context(NULL);
		cli = coap_new_context(NULL);
		CHECK(srv != NULL && cli != NULL);
		memset(&spsk, 0, sizeof(spsk));
		spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
		spsk.psk_info.hint.s = (const uint8_t *)"dotsgw";
		spsk.psk_info.hint.length = 6;
		spsk.psk_info.key.s = (const uint8_t *)KEY;
		spsk.psk_info.key.length = strlen(KEY);
		CHECK(coap_context_set_psk2(srv, &spsk));
		pki_setup_pem(&pki, &a, cn_ok, NULL);
		CHECK(coap_context_set_pki(srv, &pki));
		pki_pem_checked(&a);
		sa = loopback(free_udp_port());
		CHECK(coap_new_endpoint(srv, &sa, COAP_PROTO_DTLS) != NULL);
		s0 = pki_checked_skips();
		memset(&cpsk, 0, sizeof(cpsk));
		cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
		cpsk.psk_info.identity.s = (const uint8_t *)"client";
		cpsk.psk_info.identity.length = 6;
		cpsk.psk_info.key.s = (const uint8_t *)KEY;
		cpsk.psk_info.key.length = strlen(KEY);
		for (int i = 0; i < 3; i++)
			CHECK((cs[i] = coap_new_client_session_psk2(cli, NULL,
			    &sa, COAP_PROTO_DTLS, &cpsk)) != NULL);
		for (uint64_t end = now_ms() + 10000; now_ms() < end; ) {
			coap_io_process(srv, 5);
			coap_io_process(cli, 5);
			up = 0;
			for (int i = 0; i < 3; i++)
				up += cs[i] != NULL && coap_session_get_state(
				    cs[i]) == COAP_SESSION_STATE_ESTABLISHED;
			if (up == 3)
				break;
		}
		CHECK(up == 3);
		/* one per server session, more if a flight was lost */
		CHECK(pki_checked_skips() >= s0 + 3);
		pki_pem_checked(NULL);
		for (int i = 0; i < 3; i++)
			if (cs[i] != NULL)
				coap_session_release(cs[i]);
		coap_free_context(cli);
		coap_free_context(srv);
		coap_cleanup();
	}
	pki_pem_free(&a);
	pki_pem_free(&b);
	gnutls_global_deinit();
	return UNIT_EXIT();
}
