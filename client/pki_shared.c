/*
 * The server's X.509 credentials, parsed once per certificate and key
 * instead of once per DTLS session (NOTES.md, "Credentials per session").
 * libcoap 4.3.1's GnuTLS server gives every server session of a context
 * with PKI credentials of its own, PSK sessions too, from the first
 * ClientHello on, before the cookie exchange: setup_pki_credentials()
 * allocates them, loads our key, certificate and CA into them (GnuTLS
 * checks the pair with an ECDSA sign and verify), and the session frees
 * them. That is ~26 KiB and a parse for every ClientHello anyone sends.
 *
 * libcoap calls these GnuTLS functions through its PLT (objdump -R: a
 * JUMP_SLOT each), so the executable's definitions below are the ones it
 * reaches (ELF interposition, as bind() in gateway/core/reuseport.c).
 * Each is GnuTLS's own (dlsym(RTLD_NEXT)) unless libcoap is the caller
 * and the key is the buffer pki_pem_checked() named:
 * - allocate: remembers where libcoap keeps the new credentials;
 * - set_x509_key_mem: the first time, loads the pair without the match
 *   check (pki_pem_check() did it) and the credentials become the shared
 *   ones; after that, frees the empty ones just allocated and puts the
 *   shared ones in libcoap's place, which every later call then reads;
 * - set_x509_trust_mem: loads the CA into the shared ones once;
 * - free: one session less; the shared credentials go with the last
 *   session once pki_pem_checked() has named another pair (or NULL).
 * What else libcoap sets on them (verify function, limits, flags) comes
 * from the context's one setup and is the same for every session.
 * tests/unit/test_gw_pki_shared.c fails if libcoap stops calling them so.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdlib.h>
#include <gnutls/gnutls.h>

#include "client/pki.h"

typedef int (*alloc_fn)(gnutls_certificate_credentials_t *);
typedef int (*key_fn)(gnutls_certificate_credentials_t,
    const gnutls_datum_t *, const gnutls_datum_t *, gnutls_x509_crt_fmt_t);
typedef int (*trust_fn)(gnutls_certificate_credentials_t,
    const gnutls_datum_t *, gnutls_x509_crt_fmt_t);
typedef void (*free_fn)(gnutls_certificate_credentials_t);

struct shared {
	gnutls_certificate_credentials_t cred;
	unsigned long	 users;		/* libcoap sessions holding cred */
	int		 ca_count;	/* the CA's certificates, once loaded */
	struct shared	*next;		/* retired, still in use */
};

/*
 * Process-wide because GnuTLS's calls have no room for them; the daemon
 * is one thread.
 */
static struct {
	const void	*key;		/* pki_pem_checked()'s buffer */
	struct shared	*current;	/* its credentials, once loaded */
	struct shared	*retired;
	gnutls_certificate_credentials_t *slot, fresh;	/* last allocated */
	unsigned long	 loads;
	void		*libcoap;	/* its base address */
	alloc_fn	 alloc;
	key_fn		 set_key;
	trust_fn	 set_trust;
	free_fn		 free;
} ps;

static void *
gnutls_own(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (f == NULL)
		abort();	/* no GnuTLS: nothing could have called us */
	return f;
}

static void
resolve(void)
{
	Dl_info di;

	if (ps.alloc != NULL)
		return;
	ps.alloc = (alloc_fn)gnutls_own(
	    "gnutls_certificate_allocate_credentials");
	ps.set_key = (key_fn)gnutls_own("gnutls_certificate_set_x509_key_mem");
	ps.set_trust = (trust_fn)gnutls_own(
	    "gnutls_certificate_set_x509_trust_mem");
	ps.free = (free_fn)gnutls_own("gnutls_certificate_free_credentials");
	if (dladdr((void *)coap_new_context, &di) != 0)
		ps.libcoap = di.dli_fbase;
}

static bool
from_libcoap(const void *ret)
{
	Dl_info di;

	return ps.libcoap != NULL && dladdr(ret, &di) != 0 &&
	    di.dli_fbase == ps.libcoap;
}

static struct shared *
shared_of(gnutls_certificate_credentials_t cred)
{
	struct shared *s;

	if (cred == NULL)
		return NULL;
	if (ps.current != NULL && ps.current->cred == cred)
		return ps.current;
	for (s = ps.retired; s != NULL; s = s->next)
		if (s->cred == cred)
			return s;
	return NULL;
}

static void
shared_free(struct shared *s)
{
	ps.free(s->cred);
	free(s);
}

static void
retire_current(void)
{
	struct shared *s = ps.current;

	ps.current = NULL;
	if (s == NULL)
		return;
	if (s->users == 0) {
		shared_free(s);
		return;
	}
	s->next = ps.retired;
	ps.retired = s;
}

void
pki_pem_checked(const struct pki_pem *pem)
{
	resolve();
	/* always a new pair: a new buffer may sit where a freed one was */
	retire_current();
	ps.key = pem != NULL ? pem->key : NULL;
}

unsigned long
pki_shared_loads(void)
{
	return ps.loads;
}

unsigned long
pki_shared_users(void)
{
	unsigned long n = ps.current != NULL ? ps.current->users : 0;

	for (struct shared *s = ps.retired; s != NULL; s = s->next)
		n += s->users;
	return n;
}

int
pki_set_key_checking(gnutls_certificate_credentials_t res,
    const gnutls_datum_t *cert, const gnutls_datum_t *key)
{
	resolve();
	return ps.set_key(res, cert, key, GNUTLS_X509_FMT_PEM);
}

int
gnutls_certificate_allocate_credentials(gnutls_certificate_credentials_t *res)
{
	int rc;

	resolve();
	rc = ps.alloc(res);
	if (rc >= 0 && from_libcoap(__builtin_return_address(0))) {
		ps.slot = res;
		ps.fresh = *res;
	}
	return rc;
}

int
gnutls_certificate_set_x509_key_mem(gnutls_certificate_credentials_t res,
    const gnutls_datum_t *cert, const gnutls_datum_t *key,
    gnutls_x509_crt_fmt_t type)
{
	gnutls_certificate_credentials_t *slot = ps.slot;
	struct shared *s;
	int rc;

	resolve();
	if (ps.key == NULL || key == NULL || key->data != ps.key ||
	    slot == NULL || *slot != res || res != ps.fresh ||
	    !from_libcoap(__builtin_return_address(0)))
		return ps.set_key(res, cert, key, type);
	ps.slot = NULL;
	ps.fresh = NULL;
	if ((s = ps.current) != NULL) {
		ps.free(res);		/* empty: just allocated */
		*slot = s->cred;	/* freed with the session: below */
		s->users++;
		return 0;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return ps.set_key(res, cert, key, type);
	gnutls_certificate_set_flags(res,
	    GNUTLS_CERTIFICATE_SKIP_KEY_CERT_MATCH);
	if ((rc = ps.set_key(res, cert, key, type)) < 0) {
		free(s);
		return rc;
	}
	s->cred = res;
	s->users = 1;
	ps.current = s;
	ps.loads++;
	return rc;
}

int
gnutls_certificate_set_x509_trust_mem(gnutls_certificate_credentials_t res,
    const gnutls_datum_t *ca, gnutls_x509_crt_fmt_t type)
{
	struct shared *s;
	int rc;

	resolve();
	if ((s = shared_of(res)) == NULL)
		return ps.set_trust(res, ca, type);
	if (s->ca_count > 0)
		return s->ca_count;
	if ((rc = ps.set_trust(res, ca, type)) > 0)
		s->ca_count = rc;
	return rc;
}

void
gnutls_certificate_free_credentials(gnutls_certificate_credentials_t sc)
{
	struct shared *s, **pp;

	resolve();
	if ((s = shared_of(sc)) == NULL) {
		ps.free(sc);
		return;
	}
	if (s->users > 0)
		s->users--;
	if (s->users > 0 || s == ps.current)
		return;
	for (pp = &ps.retired; *pp != s; pp = &(*pp)->next)
		;
	*pp = s->next;
	shared_free(s);
}
