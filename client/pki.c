#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "client/pki.h"

int
pki_files_readable(const char *ca, const char *cert, const char *key,
    char *err, size_t errlen)
{
	const char *files[] = { ca, cert, key };
	const char *what[] = { "CA", "certificate", "key" };

	for (size_t i = 0; i < 3; i++) {
		if (files[i] == NULL) {
			snprintf(err, errlen, "no %s file configured", what[i]);
			return -1;
		}
		if (access(files[i], R_OK) == -1) {
			snprintf(err, errlen, "cannot read %s: %s", files[i],
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* What both sides check of the peer, whatever holds our credentials. */
static void
verify_setup(coap_dtls_pki_t *p, coap_dtls_cn_callback_t cn_cb, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->version = COAP_DTLS_PKI_SETUP_VERSION;
	p->verify_peer_cert = 1;
	p->check_common_ca = 1;
	p->cert_chain_validation = 1;
	p->cert_chain_verify_depth = 3;
	p->allow_no_crl = 1;
	p->allow_expired_crl = 1;
	p->validate_cn_call_back = cn_cb;
	p->cn_call_back_arg = arg;
}

void
pki_setup(coap_dtls_pki_t *p, const char *ca, const char *cert,
    const char *key, coap_dtls_cn_callback_t cn_cb, void *arg)
{
	verify_setup(p, cn_cb, arg);
	p->pki_key.key_type = COAP_PKI_KEY_PEM;
	p->pki_key.key.pem.ca_file = ca;
	p->pki_key.key.pem.public_cert = cert;
	p->pki_key.key.pem.private_key = key;
}

/* A PEM file of more is not ours: a CA bundle is a few hundred KiB. */
#define PEM_MAX		(16 * 1024 * 1024)

/* path whole, with a NUL after it that *len counts. */
static int
pem_read(const char *path, const char *what, uint8_t **buf, size_t *len,
    char *err, size_t errlen)
{
	struct stat st;
	uint8_t *b = NULL, *nb;
	size_t n = 0, cap = 0, ncap, got;
	FILE *f;

	*buf = NULL;
	if (path == NULL) {
		snprintf(err, errlen, "no %s file configured", what);
		return -1;
	}
	if ((f = fopen(path, "re")) == NULL)
		goto fail;
	/* a regular file is read into one buffer of its size (and a byte
	 * to see its end): no realloc leaves copies of the key behind;
	 * anything else (a pipe) grows as it comes */
	cap = fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size < PEM_MAX ? (size_t)st.st_size + 2 : 8192;
	if ((b = malloc(cap)) == NULL)
		goto fail;
	while ((got = fread(b + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 < cap)
			continue;
		if ((ncap = cap * 2) > PEM_MAX + 1) {
			snprintf(err, errlen, "%s: more than %d bytes", path,
			    PEM_MAX);
			goto fail_set;
		}
		if ((nb = malloc(ncap)) == NULL)
			goto fail;
		memcpy(nb, b, n);
		explicit_bzero(b, cap);
		free(b);
		b = nb;
		cap = ncap;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	b[n] = '\0';
	*buf = b;
	*len = n + 1;
	return 0;
fail:
	snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
fail_set:
	if (f != NULL)
		fclose(f);
	if (b != NULL) {
		explicit_bzero(b, cap);
		free(b);
	}
	return -1;
}

int
pki_pem_load(struct pki_pem *pem, const char *ca, const char *cert,
    const char *key, char *err, size_t errlen)
{
	memset(pem, 0, sizeof(*pem));
	if (pem_read(ca, "CA", &pem->ca, &pem->ca_len, err, errlen) == -1 ||
	    pem_read(cert, "certificate", &pem->cert, &pem->cert_len, err,
	    errlen) == -1 ||
	    pem_read(key, "key", &pem->key, &pem->key_len, err,
	    errlen) == -1) {
		pki_pem_free(pem);
		return -1;
	}
	return 0;
}

void
pki_pem_free(struct pki_pem *pem)
{
	if (pem->key != NULL)
		explicit_bzero(pem->key, pem->key_len);
	free(pem->ca);
	free(pem->cert);
	free(pem->key);
	memset(pem, 0, sizeof(*pem));
}

int
pki_pem_check(const struct pki_pem *pem, char *err, size_t errlen)
{
	gnutls_certificate_credentials_t cred;
	/* the lengths count the NUL libcoap wants; GnuTLS does not */
	gnutls_datum_t ca = { pem->ca, pem->ca_len - 1 };
	gnutls_datum_t cert = { pem->cert, pem->cert_len - 1 };
	gnutls_datum_t key = { pem->key, pem->key_len - 1 };
	int rc;

	if (gnutls_certificate_allocate_credentials(&cred) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((rc = gnutls_certificate_set_x509_trust_mem(cred, &ca,
	    GNUTLS_X509_FMT_PEM)) <= 0)
		snprintf(err, errlen, "CA: %s", rc == 0 ?
		    "no certificate in it" : gnutls_strerror(rc));
	else if ((rc = pki_set_key_checking(cred, &cert, &key)) < 0)
		snprintf(err, errlen, "certificate and key: %s",
		    gnutls_strerror(rc));
	else
		rc = 0;
	gnutls_certificate_free_credentials(cred);
	return rc == 0 ? 0 : -1;
}

void
pki_setup_pem(coap_dtls_pki_t *p, const struct pki_pem *pem,
    coap_dtls_cn_callback_t cn_cb, void *arg)
{
	verify_setup(p, cn_cb, arg);
	p->pki_key.key_type = COAP_PKI_KEY_PEM_BUF;
	p->pki_key.key.pem_buf.ca_cert = pem->ca;
	p->pki_key.key.pem_buf.ca_cert_len = pem->ca_len;
	p->pki_key.key.pem_buf.public_cert = pem->cert;
	p->pki_key.key.pem_buf.public_cert_len = pem->cert_len;
	p->pki_key.key.pem_buf.private_key = pem->key;
	p->pki_key.key.pem_buf.private_key_len = pem->key_len;
}

/* Append "[, ]TYPE value" to buf (at *off); "..." once it is full. */
static void
name_add(char *buf, size_t len, size_t *off, const char *type,
    const char *fmt, ...)
{
	char v[256];
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	vsnprintf(v, sizeof(v), fmt, ap);
	va_end(ap);
	n = snprintf(buf + *off, len - *off, "%s%s %s", *off > 0 ? ", " : "",
	    type, v);
	if (n < 0 || (size_t)n >= len - *off) {
		/* cut: end in "..." if there is room for it */
		if (len >= 4)
			memcpy(buf + len - 4, "...", 4);
		*off = len;
		return;
	}
	*off += (size_t)n;
}

void
pki_cert_names(gnutls_x509_crt_t crt, char *buf, size_t len)
{
	char name[256], ip[INET6_ADDRSTRLEN];
	size_t n, off = 0;
	unsigned critical;
	int type;

	if (len == 0)
		return;
	buf[0] = '\0';
	n = sizeof(name);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	    0, name, &n) == 0)
		name_add(buf, len, &off, "CN", "%s", name);
	for (unsigned i = 0; i < 64; i++) {
		n = sizeof(name) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, name, &n,
		    &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type < 0 || n >= sizeof(name))
			continue;	/* one too long for us: skipped */
		name[n] = '\0';
		switch (type) {
		case GNUTLS_SAN_DNSNAME:
			name_add(buf, len, &off, "DNS", "%s", name);
			break;
		case GNUTLS_SAN_IPADDRESS:
			if ((n == 4 || n == 16) && inet_ntop(n == 4 ?
			    AF_INET : AF_INET6, name, ip, sizeof(ip)) != NULL)
				name_add(buf, len, &off, "IP", "%s", ip);
			break;
		case GNUTLS_SAN_URI:
			name_add(buf, len, &off, "URI", "%s", name);
			break;
		case GNUTLS_SAN_RFC822NAME:
			name_add(buf, len, &off, "email", "%s", name);
			break;
		default:
			break;
		}
	}
	if (off == 0)
		snprintf(buf, len, "no names");
}
