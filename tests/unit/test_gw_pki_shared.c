/*
 * client/pki_shared.c: libcoap's server sessions share one parse of the
 * server's X.509 credentials. Against a libcoap DTLS server with PSK and
 * X.509 on its context: PSK sessions parse the pair once, however many;
 * the parse skips GnuTLS's match check (a mismatched pair under the name
 * still lets PSK sessions up, while pki_pem_check() refuses it); X.509
 * clients are verified against the shared CA (ours gets up, another
 * CA's does not); a new pair is parsed for new sessions while older
 * sessions keep theirs, and every parse is freed with its last session.
 * Fails if libcoap stops calling GnuTLS's credential functions through
 * its PLT.
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
#define NPSK	3

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

static int
cn_ok(const char *cn, const uint8_t *asn1, size_t len, coap_session_t *s,
    unsigned depth, int validated, void *arg)
{
	return 1;
}

static coap_session_t *
psk_session(coap_context_t *cli, const coap_address_t *sa)
{
	coap_dtls_cpsk_t cpsk;

	memset(&cpsk, 0, sizeof(cpsk));
	cpsk.version = COAP_DTLS_CPSK_SETUP_VERSION;
	cpsk.psk_info.identity.s = (const uint8_t *)"client";
	cpsk.psk_info.identity.length = 6;
	cpsk.psk_info.key.s = (const uint8_t *)KEY;
	cpsk.psk_info.key.length = strlen(KEY);
	return coap_new_client_session_psk2(cli, NULL, sa, COAP_PROTO_DTLS,
	    &cpsk);
}

static coap_session_t *
pki_session(coap_context_t *cli, const coap_address_t *sa,
    const struct pki_pem *pem)
{
	coap_dtls_pki_t pki;

	pki_setup_pem(&pki, pem, cn_ok, NULL);
	return coap_new_client_session_pki(cli, NULL, sa, COAP_PROTO_DTLS,
	    &pki);
}

/* How many of s[0..n) are up once each is up or gone (10 s at most). */
static int
handshake(coap_context_t *srv, coap_context_t *cli, coap_session_t **s,
    int n)
{
	int up = 0;

	for (uint64_t end = now_ms() + 10000; now_ms() < end; ) {
		int done = 0;

		coap_io_process(srv, 5);
		coap_io_process(cli, 5);
		up = 0;
		for (int i = 0; i < n; i++) {
			coap_session_state_t st = s[i] != NULL ?
			    coap_session_get_state(s[i]) :
			    COAP_SESSION_STATE_NONE;

			up += st == COAP_SESSION_STATE_ESTABLISHED;
			done += st == COAP_SESSION_STATE_ESTABLISHED ||
			    st == COAP_SESSION_STATE_NONE;
		}
		if (done == n)
			break;
	}
	return up;
}

static void
release(coap_session_t **s, int n)
{
	for (int i = 0; i < n; i++)
		if (s[i] != NULL)
			coap_session_release(s[i]);
}

/* The contexts freed (their sessions with them), then no pair named: the
 * sessions still holding a shared parse, which must be none. */
static unsigned long
end_contexts(coap_context_t **ctx, int n)
{
	for (int i = 0; i < n; i++)
		coap_free_context(ctx[i]);
	pki_pem_checked(NULL);
	return pki_shared_users();
}

/* A DTLS server with PSK and X.509 (pem, named to pki_shared) on sa. */
static coap_context_t *
server(const coap_address_t *sa, const struct pki_pem *pem)
{
	coap_context_t *srv = coap_new_context(NULL);
	coap_dtls_spsk_t spsk;
	coap_dtls_pki_t pki;

	if (srv == NULL)
		return NULL;
	memset(&spsk, 0, sizeof(spsk));
	spsk.version = COAP_DTLS_SPSK_SETUP_VERSION;
	spsk.psk_info.hint.s = (const uint8_t *)"dotsgw";
	spsk.psk_info.hint.length = 6;
	spsk.psk_info.key.s = (const uint8_t *)KEY;
	spsk.psk_info.key.length = strlen(KEY);
	pki_setup_pem(&pki, pem, cn_ok, NULL);
	if (!coap_context_set_psk2(srv, &spsk) ||
	    !coap_context_set_pki(srv, &pki) ||
	    coap_new_endpoint(srv, sa, COAP_PROTO_DTLS) == NULL) {
		coap_free_context(srv);
		return NULL;
	}
	pki_pem_checked(pem);
	return srv;
}

int
main(void)
{
	struct pki_pem a, b, mixed, stranger, a2;
	char err[256];

	gnutls_global_init();
	coap_startup();
	coap_set_log_level(LOG_EMERG);
	coap_dtls_set_log_level(LOG_EMERG);
	make_pem(&a, "a.test");
	make_pem(&b, "b.test");
	/* a's certificate with b's key */
	mixed = a;
	mixed.key = b.key;
	mixed.key_len = b.key_len;
	/* b's pair, trusting a: a server of a does not know it */
	stranger = b;
	stranger.ca = a.ca;
	stranger.ca_len = a.ca_len;

	TEST("pki_pem_check takes a matching pair, refuses a mismatched one") {
		CHECK(pki_pem_check(&a, err, sizeof(err)) == 0);
		CHECK(pki_pem_check(&mixed, err, sizeof(err)) == -1);
	}

	TEST("PSK sessions share one parse; X.509 is verified against it") {
		coap_address_t sa = loopback(free_udp_port());
		coap_context_t *srv = server(&sa, &a);
		coap_context_t *cp = coap_new_context(NULL);
		coap_context_t *cg = coap_new_context(NULL);
		coap_context_t *cb = coap_new_context(NULL);
		coap_session_t *s[NPSK], *good, *bad;
		unsigned long l0 = pki_shared_loads();

		CHECK(srv != NULL && cp != NULL && cg != NULL && cb != NULL);
		for (int i = 0; i < NPSK; i++)
			s[i] = psk_session(cp, &sa);
		CHECK(handshake(srv, cp, s, NPSK) == NPSK);
		CHECK(pki_shared_loads() == l0 + 1);
		CHECK(pki_shared_users() >= NPSK);
		good = pki_session(cg, &sa, &a);
		CHECK(handshake(srv, cg, &good, 1) == 1);
		bad = pki_session(cb, &sa, &stranger);
		CHECK(handshake(srv, cb, &bad, 1) == 0);
		CHECK(pki_shared_loads() == l0 + 1);
		release(s, NPSK);
		release(&good, 1);
		release(&bad, 1);
		CHECK(end_contexts((coap_context_t *[]){ cp, cg, cb, srv },
		    4) == 0);
	}

	TEST("the shared parse skips GnuTLS's match check") {
		coap_address_t sa = loopback(free_udp_port());
		coap_context_t *srv = server(&sa, &mixed);
		coap_context_t *cp = coap_new_context(NULL);
		coap_session_t *s = NULL;
		unsigned long l0 = pki_shared_loads();

		CHECK(srv != NULL && cp != NULL);
		s = psk_session(cp, &sa);
		/* checked, the pair would fail every session's set-up */
		CHECK(handshake(srv, cp, &s, 1) == 1);
		CHECK(pki_shared_loads() == l0 + 1);
		release(&s, 1);
		CHECK(end_contexts((coap_context_t *[]){ cp, srv }, 2) == 0);
	}

	TEST("a new pair for new sessions; older ones keep theirs") {
		coap_address_t sa = loopback(free_udp_port());
		coap_context_t *srv = server(&sa, &a);
		coap_context_t *c1 = coap_new_context(NULL);
		coap_context_t *c2 = coap_new_context(NULL);
		coap_session_t *s1, *s2;
		coap_dtls_pki_t pki;
		unsigned long l0 = pki_shared_loads(), u1;

		CHECK(srv != NULL && c1 != NULL && c2 != NULL);
		s1 = psk_session(c1, &sa);
		CHECK(handshake(srv, c1, &s1, 1) == 1);
		u1 = pki_shared_users();
		/* a reload: the same pair read again, other buffers */
		a2 = a;
		a2.key = malloc(a.key_len);
		CHECK(a2.key != NULL);
		if (a2.key != NULL)
			memcpy(a2.key, a.key, a.key_len);
		pki_setup_pem(&pki, &a2, cn_ok, NULL);
		CHECK(coap_context_set_pki(srv, &pki));
		pki_pem_checked(&a2);
		CHECK(pki_shared_users() == u1);
		s2 = psk_session(c2, &sa);
		CHECK(handshake(srv, c2, &s2, 1) == 1);
		CHECK(pki_shared_loads() == l0 + 2);
		CHECK(pki_shared_users() > u1);
		CHECK(coap_session_get_state(s1) ==
		    COAP_SESSION_STATE_ESTABLISHED);
		release(&s1, 1);
		release(&s2, 1);
		coap_free_context(c1);
		coap_free_context(c2);
		coap_free_context(srv);
		CHECK(pki_shared_users() == 0);
		pki_pem_checked(NULL);
		free(a2.key);
	}
	pki_pem_free(&a);
	pki_pem_free(&b);
	coap_cleanup();
	gnutls_global_deinit();
	return UNIT_EXIT();
}
